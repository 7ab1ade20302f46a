//! What partners and approvers send about a registration (REG-1, REG-3, REG-5, REG-6, REG-7), and its
//! parsing into checked values.

use super::contact::{ContactInput, CustomerContact, parse_contact};
use super::{RequestKind, ValidityChoice};
use crate::FieldErrors;
use crate::directory::customers::{Customer, CustomerInput, parse_customer};
use crate::directory::products::{MAX_LINES, ProductLine, ProductLineInput, normalize_sku, parse_lines};
use crate::money::{Money, MoneyInput, parse_money};
use crate::str_enum::str_enum;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// REG-1: what a partner files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewRegistrationInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub customer: Option<CustomerInput>,
    /// The person at the customer the partner works with; optional, but with a name and an e-mail
    /// address or phone number when given.
    pub customer_contact: Option<ContactInput>,
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, min_items = 1, max_items = 200)
    )]
    pub products: Option<Vec<ProductLineInput>>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub estimated_value: Option<MoneyInput>,
    /// YYYY-MM-DD, today or later.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, format = Date))]
    pub expected_close_date: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::fields::optional_text_schema::<4000>))]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRegistration {
    pub customer: Customer,
    pub contact: Option<CustomerContact>,
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
    let contact = parse_contact(&input.customer_contact, "customer_contact", &mut errors);
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
                contact,
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
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub valid_through: Option<String>,
    /// Must be true to approve while another partner's registration matches (REG-6).
    pub acknowledge_conflicts: Option<bool>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::fields::optional_text_schema::<2000>))]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub validity: ValidityChoice,
    pub acknowledge_conflicts: bool,
    pub note: Option<String>,
}

pub fn parse_approval(input: &ApproveInput) -> Result<Approval, FieldErrors> {
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

/// A decision that may say why (withdraw, approve a request).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReasonInput {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::fields::optional_text_schema::<2000>))]
    pub reason: Option<String>,
}

/// A decline, which must say why (seed 000: the "DECLINED" e-mail gives the reason).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeclineInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = crate::fields::text_schema::<2000>))]
    pub reason: Option<String>,
}

pub fn parse_decline(input: &DeclineInput) -> Result<String, FieldErrors> {
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
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, value_type = Outcome))]
    pub outcome: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::fields::optional_text_schema::<2000>))]
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
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, value_type = RequestKind))]
    pub kind: Option<String>,
    /// Extension: the new last valid day.
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub valid_through: Option<String>,
    /// Update: the full new product list.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 200))]
    pub products: Option<Vec<ProductLineInput>>,
    /// Update: the new estimated value.
    pub estimated_value: Option<MoneyInput>,
    /// Update: the new expected close date.
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub expected_close_date: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::fields::optional_text_schema::<2000>))]
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
    /// The customer as a registration would name it; `segment` may be left out.
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, schema_with = claim_check_customer)
    )]
    pub customer: Option<CustomerInput>,
    /// SKUs the partner intends to register; all products when omitted.
    pub products: Option<Vec<String>>,
}

/// The claim check's customer schema: a registration's, with `segment` optional (absent or null), since
/// the answer is about the organisation whatever its segment.
#[cfg(feature = "openapi")]
fn claim_check_customer() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{Object, OneOfBuilder, Schema, Type};
    let mut schema = <CustomerInput as utoipa::PartialSchema>::schema();
    if let RefOr::T(Schema::Object(object)) = &mut schema {
        object.required.retain(|field| field != "segment");
        if let Some(segment) = object.properties.remove("segment") {
            let or_null = OneOfBuilder::new().item(segment).item(Object::with_type(Type::Null));
            object.properties.insert("segment".to_owned(), or_null.into());
        }
    }
    schema
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::school_district;
    use jiff::civil::date;

    fn valid_input() -> NewRegistrationInput {
        NewRegistrationInput {
            customer: Some(school_district()),
            customer_contact: None,
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

    #[cfg(feature = "openapi")]
    #[test]
    fn the_document_states_the_most_product_lines() {
        use crate::testing::documented;
        let filed = &documented::<NewRegistrationInput>()["properties"]["products"];
        let changed = &documented::<ChangeRequestInput>()["properties"]["products"];
        for products in [filed, changed] {
            assert_eq!(products["maxItems"].as_u64(), Some(MAX_LINES as u64), "{products}");
        }
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
        assert_eq!(r.contact, None, "a contact is optional (contact.rs parses one)");
    }

    /// Issue 13, defect 1: a browser's text area sends `\r\n` between lines.
    #[test]
    fn a_multi_line_description_files_with_its_line_breaks() {
        let mut input = valid_input();
        input.description = Some("Board approved the budget.\r\nRollout in two phases:\r\n- Q1\r- Q2\r\n".into());
        let r = parse_new_registration(&input, date(2026, 11, 22)).unwrap();
        assert_eq!(
            r.description.as_deref(),
            Some("Board approved the budget.\nRollout in two phases:\n- Q1\n- Q2")
        );
        input.description = Some("a bell \u{7} is not text".into());
        let err = parse_new_registration(&input, date(2026, 11, 22)).unwrap_err();
        assert_eq!(err.0[0].field, "description");
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
        input.customer_contact = Some(ContactInput {
            name: Some("Dana Whitfield".into()),
            email: Some("dana at springfield".into()),
            phone: Some("call me".into()),
        });
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
                "customer_contact.email",
                "customer_contact.phone",
                "products[0].quantity",
                "products[1].sku",
                "estimated_value.amount_minor",
                "estimated_value.currency",
                "expected_close_date"
            ]
        );
        assert!(err.0[8].message.contains("2026-11-22"));
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
        assert_eq!(a.validity, ValidityChoice::Days(30));
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
            parse_decline(&DeclineInput {
                reason: Some("  ".into())
            })
            .unwrap_err()
            .0[0]
                .field,
            "reason"
        );
        assert_eq!(
            parse_decline(&DeclineInput {
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

    mod hostile {
        use super::super::*;
        use crate::directory::products::MAX_QUANTITY;
        use crate::money::MAX_AMOUNT_MINOR;
        use crate::testing::hostile::{customer, number, text};
        use jiff::civil::date;
        use proptest::prelude::*;

        prop_compose! {
            fn registration_input()(customer in proptest::option::of(customer()),
                                    lines in proptest::option::of(proptest::collection::vec((text(), number()), 0..5)),
                                    amount in number(), currency in text(), close in text(), description in text())
                                    -> NewRegistrationInput {
                NewRegistrationInput {
                    customer,
                    customer_contact: None,
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
