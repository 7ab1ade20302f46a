//! The first page after signing in: each role's work at a glance.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::age;
use crate::ui::notifications::{Message, with_times};
use crate::ui::registrations::{QueueFilter, approval_queue, pending_requests};
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use domain::Actor;
use domain::calendar::business_date;
use domain::orders::policy::can_enter_orders;
use domain::registrations::policy::{can_decide_registrations, can_submit};
use domain::settings::ProgramSettings;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use store::{
    Order, OrderFilter, PageRequest, PendingChangeRequest, RegistrationFilter, RegistrationSummary, StatusCount,
};

pub fn routes() -> Pages {
    Pages::default().get("/", dashboard)
}

#[derive(Template)]
#[template(path = "dashboard/index.html")]
struct DashboardPage {
    chrome: Chrome,
    counts: Vec<StatusCount>,
    /// What waits for a partner's people: SORs ending soon, outcomes due, questions to answer.
    partner: Option<PartnerToday>,
    /// Comments waiting for the reader's answer.
    replies: Vec<Reply>,
    waiting: Vec<(RegistrationSummary, String)>,
    requests: Vec<(PendingChangeRequest, String)>,
    notifications: Vec<Message>,
    orders: Vec<Order>,
    decides: bool,
    reads_orders: bool,
    /// Opportunities the viewer manages whose rights end soon (ROE-3), with the days left.
    rights_ending: Vec<(store::Opportunity, i32)>,
}

/// A partner's day: registrations that need something of its people.
struct PartnerToday {
    /// Approved registrations ending soon, with the date a one-click extension asks for.
    expiring: Vec<(RegistrationSummary, String)>,
    /// Approved registrations past their expected close date: report won or lost (REG-7).
    outcome_due: Vec<RegistrationSummary>,
}

impl PartnerToday {
    fn is_empty(&self) -> bool {
        self.expiring.is_empty() && self.outcome_due.is_empty()
    }
}

/// A comment that waits for an answer, as the dashboard links it.
struct Reply {
    href: String,
    title: String,
    from: String,
    said: String,
    age: String,
}

async fn partner_today(
    state: &AppState,
    actor: &Actor,
    settings: &ProgramSettings,
    today: Date,
) -> Result<PartnerToday, UiError> {
    // One request at a time: while one waits, extending is not on offer.
    let soon = RegistrationFilter {
        expiring_before: Some(today.saturating_add(i64::from(settings.reminder_days_before).days())),
        without_pending_request: true,
        ..RegistrationFilter::default()
    };
    let expiring = state
        .store
        .list_registrations(actor, soon, PageRequest::first(10))
        .await?
        .items
        .into_iter()
        .filter_map(|r| {
            let to = r
                .valid_through?
                .saturating_add(i64::from(settings.default_validity_days).days());
            Some((r, to.to_string()))
        })
        .collect();
    let due = RegistrationFilter {
        close_date_before: Some(today),
        oldest_first: true,
        ..RegistrationFilter::default()
    };
    let outcome_due = state
        .store
        .list_registrations(actor, due, PageRequest::first(10))
        .await?
        .items;
    Ok(PartnerToday { expiring, outcome_due })
}

/// The comments that wait for `actor`'s answer, newest first.
async fn replies(state: &AppState, actor: &Actor, now: Timestamp) -> Result<Vec<Reply>, UiError> {
    let waiting = state.store.awaiting_reply(actor, 5).await?;
    Ok(waiting
        .into_iter()
        .map(|w| {
            let first_line = w.comment.body.lines().next().unwrap_or_default();
            let said: String = first_line.chars().take(140).collect();
            let cut = said.len() < w.comment.body.len();
            Reply {
                href: format!("/registrations/{}#discussion", w.registration_id),
                title: match w.sor_number {
                    Some(sor) => format!("{sor} — {}", w.customer_name),
                    None => format!("#{} — {}", w.registration_id, w.customer_name),
                },
                from: w.comment.author_name,
                said: if cut { format!("{said}…") } else { said },
                age: age(w.comment.created_at, now),
            }
        })
        .collect())
}

async fn dashboard(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    let actor = viewer.actor();
    let settings = state.store.settings().await?;
    let zone = settings.zone();
    let now = state.clock.now();
    let today = business_date(now, &zone);
    let counts = state.store.registration_counts(&actor).await?;
    let partner = match can_submit(&actor) {
        Some(_) => Some(partner_today(&state, &actor, &settings, today).await?),
        None => None,
    };
    let decides = can_decide_registrations(&actor);
    let waiting = if decides {
        let queue = approval_queue(&state, &viewer, QueueFilter::default(), 5).await?;
        queue
            .into_iter()
            .map(|r| {
                let a = age(r.submitted_at, now);
                (r, a)
            })
            .collect()
    } else {
        Vec::new()
    };
    let requests = pending_requests(&state, &viewer, QueueFilter::default(), 5).await?;
    let notifications = state
        .store
        .list_notifications(&actor, PageRequest::first(5))
        .await?
        .items;
    let reads_orders = can_enter_orders(&actor);
    let orders = if reads_orders {
        state
            .store
            .list_orders(&actor, OrderFilter::default(), PageRequest::first(5))
            .await?
            .items
    } else {
        Vec::new()
    };
    render(&DashboardPage {
        chrome: viewer.chrome.titled("Dashboard"),
        counts,
        partner,
        replies: replies(&state, &actor, now).await?,
        waiting,
        requests,
        notifications: with_times(notifications, &zone),
        orders,
        decides,
        reads_orders,
        rights_ending: crate::ui::opportunities::rights_ending(&state, &actor, today, &settings).await?,
    })
}
