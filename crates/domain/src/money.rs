//! Money is an integer count of minor units plus an ISO 4217 currency code: never floats.

use crate::FieldErrors;
use serde::{Deserialize, Serialize};
use std::fmt;

/// ISO 4217 alphabetic code, parsed once so that every `Currency` is three uppercase letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let bytes = raw.as_bytes();
        if bytes.len() == 3 && bytes.iter().all(u8::is_ascii_uppercase) {
            Ok(Currency([bytes[0], bytes[1], bytes[2]]))
        } else {
            Err(format!(
                "'{raw}' is not an ISO 4217 currency code (three capital letters, e.g. USD)"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        // Constructed only from ASCII uppercase letters.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl TryFrom<String> for Currency {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Currency::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.as_str().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An amount in minor units (cents for USD) of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    pub amount_minor: i64,
    /// ISO 4217 code, e.g. USD.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "USD"))]
    pub currency: Currency,
}

/// ISO 4217 minor units of a currency: 0 for the yen or the won, 3 for the Kuwaiti dinar, 2 for
/// most. Decides how an amount is written, never how it is rounded (amounts are minor units).
pub fn minor_units(currency: Currency) -> u32 {
    match currency.as_str() {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX" | "UYI" | "VND"
        | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        "CLF" | "UYW" => 4,
        _ => 2,
    }
}

/// "1,000.00 USD", "1,235 JPY", "123.457 KWD": the amount written with its currency's decimals.
pub fn display_amount(amount_minor: i64, currency: Currency) -> String {
    format!("{} {currency}", written(amount_minor, currency, true))
}

/// "1000.00", "-25.50", "1235": the amount in its currency's decimals, ungrouped, as files carry it.
pub fn plain_amount(amount_minor: i64, currency: Currency) -> String {
    written(amount_minor, currency, false)
}

fn written(amount_minor: i64, currency: Currency, grouped: bool) -> String {
    let decimals = minor_units(currency);
    let scale = 10u64.pow(decimals);
    let abs = amount_minor.unsigned_abs();
    let units = (abs / scale).to_string();
    let mut text = String::from(if amount_minor < 0 { "-" } else { "" });
    for (i, digit) in units.chars().enumerate() {
        if grouped && i > 0 && (units.len() - i).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    if decimals > 0 {
        text.push_str(&format!(".{:0width$}", abs % scale, width = decimals as usize));
    }
    text
}

/// Why a decimal amount did not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BadAmount {
    /// Not digits with at most `decimals` after one dot.
    Malformed,
    TooLarge,
}

/// Digits with at most `decimals` places after a dot, in minor units; no signs, no grouping.
pub(crate) fn parse_scaled(raw: &str, decimals: u32) -> Result<i64, BadAmount> {
    let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || fraction.len() > decimals as usize || !digits(whole) || !digits(fraction) {
        return Err(BadAmount::Malformed);
    }
    let fraction: i64 = match decimals {
        0 => 0,
        d => format!("{fraction:0<width$}", width = d as usize)
            .parse()
            .map_err(|_| BadAmount::Malformed)?,
    };
    whole
        .parse::<i64>()
        .ok()
        .and_then(|w| w.checked_mul(10i64.pow(decimals)))
        .and_then(|w| w.checked_add(fraction))
        .filter(|m| *m <= MAX_AMOUNT_MINOR)
        .ok_or(BadAmount::TooLarge)
}

/// "4999", "4999.5" or "4999.50" in major units of `currency` → minor units, at most the currency's
/// decimals ("1235" yen, "123.457" dinars). Thousands separators and signs are refused, not guessed.
pub fn parse_decimal_amount(raw: &str, currency: Currency) -> Result<i64, String> {
    let decimals = minor_units(currency);
    parse_scaled(raw, decimals).map_err(|bad| match bad {
        BadAmount::Malformed => format!(
            "'{raw}' is not an amount in {currency} like {}",
            display_example(decimals as usize)
        ),
        BadAmount::TooLarge => format!("'{raw}' is larger than the largest amount"),
    })
}

fn display_example(decimals: usize) -> String {
    if decimals == 0 {
        "4999".into()
    } else {
        format!("4999.{:0<decimals$} (a dot for decimals, no thousands separators)", "")
    }
}

impl fmt::Display for Money {
    /// For people: the currency's decimals and thousands grouped, "100,000.00 USD", "1,235 JPY".
    /// Files carry `format_minor`, without grouping.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&display_amount(self.amount_minor, self.currency))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MoneyInput {
    /// Integer minor units (cents).
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, minimum = 1, maximum = 100_000_000_000_000i64)
    )]
    pub amount_minor: Option<i64>,
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, pattern = "^[A-Z]{3}$")
    )]
    pub currency: Option<String>,
}

/// Larger than any single deal; keeps sums far from i64 overflow.
pub const MAX_AMOUNT_MINOR: i64 = 100_000_000_000_000;

pub(crate) fn parse_money(input: &Option<MoneyInput>, field: &str, errors: &mut FieldErrors) -> Option<Money> {
    let input = errors.required(field, input)?;
    let amount = errors
        .required(&format!("{field}.amount_minor"), &input.amount_minor)
        .copied();
    if amount.is_some_and(|a| !(1..=MAX_AMOUNT_MINOR).contains(&a)) {
        errors.add(
            format!("{field}.amount_minor"),
            format!("must be between 1 and {MAX_AMOUNT_MINOR}"),
        );
    }
    let currency = errors
        .required(&format!("{field}.currency"), &input.currency)
        .and_then(|c| errors.parsed(&format!("{field}.currency"), Currency::parse(c)));
    let amount = amount.filter(|a| (1..=MAX_AMOUNT_MINOR).contains(a))?;
    Some(Money {
        amount_minor: amount,
        currency: currency?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "openapi")]
    #[test]
    fn the_document_states_the_largest_amount() {
        let amount = &crate::testing::documented::<MoneyInput>()["properties"]["amount_minor"];
        assert_eq!(amount["maximum"].as_f64(), Some(MAX_AMOUNT_MINOR as f64));
    }

    #[test]
    fn currency_parses_only_three_capitals() {
        assert_eq!(Currency::parse("USD").unwrap().as_str(), "USD");
        assert!(Currency::parse("usd").is_err());
        assert!(Currency::parse("US").is_err());
        assert!(Currency::parse("EURO").is_err());
    }

    #[test]
    fn amounts_are_written_with_their_currency_decimals() {
        assert_eq!(display_amount(100_000, Currency::parse("USD").unwrap()), "1,000.00 USD");
        assert_eq!(plain_amount(-123_456, Currency::parse("USD").unwrap()), "-1234.56");
        assert_eq!(plain_amount(1_235, Currency::parse("JPY").unwrap()), "1235");
        assert_eq!(display_amount(1_235, Currency::parse("JPY").unwrap()), "1,235 JPY");
        assert_eq!(display_amount(123_457, Currency::parse("KWD").unwrap()), "123.457 KWD");
        assert_eq!(display_amount(-5, Currency::parse("EUR").unwrap()), "-0.05 EUR");
        assert_eq!(
            display_amount(1_234_567_891, Currency::parse("KRW").unwrap()),
            "1,234,567,891 KRW"
        );
        assert_eq!(
            (
                minor_units(Currency::parse("OMR").unwrap()),
                minor_units(Currency::parse("GBP").unwrap())
            ),
            (3, 2)
        );
    }

    #[test]
    fn amounts_are_read_with_their_currency_decimals() {
        let code = |c: &str| Currency::parse(c).unwrap();
        assert_eq!(parse_decimal_amount("4999.5", code("USD")), Ok(499_950));
        assert_eq!(parse_decimal_amount("12345", code("JPY")), Ok(12_345));
        assert_eq!(parse_decimal_amount("1234.567", code("KWD")), Ok(1_234_567));
        assert!(parse_decimal_amount("12345.5", code("JPY")).is_err());
        assert!(parse_decimal_amount("1.234", code("EUR")).is_err());
        assert!(parse_decimal_amount("1,000.00", code("EUR")).is_err());
        assert!(parse_decimal_amount("-5", code("EUR")).is_err());
        assert_eq!(
            parse_decimal_amount("x", code("EUR")),
            Err("'x' is not an amount in EUR like 4999.00 (a dot for decimals, no thousands separators)".into())
        );
    }

    #[test]
    fn money_displays_minor_units() {
        let usd = Currency::parse("USD").unwrap();
        let m = Money {
            amount_minor: 500_000,
            currency: usd,
        };
        assert_eq!(m.to_string(), "5,000.00 USD");
        let big = Money {
            amount_minor: 12_345_678_900,
            currency: usd,
        };
        assert_eq!(big.to_string(), "123,456,789.00 USD");
        assert_eq!(
            Money {
                amount_minor: 99_999,
                currency: usd
            }
            .to_string(),
            "999.99 USD"
        );
        let m = Money {
            amount_minor: -5,
            currency: usd,
        };
        assert_eq!(m.to_string(), "-0.05 USD");
    }
}
