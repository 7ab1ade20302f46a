//! SOR numbers, amounts and currency codes: what parses prints back to the same value.
#![no_main]

use domain::Currency;
use domain::directory::files::{format_minor, parse_decimal_minor};
use domain::sor::SorNumber;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(sor) = text.parse::<SorNumber>() {
        assert_eq!(sor.to_string().parse::<SorNumber>(), Ok(sor));
    }
    if let Ok(minor) = parse_decimal_minor(text) {
        assert_eq!(parse_decimal_minor(&format_minor(minor)), Ok(minor));
    }
    if let Ok(currency) = Currency::parse(text) {
        assert_eq!(currency.as_str(), text);
    }
});
