//! Interface language: the Fluent catalogs in `locales/` (compiled into the binary) and the
//! choice of language for a request.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid, static_loader};

use crate::domain::Problem;

/// How a session started through the API names its device: "API: <client name>" (the
/// session's user agent is that text).
pub const API_DEVICE_PREFIX: &str = "API: ";

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "es",
        // Unicode isolation marks would end up inside <title> and attribute values.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// Every message id of the catalogs (listed by `build.rs`).
const MESSAGE_IDS: &[&str] = include!(concat!(env!("OUT_DIR"), "/message_ids.rs"));

/// Every message formatted without arguments, per language ([`Lang::index`]), once, on first
/// use, as text and as HTML: a page shows dozens of labels, and a Fluent lookup negotiates the
/// language and formats the pattern (allocating) each time, and escaping scans every byte.
/// Read-only after that, so read without a lock.
static PLAIN_MESSAGES: LazyLock<[HashMap<&'static str, Formatted, IdHasher>; 2]> =
    LazyLock::new(|| {
        Lang::ALL.map(|lang| {
            MESSAGE_IDS
                .iter()
                .filter_map(|id| {
                    let text = LOCALES.try_lookup(lang.id(), id)?;
                    Some((*id, Formatted::new(text)))
                })
                .collect()
        })
    });

/// A message formatted once: as text, and escaped for HTML.
struct Formatted {
    text: String,
    html: String,
}

impl Formatted {
    fn new(text: String) -> Self {
        let html = escape_html(&text);
        Self { text, html }
    }
}

/// `text` escaped as the templates escape what they print (askama's HTML escaper), so that
/// text and attribute values alike are safe.
pub(crate) fn escape_html(text: &str) -> String {
    use askama::filters::Escaper;
    let mut html = String::with_capacity(text.len());
    // Writing into a `String` cannot fail.
    let _ = askama::filters::Html.write_escaped_str(&mut html, text);
    html
}

/// The message table's hash: its keys are the catalogs' ids, chosen by the code and never by a
/// visitor, so a hash that resists chosen keys (the default, SipHash) buys nothing, and a
/// page's hundred lookups spent more time hashing than anything else in the table. Eight
/// bytes at a time, each mixed in with a folded multiply (as foldhash does): `FxHasher`'s
/// plain multiply made `region-ES` and `region-UY` collide.
type IdHasher = std::hash::BuildHasherDefault<IdHash>;

#[derive(Default)]
struct IdHash(u64);

impl IdHash {
    fn add(&mut self, word: u64) {
        let product = u128::from(self.0 ^ word) * 0x5851_f42d_4c95_7f2d;
        // The high half folded into the low one, so the word's high bits count as well.
        self.0 = (product as u64) ^ ((product >> 64) as u64);
    }
}

impl std::hash::Hasher for IdHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let word: [u8; 8] = chunk.try_into().unwrap_or_default();
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            // Byte by byte: a copy of a length unknown at compile time is a call to memcpy.
            let word = rest
                .iter()
                .rev()
                .fold(0, |word, byte| (word << 8) | u64::from(*byte));
            self.add(word);
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }
}

/// A message as a page prints it: already escaped for HTML (see [`Lang::html`]), so the
/// templates write it as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HtmlText(Cow<'static, str>);

impl HtmlText {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The escaped text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for HtmlText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Escaped when it was made: a template prints it without escaping it again.
impl askama::filters::HtmlSafe for HtmlText {}

/// Written straight into the page, without the formatting machinery.
impl askama::FastWritable for HtmlText {
    fn write_into(
        &self,
        dest: &mut dyn std::fmt::Write,
        _: &dyn askama::Values,
    ) -> askama::Result<()> {
        Ok(dest.write_str(&self.0)?)
    }
}

static ES: LanguageIdentifier = langid!("es");
static EN: LanguageIdentifier = langid!("en");

/// A language the interface speaks. Spanish is the default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    Es,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Es, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Self::Es => "es",
            Self::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "es" => Some(Self::Es),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// Picks the first language we speak from an `Accept-Language` header, by quality.
    pub fn from_accept_language(header: Option<&str>) -> Self {
        let Some(header) = header else {
            return Self::default();
        };
        let mut ranked: Vec<(f32, Lang)> = header
            .split(',')
            .filter_map(|entry| {
                let mut parts = entry.split(';');
                let tag = parts.next()?.trim();
                let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
                let lang = Self::from_code(&primary)?;
                let quality = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                (quality > 0.0).then_some((quality, lang))
            })
            .collect();
        // A stable sort keeps the header's order among equal qualities.
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranked.first().map_or_else(Self::default, |(_, lang)| *lang)
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Self::Es => &ES,
            Self::En => &EN,
        }
    }

    /// The message for `key` in this language.
    pub fn t(self, key: &str) -> String {
        self.text(key).into_owned()
    }

    /// [`Self::t`] without a copy: borrowed from [`PLAIN_MESSAGES`] (only a key the catalogs
    /// lack is formatted here, as Fluent words a missing message).
    pub fn text(self, key: &str) -> Cow<'static, str> {
        match PLAIN_MESSAGES[self.index()].get(key) {
            Some(message) => Cow::Borrowed(&message.text),
            None => Cow::Owned(LOCALES.lookup(self.id(), key)),
        }
    }

    /// [`Self::text`] escaped for HTML, borrowed from the table that escaped it once. Pages
    /// print their labels with it.
    pub fn html(self, key: &str) -> HtmlText {
        match PLAIN_MESSAGES[self.index()].get(key) {
            Some(message) => HtmlText(Cow::Borrowed(&message.html)),
            None => HtmlText(Cow::Owned(escape_html(&LOCALES.lookup(self.id(), key)))),
        }
    }

    /// Its place in [`Self::ALL`], for tables kept per language.
    pub fn index(self) -> usize {
        match self {
            Self::Es => 0,
            Self::En => 1,
        }
    }

    /// The message for `key` with named arguments.
    pub fn t_args(self, key: &str, args: &[(&'static str, FluentValue<'static>)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue<'static>> = args
            .iter()
            .map(|(name, value)| (Cow::Borrowed(*name), value.clone()))
            .collect();
        LOCALES.lookup_with_args(self.id(), key, &args)
    }
}

impl Lang {
    /// The browser and the system of a user agent in words ("Chrome en Linux"), as far as
    /// Project Woothee's dataset knows them.
    pub fn device(self, user_agent: &str) -> String {
        // An API session (a token family or a personal token) is named by its client.
        if user_agent.starts_with(API_DEVICE_PREFIX) {
            return user_agent.to_owned();
        }
        let known =
            |value: &str| (!value.is_empty() && value != "UNKNOWN").then(|| value.to_owned());
        let parsed = woothee::parser::Parser::new().parse(user_agent);
        let browser = parsed.as_ref().and_then(|r| known(r.name));
        let system = parsed.as_ref().and_then(|r| known(r.os));
        match (browser, system) {
            (Some(browser), Some(system)) => self.t_args(
                "device-browser-on-system",
                &[("browser", browser.into()), ("system", system.into())],
            ),
            (Some(browser), None) => browser,
            (None, Some(system)) => {
                self.t_args("device-unknown-browser-on", &[("system", system.into())])
            }
            (None, None) => self.t("device-unknown"),
        }
    }

    /// The sentence for a broken rule, with the numbers it names.
    pub fn problem(self, problem: &Problem) -> String {
        if problem.args.is_empty() {
            return self.t(problem.key);
        }
        let args: Vec<(&'static str, FluentValue<'static>)> = problem
            .args
            .iter()
            .map(|(name, value)| (*name, FluentValue::from(*value)))
            .collect();
        self.t_args(problem.key, &args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_message_is_formatted_once_and_nothing_else() {
        // build.rs found the messages of every file, and no term, attribute or comment.
        for id in [
            "region-MX",
            "hint-photo",
            "error-429-message",
            "mail-new-api-sign-in-body",
        ] {
            assert!(MESSAGE_IDS.contains(&id), "{id} was not listed");
        }
        assert!(
            MESSAGE_IDS
                .iter()
                .all(|id| !id.starts_with(['-', '#', ' ', '.']))
        );
        // For every listed id the table holds what Fluent formats without arguments, in both
        // languages; a message with arguments does not format without them (left to `t_args`).
        for lang in Lang::ALL {
            let table = &PLAIN_MESSAGES[lang.index()];
            for id in MESSAGE_IDS {
                let lookup = LOCALES.try_lookup(lang.id(), id);
                let formatted = table.get(id);
                let text = formatted.map(|f| &f.text);
                assert_eq!(text, lookup.as_ref(), "{id} in {lang:?}");
                let html = formatted.map(|f| f.html.as_str());
                let escaped = lookup.as_deref().map(|text| {
                    askama::filters::escape(text, askama::filters::Html)
                        .unwrap()
                        .to_string()
                });
                assert_eq!(html, escaped.as_deref(), "{id} in {lang:?}");
            }
            assert!(
                table.len() > MESSAGE_IDS.len() * 9 / 10,
                "{} plain",
                table.len()
            );
            assert!(!table.contains_key("hint-photo"));
        }
        assert_eq!(Lang::En.text("region-MX"), "Mexico");
        assert_eq!(Lang::Es.text("region-MX"), "México");
        assert!(matches!(Lang::Es.text("region-MX"), Cow::Borrowed(_)));
        // A key the catalogs lack is worded by Fluent, never an empty label.
        assert!(!Lang::Es.text("no-such-message").is_empty());
    }

    #[test]
    fn every_message_id_has_a_hash_of_its_own() {
        use std::hash::BuildHasher;
        let hashes: std::collections::HashSet<u64> = MESSAGE_IDS
            .iter()
            .map(|id| IdHasher::default().hash_one(id))
            .collect();
        assert_eq!(hashes.len(), MESSAGE_IDS.len());
        assert_eq!(Lang::Es.html("region-MX"), Lang::Es.html("region-MX"));
        assert!(matches!(Lang::Es.html("region-MX").0, Cow::Borrowed(_)));
        assert_eq!(
            Lang::En.html("hint-timezone").as_str(),
            escape_html(&Lang::En.t("hint-timezone"))
        );
        assert!(
            Lang::En
                .html("hint-timezone")
                .as_str()
                .contains("zone&#39;s")
        );
        // A key the catalogs lack is worded by Fluent and escaped too.
        assert!(!Lang::Es.html("no-such-message").is_empty());
    }

    #[test]
    fn accept_language_is_ranked_by_quality() {
        assert_eq!(Lang::from_accept_language(None), Lang::Es);
        assert_eq!(Lang::from_accept_language(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(
            Lang::from_accept_language(Some("fr, en;q=0.5, es;q=0.8")),
            Lang::Es
        );
        assert_eq!(Lang::from_accept_language(Some("de, fr")), Lang::Es);
        assert_eq!(Lang::from_accept_language(Some("en;q=0, es-MX")), Lang::Es);
        assert_eq!(Lang::from_accept_language(Some("garbage;;;,,")), Lang::Es);
    }

    #[test]
    fn messages_differ_by_language() {
        assert_ne!(Lang::Es.t("nav-logout"), Lang::En.t("nav-logout"));
    }
}
