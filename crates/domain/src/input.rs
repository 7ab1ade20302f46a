//! Request bodies as received, and their parsing into checked values. Every problem is reported with
//! the path of the field it concerns, all at once, so a form can show each error beside its field.

use crate::matching::{self, CustomerIdentity};
use crate::money::{Currency, Money};
use crate::registration::{RequestKind, str_enum};
use crate::roles::Role;
use crate::sor::SorNumber;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// JSON path of the field, e.g. `customer.name` or `products[2].quantity`; in a CSV file, the
    /// column name.
    pub field: String,
    pub message: String,
    /// In a CSV file, the line the field is on (the header is line 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
            line: None,
        });
    }

    /// Records a problem with a CSV column on one line of the file.
    pub fn add_at_line(&mut self, line: u64, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
            line: Some(line),
        });
    }

    /// Moves these errors, found in one CSV record, onto its line.
    pub fn at_line(self, line: u64) -> FieldErrors {
        FieldErrors(
            self.0
                .into_iter()
                .map(|e| FieldError { line: Some(line), ..e })
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        errors
    }

    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.0.is_empty() { Ok(value) } else { Err(self) }
    }

    /// Records a missing value and returns it as an Option for further checks.
    fn required<'a, T>(&mut self, field: &str, value: &'a Option<T>) -> Option<&'a T> {
        if value.is_none() {
            self.add(field, "is required");
        }
        value.as_ref()
    }

    /// A required, trimmed, non-empty text of at most `max` characters without control characters.
    fn text(&mut self, field: &str, value: &Option<String>, max: usize) -> Option<String> {
        let raw = self.required(field, value)?;
        self.optional_text(field, &Some(raw.clone()), max).or_else(|| {
            if raw.trim().is_empty() && !self.0.iter().any(|e| e.field == field) {
                self.add(field, "must not be blank");
            }
            None
        })
    }

    fn optional_text(&mut self, field: &str, value: &Option<String>, max: usize) -> Option<String> {
        let trimmed = value.as_deref()?.trim();
        if trimmed.is_empty() {
            return None;
        }
        if trimmed.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
            return None;
        }
        if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            self.add(field, "must not contain control characters");
            return None;
        }
        Some(trimmed.to_owned())
    }

    fn date(&mut self, field: &str, value: &Option<String>) -> Option<Date> {
        let raw = value.as_deref()?;
        match raw.trim().parse::<Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                self.add(field, format!("'{raw}' is not a date (YYYY-MM-DD)"));
                None
            }
        }
    }

    fn parsed<T>(&mut self, field: &str, value: Result<T, String>) -> Option<T> {
        value.map_err(|message| self.add(field, message)).ok()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    Commercial,
    Government,
    Education,
}
str_enum!(Segment { Commercial => "commercial", Government => "government", Education => "education" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PartnerLevel {
    Bronze,
    Silver,
    Gold,
    Platinum,
}
str_enum!(PartnerLevel { Bronze => "bronze", Silver => "silver", Gold => "gold", Platinum => "platinum" });

/// Seed 003: where a partner stands in onboarding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActivationStage {
    FirstContact,
    RampUp,
    FullyOperational,
}
str_enum!(ActivationStage {
    FirstContact => "first_contact",
    RampUp => "ramp_up",
    FullyOperational => "fully_operational",
});

/// The end customer as a partner describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerInput {
    /// Legal or common name of the organisation.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub name: Option<String>,
    /// Web site or e-mail domain (`acme.com`, `https://www.acme.com`, `buyer@acme.com`).
    pub domain: Option<String>,
    /// VAT number, EIN or other tax identifier.
    pub tax_id: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub country: Option<String>,
    /// `commercial`, `government` or `education`; decides the price without an SOR (ORD-3).
    pub segment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub name: String,
    pub domain: Option<String>,
    pub tax_id: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub country: String,
    pub segment: Segment,
}

impl Customer {
    pub fn identity(&self) -> CustomerIdentity {
        CustomerIdentity::from_raw(
            &self.name,
            self.domain.as_deref(),
            self.tax_id.as_deref(),
            self.city.as_deref(),
            self.postal_code.as_deref(),
            &self.country,
        )
    }
}

/// ISO 3166-1 alpha-2: the 249 officially assigned codes, sorted (user-assigned codes such as ZZ
/// and XK are refused).
const ISO_COUNTRIES: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB", "BD",
    "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA",
    "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE",
    "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA",
    "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK",
    "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP",
    "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT",
    "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS",
    "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ",
    "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS",
    "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST",
    "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW",
    "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI", "VN", "VU", "WF", "WS", "YE", "YT", "ZA",
    "ZM", "ZW",
];

fn parse_country(raw: &str) -> Result<String, String> {
    let upper = raw.trim().to_ascii_uppercase();
    if ISO_COUNTRIES.binary_search(&upper.as_str()).is_ok() {
        Ok(upper)
    } else {
        Err(format!(
            "'{raw}' is not an ISO 3166-1 alpha-2 country code (e.g. US, DE)"
        ))
    }
}

pub fn parse_customer(input: &CustomerInput, prefix: &str, errors: &mut FieldErrors) -> Option<Customer> {
    let f = |name: &str| format!("{prefix}{name}");
    let name = errors.text(&f("name"), &input.name, 200);
    if let Some(n) = &name
        && matching::normalize_name(n).is_empty()
    {
        errors.add(f("name"), "must contain letters or digits");
    }
    let domain = errors.optional_text(&f("domain"), &input.domain, 253);
    let domain = match domain {
        Some(d) => match matching::normalize_domain(&d) {
            Some(norm) => Some(norm),
            None => {
                errors.add(
                    f("domain"),
                    format!("'{d}' is not an organisation's web or e-mail domain"),
                );
                None
            }
        },
        None => None,
    };
    let tax_id = errors.optional_text(&f("tax_id"), &input.tax_id, 40);
    if tax_id
        .as_deref()
        .is_some_and(|t| matching::normalize_tax_id(t).is_none())
    {
        errors.add(f("tax_id"), "must contain at least 4 letters or digits");
    }
    let city = errors.optional_text(&f("city"), &input.city, 100);
    let postal_code = errors.optional_text(&f("postal_code"), &input.postal_code, 20);
    let country = errors
        .required(&f("country"), &input.country)
        .and_then(|c| errors.parsed(&f("country"), parse_country(c)));
    let segment = errors
        .required(&f("segment"), &input.segment)
        .and_then(|s| errors.parsed(&f("segment"), Segment::parse(s)));
    Some(Customer {
        name: name?,
        domain,
        tax_id,
        city,
        postal_code,
        country: country?,
        segment: segment?,
    })
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MoneyInput {
    /// Integer minor units (cents).
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub amount_minor: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub currency: Option<String>,
}

/// Larger than any single deal; keeps sums far from i64 overflow.
pub const MAX_AMOUNT_MINOR: i64 = 100_000_000_000_000;

fn parse_money(input: &Option<MoneyInput>, field: &str, errors: &mut FieldErrors) -> Option<Money> {
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

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductLineInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub sku: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub quantity: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductLine {
    pub sku: String,
    pub quantity: i64,
}

pub const MAX_QUANTITY: i64 = 1_000_000;
pub const MAX_LINES: usize = 200;

/// SKUs are matched case-insensitively and stored upper-case.
pub fn normalize_sku(raw: &str) -> String {
    raw.trim().to_ascii_uppercase()
}

/// Lines of products under `field` (`products` on a registration, `lines` on an order).
fn parse_lines(
    field: &str,
    input: &Option<Vec<ProductLineInput>>,
    errors: &mut FieldErrors,
) -> Option<Vec<ProductLine>> {
    let lines = errors.required(field, input)?;
    if lines.is_empty() {
        errors.add(field, "must name at least one product");
        return None;
    }
    if lines.len() > MAX_LINES {
        errors.add(field, format!("at most {MAX_LINES} lines"));
        return None;
    }
    let before = errors.0.len();
    let mut seen = BTreeSet::new();
    let mut parsed = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let sku = errors
            .text(&format!("{field}[{i}].sku"), &line.sku, 64)
            .map(|s| normalize_sku(&s));
        if let Some(sku) = &sku
            && !seen.insert(sku.clone())
        {
            errors.add(
                format!("{field}[{i}].sku"),
                format!("{sku} is listed twice; give one line per product"),
            );
        }
        let quantity = errors
            .required(&format!("{field}[{i}].quantity"), &line.quantity)
            .copied();
        if quantity.is_some_and(|q| !(1..=MAX_QUANTITY).contains(&q)) {
            errors.add(
                format!("{field}[{i}].quantity"),
                format!("must be between 1 and {MAX_QUANTITY}"),
            );
        }
        if let (Some(sku), Some(quantity)) = (sku, quantity) {
            parsed.push(ProductLine { sku, quantity });
        }
    }
    (errors.0.len() == before).then_some(parsed)
}

/// REG-1: what a partner files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewRegistrationInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub customer: Option<CustomerInput>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub products: Option<Vec<ProductLineInput>>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub estimated_value: Option<MoneyInput>,
    /// YYYY-MM-DD, today or later.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub expected_close_date: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRegistration {
    pub customer: Customer,
    pub lines: Vec<ProductLine>,
    pub estimated_value: Money,
    pub expected_close: Date,
    pub description: Option<String>,
}

/// How far ahead an expected close date may lie.
pub const MAX_CLOSE_HORIZON_DAYS: i64 = 3 * 366;

fn check_close_date(field: &str, date: Option<Date>, today: Date, errors: &mut FieldErrors) -> Option<Date> {
    let date = date?;
    if date < today {
        errors.add(field, format!("must be today ({today}) or later"));
        return None;
    }
    let latest = today.saturating_add(MAX_CLOSE_HORIZON_DAYS.days());
    if date > latest {
        errors.add(field, format!("must be no later than {latest}"));
        return None;
    }
    Some(date)
}

/// REG-1: "Every required field is checked; errors name the field."
pub fn parse_new_registration(input: &NewRegistrationInput, today: Date) -> Result<NewRegistration, FieldErrors> {
    let mut errors = FieldErrors::default();
    let customer = errors
        .required("customer", &input.customer)
        .cloned()
        .and_then(|c| parse_customer(&c, "customer.", &mut errors));
    let lines = parse_lines("products", &input.products, &mut errors);
    let estimated_value = parse_money(&input.estimated_value, "estimated_value", &mut errors);
    errors.required("expected_close_date", &input.expected_close_date);
    let close = errors.date("expected_close_date", &input.expected_close_date);
    let expected_close = check_close_date("expected_close_date", close, today, &mut errors);
    let description = errors.optional_text("description", &input.description, 4000);
    match (customer, lines, estimated_value, expected_close) {
        (Some(customer), Some(lines), Some(estimated_value), Some(expected_close)) if errors.0.is_empty() => {
            Ok(NewRegistration {
                customer,
                lines,
                estimated_value,
                expected_close,
                description,
            })
        }
        _ => Err(errors),
    }
}

/// REG-3: the approver's decision.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApproveInput {
    /// Days of validity from today; the program default when neither this nor `valid_through` is given.
    pub validity_days: Option<u32>,
    /// Last valid day (YYYY-MM-DD), instead of `validity_days`.
    pub valid_through: Option<String>,
    /// Must be true to approve while another partner's registration matches (REG-6).
    pub acknowledge_conflicts: Option<bool>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub validity: crate::registration::ValidityChoice,
    pub acknowledge_conflicts: bool,
    pub note: Option<String>,
}

pub fn parse_approval(input: &ApproveInput) -> Result<Approval, FieldErrors> {
    use crate::registration::ValidityChoice;
    let mut errors = FieldErrors::default();
    let through = errors.date("valid_through", &input.valid_through);
    let validity = match (input.validity_days, through) {
        (Some(_), Some(_)) => {
            errors.add("valid_through", "give either validity_days or valid_through, not both");
            ValidityChoice::ProgramDefault
        }
        (Some(days), None) => ValidityChoice::Days(days),
        (None, Some(date)) => ValidityChoice::Through(date),
        (None, None) => ValidityChoice::ProgramDefault,
    };
    let note = errors.optional_text("note", &input.note, 2000);
    errors.into_result(Approval {
        validity,
        acknowledge_conflicts: input.acknowledge_conflicts.unwrap_or(false),
        note,
    })
}

/// A decision that must say why (a decline: seed 000 "DECLINED" email), or may (withdraw, close).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReasonInput {
    pub reason: Option<String>,
}

pub fn parse_required_reason(input: &ReasonInput) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::default();
    let reason = errors.text("reason", &input.reason, 2000);
    match reason {
        Some(r) if errors.0.is_empty() => Ok(r),
        _ => Err(errors),
    }
}

pub fn parse_optional_reason(input: &ReasonInput) -> Result<Option<String>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let reason = errors.optional_text("reason", &input.reason, 2000);
    errors.into_result(reason)
}

/// REG-7: how the opportunity closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Won,
    Lost,
}
str_enum!(Outcome { Won => "won", Lost => "lost" });

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CloseInput {
    /// `won` or `lost`.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub outcome: Option<String>,
    pub reason: Option<String>,
}

pub fn parse_close(input: &CloseInput) -> Result<(Outcome, Option<String>), FieldErrors> {
    let mut errors = FieldErrors::default();
    let outcome = errors
        .required("outcome", &input.outcome)
        .and_then(|o| errors.parsed("outcome", Outcome::parse(o)));
    let reason = errors.optional_text("reason", &input.reason, 2000);
    match outcome {
        Some(o) if errors.0.is_empty() => Ok((o, reason)),
        _ => Err(errors),
    }
}

/// REG-5: a partner's request to update or extend an approved registration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeRequestInput {
    /// `update` or `extension`.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub kind: Option<String>,
    /// Extension: the new last valid day.
    pub valid_through: Option<String>,
    /// Update: the full new product list.
    pub products: Option<Vec<ProductLineInput>>,
    /// Update: the new estimated value.
    pub estimated_value: Option<MoneyInput>,
    /// Update: the new expected close date.
    pub expected_close_date: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChangeRequest {
    Extension {
        valid_through: Date,
    },
    Update {
        lines: Option<Vec<ProductLine>>,
        estimated_value: Option<Money>,
        expected_close: Option<Date>,
    },
}

impl ChangeRequest {
    pub fn kind(&self) -> RequestKind {
        match self {
            ChangeRequest::Extension { .. } => RequestKind::Extension,
            ChangeRequest::Update { .. } => RequestKind::Update,
        }
    }
}

pub fn parse_change_request(
    input: &ChangeRequestInput,
    today: Date,
) -> Result<(ChangeRequest, Option<String>), FieldErrors> {
    let mut errors = FieldErrors::default();
    let kind = errors
        .required("kind", &input.kind)
        .and_then(|k| errors.parsed("kind", RequestKind::parse(k)));
    let reason = errors.optional_text("reason", &input.reason, 2000);
    let request = match kind {
        Some(RequestKind::Extension) => {
            errors.required("valid_through", &input.valid_through);
            for (field, given) in [
                ("products", input.products.is_some()),
                ("estimated_value", input.estimated_value.is_some()),
                ("expected_close_date", input.expected_close_date.is_some()),
            ] {
                if given {
                    errors.add(field, "belongs in an update request, not an extension");
                }
            }
            errors
                .date("valid_through", &input.valid_through)
                .map(|valid_through| ChangeRequest::Extension { valid_through })
        }
        Some(RequestKind::Update) => {
            if input.valid_through.is_some() {
                errors.add("valid_through", "belongs in an extension request, not an update");
            }
            let lines = input
                .products
                .as_ref()
                .map(|_| parse_lines("products", &input.products, &mut errors));
            let value = input
                .estimated_value
                .as_ref()
                .map(|_| parse_money(&input.estimated_value, "estimated_value", &mut errors));
            let close = input.expected_close_date.as_ref().map(|_| {
                let d = errors.date("expected_close_date", &input.expected_close_date);
                check_close_date("expected_close_date", d, today, &mut errors)
            });
            if lines.is_none() && value.is_none() && close.is_none() {
                errors.add(
                    "kind",
                    "an update must change products, estimated_value or expected_close_date",
                );
            }
            Some(ChangeRequest::Update {
                lines: lines.flatten(),
                estimated_value: value.flatten(),
                expected_close: close.flatten(),
            })
        }
        None => None,
    };
    match request {
        Some(r) if errors.0.is_empty() => Ok((r, reason)),
        _ => Err(errors),
    }
}

/// "Is this customer already registered?" asked before filing (REG-6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimCheckInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub customer: Option<CustomerInput>,
    /// SKUs the partner intends to register; all products when omitted.
    pub products: Option<Vec<String>>,
}

pub fn parse_claim_check(input: &ClaimCheckInput) -> Result<(Customer, Vec<String>), FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut customer_input = errors
        .required("customer", &input.customer)
        .cloned()
        .unwrap_or_default();
    // The question is about the organisation; segment does not change the answer.
    customer_input.segment.get_or_insert_with(|| "commercial".to_owned());
    let customer = input
        .customer
        .as_ref()
        .and_then(|_| parse_customer(&customer_input, "customer.", &mut errors));
    let skus: Vec<String> = input.products.iter().flatten().map(|s| normalize_sku(s)).collect();
    if skus.len() > MAX_LINES {
        errors.add("products", format!("at most {MAX_LINES} products"));
    }
    match customer {
        Some(c) if errors.0.is_empty() => Ok((c, skus)),
        _ => Err(errors),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnerInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub name: Option<String>,
    /// bronze, silver, gold or platinum.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub level: Option<String>,
    /// first_contact, ramp_up or fully_operational.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub activation_stage: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub region_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPartner {
    pub name: String,
    pub level: PartnerLevel,
    pub activation_stage: ActivationStage,
    pub region_id: i64,
}

pub fn parse_partner(input: &PartnerInput) -> Result<NewPartner, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = errors.text("name", &input.name, 200);
    let level = errors
        .required("level", &input.level)
        .and_then(|l| errors.parsed("level", PartnerLevel::parse(l)));
    let stage = errors
        .required("activation_stage", &input.activation_stage)
        .and_then(|s| errors.parsed("activation_stage", ActivationStage::parse(s)));
    let region_id = errors.required("region_id", &input.region_id).copied();
    match (name, level, stage, region_id) {
        (Some(name), Some(level), Some(activation_stage), Some(region_id)) if errors.0.is_empty() => Ok(NewPartner {
            name,
            level,
            activation_stage,
            region_id,
        }),
        _ => Err(errors),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub name: Option<String>,
    /// The channel manager who approves this region's registrations.
    pub manager_user_id: Option<i64>,
}

pub fn parse_region(input: &RegionInput) -> Result<(String, Option<i64>), FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = errors.text("name", &input.name, 100);
    match name {
        Some(n) if errors.0.is_empty() => Ok((n, input.manager_user_id)),
        _ => Err(errors),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub sku: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub category: Option<String>,
    /// Bulbs, pens, power cords …: orderable under the customer's latest SOR (ORD-4).
    pub is_accessory: Option<bool>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub list_price_minor: Option<i64>,
    /// The discounted price with a valid SOR.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub partner_price_minor: Option<i64>,
    /// Commercial MSRP: the price without an SOR.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub msrp_minor: Option<i64>,
    /// GOV/ED RRSP: the price without an SOR for government and education customers.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub rrsp_minor: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub currency: Option<String>,
    /// Months of maintenance or subscription the line covers, if it is one (DSK-9).
    pub maintenance_term_months: Option<u32>,
    /// First day (YYYY-MM-DD, company time zone) these prices apply; today when omitted.
    pub effective_from: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProduct {
    pub sku: String,
    pub name: String,
    pub category: String,
    pub is_accessory: bool,
    pub list_price_minor: i64,
    pub partner_price_minor: i64,
    pub msrp_minor: i64,
    pub rrsp_minor: i64,
    pub currency: Currency,
    pub maintenance_term_months: Option<u32>,
    /// `None`: from the day the store applies it.
    pub effective_from: Option<Date>,
}

pub fn parse_product(input: &ProductInput) -> Result<NewProduct, FieldErrors> {
    let mut errors = FieldErrors::default();
    let sku = errors.text("sku", &input.sku, 64).map(|s| normalize_sku(&s));
    if sku
        .as_deref()
        .is_some_and(|s| !s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b)))
    {
        errors.add("sku", "may contain only letters, digits and - _ . /");
    }
    let name = errors.text("name", &input.name, 200);
    let category = errors.text("category", &input.category, 100);
    let mut price = |field: &str, value: Option<i64>| -> Option<i64> {
        let v = *errors.required(field, &value)?;
        if !(0..=MAX_AMOUNT_MINOR).contains(&v) {
            errors.add(field, format!("must be between 0 and {MAX_AMOUNT_MINOR}"));
            return None;
        }
        Some(v)
    };
    let list = price("list_price_minor", input.list_price_minor);
    let partner = price("partner_price_minor", input.partner_price_minor);
    let msrp = price("msrp_minor", input.msrp_minor);
    let rrsp = price("rrsp_minor", input.rrsp_minor);
    let currency = errors
        .required("currency", &input.currency)
        .and_then(|c| errors.parsed("currency", Currency::parse(c)));
    if let (Some(p), Some(m)) = (partner, msrp)
        && p > m
    {
        errors.add(
            "partner_price_minor",
            "must not exceed the Commercial MSRP: a registration must protect the partner",
        );
    }
    if input.maintenance_term_months.is_some_and(|m| !(1..=120).contains(&m)) {
        errors.add("maintenance_term_months", "must be between 1 and 120");
    }
    let effective_from = errors.date("effective_from", &input.effective_from);
    match (sku, name, category, list, partner, msrp, rrsp, currency) {
        (Some(sku), Some(name), Some(category), Some(list), Some(partner), Some(msrp), Some(rrsp), Some(currency))
            if errors.0.is_empty() =>
        {
            Ok(NewProduct {
                sku,
                name,
                category,
                is_accessory: input.is_accessory.unwrap_or(false),
                list_price_minor: list,
                partner_price_minor: partner,
                msrp_minor: msrp,
                rrsp_minor: rrsp,
                currency,
                maintenance_term_months: input.maintenance_term_months,
                effective_from,
            })
        }
        _ => Err(errors),
    }
}

/// ORD-1: a partner's purchase order as order entry receives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderInput {
    /// The ordering partner. Order entry and administrators must give it; a partner's own users
    /// may omit it.
    pub partner_id: Option<i64>,
    /// The partner's PO number: unique per partner, so the same PO sent twice is entered once.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub po_number: Option<String>,
    /// The end customer the order is for.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub customer: Option<CustomerInput>,
    /// The SOR number written on the PO, if any (e.g. SOR-2026-000042).
    pub sor_number: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub lines: Option<Vec<ProductLineInput>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub partner_id: Option<i64>,
    pub po_number: String,
    pub customer: Customer,
    pub sor_number: Option<SorNumber>,
    pub lines: Vec<ProductLine>,
}

pub fn parse_order(input: &OrderInput) -> Result<NewOrder, FieldErrors> {
    let mut errors = FieldErrors::default();
    let po_number = errors.text("po_number", &input.po_number, 64);
    let customer = errors
        .required("customer", &input.customer)
        .and_then(|c| parse_customer(c, "customer.", &mut errors));
    let sor_number = errors
        .optional_text("sor_number", &input.sor_number, 32)
        .and_then(|raw| errors.parsed("sor_number", raw.parse::<SorNumber>()));
    let lines = parse_lines("lines", &input.lines, &mut errors);
    match (po_number, customer, lines) {
        (Some(po_number), Some(customer), Some(lines)) if errors.0.is_empty() => Ok(NewOrder {
            partner_id: input.partner_id,
            po_number,
            customer,
            sor_number,
            lines,
        }),
        _ => Err(errors),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub email: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub display_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub role: Option<String>,
    /// Required for partner roles, forbidden for staff.
    pub partner_id: Option<i64>,
    /// At least 12 characters; users without one sign in with API tokens only.
    pub password: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    pub partner_id: Option<i64>,
    pub password: Option<String>,
}

/// An e-mail address reduced to what we need: one `@`, a local part, a dotted domain; lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, String> {
        let s = raw.trim().to_lowercase();
        let valid = s.len() <= 254
            && s.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !s
                        .chars()
                        .any(|c| c.is_whitespace() || c.is_control() || "<>(),;:\"[]\\".contains(c))
            });
        if valid {
            Ok(Email(s))
        } else {
            Err(format!("'{raw}' is not an e-mail address"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub const MIN_PASSWORD_CHARS: usize = 12;

pub fn parse_user(input: &UserInput) -> Result<NewUser, FieldErrors> {
    let mut errors = FieldErrors::default();
    let email = errors
        .required("email", &input.email)
        .and_then(|e| errors.parsed("email", Email::parse(e)));
    let display_name = errors.text("display_name", &input.display_name, 200);
    let role = errors
        .required("role", &input.role)
        .and_then(|r| errors.parsed("role", Role::parse(r)));
    match (role, input.partner_id) {
        (Some(r), None) if r.is_partner() => errors.add("partner_id", "is required for partner roles"),
        (Some(r), Some(_)) if !r.is_partner() => errors.add("partner_id", "must be empty for staff roles"),
        _ => {}
    }
    if input
        .password
        .as_ref()
        .is_some_and(|p| p.chars().count() < MIN_PASSWORD_CHARS)
    {
        errors.add("password", format!("must be at least {MIN_PASSWORD_CHARS} characters"));
    }
    match (email, display_name, role) {
        (Some(email), Some(display_name), Some(role)) if errors.0.is_empty() => Ok(NewUser {
            email,
            display_name,
            role,
            partner_id: input.partner_id,
            password: input.password.clone(),
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn valid_input() -> NewRegistrationInput {
        NewRegistrationInput {
            customer: Some(CustomerInput {
                name: Some("Springfield School District".into()),
                domain: Some("https://www.springfield.k12.il.us".into()),
                tax_id: None,
                city: Some("Springfield".into()),
                postal_code: Some("62701".into()),
                country: Some("us".into()),
                segment: Some("education".into()),
            }),
            products: Some(vec![ProductLineInput {
                sku: Some(" mb-100 ".into()),
                quantity: Some(12),
            }]),
            estimated_value: Some(MoneyInput {
                amount_minor: Some(4_200_000),
                currency: Some("USD".into()),
            }),
            expected_close_date: Some("2027-01-15".into()),
            description: Some("  24 classrooms  ".into()),
        }
    }

    #[test]
    fn countries_are_assigned_iso_codes() {
        assert_eq!(parse_country(" us "), Ok("US".to_owned()));
        assert_eq!(parse_country("ax"), Ok("AX".to_owned()));
        for bad in ["ZZ", "XK", "UK", "USA", "", "U1"] {
            assert!(parse_country(bad).is_err(), "{bad}");
        }
        assert!(
            ISO_COUNTRIES.windows(2).all(|w| w[0] < w[1]),
            "sorted for binary search"
        );
    }

    #[test]
    fn a_complete_registration_parses_and_normalises() {
        let r = parse_new_registration(&valid_input(), date(2026, 11, 22)).unwrap();
        assert_eq!(r.customer.country, "US");
        assert_eq!(r.customer.domain.as_deref(), Some("springfield.k12.il.us"));
        assert_eq!(
            r.lines,
            vec![ProductLine {
                sku: "MB-100".into(),
                quantity: 12
            }]
        );
        assert_eq!(r.estimated_value.amount_minor, 4_200_000);
        assert_eq!(r.expected_close, date(2027, 1, 15));
        assert_eq!(r.description.as_deref(), Some("24 classrooms"));
    }

    fn order_input() -> OrderInput {
        OrderInput {
            partner_id: None,
            po_number: Some(" PO-4500-17 ".into()),
            customer: valid_input().customer,
            sor_number: Some(" sor-2026-000042".into()),
            lines: Some(vec![
                ProductLineInput {
                    sku: Some("mb-86".into()),
                    quantity: Some(2),
                },
                ProductLineInput {
                    sku: Some("pen-2".into()),
                    quantity: Some(10),
                },
            ]),
        }
    }

    #[test]
    fn an_order_parses_with_its_sor_number_and_lines() {
        let order = parse_order(&order_input()).unwrap();
        assert_eq!(order.po_number, "PO-4500-17");
        assert_eq!(order.sor_number, Some(SorNumber { year: 2026, seq: 42 }));
        assert_eq!(
            order.lines[1],
            ProductLine {
                sku: "PEN-2".into(),
                quantity: 10
            }
        );
        let without = OrderInput {
            sor_number: Some("  ".into()),
            ..order_input()
        };
        assert_eq!(parse_order(&without).unwrap().sor_number, None);
    }

    #[test]
    fn a_bad_order_names_each_field() {
        let mut input = order_input();
        input.po_number = None;
        input.sor_number = Some("42".into());
        input.lines.as_mut().unwrap()[1].quantity = Some(0);
        input.lines.as_mut().unwrap()[0].sku = Some("PEN-2".into());
        let fields: Vec<_> = parse_order(&input)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["po_number", "sor_number", "lines[1].sku", "lines[1].quantity"]);
    }

    #[test]
    fn a_product_price_version_may_start_on_a_given_day() {
        let input = ProductInput {
            sku: Some("mb-86".into()),
            name: Some("MimioBoard 86".into()),
            category: Some("boards".into()),
            is_accessory: None,
            list_price_minor: Some(500_000),
            partner_price_minor: Some(350_000),
            msrp_minor: Some(499_900),
            rrsp_minor: Some(459_900),
            currency: Some("USD".into()),
            maintenance_term_months: None,
            effective_from: Some("2027-01-01".into()),
        };
        assert_eq!(parse_product(&input).unwrap().effective_from, Some(date(2027, 1, 1)));
        let bad = ProductInput {
            effective_from: Some("next year".into()),
            ..input
        };
        assert_eq!(parse_product(&bad).unwrap_err().0[0].field, "effective_from");
    }

    #[test]
    fn every_missing_field_is_named_at_once() {
        let err = parse_new_registration(&NewRegistrationInput::default(), date(2026, 11, 22)).unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["customer", "products", "estimated_value", "expected_close_date"]
        );
    }

    #[test]
    fn bad_values_name_their_fields() {
        let mut input = valid_input();
        input.customer.as_mut().unwrap().country = Some("USA".into());
        input.customer.as_mut().unwrap().segment = Some("retail".into());
        input.products = Some(vec![
            ProductLineInput {
                sku: Some("MB-100".into()),
                quantity: Some(0),
            },
            ProductLineInput {
                sku: Some("mb-100".into()),
                quantity: Some(1),
            },
        ]);
        input.estimated_value = Some(MoneyInput {
            amount_minor: Some(-5),
            currency: Some("usd".into()),
        });
        input.expected_close_date = Some("2026-11-21".into());
        let err = parse_new_registration(&input, date(2026, 11, 22)).unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "customer.country",
                "customer.segment",
                "products[0].quantity",
                "products[1].sku",
                "estimated_value.amount_minor",
                "estimated_value.currency",
                "expected_close_date"
            ]
        );
        assert!(err.0[6].message.contains("2026-11-22"));
    }

    #[test]
    fn control_characters_and_overlong_text_are_refused() {
        let mut input = valid_input();
        input.customer.as_mut().unwrap().name = Some("Acme\u{0000}Corp".into());
        input.description = Some("x".repeat(4001));
        let err = parse_new_registration(&input, date(2026, 11, 22)).unwrap_err();
        assert_eq!(err.0[0].field, "customer.name");
        assert_eq!(err.0[1].field, "description");
    }

    #[test]
    fn approval_takes_days_or_a_date_but_not_both() {
        let a = parse_approval(&ApproveInput {
            validity_days: Some(30),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(a.validity, crate::registration::ValidityChoice::Days(30));
        let err = parse_approval(&ApproveInput {
            validity_days: Some(30),
            valid_through: Some("2027-01-01".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(err.0[0].field, "valid_through");
    }

    #[test]
    fn decline_needs_a_reason() {
        assert_eq!(
            parse_required_reason(&ReasonInput {
                reason: Some("  ".into())
            })
            .unwrap_err()
            .0[0]
                .field,
            "reason"
        );
        assert_eq!(
            parse_required_reason(&ReasonInput {
                reason: Some(" dup ".into())
            })
            .unwrap(),
            "dup"
        );
    }

    #[test]
    fn change_requests_keep_their_kinds_apart() {
        let today = date(2027, 2, 1);
        let (r, _) = parse_change_request(
            &ChangeRequestInput {
                kind: Some("extension".into()),
                valid_through: Some("2027-04-30".into()),
                ..Default::default()
            },
            today,
        )
        .unwrap();
        assert_eq!(
            r,
            ChangeRequest::Extension {
                valid_through: date(2027, 4, 30)
            }
        );
        let err = parse_change_request(
            &ChangeRequestInput {
                kind: Some("update".into()),
                ..Default::default()
            },
            today,
        )
        .unwrap_err();
        assert_eq!(err.0[0].field, "kind");
        let err = parse_change_request(
            &ChangeRequestInput {
                kind: Some("extension".into()),
                valid_through: Some("2027-04-30".into()),
                estimated_value: Some(MoneyInput::default()),
                ..Default::default()
            },
            today,
        )
        .unwrap_err();
        assert_eq!(err.0[0].field, "estimated_value");
    }

    #[test]
    fn products_need_consistent_prices() {
        let input = ProductInput {
            sku: Some("mb-100".into()),
            name: Some("MimioBoard 100".into()),
            category: Some("boards".into()),
            is_accessory: None,
            list_price_minor: Some(500_000),
            partner_price_minor: Some(600_000),
            msrp_minor: Some(499_900),
            rrsp_minor: Some(459_900),
            currency: Some("USD".into()),
            maintenance_term_months: None,
            effective_from: None,
        };
        assert_eq!(parse_product(&input).unwrap_err().0[0].field, "partner_price_minor");
        let ok = parse_product(&ProductInput {
            partner_price_minor: Some(350_000),
            ..input
        })
        .unwrap();
        assert_eq!(ok.sku, "MB-100");
    }

    #[test]
    fn users_parse_role_and_partner_together() {
        let base = UserInput {
            email: Some(" Ann@Example.COM ".into()),
            display_name: Some("Ann".into()),
            role: Some("partner_user".into()),
            partner_id: None,
            password: None,
        };
        assert_eq!(parse_user(&base).unwrap_err().0[0].field, "partner_id");
        let u = parse_user(&UserInput {
            partner_id: Some(3),
            ..base.clone()
        })
        .unwrap();
        assert_eq!(u.email.as_str(), "ann@example.com");
        let err = parse_user(&UserInput {
            role: Some("admin".into()),
            partner_id: Some(3),
            ..base
        })
        .unwrap_err();
        assert_eq!(err.0[0].field, "partner_id");
        assert!(Email::parse("no-at-sign").is_err());
        assert!(Email::parse("a@b").is_err());
    }

    mod hostile {
        use super::super::*;
        use jiff::civil::date;
        use proptest::prelude::*;

        fn text() -> impl Strategy<Value = Option<String>> {
            proptest::option::of(prop_oneof![
                any::<String>(),
                "[ -~]{0,40}",
                Just("'; DROP TABLE registrations; --".to_owned()),
                Just("<script>alert(1)</script>".to_owned()),
                Just("9999-99-99".to_owned()),
            ])
        }

        fn number() -> impl Strategy<Value = Option<i64>> {
            proptest::option::of(prop_oneof![any::<i64>(), -5i64..5, Just(i64::MAX), Just(i64::MIN)])
        }

        prop_compose! {
            fn customer()(name in text(), domain in text(), tax_id in text(), city in text(),
                          postal_code in text(), country in text(), segment in text()) -> CustomerInput {
                CustomerInput { name, domain, tax_id, city, postal_code, country, segment }
            }
        }

        prop_compose! {
            fn registration_input()(customer in proptest::option::of(customer()),
                                    lines in proptest::option::of(proptest::collection::vec((text(), number()), 0..5)),
                                    amount in number(), currency in text(), close in text(), description in text())
                                    -> NewRegistrationInput {
                NewRegistrationInput {
                    customer,
                    products: lines.map(|l| l.into_iter().map(|(sku, quantity)| ProductLineInput { sku, quantity }).collect()),
                    estimated_value: Some(MoneyInput { amount_minor: amount, currency }),
                    expected_close_date: close,
                    description,
                }
            }
        }

        proptest! {
            /// Whatever arrives, parsing answers with a value or with errors naming fields — it never
            /// panics, and whatever it accepts is within the documented bounds.
            #[test]
            fn registration_parsing_never_panics(input in registration_input()) {
                match parse_new_registration(&input, date(2026, 11, 22)) {
                    Ok(r) => {
                        prop_assert!((1..=MAX_AMOUNT_MINOR).contains(&r.estimated_value.amount_minor));
                        prop_assert!(r.lines.iter().all(|l| (1..=MAX_QUANTITY).contains(&l.quantity)));
                        prop_assert!(r.expected_close >= date(2026, 11, 22));
                    }
                    Err(errors) => prop_assert!(errors.0.iter().all(|e| !e.field.is_empty() && !e.message.is_empty())),
                }
            }

            #[test]
            fn order_parsing_never_panics(customer in proptest::option::of(customer()), po in text(), sor in text(),
                                          lines in proptest::option::of(proptest::collection::vec((text(), number()), 0..5))) {
                let input = OrderInput {
                    partner_id: None,
                    po_number: po,
                    customer,
                    sor_number: sor,
                    lines: lines.map(|l| l.into_iter().map(|(sku, quantity)| ProductLineInput { sku, quantity }).collect()),
                };
                match parse_order(&input) {
                    Ok(o) => prop_assert!(o.lines.iter().all(|l| (1..=MAX_QUANTITY).contains(&l.quantity))),
                    Err(errors) => prop_assert!(errors.0.iter().all(|e| !e.field.is_empty() && !e.message.is_empty())),
                }
            }

            #[test]
            fn change_request_parsing_never_panics(kind in text(), through in text(), close in text(), amount in number()) {
                let input = ChangeRequestInput {
                    kind,
                    valid_through: through,
                    products: None,
                    estimated_value: amount.map(|a| MoneyInput { amount_minor: Some(a), currency: Some("USD".into()) }),
                    expected_close_date: close,
                    reason: None,
                };
                let _ = parse_change_request(&input, date(2026, 11, 22));
            }
        }
    }
}
