//! Partners: the list with their regions, adding one, and a partner's own edit form (rename, region,
//! level, activation stage, and what lead distribution reads: country, coordinates, capacity).

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::directory::{Notice, admin_only};
use crate::ui::error::UiError;
use crate::ui::forms::{Choice, FormErrors, after_typed, blank_to_none, choices, countries, typed_number};
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::FieldErrors;
use domain::directory::input::{NewPartner, PartnerInput, parse_partner};
use domain::directory::{ActivationStage, PartnerLevel};
use serde::Deserialize;
use store::{Partner, StoreError};

pub fn routes() -> Pages {
    Pages::default()
        .get("/admin/partners", partners)
        .post("/admin/partners", add_partner)
        .get("/admin/partners/{id}", partner)
        .post("/admin/partners/{id}", edit_partner)
}

/// The partner form as typed; the add form starts blank, with nothing chosen.
#[derive(Default, Deserialize)]
#[serde(default)]
struct PartnerForm {
    name: String,
    level: String,
    activation_stage: String,
    region_id: String,
    country: String,
    latitude: String,
    longitude: String,
    lead_capacity: String,
}

impl PartnerForm {
    fn of(p: &Partner) -> PartnerForm {
        PartnerForm {
            name: p.name.clone(),
            level: p.level.as_str().to_owned(),
            activation_stage: p.activation_stage.as_str().to_owned(),
            region_id: p.region_id.to_string(),
            country: p.reach.country.clone().unwrap_or_default(),
            latitude: p.reach.location.map(|c| c.latitude().to_string()).unwrap_or_default(),
            longitude: p.reach.location.map(|c| c.longitude().to_string()).unwrap_or_default(),
            lead_capacity: p.reach.lead_capacity.map(|c| c.to_string()).unwrap_or_default(),
        }
    }

    /// The checked partner, with every typed number that does not read as one beside its field.
    fn parsed(&self) -> Result<NewPartner, FieldErrors> {
        let mut typed = FieldErrors::default();
        let input = PartnerInput {
            name: blank_to_none(&self.name),
            level: blank_to_none(&self.level),
            activation_stage: blank_to_none(&self.activation_stage),
            region_id: self.region_id.trim().parse().ok(),
            country: blank_to_none(&self.country),
            latitude: typed_number("latitude", &self.latitude, "52.52", &mut typed),
            longitude: typed_number("longitude", &self.longitude, "13.405", &mut typed),
            lead_capacity: typed_number("lead_capacity", &self.lead_capacity, "5", &mut typed),
        };
        after_typed(typed, parse_partner(&input))
    }
}

/// The form's choices, with what the form has chosen.
struct PartnerChoices {
    levels: Vec<Choice>,
    stages: Vec<Choice>,
    regions: Vec<Choice>,
    countries: Vec<Choice>,
}

async fn partner_choices(state: &AppState, form: &PartnerForm) -> Result<PartnerChoices, UiError> {
    let regions = state.store.list_regions().await?;
    Ok(PartnerChoices {
        levels: choices(
            PartnerLevel::ALL
                .iter()
                .map(|l| (l.as_str().to_owned(), l.label().into_owned())),
            &form.level,
        ),
        stages: choices(
            ActivationStage::ALL
                .iter()
                .map(|s| (s.as_str().to_owned(), s.label().into_owned())),
            &form.activation_stage,
        ),
        regions: choices(regions.into_iter().map(|r| (r.id.to_string(), r.name)), &form.region_id),
        countries: countries(&form.country),
    })
}

/// A store refusal beside its field: a taken name beside the name, an unknown region beside the region.
fn refusal(e: StoreError) -> Result<FieldErrors, UiError> {
    match e {
        StoreError::Invalid(errors) => Ok(errors),
        StoreError::Conflict { .. } => Ok(FieldErrors::single("name", "Another partner already has this name.")),
        other => Err(other.into()),
    }
}

fn status_of(errors: &FormErrors) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// A partner as the list shows it: labels and the region's name.
struct PartnerRow {
    id: i64,
    name: String,
    level: String,
    stage: String,
    region: String,
}

#[derive(Template)]
#[template(path = "directory/partners.html")]
struct PartnersPage {
    chrome: Chrome,
    partners: Vec<PartnerRow>,
    form: PartnerForm,
    choices: PartnerChoices,
    errors: FormErrors,
    done: Option<String>,
}

async fn partners_page(
    state: &AppState,
    viewer: Viewer,
    form: PartnerForm,
    errors: FormErrors,
    done: Option<String>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let partners = state
        .store
        .export_partners(Some(&viewer.actor()))
        .await?
        .into_iter()
        .map(|e| PartnerRow {
            id: e.partner.id,
            name: e.partner.name,
            level: e.partner.level.label().into_owned(),
            stage: e.partner.activation_stage.label().into_owned(),
            region: e.region,
        })
        .collect();
    let page = PartnersPage {
        chrome: viewer.chrome.titled("Partners"),
        partners,
        choices: partner_choices(state, &form).await?,
        form,
        errors,
        done,
    };
    Ok((status_of(&page.errors), render(&page)?).into_response())
}

async fn partners(State(state): State<AppState>, viewer: Viewer, Query(n): Query<Notice>) -> Result<Response, UiError> {
    partners_page(&state, viewer, PartnerForm::default(), FormErrors::default(), n.done).await
}

async fn add_partner(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<PartnerForm>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let result = match form.parsed() {
        Ok(partner) => state
            .store
            .create_partner(Some(&viewer.actor()), partner, state.clock.now())
            .await
            .map(drop),
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/admin/partners?done=added").into_response()),
        Err(e) => {
            let errors = FormErrors::from_fields(refusal(e)?);
            partners_page(&state, viewer, form, errors, None).await
        }
    }
}

#[derive(Template)]
#[template(path = "directory/partner.html")]
struct PartnerPage {
    chrome: Chrome,
    id: i64,
    form: PartnerForm,
    choices: PartnerChoices,
    errors: FormErrors,
    done: Option<String>,
}

async fn partner_page(
    state: &AppState,
    viewer: Viewer,
    id: i64,
    form: Option<PartnerForm>,
    errors: FormErrors,
    done: Option<String>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let partner = state.store.get_partner(&viewer.actor(), id).await?;
    let form = form.unwrap_or_else(|| PartnerForm::of(&partner));
    let page = PartnerPage {
        chrome: viewer.chrome.titled(partner.name),
        id,
        choices: partner_choices(state, &form).await?,
        form,
        errors,
        done,
    };
    Ok((status_of(&page.errors), render(&page)?).into_response())
}

async fn partner(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> Result<Response, UiError> {
    partner_page(&state, viewer, id, None, FormErrors::default(), n.done).await
}

async fn edit_partner(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<PartnerForm>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let result = match form.parsed() {
        Ok(partner) => state
            .store
            .update_partner(&viewer.actor(), id, partner, state.clock.now())
            .await
            .map(drop),
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/admin/partners/{id}?done=saved")).into_response()),
        Err(e) => {
            let errors = FormErrors::from_fields(refusal(e)?);
            partner_page(&state, viewer, id, Some(form), errors, None).await
        }
    }
}
