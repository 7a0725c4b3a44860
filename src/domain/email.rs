//! Email addresses, stored lower-case.

/// A trimmed, lower-cased address with a plausible local part and a dotted domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailAddress(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailProblem {
    Empty,
    Invalid,
}

impl EmailProblem {
    pub fn message_key(self) -> &'static str {
        match self {
            Self::Empty => "error-email-required",
            Self::Invalid => "error-email-invalid",
        }
    }
}

impl From<EmailProblem> for super::Problem {
    fn from(problem: EmailProblem) -> Self {
        Self::new(problem.message_key())
    }
}

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, EmailProblem> {
        let value = input.trim().to_lowercase();
        if value.is_empty() {
            return Err(EmailProblem::Empty);
        }
        let (local, domain) = value.split_once('@').ok_or(EmailProblem::Invalid)?;
        if value.len() > 254 || !valid_local_part(local) || !valid_domain(domain) {
            return Err(EmailProblem::Invalid);
        }
        Ok(Self(value))
    }
}

fn valid_local_part(local: &str) -> bool {
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_lowercases() {
        let email = EmailAddress::parse("  Ana.Perez+tienda@Example.COM ").expect("valid");
        assert_eq!(email.as_ref(), "ana.perez+tienda@example.com");
    }

    #[test]
    fn refuses_what_is_not_an_address() {
        assert_eq!(EmailAddress::parse(" "), Err(EmailProblem::Empty));
        for bad in [
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "ana@@example.com",
            "ana@exa mple.com",
            "ana..b@example.com",
            "ana@-example.com",
            "ana@example.c0m",
            "ana\r\nBcc: x@example.com",
            "ana@example.com>",
        ] {
            assert_eq!(
                EmailAddress::parse(bad),
                Err(EmailProblem::Invalid),
                "{bad:?}"
            );
        }
        let long = format!("{}@example.com", "a".repeat(65));
        assert_eq!(EmailAddress::parse(&long), Err(EmailProblem::Invalid));
    }
}
