//! Entering a purchase order: product rows or lines pasted from the partner's document.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::forms::{Choice, FormErrors, FormLine, blank_to_none, choices, product_rows, segments, to_rows};
use crate::ui::registrations::{RegistrationForm, form_lines};
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::FieldErrors;
use domain::directory::products::ProductLineInput;
use domain::orders::input::{OrderInput, parse_order};
use domain::orders::policy::{can_enter_orders, can_enter_orders_for_any_partner};
use serde::Deserialize;
use store::{PageRequest, Product, StoreError};

pub fn routes() -> Pages {
    Pages::default()
        .get("/orders/new", new_order)
        .post("/orders/new", enter_order)
}

#[derive(Default, Deserialize)]
struct OrderForm {
    #[serde(default)]
    partner_id: String,
    #[serde(default)]
    po_number: String,
    #[serde(default)]
    sor_number: String,
    /// PO lines pasted from the partner's document: `SKU, quantity` per line.
    #[serde(default)]
    paste: String,
    #[serde(flatten)]
    customer: RegistrationForm,
}

/// `MB-100, 2` / `MB-100;2` / `MB-100<tab>2` / `MB-100 2` per line; blank lines skipped.
fn pasted_lines(text: &str, errors: &mut FieldErrors) -> Vec<ProductLineInput> {
    let mut lines = Vec::new();
    for (n, raw) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let mut parts = raw
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|p| !p.is_empty());
        match (parts.next(), parts.next().map(str::parse::<i64>), parts.next()) {
            (Some(sku), Some(Ok(quantity)), None) => lines.push(ProductLineInput {
                sku: Some(sku.to_owned()),
                quantity: Some(quantity),
            }),
            _ => errors.add(
                "paste",
                format!("line {}: write the SKU and the quantity, e.g. MB-100, 2", n + 1),
            ),
        }
    }
    lines
}

#[derive(Template)]
#[template(path = "orders/form.html")]
struct OrderFormPage {
    chrome: Chrome,
    form: OrderForm,
    errors: FormErrors,
    products: Vec<Product>,
    partners: Vec<Choice>,
    lines: Vec<FormLine>,
    other_errors: Vec<String>,
    segments: Vec<Choice>,
    names_partner: bool,
}

async fn order_form_page(
    state: &AppState,
    viewer: Viewer,
    form: OrderForm,
    errors: FormErrors,
) -> Result<Response, UiError> {
    if !can_enter_orders(&viewer.actor()) {
        return Err(UiError::new(
            StatusCode::FORBIDDEN,
            "Orders are entered by order entry and partners.",
        ));
    }
    let products = state
        .store
        .list_products(state.clock.now(), PageRequest::first(PageRequest::MAX_LIMIT))
        .await?
        .items;
    let names_partner = can_enter_orders_for_any_partner(&viewer.actor());
    let partners = if names_partner {
        let listed = state
            .store
            .list_partners(&viewer.actor(), PageRequest::first(PageRequest::MAX_LIMIT))
            .await?;
        choices(
            listed.items.into_iter().map(|p| (p.id.to_string(), p.name)),
            &form.partner_id,
        )
    } else {
        Vec::new()
    };
    let segments = segments(&form.customer.segment);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = OrderFormPage {
        chrome: viewer.chrome.titled("Enter a purchase order"),
        lines: form_lines(&form.customer, &errors),
        other_errors: errors.others(
            &["customer.", "row"],
            &["lines", "po_number", "sor_number", "partner_id", "paste"],
        ),
        form,
        errors,
        products,
        partners,
        segments,
        names_partner,
    };
    Ok((status, render(&page)?).into_response())
}

async fn new_order(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    let form = OrderForm {
        customer: RegistrationForm {
            country: "US".into(),
            segment: "education".into(),
            ..RegistrationForm::default()
        },
        ..OrderForm::default()
    };
    order_form_page(&state, viewer, form, FormErrors::default()).await
}

async fn enter_order(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<OrderForm>,
) -> Result<Response, UiError> {
    let c = &form.customer;
    let (mut lines, rows, mut errors) = product_rows(|r| c.sku(r).to_owned(), |r| c.qty(r).to_owned());
    lines.extend(pasted_lines(&form.paste, &mut errors));
    let partner_id = match form.partner_id.trim() {
        "" => None,
        raw => raw
            .parse()
            .map_err(|_| errors.add("partner_id", "choose a partner"))
            .ok(),
    };
    let input = OrderInput {
        partner_id,
        po_number: blank_to_none(&form.po_number),
        customer: Some(c.customer()),
        sor_number: blank_to_none(&form.sor_number),
        lines: Some(lines),
    };
    let result = match parse_order(&input) {
        Ok(order) if errors.is_empty() => state.store.enter_order(&viewer.actor(), order, state.clock.now()).await,
        Ok(_) => Err(StoreError::Invalid(FieldErrors::default())),
        Err(more) => Err(StoreError::Invalid(more)),
    };
    match result {
        Ok(entry) => Ok(Redirect::to(&format!("/orders/{}", entry.order.id)).into_response()),
        Err(StoreError::Invalid(more)) => {
            errors.0.extend(to_rows(more, "lines", &rows).0);
            order_form_page(&state, viewer, form, FormErrors::from_fields(errors)).await
        }
        Err(StoreError::Conflict { message, .. }) => {
            errors.add("po_number", message);
            order_form_page(&state, viewer, form, FormErrors::from_fields(errors)).await
        }
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_po_lines_take_common_separators() {
        let mut errors = FieldErrors::default();
        let lines = pasted_lines("MB-100, 2\n\nPEN-2;10\nLAMP\t1\nCORD 3\nwhat is this\n", &mut errors);
        let parsed: Vec<_> = lines
            .iter()
            .map(|l| (l.sku.clone().unwrap(), l.quantity.unwrap()))
            .collect();
        assert_eq!(
            parsed,
            [
                ("MB-100".into(), 2),
                ("PEN-2".into(), 10),
                ("LAMP".into(), 1),
                ("CORD".into(), 3)
            ]
        );
        assert_eq!(
            errors.0[0].message,
            "line 6: write the SKU and the quantity, e.g. MB-100, 2"
        );
    }
}
