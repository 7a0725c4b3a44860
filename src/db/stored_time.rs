//! Timestamps as the models read them. SQLite keeps a timestamp as text, and diesel reads it
//! by trying chrono format strings, each parsed again for every value: about 1 200
//! instructions per timestamp, and every signed-in request reads twelve (its session and its
//! user). [`Stored`] reads the layout diesel writes (`2026-11-30 07:44:00.123456`) by hand
//! and leaves anything else, and PostgreSQL's binary timestamps, to diesel. The models every
//! signed-in request reads (the session, its user, an admin's invoice settings) name it with
//! `#[diesel(deserialize_as = Stored)]`, or [`MaybeStored`] for a nullable column; the others
//! are read too seldom for it to matter.
//!
//! The other way, [`TimeParam`] binds a timestamp as a query's parameter: diesel writes one
//! for SQLite through a chrono format string (about 3 300 instructions, twice on every view of
//! the profile page); it writes the same text by hand.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Nullable, Timestamp as SqlTimestamp};
use diesel::sqlite::Sqlite;

use super::multi_connection_impl::MultiBackend;
use crate::clock::Timestamp;

/// A timestamp column's value.
#[derive(Debug, FromSqlRow)]
pub struct Stored(Timestamp);

impl From<Stored> for Timestamp {
    fn from(stored: Stored) -> Self {
        stored.0
    }
}

/// A nullable timestamp column's value.
#[derive(Debug, FromSqlRow)]
pub struct MaybeStored(Option<Timestamp>);

impl From<MaybeStored> for Option<Timestamp> {
    fn from(stored: MaybeStored) -> Self {
        stored.0
    }
}

impl FromSql<SqlTimestamp, Sqlite> for Stored {
    fn from_sql(mut value: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        if let Some(at) = parse(value.read_text()) {
            return Ok(Self(at));
        }
        <NaiveDateTime as FromSql<SqlTimestamp, Sqlite>>::from_sql(value).map(Self)
    }
}

#[cfg(feature = "postgres")]
impl FromSql<SqlTimestamp, diesel::pg::Pg> for Stored {
    fn from_sql(value: <diesel::pg::Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<SqlTimestamp, diesel::pg::Pg>>::from_sql(value).map(Self)
    }
}

/// Queries sent through the pool's connection type reach the backend's own impl above.
impl FromSql<SqlTimestamp, MultiBackend> for Stored {
    fn from_sql(value: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, SqlTimestamp>()
    }
}

impl<DB: Backend> FromSql<Nullable<SqlTimestamp>, DB> for MaybeStored
where
    Stored: FromSql<SqlTimestamp, DB>,
{
    fn from_sql(value: DB::RawValue<'_>) -> deserialize::Result<Self> {
        Stored::from_sql(value).map(|stored| Self(Some(stored.0)))
    }

    fn from_nullable_sql(value: Option<DB::RawValue<'_>>) -> deserialize::Result<Self> {
        value.map_or(Ok(Self(None)), Self::from_sql)
    }
}

/// A timestamp as a query's parameter (`column.gt(TimeParam(now))`); see the module.
#[derive(Clone, Copy, Debug, AsExpression)]
#[diesel(sql_type = SqlTimestamp)]
pub struct TimeParam(pub Timestamp);

impl ToSql<SqlTimestamp, Sqlite> for TimeParam {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        match write(self.0) {
            Some(text) => {
                out.set_value(text);
                Ok(IsNull::No)
            }
            None => <NaiveDateTime as ToSql<SqlTimestamp, Sqlite>>::to_sql(&self.0, out),
        }
    }
}

#[cfg(feature = "postgres")]
impl ToSql<SqlTimestamp, diesel::pg::Pg> for TimeParam {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::pg::Pg>) -> serialize::Result {
        <NaiveDateTime as ToSql<SqlTimestamp, diesel::pg::Pg>>::to_sql(&self.0, out)
    }
}

/// What diesel writes for SQLite (chrono's `%F %T%.f`: the fraction left out when zero,
/// else 3, 6 or 9 digits), for years 0 to 9999 and no leap second; `None` for the rest.
fn write(at: Timestamp) -> Option<String> {
    use chrono::{Datelike, Timelike};
    let (year, nanos) = (u32::try_from(at.year()).ok()?, at.nanosecond());
    if year > 9999 || nanos >= 1_000_000_000 {
        return None;
    }
    let mut out = String::with_capacity(29);
    for (value, width, separator) in [
        (year, 4, '-'),
        (at.month(), 2, '-'),
        (at.day(), 2, ' '),
        (at.hour(), 2, ':'),
        (at.minute(), 2, ':'),
    ] {
        push_digits(&mut out, value, width);
        out.push(separator);
    }
    push_digits(&mut out, at.second(), 2);
    if nanos != 0 {
        out.push('.');
        match (nanos % 1_000_000, nanos % 1_000) {
            (0, _) => push_digits(&mut out, nanos / 1_000_000, 3),
            (_, 0) => push_digits(&mut out, nanos / 1_000, 6),
            _ => push_digits(&mut out, nanos, 9),
        }
    }
    Some(out)
}

/// `value`'s last `width` digits, zeros first.
fn push_digits(out: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        out.push(char::from(b'0' + (value / 10_u32.pow(place) % 10) as u8));
    }
}

/// `YYYY-MM-DD HH:MM:SS`, with `T` for the space if need be, and up to nine digits of a
/// second; `None` for anything else (a zone, a leap second, a julian day).
fn parse(text: &str) -> Option<Timestamp> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() >= 19
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && matches!(bytes[10], b' ' | b'T')
        && bytes[13] == b':'
        && bytes[16] == b':';
    if !shaped {
        return None;
    }
    let number = |digits: &[u8]| {
        digits.iter().try_fold(0_u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let nanos = match &bytes[19..] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            number(fraction)? * 10_u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let year = i32::try_from(number(&bytes[0..4])?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, number(&bytes[5..7])?, number(&bytes[8..10])?)?;
    let time = NaiveTime::from_hms_nano_opt(
        number(&bytes[11..13])?,
        number(&bytes[14..16])?,
        number(&bytes[17..19])?,
        nanos,
    )?;
    Some(NaiveDateTime::new(date, time))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chrono(text: &str) -> Option<Timestamp> {
        ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
            .iter()
            .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    }

    #[test]
    fn reads_what_diesel_writes_as_chrono_does() {
        let start = NaiveDate::from_ymd_opt(1, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        // Every written shape: whole seconds, and fractions of 1 to 9 digits.
        let mut at = start;
        for step in 0..20_000_i64 {
            at += chrono::Duration::seconds(step % 1_000 * 7_919 + 1_234_567)
                + chrono::Duration::nanoseconds(step * 104_729 % 1_000_000_000);
            let written = at.format("%Y-%m-%d %H:%M:%S%.f").to_string();
            assert_eq!(parse(&written), Some(at), "{written}");
            let truncated = &written[..written.len().min(19 + (step as usize % 11))];
            let truncated = truncated.trim_end_matches('.');
            assert_eq!(parse(truncated), chrono(truncated), "{truncated}");
        }
        assert_eq!(
            parse("2026-11-30T07:44:00.5"),
            chrono("2026-11-30 07:44:00.5")
        );
    }

    #[test]
    fn a_parameter_is_written_as_diesel_writes_it() {
        use chrono::{Datelike, Timelike};
        let start = NaiveDate::from_ymd_opt(0, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let mut at = start;
        for step in 0..20_000_i64 {
            // Whole seconds, whole milli- and microseconds, and any nanosecond.
            let nanos = match step % 4 {
                0 => 0,
                1 => step % 1_000 * 1_000_000,
                2 => step * 7_919 % 1_000_000 * 1_000,
                _ => step * 104_729 % 1_000_000_000,
            };
            at = at.with_nanosecond(0).unwrap()
                + chrono::Duration::seconds(step % 1_000 * 7_919 + 15_778_463)
                + chrono::Duration::nanoseconds(nanos);
            let expected = (at.year() <= 9999).then(|| at.format("%F %T%.f").to_string());
            assert_eq!(write(at), expected, "{at}");
        }
        assert!(at.year() > 9999, "the loop reaches past year 9999: {at}");
        let last = NaiveDate::from_ymd_opt(9999, 12, 31)
            .unwrap()
            .and_hms_nano_opt(23, 59, 59, 999_999_999)
            .unwrap();
        assert_eq!(
            write(last).as_deref(),
            Some("9999-12-31 23:59:59.999999999")
        );
    }

    #[test]
    fn a_parameter_diesel_writes_otherwise_is_left_to_diesel() {
        let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
            .unwrap()
            .and_hms_milli_opt(23, 59, 59, 1_500)
            .unwrap();
        let far = NaiveDate::from_ymd_opt(10_000, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let before = NaiveDate::from_ymd_opt(-1, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        for at in [leap, far, before] {
            assert_eq!(write(at), None, "{at}");
        }
    }

    /// Through a real connection, SQLite is given the text diesel's own impl gives it (what it
    /// compares with the stored text).
    #[test]
    fn a_connection_is_given_what_diesel_gives_it() {
        use diesel::dsl::sql;
        use diesel::{Connection, RunQueryDsl, SqliteConnection};

        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        for at in [
            day.and_hms_opt(8, 0, 0).unwrap(),
            day.and_hms_milli_opt(8, 0, 0, 500).unwrap(),
            day.and_hms_micro_opt(8, 0, 0, 500_001).unwrap(),
            day.and_hms_nano_opt(8, 0, 0, 1).unwrap(),
            day.and_hms_milli_opt(23, 59, 59, 1_500).unwrap(),
        ] {
            // The text SQLite is given, which it compares with the stored text.
            let ours: String = diesel::select(
                sql::<diesel::sql_types::Text>("").bind::<SqlTimestamp, _>(TimeParam(at)),
            )
            .get_result(&mut conn)
            .unwrap();
            let theirs: String =
                diesel::select(sql::<diesel::sql_types::Text>("").bind::<SqlTimestamp, _>(at))
                    .get_result(&mut conn)
                    .unwrap();
            assert_eq!(ours, theirs, "{at}");
        }
    }

    #[test]
    fn edges_read_as_chrono_reads_them() {
        for text in [
            "0000-01-01 00:00:00",
            "9999-12-31 23:59:59.999999999",
            "2026-11-30T07:44:00",
            "2026-11-30T07:44:00.123456",
            "2024-02-29 12:00:00.000000001",
        ] {
            assert!(parse(text).is_some(), "{text}");
            assert_eq!(parse(text), chrono(text), "{text}");
        }
        assert_eq!(parse("2026-11-30 07:44:0\u{e9}"), None);
        assert_eq!(parse("2026-11-30 07:44:00.\u{e9}"), None);
    }

    /// Through a real connection, each value comes out as diesel's own impl reads it:
    /// the hand-read layouts, and those left to diesel (a zone, a leap second, a julian day).
    #[test]
    fn a_connection_reads_what_diesel_reads() {
        use diesel::dsl::sql;
        use diesel::{Connection, RunQueryDsl, SqliteConnection};

        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        for value in [
            "'2026-11-30 07:44:00'",
            "'2026-11-30 07:44:00.123456'",
            "'2026-11-30T07:44:00.5'",
            "'2026-11-30 07:44:00Z'",
            "'2026-11-30 07:44:00+01:00'",
            "'2016-12-31 23:59:60'",
            "2461009.5",
        ] {
            let expected: Timestamp = diesel::select(sql::<SqlTimestamp>(value))
                .get_result(&mut conn)
                .unwrap();
            let stored: Stored = diesel::select(sql::<SqlTimestamp>(value))
                .get_result(&mut conn)
                .unwrap();
            assert_eq!(Timestamp::from(stored), expected, "{value}");
            let maybe: MaybeStored = diesel::select(sql::<Nullable<SqlTimestamp>>(value))
                .get_result(&mut conn)
                .unwrap();
            assert_eq!(Option::<Timestamp>::from(maybe), Some(expected), "{value}");
        }
        let null: MaybeStored = diesel::select(sql::<Nullable<SqlTimestamp>>("NULL"))
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(Option::<Timestamp>::from(null), None);
        let refused =
            diesel::select(sql::<SqlTimestamp>("'not a time'")).get_result::<Stored>(&mut conn);
        assert!(refused.is_err());
    }

    #[test]
    fn anything_else_is_left_to_diesel() {
        for text in [
            "",
            "2026-11-30",
            "2026-11-30 07:44",
            "2026-11-30 07:44:00Z",
            "2026-11-30 07:44:00+01:00",
            "2026-11-30 07:44:00.",
            "2026-11-30 07:44:00.1234567890",
            "2026-11-30 07:44:60",
            "2026-02-30 07:44:00",
            "2026-11-30 24:00:00",
            "2026-1a-30 07:44:00",
            "+2026-11-30 07:44:00",
            "2461009.5",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}
