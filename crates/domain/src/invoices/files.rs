//! Invoices as the ERP exports them: one CSV row per invoice line, the rows of an invoice sharing its
//! number. Checked whole, each error on its line and column, before anything is written.

use super::input::{InvoiceInput, InvoiceLineInput, NewInvoice, parse_invoice};
use crate::FieldErrors;
use crate::directory::files::{Line, Record, read_records};
use crate::money::{Currency, parse_decimal_amount};
use jiff::civil::Date;

/// Columns of an invoice file. `amount` and `cost` are decimal amounts of the line in its currency
/// (`4999.00`; `12345` yen); `issued_on` (YYYY-MM-DD), when given, imports the invoice issued.
pub const INVOICE_COLUMNS: &[&str] = &[
    "number",
    "partner_id",
    "order_id",
    "opportunity_id",
    "currency",
    "issued_on",
    "sku",
    "description",
    "quantity",
    "amount",
    "cost",
];
const INVOICE_REQUIRED: &[&str] = &["number", "currency", "sku", "quantity", "amount"];
/// The columns every row of one invoice repeats, and must repeat alike.
const HEADER_COLUMNS: &[&str] = &["partner_id", "order_id", "opportunity_id", "currency", "issued_on"];

/// An invoice as a file gives it: issued on its date when the file says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceRow {
    pub invoice: NewInvoice,
    pub issued_on: Option<Date>,
}

fn id(raw: Option<&String>, column: &str, errors: &mut FieldErrors) -> Option<i64> {
    raw.and_then(|r| {
        r.parse::<i64>().ok().filter(|id| *id > 0).or_else(|| {
            errors.add(column, format!("'{r}' is not an id"));
            None
        })
    })
}

fn amount(raw: Option<&String>, column: &str, currency: Option<Currency>, errors: &mut FieldErrors) -> Option<i64> {
    let (raw, currency) = (raw?, currency?);
    parse_decimal_amount(raw, currency)
        .map_err(|m| errors.add(column, m))
        .ok()
}

/// The file's column for a field of [`parse_invoice`].
fn column_of(field: &str) -> &str {
    let name = field.rsplit('.').next().unwrap_or(field);
    match name {
        "amount_minor" => "amount",
        "cost_minor" => "cost",
        "lines" => "sku",
        other => other,
    }
}

/// The rows of one invoice: its number, the file's line of each row, and the rows.
struct Group<'a> {
    number: String,
    lines: Vec<u64>,
    rows: Vec<&'a Record>,
}

/// Rows grouped by number in the file's order; a row that disagrees with its invoice's first row on
/// the partner, order, opportunity, currency or date is named on its line.
fn group<'a>(records: &'a [Line<Record>], errors: &mut FieldErrors) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    for record in records {
        let number = record.value.get("number").cloned().unwrap_or_default();
        match groups.iter_mut().find(|g| g.number == number) {
            Some(g) => {
                for column in HEADER_COLUMNS {
                    if g.rows[0].get(*column) != record.value.get(*column) {
                        errors.add_at_line(
                            record.line,
                            *column,
                            format!("differs from line {} of invoice {number}", g.lines[0]),
                        );
                    }
                }
                g.lines.push(record.line);
                g.rows.push(&record.value);
            }
            None => groups.push(Group {
                number,
                lines: vec![record.line],
                rows: vec![&record.value],
            }),
        }
    }
    groups
}

/// One row as an invoice line, its unreadable cells in `errors`.
fn line_input(row: &Record, currency: Option<Currency>, errors: &mut FieldErrors) -> InvoiceLineInput {
    let quantity = row.get("quantity").and_then(|q| {
        q.parse::<i64>()
            .map_err(|_| errors.add("quantity", format!("'{q}' is not a whole number")))
            .ok()
    });
    InvoiceLineInput {
        sku: row.get("sku").cloned(),
        description: row.get("description").cloned(),
        quantity,
        amount_minor: amount(row.get("amount"), "amount", currency, errors),
        cost_minor: amount(row.get("cost"), "cost", currency, errors),
    }
}

/// One invoice of the file, checked as the API checks one, each error on the line it is on.
fn parse_group(g: Group<'_>, errors: &mut FieldErrors) -> Option<Line<InvoiceRow>> {
    let first = g.rows[0];
    let currency = first.get("currency").and_then(|c| Currency::parse(c).ok());
    let mut found = FieldErrors::default();
    let mut of_rows = FieldErrors::default();
    let mut lines = Vec::with_capacity(g.rows.len());
    for (row, line) in g.rows.iter().zip(&g.lines) {
        let mut of_row = FieldErrors::default();
        lines.push(line_input(row, currency, &mut of_row));
        of_rows.0.extend(of_row.at_line(*line).0);
    }
    let input = InvoiceInput {
        number: Some(g.number),
        partner_id: id(first.get("partner_id"), "partner_id", &mut found),
        opportunity_id: id(first.get("opportunity_id"), "opportunity_id", &mut found),
        order_id: id(first.get("order_id"), "order_id", &mut found),
        currency: first.get("currency").cloned(),
        lines: Some(lines),
    };
    let issued_on = first.get("issued_on").and_then(|d| {
        d.parse::<Date>()
            .map_err(|_| found.add("issued_on", format!("'{d}' is not a date (YYYY-MM-DD)")))
            .ok()
    });
    // The invoice's own columns first, on its first line, then its rows' cells.
    errors.0.extend(found.at_line(g.lines[0]).0);
    errors.0.extend(of_rows.0);
    match parse_invoice(&input) {
        Ok(invoice) => Some(Line {
            line: g.lines[0],
            value: InvoiceRow { invoice, issued_on },
        }),
        Err(more) => {
            for e in more.0 {
                // `lines[3].quantity` is on the fourth row's line; the rest on the invoice's first.
                let row = e
                    .field
                    .strip_prefix("lines[")
                    .and_then(|rest| rest.split(']').next())
                    .and_then(|i| i.parse::<usize>().ok());
                let line = row.and_then(|i| g.lines.get(i)).copied().unwrap_or(g.lines[0]);
                // An amount that did not read was named already, by the column's own message.
                let column = column_of(&e.field).to_owned();
                if !errors
                    .0
                    .iter()
                    .any(|seen| seen.line == Some(line) && seen.field == column)
                {
                    errors.add_at_line(line, column, e.message);
                }
            }
            None
        }
    }
}

/// Invoices: rows grouped by number in the file's order, each error on its line; an invoice's rows
/// must agree on its partner, order, opportunity, currency and date.
pub fn parse_invoices(text: &str) -> Result<Vec<Line<InvoiceRow>>, FieldErrors> {
    let records = read_records(text, INVOICE_COLUMNS, INVOICE_REQUIRED)?;
    let mut errors = FieldErrors::default();
    let groups = group(&records, &mut errors);
    let parsed = groups.into_iter().filter_map(|g| parse_group(g, &mut errors)).collect();
    errors.into_result(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_of_one_number_are_one_invoice_in_its_currency() {
        let text = "number,partner_id,currency,issued_on,sku,quantity,amount,cost\n\
                    INV-1,1,USD,2026-11-30,MB-100,10,8000.00,5600\n\
                    INV-2,2,JPY,,ST-20,4,12345,\n\
                    INV-1,1,USD,2026-11-30,ST-20,4,2000,\n";
        let rows = parse_invoices(text).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        let first = &rows[0].value;
        assert_eq!(first.issued_on, Some(jiff::civil::date(2026, 11, 30)));
        let amounts: Vec<(i64, i64)> = first
            .invoice
            .lines
            .iter()
            .map(|l| (l.amount_minor, l.cost_minor))
            .collect();
        assert_eq!(amounts, [(800_000, 560_000), (200_000, 0)]);
        assert_eq!(rows[1].value.invoice.lines[0].amount_minor, 12_345);
    }

    #[test]
    fn every_bad_cell_is_named_on_its_line() {
        let text = "number,partner_id,currency,sku,quantity,amount\n\
                    INV-1,1,USD,MB-100,ten,80.00\n\
                    INV-1,2,USD,ST-20,1,1.234\n\
                    INV-3,,EUR,ST-20,1,5\n\
                    INV-4,x,EUR,ST-20,0,5\n";
        let errors = parse_invoices(text).unwrap_err();
        let found: Vec<(u64, &str)> = errors.0.iter().map(|e| (e.line.unwrap(), e.field.as_str())).collect();
        assert_eq!(
            found,
            [
                (3, "partner_id"),
                (2, "quantity"),
                (3, "amount"),
                (4, "partner_id"),
                (5, "partner_id"),
                (5, "quantity"),
            ]
        );
        assert_eq!(errors.0[0].message, "differs from line 2 of invoice INV-1");
    }
}
