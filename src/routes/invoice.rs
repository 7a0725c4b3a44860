//! `GET /factura/vista-previa/`: a sample invoice with the admin's settings, showing exactly
//! the parts whose toggles are on, ready to print.

use actix_web::HttpResponse;
use askama::Template;

use crate::accounts;
use crate::auth::AdminUser;
use crate::error::AppError;
use crate::locale::Reader;
use crate::render::{Layout, PageContext};

/// The sample lines: (catalog key of the description, quantity, unit price in US cents).
const SAMPLE_LINES: [(&str, i64, i64); 3] = [
    ("invoice-sample-item-1", 2, 45_000),
    ("invoice-sample-item-2", 10, 3_250),
    ("invoice-sample-item-3", 1, 120_000),
];
/// The sample tax, in percent.
const SAMPLE_TAX_PERCENT: i64 = 16;

/// The sample prices are in US dollars; this many units of `currency` make about one, rounded
/// to a friendly number, so a chair costs what a chair costs in pesos or guaraníes.
fn units_per_dollar(currency: &str) -> i64 {
    match currency {
        "ARS" => 1000,
        "BOB" | "GTQ" => 8,
        "CLP" => 900,
        "COP" => 4000,
        "CRC" => 500,
        "CUP" | "HNL" => 25,
        "DOP" => 60,
        "MXN" => 18,
        "NIO" => 37,
        "PEN" => 4,
        "PYG" => 7500,
        "UYU" | "VES" => 40,
        _ => 1,
    }
}

struct Line {
    description: String,
    quantity: i64,
    unit_price: String,
    amount: String,
}

#[derive(Template)]
#[template(path = "admin/invoice_preview.html")]
struct InvoicePreview {
    layout: Layout,
    company_name: String,
    /// Each optional part is `Some` only when its toggle is on and it has a value.
    address: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    message: Option<String>,
    date: String,
    lines: Vec<Line>,
    subtotal: String,
    tax_percent: i64,
    tax: String,
    total: String,
}

pub async fn show_invoice_preview(
    ctx: PageContext,
    AdminUser(current): AdminUser,
) -> Result<HttpResponse, AppError> {
    let user = &current.user;
    let settings = accounts::invoice::settings_of(&ctx.state, user).await?;
    let now = ctx.state.clock.now();
    let layout = ctx.layout();
    let currency = user.currency.as_str();
    let reader = Reader::of(user);
    let format_amount = |cents: i64, currency: &str| reader.amount(cents, currency);
    let scale = units_per_dollar(currency);
    let lines: Vec<Line> = SAMPLE_LINES
        .iter()
        .map(|&(key, quantity, unit_cents)| Line {
            description: layout.lang.t(key),
            quantity,
            unit_price: format_amount(unit_cents * scale, currency),
            amount: format_amount(unit_cents * scale * quantity, currency),
        })
        .collect();
    let subtotal: i64 = SAMPLE_LINES
        .iter()
        .map(|&(_, q, unit)| q * unit * scale)
        .sum();
    let tax = subtotal * SAMPLE_TAX_PERCENT / 100;
    let shown = |on: bool, value: &str| (on && !value.is_empty()).then(|| value.to_owned());
    let preview = InvoicePreview {
        company_name: if settings.company_name.is_empty() {
            layout.lang.t("invoice-company-placeholder")
        } else {
            settings.company_name.clone()
        },
        address: shown(settings.show_address, &settings.address),
        phone: shown(settings.show_phone, &settings.phone),
        email: shown(settings.show_email, &settings.contact_email),
        message: shown(settings.show_message, &settings.custom_message),
        date: reader.date(now),
        lines,
        subtotal: format_amount(subtotal, currency),
        tax_percent: SAMPLE_TAX_PERCENT,
        tax: format_amount(tax, currency),
        total: format_amount(subtotal + tax, currency),
        layout,
    };
    ctx.ok(&preview)
}
