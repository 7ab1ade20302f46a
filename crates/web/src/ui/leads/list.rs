//! `/leads`: for a partner, the inbox of leads offered to it, each with Accept and a decline form
//! whose reason is required (a refusal comes back with the message beside the field and the text
//! kept); for the channel team and sales, every lead filtered by status and partner, with why its
//! partner was chosen or why nobody was. `/leads.csv` downloads what the filter selects.

use crate::AppState;
use crate::routes::files::csv_file;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::forms::{Choice, choices};
use crate::ui::leads::place;
use crate::ui::pager::{PageQuery, Pager};
use crate::ui::{Pages, all_pages, render};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::leads::LeadStatus;
use domain::leads::input::{LeadDeclineInput, parse_decline};
use domain::leads::policy::{can_distribute, can_enter_leads};
use serde::Deserialize;
use store::{Lead, LeadFilter, StoreError, files};

pub fn routes() -> Pages {
    Pages::default()
        .get("/leads", leads)
        .get("/leads.csv", leads_csv)
        .post("/leads/{id}/accept", accept)
        .post("/leads/{id}/decline", decline)
}

#[derive(Deserialize, Default)]
struct LeadQuery {
    status: Option<String>,
    partner_id: Option<String>,
    done: Option<String>,
    #[serde(flatten)]
    page: PageQuery,
}

impl LeadQuery {
    fn text(v: &Option<String>) -> String {
        v.as_deref().map(str::trim).unwrap_or_default().to_owned()
    }

    fn filter(&self) -> LeadFilter {
        LeadFilter {
            status: LeadStatus::parse(&Self::text(&self.status)).ok(),
            partner_id: Self::text(&self.partner_id).parse().ok(),
        }
    }
}

/// A lead as a row or a card shows it, with its decline form as sent when it was refused.
pub struct LeadRow {
    pub lead: Lead,
    pub place: String,
    pub typed: String,
    pub error: Option<String>,
}

/// The decline form of one lead that was sent without a reason.
pub struct RefusedDecline {
    pub lead_id: i64,
    pub typed: String,
    pub error: String,
    pub from_lead_page: bool,
}

impl LeadRow {
    pub fn of(lead: Lead, refused: Option<&RefusedDecline>) -> LeadRow {
        let refused = refused.filter(|r| r.lead_id == lead.id);
        LeadRow {
            place: place(&lead),
            typed: refused.map(|r| r.typed.clone()).unwrap_or_default(),
            error: refused.map(|r| r.error.clone()),
            lead,
        }
    }
}

#[derive(Template)]
#[template(path = "leads/inbox.html")]
struct InboxPage {
    chrome: Chrome,
    offered: Vec<LeadRow>,
    accepted: Vec<LeadRow>,
    refused: bool,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "leads/list.html")]
struct ListPage {
    chrome: Chrome,
    leads: Vec<LeadRow>,
    statuses: Vec<Choice>,
    partners: Vec<Choice>,
    status: String,
    partner_id: String,
    may_enter: bool,
    may_distribute: bool,
    pager: Pager,
}

fn rows(leads: Vec<Lead>, refused: Option<&RefusedDecline>) -> Vec<LeadRow> {
    leads.into_iter().map(|lead| LeadRow::of(lead, refused)).collect()
}

async fn inbox(
    state: &AppState,
    viewer: Viewer,
    refused: Option<RefusedDecline>,
    done: Option<String>,
) -> Result<Response, UiError> {
    let actor = viewer.actor();
    let mine = all_pages(|page| state.store.list_leads(&actor, LeadFilter::default(), page)).await?;
    let (offered, accepted): (Vec<Lead>, Vec<Lead>) = mine.into_iter().partition(|l| l.status == LeadStatus::Offered);
    let status = if refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = InboxPage {
        chrome: viewer.chrome.titled("Leads for you"),
        offered: rows(offered, refused.as_ref()),
        accepted: rows(accepted, None),
        refused: refused.is_some(),
        done,
    };
    Ok((status, render(&page)?).into_response())
}

/// A refused decline comes back where it was sent: the lead's own page or the inbox.
async fn answer_refused(state: &AppState, viewer: Viewer, refused: RefusedDecline) -> Result<Response, UiError> {
    if refused.from_lead_page {
        super::detail::lead_page(state, viewer, refused.lead_id, Some(refused), None, None).await
    } else {
        inbox(state, viewer, Some(refused), None).await
    }
}

async fn leads(State(state): State<AppState>, viewer: Viewer, Query(q): Query<LeadQuery>) -> Result<Response, UiError> {
    let actor = viewer.actor();
    if actor.role.is_partner() {
        return inbox(&state, viewer, None, q.done).await;
    }
    let listed = state.store.list_leads(&actor, q.filter(), q.page.request()).await?;
    let (status, partner_id) = (LeadQuery::text(&q.status), LeadQuery::text(&q.partner_id));
    let partners = all_pages(|page| state.store.list_partners(&actor, page)).await?;
    let pager = Pager::new(
        "/leads",
        &[("status", &status), ("partner_id", &partner_id)],
        &listed,
        false,
    );
    let page = ListPage {
        chrome: viewer.chrome.titled("Leads"),
        leads: rows(listed.items, None),
        statuses: choices(
            LeadStatus::ALL
                .iter()
                .map(|s| (s.as_str().to_owned(), s.label().into_owned())),
            &status,
        ),
        partners: choices(partners.into_iter().map(|p| (p.id.to_string(), p.name)), &partner_id),
        status,
        partner_id,
        may_enter: can_enter_leads(&actor),
        may_distribute: can_distribute(&actor),
        pager,
    };
    render(&page)
}

async fn leads_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<LeadQuery>,
) -> Result<Response, UiError> {
    let actor = viewer.actor();
    let filter = q.filter();
    let leads = all_pages(|page| state.store.list_leads(&actor, filter.clone(), page)).await?;
    Ok(csv_file("leads.csv", files::leads_csv(&leads)))
}

async fn accept(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, UiError> {
    let lead = state.store.accept_lead(&viewer.actor(), id, state.clock.now()).await?;
    Ok(Redirect::to(&format!("/leads/{}?done=accepted", lead.id)).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DeclineForm {
    reason: String,
    /// Set by the lead's own page, which the refusal then comes back to.
    from: String,
}

async fn decline(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<DeclineForm>,
) -> Result<Response, UiError> {
    let input = LeadDeclineInput {
        reason: Some(form.reason.clone()),
    };
    let result = match parse_decline(&input) {
        Ok(reason) => {
            state
                .store
                .decline_lead(&viewer.actor(), id, reason, state.clock.now())
                .await
        }
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/leads?done=declined").into_response()),
        Err(StoreError::Invalid(_)) => {
            let refused = RefusedDecline {
                lead_id: id,
                typed: form.reason,
                error: "Say why your company declines: the regional manager reads it.".into(),
                from_lead_page: form.from == "lead",
            };
            answer_refused(&state, viewer, refused).await
        }
        Err(other) => Err(other.into()),
    }
}
