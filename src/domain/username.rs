//! Usernames: what people type to log in, unique without regard to case.

/// A trimmed username of 3 to 150 letters, digits and `. + - _`.
///
/// No `@`: a username is never an email address, so the two can be told apart and neither
/// can stand for the other. Usernames from before this rule may hold one; they stay valid
/// until changed ([`Username::parse_keeping`]).
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
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '+' | '-' | '_'))
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

    /// Like [`Username::parse`], but `current` (the account's username as stored) is taken
    /// back as it is, `@` included: an existing username keeps working until it changes.
    pub fn parse_keeping(input: &str, current: &str) -> Result<Self, UsernameProblem> {
        let value = input.trim();
        if !value.is_empty() && value == current {
            return Ok(Self(value.to_owned()));
        }
        Self::parse(input)
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
    fn accepts_letters_digits_and_the_four_symbols() {
        for ok in [
            "ana",
            "José.Pérez",
            "user+shop.1",
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
        let bad = [
            "ana maría",
            "a<b>",
            "a/b",
            "ana\u{0}",
            "ana;drop",
            "ana@example.com",
        ];
        let let_through: Vec<&str> = bad
            .into_iter()
            .filter(|b| Username::parse(b) != Err(UsernameProblem::BadCharacters))
            .collect();
        assert!(let_through.is_empty(), "{let_through:?}");
    }

    #[test]
    fn an_unchanged_username_with_an_at_sign_is_kept_and_a_new_one_refused() {
        let kept = Username::parse_keeping(" ana@shop ", "ana@shop").expect("kept");
        assert_eq!(kept.as_ref(), "ana@shop");
        assert_eq!(
            Username::parse_keeping("ana@shop2", "ana@shop"),
            Err(UsernameProblem::BadCharacters)
        );
        assert_eq!(
            Username::parse_keeping("ANA@shop", "ana@shop"),
            Err(UsernameProblem::BadCharacters)
        );
        assert!(Username::parse_keeping("ana.shop", "ana@shop").is_ok());
    }

    #[test]
    fn normalizes_unicode_case() {
        let name = Username::parse("ÁLVARO").expect("valid");
        assert_eq!(name.normalized(), "álvaro");
    }
}
