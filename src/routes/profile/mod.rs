//! The profile page (`GET /perfil/`) and its two forms: the profile (`POST
//! /actualizar-perfil/`, its photo and address buttons) in `edit`, and an admin's invoice
//! settings (`POST /perfil/` with `guardar_factura`) in `invoice`; the photo a form with another
//! error kept for the next save in `pending_photo`. Both forms re-render the one page model in
//! `page`.

mod edit;
mod invoice;
mod page;
mod pending_photo;

pub use edit::{
    cancel_email_change, remove_profile_photo, send_email_verification, show_profile,
    submit_profile,
};
pub use invoice::submit_invoice_settings;
pub use page::too_large_page;
pub use pending_photo::{discard_pending_photo, show_pending_photo};
