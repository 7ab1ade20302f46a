//! One registration: its record, conflicts, timeline, change requests and the actions the viewer may take.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::when;
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use domain::access::Access;
use domain::registrations::policy::{can_decide, can_request_change};
use jiff::ToSpan;
use store::{AuditEntry, ChangeRequestRecord, Registration};

pub fn routes() -> Pages {
    Pages::default().get("/registrations/{id}", registration)
}

#[derive(Template)]
#[template(path = "registrations/detail.html")]
struct RegistrationPage {
    chrome: Chrome,
    reg: Registration,
    timeline: Vec<(AuditEntry, String)>,
    requests: Vec<ChangeRequestRecord>,
    decides: bool,
    partner_acts: bool,
    extend_to: String,
    default_days: u32,
    submitted: String,
}

async fn registration(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, UiError> {
    let actor = viewer.actor();
    let reg = state.store.get_registration(&actor, id).await?;
    let settings = state.store.settings().await?;
    let zone = settings.zone();
    let timeline = state
        .store
        .registration_history(&actor, id)
        .await?
        .into_iter()
        .map(|e| {
            let at = when(e.at, &zone);
            (e, at)
        })
        .collect();
    let requests = state.store.list_change_requests(&actor, id).await?;
    let decides = can_decide(&actor, reg.partner_id, reg.approver_id) == Access::Allowed;
    let partner_acts = can_request_change(&actor, reg.partner_id) == Access::Allowed;
    let extend_to = reg
        .valid_through
        .map(|d| {
            d.saturating_add(i64::from(settings.default_validity_days).days())
                .to_string()
        })
        .unwrap_or_default();
    let submitted = when(reg.submitted_at, &zone);
    render(&RegistrationPage {
        chrome: viewer.chrome.titled(format!("Registration #{id}")),
        reg,
        timeline,
        requests,
        decides,
        partner_acts,
        extend_to,
        default_days: settings.default_validity_days,
        submitted,
    })
}
