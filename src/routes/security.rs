//! The security centre: `GET /seguridad/` (the user's live sessions and their history),
//! `POST /seguridad/sesiones/{id}/cerrar/`, `POST /seguridad/sesiones/cerrar-otras/` and
//! `POST /seguridad/no-fui-yo/`. The work is in `accounts::sessions`, `accounts::security_log`
//! and `accounts::lockdown`.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts;
use crate::accounts::security_centre::Centre;
use crate::accounts::security_log::HistoryEntry;
use crate::accounts::sessions::SessionSummary;
use crate::auth::session;
use crate::auth::{CurrentUser, RecentUser};
use crate::clock::Timestamp;
use crate::db::users::User;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::locale::{Moment, Reader};
use crate::paths;
use crate::render::{FlashLevel, Layout, PageContext, flash, see_other};

/// `?pagina=N` of the history.
#[derive(Debug, Default, Deserialize)]
pub struct HistoryQuery {
    #[serde(default)]
    pagina: Option<String>,
}

/// A session as the list shows it.
struct SessionRow {
    device: String,
    address: String,
    started: Moment,
    last_seen: Moment,
    /// "Recordada hasta …" for a remembered session.
    remembered_until: Option<String>,
    current: bool,
    /// Where its "sign out" button posts.
    end_action: String,
}

/// A linked provider account as the list shows it.
struct LinkedRow {
    email: String,
    since: String,
    /// Where its "Desvincular" button posts.
    unlink_action: String,
}

/// An event as the history shows it.
struct HistoryRow {
    what: String,
    when: Moment,
    address: String,
    device: String,
    actor: Option<String>,
}

#[derive(Template)]
#[template(path = "security/centre.html")]
struct SecurityPage {
    layout: Layout,
    sessions: Vec<SessionRow>,
    history: Vec<HistoryRow>,
    page: i64,
    previous_page: Option<String>,
    next_page: Option<String>,
    two_step: accounts::two_step::Status,
    /// "N recovery codes left", in words.
    codes_left_text: String,
    linked: Vec<LinkedRow>,
    /// "Vincular Google", when the provider is configured and reachable.
    link_button: Option<String>,
    /// "N passkeys", in words.
    passkeys_text: String,
}

impl SessionRow {
    fn new(lang: Lang, reader: &Reader, s: SessionSummary, now: Timestamp) -> Self {
        Self {
            device: lang.device(&s.user_agent),
            address: s.client_address,
            started: Moment::at(reader, s.started_at),
            last_seen: Moment::ago(reader, s.last_seen_at, now),
            remembered_until: s.remember_until.map(|t| reader.date_time(t)),
            current: s.current,
            end_action: paths::end_session(&s.public_id),
        }
    }
}

impl HistoryRow {
    fn new(lang: Lang, reader: &Reader, e: HistoryEntry, now: Timestamp) -> Self {
        Self {
            what: lang.t(&format!("event-{}", e.kind.as_str().replace('_', "-"))),
            when: Moment::ago(reader, e.at, now),
            address: e.client_address,
            device: lang.device(&e.user_agent),
            actor: e.actor,
        }
    }
}

impl SecurityPage {
    fn new(
        layout: Layout,
        user: &User,
        centre: Centre,
        provider: Option<&str>,
        now: Timestamp,
    ) -> Self {
        let Centre {
            sessions,
            history,
            two_step,
            linked,
        } = centre;
        let lang = layout.lang;
        let link_button =
            provider.map(|name| lang.t_args("oidc-link-with", &[("name", name.to_owned().into())]));
        let reader = Reader::of(user);
        let sessions = sessions
            .into_iter()
            .map(|s| SessionRow::new(lang, &reader, s, now))
            .collect();
        let rows = history
            .entries
            .into_iter()
            .map(|e| HistoryRow::new(lang, &reader, e, now))
            .collect();
        let linked = linked
            .into_iter()
            .map(|l| LinkedRow {
                email: l.email,
                since: reader.date(l.created_at),
                unlink_action: paths::unlink_identity(l.id),
            })
            .collect();
        let link = |page: i64| format!("{}?pagina={page}", paths::SECURITY);
        Self {
            layout,
            sessions,
            history: rows,
            page: history.page,
            previous_page: (history.page > 1).then(|| link(history.page - 1)),
            next_page: history.has_next.then(|| link(history.page + 1)),
            codes_left_text: lang.t_args(
                "two-step-centre-codes-left",
                &[("left", two_step.codes_left.into())],
            ),
            passkeys_text: lang.t_args(
                "passkeys-centre-count",
                &[("count", two_step.passkeys.into())],
            ),
            two_step,
            linked,
            link_button,
        }
    }

    fn has_other_sessions(&self) -> bool {
        self.sessions.iter().any(|s| !s.current)
    }
}

/// `GET /seguridad/`. A page number that is not a positive whole number is page 1.
pub async fn show_security(
    ctx: PageContext,
    current: CurrentUser,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, AppError> {
    let page = query
        .pagina
        .as_deref()
        .and_then(|p| p.trim().parse::<i64>().ok())
        .filter(|&p| (1..=1_000_000).contains(&p))
        .unwrap_or(1);
    let centre = accounts::security_centre::centre(&ctx.state, &current.session, page).await?;
    let provider = ctx.state.oidc.as_ref().filter(|p| p.is_ready());
    let name = provider.map(|p| p.settings().name.as_str());
    let now = ctx.state.clock.now();
    ctx.ok(&SecurityPage::new(
        ctx.layout(),
        &current.user,
        centre,
        name,
        now,
    ))
}

/// `POST /seguridad/sesiones/{id}/cerrar/`: ends one of the user's other sessions.
pub async fn end_session(
    ctx: PageContext,
    recent: RecentUser,
    public_id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let RecentUser { current, recent } = recent;
    accounts::sessions::end_other(
        &ctx.state,
        &ctx.client(),
        &current.session,
        public_id.into_inner(),
        recent,
    )
    .await?;
    ctx.redirect_with(
        paths::SECURITY,
        FlashLevel::Success,
        "security-session-ended",
    )
}

/// `POST /seguridad/sesiones/cerrar-otras/`: ends every session but this one.
pub async fn end_other_sessions(
    ctx: PageContext,
    recent: RecentUser,
) -> Result<HttpResponse, AppError> {
    let RecentUser { current, recent } = recent;
    accounts::sessions::end_others(&ctx.state, &ctx.client(), &current.session, recent).await?;
    ctx.redirect_with(
        paths::SECURITY,
        FlashLevel::Success,
        "security-other-sessions-ended",
    )
}

/// `POST /seguridad/no-fui-yo/`: locks the account down. The session ends with it, so the
/// explanation waits on the sign-in page.
pub async fn not_me(ctx: PageContext, current: CurrentUser) -> Result<HttpResponse, AppError> {
    accounts::lockdown::not_me(&ctx.state, &ctx.client(), &current.user).await?;
    session::forget(&ctx.session);
    flash(&ctx.session, FlashLevel::Info, "security-not-me-done");
    Ok(see_other(paths::LOGIN))
}
