//! A `<select>`'s options drawn once: a list that every page shows the same, but for which
//! option is selected, is kept as one piece of HTML and written in three slices (before the
//! selected option, the option marked selected, after it). Written option by option, the
//! profile page's currency and region lists took about seventy writes, twenty-one formatted
//! catalog keys and as many lookups on every view.

use std::fmt;

use crate::i18n::escape_html;

/// One option of an [`OptionList`].
pub struct Choice<'a> {
    /// What the form sends, and what [`OptionList::selecting`] compares.
    pub value: &'a str,
    /// The text shown (escaped here).
    pub label: &'a str,
    /// Whether the tag names its value (`<option value="MX">México</option>`); without it the
    /// browser sends the label, which must then be the value (`<option>USD</option>`).
    pub value_attribute: bool,
}

/// The options, drawn; see the module.
pub struct OptionList {
    html: String,
    drawn: Vec<Drawn>,
}

/// Where one option lies in [`OptionList::html`], and the same option selected.
struct Drawn {
    value: String,
    span: std::ops::Range<usize>,
    selected: String,
}

impl OptionList {
    pub fn new<'a>(choices: impl IntoIterator<Item = Choice<'a>>) -> Self {
        let mut html = String::new();
        let drawn = choices
            .into_iter()
            .map(|choice| {
                let start = html.len();
                html.push_str(&draw(&choice, false));
                Drawn {
                    value: choice.value.to_owned(),
                    span: start..html.len(),
                    selected: draw(&choice, true),
                }
            })
            .collect();
        Self { html, drawn }
    }

    /// The options with the first whose value is `value` selected (none when no value matches).
    pub fn selecting(&self, value: &str) -> SelectedOptions<'_> {
        SelectedOptions {
            list: self,
            selected: self.drawn.iter().find(|drawn| drawn.value == value),
        }
    }
}

fn draw(choice: &Choice<'_>, selected: bool) -> String {
    let mut tag = String::from("<option");
    if choice.value_attribute {
        tag.push_str(" value=\"");
        tag.push_str(&escape_html(choice.value));
        tag.push('"');
    }
    if selected {
        tag.push_str(" selected");
    }
    tag.push('>');
    tag.push_str(&escape_html(choice.label));
    tag.push_str("</option>");
    tag
}

/// An [`OptionList`] with one option selected, as a template prints it.
pub struct SelectedOptions<'a> {
    list: &'a OptionList,
    selected: Option<&'a Drawn>,
}

impl SelectedOptions<'_> {
    fn write(&self, dest: &mut (impl fmt::Write + ?Sized)) -> fmt::Result {
        let html = &self.list.html;
        match self.selected {
            Some(drawn) => {
                dest.write_str(&html[..drawn.span.start])?;
                dest.write_str(&drawn.selected)?;
                dest.write_str(&html[drawn.span.end..])
            }
            None => dest.write_str(html),
        }
    }
}

impl fmt::Display for SelectedOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f)
    }
}

/// Escaped when the list was drawn: a template prints it as it is.
impl askama::filters::HtmlSafe for SelectedOptions<'_> {}

/// Written straight into the page, without the formatting machinery.
impl askama::FastWritable for SelectedOptions<'_> {
    fn write_into(&self, dest: &mut dyn fmt::Write, _: &dyn askama::Values) -> askama::Result<()> {
        Ok(self.write(dest)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regions() -> OptionList {
        OptionList::new([("MX", "México"), ("US", "Estados Unidos <EE. UU.>")].map(
            |(value, label)| Choice {
                value,
                label,
                value_attribute: true,
            },
        ))
    }

    #[test]
    fn the_matching_option_is_selected_and_the_rest_drawn_as_they_are() {
        assert_eq!(
            regions().selecting("US").to_string(),
            "<option value=\"MX\">México</option>\
             <option value=\"US\" selected>Estados Unidos &#60;EE. UU.&#62;</option>"
        );
        assert_eq!(
            regions().selecting("MX").to_string(),
            "<option value=\"MX\" selected>México</option>\
             <option value=\"US\">Estados Unidos &#60;EE. UU.&#62;</option>"
        );
    }

    #[test]
    fn no_option_is_selected_for_a_value_not_listed() {
        for value in ["", "mx", "MX ", "XX", "<script>"] {
            assert!(!regions().selecting(value).to_string().contains("selected"));
        }
    }

    #[test]
    fn an_option_without_a_value_attribute_sends_its_label() {
        let list = OptionList::new(["ARS", "USD"].map(|code| Choice {
            value: code,
            label: code,
            value_attribute: false,
        }));
        assert_eq!(
            list.selecting("USD").to_string(),
            "<option>ARS</option><option selected>USD</option>"
        );
    }

    #[test]
    fn an_empty_list_draws_nothing() {
        assert_eq!(OptionList::new([]).selecting("MX").to_string(), "");
    }
}
