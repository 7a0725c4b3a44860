//! Usernames: what people type to log in, unique without regard to case.

/// A trimmed username of 3 to 150 letters, digits and `@ . + - _`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

/// Why a username was refused; each maps to a translated message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsernameProblem {
    Empty,
    TooShort,
    TooLong,
    BadCharacters,
}

impl UsernameProblem {
    pub fn message_key(self) -> &'static str {
        match self {
            Self::Empty => "error-username-required",
            Self::TooShort => "error-username-too-short",
            Self::TooLong => "error-username-too-long",
            Self::BadCharacters => "error-username-characters",
        }
    }
}

impl From<UsernameProblem> for super::Problem {
    fn from(problem: UsernameProblem) -> Self {
        Self::new(problem.message_key())
    }
}

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 150;

impl Username {
    pub fn parse(input: &str) -> Result<Self, UsernameProblem> {
        let value = input.trim();
        let length = value.chars().count();
        if length == 0 {
            return Err(UsernameProblem::Empty);
        }
        if !value
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '@' | '.' | '+' | '-' | '_'))
        {
            return Err(UsernameProblem::BadCharacters);
        }
        if length < USERNAME_MIN {
            return Err(UsernameProblem::TooShort);
        }
        if length > USERNAME_MAX {
            return Err(UsernameProblem::TooLong);
        }
        Ok(Self(value.to_owned()))
    }

    /// The form used for uniqueness and login lookups.
    pub fn normalized(&self) -> String {
        normalize_login(&self.0)
    }
}

/// Folds what someone typed into the login field the same way usernames and emails are stored.
pub fn normalize_login(input: &str) -> String {
    input.trim().to_lowercase()
}

impl AsRef<str> for Username {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_letters_digits_and_the_five_symbols() {
        for ok in [
            "ana",
            "José.Pérez",
            "user+shop@1",
            "a-b_c",
            &"x".repeat(150),
        ] {
            assert!(Username::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(Username::parse("  ana  ").map(|u| u.0), Ok("ana".into()));
    }

    #[test]
    fn refuses_empty_short_long_and_other_characters() {
        assert_eq!(Username::parse("   "), Err(UsernameProblem::Empty));
        assert_eq!(Username::parse("ab"), Err(UsernameProblem::TooShort));
        assert_eq!(
            Username::parse(&"x".repeat(151)),
            Err(UsernameProblem::TooLong)
        );
        for bad in ["ana maría", "a<b>", "a/b", "ana\u{0}", "ana;drop"] {
            assert_eq!(
                Username::parse(bad),
                Err(UsernameProblem::BadCharacters),
                "{bad}"
            );
        }
    }

    #[test]
    fn normalizes_unicode_case() {
        let name = Username::parse("ÁLVARO").expect("valid");
        assert_eq!(name.normalized(), "álvaro");
    }
}
