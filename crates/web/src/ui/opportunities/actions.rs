//! What the forms of an opportunity's page post: change it, close it, ask for a later close date or a
//! revenue-share team, decide those, add a co-sell partner or a note, re-assign it. Done, each
//! redirects to the page; refused, the page comes back with the message beside the field and what was
//! typed kept.

use super::detail::{EditForm, EditRefused, SHARE_ROWS, page};
use super::party_input;
use crate::AppState;
use crate::ui::Pages;
use crate::ui::access::Viewer;
use crate::ui::error::UiError;
use crate::ui::forms::{FormErrors, blank_to_none, product_rows, resolve_sku, sentence, to_rows, typed_amount};
use crate::ui::registrations::{Outcome, Refused, invalid, outcome, price_list};
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::FieldErrors;
use domain::calendar::business_date;
use domain::money::MoneyInput;
use domain::opportunities::input::{
    CloseDateRequestInput, DecisionInput, OpportunityUpdateInput, ReassignInput, RevenueShareInput, ShareInput,
    parse_close_date_request, parse_decision, parse_outcome, parse_reassign, parse_revenue_share, parse_update,
};
use domain::registrations::input::CloseInput;
use serde::Deserialize;
use std::collections::BTreeMap;
use store::StoreError;

pub fn routes() -> Pages {
    Pages::default()
        .post("/opportunities/{id}/edit", edit)
        .post("/opportunities/{id}/close", close)
        .post("/opportunities/{id}/close-date", ask_close_date)
        .post("/opportunities/{id}/close-date/decide", decide_close_date)
        .post("/opportunities/{id}/revenue-share", ask_revenue_share)
        .post("/opportunities/{id}/revenue-share/decide", decide_revenue_share)
        .post("/opportunities/{id}/co-sell", add_co_sell)
        .post("/opportunities/{id}/notes", add_note)
        .post("/opportunities/{id}/reassign", reassign)
}

async fn today(state: &AppState) -> Result<jiff::civil::Date, UiError> {
    let settings = state.store.settings().await?;
    Ok(business_date(state.clock.now(), &settings.zone()))
}

/// The page after a form: itself when done, or again with the refusal and what was typed.
async fn after(
    state: &AppState,
    viewer: Viewer,
    id: i64,
    fragment: &str,
    outcome: Outcome,
    typed: impl FnOnce(Refused) -> Refused,
) -> Result<Response, UiError> {
    match outcome? {
        Ok(()) => Ok(Redirect::to(&format!("/opportunities/{id}{fragment}")).into_response()),
        Err(refused) => page(state, viewer, id, Some(typed(refused)), None).await,
    }
}

/// Parses with `parse`, then calls the store with what it gave: the shape of every form here.
async fn run<I, T, F, Fut>(
    form: &'static str,
    fields: &[(&str, &'static str)],
    parsed: Result<I, FieldErrors>,
    call: F,
) -> Outcome
where
    F: FnOnce(I) -> Fut,
    Fut: std::future::Future<Output = Result<T, StoreError>>,
{
    match parsed {
        Err(e) => Ok(Err(invalid(form, e, fields))),
        Ok(input) => outcome(form, fields, call(input).await),
    }
}

fn text(raw: &Option<String>) -> Option<String> {
    raw.as_deref().and_then(blank_to_none)
}

/// Changes name, stage, forecast, an earlier close date, plan and products; "Add a product" and
/// "Remove" come back with the lines changed, nothing saved.
async fn edit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(mut form): Form<EditForm>,
) -> Result<Response, UiError> {
    if form.base.edit_lines() {
        let refused = EditRefused {
            form,
            errors: FormErrors::default(),
        };
        return page(&state, viewer, id, None, Some(refused)).await;
    }
    let actor = viewer.actor();
    let current = state.store.get_opportunity(&actor, id).await?.opportunity;
    let products = price_list(&state).await?;
    let (lines, rows, mut errors) = product_rows(&form.base.typed_lines(), |t| resolve_sku(t, &products));
    let amount = match form.base.value.trim() {
        "" => None,
        raw => typed_amount(raw)
            .map_err(|m| errors.add("forecast.amount_minor", m))
            .ok(),
    };
    let input = OpportunityUpdateInput {
        name: blank_to_none(&form.name),
        stage: blank_to_none(&form.stage),
        forecast: amount.map(|amount_minor| MoneyInput {
            amount_minor: Some(amount_minor),
            currency: Some(current.forecast.currency.to_string()),
        }),
        // Sent only when changed: the date as it stands may lie in the past.
        close_date: blank_to_none(&form.base.expected_close).filter(|d| *d != current.close_date.to_string()),
        products: (!lines.is_empty()).then_some(lines),
        plan: blank_to_none(&form.base.description),
    };
    let result = match parse_update(&input, today(&state).await?) {
        Ok(update) if errors.is_empty() => {
            state
                .store
                .update_opportunity(&actor, id, update, state.clock.now())
                .await
        }
        Ok(_) => Err(StoreError::Invalid(FieldErrors::default())),
        Err(more) => Err(StoreError::Invalid(more)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/opportunities/{id}")).into_response()),
        Err(StoreError::Invalid(more)) => {
            errors.0.extend(to_rows(more, "products", &rows).0);
            for e in &mut errors.0 {
                e.message = sentence(&e.message);
            }
            let refused = EditRefused {
                form,
                errors: FormErrors::from_fields(errors),
            };
            page(&state, viewer, id, None, Some(refused)).await
        }
        Err(StoreError::Conflict { message, .. }) => {
            let refused = EditRefused {
                form,
                errors: FormErrors::from_fields(FieldErrors::single("", sentence(&message))),
            };
            page(&state, viewer, id, None, Some(refused)).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
struct CloseForm {
    outcome: Option<String>,
    reason: Option<String>,
}

/// Won (a renewal opens for term products), or lost with its reason.
async fn close(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<CloseForm>,
) -> Result<Response, UiError> {
    const FIELDS: &[(&str, &str)] = &[("outcome", ""), ("reason", "reason")];
    let input = CloseInput {
        outcome: form.outcome.clone(),
        reason: text(&form.reason),
    };
    let actor = viewer.actor();
    let result = run("close", FIELDS, parse_outcome(&input), |(o, reason)| {
        state.store.close_opportunity(&actor, id, o, reason, state.clock.now())
    })
    .await;
    after(&state, viewer, id, "", result, |r| {
        r.typed("reason", form.reason.as_deref())
    })
    .await
}

#[derive(Deserialize)]
struct CloseDateForm {
    close_date: Option<String>,
    reason: Option<String>,
}

async fn ask_close_date(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<CloseDateForm>,
) -> Result<Response, UiError> {
    const FIELDS: &[(&str, &str)] = &[("close_date", "close_date"), ("reason", "reason")];
    let input = CloseDateRequestInput {
        close_date: text(&form.close_date),
        reason: text(&form.reason),
    };
    let actor = viewer.actor();
    let parsed = parse_close_date_request(&input, today(&state).await?);
    let result = run("close_date", FIELDS, parsed, |(date, reason)| {
        state
            .store
            .request_close_date(&actor, id, date, reason, state.clock.now())
    })
    .await;
    after(&state, viewer, id, "#requests", result, |r| {
        r.typed("close_date", form.close_date.as_deref())
            .typed("reason", form.reason.as_deref())
    })
    .await
}

#[derive(Deserialize)]
struct DecideForm {
    decision: Option<String>,
    note: Option<String>,
}

impl DecideForm {
    fn input(&self) -> DecisionInput {
        DecisionInput {
            approve: self.decision.as_deref().map(|d| d == "approve"),
            note: text(&self.note),
        }
    }
}

const NOTE: &[(&str, &str)] = &[("approve", ""), ("note", "note")];

/// Sales management approves or declines a later close date.
async fn decide_close_date(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<DecideForm>,
) -> Result<Response, UiError> {
    let actor = viewer.actor();
    let result = run(
        "decide_close_date",
        NOTE,
        parse_decision(&form.input()),
        |(yes, note)| state.store.decide_close_date(&actor, id, yes, note, state.clock.now()),
    )
    .await;
    after(&state, viewer, id, "", result, |r| {
        r.typed("note", form.note.as_deref())
    })
    .await
}

/// The Major Account Manager's own consent to a revenue-share team, or its refusal.
async fn decide_revenue_share(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<DecideForm>,
) -> Result<Response, UiError> {
    let actor = viewer.actor();
    let result = run("decide_share", NOTE, parse_decision(&form.input()), |(yes, note)| {
        state
            .store
            .decide_revenue_share(&actor, id, yes, note, state.clock.now())
    })
    .await;
    after(&state, viewer, id, "", result, |r| {
        r.typed("note", form.note.as_deref())
    })
    .await
}

/// "30", "30%", "33.33" → basis points (3000, 3000, 3333).
fn percent_bp(raw: &str) -> Result<u32, String> {
    let cleaned = raw.trim().trim_end_matches('%').trim();
    let minor = domain::directory::files::parse_decimal_minor(cleaned)
        .map_err(|_| format!("'{}' is not a percentage like 30 or 33.33", raw.trim()))?;
    u32::try_from(minor).map_err(|_| "a share is at most 100%".to_owned())
}

/// The rows filled in (party or percent), each as the API's share; a bad percentage beside its row.
fn shares(form: &BTreeMap<String, String>) -> (Vec<ShareInput>, Vec<usize>, FieldErrors) {
    let mut shares = Vec::new();
    let mut rows = Vec::new();
    let mut errors = FieldErrors::default();
    for (row, (party, pct)) in SHARE_ROWS.iter().enumerate() {
        let party = form.get(*party).map(String::as_str).unwrap_or_default();
        let pct = form.get(*pct).map(String::as_str).unwrap_or_default();
        if party.trim().is_empty() && pct.trim().is_empty() {
            continue;
        }
        let share_bp = match pct.trim() {
            "" => None,
            raw => percent_bp(raw).map_err(|m| errors.add(format!("row{row}"), m)).ok(),
        };
        rows.push(row);
        shares.push(ShareInput {
            party: party_input(party),
            share_bp,
        });
    }
    (shares, rows, errors)
}

/// The turned-over manager asks the MAM for a revenue-share team; shares typed as percent.
async fn ask_revenue_share(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, UiError> {
    let (input, rows, mut errors) = shares(&form);
    let parsed = parse_revenue_share(&RevenueShareInput { shares: Some(input) });
    // Each row's problems beside it: the parser names the n-th filled row.
    let moved = parsed.map_err(|e| to_rows(e, "shares", &rows));
    let mut refused = Refused::new("share", StatusCode::UNPROCESSABLE_ENTITY);
    for e in errors
        .0
        .drain(..)
        .chain(moved.as_ref().err().map(|e| e.0.clone()).unwrap_or_default())
    {
        let row = e
            .field
            .strip_prefix("row")
            .and_then(|r| r.split('.').next()?.parse::<usize>().ok());
        let field = match row {
            Some(row) => SHARE_ROWS.get(row).map_or("shares", |(party, _)| *party),
            None => "shares",
        };
        let message = match e.field.split('.').nth(1) {
            Some("share_bp") => "the share must be more than 0% and at most 100%".to_owned(),
            Some("party") => "choose the party of this share".to_owned(),
            _ => e.message,
        };
        refused = refused.error(field, sentence(&message));
    }
    let actor = viewer.actor();
    let result = match moved {
        Ok(shares) if refused.errors.is_empty() => outcome(
            "share",
            &[("shares", "shares")],
            state
                .store
                .ask_revenue_share(&actor, id, shares, state.clock.now())
                .await,
        ),
        _ => Ok(Err(refused)),
    };
    after(&state, viewer, id, "#requests", result, |mut r| {
        for (party, pct) in SHARE_ROWS {
            r = r.typed(party, form.get(party).map(String::as_str));
            r = r.typed(pct, form.get(pct).map(String::as_str));
        }
        r
    })
    .await
}

#[derive(Deserialize)]
struct CoSellForm {
    partner_id: Option<String>,
}

async fn add_co_sell(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<CoSellForm>,
) -> Result<Response, UiError> {
    const FIELDS: &[(&str, &str)] = &[("partner_id", "partner_id")];
    let input = domain::opportunities::input::CoSellInput {
        partner_id: form.partner_id.as_deref().and_then(|p| p.trim().parse().ok()),
    };
    let actor = viewer.actor();
    let parsed = domain::opportunities::input::parse_co_sell(&input)
        .map_err(|_| FieldErrors::single("partner_id", "choose the partner who sells beside the manager"));
    let result = run("co_sell", FIELDS, parsed, |partner| {
        state.store.add_co_sell(&actor, id, partner, state.clock.now())
    })
    .await;
    after(&state, viewer, id, "#team", result, |r| {
        r.typed("partner_id", form.partner_id.as_deref())
    })
    .await
}

#[derive(Deserialize)]
struct NoteForm {
    body: Option<String>,
}

async fn add_note(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<NoteForm>,
) -> Result<Response, UiError> {
    const FIELDS: &[(&str, &str)] = &[("body", "body")];
    let actor = viewer.actor();
    let parsed = domain::opportunities::input::parse_note(&text(&form.body));
    let result = run("note", FIELDS, parsed, |body| {
        state.store.add_timeline_note(&actor, id, body, state.clock.now())
    })
    .await;
    after(&state, viewer, id, "#timeline", result, |r| {
        r.typed("body", form.body.as_deref())
    })
    .await
}

#[derive(Deserialize)]
struct ReassignForm {
    to: Option<String>,
    reason: Option<String>,
}

/// Sales management moves this opportunity, with its open renewals, to another manager.
async fn reassign(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ReassignForm>,
) -> Result<Response, UiError> {
    const FIELDS: &[(&str, &str)] = &[("to", "to"), ("to.kind", "to"), ("to.id", "to"), ("reason", "reason")];
    let input = ReassignInput {
        opportunity_ids: Some(vec![id]),
        to: form.to.as_deref().and_then(party_input),
        reason: text(&form.reason),
        ..ReassignInput::default()
    };
    let actor = viewer.actor();
    let result = run("reassign", FIELDS, parse_reassign(&input), |r| {
        state.store.reassign(&actor, r, state.clock.now())
    })
    .await;
    after(&state, viewer, id, "#team", result, |r| {
        r.typed("to", form.to.as_deref())
            .typed("reason", form.reason.as_deref())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_typed_as_percent_and_kept_as_basis_points() {
        assert_eq!(percent_bp("30"), Ok(3000));
        assert_eq!(percent_bp("30 %"), Ok(3000));
        assert_eq!(percent_bp("33.33"), Ok(3333));
        assert!(percent_bp("a third").is_err());
    }
}
