//! An invoice as finance enters it (or an order or the ERP's file gives it), a payment, a credit
//! note, and their parsing: every bad field named at once.

use crate::FieldErrors;
use crate::directory::products::{MAX_LINES, MAX_QUANTITY, QUANTITY_RULE, normalize_sku};
use crate::money::{Currency, MAX_AMOUNT_MINOR};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceLineInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = crate::fields::text_schema::<64>))]
    pub sku: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::fields::optional_text_schema::<200>))]
    pub description: Option<String>,
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, minimum = 1, maximum = 1_000_000)
    )]
    pub quantity: Option<i64>,
    /// The line's net amount in minor units (quantity × price, after discounts).
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, minimum = 0, maximum = 100_000_000_000_000i64)
    )]
    pub amount_minor: Option<i64>,
    /// What the line cost the vendor, in minor units (0 when not given): the base of margin plans.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100_000_000_000_000i64))]
    pub cost_minor: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceInput {
    /// The invoice's number in the ERP, unique.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = crate::fields::text_schema::<64>))]
    pub number: Option<String>,
    /// The partner who earns on it; taken from the order or the opportunity when not given.
    pub partner_id: Option<i64>,
    pub opportunity_id: Option<i64>,
    pub order_id: Option<i64>,
    /// ISO 4217, e.g. USD.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, value_type = String, example = "USD"))]
    pub currency: Option<String>,
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, max_items = 200, min_items = 1)
    )]
    pub lines: Option<Vec<InvoiceLineInput>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvoiceLine {
    pub sku: String,
    pub description: Option<String>,
    pub quantity: i64,
    pub amount_minor: i64,
    pub cost_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvoice {
    pub number: String,
    pub partner_id: Option<i64>,
    pub opportunity_id: Option<i64>,
    pub order_id: Option<i64>,
    pub currency: Currency,
    pub lines: Vec<NewInvoiceLine>,
}

fn amount(errors: &mut FieldErrors, field: &str, value: Option<i64>, required: bool) -> Option<i64> {
    match value {
        None if required => {
            errors.add(field, "is required");
            None
        }
        None => Some(0),
        Some(a) if (0..=MAX_AMOUNT_MINOR).contains(&a) => Some(a),
        Some(_) => {
            errors.add(field, format!("must be between 0 and {MAX_AMOUNT_MINOR}"));
            None
        }
    }
}

fn parse_line(i: usize, line: &InvoiceLineInput, errors: &mut FieldErrors) -> Option<NewInvoiceLine> {
    let at = |name: &str| format!("lines[{i}].{name}");
    let sku = errors.text(&at("sku"), &line.sku, 64).map(|s| normalize_sku(&s));
    let description = errors.optional_text(&at("description"), &line.description, 200);
    let quantity = errors.required(&at("quantity"), &line.quantity).copied();
    if quantity.is_some_and(|q| !(1..=MAX_QUANTITY).contains(&q)) {
        errors.add(at("quantity"), QUANTITY_RULE);
    }
    let amount_minor = amount(errors, &at("amount_minor"), line.amount_minor, true);
    let cost_minor = amount(errors, &at("cost_minor"), line.cost_minor, false);
    Some(NewInvoiceLine {
        sku: sku?,
        description,
        quantity: quantity.filter(|q| (1..=MAX_QUANTITY).contains(q))?,
        amount_minor: amount_minor?,
        cost_minor: cost_minor?,
    })
}

pub fn parse_invoice(input: &InvoiceInput) -> Result<NewInvoice, FieldErrors> {
    let mut errors = FieldErrors::default();
    let number = errors.text("number", &input.number, 64);
    let currency = errors
        .required("currency", &input.currency)
        .and_then(|c| errors.parsed("currency", Currency::parse(c)));
    if input.partner_id.is_none() && input.opportunity_id.is_none() && input.order_id.is_none() {
        errors.add(
            "partner_id",
            "name the partner who earns on the invoice, or its order or opportunity",
        );
    }
    let lines = match errors.required("lines", &input.lines) {
        None => None,
        Some(lines) if lines.is_empty() || lines.len() > MAX_LINES => {
            errors.add("lines", format!("must have from 1 to {MAX_LINES} lines"));
            None
        }
        Some(lines) => {
            let parsed: Vec<_> = lines
                .iter()
                .enumerate()
                .filter_map(|(i, l)| parse_line(i, l, &mut errors))
                .collect();
            (parsed.len() == lines.len()).then_some(parsed)
        }
    };
    // Each missing piece added its error, so `errors` is not empty when one is missing.
    let (Some(number), Some(currency), Some(lines)) = (number, currency, lines) else {
        return Err(errors);
    };
    errors.into_result(NewInvoice {
        number,
        partner_id: input.partner_id,
        opportunity_id: input.opportunity_id,
        order_id: input.order_id,
        currency,
        lines,
    })
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssueInput {
    /// The invoice's date (the company's calendar), YYYY-MM-DD.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, value_type = String, format = Date))]
    pub issued_on: Option<String>,
}

pub fn parse_issue(input: &IssueInput) -> Result<Date, FieldErrors> {
    let mut errors = FieldErrors::default();
    let date = errors.required_date("issued_on", &input.issued_on);
    match date {
        Some(date) => errors.into_result(date),
        None => Err(errors),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentInput {
    /// The payment's id in the ERP or bank: the same payment sent twice counts once.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = crate::fields::text_schema::<100>))]
    pub external_id: Option<String>,
    /// Received, in the invoice's currency's minor units.
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, minimum = 1, maximum = 100_000_000_000_000i64)
    )]
    pub amount_minor: Option<i64>,
    /// YYYY-MM-DD.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, value_type = String, format = Date))]
    pub paid_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    pub external_id: String,
    pub amount_minor: i64,
    pub paid_on: Date,
}

pub fn parse_payment(input: &PaymentInput) -> Result<NewPayment, FieldErrors> {
    let mut errors = FieldErrors::default();
    let external_id = errors.text("external_id", &input.external_id, 100);
    let amount_minor = errors.required("amount_minor", &input.amount_minor).copied();
    if amount_minor.is_some_and(|a| !(1..=MAX_AMOUNT_MINOR).contains(&a)) {
        errors.add("amount_minor", format!("must be between 1 and {MAX_AMOUNT_MINOR}"));
    }
    let paid_on = errors.required_date("paid_on", &input.paid_on);
    let (Some(external_id), Some(amount_minor), Some(paid_on)) = (external_id, amount_minor, paid_on) else {
        return Err(errors);
    };
    errors.into_result(NewPayment {
        external_id,
        amount_minor,
        paid_on,
    })
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreditLineInput {
    /// The invoice line credited, counted from 1 as the invoice lists them.
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, minimum = 1, maximum = 200)
    )]
    pub line_no: Option<i64>,
    /// Taken back from that line, in minor units.
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, minimum = 1, maximum = 100_000_000_000_000i64)
    )]
    pub amount_minor: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreditNoteInput {
    /// The credit note's id in the ERP: the same credit note sent twice counts once.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = crate::fields::text_schema::<100>))]
    pub external_id: Option<String>,
    /// YYYY-MM-DD.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, value_type = String, format = Date))]
    pub credited_on: Option<String>,
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, max_items = 200, min_items = 1)
    )]
    pub lines: Option<Vec<CreditLineInput>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCreditNote {
    pub external_id: String,
    pub credited_on: Date,
    /// (line number from 1, amount), one per line.
    pub lines: Vec<(i64, i64)>,
}

pub fn parse_credit_note(input: &CreditNoteInput) -> Result<NewCreditNote, FieldErrors> {
    let mut errors = FieldErrors::default();
    let external_id = errors.text("external_id", &input.external_id, 100);
    let credited_on = errors.required_date("credited_on", &input.credited_on);
    let mut lines = Vec::new();
    match errors.required("lines", &input.lines) {
        Some(given) if given.is_empty() || given.len() > MAX_LINES => {
            errors.add("lines", format!("must have from 1 to {MAX_LINES} lines"));
        }
        Some(given) => {
            for (i, line) in given.iter().enumerate() {
                let no = errors.required(&format!("lines[{i}].line_no"), &line.line_no).copied();
                if no.is_some_and(|n| !(1..=MAX_LINES as i64).contains(&n)) {
                    errors.add(format!("lines[{i}].line_no"), "is not a line of an invoice");
                } else if no.is_some_and(|n| lines.iter().any(|(seen, _)| *seen == n)) {
                    errors.add(
                        format!("lines[{i}].line_no"),
                        "is credited twice; give one line per invoice line",
                    );
                }
                let amount = errors
                    .required(&format!("lines[{i}].amount_minor"), &line.amount_minor)
                    .copied();
                if amount.is_some_and(|a| !(1..=MAX_AMOUNT_MINOR).contains(&a)) {
                    errors.add(
                        format!("lines[{i}].amount_minor"),
                        format!("must be between 1 and {MAX_AMOUNT_MINOR}"),
                    );
                }
                if let (Some(no), Some(amount)) = (no, amount) {
                    lines.push((no, amount));
                }
            }
        }
        None => {}
    }
    let (Some(external_id), Some(credited_on)) = (external_id, credited_on) else {
        return Err(errors);
    };
    errors.into_result(NewCreditNote {
        external_id,
        credited_on,
        lines,
    })
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderInvoiceInput {
    /// The invoice's number in the ERP, unique.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = crate::fields::text_schema::<64>))]
    pub number: Option<String>,
}

/// The ERP's number of an invoice made from an order.
pub fn parse_order_invoice(input: &OrderInvoiceInput) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::default();
    match errors.text("number", &input.number, 64) {
        Some(number) => Ok(number),
        None => Err(errors),
    }
}
