//! Ids and names of form controls as the form macros print them. A control's id is printed
//! five or six times (the label's `for`, the hint's and the error's ids, `aria-describedby`),
//! and escaping each print cost more than anything else in a form page's rendering. An
//! [`Ident`] is checked once instead: made only of letters, digits, `-` and `_`, it needs no
//! escaping anywhere in HTML; anything else is escaped once, when it is made.

use std::borrow::Cow;
use std::fmt;

/// A control's id or name, safe to print as it is (see the module).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident<'a>(Cow<'a, str>);

/// `value` as an [`Ident`]: a plain identifier is borrowed, anything else escaped, and an
/// [`Ident`] (a macro passing its id on) is taken as it is.
pub fn ident<T: ToIdent + ?Sized>(value: &T) -> Ident<'_> {
    value.to_ident()
}

/// What [`ident`] takes.
pub trait ToIdent {
    fn to_ident(&self) -> Ident<'_>;
}

/// The bytes a plain identifier is made of: ASCII letters and digits, `-` and `_`. A table,
/// because a form page checks about seventy ids and the three range tests per byte showed in
/// its profile.
const PLAIN: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
        byte += 1;
    }
    table
};

impl ToIdent for str {
    fn to_ident(&self) -> Ident<'_> {
        let plain = self.bytes().all(|b| PLAIN[usize::from(b)]);
        if plain {
            Ident(Cow::Borrowed(self))
        } else {
            let escaped = askama::filters::escape(self, askama::filters::Html)
                .map(|escaped| escaped.to_string())
                .unwrap_or_default();
            Ident(Cow::Owned(escaped))
        }
    }
}

impl ToIdent for String {
    fn to_ident(&self) -> Ident<'_> {
        self.as_str().to_ident()
    }
}

impl ToIdent for Ident<'_> {
    fn to_ident(&self) -> Ident<'_> {
        Ident(Cow::Borrowed(&self.0))
    }
}

impl<T: ToIdent + ?Sized> ToIdent for &T {
    fn to_ident(&self) -> Ident<'_> {
        (**self).to_ident()
    }
}

impl fmt::Display for Ident<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Plain identifiers, or escaped when made: printed as they are.
impl askama::filters::HtmlSafe for Ident<'_> {}

/// Written straight into the page, without the formatting machinery.
impl askama::FastWritable for Ident<'_> {
    fn write_into(&self, dest: &mut dyn fmt::Write, _: &dyn askama::Values) -> askama::Result<()> {
        Ok(dest.write_str(&self.0)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_identifiers_are_borrowed_and_anything_else_is_escaped_once() {
        assert_eq!(
            ident("factura-nombre_empresa").to_string(),
            "factura-nombre_empresa"
        );
        assert!(matches!(ident("username").0, Cow::Borrowed(_)));
        assert_eq!(
            ident("x\" onfocus=\"alert(1)").to_string(),
            "x&#34; onfocus=&#34;alert(1)"
        );
        assert_eq!(ident("<b>&").to_string(), "&#60;b&#62;&#38;");
        for byte in 0..=u8::MAX {
            let one = [byte];
            let plain = byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_';
            let text = String::from_utf8_lossy(&one);
            assert_eq!(
                matches!(ident(text.as_ref()).0, Cow::Borrowed(_)),
                plain,
                "{byte}"
            );
        }
        // Made again from an ident (a macro passing its id on), nothing is escaped twice.
        let once = ident("a&b");
        assert_eq!(ident(&once).to_string(), once.to_string());
    }
}
