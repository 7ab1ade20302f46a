//! CSV import and export of master data: the price list (ORD-3), partners and end customers.
//! A file is checked whole before anything is written: every bad row is reported with its line and
//! column, and a file with any error imports nothing. Prices in files are decimal amounts of the
//! currency (`4999.00`), stored as integer minor units.

use super::customers::{Customer, CustomerInput, parse_customer};
use super::input::{NewPartner, PartnerInput, parse_partner};
use super::products::{NewProduct, ProductInput, parse_product};
use super::{ActivationStage, PartnerLevel};
use crate::str_enum::str_enum;
use crate::{Currency, FieldErrors};
use jiff::civil::Date;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Columns of a price list file, in export order. One row per product and price version.
pub const PRICE_LIST_COLUMNS: &[&str] = &[
    "sku",
    "name",
    "category",
    "accessory",
    "maintenance_term_months",
    "currency",
    "list_price",
    "partner_price",
    "msrp",
    "rrsp",
    "effective_from",
];
const PRICE_LIST_REQUIRED: &[&str] = &[
    "sku",
    "name",
    "category",
    "currency",
    "list_price",
    "partner_price",
    "msrp",
    "rrsp",
];

pub const PARTNER_COLUMNS: &[&str] = &["name", "level", "activation_stage", "region"];

pub const CUSTOMER_COLUMNS: &[&str] = &["name", "domain", "tax_id", "city", "postal_code", "country", "segment"];
const CUSTOMER_REQUIRED: &[&str] = &["name", "country", "segment"];

/// Bounds one import (a transaction) and the size of an error report.
pub const MAX_IMPORT_ROWS: usize = 200_000;
const MAX_REPORTED_ERRORS: usize = 500;

/// A row of a file with the line it came from, so later checks (in the store) can cite it too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line<T> {
    pub line: u64,
    pub value: T,
}

/// A partner as a file names it: the region by name, looked up by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerRow {
    pub name: String,
    pub level: PartnerLevel,
    pub activation_stage: ActivationStage,
    pub region: String,
}

pub(crate) type Record = BTreeMap<&'static str, String>;

/// Reads a CSV file with a header line naming (in any order and letter case) some of `columns`,
/// including every one of `required`. Blank cells are absent values.
pub(crate) fn read_records(
    text: &str,
    columns: &'static [&'static str],
    required: &[&str],
) -> Result<Vec<Line<Record>>, FieldErrors> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Spreadsheets write CRLF, old Mac exports a lone CR; line numbers count all three alike.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    let mut errors = FieldErrors::default();
    let headers = match reader.headers() {
        Ok(h) if !h.iter().all(str::is_empty) => h.clone(),
        Ok(_) => {
            errors.add_at_line(
                1,
                "header",
                format!(
                    "the file is empty; the first line names the columns: {}",
                    columns.join(",")
                ),
            );
            return Err(errors);
        }
        Err(e) => {
            errors.add_at_line(1, "header", format!("not a CSV header line: {e}"));
            return Err(errors);
        }
    };
    let mut positions: Vec<Option<&'static str>> = Vec::with_capacity(headers.len());
    for name in headers.iter() {
        let known = columns.iter().find(|c| c.eq_ignore_ascii_case(name)).copied();
        if known.is_none() {
            errors.add_at_line(
                1,
                name,
                format!("unknown column; the columns are: {}", columns.join(",")),
            );
        } else if positions.contains(&known) {
            errors.add_at_line(1, name, "the column appears twice");
        }
        positions.push(known);
    }
    for column in required {
        if !positions.contains(&Some(column)) {
            errors.add_at_line(1, *column, "required column is missing");
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut records = Vec::new();
    for result in reader.records() {
        let record = match result {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.add_at_line(line, "row", format!("unreadable CSV: {e}"));
                break;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if records.len() == MAX_IMPORT_ROWS {
            errors.add_at_line(
                line,
                "row",
                format!("at most {MAX_IMPORT_ROWS} rows per file; split it"),
            );
            break;
        }
        let value = positions
            .iter()
            .zip(record.iter())
            .filter(|(_, cell)| !cell.is_empty())
            .filter_map(|(column, cell)| column.map(|c| (c, unguard_cell(cell).to_owned())))
            .collect();
        records.push(Line { line, value });
    }
    errors.into_result(records)
}

/// Parses every record with `parse`, collecting every row's errors (up to a bound) before failing.
pub(crate) fn parse_all<T>(
    records: Vec<Line<Record>>,
    mut parse: impl FnMut(&Record) -> Result<T, FieldErrors>,
) -> Result<Vec<Line<T>>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut rows = Vec::with_capacity(records.len());
    for record in records {
        match parse(&record.value) {
            Ok(value) => rows.push(Line {
                line: record.line,
                value,
            }),
            Err(e) => errors.0.extend(e.at_line(record.line).0),
        }
        if errors.0.len() >= MAX_REPORTED_ERRORS {
            errors.add("file", format!("stopped after {MAX_REPORTED_ERRORS} errors"));
            break;
        }
    }
    errors.into_result(rows)
}

/// `4999`, `4999.9` or `4999.00` in major units → minor units (two decimals). Thousands separators
/// and signs are refused rather than guessed at.
pub fn parse_decimal_minor(raw: &str) -> Result<i64, String> {
    crate::money::parse_scaled(raw, 2).map_err(|bad| match bad {
        crate::money::BadAmount::Malformed => {
            format!("'{raw}' is not an amount like 4999.00 (a dot for decimals, no thousands separators)")
        }
        crate::money::BadAmount::TooLarge => format!("'{raw}' is larger than the largest amount"),
    })
}

/// Minor units as a decimal amount with two places, the form [`parse_decimal_minor`] reads.
pub fn format_minor(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

fn parse_flag(raw: &str) -> Result<bool, String> {
    match raw.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Ok(true),
        "false" | "no" | "n" | "0" => Ok(false),
        _ => Err(format!("'{raw}' is not yes or no")),
    }
}

/// ORD-3: a price list file → products with their price versions. A row without `effective_from`
/// starts `today`.
pub fn parse_price_list(text: &str, today: Date) -> Result<Vec<Line<NewProduct>>, FieldErrors> {
    let records = read_records(text, PRICE_LIST_COLUMNS, PRICE_LIST_REQUIRED)?;
    let mut seen: BTreeMap<(String, Option<Date>), u64> = BTreeMap::new();
    let mut duplicates = FieldErrors::default();
    let rows = parse_all(records, |r| {
        let mut errors = FieldErrors::default();
        let mut amount = |column: &str| {
            r.get(column)
                .and_then(|raw| parse_decimal_minor(raw).map_err(|m| errors.add(column, m)).ok())
        };
        let (list, partner, msrp, rrsp) = (
            amount("list_price"),
            amount("partner_price"),
            amount("msrp"),
            amount("rrsp"),
        );
        let is_accessory = r
            .get("accessory")
            .and_then(|raw| parse_flag(raw).map_err(|m| errors.add("accessory", m)).ok());
        let maintenance_term_months = r.get("maintenance_term_months").and_then(|raw| {
            raw.parse::<u32>()
                .map_err(|_| errors.add("maintenance_term_months", format!("'{raw}' is not a number of months")))
                .ok()
        });
        let input = ProductInput {
            sku: r.get("sku").cloned(),
            name: r.get("name").cloned(),
            category: r.get("category").cloned(),
            is_accessory,
            list_price_minor: list,
            partner_price_minor: partner,
            msrp_minor: msrp,
            rrsp_minor: rrsp,
            currency: r.get("currency").cloned(),
            maintenance_term_months,
            effective_from: r.get("effective_from").cloned(),
        };
        match parse_product(&input) {
            // An amount that did not parse shows up again as missing: report it once, under its column.
            Err(more) => {
                for e in more.0 {
                    let column = csv_column(&e.field);
                    if !errors.0.iter().any(|seen| seen.field == column) {
                        errors.add(column, e.message);
                    }
                }
                Err(errors)
            }
            Ok(product) => errors.into_result(NewProduct {
                effective_from: Some(product.effective_from.unwrap_or(today)),
                ..product
            }),
        }
    })?;
    for row in &rows {
        let key = (row.value.sku.clone(), row.value.effective_from);
        if let Some(first) = seen.insert(key, row.line) {
            duplicates.add_at_line(
                row.line,
                "sku",
                format!(
                    "{} with the same effective_from is already on line {first}",
                    row.value.sku
                ),
            );
        }
    }
    duplicates.into_result(rows)
}

/// Rows priced in another currency than the program's (ORD-3: one price list, one currency).
pub fn currency_errors(rows: &[Line<NewProduct>], currency: Currency) -> FieldErrors {
    let mut errors = FieldErrors::default();
    for row in rows.iter().filter(|r| r.value.currency != currency) {
        errors.add_at_line(
            row.line,
            "currency",
            format!("{} differs from the program's currency {currency}", row.value.currency),
        );
    }
    errors
}

/// What one row of a price list file would do to the price list on file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceChange {
    NewProduct,
    NewVersion,
    Changed,
    Unchanged,
}
str_enum!(PriceChange {
    NewProduct => "new_product",
    NewVersion => "new_version" as "New price version",
    Changed => "changed" as "Changed prices or details",
    Unchanged => "unchanged",
});

/// Each row's change, for the preview before an import. `on_file`: every version on file, as the
/// row that would have written it. A row replaces the version of its SKU and date, if any.
pub fn price_list_changes(rows: &[Line<NewProduct>], on_file: &[NewProduct]) -> Vec<PriceChange> {
    let mut versions: BTreeMap<&str, Vec<&NewProduct>> = BTreeMap::new();
    for v in on_file {
        versions.entry(v.sku.as_str()).or_default().push(v);
    }
    rows.iter()
        .map(|row| match versions.get(row.value.sku.as_str()) {
            None => PriceChange::NewProduct,
            Some(of_sku) => match of_sku.iter().find(|v| v.effective_from == row.value.effective_from) {
                None => PriceChange::NewVersion,
                Some(v) if **v == row.value => PriceChange::Unchanged,
                Some(_) => PriceChange::Changed,
            },
        })
        .collect()
}

/// The file column a product field comes from.
fn csv_column(field: &str) -> &str {
    match field {
        "list_price_minor" => "list_price",
        "partner_price_minor" => "partner_price",
        "msrp_minor" => "msrp",
        "rrsp_minor" => "rrsp",
        "is_accessory" => "accessory",
        other => other,
    }
}

/// Partners: the same checks as the API's, with the region named instead of numbered.
pub fn parse_partners(text: &str) -> Result<Vec<Line<PartnerRow>>, FieldErrors> {
    let records = read_records(text, PARTNER_COLUMNS, PARTNER_COLUMNS)?;
    parse_all(records, |r| {
        let input = PartnerInput {
            name: r.get("name").cloned(),
            level: r.get("level").cloned(),
            activation_stage: r.get("activation_stage").cloned(),
            // The file names its region; the store resolves the name to an id.
            region_id: Some(0),
            ..PartnerInput::default()
        };
        let region = r.get("region").cloned();
        match (parse_partner(&input), region) {
            (
                Ok(NewPartner {
                    name,
                    level,
                    activation_stage,
                    ..
                }),
                Some(region),
            ) => Ok(PartnerRow {
                name,
                level,
                activation_stage,
                region,
            }),
            (parsed, region) => {
                let mut errors = parsed.err().unwrap_or_default();
                if region.is_none() {
                    errors.add("region", "is required");
                }
                Err(errors)
            }
        }
    })
}

/// End customers, checked as a registration's customer is.
pub fn parse_customers(text: &str) -> Result<Vec<Line<Customer>>, FieldErrors> {
    let records = read_records(text, CUSTOMER_COLUMNS, CUSTOMER_REQUIRED)?;
    parse_all(records, |r| {
        let input = CustomerInput {
            name: r.get("name").cloned(),
            domain: r.get("domain").cloned(),
            tax_id: r.get("tax_id").cloned(),
            city: r.get("city").cloned(),
            postal_code: r.get("postal_code").cloned(),
            country: r.get("country").cloned(),
            segment: r.get("segment").cloned(),
        };
        let mut errors = FieldErrors::default();
        let customer = parse_customer(&input, "", &mut errors);
        match customer {
            Some(c) if errors.is_empty() => Ok(c),
            _ => Err(errors),
        }
    })
}

/// Writes a CSV file: a header line, then one line per row, quoting where CSV needs it.
pub fn write_csv<R: AsRef<[String]>>(columns: &[&str], rows: impl IntoIterator<Item = R>) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let written = writer.write_record(columns).and_then(|()| {
        rows.into_iter().try_for_each(|row| {
            let cells: Vec<Cow<'_, str>> = row.as_ref().iter().map(|cell| guard_cell(cell)).collect();
            writer.write_record(cells.iter().map(|cell| cell.as_bytes()))
        })
    });
    // Writing to memory fails only on allocation failure, which aborts first.
    debug_assert!(written.is_ok());
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// What a spreadsheet runs as a formula when a cell begins with it (issue 12, item 4: CSV injection).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Every exported cell that a spreadsheet would run as a formula — a partner-typed customer
/// `=HYPERLINK(…)`, a PO number `@SUM(…)` — is written with a leading `'`, as OWASP advises, and so is
/// a cell that already begins with `'`, so that the mark can always be taken off again
/// ([`unguard_cell`]). Numbers such as `-5.00` stay numbers.
fn guard_cell(cell: &str) -> Cow<'_, str> {
    let starts_formula = cell.starts_with(FORMULA_STARTS) && !is_plain_number(cell);
    if starts_formula || cell.starts_with('\'') {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Takes [`guard_cell`]'s mark off a cell of an imported file, so that exports import back unchanged.
fn unguard_cell(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) || rest.starts_with('\'') => rest,
        _ => cell,
    }
}

/// `-5`, `+12.50`: a signed decimal, which spreadsheets read as a number, not a formula.
fn is_plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix(['-', '+']).unwrap_or(cell);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().filter(|b| *b == b'.').count() <= 1
        && digits.bytes().any(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::MAX_AMOUNT_MINOR;
    use jiff::civil::date;

    #[test]
    fn exported_cells_never_run_as_formulas_and_import_back_unchanged() {
        let hostile = [
            "=HYPERLINK(\"http://evil.example\",\"click\")",
            "=cmd|' /C calc'!A0",
            "@SUM(A1:A9)",
            "+1-800-EVIL",
            "-2+3",
            "\tTabbed",
            "'quoted",
            "''twice",
            "'=already marked",
        ];
        let plain = ["Springfield School District", "-5.00", "+12", "4999.00", "O'Brien", ""];
        let rows: Vec<Vec<String>> = hostile.iter().chain(&plain).map(|c| vec![(*c).to_owned()]).collect();
        let text = write_csv(&["name"], &rows);
        let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let written: Vec<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
        for (cell, original) in written.iter().zip(hostile.iter().chain(&plain)) {
            let runs = cell.starts_with(FORMULA_STARTS) && !is_plain_number(cell);
            assert!(!runs, "{cell:?} would run as a formula");
            assert_eq!(unguard_cell(cell), *original, "{cell:?} imports back as it was");
        }
        assert_eq!(&written[0], "'=HYPERLINK(\"http://evil.example\",\"click\")");
        assert_eq!(written[hostile.len() + 1], "-5.00", "a negative number stays a number");
    }

    const TODAY: Date = date(2026, 11, 22);
    const HEADER: &str = "sku,name,category,accessory,maintenance_term_months,currency,list_price,partner_price,msrp,rrsp,effective_from";

    #[test]
    fn a_price_list_parses_into_minor_units() {
        let text = format!(
            "{HEADER}\nMB-86,MimioBoard 86,boards,no,,USD,5000.00,3500,4999.00,4599.00,\n\
             pen-2,\"Pen, replacement\",accessories,yes,,USD,49.00,32.5,45.00,41.00,2027-01-01\n"
        );
        let rows = parse_price_list(&text, TODAY).unwrap();
        assert_eq!(rows.len(), 2);
        let board = &rows[0].value;
        assert_eq!(
            (
                board.list_price_minor,
                board.partner_price_minor,
                board.msrp_minor,
                board.rrsp_minor
            ),
            (500_000, 350_000, 499_900, 459_900)
        );
        assert_eq!(board.effective_from, Some(TODAY));
        let pen = &rows[1];
        assert_eq!(
            (pen.line, pen.value.sku.as_str(), pen.value.name.as_str()),
            (3, "PEN-2", "Pen, replacement")
        );
        assert!(pen.value.is_accessory);
        assert_eq!(pen.value.partner_price_minor, 3_250);
        assert_eq!(pen.value.effective_from, Some(date(2027, 1, 1)));
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line_and_column() {
        let text = format!(
            "{HEADER}\nMB-86,Board,boards,no,,USD,5000.00,3500.00,4999.00,4599.00,\n\
             MB-87,,boards,maybe,,USD,\"5,000.00\",3500.00,4999.00,4599.00,\n\
             MB-88,Board,boards,no,,usd,5000.00,6000.00,4999.00,4599.00,soon\n"
        );
        let errors = parse_price_list(&text, TODAY).unwrap_err().0;
        let found: Vec<_> = errors.iter().map(|e| (e.line.unwrap(), e.field.as_str())).collect();
        assert_eq!(
            found,
            [
                (3, "list_price"),
                (3, "accessory"),
                (3, "name"),
                (4, "currency"),
                (4, "partner_price"),
                (4, "effective_from")
            ]
        );
        assert!(
            errors[0].message.contains("no thousands separators"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn headers_are_checked_before_rows() {
        let errors = parse_price_list("sku,name,colour\nA,B,C\n", TODAY).unwrap_err().0;
        assert_eq!(errors[0].field, "colour");
        assert!(
            errors
                .iter()
                .any(|e| e.field == "list_price" && e.message == "required column is missing")
        );
        assert!(errors.iter().all(|e| e.line == Some(1)));
        assert_eq!(parse_price_list("", TODAY).unwrap_err().0[0].field, "header");
    }

    #[test]
    fn the_same_sku_and_date_twice_is_an_error() {
        let text = format!(
            "{HEADER}\nMB-86,Board,boards,no,,USD,1.00,1.00,1.00,1.00,2027-01-01\n\
             mb-86,Board,boards,no,,USD,2.00,1.00,2.00,2.00,2027-01-01\n\
             MB-86,Board,boards,no,,USD,3.00,1.00,3.00,3.00,2028-01-01\n\
             MB-86,Board,boards,no,,USD,3.00,1.00,3.00,3.00,2026-11-22\n\
             MB-86,Board,boards,no,,USD,3.00,1.00,3.00,3.00,\n"
        );
        let errors = parse_price_list(&text, TODAY).unwrap_err().0;
        assert_eq!(errors.len(), 2);
        assert_eq!(
            errors[1].message,
            "MB-86 with the same effective_from is already on line 5"
        );
        assert_eq!(
            (errors[0].line, errors[0].message.as_str()),
            (Some(3), "MB-86 with the same effective_from is already on line 2")
        );
    }

    #[test]
    fn line_numbers_hold_for_every_line_ending() {
        for ending in ["\n", "\r\n", "\r"] {
            let text = format!(
                "{HEADER}{ending}MB-86,Board,boards,no,,USD,1.00,1.00,1.00,1.00,{ending}MB-87,Board,boards,no,,USD,x,1.00,1.00,1.00,{ending}"
            );
            let errors = parse_price_list(&text, TODAY).unwrap_err().0;
            assert_eq!(
                (errors[0].line, errors[0].field.as_str()),
                (Some(3), "list_price"),
                "{ending:?}"
            );
        }
    }

    #[test]
    fn a_ragged_row_is_reported_not_guessed() {
        let text = format!("{HEADER}\nMB-86,Board\n");
        let errors = parse_price_list(&text, TODAY).unwrap_err().0;
        assert_eq!((errors[0].line, errors[0].field.as_str()), (Some(2), "row"));
    }

    #[test]
    fn exports_read_back_as_they_were() {
        let text = write_csv(
            PRICE_LIST_COLUMNS,
            [[
                "MB-86",
                "Board \"86\", white",
                "boards",
                "no",
                "",
                "USD",
                "5000.00",
                "3500.00",
                "4999.00",
                "4599.00",
                "2026-11-22",
            ]
            .map(String::from)],
        );
        let rows = parse_price_list(&text, TODAY).unwrap();
        assert_eq!(rows[0].value.name, "Board \"86\", white");
        assert_eq!(rows[0].value.msrp_minor, 499_900);
    }

    #[test]
    fn amounts_round_trip() {
        for minor in [0, 1, 99, 100, 459_900, MAX_AMOUNT_MINOR] {
            assert_eq!(parse_decimal_minor(&format_minor(minor)), Ok(minor));
        }
        for bad in ["", "-1", "1.234", "1,00", ".5", "1e3", "99999999999999999999"] {
            assert!(parse_decimal_minor(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn partners_name_their_region_and_customers_their_segment() {
        let partners = parse_partners("name,level,activation_stage,region\nAcme AV,gold,ramp_up,West\n").unwrap();
        assert_eq!(partners[0].value.region, "West");
        assert_eq!(partners[0].value.level, PartnerLevel::Gold);
        let errors = parse_partners("name,level,activation_stage,region\nAcme AV,tin,ramp_up,\n").unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["level", "region"]);
        let customers = parse_customers(
            "name,country,segment,domain\nSpringfield School District,us,education,springfield.k12.il.us\n",
        )
        .unwrap();
        assert_eq!(customers[0].value.country, "US");
        let errors = parse_customers("name,country,segment\nAcme,USA,retail\n").unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|e| (e.line.unwrap(), e.field.as_str())).collect();
        assert_eq!(fields, [(2, "country"), (2, "segment")]);
    }

    proptest::proptest! {
        /// Any text at all: rows or errors with lines, never a panic.
        #[test]
        fn imports_never_panic(text in ".{0,400}") {
            let _ = parse_price_list(&text, TODAY);
            let _ = parse_partners(&text);
            let _ = parse_customers(&text);
        }
    }

    #[test]
    fn a_preview_tells_what_each_row_would_do() {
        let today = jiff::civil::date(2026, 11, 22);
        let file = "sku,name,category,currency,list_price,partner_price,msrp,rrsp,effective_from\n\
                    NEW-1,New,x,USD,1.00,1.00,1.00,1.00,\n\
                    OLD-1,Old,x,USD,2.00,2.00,2.00,2.00,2027-01-01\n\
                    OLD-1,Old,x,USD,1.00,1.00,1.00,1.00,\n\
                    OLD-2,Old two,x,USD,9.00,1.00,1.00,1.00,\n\
                    OLD-3,Old three,x,EUR,1.00,1.00,1.00,1.00,\n";
        let rows = parse_price_list(file, today).unwrap();
        let on_file: Vec<NewProduct> = ["OLD-1", "OLD-2", "OLD-3"]
            .iter()
            .zip(["Old", "Old two", "Old three"])
            .map(|(sku, name)| NewProduct {
                sku: (*sku).into(),
                name: name.into(),
                currency: Currency::parse(if *sku == "OLD-3" { "EUR" } else { "USD" }).unwrap(),
                ..rows[2].value.clone()
            })
            .collect();
        let labels: Vec<_> = price_list_changes(&rows, &on_file).iter().map(|c| c.as_str()).collect();
        assert_eq!(
            labels,
            ["new_product", "new_version", "unchanged", "changed", "unchanged"]
        );
        let usd = Currency::parse("USD").unwrap();
        let wrong = currency_errors(&rows, usd);
        assert_eq!(
            (wrong.0.len(), wrong.0[0].line, wrong.0[0].field.as_str()),
            (1, Some(6), "currency")
        );
    }
}
