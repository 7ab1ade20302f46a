//! ORD-1: a purchase order as order entry receives it, and its parsing.

use crate::FieldErrors;
use crate::directory::customers::{Customer, CustomerInput, parse_customer};
use crate::directory::products::{ProductLine, ProductLineInput, parse_lines};
use crate::sor::SorNumber;
use serde::{Deserialize, Serialize};

/// ORD-1: a partner's purchase order as order entry receives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderInput {
    /// The ordering partner. Order entry and administrators must give it; a partner's own users
    /// may omit it.
    pub partner_id: Option<i64>,
    /// The partner's PO number: unique per partner, so the same PO sent twice is entered once.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = crate::fields::text_schema::<64>))]
    pub po_number: Option<String>,
    /// The end customer the order is for.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub customer: Option<CustomerInput>,
    /// The SOR number written on the PO, if any (e.g. SOR-2026-000042).
    pub sor_number: Option<String>,
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, min_items = 1, max_items = 200)
    )]
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::school_district;

    fn order_input() -> OrderInput {
        OrderInput {
            partner_id: None,
            po_number: Some(" PO-4500-17 ".into()),
            customer: Some(school_district()),
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

    #[cfg(feature = "openapi")]
    #[test]
    fn the_document_states_the_most_lines() {
        let lines = &crate::testing::documented::<OrderInput>()["properties"]["lines"];
        assert_eq!(
            lines["maxItems"].as_u64(),
            Some(crate::directory::products::MAX_LINES as u64)
        );
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

    mod hostile {
        use super::super::*;
        use crate::directory::products::MAX_QUANTITY;
        use crate::testing::hostile::{customer, number, text};
        use proptest::prelude::*;

        proptest! {
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
        }
    }
}
