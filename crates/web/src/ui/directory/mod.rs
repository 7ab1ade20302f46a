//! The back office: charts, CSV exports of the lists, and the administrator's pages (partners, users
//! and tokens, regions and approvers, program settings, price list import).

use super::access::Viewer;
use super::charts::{self, Stacked};
use super::{Chrome, UiError, render};
use crate::AppState;
use crate::credentials;
use crate::routes::files::csv_file;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::calendar::business_date;
use domain::catalog::{self, format_minor};
use domain::input::{self, UserInput};
use domain::ordering::{NoSorPricing, OrderStatus, OverOrderPolicy};
use domain::registration::Status;
use domain::settings::ProgramSettings;
use domain::{FieldError, Role};
use jiff::SignedDuration;
use serde::Deserialize;
use std::collections::BTreeMap;
use store::{
    ImportReport, OrderFilter, Page, PageRequest, Partner, Region, RegistrationFilter, RegistrationSummary, StoreError,
    User, files,
};

/// Weeks the dashboards look back.
const REPORT_WEEKS: i64 = 26;
/// Rows at most in a CSV export of a list.
const MAX_EXPORT_ROWS: usize = 100_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports", get(reports))
        .route("/registrations.csv", get(registrations_csv))
        .route("/orders.csv", get(orders_csv))
        .route("/products.csv", get(products_csv))
        .route("/admin/partners.csv", get(partners_csv))
        .route("/admin/partners", get(partners).post(save_partner))
        .route("/admin/users", get(users).post(add_user))
        .route("/admin/users/{id}/active", post(set_active))
        .route("/admin/users/{id}/token", post(new_token))
        .route("/admin/regions", get(regions).post(add_region))
        .route("/admin/regions/{id}/manager", post(assign_manager))
        .route("/admin/settings", get(settings).post(save_settings))
        .route("/admin/prices", get(prices).post(import_prices))
}

fn admin_only(viewer: &Viewer) -> Result<(), UiError> {
    if viewer.user.role == Role::Admin {
        Ok(())
    } else {
        Err(UiError::new(
            StatusCode::FORBIDDEN,
            "Only administrators manage the program.",
        ))
    }
}

/// Every page of a list, up to the export bound.
async fn all_pages<T, F, Fut>(mut fetch: F) -> Result<Vec<T>, UiError>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, StoreError>>,
{
    let mut items = Vec::new();
    let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
    loop {
        let listed = fetch(page).await?;
        items.extend(listed.items);
        match listed.next_cursor.and_then(|c| c.parse().ok()) {
            Some(_) if items.len() >= MAX_EXPORT_ROWS => {
                return Err(UiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("More than {MAX_EXPORT_ROWS} rows: filter the list first."),
                ));
            }
            Some(cursor) => page.cursor = Some(cursor),
            None => return Ok(items),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Charts.

#[derive(Template)]
#[template(path = "reports/charts.html")]
struct ReportsPage {
    chrome: Chrome,
    filed: String,
    filed_legend: String,
    decision: String,
    approval: String,
    approval_legend: String,
    approval_rate: Option<String>,
    pipeline_regions: String,
    pipeline_partners: String,
}

async fn reports(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    let now = state.clock.now();
    let since = now
        .checked_sub(SignedDuration::from_hours(24 * 7 * REPORT_WEEKS))
        .map_err(UiError::internal)?;
    let report = state.store.report(&viewer.actor(), since).await?;
    let mut weeks: Vec<String> = report.filed.iter().map(|f| f.week_start.to_string()).collect();
    weeks.dedup();
    let statuses: Vec<Status> = Status::ALL
        .iter()
        .copied()
        .filter(|s| report.filed.iter().any(|f| f.status == *s))
        .collect();
    let series = statuses
        .iter()
        .map(|status| {
            let values = weeks
                .iter()
                .map(|w| {
                    report
                        .filed
                        .iter()
                        .find(|f| f.week_start.to_string() == *w && f.status == *status)
                        .map_or(0, |f| f.count)
                })
                .collect();
            (status.to_string(), values)
        })
        .collect::<Vec<_>>();
    let filed_legend = charts::legend(&series.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>());
    let filed = charts::stacked_bars(&Stacked {
        title: "Registrations filed per week, by status now",
        categories: weeks,
        series,
    });
    let decided_weeks: Vec<String> = report
        .decision_minutes
        .iter()
        .map(|v| v.week_start.to_string())
        .collect();
    let hours: Vec<i64> = report.decision_minutes.iter().map(|v| (v.value + 30) / 60).collect();
    let decision = charts::line(
        "Hours from filing to decision, per week of filing",
        &decided_weeks,
        &hours,
        "h",
    );
    let approved: Vec<i64> = report.approved.iter().map(|v| v.value).collect();
    let declined: Vec<i64> = report.declined.iter().map(|v| v.value).collect();
    let (yes, no) = (approved.iter().sum::<i64>(), declined.iter().sum::<i64>());
    let approval_rate = (yes + no > 0).then(|| format!("{:.0}%", 100.0 * yes as f64 / (yes + no) as f64));
    let approval_series = vec![("approved".to_owned(), approved), ("declined".to_owned(), declined)];
    let approval_legend = charts::legend(&approval_series.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>());
    let approval = charts::stacked_bars(&Stacked {
        title: "Decisions per week of filing",
        categories: decided_weeks,
        series: approval_series,
    });
    let mut by_region: BTreeMap<String, (i64, String)> = BTreeMap::new();
    for p in &report.pipeline {
        let entry = by_region
            .entry(p.region.clone())
            .or_insert((0, p.value.currency.to_string()));
        entry.0 += p.value.amount_minor;
    }
    let mut regions: Vec<(String, i64, String)> = by_region
        .into_iter()
        .map(|(region, (minor, currency))| (region, minor, format!("{} {currency}", format_minor(minor))))
        .collect();
    regions.sort_by_key(|r| -r.1);
    let partners: Vec<(String, i64, String)> = report
        .pipeline
        .iter()
        .take(15)
        .map(|p| (p.partner.clone(), p.value.amount_minor, p.value.to_string()))
        .collect();
    render(&ReportsPage {
        chrome: viewer.chrome.titled("Dashboards"),
        filed,
        filed_legend,
        decision,
        approval,
        approval_legend,
        approval_rate,
        pipeline_regions: charts::horizontal_bars("Pipeline (submitted and approved) by region", &regions),
        pipeline_partners: charts::horizontal_bars("Pipeline by partner (top 15)", &partners),
    })
}

// ---------------------------------------------------------------------------------------------
// CSV exports of the lists, with the same filters as the pages.

#[derive(Deserialize)]
struct StatusQuery {
    status: Option<String>,
}

const REGISTRATION_COLUMNS: &[&str] = &[
    "id",
    "partner",
    "customer",
    "status",
    "sor_number",
    "valid_through",
    "estimated_value",
    "currency",
    "expected_close",
    "submitted_at",
    "possible_conflict",
];

fn registration_row(r: &RegistrationSummary) -> Vec<String> {
    vec![
        r.id.to_string(),
        r.partner_name.clone(),
        r.customer_name.clone(),
        r.status.to_string(),
        r.sor_number.clone().unwrap_or_default(),
        r.valid_through.map(|d| d.to_string()).unwrap_or_default(),
        format_minor(r.estimated_value.amount_minor),
        r.estimated_value.currency.to_string(),
        r.expected_close_date.to_string(),
        r.submitted_at.to_string(),
        r.possible_conflict.to_string(),
    ]
}

async fn registrations_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<StatusQuery>,
) -> Result<Response, UiError> {
    let filter = RegistrationFilter {
        status: q
            .status
            .as_deref()
            .filter(|s| !s.is_empty())
            .and_then(|s| Status::parse(s).ok()),
        ..RegistrationFilter::default()
    };
    let actor = viewer.actor();
    let rows = all_pages(|page| state.store.list_registrations(&actor, filter.clone(), page)).await?;
    let text = catalog::write_csv(REGISTRATION_COLUMNS, rows.iter().map(registration_row));
    Ok(csv_file("registrations.csv", text))
}

async fn orders_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<StatusQuery>,
) -> Result<Response, UiError> {
    let filter = OrderFilter {
        status: q
            .status
            .as_deref()
            .filter(|s| !s.is_empty())
            .and_then(|s| OrderStatus::parse(s).ok()),
        ..OrderFilter::default()
    };
    let actor = viewer.actor();
    let orders = all_pages(|page| state.store.list_orders(&actor, filter.clone(), page)).await?;
    Ok(csv_file("orders.csv", files::orders_csv(&orders)))
}

async fn products_csv(State(state): State<AppState>, _viewer: Viewer) -> Result<Response, UiError> {
    Ok(csv_file(
        "price-list.csv",
        files::price_list_csv(&state.store.export_products().await?),
    ))
}

async fn partners_csv(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    let partners = state.store.export_partners(Some(&viewer.actor())).await?;
    Ok(csv_file("partners.csv", files::partners_csv(&partners)))
}

// ---------------------------------------------------------------------------------------------
// Administration.

/// What an administrator's action left to say on the next page.
#[derive(Default, Deserialize)]
struct Notice {
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "directory/partners.html")]
struct PartnersPage {
    chrome: Chrome,
    partners: Vec<(Partner, String)>,
    regions: Vec<Region>,
    problems: Vec<FieldError>,
    done: Option<String>,
}

async fn partners_page(
    state: &AppState,
    viewer: Viewer,
    problems: Vec<FieldError>,
    done: Option<String>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let partners = state
        .store
        .export_partners(Some(&viewer.actor()))
        .await?
        .into_iter()
        .map(|e| (e.partner, e.region))
        .collect();
    let regions = state.store.list_regions().await?;
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = PartnersPage {
        chrome: viewer.chrome.titled("Partners"),
        partners,
        regions,
        problems,
        done,
    };
    Ok((status, render(&page)?).into_response())
}

async fn partners(State(state): State<AppState>, viewer: Viewer, Query(n): Query<Notice>) -> Result<Response, UiError> {
    partners_page(&state, viewer, Vec::new(), n.done).await
}

#[derive(Deserialize)]
struct PartnerForm {
    name: String,
    level: String,
    activation_stage: String,
    region: String,
}

/// Adds a partner or updates one of the same name: one row of the partner file.
async fn save_partner(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<PartnerForm>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let text = catalog::write_csv(
        catalog::PARTNER_COLUMNS,
        [[form.name, form.level, form.activation_stage, form.region]],
    );
    let rows = match catalog::parse_partners(&text) {
        Ok(rows) => rows,
        Err(e) => return partners_page(&state, viewer, e.0, None).await,
    };
    match state
        .store
        .import_partners(Some(&viewer.actor()), rows, state.clock.now(), &|_| {})
        .await
    {
        Ok(report) => Ok(Redirect::to(&format!(
            "/admin/partners?done={}",
            if report.created > 0 { "added" } else { "updated" }
        ))
        .into_response()),
        Err(StoreError::Invalid(e)) => partners_page(&state, viewer, e.0, None).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "directory/users.html")]
struct UsersPage {
    chrome: Chrome,
    users: Vec<User>,
    partners: Vec<Partner>,
    roles: Vec<&'static str>,
    problems: Vec<FieldError>,
    token: Option<String>,
    done: Option<String>,
}

async fn users_page(
    state: &AppState,
    viewer: Viewer,
    problems: Vec<FieldError>,
    token: Option<String>,
    done: Option<String>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let actor = viewer.actor();
    let users = all_pages(|page| state.store.list_users(&actor, page)).await?;
    let partners = all_pages(|page| state.store.list_partners(&actor, page)).await?;
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = UsersPage {
        chrome: viewer.chrome.titled("Users and tokens"),
        users,
        partners,
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        problems,
        token,
        done,
    };
    Ok((status, render(&page)?).into_response())
}

async fn users(State(state): State<AppState>, viewer: Viewer, Query(n): Query<Notice>) -> Result<Response, UiError> {
    users_page(&state, viewer, Vec::new(), None, n.done).await
}

#[derive(Deserialize)]
struct UserForm {
    email: String,
    display_name: String,
    role: String,
    partner_id: Option<String>,
    password: Option<String>,
}

async fn add_user(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<UserForm>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let input = UserInput {
        email: Some(form.email),
        display_name: Some(form.display_name),
        role: Some(form.role),
        partner_id: form.partner_id.as_deref().and_then(|p| p.parse().ok()),
        password: form.password.filter(|p| !p.is_empty()),
    };
    let user = match input::parse_user(&input) {
        Ok(user) => user,
        Err(e) => return users_page(&state, viewer, e.0, None, None).await,
    };
    let record = credentials::user_record(user).map_err(UiError::internal)?;
    match state
        .store
        .create_user(Some(&viewer.actor()), record, state.clock.now())
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/users?done=added").into_response()),
        Err(StoreError::Invalid(e)) => users_page(&state, viewer, e.0, None, None).await,
        Err(StoreError::Conflict { message, .. }) => {
            let problem = FieldError {
                field: "email".into(),
                message,
                line: None,
            };
            users_page(&state, viewer, vec![problem], None, None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct ActiveForm {
    active: String,
}

async fn set_active(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ActiveForm>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let active = form.active == "true";
    state
        .store
        .set_user_active(Some(&viewer.actor()), id, active, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!(
        "/admin/users?done={}",
        if active { "activated" } else { "deactivated" }
    ))
    .into_response())
}

/// A new API token, shown once on the page that answers.
async fn new_token(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let (secret, hash) = credentials::new_token().map_err(UiError::internal)?;
    state
        .store
        .create_token(Some(&viewer.actor()), id, "web", &hash, state.clock.now())
        .await?;
    users_page(&state, viewer, Vec::new(), Some(secret), None).await
}

#[derive(Template)]
#[template(path = "directory/regions.html")]
struct RegionsPage {
    chrome: Chrome,
    regions: Vec<(Region, String)>,
    managers: Vec<User>,
    problems: Vec<FieldError>,
}

async fn regions_page(state: &AppState, viewer: Viewer, problems: Vec<FieldError>) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let actor = viewer.actor();
    let users = all_pages(|page| state.store.list_users(&actor, page)).await?;
    let regions = state
        .store
        .list_regions()
        .await?
        .into_iter()
        .map(|r| {
            let manager = users.iter().find(|u| Some(u.id) == r.manager_user_id).map_or_else(
                || "— (fallback approver or administrators)".to_owned(),
                |u| u.display_name.clone(),
            );
            (r, manager)
        })
        .collect();
    let managers = users
        .into_iter()
        .filter(|u| u.active && matches!(u.role, Role::ChannelManager | Role::Admin))
        .collect();
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = RegionsPage {
        chrome: viewer.chrome.titled("Regions and approvers"),
        regions,
        managers,
        problems,
    };
    Ok((status, render(&page)?).into_response())
}

async fn regions(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    regions_page(&state, viewer, Vec::new()).await
}

#[derive(Deserialize)]
struct RegionForm {
    name: String,
}

async fn add_region(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<RegionForm>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let input = input::RegionInput {
        name: Some(form.name),
        manager_user_id: None,
    };
    let (name, _) = match input::parse_region(&input) {
        Ok(parsed) => parsed,
        Err(e) => return regions_page(&state, viewer, e.0).await,
    };
    match state
        .store
        .create_region(Some(&viewer.actor()), &name, None, state.clock.now())
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/regions").into_response()),
        Err(StoreError::Conflict { message, .. }) => {
            let problem = FieldError {
                field: "name".into(),
                message,
                line: None,
            };
            regions_page(&state, viewer, vec![problem]).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct ManagerForm {
    manager_user_id: i64,
}

async fn assign_manager(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ManagerForm>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    state
        .store
        .assign_region_manager(Some(&viewer.actor()), id, form.manager_user_id, state.clock.now())
        .await?;
    Ok(Redirect::to("/admin/regions").into_response())
}

#[derive(Template)]
#[template(path = "directory/settings.html")]
struct SettingsPage {
    chrome: Chrome,
    settings: ProgramSettings,
    problems: Vec<FieldError>,
    saved: bool,
}

async fn settings(State(state): State<AppState>, viewer: Viewer, Query(n): Query<Notice>) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let settings = state.store.settings().await?;
    render(&SettingsPage {
        chrome: viewer.chrome.titled("Program settings"),
        settings,
        problems: Vec::new(),
        saved: n.done.is_some(),
    })
}

#[derive(Deserialize)]
struct SettingsForm {
    default_validity_days: String,
    max_validity_days: String,
    reminder_days_before: String,
    time_zone: String,
    no_sor_pricing: String,
    over_order: String,
}

async fn save_settings(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<SettingsForm>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let mut settings = state.store.settings().await?;
    let mut problems = domain::FieldErrors::default();
    let mut days = |field: &str, raw: &str, target: &mut u32| match raw.trim().parse() {
        Ok(v) => *target = v,
        Err(_) => problems.add(field, "a whole number of days"),
    };
    days(
        "default_validity_days",
        &form.default_validity_days,
        &mut settings.default_validity_days,
    );
    days(
        "max_validity_days",
        &form.max_validity_days,
        &mut settings.max_validity_days,
    );
    days(
        "reminder_days_before",
        &form.reminder_days_before,
        &mut settings.reminder_days_before,
    );
    settings.time_zone = form.time_zone.trim().to_owned();
    match NoSorPricing::parse(&form.no_sor_pricing) {
        Ok(p) => settings.no_sor_pricing = p,
        Err(m) => problems.add("no_sor_pricing", m),
    }
    match OverOrderPolicy::parse(&form.over_order) {
        Ok(p) => settings.over_order = p,
        Err(m) => problems.add("over_order", m),
    }
    let result = if problems.is_empty() {
        state
            .store
            .update_settings(&viewer.actor(), settings.clone(), state.clock.now())
            .await
            .map(drop)
    } else {
        Err(StoreError::Invalid(problems))
    };
    match result {
        Ok(()) => Ok(Redirect::to("/admin/settings?done=saved").into_response()),
        Err(StoreError::Invalid(e)) => {
            let page = SettingsPage {
                chrome: viewer.chrome.titled("Program settings"),
                settings,
                problems: e.0,
                saved: false,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "directory/prices.html")]
struct PricesPage {
    chrome: Chrome,
    text: String,
    problems: Vec<FieldError>,
    report: Option<ImportReport>,
}

async fn prices(viewer: Viewer) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    render(&PricesPage {
        chrome: viewer.chrome.titled("Import a price list"),
        text: catalog::PRICE_LIST_COLUMNS.join(","),
        problems: Vec::new(),
        report: None,
    })
}

#[derive(Deserialize)]
struct PricesForm {
    csv: String,
}

/// The price list file pasted in: every bad row shown with its line and column, nothing imported.
async fn import_prices(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<PricesForm>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let today = business_date(state.clock.now(), &state.store.settings().await?.zone());
    let result = match catalog::parse_price_list(&form.csv, today) {
        Ok(rows) => {
            state
                .store
                .import_products(Some(&viewer.actor()), rows, state.clock.now(), &|_| {})
                .await
        }
        Err(e) => Err(StoreError::Invalid(e)),
    };
    let (status, problems, report) = match result {
        Ok(report) => (StatusCode::OK, Vec::new(), Some(report)),
        Err(StoreError::Invalid(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e.0, None),
        Err(e) => return Err(e.into()),
    };
    let page = PricesPage {
        chrome: viewer.chrome.titled("Import a price list"),
        text: form.csv,
        problems,
        report,
    };
    Ok((status, render(&page)?).into_response())
}
