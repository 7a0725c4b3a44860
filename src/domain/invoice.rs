//! The invoice-settings form: what an admin's invoices say about the business.

use super::EmailAddress;
use super::profile::Phone;

pub const COMPANY_MAX: usize = 150;
pub const ADDRESS_MAX: usize = 200;
pub const PHONE_MAX: usize = 50;
pub const MESSAGE_MAX: usize = 1000;

/// The form as submitted (checkboxes are on when present).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct InvoiceInput {
    pub company_name: String,
    pub address: String,
    pub phone: String,
    pub contact_email: String,
    pub custom_message: String,
    pub show_address: bool,
    pub show_phone: bool,
    pub show_email: bool,
    pub show_message: bool,
}

/// Invoice settings that passed every rule (every field may be empty; the preview shows a
/// placeholder for a missing company name): single-line texts trimmed, the message with its
/// line breaks kept (as `\n`), the phone as typed once it follows the profile's phone rules.
/// Only [`InvoiceDetails::parse`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceDetails(InvoiceInput);

/// Why a field was refused: a catalog key, and the limit when the message names one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvoiceProblem {
    pub key: &'static str,
    pub max: Option<usize>,
}

impl InvoiceProblem {
    const fn plain(key: &'static str) -> Self {
        Self { key, max: None }
    }

    const fn too_long(max: usize) -> Self {
        Self {
            key: "error-text-too-long",
            max: Some(max),
        }
    }
}

impl From<InvoiceProblem> for super::Problem {
    fn from(problem: InvoiceProblem) -> Self {
        match problem.max {
            Some(max) => Self::with(problem.key, "max", max as u64),
            None => Self::new(problem.key),
        }
    }
}

impl InvoiceDetails {
    /// Every field is checked, so every problem is reported at once.
    pub fn parse(input: &InvoiceInput) -> Result<Self, super::Problems> {
        let mut problems = super::Problems::new();
        let mut check = |field, result: Result<String, InvoiceProblem>| {
            problems.check(field, result).unwrap_or_default()
        };
        let company_name = check(
            "nombre_empresa",
            single_line(&input.company_name, COMPANY_MAX),
        );
        let address = check("direccion", single_line(&input.address, ADDRESS_MAX));
        let phone = check("telefono", invoice_phone(&input.phone));
        let contact_email = check("email_contacto", optional_email(&input.contact_email));
        let custom_message = check("mensaje_personalizado", message(&input.custom_message));
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Self(InvoiceInput {
            company_name,
            address,
            phone,
            contact_email,
            custom_message,
            ..input.clone()
        }))
    }

    /// The checked values.
    pub fn fields(&self) -> &InvoiceInput {
        &self.0
    }
}

/// Trimmed, inner whitespace (line breaks too) collapsed, no other control characters, at
/// most `max` characters.
/// A company name as the invoice form takes it (one line, spaces collapsed, at most
/// [`COMPANY_MAX`] characters; may be empty). The sign-up form uses it too.
pub fn parse_company_name(input: &str) -> Result<String, InvoiceProblem> {
    single_line(input, COMPANY_MAX)
}

fn single_line(input: &str, max: usize) -> Result<String, InvoiceProblem> {
    if input.chars().any(|c| c.is_control() && !c.is_whitespace()) {
        return Err(InvoiceProblem::plain("error-text-characters"));
    }
    let value = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if value.chars().count() > max {
        return Err(InvoiceProblem::too_long(max));
    }
    Ok(value)
}

fn invoice_phone(input: &str) -> Result<String, InvoiceProblem> {
    let value = input.split_whitespace().collect::<Vec<_>>().join(" ");
    match Phone::parse_within(&value, PHONE_MAX) {
        Ok(_) => Ok(value),
        Err("error-phone-too-long") => Err(InvoiceProblem::too_long(PHONE_MAX)),
        Err(key) => Err(InvoiceProblem::plain(key)),
    }
}

fn optional_email(input: &str) -> Result<String, InvoiceProblem> {
    if input.trim().is_empty() {
        return Ok(String::new());
    }
    EmailAddress::parse(input)
        .map(|email| email.as_ref().to_owned())
        .map_err(|problem| InvoiceProblem::plain(problem.message_key()))
}

/// Line breaks kept (any of CRLF, CR, LF becomes LF), tabs allowed, other control characters
/// refused; surrounding blank space trimmed.
fn message(input: &str) -> Result<String, InvoiceProblem> {
    let value = input.replace("\r\n", "\n").replace('\r', "\n");
    let value = value.trim();
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(InvoiceProblem::plain("error-text-characters"));
    }
    if value.chars().count() > MESSAGE_MAX {
        return Err(InvoiceProblem::too_long(MESSAGE_MAX));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> InvoiceInput {
        InvoiceInput {
            company_name: "  Ferretería   Núñez ".into(),
            address: "Av. Siempre Viva 742".into(),
            phone: "+52 (55) 1234 5678".into(),
            contact_email: " Ventas@Example.com ".into(),
            custom_message: "Gracias por su compra.\r\nVuelva pronto.\r\n".into(),
            ..InvoiceInput::default()
        }
    }

    #[test]
    fn valid_settings_are_tidied() {
        let details = InvoiceDetails::parse(&valid()).unwrap();
        let details = details.fields();
        assert_eq!(details.company_name, "Ferretería Núñez");
        assert_eq!(details.phone, "+52 (55) 1234 5678");
        assert_eq!(details.contact_email, "ventas@example.com");
        assert_eq!(
            details.custom_message,
            "Gracias por su compra.\nVuelva pronto."
        );
    }

    #[test]
    fn every_field_may_be_empty() {
        let details = InvoiceDetails::parse(&InvoiceInput::default()).unwrap();
        let details = details.fields();
        assert_eq!(details.company_name, "");
        assert_eq!(details.contact_email, "");
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let input = InvoiceInput {
            company_name: "x".repeat(COMPANY_MAX + 1),
            address: "Calle\u{0}1".into(),
            phone: "55-abc".into(),
            contact_email: "no-es-un-correo".into(),
            custom_message: "y".repeat(MESSAGE_MAX + 1),
            ..InvoiceInput::default()
        };
        let fields: Vec<_> = InvoiceDetails::parse(&input)
            .unwrap_err()
            .iter()
            .map(|(field, problem)| (field, problem.key))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("nombre_empresa", "error-text-too-long"),
                ("direccion", "error-text-characters"),
                ("telefono", "error-phone-characters"),
                ("email_contacto", "error-email-invalid"),
                ("mensaje_personalizado", "error-text-too-long"),
            ]
        );
    }

    #[test]
    fn limits_count_characters_not_bytes() {
        let input = InvoiceInput {
            company_name: "ñ".repeat(COMPANY_MAX),
            custom_message: "é".repeat(MESSAGE_MAX),
            ..InvoiceInput::default()
        };
        assert!(InvoiceDetails::parse(&input).is_ok());
    }

    #[test]
    fn the_invoice_phone_has_more_room_than_the_profile_phone() {
        let spaced = "+52 (55) 1234 - 5678 - 90";
        assert!(Phone::parse(spaced).is_err());
        assert_eq!(invoice_phone(spaced), Ok(spaced.into()));
        assert_eq!(
            invoice_phone(&format!("+52 {}", " (55)".repeat(12))),
            Err(InvoiceProblem::too_long(PHONE_MAX))
        );
    }
}
