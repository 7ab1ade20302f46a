//! The distribution rules (channel managers, administrators): the weight of each partner level —
//! 0 is never picked automatically — and the open leads a partner takes at once by default. A
//! partner's own capacity, country and coordinates are on its page under Admin.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::forms::{FormErrors, after_typed, sentence, typed_number};
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::directory::PartnerLevel;
use domain::settings::LeadDistribution;
use domain::{FieldError, FieldErrors};
use serde::Deserialize;
use std::collections::BTreeMap;
use store::StoreError;

pub fn routes() -> Pages {
    Pages::default()
        .get("/leads/rules", rules)
        .post("/leads/rules", save_rules)
}

/// One level's weight as typed.
struct WeightField {
    level: &'static str,
    label: String,
    value: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "leads/rules.html")]
struct RulesPage {
    chrome: Chrome,
    weights: Vec<WeightField>,
    capacity: String,
    errors: FormErrors,
    done: bool,
}

fn page(viewer: Viewer, typed: &BTreeMap<String, String>, errors: FormErrors, done: bool) -> Result<Response, UiError> {
    let weights = PartnerLevel::ALL
        .iter()
        .map(|level| {
            let field = format!("level_weights.{}", level.as_str());
            WeightField {
                level: level.as_str(),
                label: level.label().into_owned(),
                value: typed.get(level.as_str()).cloned().unwrap_or_default(),
                error: errors.get(&field).map(str::to_owned),
            }
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = RulesPage {
        chrome: viewer.chrome.titled("Distribution rules"),
        weights,
        capacity: typed.get("default_capacity").cloned().unwrap_or_default(),
        errors,
        done,
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Deserialize)]
struct Notice {
    done: Option<String>,
}

async fn rules(State(state): State<AppState>, viewer: Viewer, Query(n): Query<Notice>) -> Result<Response, UiError> {
    let rules = state.store.lead_rules(&viewer.actor()).await?;
    let mut typed: BTreeMap<String, String> = PartnerLevel::ALL
        .iter()
        .map(|l| (l.as_str().to_owned(), rules.weight(*l).to_string()))
        .collect();
    typed.insert("default_capacity".into(), rules.default_capacity.to_string());
    page(viewer, &typed, FormErrors::default(), n.done.is_some())
}

/// The rules as typed: a blank weight is 0.
fn parsed(typed: &BTreeMap<String, String>) -> Result<LeadDistribution, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut level_weights = BTreeMap::new();
    for level in PartnerLevel::ALL {
        let raw = typed.get(level.as_str()).map(String::as_str).unwrap_or_default();
        let field = format!("level_weights.{}", level.as_str());
        level_weights.insert(
            level.as_str().to_owned(),
            typed_number(&field, raw, "3", &mut errors).unwrap_or(0),
        );
    }
    let raw = typed.get("default_capacity").map(String::as_str).unwrap_or_default();
    let default_capacity = typed_number("default_capacity", raw, "5", &mut errors).unwrap_or(0);
    let rules = LeadDistribution {
        level_weights,
        default_capacity,
    };
    let mut checked = FieldErrors::default();
    rules.validate("", &mut checked);
    after_typed(errors, checked.into_result(rules))
}

async fn save_rules(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(typed): Form<BTreeMap<String, String>>,
) -> Result<Response, UiError> {
    let result = match parsed(&typed) {
        Ok(rules) => {
            state
                .store
                .update_lead_rules(&viewer.actor(), rules, state.clock.now())
                .await
        }
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/leads/rules?done=saved").into_response()),
        Err(StoreError::Invalid(errors)) => {
            let errors = FieldErrors(
                errors
                    .0
                    .into_iter()
                    .map(|e| FieldError {
                        message: sentence(&e.message),
                        ..e
                    })
                    .collect(),
            );
            page(viewer, &typed, FormErrors::from_fields(errors), false)
        }
        Err(other) => Err(other.into()),
    }
}
