//! Business dates: instants are UTC, but validity and reminders count days in the company's zone.

use jiff::tz::TimeZone;
use jiff::{Timestamp, civil::Date};

/// The company's calendar date at `now` — "today" for validity, expiry and SOR-number years.
pub fn business_date(now: Timestamp, zone: &TimeZone) -> Date {
    now.to_zoned(zone.clone()).date()
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
}
