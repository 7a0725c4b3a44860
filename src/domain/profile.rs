//! The values of the profile form: names, phone, currency and time zone.

/// A first or last name: letters (any script), spaces, apostrophes and hyphens; inner
/// whitespace collapsed; 1 to 100 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonName(String);

pub const NAME_MAX: usize = 100;

impl PersonName {
    /// Returns the catalog key of the problem when the name is refused.
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let collapsed = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.is_empty() {
            return Err("error-name-required");
        }
        if collapsed.chars().count() > NAME_MAX {
            return Err("error-name-too-long");
        }
        let allowed = |c: char| c.is_alphabetic() || matches!(c, ' ' | '\'' | '’' | '-');
        if !collapsed.chars().all(allowed) || !collapsed.chars().any(char::is_alphabetic) {
            return Err("error-name-characters");
        }
        Ok(Self(collapsed))
    }
}

impl AsRef<str> for PersonName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// An optional phone number, stored as `+` (when given) followed by its digits only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone(String);

/// The longest phone the profile accepts, as typed.
pub const PHONE_MAX: usize = 20;

impl Phone {
    /// An empty input is no phone (`Ok(None)`).
    pub fn parse(input: &str) -> Result<Option<Self>, &'static str> {
        Self::parse_within(input, PHONE_MAX)
    }

    /// The same rules with another length limit (the invoice allows more room for spacing).
    pub fn parse_within(input: &str, max_chars: usize) -> Result<Option<Self>, &'static str> {
        let value = input.trim();
        if value.is_empty() {
            return Ok(None);
        }
        if value.chars().count() > max_chars {
            return Err("error-phone-too-long");
        }
        if !value
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')'))
        {
            return Err("error-phone-characters");
        }
        let plus = value.find('+');
        if plus.is_some_and(|at| at != 0) || value.matches('+').count() > 1 {
            return Err("error-phone-characters");
        }
        let digits: String = value.chars().filter(char::is_ascii_digit).collect();
        if !(7..=15).contains(&digits.len()) {
            return Err("error-phone-digits");
        }
        Ok(Some(Self(if plus.is_some() {
            format!("+{digits}")
        } else {
            digits
        })))
    }
}

impl AsRef<str> for Phone {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The currencies offered: those of the Spanish-speaking Americas, plus EUR and USD.
pub const CURRENCIES: [&str; 18] = [
    "ARS", "BOB", "CLP", "COP", "CRC", "CUP", "DOP", "EUR", "GTQ", "HNL", "MXN", "NIO", "PAB",
    "PEN", "PYG", "USD", "UYU", "VES",
];

/// Checks a currency code against [`CURRENCIES`].
pub fn parse_currency(input: &str) -> Result<&'static str, &'static str> {
    let code = input.trim().to_ascii_uppercase();
    CURRENCIES
        .iter()
        .find(|c| **c == code)
        .copied()
        .ok_or("error-currency")
}

/// Reads a time zone: an IANA name (`America/Mexico_City`), in any case, or just its city
/// (`mexico city`, `Madrid`) when one zone has it. The form offers the names as suggestions
/// (a script fills them in), so without a script typing the city is enough.
pub fn parse_timezone(input: &str) -> Result<chrono_tz::Tz, &'static str> {
    let input = input.trim();
    if let Ok(tz) = input.parse::<chrono_tz::Tz>() {
        return Ok(tz);
    }
    if input.is_empty() || input.len() > 64 {
        return Err("error-timezone");
    }
    let wanted = input.replace(' ', "_").to_ascii_lowercase();
    let city = |name: &str| name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
    let by_name = chrono_tz::TZ_VARIANTS
        .iter()
        .find(|tz| tz.name().eq_ignore_ascii_case(&wanted));
    if let Some(tz) = by_name {
        return Ok(*tz);
    }
    // A city in two names is one place under an old and a new name
    // (`America/Buenos_Aires`, `America/Argentina/Buenos_Aires`): the first will do.
    chrono_tz::TZ_VARIANTS
        .iter()
        .find(|tz| tz.name().contains('/') && city(tz.name()) == wanted)
        .copied()
        .ok_or("error-timezone")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_allow_any_letters_and_collapse_spaces() {
        assert_eq!(
            PersonName::parse("  María   José ").map(|n| n.0),
            Ok("María José".into())
        );
        assert!(PersonName::parse("O'Connor-Núñez").is_ok());
        assert!(PersonName::parse("Żółć").is_ok());
        assert_eq!(PersonName::parse("  "), Err("error-name-required"));
        assert_eq!(PersonName::parse("Ana3"), Err("error-name-characters"));
        assert_eq!(
            PersonName::parse("<b>Ana</b>"),
            Err("error-name-characters")
        );
        assert_eq!(PersonName::parse("'-"), Err("error-name-characters"));
        assert_eq!(
            PersonName::parse(&"a".repeat(101)),
            Err("error-name-too-long")
        );
    }

    #[test]
    fn phones_are_normalised() {
        assert_eq!(Phone::parse(""), Ok(None));
        assert_eq!(
            Phone::parse("+34 600-123 (456)").map(|p| p.map(|p| p.0)),
            Ok(Some("+34600123456".into()))
        );
        assert_eq!(Phone::parse("600 12 34"), Ok(Some(Phone("6001234".into()))));
        assert_eq!(Phone::parse("12345"), Err("error-phone-digits"));
        assert_eq!(Phone::parse("1234567890123456"), Err("error-phone-digits"));
        assert_eq!(Phone::parse("600a123456"), Err("error-phone-characters"));
        assert_eq!(Phone::parse("600+123456"), Err("error-phone-characters"));
        assert_eq!(
            Phone::parse("+1 (555) 000-0000 ext"),
            Err("error-phone-too-long")
        );
    }

    #[test]
    fn currencies_and_time_zones_come_from_fixed_lists() {
        assert_eq!(parse_currency("mxn"), Ok("MXN"));
        assert_eq!(parse_currency("XYZ"), Err("error-currency"));
        assert!(parse_timezone("America/Mexico_City").is_ok());
        assert_eq!(parse_timezone("Mars/Olympus"), Err("error-timezone"));
        assert_eq!(parse_timezone(""), Err("error-timezone"));
        assert_eq!(parse_timezone(&"a".repeat(500)), Err("error-timezone"));
    }

    #[test]
    fn a_time_zone_can_be_typed_as_its_city_in_any_case() {
        let name = |input: &str| parse_timezone(input).map(|tz| tz.name());
        assert_eq!(name("america/mexico_city"), Ok("America/Mexico_City"));
        assert_eq!(name(" Mexico City "), Ok("America/Mexico_City"));
        assert_eq!(name("madrid"), Ok("Europe/Madrid"));
        assert_eq!(name("utc"), Ok("UTC"));
        assert_eq!(name("Olympus"), Err("error-timezone"));
    }
}
