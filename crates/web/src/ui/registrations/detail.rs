//! One registration: its record, conflicts, timeline, change requests and the actions the viewer may
//! take. A refused action comes back to this page with its message beside its field and what was
//! typed kept ([`Refused`]).

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::when;
use crate::ui::registrations::discussion::{self, DiscussionView};
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::access::Access;
use domain::directory::countries::country_name;
use domain::registrations::input::ChangeRequest;
use domain::registrations::policy::{can_close, can_decide, can_request_change};
use domain::registrations::{RequestStatus, Status};
use jiff::ToSpan;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use store::{ChangeRequestRecord, Registration};

pub fn routes() -> Pages {
    Pages::default().get("/registrations/{id}", registration)
}

/// A form of the page that was sent and refused: which one, what was typed, and why, per field
/// (`""` for the form as a whole).
pub struct Refused {
    pub form: &'static str,
    pub typed: BTreeMap<&'static str, String>,
    pub errors: BTreeMap<&'static str, String>,
    pub status: StatusCode,
}

impl Refused {
    pub fn new(form: &'static str, status: StatusCode) -> Refused {
        Refused {
            form,
            typed: BTreeMap::new(),
            errors: BTreeMap::new(),
            status,
        }
    }

    pub fn typed(mut self, field: &'static str, value: Option<&str>) -> Refused {
        self.typed.insert(field, value.unwrap_or_default().to_owned());
        self
    }

    pub fn error(mut self, field: &'static str, message: impl Into<String>) -> Refused {
        self.errors.insert(field, message.into());
        self
    }
}

/// What the template asks of a possibly refused form.
pub struct Forms(pub Option<Refused>);

impl Forms {
    fn refused(&self, form: &str) -> Option<&Refused> {
        self.0.as_ref().filter(|r| r.form == form)
    }

    /// What was typed into `field` of `form`, or `default` when the form was not sent.
    pub fn value(&self, form: &str, field: &str, default: &str) -> String {
        self.refused(form)
            .and_then(|r| r.typed.get(field))
            .map_or_else(|| default.to_owned(), Clone::clone)
    }

    pub fn error(&self, form: &str, field: &str) -> Option<&str> {
        self.refused(form).and_then(|r| r.errors.get(field)).map(String::as_str)
    }

    pub fn was_sent(&self, form: &str) -> bool {
        self.refused(form).is_some()
    }

    pub fn ticked(&self, form: &str, field: &str) -> bool {
        self.refused(form)
            .is_some_and(|r| r.typed.get(field).is_some_and(|v| !v.is_empty()))
    }
}

/// A change request as people read it: what would change, who asked, when, and the outcome.
pub struct RequestView {
    pub id: i64,
    pub title: String,
    pub status: RequestStatus,
    pub changes: Vec<String>,
    pub reason: Option<String>,
    pub asked: String,
    pub decided: Option<String>,
}

/// A timeline entry: what happened, by whom, when.
pub struct Moment {
    pub what: &'static str,
    pub who: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "registrations/detail.html")]
struct RegistrationPage {
    chrome: Chrome,
    reg: Registration,
    timeline: Vec<Moment>,
    requests: Vec<RequestView>,
    decides: bool,
    partner_acts: bool,
    closes: bool,
    request_pending: bool,
    extend_to: String,
    default_days: String,
    submitted: String,
    /// The customer's country by name.
    country: &'static str,
    forms: Forms,
    next_steps: Option<String>,
    discussion: Option<DiscussionView>,
}

/// What an audit action of a registration reads as on its timeline.
fn what_happened(action: &str) -> &'static str {
    match action {
        "registration.submit" => "Filed",
        "registration.approve" => "Approved",
        "registration.decline" => "Declined",
        "registration.expire" => "Expired",
        "registration.withdraw" => "Withdrawn",
        "registration.close_won" => "Closed as won",
        "registration.close_lost" => "Closed as lost",
        "registration.orders_linked" => "Orders linked to its SOR",
        "request.create" => "Asked for a change",
        "request.approve" => "Change request approved",
        "request.decline" => "Change request declined",
        "registration.comment" => "Commented",
        "registration.attach" => "Attached a file",
        _ => "Changed",
    }
}

fn name_of(names: &HashMap<i64, String>, id: Option<i64>) -> String {
    match id {
        Some(id) => names.get(&id).cloned().unwrap_or_else(|| format!("user {id}")),
        None => "dealreg".to_owned(),
    }
}

/// Old → new, line by line, of what a request asks.
fn changes(reg: &Registration, request: &ChangeRequestRecord) -> Vec<String> {
    let Ok(change) = serde_json::from_value::<ChangeRequest>(request.change.clone()) else {
        return vec!["(a change this version cannot show)".to_owned()];
    };
    let was = |d: Option<jiff::civil::Date>| d.map_or_else(|| "—".to_owned(), |d| d.to_string());
    match change {
        ChangeRequest::Extension { valid_through } => {
            vec![format!("Valid through {} → {valid_through}", was(reg.valid_through))]
        }
        ChangeRequest::Update {
            lines,
            estimated_value,
            expected_close,
        } => {
            let mut out = Vec::new();
            if let Some(lines) = lines {
                let now: Vec<String> = reg
                    .products
                    .iter()
                    .map(|p| format!("{} × {}", p.quantity, p.sku))
                    .collect();
                let asked: Vec<String> = lines.iter().map(|l| format!("{} × {}", l.quantity, l.sku)).collect();
                out.push(format!("Products {} → {}", now.join(", "), asked.join(", ")));
            }
            if let Some(value) = estimated_value {
                out.push(format!("Estimated value {} → {value}", reg.estimated_value));
            }
            if let Some(close) = expected_close {
                out.push(format!("Expected close {} → {close}", reg.expected_close_date));
            }
            out
        }
    }
}

/// A change request as its registration's page shows it.
fn request_view(
    reg: &Registration,
    r: &ChangeRequestRecord,
    people: &HashMap<i64, String>,
    zone: &jiff::tz::TimeZone,
) -> RequestView {
    RequestView {
        id: r.id,
        title: r.kind.label().into_owned(),
        status: r.status,
        changes: changes(reg, r),
        reason: r.reason.clone(),
        asked: format!(
            "{}, {}",
            name_of(people, Some(r.requested_by)),
            when(r.requested_at, zone)
        ),
        decided: r.decided_at.map(|at| {
            let note = r
                .decision_reason
                .as_deref()
                .map(|n| format!(": “{n}”"))
                .unwrap_or_default();
            format!(
                "{} by {}, {}{note}",
                r.status.label(),
                name_of(people, r.decided_by),
                when(at, zone)
            )
        }),
    }
}

#[derive(Deserialize)]
struct Shown {
    /// Set by the registration form right after filing: the page then says what happens next.
    #[serde(default)]
    filed: bool,
}

async fn registration(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(shown): Query<Shown>,
) -> Result<Response, UiError> {
    page(&state, viewer, id, None, shown.filed).await
}

/// The registration's page; with `refused`, that form shows its problems and what was typed;
/// `filed`, right after filing, says what happens next.
pub async fn page(
    state: &AppState,
    viewer: Viewer,
    id: i64,
    refused: Option<Refused>,
    filed: bool,
) -> Result<Response, UiError> {
    let actor = viewer.actor();
    let reg = state.store.get_registration(&actor, id).await?;
    let settings = state.store.settings().await?;
    let zone = settings.zone();
    let history = state.store.registration_history(&actor, id).await?;
    let records = state.store.list_change_requests(&actor, id).await?;
    let mut ids: Vec<i64> = history.iter().filter_map(|e| e.actor_user_id).collect();
    ids.extend(reg.approver_id);
    ids.extend(
        records
            .iter()
            .flat_map(|r| [Some(r.requested_by), r.decided_by])
            .flatten(),
    );
    ids.sort_unstable();
    ids.dedup();
    let people = state.store.user_names(&ids).await?;
    let timeline = history
        .iter()
        .map(|e| Moment {
            what: what_happened(&e.action),
            who: name_of(&people, e.actor_user_id),
            at: when(e.at, &zone),
        })
        .collect();
    let request_pending = records.iter().any(|r| r.status == RequestStatus::Pending);
    let requests = records.iter().map(|r| request_view(&reg, r, &people, &zone)).collect();
    let decides = can_decide(&actor, reg.partner_id, reg.approver_id) == Access::Allowed;
    let partner_acts = can_request_change(&actor, reg.partner_id) == Access::Allowed;
    let closes =
        can_close(&actor, reg.partner_id, reg.approver_id) == Access::Allowed && reg.status == Status::Approved;
    let extend_to = reg
        .valid_through
        .map(|d| {
            d.saturating_add(i64::from(settings.default_validity_days).days())
                .to_string()
        })
        .unwrap_or_default();
    let submitted = when(reg.submitted_at, &zone);
    let status = refused.as_ref().map_or(StatusCode::OK, |r| r.status);
    let discussion = discussion::view(state, &actor, &reg, &zone).await?;
    let next_steps = filed.then(|| {
        let decider = reg
            .approver_id
            .map_or_else(|| "An administrator".to_owned(), |a| name_of(&people, Some(a)));
        format!(
            "Filed. What happens next: {decider} approves or declines it, and you get an e-mail and a \
             notification with the decision. Approved, it gets an SOR number and a last valid day: put the \
             SOR number on your purchase orders for this customer to buy at the partner price. Follow it \
             here or in your registrations."
        )
    });
    let page = RegistrationPage {
        chrome: viewer.chrome.titled(format!("Registration #{id}")),
        timeline,
        requests,
        decides,
        partner_acts,
        closes,
        request_pending,
        extend_to,
        default_days: settings.default_validity_days.to_string(),
        submitted,
        country: country_name(&reg.customer.country).unwrap_or("unknown country"),
        reg,
        forms: Forms(refused),
        next_steps,
        discussion,
    };
    Ok((status, render(&page)?).into_response())
}
