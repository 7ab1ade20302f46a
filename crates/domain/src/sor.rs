//! SOR numbers (seed 000: "you will receive an APPROVED email with an SOR number to be included on
//! your PO"): readable, sequential per year, e.g. `SOR-2026-000042`.

/// A readable number `PREFIX-YYYY-NNNNNN`, sequential per year: SOR numbers and opportunity
/// numbers share the form, and each type its prefix.
macro_rules! readable_number {
    ($(#[$doc:meta])* $ty:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $ty {
            pub year: i16,
            pub seq: i64,
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}-{:04}-{:06}", $prefix, self.year, self.seq)
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = String;

            /// Accepts the printed form in any letter case and with surrounding blanks, as it is typed.
            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                let (year, seq) = $crate::sor::parse_parts($prefix, raw)?;
                Ok($ty { year, seq })
            }
        }
    };
}
pub(crate) use readable_number;

pub(crate) fn parse_parts(prefix: &str, raw: &str) -> Result<(i16, i64), String> {
    let bad = || format!("'{raw}' is not a number of the form {prefix}-YYYY-NNNNNN");
    let upper = raw.trim().to_ascii_uppercase();
    let mut parts = upper.splitn(3, '-');
    let (Some(p), Some(year), Some(seq)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    // `i16::from_str` alone would take "+026" as a year, which prints back differently (found by fuzzing).
    if p != prefix || year.len() != 4 || !digits(year) || seq.len() < 6 || !digits(seq) {
        return Err(bad());
    }
    let year: i16 = year.parse().map_err(|_| bad())?;
    let seq: i64 = seq.parse().map_err(|_| bad())?;
    if seq == 0 {
        return Err(bad());
    }
    Ok((year, seq))
}

readable_number!(
    /// An approved registration's number.
    SorNumber,
    "SOR"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_six_digits_and_parses_back() {
        let n = SorNumber { year: 2026, seq: 42 };
        assert_eq!(n.to_string(), "SOR-2026-000042");
        assert_eq!(" sor-2026-000042 ".parse::<SorNumber>(), Ok(n));
        let big = SorNumber {
            year: 2026,
            seq: 1_234_567,
        };
        assert_eq!(big.to_string().parse::<SorNumber>(), Ok(big));
        let early = "SOR-0026-000001".parse::<SorNumber>().unwrap();
        assert_eq!(early.to_string(), "SOR-0026-000001");
    }

    #[test]
    fn rejects_malformed_numbers() {
        for bad in [
            "",
            "SOR-2026",
            "SOR-26-000001",
            "SOR-2026-00001",
            "ABC-2026-000001",
            "SOR-2026-000000",
            "SOR-2026-00000x",
            "SOR-+026-000001",
        ] {
            assert!(bad.parse::<SorNumber>().is_err(), "{bad}");
        }
    }
}
