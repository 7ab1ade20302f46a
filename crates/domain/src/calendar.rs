//! Business dates: instants are UTC, but validity and reminders count days in the company's zone.

use jiff::tz::TimeZone;
use jiff::{Timestamp, civil::Date};

/// The company's calendar date at `now` — "today" for validity, expiry and SOR-number years.
pub fn business_date(now: Timestamp, zone: &TimeZone) -> Date {
    now.to_zoned(zone.clone()).date()
}

/// The business day `days` business days (Monday to Friday) before `date`: how long something has
/// waited counts the working week, not the weekend.
pub fn business_days_before(date: Date, days: u32) -> Date {
    let mut day = date;
    let mut left = days;
    while left > 0 {
        day = day.yesterday().unwrap_or(day);
        if !matches!(
            day.weekday(),
            jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
        ) {
            left -= 1;
        }
    }
    day
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn business_days_skip_the_weekend() {
        // 2026-11-25 is a Wednesday.
        assert_eq!(business_days_before(date(2026, 11, 25), 0), date(2026, 11, 25));
        assert_eq!(business_days_before(date(2026, 11, 25), 2), date(2026, 11, 23));
        assert_eq!(business_days_before(date(2026, 11, 25), 3), date(2026, 11, 20));
        assert_eq!(business_days_before(date(2026, 11, 25), 10), date(2026, 11, 11));
        // From a Sunday, the Friday before is one business day back.
        assert_eq!(business_days_before(date(2026, 11, 22), 1), date(2026, 11, 20));
    }

    #[test]
    fn business_date_follows_the_company_zone() {
        let zone = TimeZone::get("America/Los_Angeles").unwrap();
        // 05:30 UTC on 2026-11-23 is still the evening of 2026-11-22 in Los Angeles.
        let now: Timestamp = "2026-11-23T05:30:00Z".parse().unwrap();
        assert_eq!(business_date(now, &zone), date(2026, 11, 22));
        assert_eq!(business_date(now, &TimeZone::UTC), date(2026, 11, 23));
    }
}
