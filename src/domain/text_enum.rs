//! [`text_enum!`](crate::text_enum): a closed set of values stored as text.

/// Declares an enum stored as text: its words (`as_str`) and a `TryFrom<String>` that accepts
/// only those words, so a stored value this program does not know refuses the row instead of
/// being guessed. `$error` names the error type of a refused word.
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident refused as $error:ident {
            $($(#[$variant_meta:meta])* $variant:ident = $word:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        $vis enum $name {
            $($(#[$variant_meta])* $variant,)+
        }

        impl $name {
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $word,)+
                }
            }
        }

        #[doc = concat!("A stored word that is not a ", stringify!($name), ".")]
        #[derive(Debug)]
        $vis struct $error(pub String);

        impl std::fmt::Display for $error {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "unknown {} {:?}", stringify!($name), self.0)
            }
        }

        impl std::error::Error for $error {}

        impl TryFrom<String> for $name {
            type Error = $error;

            fn try_from(value: String) -> Result<Self, $error> {
                match value.as_str() {
                    $($word => Ok(Self::$variant),)+
                    _ => Err($error(value)),
                }
            }
        }
    };
}
