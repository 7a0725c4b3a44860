//! Amounts written the way the currency's own countries write them.

/// An amount in minor units (cents) with the currency code: `1.234,56 ARS`, `1,234.56 MXN`,
/// `12.346 CLP` (currencies without minor units are rounded).
pub fn format_amount(cents: i64, currency: &str) -> String {
    let (group, decimal) = if uses_decimal_point(currency) {
        (',', '.')
    } else {
        ('.', ',')
    };
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    if has_minor_units(currency) {
        format!(
            "{sign}{}{decimal}{:02} {currency}",
            group_digits(cents / 100, group),
            cents % 100
        )
    } else {
        format!(
            "{sign}{} {currency}",
            group_digits((cents + 50) / 100, group)
        )
    }
}

/// The Chilean and Paraguayan currencies have no minor units in use.
fn has_minor_units(currency: &str) -> bool {
    !matches!(currency, "CLP" | "PYG")
}

/// Mexico, Central America, the Caribbean, Peru and the dollar write `1,234.56`; the others
/// of the list (and the euro) write `1.234,56`.
fn uses_decimal_point(currency: &str) -> bool {
    matches!(
        currency,
        "MXN" | "GTQ" | "HNL" | "NIO" | "PAB" | "DOP" | "CUP" | "PEN" | "USD"
    )
}

fn group_digits(value: u64, separator: char) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::format_amount;

    #[test]
    fn amounts_follow_the_currency_convention() {
        assert_eq!(format_amount(123_456, "MXN"), "1,234.56 MXN");
        assert_eq!(format_amount(123_456, "ARS"), "1.234,56 ARS");
        assert_eq!(format_amount(1_234_567_890, "EUR"), "12.345.678,90 EUR");
        assert_eq!(format_amount(5, "USD"), "0.05 USD");
        assert_eq!(format_amount(-150, "USD"), "-1.50 USD");
    }

    #[test]
    fn currencies_without_cents_are_rounded() {
        assert_eq!(format_amount(1_234_550, "CLP"), "12.346 CLP");
        assert_eq!(format_amount(99, "PYG"), "1 PYG");
    }
}
