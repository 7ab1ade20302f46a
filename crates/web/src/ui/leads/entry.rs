//! Entering leads (staff: administrators, regional managers, sales): one lead by its form, or a CSV
//! file pasted into the import page. A refused form comes back with each message beside its field
//! and what was typed kept; a refused file lists every bad row with its line.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::csv_import::{self, CsvImport, ImportForm};
use crate::ui::error::UiError;
use crate::ui::forms::{
    Choice, FormErrors, after_typed, blank_to_none, choices, countries, segments, sentence, typed_amount, typed_number,
};
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::leads::LeadSource;
use domain::leads::files::{LEAD_COLUMNS, parse_leads, parse_product_list};
use domain::leads::input::{LeadCompanyInput, LeadInput, NewLead, parse_lead};
use domain::leads::policy::can_enter_leads;
use domain::money::MoneyInput;
use domain::{FieldError, FieldErrors};
use serde::Deserialize;
use store::StoreError;

pub fn routes() -> Pages {
    Pages::default()
        .get("/leads/new", new_lead)
        .post("/leads/new", create_lead)
        .get("/leads/import", import_page)
        .post("/leads/import", import_leads)
}

fn staff_only(viewer: &Viewer) -> Result<(), UiError> {
    if can_enter_leads(&viewer.actor()) {
        Ok(())
    } else {
        Err(UiError::new(
            StatusCode::FORBIDDEN,
            "Leads are entered by administrators, regional managers and sales.",
        ))
    }
}

/// The lead form as typed.
#[derive(Default, Deserialize)]
#[serde(default)]
struct LeadForm {
    source: String,
    company: String,
    domain: String,
    country: String,
    city: String,
    segment: String,
    contact_name: String,
    contact_email: String,
    region_id: String,
    latitude: String,
    longitude: String,
    estimated_value: String,
    description: String,
    products: String,
}

impl LeadForm {
    /// The checked lead, in the program's currency, with every field's problem at once.
    fn parsed(&self, currency: &str) -> Result<NewLead, FieldErrors> {
        let mut typed = FieldErrors::default();
        let amount = blank_to_none(&self.estimated_value).and_then(|raw| {
            typed_amount(&raw)
                .map_err(|m| typed.add("estimated_value.amount_minor", m))
                .ok()
        });
        let products = blank_to_none(&self.products).map(|p| parse_product_list(&p, &mut typed));
        let input = LeadInput {
            source: blank_to_none(&self.source),
            company: Some(LeadCompanyInput {
                name: blank_to_none(&self.company),
                domain: blank_to_none(&self.domain),
                country: blank_to_none(&self.country),
                city: blank_to_none(&self.city),
            }),
            segment: blank_to_none(&self.segment),
            contact_name: blank_to_none(&self.contact_name),
            contact_email: blank_to_none(&self.contact_email),
            region_id: self.region_id.trim().parse().ok(),
            latitude: typed_number("latitude", &self.latitude, "52.52", &mut typed),
            longitude: typed_number("longitude", &self.longitude, "13.405", &mut typed),
            description: blank_to_none(&self.description),
            estimated_value: Some(MoneyInput {
                amount_minor: amount,
                currency: Some(currency.to_owned()),
            }),
            products,
        };
        // The typed amount's own message comes first, and is the one shown beside the field.
        after_typed(typed, parse_lead(&input))
    }
}

/// Messages as sentences, each once per field; a product line's problem is shown beside the list.
fn form_errors(errors: FieldErrors) -> FormErrors {
    FormErrors::from_fields(FieldErrors(
        errors
            .0
            .into_iter()
            .map(|e| FieldError {
                field: if e.field.starts_with("products") {
                    "products".into()
                } else {
                    e.field
                },
                message: if e.message == "is required" {
                    "Required.".into()
                } else {
                    sentence(&e.message)
                },
                line: e.line,
            })
            .collect(),
    ))
}

#[derive(Template)]
#[template(path = "leads/form.html")]
struct LeadFormPage {
    chrome: Chrome,
    form: LeadForm,
    errors: FormErrors,
    sources: Vec<Choice>,
    countries: Vec<Choice>,
    segments: Vec<Choice>,
    regions: Vec<Choice>,
    currency: String,
}

async fn form_page(state: &AppState, viewer: Viewer, form: LeadForm, errors: FormErrors) -> Result<Response, UiError> {
    staff_only(&viewer)?;
    let regions = state.store.list_regions().await?;
    let currency = state.store.settings().await?.currency.to_string();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = LeadFormPage {
        chrome: viewer.chrome.titled("Enter a lead"),
        sources: choices(
            LeadSource::ALL
                .iter()
                .map(|s| (s.as_str().to_owned(), s.label().into_owned())),
            &form.source,
        ),
        countries: countries(&form.country),
        segments: segments(&form.segment),
        regions: choices(regions.into_iter().map(|r| (r.id.to_string(), r.name)), &form.region_id),
        currency,
        form,
        errors,
    };
    Ok((status, render(&page)?).into_response())
}

async fn new_lead(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    form_page(&state, viewer, LeadForm::default(), FormErrors::default()).await
}

async fn create_lead(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<LeadForm>,
) -> Result<Response, UiError> {
    staff_only(&viewer)?;
    let currency = state.store.settings().await?.currency.to_string();
    let result = match form.parsed(&currency) {
        Ok(lead) => state.store.create_lead(&viewer.actor(), lead, state.clock.now()).await,
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(lead) => Ok(Redirect::to(&format!("/leads/{}?done=entered", lead.id)).into_response()),
        Err(StoreError::Invalid(errors)) => form_page(&state, viewer, form, form_errors(errors)).await,
        Err(other) => Err(other.into()),
    }
}

fn import_words() -> CsvImport {
    CsvImport {
        title: "Import leads",
        back: ("/leads", "All leads"),
        action: "/leads/import",
        hint: format!(
            "Paste a CSV file. The first line names the columns: {}. Source, company, estimated_value and \
             currency are required; the region is named; products are SKU:quantity separated by \";\".",
            LEAD_COLUMNS.join(", ")
        ),
        done: |r| format!("Imported {} leads; each was distributed by the rules.", r.created),
    }
}

async fn import_page(viewer: Viewer) -> Result<Response, UiError> {
    staff_only(&viewer)?;
    csv_import::form(viewer, &import_words())
}

async fn import_leads(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<ImportForm>,
) -> Result<Response, UiError> {
    staff_only(&viewer)?;
    let actor = viewer.actor();
    csv_import::run(viewer, &import_words(), form, parse_leads, |rows| {
        state.store.import_leads(&actor, rows, state.clock.now())
    })
    .await
}
