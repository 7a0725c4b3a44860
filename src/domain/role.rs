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

    /// Reads the stored column; anything unknown is treated as the least privileged role.
    pub fn from_db(value: &str) -> Self {
        if value == "admin" {
            Self::Admin
        } else {
            Self::Vendedor
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Self::Admin => "role-admin",
            Self::Vendedor => "role-vendedor",
        }
    }
}
