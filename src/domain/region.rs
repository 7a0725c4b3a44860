//! The reader's region: with the language it makes the locale dates and amounts are written in
//! ("es" + "MX" writes `30 nov 2026, 07:44 a.m.` and `$1,234.56`). Optional on the profile; when
//! it is not chosen, the time zone says where the reader most likely is.

/// The regions offered: the countries of the currencies we offer, plus Ecuador, El Salvador and
/// Puerto Rico (which pay in dollars) and Spain.
pub const REGIONS: [&str; 21] = [
    "AR", "BO", "CL", "CO", "CR", "CU", "DO", "EC", "ES", "GT", "HN", "MX", "NI", "PA", "PE", "PR",
    "PY", "SV", "US", "UY", "VE",
];

/// A region of [`REGIONS`], by its ISO 3166 code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Region(&'static str);

impl Region {
    /// Checks a region code against [`REGIONS`] (any case, surrounding spaces ignored).
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let code = input.trim().to_ascii_uppercase();
        REGIONS
            .iter()
            .find(|known| **known == code)
            .map(|known| Self(known))
            .ok_or("error-region")
    }

    /// The profile's field: empty means "from the time zone".
    pub fn parse_optional(input: &str) -> Result<Option<Self>, &'static str> {
        if input.trim().is_empty() {
            Ok(None)
        } else {
            Self::parse(input).map(Some)
        }
    }

    /// The region a stored value names; `None` for an empty or unknown one.
    pub fn stored(value: Option<&str>) -> Option<Self> {
        value.and_then(|code| Self::parse(code).ok())
    }

    /// The region an IANA time zone lies in, when it is one of [`REGIONS`].
    pub fn of_timezone(timezone: &str) -> Option<Self> {
        let code = ZONES
            .iter()
            .find(|(zone, _)| {
                zone.strip_suffix('*')
                    .map_or(*zone == timezone, |prefix| timezone.starts_with(prefix))
            })
            .map(|(_, code)| *code)?;
        Self::parse(code).ok()
    }

    pub fn code(self) -> &'static str {
        self.0
    }
}

impl AsRef<str> for Region {
    fn as_ref(&self) -> &str {
        self.0
    }
}

/// The time zones of each region (tz database, `zone1970.tab` and its links); a trailing `*`
/// matches every zone under that prefix.
const ZONES: &[(&str, &str)] = &[
    ("America/Argentina/*", "AR"),
    ("America/Buenos_Aires", "AR"),
    ("America/Cordoba", "AR"),
    ("America/La_Paz", "BO"),
    ("America/Santiago", "CL"),
    ("America/Punta_Arenas", "CL"),
    ("Pacific/Easter", "CL"),
    ("America/Bogota", "CO"),
    ("America/Costa_Rica", "CR"),
    ("America/Havana", "CU"),
    ("America/Santo_Domingo", "DO"),
    ("America/Guayaquil", "EC"),
    ("Pacific/Galapagos", "EC"),
    ("Europe/Madrid", "ES"),
    ("Atlantic/Canary", "ES"),
    ("Africa/Ceuta", "ES"),
    ("America/Guatemala", "GT"),
    ("America/Tegucigalpa", "HN"),
    ("America/Mexico_City", "MX"),
    ("America/Cancun", "MX"),
    ("America/Merida", "MX"),
    ("America/Monterrey", "MX"),
    ("America/Matamoros", "MX"),
    ("America/Chihuahua", "MX"),
    ("America/Ciudad_Juarez", "MX"),
    ("America/Ojinaga", "MX"),
    ("America/Mazatlan", "MX"),
    ("America/Bahia_Banderas", "MX"),
    ("America/Hermosillo", "MX"),
    ("America/Tijuana", "MX"),
    ("Mexico/*", "MX"),
    ("America/Managua", "NI"),
    ("America/Panama", "PA"),
    ("America/Lima", "PE"),
    ("America/Puerto_Rico", "PR"),
    ("America/Asuncion", "PY"),
    ("America/El_Salvador", "SV"),
    ("America/New_York", "US"),
    ("America/Chicago", "US"),
    ("America/Denver", "US"),
    ("America/Los_Angeles", "US"),
    ("America/Phoenix", "US"),
    ("America/Anchorage", "US"),
    ("America/Detroit", "US"),
    ("America/Boise", "US"),
    ("America/Indiana/*", "US"),
    ("America/Kentucky/*", "US"),
    ("America/North_Dakota/*", "US"),
    ("Pacific/Honolulu", "US"),
    ("US/*", "US"),
    ("America/Montevideo", "UY"),
    ("America/Caracas", "VE"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_is_one_of_the_list_in_any_case() {
        assert_eq!(Region::parse(" mx ").map(Region::code), Ok("MX"));
        assert_eq!(Region::parse("FR"), Err("error-region"));
        assert_eq!(Region::parse(""), Err("error-region"));
        assert_eq!(Region::parse_optional(" "), Ok(None));
        assert_eq!(
            Region::parse_optional("pe").map(|r| r.map(Region::code)),
            Ok(Some("PE"))
        );
        assert_eq!(Region::parse_optional("Narnia"), Err("error-region"));
        assert_eq!(Region::stored(Some("XX")), None);
        assert_eq!(Region::stored(None), None);
    }

    #[test]
    fn the_time_zone_says_where_the_reader_most_likely_is() {
        let region = |zone| Region::of_timezone(zone).map(Region::code);
        assert_eq!(region("Europe/Madrid"), Some("ES"));
        assert_eq!(region("America/Argentina/Salta"), Some("AR"));
        assert_eq!(region("America/Indiana/Knox"), Some("US"));
        assert_eq!(region("America/Mexico_City"), Some("MX"));
        assert_eq!(region("Europe/Paris"), None);
        assert_eq!(region("UTC"), None);
    }

    #[test]
    fn every_zone_of_the_table_names_an_offered_region_and_a_real_zone() {
        for (zone, code) in ZONES {
            assert!(REGIONS.contains(code), "{code}");
            if !zone.ends_with('*') {
                assert!(zone.parse::<chrono_tz::Tz>().is_ok(), "{zone}");
            }
        }
    }
}
