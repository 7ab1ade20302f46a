//! `/commissions`: the commission orders, newest first — finance's queue of drafts to confirm, a
//! partner's own statements — and `/commissions/{id}`: one order, every line with the plan, rule,
//! base and rate behind it, and finance's confirmation.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::day;
use crate::ui::forms::{StatusFilter, choices, query_text};
use crate::ui::pager::{PageQuery, Pager};
use crate::ui::registrations::{Forms, Refused, outcome};
use crate::ui::{Pages, all_pages, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::calendar::business_date;
use domain::commissions::policy::can_keep_commissions;
use domain::commissions::{Period, PoState};
use serde::Deserialize;
use store::{CommissionOrder, CommissionOrderFilter};

pub fn routes() -> Pages {
    Pages::default()
        .get("/commissions", list)
        .get("/commissions/{id}", order)
        .post("/commissions/{id}/confirm", confirm)
}

#[derive(Deserialize, Default)]
struct OrderQuery {
    state: Option<String>,
    partner_id: Option<String>,
    #[serde(flatten)]
    page: PageQuery,
}

/// An order as a row: whether finance can confirm it now, and what it pays or carries.
pub struct OrderRow {
    pub o: CommissionOrder,
    pub state: String,
    pub ready: bool,
    pub outcome: String,
}

fn row(o: CommissionOrder, today: jiff::civil::Date) -> OrderRow {
    let period = Period {
        kind: o.period_kind,
        start: o.period_start,
        end: o.period_end,
    };
    let ready = o.state == PoState::Draft && period.is_complete(today);
    let outcome = match (&o.payout, &o.carried_out) {
        (Some(paid), _) if paid.amount_minor > 0 => format!("{paid} paid"),
        (Some(_), Some(carried)) => format!("{carried} carried"),
        _ if ready => "Ready to confirm".to_owned(),
        _ => format!("Open until {}", day(o.period_end)),
    };
    OrderRow {
        state: o.state.label().into_owned(),
        ready,
        outcome,
        o,
    }
}

#[derive(Template)]
#[template(path = "commissions/list.html")]
struct ListPage {
    chrome: Chrome,
    orders: Vec<OrderRow>,
    filter: StatusFilter,
    keeper: bool,
    staff: bool,
    own_program: Option<i64>,
    pager: Pager,
}

async fn list(State(state): State<AppState>, viewer: Viewer, Query(q): Query<OrderQuery>) -> Result<Response, UiError> {
    let actor = viewer.actor();
    let (chosen_state, partner_id) = (query_text(&q.state), query_text(&q.partner_id));
    let filter = CommissionOrderFilter {
        state: PoState::parse(&chosen_state).ok(),
        partner_id: partner_id.parse().ok(),
    };
    let listed = state
        .store
        .list_commission_orders(&actor, filter, q.page.request())
        .await?;
    let today = business_date(state.clock.now(), &state.store.settings().await?.zone());
    let partners = if actor.role.is_partner() {
        Vec::new()
    } else {
        let all = all_pages(|page| state.store.list_partners(&actor, page)).await?;
        choices(all.into_iter().map(|p| (p.id.to_string(), p.name)), &partner_id)
    };
    let pager = Pager::new(
        "/commissions",
        &[("state", &chosen_state), ("partner_id", &partner_id)],
        &listed,
        false,
    );
    let page = ListPage {
        chrome: viewer.chrome.titled("Commissions"),
        orders: listed.items.into_iter().map(|o| row(o, today)).collect(),
        filter: StatusFilter {
            action: "/commissions",
            name: "state",
            label: "State",
            statuses: choices(
                PoState::ALL
                    .iter()
                    .map(|s| (s.as_str().to_owned(), s.label().into_owned())),
                &chosen_state,
            ),
            partners,
        },
        keeper: can_keep_commissions(&actor),
        staff: actor.is_staff(),
        own_program: actor.confined_to_partner(),
        pager,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "commissions/order.html")]
struct OrderPage {
    chrome: Chrome,
    r: OrderRow,
    may_confirm: bool,
    forms: Forms,
}

async fn page(state: &AppState, viewer: Viewer, id: i64, refused: Option<Refused>) -> Result<Response, UiError> {
    let actor = viewer.actor();
    let o = state.store.get_commission_order(&actor, id).await?;
    let today = business_date(state.clock.now(), &state.store.settings().await?.zone());
    let status = refused.as_ref().map_or(StatusCode::OK, |r| r.status);
    let title = format!("{} · {} · {}", o.number, o.partner_name, o.period_label);
    let page = OrderPage {
        chrome: viewer.chrome.titled(title),
        may_confirm: can_keep_commissions(&actor) && o.state == PoState::Draft,
        r: row(o, today),
        forms: Forms(refused),
    };
    Ok((status, render(&page)?).into_response())
}

async fn order(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, UiError> {
    page(&state, viewer, id, None).await
}

async fn confirm(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, UiError> {
    let done = state
        .store
        .confirm_commission_order(&viewer.actor(), id, state.clock.now())
        .await;
    match outcome("confirm", &[], done)? {
        Ok(()) => Ok(Redirect::to(&format!("/commissions/{id}")).into_response()),
        Err(refused) => page(&state, viewer, id, Some(refused)).await,
    }
}
