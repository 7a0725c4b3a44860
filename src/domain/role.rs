//! The two kinds of staff.

crate::text_enum! {
    /// `admin` owns the business and manages vendedores; `vendedor` sells.
    pub enum Role refused as UnknownRole {
        Admin = "admin",
        Vendedor = "vendedor",
    }
}

impl Role {
    pub fn label_key(self) -> &'static str {
        match self {
            Self::Admin => "role-admin",
            Self::Vendedor => "role-vendedor",
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
