//! Opening an opportunity: the account (as on the registration form), name, stage, forecast, close
//! date, products and plan; sales management may name the manager.

use super::{party_choices, party_input, picks_manager};
use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::forms::{
    Choice, FormErrors, FormLine, blank_to_none, choices, countries, product_options, product_rows, resolve_sku,
    segments, sentence, to_rows, typed_amount,
};
use crate::ui::registrations::{RegistrationForm, form_lines, price_list};
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::FieldErrors;
use domain::calendar::business_date;
use domain::directory::products::MAX_LINES;
use domain::money::MoneyInput;
use domain::opportunities::input::{NewOpportunityInput, parse_new_opportunity};
use serde::Deserialize;
use store::StoreError;

pub fn routes() -> Pages {
    Pages::default()
        .get("/opportunities/new", new_opportunity)
        .post("/opportunities/new", open_opportunity)
}

/// The form as typed: the registration form's customer, forecast (`value`), close date
/// (`expected_close`), plan (`description`) and lines, with name, stage and manager.
#[derive(Default, Deserialize)]
struct OpenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    manager: String,
    #[serde(flatten)]
    base: RegistrationForm,
}

#[derive(Template)]
#[template(path = "opportunities/form.html")]
struct OpenPage {
    chrome: Chrome,
    form: OpenForm,
    errors: FormErrors,
    /// The store's refusal of the whole (another party's rights), above the form.
    refusal: Option<String>,
    products: Vec<Choice>,
    lines: Vec<FormLine>,
    lines_action: &'static str,
    can_add_line: bool,
    other_errors: Vec<String>,
    currency: String,
    segments: Vec<Choice>,
    countries: Vec<Choice>,
    stages: Vec<Choice>,
    managers: Vec<Choice>,
    /// Why the viewer may not open opportunities (a partner without a level), instead of the form.
    cannot: Option<String>,
}

async fn form_page(
    state: &AppState,
    viewer: Viewer,
    form: OpenForm,
    errors: FormErrors,
    refusal: Option<String>,
) -> Result<Response, UiError> {
    let actor = viewer.actor();
    let settings = state.store.settings().await?;
    let status = match (&refusal, errors.is_empty()) {
        (Some(_), _) => StatusCode::CONFLICT,
        (None, false) => StatusCode::UNPROCESSABLE_ENTITY,
        (None, true) => StatusCode::OK,
    };
    let managers = if picks_manager(&actor) {
        party_choices(state, &actor, &form.manager).await?
    } else {
        Vec::new()
    };
    let lines = form_lines(&form.base, &errors);
    let page = OpenPage {
        chrome: viewer.chrome.titled("Open an opportunity"),
        products: product_options(&price_list(state).await?),
        can_add_line: lines.len() < MAX_LINES,
        lines,
        lines_action: "/opportunities/new",
        other_errors: errors.others(
            &["customer.", "row", "forecast", "manager"],
            &["name", "stage", "close_date", "plan", "products"],
        ),
        currency: settings.currency.to_string(),
        segments: segments(&form.base.segment),
        countries: countries(&form.base.country),
        stages: choices(
            settings.pipeline_stages.iter().map(|s| (s.clone(), s.clone())),
            &form.stage,
        ),
        managers,
        form,
        errors,
        refusal,
        cannot: super::opens(state, &actor).await?.err(),
    };
    Ok((status, render(&page)?).into_response())
}

async fn new_opportunity(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    form_page(&state, viewer, OpenForm::default(), FormErrors::default(), None).await
}

async fn open_opportunity(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(mut form): Form<OpenForm>,
) -> Result<Response, UiError> {
    if form.base.edit_lines() {
        return form_page(&state, viewer, form, FormErrors::default(), None).await;
    }
    let settings = state.store.settings().await?;
    let today = business_date(state.clock.now(), &settings.zone());
    let products = price_list(&state).await?;
    let (lines, rows, mut errors) = product_rows(&form.base.typed_lines(), |t| resolve_sku(t, &products));
    let amount = match form.base.value.trim() {
        "" => None,
        raw => typed_amount(raw)
            .map_err(|m| errors.add("forecast.amount_minor", m))
            .ok(),
    };
    let input = NewOpportunityInput {
        customer: Some(form.base.customer()),
        name: blank_to_none(&form.name),
        stage: blank_to_none(&form.stage),
        forecast: Some(MoneyInput {
            amount_minor: amount,
            currency: Some(settings.currency.to_string()),
        }),
        close_date: blank_to_none(&form.base.expected_close),
        products: Some(lines),
        plan: blank_to_none(&form.base.description),
        manager: party_input(&form.manager),
    };
    let result = match parse_new_opportunity(&input, today) {
        Ok(new) if errors.is_empty() => {
            state
                .store
                .open_opportunity(&viewer.actor(), new, state.clock.now())
                .await
        }
        Ok(_) => Err(StoreError::Invalid(FieldErrors::default())),
        Err(more) => Err(StoreError::Invalid(more)),
    };
    match result {
        Ok(d) => Ok(Redirect::to(&format!("/opportunities/{}", d.opportunity.id)).into_response()),
        Err(StoreError::Invalid(more)) => {
            errors.0.extend(to_rows(more, "products", &rows).0);
            for e in &mut errors.0 {
                e.message = sentence(&e.message);
            }
            form_page(&state, viewer, form, FormErrors::from_fields(errors), None).await
        }
        Err(StoreError::Conflict { message, .. }) => {
            form_page(&state, viewer, form, FormErrors::default(), Some(sentence(&message))).await
        }
        Err(other) => Err(other.into()),
    }
}
