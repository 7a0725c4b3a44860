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
/// use: a page shows dozens of labels, and a Fluent lookup negotiates the language and formats
/// the pattern (allocating) each time. Read-only after that, so read without a lock.
static PLAIN_MESSAGES: LazyLock<[HashMap<&'static str, String>; 2]> = LazyLock::new(|| {
    Lang::ALL.map(|lang| {
        MESSAGE_IDS
            .iter()
            .filter_map(|id| Some((*id, LOCALES.try_lookup(lang.id(), id)?)))
            .collect()
    })
});

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
    /// lack is formatted here, as Fluent words a missing message). Pages use it for labels.
    pub fn text(self, key: &str) -> Cow<'static, str> {
        match PLAIN_MESSAGES[self.index()].get(key) {
            Some(message) => Cow::Borrowed(message),
            None => Cow::Owned(LOCALES.lookup(self.id(), key)),
        }
    }

    fn index(self) -> usize {
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
                assert_eq!(table.get(id), lookup.as_ref(), "{id} in {lang:?}");
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
