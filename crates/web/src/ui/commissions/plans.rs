//! `/program/plans/{id}`: one commission plan — its versions with their dates and every rule in words —
//! and finance's form for the next version, with up to four rules: a percentage of the amount or of
//! the margin, sections by amount, or volume tiers. Bands are typed one per line as
//! "0 to 999.99 at 5%" and "1,000 and up at 8%".

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::forms::{Choice, choices, typed_amount, typed_amount_in};
use crate::ui::registrations::{Forms, Refused, refused_by_store};
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::commissions::input::{BandInput, PlanVersionInput, RuleInput, parse_version};
use domain::commissions::policy::can_keep_commissions;
use domain::commissions::{PeriodKind, Rule, RuleKind, RuleKindCode, TierMode};
use domain::{Currency, FieldErrors, Money};
use std::collections::BTreeMap;
use store::{Category, LevelView, PlanView};

pub fn routes() -> Pages {
    Pages::default()
        .get("/program/plans/{id}", plan)
        .post("/program/plans/{id}/versions", add_version)
}

/// Rule rows the version form offers.
const ROWS: usize = 4;
const ATTRIBUTES: [&str; 9] = [
    "name", "category", "level", "kind", "rate", "currency", "bands", "period", "mode",
];
/// The form's field names, `rule{row}_{attribute}`, for refusals (which name fields statically).
const FIELD_NAMES: [[&str; 9]; ROWS] = [
    [
        "rule0_name",
        "rule0_category",
        "rule0_level",
        "rule0_kind",
        "rule0_rate",
        "rule0_currency",
        "rule0_bands",
        "rule0_period",
        "rule0_mode",
    ],
    [
        "rule1_name",
        "rule1_category",
        "rule1_level",
        "rule1_kind",
        "rule1_rate",
        "rule1_currency",
        "rule1_bands",
        "rule1_period",
        "rule1_mode",
    ],
    [
        "rule2_name",
        "rule2_category",
        "rule2_level",
        "rule2_kind",
        "rule2_rate",
        "rule2_currency",
        "rule2_bands",
        "rule2_period",
        "rule2_mode",
    ],
    [
        "rule3_name",
        "rule3_category",
        "rule3_level",
        "rule3_kind",
        "rule3_rate",
        "rule3_currency",
        "rule3_bands",
        "rule3_period",
        "rule3_mode",
    ],
];

fn field_name(row: usize, attribute: &str) -> Option<&'static str> {
    let at = ATTRIBUTES.iter().position(|a| *a == attribute)?;
    FIELD_NAMES.get(row).map(|names| names[at])
}

/// A rule as people read it: what it covers and what it pays.
pub struct RuleView {
    pub name: String,
    pub covers: String,
    pub pays: String,
}

pub struct VersionView {
    pub number: u32,
    pub dates: String,
    pub lines: i64,
    pub rules: Vec<RuleView>,
}

fn percent(rate_bp: u32) -> String {
    let text = format!("{}.{:02}", rate_bp / 100, rate_bp % 100);
    format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
}

fn bands_text(bands: &domain::commissions::Bands) -> String {
    let money = |amount_minor| {
        Money {
            amount_minor,
            currency: bands.currency(),
        }
        .to_string()
    };
    bands
        .bands()
        .iter()
        .map(|b| match b.to {
            Some(to) => format!("{} to {} at {}", money(b.from), money(to), percent(b.rate_bp)),
            None => format!("{} and up at {}", money(b.from), percent(b.rate_bp)),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn describe(rule: &Rule, categories: &[Category], levels: &[LevelView]) -> RuleView {
    let category = rule.category_id.map(|id| {
        categories
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| format!("category {id}"), |c| c.path.clone())
    });
    let level = rule.level_id.map(|id| {
        levels
            .iter()
            .find(|l| l.id == id)
            .map_or_else(|| format!("level {id}"), |l| l.name.clone())
    });
    let covers = match (category, level) {
        (Some(c), Some(l)) => format!("{c} (and below), {l} partners"),
        (Some(c), None) => format!("{c} (and below), every level"),
        (None, Some(l)) => format!("Every product, {l} partners"),
        (None, None) => "Every product, every level".to_owned(),
    };
    let pays = match &rule.kind {
        RuleKind::AmountPercentage { rate_bp } => format!("{} of the amount", percent(*rate_bp)),
        RuleKind::MarginPercentage { rate_bp } => {
            format!(
                "{} of the margin (amount less cost, never below zero)",
                percent(*rate_bp)
            )
        }
        RuleKind::Sections { bands } => format!("By the amount of the line: {}", bands_text(bands)),
        RuleKind::VolumeTiers { tiers } => format!(
            "{} tiers over the partner's paid business per {}: {}",
            match tiers.mode {
                TierMode::Incremental => "Incremental",
                TierMode::Retroactive => "Retroactive",
            },
            tiers.period.label().to_lowercase(),
            bands_text(&tiers.bands)
        ),
    };
    RuleView {
        name: rule.name.clone(),
        covers,
        pays,
    }
}

/// One rule row of the form, as typed, with the messages of its refused fields.
pub struct RowForm {
    pub index: usize,
    /// `rule{index}_`: the prefix of the row's field names.
    pub prefix: String,
    pub name: String,
    pub rate: String,
    pub currency: String,
    pub bands: String,
    errors: BTreeMap<&'static str, String>,
    pub categories: Vec<Choice>,
    pub levels: Vec<Choice>,
    pub kinds: Vec<Choice>,
    pub periods: Vec<Choice>,
    pub modes: Vec<Choice>,
}

impl RowForm {
    pub fn error(&self, attribute: &str) -> Option<&str> {
        self.errors.get(attribute).map(String::as_str)
    }
}

#[derive(Template)]
#[template(path = "commissions/plan.html")]
struct PlanPage {
    chrome: Chrome,
    plan: PlanView,
    versions: Vec<VersionView>,
    keeper: bool,
    rows: Vec<RowForm>,
    forms: Forms,
    program_currency: String,
}

async fn plan(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, UiError> {
    page(&state, viewer, id, None).await
}

async fn page(state: &AppState, viewer: Viewer, id: i64, refused: Option<Refused>) -> Result<Response, UiError> {
    let actor = viewer.actor();
    let plan = state.store.get_plan(&actor, id).await?;
    let categories = state.store.list_categories(&actor).await?;
    let levels = state.store.list_levels(&actor).await?;
    let currency = state.store.settings().await?.currency.to_string();
    let forms = Forms(refused);
    let status = forms.0.as_ref().map_or(StatusCode::OK, |r| r.status);
    let versions = plan
        .versions
        .iter()
        .map(|v| VersionView {
            number: v.number,
            dates: match v.effective_until {
                Some(until) => format!("From {} to {until}", v.effective_from),
                None => format!("From {}", v.effective_from),
            },
            lines: v.lines,
            rules: v.rules.iter().map(|r| describe(r, &categories, &levels)).collect(),
        })
        .collect();
    let value = |row: usize, attribute: &str, default: &str| {
        field_name(row, attribute).map_or_else(String::new, |f| forms.value("version", f, default))
    };
    let rows = (0..ROWS)
        .map(|i| RowForm {
            index: i,
            prefix: format!("rule{i}_"),
            name: value(i, "name", ""),
            rate: value(i, "rate", ""),
            currency: value(i, "currency", ""),
            bands: value(i, "bands", ""),
            errors: ATTRIBUTES
                .iter()
                .filter_map(|a| {
                    let message = forms.error("version", field_name(i, a)?)?;
                    Some((*a, message.to_owned()))
                })
                .collect(),
            categories: choices(
                categories.iter().map(|c| (c.id.to_string(), c.path.clone())),
                &value(i, "category", ""),
            ),
            levels: choices(
                levels.iter().map(|l| (l.id.to_string(), l.name.clone())),
                &value(i, "level", ""),
            ),
            kinds: choices(
                RuleKindCode::ALL
                    .iter()
                    .map(|k| (k.as_str().to_owned(), k.label().into_owned())),
                &value(i, "kind", "amount_percentage"),
            ),
            periods: choices(
                [PeriodKind::Month, PeriodKind::Quarter, PeriodKind::Year]
                    .iter()
                    .map(|p| (p.as_str().to_owned(), p.label().into_owned())),
                &value(i, "period", "quarter"),
            ),
            modes: choices(
                TierMode::ALL
                    .iter()
                    .map(|m| (m.as_str().to_owned(), m.label().into_owned())),
                &value(i, "mode", "incremental"),
            ),
        })
        .collect();
    let page = PlanPage {
        chrome: viewer.chrome.titled(plan.name.clone()),
        keeper: can_keep_commissions(&actor),
        plan,
        versions,
        rows,
        forms,
        program_currency: currency,
    };
    Ok((status, render(&page)?).into_response())
}

/// Bands typed one per line: "0 to 999.99 at 5%", "1,000 and up at 8%".
fn typed_bands(raw: &str, currency: Currency, field: &str, errors: &mut FieldErrors) -> Option<Vec<BandInput>> {
    let mut bands = Vec::new();
    for (n, line) in raw.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let lower = line.to_lowercase();
        let read = lower.split_once(" at ").and_then(|(range, rate)| {
            let rate = typed_amount(rate.trim().trim_end_matches('%').trim()).ok()?;
            let (from, to) = match range.trim().strip_suffix("and up") {
                Some(from) => (from.trim(), None),
                None => {
                    let (from, to) = range.split_once(" to ")?;
                    (from.trim(), Some(typed_amount_in(to.trim(), currency).ok()?))
                }
            };
            Some(BandInput {
                from_minor: Some(typed_amount_in(from, currency).ok()?),
                to_minor: to,
                rate_bp: Some(rate),
            })
        });
        match read {
            Some(band) => bands.push(band),
            None => errors.add(
                field,
                format!(
                    "Line {}: write a band as “1,000.00 to 4,999.99 at 8%” or “5,000 and up at 10%”.",
                    n + 1
                ),
            ),
        }
    }
    Some(bands).filter(|b| !b.is_empty())
}

/// The form's rule rows that were filled in, as the API's input; typing errors named by row.
fn typed_rules(form: &BTreeMap<String, String>, errors: &mut FieldErrors) -> (Vec<RuleInput>, Vec<usize>) {
    let get = |row: usize, attribute: &str| {
        form.get(&format!("rule{row}_{attribute}"))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let mut rules = Vec::new();
    let mut rows = Vec::new();
    for row in 0..ROWS {
        let Some(name) = get(row, "name") else { continue };
        let kind = get(row, "kind").unwrap_or_else(|| "amount_percentage".to_owned());
        let banded = kind == "sections" || kind == "volume_tiers";
        let currency = get(row, "currency");
        let bands = match (banded, currency.as_deref().map(Currency::parse)) {
            (true, Some(Ok(currency))) => get(row, "bands")
                .and_then(|raw| typed_bands(&raw, currency, &format!("rules[{}].bands", rules.len()), errors)),
            _ => None,
        };
        let rate_bp = match get(row, "rate").filter(|_| !banded) {
            Some(raw) => typed_amount(raw.trim_end_matches('%'))
                .map_err(|_| {
                    errors.add(
                        format!("rules[{}].rate_bp", rules.len()),
                        format!("'{raw}' is not a rate like 12.5"),
                    )
                })
                .ok(),
            None => None,
        };
        rules.push(RuleInput {
            name: Some(name),
            category_id: get(row, "category").and_then(|c| c.parse().ok()),
            level_id: get(row, "level").and_then(|l| l.parse().ok()),
            kind: Some(kind),
            rate_bp,
            currency: currency.filter(|_| banded),
            bands,
            tier_period: get(row, "period").filter(|_| banded),
            tier_mode: get(row, "mode").filter(|_| banded),
        });
        rows.push(row);
    }
    (rules, rows)
}

/// A version's refusal, each rule's message beside the row it came from.
fn refusal(errors: FieldErrors, rows: &[usize]) -> Refused {
    let mut refused = Refused::new("version", StatusCode::UNPROCESSABLE_ENTITY);
    for e in errors.0 {
        let field = match e.field.strip_prefix("rules[").and_then(|rest| rest.split_once("].")) {
            Some((at, attribute)) => {
                let row = at.parse::<usize>().ok().and_then(|i| rows.get(i).copied()).unwrap_or(0);
                let attribute = match attribute.split(['.', '[']).next().unwrap_or("") {
                    "rate_bp" => "rate",
                    "category_id" => "category",
                    "level_id" => "level",
                    "tier_period" => "period",
                    "tier_mode" => "mode",
                    other => other,
                };
                field_name(row, attribute).unwrap_or("")
            }
            None => match e.field.as_str() {
                "effective_from" => "effective_from",
                "effective_until" => "effective_until",
                _ => "",
            },
        };
        // The first message of a field stands: what was typed wrong before what the parser then missed.
        if !refused.errors.contains_key(field) {
            refused = refused.error(field, crate::ui::forms::sentence(&e.message));
        }
    }
    refused
}

async fn add_version(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, UiError> {
    let mut errors = FieldErrors::default();
    let (rules, rows) = typed_rules(&form, &mut errors);
    let text = |k: &str| form.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let input = PlanVersionInput {
        effective_from: text("effective_from"),
        effective_until: text("effective_until"),
        rules: Some(rules),
    };
    let parsed = crate::ui::forms::after_typed(errors, parse_version(&input));
    let refused = match parsed {
        Err(e) => refusal(e, &rows),
        Ok(version) => match state
            .store
            .add_plan_version(&viewer.actor(), id, version, state.clock.now())
            .await
        {
            Ok(_) => return Ok(Redirect::to(&format!("/program/plans/{id}#versions")).into_response()),
            Err(store::StoreError::Invalid(e)) => refusal(e, &rows),
            Err(e) => refused_by_store("version", e, &[])?,
        },
    };
    let refused = form.iter().fold(refused, |refused, (k, v)| {
        let kept = ["effective_from", "effective_until"]
            .into_iter()
            .chain(FIELD_NAMES.iter().flatten().copied())
            .find(|f| *f == k.as_str());
        match kept {
            Some(field) => refused.typed(field, Some(v)),
            None => refused,
        }
    });
    page(&state, viewer, id, Some(refused)).await
}
