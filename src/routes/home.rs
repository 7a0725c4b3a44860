//! `GET /`: send people where they belong.

use actix_web::HttpRequest;
use actix_web::HttpResponse;

use crate::auth::CurrentUser;
use crate::paths;
use crate::render::see_other;

pub async fn home(req: HttpRequest) -> HttpResponse {
    if CurrentUser::of(&req).is_some() {
        see_other(paths::DASHBOARD)
    } else {
        see_other(paths::LOGIN)
    }
}
