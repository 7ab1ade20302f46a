//! Major accounts (ROE-2, ROE-5): the list, and sales management elevating an account; and the
//! re-assignment in bulk for coverage, which shows what moved.

use super::{partner_choices, party_choices, party_input, party_label};
use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::when;
use crate::ui::forms::{Choice, blank_to_none, choices};
use crate::ui::registrations::{Forms, Refused, invalid, outcome, refused_by_store};
use crate::ui::{Pages, all_pages, render};
use askama::Template;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::opportunities::input::{MajorAccountInput, ReassignInput, parse_major_account, parse_reassign};
use domain::opportunities::policy::is_sales_management;
use serde::Deserialize;
use store::{MovedOpportunity, StoreError};

pub fn routes() -> Pages {
    Pages::default()
        .get("/major-accounts", major_accounts)
        .post("/major-accounts", elevate)
        .get("/opportunities/reassign", reassign_form)
        .post("/opportunities/reassign", reassign)
}

pub struct AccountRow {
    pub customer: String,
    pub mam: String,
    pub plan: String,
    pub since: String,
    pub open: i64,
}

#[derive(Template)]
#[template(path = "opportunities/major_accounts.html")]
struct AccountsPage {
    chrome: Chrome,
    rows: Vec<AccountRow>,
    elevates: bool,
    customers: Vec<Choice>,
    parties: Vec<Choice>,
    forms: Forms,
}

async fn accounts_page(state: &AppState, viewer: Viewer, refused: Option<Refused>) -> Result<Response, UiError> {
    let actor = viewer.actor();
    let zone = state.store.settings().await?.zone();
    let rows = state
        .store
        .list_major_accounts(&actor)
        .await?
        .into_iter()
        .map(|m| AccountRow {
            customer: m.customer_name,
            mam: party_label(&m.manager),
            plan: m.plan,
            since: when(m.since, &zone),
            open: m.open_opportunities,
        })
        .collect();
    let elevates = is_sales_management(&actor);
    let forms = Forms(refused);
    let (customers, parties) = if elevates {
        let customers = all_pages(|page| state.store.list_customers(&actor, page)).await?;
        let mut named: Vec<(String, String)> = customers
            .into_iter()
            .map(|c| (c.id.to_string(), format!("{} ({})", c.name, c.country)))
            .collect();
        named.sort_by(|a, b| a.1.cmp(&b.1));
        (
            choices(named, &forms.value("elevate", "customer_id", "")),
            party_choices(state, &actor, &forms.value("elevate", "manager", "")).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let status = forms.0.as_ref().map_or(StatusCode::OK, |r| r.status);
    let page = AccountsPage {
        chrome: viewer.chrome.titled("Major accounts"),
        rows,
        elevates,
        customers,
        parties,
        forms,
    };
    Ok((status, render(&page)?).into_response())
}

async fn major_accounts(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    accounts_page(&state, viewer, None).await
}

#[derive(Deserialize)]
struct ElevateForm {
    customer_id: Option<String>,
    manager: Option<String>,
    plan: Option<String>,
}

/// Sales management elevates an account; its open opportunities of other managers turn over to the MAM.
async fn elevate(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<ElevateForm>,
) -> Result<Response, UiError> {
    const FIELDS: &[(&str, &str)] = &[
        ("customer_id", "customer_id"),
        ("manager", "manager"),
        ("manager.kind", "manager"),
        ("manager.id", "manager"),
        ("plan", "plan"),
    ];
    let input = MajorAccountInput {
        customer_id: form.customer_id.as_deref().and_then(|c| c.trim().parse().ok()),
        manager: form.manager.as_deref().and_then(party_input),
        plan: form.plan.as_deref().and_then(blank_to_none),
    };
    let actor = viewer.actor();
    let result = match parse_major_account(&input) {
        Err(e) => Ok(Err(invalid("elevate", e, FIELDS))),
        Ok(account) => outcome(
            "elevate",
            FIELDS,
            state.store.elevate_account(&actor, account, state.clock.now()).await,
        ),
    };
    match result? {
        Ok(()) => Ok(Redirect::to("/major-accounts").into_response()),
        Err(refused) => {
            let refused = refused
                .typed("customer_id", form.customer_id.as_deref())
                .typed("manager", form.manager.as_deref())
                .typed("plan", form.plan.as_deref());
            accounts_page(&state, viewer, Some(refused)).await
        }
    }
}

#[derive(Template)]
#[template(path = "opportunities/reassign.html")]
struct ReassignPage {
    chrome: Chrome,
    partners: Vec<Choice>,
    regions: Vec<Choice>,
    parties: Vec<Choice>,
    forms: Forms,
    moved: Option<Vec<MovedOpportunity>>,
}

async fn reassign_page(
    state: &AppState,
    viewer: Viewer,
    refused: Option<Refused>,
    moved: Option<Vec<MovedOpportunity>>,
) -> Result<Response, UiError> {
    let actor = viewer.actor();
    if !is_sales_management(&actor) {
        return Err(StoreError::Forbidden("only sales management re-assigns opportunities".into()).into());
    }
    let forms = Forms(refused);
    let regions = state.store.list_regions().await?;
    let page = ReassignPage {
        chrome: viewer.chrome.titled("Re-assign opportunities"),
        partners: partner_choices(state, &actor, &forms.value("bulk", "from_partner_id", "")).await?,
        regions: choices(
            regions.into_iter().map(|r| (r.id.to_string(), r.name)),
            &forms.value("bulk", "region_id", ""),
        ),
        parties: party_choices(state, &actor, &forms.value("bulk", "to", "")).await?,
        moved,
        forms,
    };
    let status = page.forms.0.as_ref().map_or(StatusCode::OK, |r| r.status);
    Ok((status, render(&page)?).into_response())
}

async fn reassign_form(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    reassign_page(&state, viewer, None, None).await
}

#[derive(Deserialize)]
struct BulkForm {
    from_partner_id: Option<String>,
    region_id: Option<String>,
    to: Option<String>,
    reason: Option<String>,
}

/// "All open opportunities of partner X (in region Y) → to Z, because …"; answers with what moved.
async fn reassign(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<BulkForm>,
) -> Result<Response, UiError> {
    const FIELDS: &[(&str, &str)] = &[
        ("opportunity_ids", "from_partner_id"),
        ("from_partner_id", "from_partner_id"),
        ("region_id", "region_id"),
        ("to", "to"),
        ("to.kind", "to"),
        ("to.id", "to"),
        ("reason", "reason"),
    ];
    let id = |raw: &Option<String>| raw.as_deref().and_then(|r| r.trim().parse().ok());
    let input = ReassignInput {
        from_partner_id: id(&form.from_partner_id),
        region_id: id(&form.region_id),
        to: form.to.as_deref().and_then(party_input),
        reason: form.reason.as_deref().and_then(blank_to_none),
        ..ReassignInput::default()
    };
    let actor = viewer.actor();
    let result = match parse_reassign(&input) {
        Err(e) => Err(StoreError::Invalid(e)),
        Ok(r) => state.store.reassign(&actor, r, state.clock.now()).await,
    };
    let refused = match result {
        Ok(done) => return reassign_page(&state, viewer, None, Some(done.moved)).await,
        Err(e) => refused_by_store("bulk", e, FIELDS)?,
    };
    let refused = refused
        .typed("from_partner_id", form.from_partner_id.as_deref())
        .typed("region_id", form.region_id.as_deref())
        .typed("to", form.to.as_deref())
        .typed("reason", form.reason.as_deref());
    reassign_page(&state, viewer, Some(refused), None).await
}
