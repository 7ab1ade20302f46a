//! `/partners/{id}/program`: a partner's standing in the program — level and stage with their
//! history, the plan it earns under and why, its payout schedule and reviews — and finance's form for
//! its own plan, schedule and review dates. A partner reads its own.

use super::keep;
use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::day;
use crate::ui::forms::{Choice, choices};
use crate::ui::registrations::{Forms, Refused, invalid, outcome};
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::commissions::PeriodKind;
use domain::commissions::input::{PartnerTermsInput, parse_partner_terms};
use domain::commissions::policy::can_keep_commissions;
use serde::Deserialize;
use store::PartnerProgram;

pub fn routes() -> Pages {
    Pages::default()
        .get("/partners/{id}/program", program)
        .post("/partners/{id}/program", set_terms)
}

pub struct HistoryView {
    pub level: String,
    pub stage: String,
    pub from: String,
    pub by: String,
}

#[derive(Template)]
#[template(path = "commissions/partner.html")]
struct PartnerPage {
    chrome: Chrome,
    p: PartnerProgram,
    level: String,
    stage: String,
    plan: String,
    schedule: String,
    review: String,
    latest_review: Option<String>,
    history: Vec<HistoryView>,
    keeper: bool,
    plans: Vec<Choice>,
    periods: Vec<Choice>,
    confirmations: Vec<Choice>,
    latest: String,
    next: String,
    forms: Forms,
}

/// The program's words for a stage code (`fully_operational` → "Fully operational").
fn stage_name(code: &str) -> String {
    domain::directory::ActivationStage::parse(code).map_or_else(|_| code.to_owned(), |s| s.label().into_owned())
}

async fn program(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, UiError> {
    page(&state, viewer, id, None).await
}

async fn page(state: &AppState, viewer: Viewer, id: i64, refused: Option<Refused>) -> Result<Response, UiError> {
    let actor = viewer.actor();
    let p = state.store.partner_program(&actor, id, state.clock.now()).await?;
    let keeper = can_keep_commissions(&actor);
    let plans = if keeper {
        state.store.list_plans(&actor).await?
    } else {
        Vec::new()
    };
    let forms = Forms(refused);
    let status = forms.0.as_ref().map_or(StatusCode::OK, |r| r.status);
    let own = p.own_plan_id.map(|i| i.to_string()).unwrap_or_default();
    let period = p.payout_period.map(|k| k.as_str().to_owned()).unwrap_or_default();
    let automatic = p.automatic_confirmation.map(|a| a.to_string()).unwrap_or_default();
    let source = p.plan_source.map(|s| s.label().to_lowercase()).unwrap_or_default();
    let page = PartnerPage {
        chrome: viewer.chrome.titled(format!("{}: program", p.partner_name)),
        level: p.level.label().into_owned(),
        stage: stage_name(&p.activation_stage),
        plan: match &p.plan_name {
            Some(name) => format!("{name} ({source})"),
            None => "No plan: it earns nothing until its level has a default plan or it has its own.".to_owned(),
        },
        schedule: format!(
            "{}, {}",
            match p.effective_payout_period {
                PeriodKind::Week => "Weekly",
                PeriodKind::Month => "Monthly",
                PeriodKind::Quarter => "Quarterly",
                PeriodKind::Year => "Yearly",
            },
            if p.effective_automatic_confirmation {
                "confirmed automatically once each period is over"
            } else {
                "confirmed by finance"
            }
        ),
        review: match p.next_review_on {
            Some(next) => format!("{} — next on {}", p.review_status.label(), day(next)),
            None => p.review_status.label().into_owned(),
        },
        latest_review: p.latest_review_on.map(day),
        history: p
            .history
            .iter()
            .map(|h| HistoryView {
                level: h.level.label().into_owned(),
                stage: stage_name(&h.activation_stage),
                from: day(h.effective_on),
                by: h.changed_by.clone().unwrap_or_else(|| "dealreg".to_owned()),
            })
            .collect(),
        keeper,
        plans: choices(
            plans.into_iter().map(|p| (p.id.to_string(), p.name)),
            &forms.value("terms", "own_plan_id", &own),
        ),
        periods: choices(
            [PeriodKind::Week, PeriodKind::Month, PeriodKind::Quarter]
                .iter()
                .map(|k| (k.as_str().to_owned(), k.label().into_owned())),
            &forms.value("terms", "payout_period", &period),
        ),
        confirmations: choices(
            [
                ("true", "Automatically, once a period is over"),
                ("false", "By finance"),
            ]
            .map(|(v, l)| (v.to_owned(), l.to_owned())),
            &forms.value("terms", "automatic_confirmation", &automatic),
        ),
        latest: forms.value(
            "terms",
            "latest_review_on",
            &p.latest_review_on.map(|d| d.to_string()).unwrap_or_default(),
        ),
        next: forms.value(
            "terms",
            "next_review_on",
            &p.next_review_on.map(|d| d.to_string()).unwrap_or_default(),
        ),
        forms,
        p,
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TermsForm {
    own_plan_id: String,
    payout_period: String,
    automatic_confirmation: String,
    latest_review_on: String,
    next_review_on: String,
}

async fn set_terms(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<TermsForm>,
) -> Result<Response, UiError> {
    const FIELDS: &[(&str, &str)] = &[
        ("own_plan_id", "own_plan_id"),
        ("payout_period", "payout_period"),
        ("latest_review_on", "latest_review_on"),
        ("next_review_on", "next_review_on"),
    ];
    let text = |v: &str| Some(v.trim().to_owned()).filter(|t| !t.is_empty());
    let input = PartnerTermsInput {
        own_plan_id: form.own_plan_id.trim().parse().ok(),
        payout_period: text(&form.payout_period),
        automatic_confirmation: form.automatic_confirmation.trim().parse().ok(),
        latest_review_on: text(&form.latest_review_on),
        next_review_on: text(&form.next_review_on),
    };
    let result = match parse_partner_terms(&input) {
        Err(e) => Ok(Err(invalid("terms", e, FIELDS))),
        Ok(terms) => outcome(
            "terms",
            FIELDS,
            state
                .store
                .set_partner_terms(&viewer.actor(), id, terms, state.clock.now())
                .await,
        ),
    };
    let typed = [
        ("own_plan_id", form.own_plan_id.as_str()),
        ("payout_period", form.payout_period.as_str()),
        ("automatic_confirmation", form.automatic_confirmation.as_str()),
        ("latest_review_on", form.latest_review_on.as_str()),
        ("next_review_on", form.next_review_on.as_str()),
    ];
    match result? {
        Ok(()) => Ok(Redirect::to(&format!("/partners/{id}/program")).into_response()),
        Err(refused) => page(&state, viewer, id, Some(keep(refused, &typed))).await,
    }
}
