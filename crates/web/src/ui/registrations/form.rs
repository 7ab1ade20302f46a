//! Registering a deal: the form, "already registered?" and customer suggestions as one types.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::forms::{
    Choice, FORM_LINES, FormErrors, FormLine, blank_to_none, product_rows, segments, to_rows, typed_amount,
};
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::FieldErrors;
use domain::calendar::business_date;
use domain::directory::customers::CustomerInput;
use domain::money::MoneyInput;
use domain::registrations::input::{ClaimCheckInput, NewRegistrationInput, parse_claim_check, parse_new_registration};
use serde::Deserialize;
use std::collections::BTreeMap;
use store::{ClaimStatus, PageRequest, Product, StoreError};

pub fn routes() -> Pages {
    Pages::default()
        .get("/registrations/new", new_registration)
        .post("/registrations/new", file_registration)
        .post("/registrations/check", check_claim)
        .get("/customers/suggest", suggest_customers)
}

/// The registration form as typed, so a form with errors comes back filled in. The PO form embeds
/// its customer and product rows.
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
    pub value: String,
    #[serde(default)]
    pub expected_close: String,
    #[serde(default)]
    pub description: String,
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

    pub fn sku(&self, row: usize) -> &str {
        self.lines.get(&format!("sku_{row}")).map_or("", String::as_str)
    }

    pub fn qty(&self, row: usize) -> &str {
        self.lines.get(&format!("qty_{row}")).map_or("", String::as_str)
    }
}

/// The form's product rows with their errors.
pub fn form_lines(form: &RegistrationForm, errors: &FormErrors) -> Vec<FormLine> {
    (0..FORM_LINES)
        .map(|row| FormLine {
            row,
            sku: form.sku(row).to_owned(),
            qty: form.qty(row).to_owned(),
            sku_error: errors.get(&format!("row{row}.sku")).map(str::to_owned),
            qty_error: errors.get(&format!("row{row}.quantity")).map(str::to_owned),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "registrations/form.html")]
struct RegistrationFormPage {
    chrome: Chrome,
    form: RegistrationForm,
    errors: FormErrors,
    products: Vec<Product>,
    lines: Vec<FormLine>,
    other_errors: Vec<String>,
    currency: String,
    segments: Vec<Choice>,
}

async fn form_page(
    state: &AppState,
    viewer: Viewer,
    form: RegistrationForm,
    errors: FormErrors,
) -> Result<Response, UiError> {
    let products = state
        .store
        .list_products(state.clock.now(), PageRequest::first(PageRequest::MAX_LIMIT))
        .await?
        .items;
    let currency = state.store.settings().await?.currency.to_string();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let segment = form.segment.clone();
    let page = RegistrationFormPage {
        chrome: viewer.chrome.titled("Register a deal"),
        lines: form_lines(&form, &errors),
        other_errors: errors.others(
            &["customer.", "row"],
            &[
                "estimated_value.amount_minor",
                "expected_close_date",
                "description",
                "products",
            ],
        ),
        form,
        errors,
        products,
        currency,
        segments: segments(&segment),
    };
    Ok((status, render(&page)?).into_response())
}

async fn new_registration(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    let form = RegistrationForm {
        country: "US".into(),
        segment: "education".into(),
        ..RegistrationForm::default()
    };
    form_page(&state, viewer, form, FormErrors::default()).await
}

async fn file_registration(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<RegistrationForm>,
) -> Result<Response, UiError> {
    let settings = state.store.settings().await?;
    let today = business_date(state.clock.now(), &settings.zone());
    let (lines, rows, mut errors) = product_rows(|r| form.sku(r).to_owned(), |r| form.qty(r).to_owned());
    let amount = match form.value.trim() {
        "" => None,
        raw => typed_amount(raw)
            .map_err(|m| errors.add("estimated_value.amount_minor", m))
            .ok(),
    };
    let input = NewRegistrationInput {
        customer: Some(form.customer()),
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
    let skus: Vec<String> = (0..FORM_LINES)
        .map(|r| form.sku(r).to_owned())
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
