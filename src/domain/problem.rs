//! [`Problems`]: what was wrong with some input, field by field, in no language yet. Every form
//! and (later) the API's 422 body are built from it; the words come from the catalogs when a
//! front shows it (`render::FieldErrors` for pages).

/// One broken rule: a catalog key and the numbers its message names (`min`, `max`, `mb`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub key: &'static str,
    pub args: Vec<(&'static str, u64)>,
}

impl Problem {
    /// A rule whose message needs no numbers.
    pub fn new(key: &'static str) -> Self {
        Self {
            key,
            args: Vec::new(),
        }
    }

    /// A rule whose message names a number, e.g. `("max", 150)`.
    pub fn with(key: &'static str, name: &'static str, value: u64) -> Self {
        Self {
            key,
            args: vec![(name, value)],
        }
    }
}

impl From<&'static str> for Problem {
    fn from(key: &'static str) -> Self {
        Self::new(key)
    }
}

/// One or more problems per field, in the order they were found (the error summary lists
/// them in that order). A field is named as the form and the API name it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Problems(Vec<(&'static str, Problem)>);

impl Problems {
    pub fn new() -> Self {
        Self::default()
    }

    /// Problems that concern a single field.
    pub fn one(field: &'static str, problem: impl Into<Problem>) -> Self {
        let mut problems = Self::new();
        problems.add(field, problem);
        problems
    }

    pub fn add(&mut self, field: &'static str, problem: impl Into<Problem>) {
        let problem = problem.into();
        if !self.0.iter().any(|(f, p)| *f == field && *p == problem) {
            self.0.push((field, problem));
        }
    }

    /// Keeps the value of `parsed`, or records its problem under `field`.
    pub fn check<T, P: Into<Problem>>(
        &mut self,
        field: &'static str,
        parsed: Result<T, P>,
    ) -> Option<T> {
        parsed.map_err(|problem| self.add(field, problem)).ok()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|(f, _)| *f == field)
    }

    /// Every (field, problem), in the order found.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Problem)> {
        self.0.iter().map(|(field, problem)| (*field, problem))
    }

    pub fn extend(&mut self, other: Problems) {
        for (field, problem) in other.0 {
            self.add(field, problem);
        }
    }

    /// The same problems with some fields named otherwise (`(from, to)`), for a front whose
    /// field names differ from the operation's (the API's one `new_password` for the form's
    /// two).
    pub fn renamed(self, names: &[(&'static str, &'static str)]) -> Self {
        let mut renamed = Self::new();
        for (field, problem) in self.0 {
            let field = names
                .iter()
                .find(|(from, _)| *from == field)
                .map_or(field, |(_, to)| to);
            renamed.add(field, problem);
        }
        renamed
    }

    /// `Ok(value)` when nothing was wrong, else these problems.
    pub fn or<T>(self, value: T) -> Result<T, Problems> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_may_hold_several_problems_but_never_the_same_twice() {
        let mut problems = Problems::new();
        problems.add("password", "password-common");
        problems.add("password", Problem::with("password-too-short", "min", 8));
        problems.add("password", "password-common");
        problems.add("email", "error-required");
        assert_eq!(problems.iter().count(), 3);
        assert!(problems.has("password") && problems.has("email"));
        assert!(!problems.has("username"));
        assert_eq!(problems.iter().next().map(|(f, _)| f), Some("password"));
    }

    #[test]
    fn check_keeps_the_value_or_the_problem() {
        let mut problems = Problems::new();
        assert_eq!(problems.check("a", Ok::<_, &'static str>(1)), Some(1));
        assert_eq!(problems.check("b", Err::<i32, _>("error-required")), None);
        assert_eq!(problems.or(()), Err(Problems::one("b", "error-required")));
    }
}
