//! Entering a purchase order: product rows or lines pasted from the partner's document.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::forms::{
    Choice, FormErrors, FormLine, blank_to_none, choices, countries, line_field, product_options, product_rows,
    segments, sku_text,
};
use crate::ui::registrations::{RegistrationForm, form_lines};
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::FieldErrors;
use domain::directory::products::{MAX_LINES, ProductLineInput, QUANTITY_RULE};
use domain::orders::input::{OrderInput, parse_order};
use domain::orders::policy::{can_enter_orders, can_enter_orders_for_any_partner};
use serde::Deserialize;
use store::{PageRequest, StoreError};

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

/// `MB-100, 2` / `MB-100;2` / `MB-100<tab>2` / `MB-100 2` per line; blank lines skipped. Each line
/// comes with its number in the paste box as the person sees it (1 = the first line, blank lines
/// counted), which is what its errors name.
fn pasted_lines(text: &str, errors: &mut FieldErrors) -> Vec<(u64, ProductLineInput)> {
    let mut lines = Vec::new();
    for (n, raw) in (1..).zip(text.lines()).filter(|(_, l)| !l.trim().is_empty()) {
        let mut parts = raw
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|p| !p.is_empty());
        match (parts.next(), parts.next().map(str::parse::<i64>), parts.next()) {
            (Some(sku), Some(Ok(quantity)), None) => lines.push((
                n,
                ProductLineInput {
                    sku: Some(sku.to_owned()),
                    quantity: Some(quantity),
                },
            )),
            (Some(_), Some(Err(_)), None) => errors.add_at_line(n, "paste", format!("the quantity {QUANTITY_RULE}")),
            _ => errors.add_at_line(n, "paste", "write the SKU and the quantity, e.g. MB-100, 2"),
        }
    }
    lines
}

/// Where a line of the PO was typed: a product row of the form, or a line of the paste box.
enum Origin {
    Row(usize),
    Pasted(u64),
}

/// Moves each PO line's errors to where the person typed the line: beside its product row, or under
/// the paste box naming the paste box's line ("the quantity must be …" on line 3).
fn place_line_errors(errors: FieldErrors, origins: &[Origin]) -> FieldErrors {
    FieldErrors(
        errors
            .0
            .into_iter()
            .map(|mut e| {
                if let Some((index, field)) = line_field(&e.field, "lines")
                    && let Some(origin) = origins.get(index)
                {
                    match origin {
                        Origin::Row(row) => e.field = format!("row{row}.{field}"),
                        Origin::Pasted(n) => {
                            let subject = if field == "sku" { "SKU" } else { field };
                            e.message = format!("the {subject} {}", e.message);
                            e.field = "paste".into();
                            e.line = Some(*n);
                        }
                    }
                }
                e
            })
            .collect(),
    )
}

/// The paste box's errors, in the order of its lines: "Line 3: the quantity must be …".
fn paste_messages(errors: &mut FieldErrors) -> Vec<String> {
    let (mut pasted, others): (Vec<_>, Vec<_>) = std::mem::take(&mut errors.0)
        .into_iter()
        .partition(|e| e.field == "paste");
    errors.0 = others;
    pasted.sort_by_key(|e| e.line);
    pasted
        .into_iter()
        .map(|e| match e.line {
            Some(n) => format!("Line {n}: {}", e.message),
            None => e.message,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "orders/form.html")]
struct OrderFormPage {
    chrome: Chrome,
    form: OrderForm,
    errors: FormErrors,
    products: Vec<Choice>,
    partners: Vec<Choice>,
    lines: Vec<FormLine>,
    lines_action: &'static str,
    can_add_line: bool,
    /// The paste box's errors, each naming its line.
    paste_errors: Vec<String>,
    other_errors: Vec<String>,
    segments: Vec<Choice>,
    countries: Vec<Choice>,
    names_partner: bool,
}

async fn order_form_page(
    state: &AppState,
    viewer: Viewer,
    form: OrderForm,
    mut errors: FieldErrors,
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
    let products = product_options(&products);
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
    let countries = countries(&form.customer.country);
    let paste_errors = paste_messages(&mut errors);
    let errors = FormErrors::from_fields(errors);
    let status = if errors.is_empty() && paste_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let lines = form_lines(&form.customer, &errors);
    let page = OrderFormPage {
        chrome: viewer.chrome.titled("Enter a purchase order"),
        can_add_line: lines.len() < MAX_LINES,
        lines,
        lines_action: "/orders/new",
        paste_errors,
        other_errors: errors.others(
            &["customer.", "row"],
            &["lines", "po_number", "sor_number", "partner_id", "paste"],
        ),
        form,
        errors,
        products,
        partners,
        segments,
        countries,
        names_partner,
    };
    Ok((status, render(&page)?).into_response())
}

/// A new PO starts with nothing chosen for order entry: the country and segment are the PO's.
async fn new_order(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    order_form_page(&state, viewer, OrderForm::default(), FieldErrors::default()).await
}

async fn enter_order(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(mut form): Form<OrderForm>,
) -> Result<Response, UiError> {
    if form.customer.edit_lines() {
        return order_form_page(&state, viewer, form, FieldErrors::default()).await;
    }
    let c = &form.customer;
    // Unknown SKUs are refused line by line when the order is priced (issue 13, defect 6).
    let (mut lines, rows, mut errors) = product_rows(&c.typed_lines(), |t| Some(sku_text(t).to_owned()));
    let mut origins: Vec<Origin> = rows.into_iter().map(Origin::Row).collect();
    for (n, line) in pasted_lines(&form.paste, &mut errors) {
        origins.push(Origin::Pasted(n));
        lines.push(line);
    }
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
            errors.0.extend(place_line_errors(more, &origins).0);
            order_form_page(&state, viewer, form, errors).await
        }
        Err(StoreError::Conflict { message, .. }) => {
            errors.add("po_number", message);
            order_form_page(&state, viewer, form, errors).await
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
            .map(|(n, l)| (*n, l.sku.clone().unwrap(), l.quantity.unwrap()))
            .collect();
        assert_eq!(
            parsed,
            [
                (1, "MB-100".into(), 2),
                (3, "PEN-2".into(), 10),
                (4, "LAMP".into(), 1),
                (5, "CORD".into(), 3)
            ]
        );
        assert_eq!(
            paste_messages(&mut errors),
            ["Line 6: write the SKU and the quantity, e.g. MB-100, 2"]
        );
    }

    /// Issue 13, defect 6: an error of a pasted line names the paste box's line, in words, and a
    /// product row's error stays on its row — not `lines[2].quantity` at the top of the page.
    #[test]
    fn line_errors_land_on_the_paste_box_line_they_came_from() {
        let mut errors = FieldErrors::default();
        // Line 1 blank as the person sees it; lines 2 and 4 are PO lines; line 3 says "two".
        let pasted = pasted_lines("\nMB-100, 1\nPEN-2, two\r\nLAMP, 0\n", &mut errors);
        let mut origins = vec![Origin::Row(4)];
        origins.extend(pasted.iter().map(|(n, _)| Origin::Pasted(*n)));
        let mut from_domain = FieldErrors::default();
        from_domain.add("lines[2].quantity", QUANTITY_RULE);
        from_domain.add("lines[0].sku", "is required");
        errors.0.extend(place_line_errors(from_domain, &origins).0);
        assert_eq!(
            paste_messages(&mut errors),
            [
                "Line 3: the quantity must be a whole number from 1 to 1,000,000",
                "Line 4: the quantity must be a whole number from 1 to 1,000,000"
            ]
        );
        assert_eq!(errors.0[0].field, "row4.sku");
    }
}
