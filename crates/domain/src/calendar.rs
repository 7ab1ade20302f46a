//! Business dates: instants are UTC, but validity and reminders count days in the company's zone.

use jiff::tz::TimeZone;
use jiff::{Timestamp, civil::Date};

/// The company's calendar date at `now` — "today" for validity, expiry and SOR-number years.
pub fn business_date(now: Timestamp, zone: &TimeZone) -> Date {
    now.to_zoned(zone.clone()).date()
}

/// The instant a validity ending on `last_valid_day` lapses: the next midnight in the company zone.
pub fn lapses_at(last_valid_day: Date, zone: &TimeZone) -> Option<Timestamp> {
    let next = last_valid_day.tomorrow().ok()?;
    next.to_zoned(zone.clone()).ok().map(|z| z.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn business_date_follows_the_company_zone() {
        let zone = TimeZone::get("America/Los_Angeles").unwrap();
        // 05:30 UTC on 2026-11-23 is still the evening of 2026-11-22 in Los Angeles.
        let now: Timestamp = "2026-11-23T05:30:00Z".parse().unwrap();
        assert_eq!(business_date(now, &zone), date(2026, 11, 22));
        assert_eq!(business_date(now, &TimeZone::UTC), date(2026, 11, 23));
    }

    #[test]
    fn validity_lapses_at_the_next_local_midnight() {
        let zone = TimeZone::get("Europe/Berlin").unwrap();
        let at = lapses_at(date(2027, 2, 20), &zone).unwrap();
        assert_eq!(at.to_string(), "2027-02-20T23:00:00Z");
    }
}
