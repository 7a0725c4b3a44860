//! The two kinds of staff.

/// `admin` owns the business and manages vendedores; `vendedor` sells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Admin,
    Vendedor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Vendedor => "vendedor",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Self::Admin => "role-admin",
            Self::Vendedor => "role-vendedor",
        }
    }
}

/// A stored role that is neither `admin` nor `vendedor`: the row is refused, never guessed.
#[derive(Debug, thiserror::Error)]
#[error("unknown role {0:?}")]
pub struct UnknownRole(String);

impl TryFrom<String> for Role {
    type Error = UnknownRole;

    fn try_from(value: String) -> Result<Self, UnknownRole> {
        match value.as_str() {
            "admin" => Ok(Self::Admin),
            "vendedor" => Ok(Self::Vendedor),
            _ => Err(UnknownRole(value)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn a_role_reads_back_as_written_and_nothing_else_is_a_role() {
        for role in [Role::Admin, Role::Vendedor] {
            assert_eq!(Role::try_from(role.as_str().to_owned()).ok(), Some(role));
        }
        assert!(Role::try_from("Admin".to_owned()).is_err());
        assert!(Role::try_from(String::new()).is_err());
    }
}
