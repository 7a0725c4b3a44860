//! How a reader writes dates, relative times and amounts: ICU4X and its data (CLDR) for the
//! reader's locale (the interface language plus, where it helps, a region), in the reader's time
//! zone. `30 nov 2026, 07:44`, `hace 5 minutos` and `1234,56 €` for a reader in Madrid;
//! `Nov 30, 2026, 7:44 AM`, `5 minutes ago` and `€1,234.56` in English.
//!
//! The formatters are built once per thread and locale: building one loads its data, formatting
//! with it only writes. The data is baked into the binary for the locales we ship
//! (`icu_data/`, made by `icu_data/generate.sh`); any other locale falls back to its language.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use chrono::{Datelike, TimeZone, Timelike};
use cuentas_icu_data::Baked;
use fixed_decimal::Decimal;
use icu_calendar::Gregorian;
use icu_datetime::FixedCalendarDateTimeFormatter;
use icu_datetime::fieldsets::{YMD, YMDT};
use icu_datetime::input::{Date, DateTime, Time};
use icu_experimental::dimension::currency::CurrencyCode;
use icu_experimental::dimension::currency::formatter::CurrencyFormatter;
use icu_experimental::relativetime::RelativeTimeFormatter;
use icu_experimental::relativetime::options::{Numeric, RelativeTimeFormatterOptions};
use icu_locale_core::Locale;

use crate::clock::Timestamp;
use crate::db::users::User;
use crate::domain::region::Region;
use crate::i18n::Lang;

/// Who reads a page or a mail: the language, the region (if known) and the time zone.
#[derive(Clone, Copy, Debug)]
pub struct Reader {
    lang: Lang,
    region: Option<Region>,
    zone: chrono_tz::Tz,
}

impl Reader {
    /// A reader of `lang` in `region` (when known), in the IANA time zone `timezone` (UTC when
    /// unknown).
    pub fn new(lang: Lang, region: Option<Region>, timezone: &str) -> Self {
        Self {
            lang,
            region,
            zone: timezone.parse().unwrap_or(chrono_tz::UTC),
        }
    }

    /// A signed-in user (or the recipient of a mail): the region chosen on the profile, else the
    /// one the time zone lies in.
    pub fn of(user: &User) -> Self {
        let region =
            Region::stored(user.region.as_deref()).or_else(|| Region::of_timezone(&user.timezone));
        Self::new(
            Lang::from_code(&user.language).unwrap_or_default(),
            region,
            &user.timezone,
        )
    }

    /// The same reader in another language (a profile saved with a new one).
    pub fn with_lang(self, lang: Lang) -> Self {
        Self { lang, ..self }
    }

    /// An anonymous page's reader: the negotiated language, in UTC.
    pub fn anonymous(lang: Lang) -> Self {
        Self::new(lang, None, "UTC")
    }

    /// The locale these formats follow, such as `es-MX` or `en`.
    pub fn locale(&self) -> String {
        match self.region {
            Some(region) => format!("{}-{}", self.lang.code(), region.code()),
            None => self.lang.code().to_owned(),
        }
    }

    /// `at` (UTC) as a medium date and a short time in the reader's zone: `30 nov 2026, 07:44`.
    pub fn date_time(&self, at: Timestamp) -> String {
        let local = self.zone.from_utc_datetime(&at);
        let input = Date::try_new_gregorian(local.year(), local.month() as u8, local.day() as u8)
            .ok()
            .zip(Time::try_new(local.hour() as u8, local.minute() as u8, 0, 0).ok())
            .map(|(date, time)| DateTime { date, time });
        match (self.formatters(), input) {
            (Some(formatters), Some(input)) => formatters.date_time.format(&input).to_string(),
            _ => local.format("%Y-%m-%d %H:%M").to_string(),
        }
    }

    /// The day of `at` (UTC) in the reader's zone, as a medium date: `30 nov 2026`.
    pub fn date(&self, at: Timestamp) -> String {
        let local = self.zone.from_utc_datetime(&at);
        let input = Date::try_new_gregorian(local.year(), local.month() as u8, local.day() as u8);
        match (self.formatters(), input) {
            (Some(formatters), Ok(input)) => formatters.date.format(&input).to_string(),
            _ => local.format("%Y-%m-%d").to_string(),
        }
    }

    /// How long ago `at` was, in the largest unit that fits: `ahora`, `hace 5 minutos`, `ayer`,
    /// `hace 3 días`; a month or more ago (or a time not yet come) is written as a date.
    pub fn ago(&self, at: Timestamp, now: Timestamp) -> String {
        let seconds = (now - at).num_seconds();
        let Some(formatters) = self.formatters() else {
            return self.date_time(at);
        };
        let (formatter, value) = match seconds {
            ..0 | 2_592_000.. => return self.date_time(at),
            0..60 => (&formatters.seconds, 0),
            60..3_600 => (&formatters.minutes, seconds / 60),
            3_600..86_400 => (&formatters.hours, seconds / 3_600),
            _ => (&formatters.days, seconds / 86_400),
        };
        formatter.format(Decimal::from(-value)).to_string()
    }

    /// An amount in minor units (cents) of `currency` (ISO 4217), written with the currency's
    /// own minor units: `1234,56 €`, `$1,234.56`, `$12.346` (Chilean pesos have no cents).
    pub fn amount(&self, cents: i64, currency: &str) -> String {
        let magnitude = cents.unsigned_abs();
        let value = if minor_units(currency) == 0 {
            Decimal::from(magnitude.saturating_add(50) / 100)
        } else {
            let mut value = Decimal::from(magnitude);
            value.multiply_pow10(-2);
            value
        };
        let code = currency.parse().ok().map(CurrencyCode);
        let written = match (self.formatters(), code) {
            (Some(formatters), Some(code)) => formatters
                .currency
                .format_fixed_decimal(&value, code)
                .to_string(),
            _ => format!("{value} {currency}"),
        };
        // ICU4X's currency pattern would put a sign after the symbol (`$-1.50`); every locale we
        // ship writes it first (`-$1.50`, `-1,50 €`), as CLDR's negative patterns say.
        if cents < 0 {
            format!("-{written}")
        } else {
            written
        }
    }

    fn formatters(&self) -> Option<Rc<Formatters>> {
        thread_local! {
            static BUILT: RefCell<HashMap<LocaleKey, Option<Rc<Formatters>>>> =
                RefCell::new(HashMap::new());
        }
        BUILT.with(|built| {
            built
                .borrow_mut()
                .entry((self.lang, self.region))
                .or_insert_with(|| Formatters::build(&self.locale()))
                .clone()
        })
    }
}

/// A time as a page shows it: the words (`hace 5 minutos`), the full date and time when the words
/// are relative, and the instant for machines (the `datetime` of a `<time>` element).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Moment {
    pub text: String,
    pub full: Option<String>,
    /// RFC 3339 in UTC: `2026-11-30T06:44:00Z`.
    pub datetime: String,
}

impl Moment {
    /// `at` as a date and time.
    pub fn at(reader: &Reader, at: Timestamp) -> Self {
        Self {
            text: reader.date_time(at),
            full: None,
            datetime: machine_time(at),
        }
    }

    /// The day of `at`: `30 nov 2026`, `2026-11-30` for machines.
    pub fn day(reader: &Reader, at: Timestamp) -> Self {
        let local = reader.zone.from_utc_datetime(&at);
        Self {
            text: reader.date(at),
            full: None,
            datetime: machine_day(local.date_naive()),
        }
    }

    /// `at` as how long before `now` it was, with the date and time beside for whoever wants it.
    pub fn ago(reader: &Reader, at: Timestamp, now: Timestamp) -> Self {
        let text = reader.ago(at, now);
        let full = reader.date_time(at);
        Self {
            full: (full != text).then_some(full),
            text,
            datetime: machine_time(at),
        }
    }
}

fn machine_time(at: Timestamp) -> String {
    // Written by hand: a chrono format string is parsed again on every call, and pages print
    // a few of these each.
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        machine_day(at.date()),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// `2026-11-30` (a year outside 0–9999 is left to chrono's `%Y`, which gives it a sign).
fn machine_day(day: chrono::NaiveDate) -> String {
    let year = day.year();
    if (0..=9999).contains(&year) {
        format!("{year:04}-{:02}-{:02}", day.month(), day.day())
    } else {
        day.format("%Y-%m-%d").to_string()
    }
}

/// The digits after the decimal point that a currency uses (ISO 4217): none for the Chilean
/// and Paraguayan currencies, two for the others we offer.
pub fn minor_units(currency: &str) -> u8 {
    if matches!(currency, "CLP" | "PYG") {
        0
    } else {
        2
    }
}

/// A locale the formatters are built for.
type LocaleKey = (Lang, Option<Region>);

struct Formatters {
    date: FixedCalendarDateTimeFormatter<Gregorian, YMD>,
    date_time: FixedCalendarDateTimeFormatter<Gregorian, YMDT>,
    seconds: RelativeTimeFormatter,
    minutes: RelativeTimeFormatter,
    hours: RelativeTimeFormatter,
    days: RelativeTimeFormatter,
    currency: CurrencyFormatter,
}

impl Formatters {
    fn build(locale: &str) -> Option<Rc<Self>> {
        let built = Self::try_build(locale);
        if let Err(error) = &built {
            tracing::error!(locale, %error, "the formats of this locale could not be loaded");
        }
        built.ok().map(Rc::new)
    }

    fn try_build(locale: &str) -> Result<Self, Box<dyn std::error::Error>> {
        let locale: Locale = locale.parse()?;
        // "ayer", not "hace 1 día".
        let relative = RelativeTimeFormatterOptions {
            numeric: Numeric::Auto,
        };
        let data = &Baked;
        Ok(Self {
            date: FixedCalendarDateTimeFormatter::try_new_unstable(
                data,
                (&locale).into(),
                YMD::medium(),
            )?,
            date_time: FixedCalendarDateTimeFormatter::try_new_unstable(
                data,
                (&locale).into(),
                YMD::medium().with_time_hm(),
            )?,
            seconds: RelativeTimeFormatter::try_new_long_second_unstable(
                data,
                (&locale).into(),
                relative,
            )?,
            minutes: RelativeTimeFormatter::try_new_long_minute_unstable(
                data,
                (&locale).into(),
                relative,
            )?,
            hours: RelativeTimeFormatter::try_new_long_hour_unstable(
                data,
                (&locale).into(),
                relative,
            )?,
            days: RelativeTimeFormatter::try_new_long_day_unstable(
                data,
                (&locale).into(),
                relative,
            )?,
            currency: CurrencyFormatter::try_new_unstable(
                data,
                (&locale).into(),
                Default::default(),
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeDelta};

    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> Timestamp {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|date| date.and_hms_opt(h, min, 0))
            .unwrap_or_default()
    }

    #[test]
    fn machine_times_are_written_as_chrono_writes_them() {
        let seconds = |t: Timestamp, s: u32| t.with_second(s).unwrap_or(t);
        for t in [
            at(2026, 11, 30, 6, 44),
            seconds(at(2026, 1, 2, 3, 4), 5),
            seconds(at(999, 12, 31, 23, 59), 59),
            at(1, 1, 1, 0, 0),
            at(10_000, 1, 1, 0, 0),
            at(-5, 3, 1, 12, 0),
        ] {
            let chrono = t.and_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string();
            assert_eq!(machine_time(t), chrono);
            assert_eq!(machine_day(t.date()), t.format("%Y-%m-%d").to_string());
        }
    }

    fn reader(lang: Lang, region: Option<&str>, zone: &str) -> Reader {
        Reader::new(lang, region.and_then(|r| Region::parse(r).ok()), zone)
    }

    fn madrid() -> Reader {
        reader(Lang::Es, Some("ES"), "Europe/Madrid")
    }
    fn mexico() -> Reader {
        reader(Lang::Es, Some("MX"), "America/Mexico_City")
    }
    fn english() -> Reader {
        reader(Lang::En, Some("US"), "America/New_York")
    }

    #[test]
    fn every_shipped_locale_loads_its_formats() {
        for lang in Lang::ALL {
            for region in std::iter::once(None).chain(crate::domain::region::REGIONS.map(Some)) {
                let reader = reader(lang, region, "UTC");
                assert!(reader.formatters().is_some(), "{}", reader.locale());
            }
        }
    }

    // The baked data (`icu_data/`) must hold each region's own conventions, and English
    // readers' too (`en-ES` falls back to `en-150`, not to `en`).
    #[test]
    fn regions_keep_their_own_conventions_in_the_baked_data() {
        let instant = at(2026, 11, 30, 19, 44);
        let utc = |lang, region| reader(lang, Some(region), "UTC");
        let written = |lang, region, currency| {
            let r = utc(lang, region);
            let amount = r
                .amount(-123_456, currency)
                .replace(['\u{a0}', '\u{202f}'], " ");
            (r.date(instant), amount)
        };
        assert_eq!(
            written(Lang::Es, "CL", "CLP"),
            ("30-11-2026".into(), "-$1.235".into())
        );
        assert_eq!(
            written(Lang::Es, "AR", "ARS"),
            ("30 de nov de 2026".into(), "-$ 1.234,56".into())
        );
        assert_eq!(
            written(Lang::Es, "PE", "PEN"),
            ("30 nov. 2026".into(), "-S/ 1,234.56".into())
        );
        assert_eq!(
            written(Lang::En, "ES", "EUR"),
            ("30 Nov 2026".into(), "-1.234,56 €".into())
        );
        assert_eq!(utc(Lang::En, "ES").date_time(instant), "30 Nov 2026, 19:44");
    }

    // CLDR keeps a number and its unit together with no-break spaces: U+00A0 before a currency,
    // U+202F (narrow) before "a.m." and "AM".
    #[test]
    fn dates_are_written_in_the_readers_language_and_zone() {
        let instant = at(2026, 11, 30, 6, 44);
        assert_eq!(madrid().date_time(instant), "30 nov 2026, 07:44");
        assert_eq!(
            mexico().date_time(instant),
            "30 nov 2026, 12:44\u{202f}a.m."
        );
        assert_eq!(english().date_time(instant), "Nov 30, 2026, 1:44\u{202f}AM");
        assert_eq!(
            reader(Lang::Es, None, "UTC").date_time(instant),
            "30 nov 2026, 06:44"
        );
    }

    #[test]
    fn a_day_is_a_medium_date_in_the_readers_zone() {
        let instant = at(2026, 12, 1, 3, 0);
        assert_eq!(madrid().date(instant), "1 dic 2026");
        assert_eq!(english().date(instant), "Nov 30, 2026");
    }

    #[test]
    fn the_hour_follows_a_daylight_saving_change() {
        // Madrid moves from UTC+2 to UTC+1 at 01:00 UTC on the last Sunday of October.
        assert_eq!(
            madrid().date_time(at(2026, 10, 25, 0, 30)),
            "25 oct 2026, 02:30"
        );
        assert_eq!(
            madrid().date_time(at(2026, 10, 25, 1, 30)),
            "25 oct 2026, 02:30"
        );
        assert_eq!(
            madrid().date_time(at(2026, 10, 25, 2, 30)),
            "25 oct 2026, 03:30"
        );
        // New York moves from UTC-4 to UTC-5 at 06:00 UTC on the first Sunday of November.
        assert_eq!(
            english().date_time(at(2026, 11, 1, 5, 30)),
            "Nov 1, 2026, 1:30\u{202f}AM"
        );
        assert_eq!(
            english().date_time(at(2026, 11, 1, 6, 30)),
            "Nov 1, 2026, 1:30\u{202f}AM"
        );
    }

    #[test]
    fn recent_times_are_written_as_how_long_ago() {
        let now = at(2026, 11, 30, 12, 0);
        let ago = |reader: &Reader, delta: TimeDelta| reader.ago(now - delta, now);
        assert_eq!(ago(&madrid(), TimeDelta::seconds(20)), "ahora");
        assert_eq!(ago(&madrid(), TimeDelta::minutes(5)), "hace 5 minutos");
        assert_eq!(ago(&madrid(), TimeDelta::hours(3)), "hace 3 horas");
        assert_eq!(ago(&madrid(), TimeDelta::days(1)), "ayer");
        assert_eq!(ago(&mexico(), TimeDelta::days(4)), "hace 4 días");
        assert_eq!(ago(&english(), TimeDelta::minutes(1)), "1 minute ago");
        assert_eq!(ago(&english(), TimeDelta::days(1)), "yesterday");
        assert_eq!(ago(&english(), TimeDelta::seconds(5)), "now");
        // A month back, or a time still to come, is a date.
        assert_eq!(ago(&madrid(), TimeDelta::days(40)), "21 oct 2026, 14:00");
        assert_eq!(ago(&madrid(), TimeDelta::minutes(-5)), "30 nov 2026, 13:05");
    }

    #[test]
    fn amounts_follow_the_readers_locale_and_the_currencys_minor_units() {
        assert_eq!(madrid().amount(123_456, "EUR"), "1234,56\u{a0}€");
        assert_eq!(
            madrid().amount(1_234_567_890, "EUR"),
            "12.345.678,90\u{a0}€"
        );
        assert_eq!(english().amount(123_456, "EUR"), "€1,234.56");
        assert_eq!(mexico().amount(123_456, "MXN"), "$1,234.56");
        assert_eq!(mexico().amount(123_456, "EUR"), "EUR\u{a0}1,234.56");
        assert_eq!(english().amount(5, "USD"), "$0.05");
        assert_eq!(english().amount(-150, "USD"), "-$1.50");
        assert_eq!(madrid().amount(-150, "EUR"), "-1,50\u{a0}€");
        assert_eq!(mexico().amount(-123_456, "MXN"), "-$1,234.56");
    }

    #[test]
    fn currencies_without_minor_units_are_rounded() {
        let chile = reader(Lang::Es, Some("CL"), "America/Santiago");
        assert_eq!(chile.amount(1_234_550, "CLP"), "$12.346");
        assert_eq!(madrid().amount(99, "PYG"), "1\u{a0}PYG");
        assert_eq!(english().amount(1_234_550, "CLP"), "CLP\u{a0}12,346");
    }

    #[test]
    fn a_moment_keeps_the_instant_and_the_full_date_beside_the_words() {
        let now = at(2026, 11, 30, 12, 0);
        let moment = Moment::ago(&madrid(), at(2026, 11, 30, 11, 55), now);
        assert_eq!(moment.text, "hace 5 minutos");
        assert_eq!(moment.full.as_deref(), Some("30 nov 2026, 12:55"));
        assert_eq!(moment.datetime, "2026-11-30T11:55:00Z");
        assert_eq!(
            Moment::ago(&madrid(), at(2026, 9, 1, 10, 0), now).full,
            None
        );
    }

    #[test]
    fn every_region_has_a_name_in_both_languages() {
        for lang in Lang::ALL {
            for code in crate::domain::region::REGIONS {
                let key = format!("region-{code}");
                let name = lang.t(&key);
                assert!(
                    !name.is_empty() && name != key && !name.contains("Unknown"),
                    "{key}: {name}"
                );
            }
            assert_ne!(lang.t("region-XX"), lang.t("region-MX"));
        }
    }

    #[test]
    fn the_region_comes_from_the_profile_else_from_the_time_zone() {
        assert_eq!(reader(Lang::Es, None, "Europe/Madrid").locale(), "es");
        assert_eq!(Reader::anonymous(Lang::En).locale(), "en");
    }
}
