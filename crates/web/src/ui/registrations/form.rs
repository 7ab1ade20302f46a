//! Registering a deal: the form, "already registered?" and customer suggestions as one types.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::forms::{
    Choice, FormErrors, FormLine, blank_to_none, countries, product_options, product_rows, resolve_sku, segments,
    sentence, sku_text, to_rows, typed_amount,
};
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::FieldErrors;
use domain::calendar::business_date;
use domain::directory::customers::CustomerInput;
use domain::directory::products::MAX_LINES;
use domain::money::MoneyInput;
use domain::registrations::contact::ContactInput;
use domain::registrations::input::{ClaimCheckInput, NewRegistrationInput, parse_claim_check, parse_new_registration};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use store::{ClaimStatus, PageRequest, Product, StoreError};

pub fn routes() -> Pages {
    Pages::default()
        .get("/registrations/new", new_registration)
        .post("/registrations/new", file_registration)
        .post("/registrations/check", check_claim)
        .get("/customers/suggest", suggest_customers)
}

/// The registration form as typed, so a form with errors comes back filled in. The PO form embeds
/// its customer and product lines.
#[derive(Default, Deserialize)]
pub struct RegistrationForm {
    #[serde(default)]
    pub customer_name: String,
    #[serde(default)]
    pub domain: String,
    #[serde(default)]
    pub tax_id: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub segment: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_email: String,
    #[serde(default)]
    pub contact_phone: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub expected_close: String,
    #[serde(default)]
    pub description: String,
    /// Set by "Add a product": the form comes back with one line more, nothing filed.
    #[serde(default)]
    pub add_line: String,
    /// The index of the line whose "Remove" was pressed: the form comes back without it.
    #[serde(default)]
    pub remove_line: String,
    /// `sku_{n}` and `qty_{n}` of each product line, and whatever else the form carries.
    #[serde(flatten)]
    pub lines: BTreeMap<String, String>,
}

impl RegistrationForm {
    pub fn customer(&self) -> CustomerInput {
        CustomerInput {
            name: blank_to_none(&self.customer_name),
            domain: blank_to_none(&self.domain),
            tax_id: blank_to_none(&self.tax_id),
            city: blank_to_none(&self.city),
            postal_code: blank_to_none(&self.postal_code),
            country: blank_to_none(&self.country),
            segment: blank_to_none(&self.segment),
        }
    }

    /// The contact typed, `None` when all of it was left blank.
    pub fn contact(&self) -> Option<ContactInput> {
        let contact = ContactInput {
            name: blank_to_none(&self.contact_name),
            email: blank_to_none(&self.contact_email),
            phone: blank_to_none(&self.contact_phone),
        };
        (contact != ContactInput::default()).then_some(contact)
    }

    /// The product lines as typed (product, quantity), in the order of their rows; one blank line
    /// when the form has none (a new form starts with one).
    pub fn typed_lines(&self) -> Vec<(String, String)> {
        let field = |prefix: &str, row: usize| self.lines.get(&format!("{prefix}_{row}")).cloned().unwrap_or_default();
        let rows: BTreeSet<usize> = self
            .lines
            .keys()
            .filter_map(|k| k.strip_prefix("sku_").or_else(|| k.strip_prefix("qty_")))
            .filter_map(|n| n.parse().ok())
            .filter(|n| *n < MAX_LINES)
            .collect();
        let mut lines: Vec<(String, String)> = rows.into_iter().map(|r| (field("sku", r), field("qty", r))).collect();
        if lines.is_empty() {
            lines.push(Default::default());
        }
        lines
    }

    /// Adds or removes a line if "Add a product" or a line's "Remove" was pressed (true: show the
    /// form again, file nothing); the lines are numbered afresh from 0.
    pub fn edit_lines(&mut self) -> bool {
        let remove = self.remove_line.trim().to_owned();
        if self.add_line.is_empty() && remove.is_empty() {
            return false;
        }
        let mut lines = self.typed_lines();
        if !self.add_line.is_empty() && lines.len() < MAX_LINES {
            lines.push(Default::default());
        }
        if let Ok(row) = remove.parse::<usize>()
            && row < lines.len()
        {
            lines.remove(row);
        }
        if lines.is_empty() {
            lines.push(Default::default());
        }
        self.lines
            .retain(|k, _| !k.starts_with("sku_") && !k.starts_with("qty_"));
        for (row, (sku, qty)) in lines.into_iter().enumerate() {
            self.lines.insert(format!("sku_{row}"), sku);
            self.lines.insert(format!("qty_{row}"), qty);
        }
        true
    }
}

/// The form's product rows with their errors.
pub fn form_lines(form: &RegistrationForm, errors: &FormErrors) -> Vec<FormLine> {
    let typed = form.typed_lines();
    let removable = typed.len() > 1;
    typed
        .into_iter()
        .enumerate()
        .map(|(row, (sku, qty))| FormLine {
            row,
            sku,
            qty,
            sku_error: errors.get(&format!("row{row}.sku")).map(str::to_owned),
            qty_error: errors.get(&format!("row{row}.quantity")).map(str::to_owned),
            removable,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "registrations/form.html")]
struct RegistrationFormPage {
    chrome: Chrome,
    form: RegistrationForm,
    errors: FormErrors,
    products: Vec<Choice>,
    lines: Vec<FormLine>,
    lines_action: &'static str,
    can_add_line: bool,
    other_errors: Vec<String>,
    currency: String,
    segments: Vec<Choice>,
    countries: Vec<Choice>,
}

/// The products of the price list in force.
pub async fn price_list(state: &AppState) -> Result<Vec<Product>, UiError> {
    Ok(state
        .store
        .list_products(state.clock.now(), PageRequest::first(PageRequest::MAX_LIMIT))
        .await?
        .items)
}

async fn form_page(
    state: &AppState,
    viewer: Viewer,
    form: RegistrationForm,
    errors: FormErrors,
) -> Result<Response, UiError> {
    let products = product_options(&price_list(state).await?);
    let currency = state.store.settings().await?.currency.to_string();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let lines = form_lines(&form, &errors);
    let page = RegistrationFormPage {
        chrome: viewer.chrome.titled("Register a deal"),
        can_add_line: lines.len() < MAX_LINES,
        lines,
        lines_action: "/registrations/new",
        other_errors: errors.others(
            &["customer.", "customer_contact.", "row"],
            &[
                "estimated_value.amount_minor",
                "expected_close_date",
                "description",
                "products",
            ],
        ),
        segments: segments(&form.segment),
        countries: countries(&form.country),
        form,
        errors,
        products,
        currency,
    };
    Ok((status, render(&page)?).into_response())
}

async fn new_registration(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    // Nothing preselected: the country and segment are the partner's to choose (the segment prices
    // orders without an SOR).
    form_page(&state, viewer, RegistrationForm::default(), FormErrors::default()).await
}

async fn file_registration(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(mut form): Form<RegistrationForm>,
) -> Result<Response, UiError> {
    if form.edit_lines() {
        return form_page(&state, viewer, form, FormErrors::default()).await;
    }
    let settings = state.store.settings().await?;
    let today = business_date(state.clock.now(), &settings.zone());
    let products = price_list(&state).await?;
    let (lines, rows, mut errors) = product_rows(&form.typed_lines(), |t| resolve_sku(t, &products));
    let amount = match form.value.trim() {
        "" => None,
        raw => typed_amount(raw)
            .map_err(|m| errors.add("estimated_value.amount_minor", m))
            .ok(),
    };
    let input = NewRegistrationInput {
        customer: Some(form.customer()),
        customer_contact: form.contact(),
        products: Some(lines),
        estimated_value: Some(MoneyInput {
            amount_minor: amount,
            currency: Some(settings.currency.to_string()),
        }),
        expected_close_date: blank_to_none(&form.expected_close),
        description: blank_to_none(&form.description),
    };
    let parsed = parse_new_registration(&input, today).map_err(|e| to_rows(e, "products", &rows));
    let result = match parsed {
        Ok(registration) if errors.is_empty() => {
            state
                .store
                .submit_registration(&viewer.actor(), registration, state.clock.now())
                .await
        }
        Ok(_) => Err(StoreError::Invalid(FieldErrors::default())),
        Err(more) => Err(StoreError::Invalid(more)),
    };
    match result {
        Ok(reg) => Ok(Redirect::to(&format!("/registrations/{}?filed=true", reg.id)).into_response()),
        Err(StoreError::Invalid(more)) => {
            errors.0.extend(to_rows(more, "products", &rows).0);
            for e in &mut errors.0 {
                e.message = sentence(&e.message);
            }
            form_page(&state, viewer, form, FormErrors::from_fields(errors)).await
        }
        Err(other) => Err(other.into()),
    }
}

/// "Already registered?": claimed or free, as the API answers partners (never by whom).
async fn check_claim(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<RegistrationForm>,
) -> Result<Response, UiError> {
    let skus: Vec<String> = form
        .typed_lines()
        .iter()
        .map(|(product, _)| sku_text(product).to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let input = ClaimCheckInput {
        customer: Some(form.customer()),
        products: (!skus.is_empty()).then_some(skus),
    };
    let html = match parse_claim_check(&input) {
        Err(_) => r#"<p class="note">Type the customer's name and country first.</p>"#.to_owned(),
        Ok((customer, skus)) => match state.store.check_claim(&viewer.actor(), customer, skus).await? {
            ClaimStatus::Claimed => r#"<p class="warn" role="status"><strong>Already registered.</strong> Another registration protects this customer for these products; talk to your channel manager before filing.</p>"#.to_owned(),
            ClaimStatus::Free => r#"<p class="ok" role="status"><strong>Not registered yet.</strong> You can file it.</p>"#.to_owned(),
        },
    };
    Ok(Html(html).into_response())
}

#[derive(Deserialize)]
struct SuggestQuery {
    #[serde(default)]
    customer_name: String,
}

#[derive(Template)]
#[template(path = "registrations/customer_options.html")]
struct CustomerOptions {
    names: Vec<String>,
}

/// Customers whose name contains what was typed: the partner's own, or all for staff.
async fn suggest_customers(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<SuggestQuery>,
) -> Result<Response, UiError> {
    let typed = q.customer_name.trim().to_lowercase();
    let mut names = Vec::new();
    if typed.chars().count() >= 2 {
        let customers = state
            .store
            .list_customers(&viewer.actor(), PageRequest::first(PageRequest::MAX_LIMIT))
            .await?;
        names = customers
            .items
            .into_iter()
            .map(|c| c.name)
            .filter(|n| n.to_lowercase().contains(&typed))
            .collect();
        names.sort();
        names.dedup();
        names.truncate(10);
    }
    render(&CustomerOptions { names })
}
