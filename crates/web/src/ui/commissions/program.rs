//! `/program`: the partner program's shape — levels (name, rank, default plan, lead weight) and
//! activation stages, which administrators edit; product categories as a tree; and the commission
//! plans, to which finance adds new ones. A refused form comes back with its message in its row and
//! what was typed kept.

use super::keep;
use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::forms::{Choice, after_typed, choices, typed_number};
use crate::ui::registrations::{Forms, Outcome, Refused, invalid, outcome, refused_by_store};
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::FieldErrors;
use domain::commissions::DecidingDate;
use domain::commissions::input::{
    CategoryInput, LevelInput, PlanInput, StageInput, parse_category, parse_level, parse_plan, parse_stage,
};
use domain::commissions::policy::{can_keep_commissions, can_shape_program};
use serde::Deserialize;
use store::{Category, LevelView, PlanView, StageView};

pub fn routes() -> Pages {
    Pages::default()
        .get("/program", program)
        .post("/program/levels/{id}", update_level)
        .post("/program/stages/{id}", update_stage)
        .post("/program/categories", create_category)
        .post("/program/categories/{id}/parent", move_category)
        .post("/program/plans", create_plan)
}

/// A level with the plans its form offers, its own default chosen.
pub struct LevelRow {
    pub l: LevelView,
    pub plans: Vec<Choice>,
}

/// A category with the parents it may move under (never itself), its own chosen.
pub struct CategoryRow {
    pub c: Category,
    pub parents: Vec<Choice>,
}

fn category_rows(categories: &[Category]) -> Vec<CategoryRow> {
    categories
        .iter()
        .map(|c| CategoryRow {
            parents: choices(
                categories
                    .iter()
                    .filter(|p| p.id != c.id)
                    .map(|p| (p.id.to_string(), p.path.clone())),
                &c.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            ),
            c: c.clone(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "commissions/program.html")]
struct ProgramPage {
    chrome: Chrome,
    levels: Vec<LevelRow>,
    stages: Vec<StageView>,
    categories: Vec<CategoryRow>,
    /// Where a new category may go.
    parents: Vec<Choice>,
    plans: Vec<PlanView>,
    deciding: Vec<Choice>,
    shaper: bool,
    keeper: bool,
    forms: Forms,
}

async fn program(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    page(&state, viewer, None).await
}

async fn page(state: &AppState, viewer: Viewer, refused: Option<Refused>) -> Result<Response, UiError> {
    let actor = viewer.actor();
    let plans = state.store.list_plans(&actor).await?;
    let categories = state.store.list_categories(&actor).await?;
    let forms = Forms(refused);
    let status = forms.0.as_ref().map_or(StatusCode::OK, |r| r.status);
    let page = ProgramPage {
        chrome: viewer.chrome.titled("Partner program"),
        levels: state
            .store
            .list_levels(&actor)
            .await?
            .into_iter()
            .map(|l| LevelRow {
                plans: choices(
                    plans.iter().map(|p| (p.id.to_string(), p.name.clone())),
                    &l.default_plan_id.map(|p| p.to_string()).unwrap_or_default(),
                ),
                l,
            })
            .collect(),
        stages: state.store.list_stages(&actor).await?,
        categories: category_rows(&categories),
        parents: choices(
            categories.iter().map(|c| (c.id.to_string(), c.path.clone())),
            &forms.value("category", "parent_id", ""),
        ),
        deciding: choices(
            DecidingDate::ALL
                .iter()
                .map(|d| (d.as_str().to_owned(), d.label().into_owned())),
            &forms.value("plan", "deciding_date", "invoice"),
        ),
        plans,
        shaper: can_shape_program(&actor),
        keeper: can_keep_commissions(&actor),
        forms,
    };
    Ok((status, render(&page)?).into_response())
}

/// The program page after a form: itself when done (at `anchor`), or again with the refusal.
async fn after(state: &AppState, viewer: Viewer, anchor: &str, result: Outcome) -> Result<Response, UiError> {
    match result? {
        Ok(()) => Ok(Redirect::to(&format!("/program#{anchor}")).into_response()),
        Err(refused) => page(state, viewer, Some(refused)).await,
    }
}

fn optional_id(raw: &str) -> Option<i64> {
    raw.trim().parse().ok()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LevelForm {
    name: String,
    rank: String,
    default_plan_id: String,
    lead_weight: String,
}

async fn update_level(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<LevelForm>,
) -> Result<Response, UiError> {
    const FIELDS: &[(&str, &str)] = &[
        ("name", "name"),
        ("rank", "rank"),
        ("lead_weight", "lead_weight"),
        ("default_plan_id", "default_plan_id"),
    ];
    let mut typed = FieldErrors::default();
    let input = LevelInput {
        name: Some(form.name.clone()),
        rank: typed_number("rank", &form.rank, "3", &mut typed),
        default_plan_id: optional_id(&form.default_plan_id),
        lead_weight: typed_number("lead_weight", &form.lead_weight, "3", &mut typed),
    };
    let result = match after_typed(typed, parse_level(&input)) {
        Err(e) => Ok(Err(invalid("level", e, FIELDS))),
        Ok(level) => outcome(
            "level",
            FIELDS,
            state
                .store
                .update_level(&viewer.actor(), id, level, state.clock.now())
                .await,
        ),
    };
    let id_text = id.to_string();
    let typed = [
        ("id", id_text.as_str()),
        ("name", form.name.as_str()),
        ("rank", form.rank.as_str()),
        ("default_plan_id", form.default_plan_id.as_str()),
        ("lead_weight", form.lead_weight.as_str()),
    ];
    after(
        &state,
        viewer,
        "levels",
        result.map(|r| r.map_err(|refused| keep(refused, &typed))),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StageForm {
    name: String,
    position: String,
}

async fn update_stage(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<StageForm>,
) -> Result<Response, UiError> {
    const FIELDS: &[(&str, &str)] = &[("name", "name"), ("position", "position")];
    let mut typed = FieldErrors::default();
    let input = StageInput {
        name: Some(form.name.clone()),
        position: typed_number("position", &form.position, "2", &mut typed),
    };
    let result = match after_typed(typed, parse_stage(&input)) {
        Err(e) => Ok(Err(invalid("stage", e, FIELDS))),
        Ok((name, position)) => outcome(
            "stage",
            FIELDS,
            state
                .store
                .update_stage(&viewer.actor(), id, name, position, state.clock.now())
                .await,
        ),
    };
    let id_text = id.to_string();
    let typed = [
        ("id", id_text.as_str()),
        ("name", form.name.as_str()),
        ("position", form.position.as_str()),
    ];
    after(
        &state,
        viewer,
        "stages",
        result.map(|r| r.map_err(|refused| keep(refused, &typed))),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CategoryForm {
    name: String,
    parent_id: String,
}

async fn create_category(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<CategoryForm>,
) -> Result<Response, UiError> {
    const FIELDS: &[(&str, &str)] = &[("name", "name"), ("parent_id", "parent_id")];
    let input = CategoryInput {
        name: Some(form.name.clone()),
        parent_id: optional_id(&form.parent_id),
    };
    let result = match parse_category(&input) {
        Err(e) => Ok(Err(invalid("category", e, FIELDS))),
        Ok(category) => outcome(
            "category",
            FIELDS,
            state
                .store
                .create_category(&viewer.actor(), category, state.clock.now())
                .await,
        ),
    };
    let typed = [("name", form.name.as_str()), ("parent_id", form.parent_id.as_str())];
    after(
        &state,
        viewer,
        "categories",
        result.map(|r| r.map_err(|refused| keep(refused, &typed))),
    )
    .await
}

async fn move_category(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<CategoryForm>,
) -> Result<Response, UiError> {
    const FIELDS: &[(&str, &str)] = &[("parent_id", "parent_id")];
    let done = state
        .store
        .set_category_parent(&viewer.actor(), id, optional_id(&form.parent_id), state.clock.now())
        .await;
    let id_text = id.to_string();
    let typed = [("id", id_text.as_str()), ("parent_id", form.parent_id.as_str())];
    let result = outcome("move", FIELDS, done).map(|r| r.map_err(|refused| keep(refused, &typed)));
    after(&state, viewer, "categories", result).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PlanForm {
    name: String,
    deciding_date: String,
}

async fn create_plan(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<PlanForm>,
) -> Result<Response, UiError> {
    const FIELDS: &[(&str, &str)] = &[("name", "name"), ("deciding_date", "deciding_date")];
    let input = PlanInput {
        name: Some(form.name.clone()),
        deciding_date: Some(form.deciding_date.clone()),
    };
    let typed = [
        ("name", form.name.as_str()),
        ("deciding_date", form.deciding_date.as_str()),
    ];
    let refused = match parse_plan(&input) {
        Err(e) => invalid("plan", e, FIELDS),
        Ok(plan) => match state.store.create_plan(&viewer.actor(), plan, state.clock.now()).await {
            Ok(created) => return Ok(Redirect::to(&format!("/program/plans/{}", created.id)).into_response()),
            Err(e) => refused_by_store("plan", e, FIELDS)?,
        },
    };
    page(&state, viewer, Some(keep(refused, &typed))).await
}
