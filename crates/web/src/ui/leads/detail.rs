//! One lead: where it is, what it is worth, who has it and why, who declined it (for the channel
//! team); the partner's answer; the channel manager's hand assignment and "distribute again".

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::when;
use crate::ui::forms::{Choice, blank_to_none, choices, sentence};
use crate::ui::leads::list::{LeadRow, RefusedDecline};
use crate::ui::{Pages, all_pages, render};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::leads::LeadStatus;
use domain::leads::input::{LeadAssignInput, parse_assign};
use domain::leads::policy::can_distribute;
use serde::Deserialize;
use store::StoreError;

pub fn routes() -> Pages {
    Pages::default()
        .get("/leads/{id}", lead)
        .post("/leads/{id}/assign", assign)
        .post("/leads/{id}/distribute", distribute)
}

/// The assignment form as sent and refused.
#[derive(Default)]
pub struct RefusedAssign {
    partner_id: String,
    note: String,
    error: String,
}

/// A decline as the channel team reads it.
struct DeclineRow {
    partner: String,
    reason: String,
    at: String,
}

#[derive(Template)]
#[template(path = "leads/detail.html")]
struct LeadPage {
    chrome: Chrome,
    r: LeadRow,
    declines: Vec<DeclineRow>,
    /// The partner may answer (offered to it now).
    answer: bool,
    /// The channel team may assign it by hand and distribute it again.
    distribute: bool,
    partners: Vec<Choice>,
    assign: RefusedAssign,
    refused: bool,
    done: Option<String>,
    products: String,
    location: String,
}

pub(crate) async fn lead_page(
    state: &AppState,
    viewer: Viewer,
    id: i64,
    refused_decline: Option<RefusedDecline>,
    refused_assign: Option<RefusedAssign>,
    done: Option<String>,
) -> Result<Response, UiError> {
    let actor = viewer.actor();
    let lead = state.store.get_lead(&actor, id).await?;
    let open = lead.status.is_open();
    let distribute = open && can_distribute(&actor);
    let partners = if distribute {
        all_pages(|page| state.store.list_partners(&actor, page)).await?
    } else {
        Vec::new()
    };
    let zone = state.store.settings().await?.zone();
    let refused = refused_decline.is_some() || refused_assign.is_some();
    let assign = refused_assign.unwrap_or_default();
    let page = LeadPage {
        chrome: viewer.chrome.titled(lead.company.name.clone()),
        declines: lead
            .declines
            .iter()
            .map(|d| DeclineRow {
                partner: d.partner_name.clone(),
                reason: d.reason.clone(),
                at: when(d.declined_at, &zone),
            })
            .collect(),
        answer: actor.role.is_partner() && lead.status == LeadStatus::Offered,
        distribute,
        partners: choices(
            partners.into_iter().map(|p| (p.id.to_string(), p.name)),
            &assign.partner_id,
        ),
        assign,
        refused,
        done,
        products: lead
            .products
            .iter()
            .map(|p| format!("{} × {}", p.quantity, p.sku))
            .collect::<Vec<_>>()
            .join(", "),
        location: lead
            .location
            .map(|c| format!("{:.4}, {:.4}", c.latitude(), c.longitude()))
            .unwrap_or_default(),
        r: LeadRow::of(lead, refused_decline.as_ref()),
    };
    let status = if refused {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Deserialize)]
struct Notice {
    done: Option<String>,
}

async fn lead(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> Result<Response, UiError> {
    lead_page(&state, viewer, id, None, None, n.done).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AssignForm {
    partner_id: String,
    note: String,
}

async fn assign(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<AssignForm>,
) -> Result<Response, UiError> {
    let input = LeadAssignInput {
        partner_id: form.partner_id.trim().parse().ok(),
        note: blank_to_none(&form.note),
    };
    let result = match parse_assign(&input) {
        Ok(choice) => {
            state
                .store
                .assign_lead(&viewer.actor(), id, choice, state.clock.now())
                .await
        }
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/leads/{id}?done=assigned")).into_response()),
        Err(StoreError::Invalid(errors)) => {
            let message = errors.0.iter().find(|e| e.field == "partner_id").map_or_else(
                || "Choose a partner.".to_owned(),
                |e| {
                    if e.message == "is required" {
                        "Choose a partner.".to_owned()
                    } else {
                        sentence(&e.message)
                    }
                },
            );
            let refused = RefusedAssign {
                partner_id: form.partner_id,
                note: form.note,
                error: message,
            };
            lead_page(&state, viewer, id, None, Some(refused), None).await
        }
        Err(other) => Err(other.into()),
    }
}

async fn distribute(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, UiError> {
    state
        .store
        .redistribute_lead(&viewer.actor(), id, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!("/leads/{id}?done=distributed")).into_response())
}
