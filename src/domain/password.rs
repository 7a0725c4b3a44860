//! The password policy shared by every form that sets a password (and `create-admin`).
//!
//! Passwords are never trimmed or changed. Every failing rule is reported, so the user fixes
//! them all at once.

use zxcvbn::feedback::Warning;

/// The configurable part of the policy.
#[derive(Clone, Copy, Debug)]
pub struct PasswordPolicy {
    pub min_length: usize,
    pub require_letter_and_digit: bool,
}

/// A password longer than this is refused outright: hashing cost and zxcvbn time stay bounded.
pub const PASSWORD_MAX: usize = 1024;
/// zxcvbn's work grows quickly with length; what it finds is in the first characters anyway.
const STRENGTH_CHECK_CHARS: usize = 100;

/// One broken rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort { min: usize },
    TooLong,
    EntirelyNumeric,
    NeedsLetterAndDigit,
    Common,
    TooSimilar,
    TooWeak,
}

impl PasswordProblem {
    pub fn message_key(self) -> &'static str {
        match self {
            Self::TooShort { .. } => "password-too-short",
            Self::TooLong => "password-too-long",
            Self::EntirelyNumeric => "password-entirely-numeric",
            Self::NeedsLetterAndDigit => "password-needs-letter-and-digit",
            Self::Common => "password-common",
            Self::TooSimilar => "password-too-similar",
            Self::TooWeak => "password-too-weak",
        }
    }
}

impl From<PasswordProblem> for super::Problem {
    fn from(problem: PasswordProblem) -> Self {
        let key = problem.message_key();
        match problem {
            PasswordProblem::TooShort { min } => {
                Self::with(key, "min", u64::try_from(min).unwrap_or(u64::MAX))
            }
            PasswordProblem::TooLong => Self::with(key, "max", PASSWORD_MAX as u64),
            _ => Self::new(key),
        }
    }
}

/// A stored argon2 hash. Never printed: its `Debug` is redacted, so no log of a user row
/// carries it.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for PasswordHash {
    fn from(hash: String) -> Self {
        Self(hash)
    }
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(…)")
    }
}

/// A password that passed the policy.
pub struct NewPassword(String);

impl NewPassword {
    /// Checks `candidate` against the policy; `personal` holds the username, email and names
    /// it must not resemble.
    pub fn parse(
        candidate: &str,
        policy: PasswordPolicy,
        personal: &[&str],
    ) -> Result<Self, Vec<PasswordProblem>> {
        let mut problems = Vec::new();
        let length = candidate.chars().count();
        if length < policy.min_length {
            problems.push(PasswordProblem::TooShort {
                min: policy.min_length,
            });
        }
        if length > PASSWORD_MAX {
            problems.push(PasswordProblem::TooLong);
            return Err(problems);
        }
        if !candidate.is_empty() && candidate.chars().all(|c| c.is_numeric()) {
            problems.push(PasswordProblem::EntirelyNumeric);
        } else if policy.require_letter_and_digit
            && !(candidate.chars().any(char::is_alphabetic)
                && candidate.chars().any(char::is_numeric))
        {
            problems.push(PasswordProblem::NeedsLetterAndDigit);
        }
        if !candidate.is_empty()
            && let Some(problem) = strength_problem(candidate, personal)
        {
            problems.push(problem);
        }
        if problems.is_empty() {
            Ok(Self(candidate.to_owned()))
        } else {
            Err(problems)
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

fn strength_problem(candidate: &str, personal: &[&str]) -> Option<PasswordProblem> {
    let sample: String = candidate.chars().take(STRENGTH_CHECK_CHARS).collect();
    // zxcvbn matches user inputs as whole words; give it the parts of an email too.
    let mut inputs: Vec<&str> = Vec::new();
    for value in personal.iter().filter(|v| !v.is_empty()) {
        inputs.push(value);
        inputs.extend(
            value
                .split(['@', '.', '_', '-', '+', ' '])
                .filter(|p| p.len() >= 3),
        );
    }
    // zxcvbn forgives a personal word inside a longer password ("ana-example-2024" scores
    // well); a password that contains a personal word of four letters or more is refused.
    let lowered = candidate.to_lowercase();
    if inputs
        .iter()
        .map(|input| input.to_lowercase())
        .any(|input| input.chars().count() >= 4 && lowered.contains(&input))
    {
        return Some(PasswordProblem::TooSimilar);
    }
    let with_personal = zxcvbn::zxcvbn(&sample, &inputs);
    if u8::from(with_personal.score()) >= 2 {
        return None;
    }
    let without_personal = zxcvbn::zxcvbn(&sample, &[]);
    if u8::from(without_personal.score()) >= 2 {
        return Some(PasswordProblem::TooSimilar);
    }
    let common = without_personal
        .feedback()
        .and_then(|f| f.warning())
        .is_some_and(|w| {
            matches!(
                w,
                Warning::ThisIsATop10Password
                    | Warning::ThisIsATop100Password
                    | Warning::ThisIsACommonPassword
                    | Warning::ThisIsSimilarToACommonlyUsedPassword
            )
        });
    Some(if common {
        PasswordProblem::Common
    } else {
        PasswordProblem::TooWeak
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: PasswordPolicy = PasswordPolicy {
        min_length: 8,
        require_letter_and_digit: true,
    };

    fn problems(candidate: &str, personal: &[&str]) -> Vec<PasswordProblem> {
        NewPassword::parse(candidate, POLICY, personal)
            .err()
            .unwrap_or_default()
    }

    #[test]
    fn a_long_unusual_password_passes() {
        assert!(problems("Tortuga-Verde-42-Montaña", &["ana"]).is_empty());
    }

    #[test]
    fn each_rule_reports_its_own_problem() {
        assert!(problems("a1b2", &[]).contains(&PasswordProblem::TooShort { min: 8 }));
        assert!(problems("12345678901", &[]).contains(&PasswordProblem::EntirelyNumeric));
        assert!(
            problems("onlylettersherefriend", &[]).contains(&PasswordProblem::NeedsLetterAndDigit)
        );
        assert!(problems("password1", &[]).contains(&PasswordProblem::Common));
        assert!(
            problems("xqvtrnzlp77", &["xqvtrnzlp@example.com"])
                .contains(&PasswordProblem::TooSimilar)
        );
        assert!(problems("xqvtrnzlp77", &["ana"]).is_empty());
        assert!(
            problems("Ana-Example-2024", &["ana", "ana@example.com"])
                .contains(&PasswordProblem::TooSimilar)
        );
        assert!(
            problems("tienda-Gonzalez-9", &["Gonzalez"]).contains(&PasswordProblem::TooSimilar)
        );
        assert_eq!(
            problems(&"aB3".repeat(400), &[]),
            vec![PasswordProblem::TooLong]
        );
    }

    #[test]
    fn the_letter_and_digit_rule_can_be_turned_off() {
        let relaxed = PasswordPolicy {
            require_letter_and_digit: false,
            ..POLICY
        };
        assert!(NewPassword::parse("correct horse battery staple", relaxed, &[]).is_ok());
    }

    #[test]
    fn passwords_are_never_trimmed() {
        let password = NewPassword::parse("  Tortuga-Verde-42  ", POLICY, &[]).expect("valid");
        assert_eq!(password.expose(), "  Tortuga-Verde-42  ");
    }
}
