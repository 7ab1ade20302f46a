//! How the pages write times and links.

use jiff::Timestamp;

/// "3 d 4 h" since `then`: how long a registration has waited.
pub fn age(then: Timestamp, now: Timestamp) -> String {
    let minutes = now.duration_since(then).as_mins().max(0);
    match (minutes / (24 * 60), minutes / 60 % 24, minutes % 60) {
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

pub fn when(t: Timestamp, zone: &jiff::tz::TimeZone) -> String {
    t.to_zoned(zone.clone()).strftime("%Y-%m-%d %H:%M").to_string()
}

/// A day as people read it: "29 Jun 2026".
pub fn day(d: jiff::civil::Date) -> String {
    d.strftime("%-d %b %Y").to_string()
}

/// Percent-encodes a query value.
pub fn url_encode(raw: &str) -> String {
    form_urlencoded::byte_serialize(raw.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_time_reads_like_a_person_would_say_it() {
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        assert_eq!(age(t("2026-11-22T10:00:00Z"), t("2026-11-22T10:07:00Z")), "7 min");
        assert_eq!(age(t("2026-11-22T10:00:00Z"), t("2026-11-22T13:30:00Z")), "3 h 30 min");
        assert_eq!(age(t("2026-11-19T06:00:00Z"), t("2026-11-22T10:00:00Z")), "3 d 4 h");
    }
}
