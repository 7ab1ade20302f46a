//! The pages of the partner portal and the back office. Each handler calls the same store services
//! as the JSON API with the signed-in person as actor, so the store's rules decide what is shown.

use super::auth::Viewer;
use super::{Chrome, UiError, render, url_encode};
use crate::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::access::Access;
use domain::calendar::business_date;
use domain::directory::customers::CustomerInput;
use domain::directory::files::parse_decimal_minor;
use domain::directory::products::ProductLineInput;
use domain::money::MoneyInput;
use domain::orders::OrderStatus;
use domain::orders::input::{OrderInput, parse_order};
use domain::orders::policy::can_enter_orders;
use domain::registrations::Status;
use domain::registrations::input::{
    ApproveInput, ChangeRequestInput, ClaimCheckInput, DeclineInput, NewRegistrationInput, ReasonInput, parse_approval,
    parse_change_request, parse_claim_check, parse_decline, parse_new_registration, parse_optional_reason,
};
use domain::registrations::policy::{can_decide, can_request_change};
use domain::{FieldErrors, Role};
use jiff::{Timestamp, ToSpan};
use serde::Deserialize;
use std::collections::BTreeMap;
use store::{
    AuditEntry, ChangeRequestRecord, ClaimStatus, Notification, Order, OrderFilter, Page, PageRequest, Product,
    Registration, RegistrationFilter, RegistrationSummary, StatusCount, StoreError,
};

/// Product rows on the registration and PO forms.
const FORM_LINES: usize = 6;
/// Registrations an approval queue page shows.
const QUEUE_PAGE: u32 = 100;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard))
        .route("/registrations", get(registrations))
        .route("/registrations/new", get(new_registration).post(file_registration))
        .route("/registrations/check", post(check_claim))
        .route("/customers/suggest", get(suggest_customers))
        .route("/registrations/{id}", get(registration))
        .route("/registrations/{id}/approve", post(approve))
        .route("/registrations/{id}/decline", post(decline))
        .route("/registrations/{id}/withdraw", post(withdraw))
        .route("/registrations/{id}/extend", post(request_extension))
        .route("/requests/{id}/decide", post(decide_request))
        .route("/queue", get(queue))
        .route("/orders", get(orders))
        .route("/orders/new", get(new_order).post(enter_order))
        .route("/orders/{id}", get(order))
        .route("/products", get(products))
        .route("/notifications", get(notifications))
}

/// One option of a `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn choices(values: impl IntoIterator<Item = (String, String)>, chosen: &str) -> Vec<Choice> {
    values
        .into_iter()
        .map(|(value, label)| Choice {
            selected: value == chosen,
            value,
            label,
        })
        .collect()
}

fn named(values: &[&str], chosen: &str) -> Vec<Choice> {
    choices(values.iter().map(|v| (v.to_string(), v.to_string())), chosen)
}

const SEGMENTS: &[&str] = &["commercial", "government", "education"];

/// Field errors by field path, for showing each beside its field.
#[derive(Default)]
pub struct FormErrors(BTreeMap<String, String>);

impl FormErrors {
    fn from_fields(errors: FieldErrors) -> FormErrors {
        let mut map = BTreeMap::new();
        for e in errors.0 {
            map.entry(e.field).or_insert(e.message);
        }
        FormErrors(map)
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Messages for fields the form does not show beside an input: any but those starting with one of
    /// `groups` or named in `fields`.
    pub fn others(&self, groups: &[&str], fields: &[&str]) -> Vec<String> {
        self.0
            .iter()
            .filter(|(field, _)| !groups.iter().any(|g| field.starts_with(g)) && !fields.contains(&field.as_str()))
            .map(|(field, message)| format!("{field}: {message}"))
            .collect()
    }
}

/// "3 d 4 h" since `then`: how long a registration has waited.
fn age(then: Timestamp, now: Timestamp) -> String {
    let minutes = now.duration_since(then).as_mins().max(0);
    match (minutes / (24 * 60), minutes / 60 % 24, minutes % 60) {
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

fn when(t: Timestamp, zone: &jiff::tz::TimeZone) -> String {
    t.to_zoned(zone.clone()).strftime("%Y-%m-%d %H:%M").to_string()
}

fn is_partner(viewer: &Viewer) -> bool {
    viewer.user.role.is_partner()
}

fn may_read_orders(viewer: &Viewer) -> bool {
    can_enter_orders(&viewer.actor())
}

// ---------------------------------------------------------------------------------------------
// Dashboard.

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    counts: Vec<StatusCount>,
    /// Approved registrations ending soon, with the date a one-click extension asks for.
    expiring: Vec<(RegistrationSummary, String)>,
    waiting: Vec<(RegistrationSummary, String)>,
    notifications: Vec<(Notification, String)>,
    orders: Vec<Order>,
    is_partner: bool,
    decides: bool,
    reads_orders: bool,
}

async fn dashboard(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    let actor = viewer.actor();
    let settings = state.store.settings().await?;
    let zone = settings.zone();
    let now = state.clock.now();
    let today = business_date(now, &zone);
    let counts = state.store.registration_counts(&actor).await?;
    let expiring = if is_partner(&viewer) {
        let soon = RegistrationFilter {
            expiring_before: Some(today.saturating_add(i64::from(settings.reminder_days_before).days())),
            ..RegistrationFilter::default()
        };
        state
            .store
            .list_registrations(&actor, soon, PageRequest::first(10))
            .await?
            .items
    } else {
        Vec::new()
    };
    let expiring = expiring
        .into_iter()
        .filter_map(|r| {
            let to = r
                .valid_through?
                .saturating_add(i64::from(settings.default_validity_days).days());
            Some((r, to.to_string()))
        })
        .collect();
    let decides = matches!(viewer.user.role, Role::ChannelManager | Role::Admin);
    let waiting = if decides {
        let queue = approval_queue(&state, &viewer, 5).await?;
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
    let notifications = state
        .store
        .list_notifications(&actor, PageRequest::first(5))
        .await?
        .items
        .into_iter()
        .map(|n| {
            let at = when(n.created_at, &zone);
            (n, at)
        })
        .collect();
    let reads_orders = may_read_orders(&viewer);
    let orders = if reads_orders {
        state
            .store
            .list_orders(&actor, OrderFilter::default(), PageRequest::first(5))
            .await?
            .items
    } else {
        Vec::new()
    };
    let partner = is_partner(&viewer);
    render(&DashboardPage {
        chrome: viewer.chrome.titled("Dashboard"),
        counts,
        expiring,
        waiting,
        notifications,
        orders,
        is_partner: partner,
        decides,
        reads_orders,
    })
}

// ---------------------------------------------------------------------------------------------
// Registrations.

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    cursor: Option<i64>,
}

#[derive(Template)]
#[template(path = "registrations.html")]
struct RegistrationsPage {
    chrome: Chrome,
    rows: Vec<RegistrationSummary>,
    status: String,
    statuses: Vec<Choice>,
    next: Option<String>,
}

async fn registrations(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ListQuery>,
) -> Result<Response, UiError> {
    let status = q.status.filter(|s| !s.is_empty());
    let filter = RegistrationFilter {
        status: status.as_deref().and_then(|s| Status::parse(s).ok()),
        ..RegistrationFilter::default()
    };
    let page = PageRequest {
        cursor: q.cursor,
        limit: PageRequest::DEFAULT_LIMIT,
    };
    let listed = state.store.list_registrations(&viewer.actor(), filter, page).await?;
    let status = status.unwrap_or_default();
    let next = listed
        .next_cursor
        .map(|c| format!("/registrations?status={}&cursor={c}", url_encode(&status)));
    render(&RegistrationsPage {
        chrome: viewer.chrome.titled("Registrations"),
        rows: listed.items,
        statuses: named(&Status::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(), &status),
        status,
        next,
    })
}

/// The registration form as typed, so a form with errors comes back filled in.
#[derive(Default, Deserialize)]
struct RegistrationForm {
    #[serde(default)]
    customer_name: String,
    #[serde(default)]
    domain: String,
    #[serde(default)]
    tax_id: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    postal_code: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    segment: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    expected_close: String,
    #[serde(default)]
    description: String,
    #[serde(flatten)]
    lines: BTreeMap<String, String>,
}

fn blank_to_none(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

impl RegistrationForm {
    fn customer(&self) -> CustomerInput {
        CustomerInput {
            name: blank_to_none(&self.customer_name),
            domain: blank_to_none(&self.domain),
            tax_id: blank_to_none(&self.tax_id),
            city: blank_to_none(&self.city),
            postal_code: blank_to_none(&self.postal_code),
            country: blank_to_none(&self.country),
            segment: blank_to_none(&self.segment),
        }
    }

    fn sku(&self, row: usize) -> &str {
        self.lines.get(&format!("sku_{row}")).map_or("", String::as_str)
    }

    fn qty(&self, row: usize) -> &str {
        self.lines.get(&format!("qty_{row}")).map_or("", String::as_str)
    }
}

/// The product rows a form filled in, and for each the form row it came from (errors name the
/// n-th filled row; the page shows them on their own row).
fn product_rows(
    sku: impl Fn(usize) -> String,
    qty: impl Fn(usize) -> String,
) -> (Vec<ProductLineInput>, Vec<usize>, FieldErrors) {
    let mut lines = Vec::new();
    let mut rows = Vec::new();
    let mut errors = FieldErrors::default();
    for row in 0..FORM_LINES {
        let sku = sku(row);
        if sku.trim().is_empty() {
            continue;
        }
        let quantity = qty(row).trim().parse::<i64>();
        if quantity.is_err() {
            errors.add(format!("row{row}.quantity"), "a whole number of units");
        }
        rows.push(row);
        lines.push(ProductLineInput {
            sku: Some(sku),
            quantity: quantity.ok(),
        });
    }
    (lines, rows, errors)
}

/// `products[2].quantity` → `row4.quantity` when the third filled line is on form row 4.
fn to_rows(errors: FieldErrors, list: &str, rows: &[usize]) -> FieldErrors {
    FieldErrors(
        errors
            .0
            .into_iter()
            .map(|mut e| {
                if let Some(rest) = e.field.strip_prefix(&format!("{list}["))
                    && let Some((index, field)) = rest.split_once("].")
                    && let Some(row) = index.parse::<usize>().ok().and_then(|i| rows.get(i))
                {
                    e.field = format!("row{row}.{field}");
                }
                e
            })
            .collect(),
    )
}

/// One product row of a form, as typed, with its errors.
pub struct FormLine {
    pub row: usize,
    pub sku: String,
    pub qty: String,
    pub sku_error: Option<String>,
    pub qty_error: Option<String>,
}

fn form_lines(form: &RegistrationForm, errors: &FormErrors) -> Vec<FormLine> {
    (0..FORM_LINES)
        .map(|row| FormLine {
            row,
            sku: form.sku(row).to_owned(),
            qty: form.qty(row).to_owned(),
            sku_error: errors.get(&format!("row{row}.sku")).map(str::to_owned),
            qty_error: errors.get(&format!("row{row}.quantity")).map(str::to_owned),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "registration_form.html")]
struct RegistrationFormPage {
    chrome: Chrome,
    form: RegistrationForm,
    errors: FormErrors,
    products: Vec<Product>,
    lines: Vec<FormLine>,
    other_errors: Vec<String>,
    currency: String,
    segments: Vec<Choice>,
}

async fn form_page(
    state: &AppState,
    viewer: Viewer,
    form: RegistrationForm,
    errors: FormErrors,
) -> Result<Response, UiError> {
    let products = state
        .store
        .list_products(state.clock.now(), PageRequest::first(PageRequest::MAX_LIMIT))
        .await?
        .items;
    let currency = state.store.settings().await?.currency.to_string();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let segment = form.segment.clone();
    let page = RegistrationFormPage {
        chrome: viewer.chrome.titled("Register a deal"),
        lines: form_lines(&form, &errors),
        other_errors: errors.others(
            &["customer.", "row"],
            &[
                "estimated_value.amount_minor",
                "expected_close_date",
                "description",
                "products",
            ],
        ),
        form,
        errors,
        products,
        currency,
        segments: named(SEGMENTS, &segment),
    };
    Ok((status, render(&page)?).into_response())
}

async fn new_registration(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    let form = RegistrationForm {
        country: "US".into(),
        segment: "education".into(),
        ..RegistrationForm::default()
    };
    form_page(&state, viewer, form, FormErrors::default()).await
}

async fn file_registration(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<RegistrationForm>,
) -> Result<Response, UiError> {
    let settings = state.store.settings().await?;
    let today = business_date(state.clock.now(), &settings.zone());
    let (lines, rows, mut errors) = product_rows(|r| form.sku(r).to_owned(), |r| form.qty(r).to_owned());
    let amount = match form.value.trim() {
        "" => None,
        raw => parse_decimal_minor(raw)
            .map_err(|m| errors.add("estimated_value.amount_minor", m))
            .ok(),
    };
    let input = NewRegistrationInput {
        customer: Some(form.customer()),
        products: Some(lines),
        estimated_value: Some(MoneyInput {
            amount_minor: amount,
            currency: Some(settings.currency.to_string()),
        }),
        expected_close_date: blank_to_none(&form.expected_close),
        description: blank_to_none(&form.description),
    };
    let parsed = parse_new_registration(&input, today).map_err(|e| to_rows(e, "products", &rows));
    let result = match parsed {
        Ok(registration) if errors.is_empty() => {
            state
                .store
                .submit_registration(&viewer.actor(), registration, state.clock.now())
                .await
        }
        Ok(_) => Err(StoreError::Invalid(FieldErrors::default())),
        Err(more) => Err(StoreError::Invalid(more)),
    };
    match result {
        Ok(reg) => Ok(Redirect::to(&format!("/registrations/{}", reg.id)).into_response()),
        Err(StoreError::Invalid(more)) => {
            errors.0.extend(to_rows(more, "products", &rows).0);
            form_page(&state, viewer, form, FormErrors::from_fields(errors)).await
        }
        Err(other) => Err(other.into()),
    }
}

/// "Already registered?": claimed or free, as the API answers partners (never by whom).
async fn check_claim(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<RegistrationForm>,
) -> Result<Response, UiError> {
    let skus: Vec<String> = (0..FORM_LINES)
        .map(|r| form.sku(r).to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let input = ClaimCheckInput {
        customer: Some(form.customer()),
        products: (!skus.is_empty()).then_some(skus),
    };
    let html = match parse_claim_check(&input) {
        Err(_) => r#"<p class="note">Type the customer's name and country first.</p>"#.to_owned(),
        Ok((customer, skus)) => match state.store.check_claim(&viewer.actor(), customer, skus).await? {
            ClaimStatus::Claimed => r#"<p class="warn" role="status"><strong>Already registered.</strong> Another registration protects this customer for these products; talk to your channel manager before filing.</p>"#.to_owned(),
            ClaimStatus::Free => r#"<p class="ok" role="status"><strong>Not registered yet.</strong> You can file it.</p>"#.to_owned(),
        },
    };
    Ok(Html(html).into_response())
}

#[derive(Deserialize)]
struct SuggestQuery {
    #[serde(default)]
    customer_name: String,
}

#[derive(Template)]
#[template(path = "customer_options.html")]
struct CustomerOptions {
    names: Vec<String>,
}

/// Customers whose name contains what was typed: the partner's own, or all for staff.
async fn suggest_customers(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<SuggestQuery>,
) -> Result<Response, UiError> {
    let typed = q.customer_name.trim().to_lowercase();
    let mut names = Vec::new();
    if typed.chars().count() >= 2 {
        let customers = state
            .store
            .list_customers(&viewer.actor(), PageRequest::first(PageRequest::MAX_LIMIT))
            .await?;
        names = customers
            .items
            .into_iter()
            .map(|c| c.name)
            .filter(|n| n.to_lowercase().contains(&typed))
            .collect();
        names.sort();
        names.dedup();
        names.truncate(10);
    }
    render(&CustomerOptions { names })
}

#[derive(Template)]
#[template(path = "registration.html")]
struct RegistrationPage {
    chrome: Chrome,
    reg: Registration,
    timeline: Vec<(AuditEntry, String)>,
    requests: Vec<ChangeRequestRecord>,
    decides: bool,
    partner_acts: bool,
    extend_to: String,
    default_days: u32,
    submitted: String,
}

async fn registration(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, UiError> {
    let actor = viewer.actor();
    let reg = state.store.get_registration(&actor, id).await?;
    let settings = state.store.settings().await?;
    let zone = settings.zone();
    let timeline = state
        .store
        .registration_history(&actor, id)
        .await?
        .into_iter()
        .map(|e| {
            let at = when(e.at, &zone);
            (e, at)
        })
        .collect();
    let requests = state.store.list_change_requests(&actor, id).await?;
    let decides = can_decide(&actor, reg.partner_id, reg.approver_id) == Access::Allowed;
    let partner_acts = can_request_change(&actor, reg.partner_id) == Access::Allowed;
    let extend_to = reg
        .valid_through
        .map(|d| {
            d.saturating_add(i64::from(settings.default_validity_days).days())
                .to_string()
        })
        .unwrap_or_default();
    let submitted = when(reg.submitted_at, &zone);
    render(&RegistrationPage {
        chrome: viewer.chrome.titled(format!("Registration #{id}")),
        reg,
        timeline,
        requests,
        decides,
        partner_acts,
        extend_to,
        default_days: settings.default_validity_days,
        submitted,
    })
}

#[derive(Deserialize)]
struct ApproveForm {
    validity_days: Option<String>,
    acknowledge: Option<String>,
    note: Option<String>,
}

async fn approve(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ApproveForm>,
) -> Result<Response, UiError> {
    let days = form.validity_days.as_deref().map(str::trim).filter(|d| !d.is_empty());
    let input = ApproveInput {
        validity_days: match days.map(str::parse::<u32>) {
            Some(Ok(d)) => Some(d),
            Some(Err(_)) => {
                return Err(UiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Validity: a whole number of days.",
                ));
            }
            None => None,
        },
        valid_through: None,
        acknowledge_conflicts: Some(form.acknowledge.is_some()),
        note: form.note.as_deref().and_then(blank_to_none),
    };
    let approval = parse_approval(&input).map_err(|e| UiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    state
        .store
        .approve_registration(&viewer.actor(), id, approval, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!("/registrations/{id}")).into_response())
}

#[derive(Deserialize)]
struct ReasonForm {
    reason: Option<String>,
}

fn reason_input(form: &ReasonForm) -> ReasonInput {
    ReasonInput {
        reason: form.reason.as_deref().and_then(blank_to_none),
    }
}

fn invalid(e: FieldErrors) -> UiError {
    UiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
}

async fn decline(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ReasonForm>,
) -> Result<Response, UiError> {
    let reason = parse_decline(&DeclineInput {
        reason: reason_input(&form).reason,
    })
    .map_err(invalid)?;
    state
        .store
        .decline_registration(&viewer.actor(), id, reason, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!("/registrations/{id}")).into_response())
}

async fn withdraw(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ReasonForm>,
) -> Result<Response, UiError> {
    let reason = parse_optional_reason(&reason_input(&form)).map_err(invalid)?;
    state
        .store
        .withdraw_registration(&viewer.actor(), id, reason, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!("/registrations/{id}")).into_response())
}

#[derive(Deserialize)]
struct ExtendForm {
    valid_through: Option<String>,
    reason: Option<String>,
}

/// One-click extension request (REG-5): the partner asks; the manager decides.
async fn request_extension(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ExtendForm>,
) -> Result<Response, UiError> {
    let settings = state.store.settings().await?;
    let today = business_date(state.clock.now(), &settings.zone());
    let input = ChangeRequestInput {
        kind: Some("extension".into()),
        valid_through: form.valid_through.as_deref().and_then(blank_to_none),
        reason: form.reason.as_deref().and_then(blank_to_none),
        ..ChangeRequestInput::default()
    };
    let (change, reason) = parse_change_request(&input, today).map_err(invalid)?;
    state
        .store
        .request_change(&viewer.actor(), id, change, reason, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!("/registrations/{id}")).into_response())
}

#[derive(Deserialize)]
struct DecideForm {
    decision: String,
    reason: Option<String>,
}

async fn decide_request(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<DecideForm>,
) -> Result<Response, UiError> {
    let approve = form.decision == "approve";
    let reason_form = ReasonForm { reason: form.reason };
    let reason = if approve {
        parse_optional_reason(&reason_input(&reason_form)).map_err(invalid)?
    } else {
        Some(
            parse_decline(&DeclineInput {
                reason: reason_input(&reason_form).reason,
            })
            .map_err(invalid)?,
        )
    };
    let decided = state
        .store
        .decide_change(&viewer.actor(), id, approve, reason, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!("/registrations/{}", decided.registration_id)).into_response())
}

/// Submitted registrations for this viewer to decide, first filed first.
async fn approval_queue(state: &AppState, viewer: &Viewer, limit: u32) -> Result<Vec<RegistrationSummary>, UiError> {
    let filter = RegistrationFilter {
        status: Some(Status::Submitted),
        approver_id: (viewer.user.role == Role::ChannelManager).then_some(viewer.user.id),
        oldest_first: true,
        ..RegistrationFilter::default()
    };
    Ok(state
        .store
        .list_registrations(&viewer.actor(), filter, PageRequest::first(limit))
        .await?
        .items)
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    chrome: Chrome,
    rows: Vec<(RegistrationSummary, String)>,
}

async fn queue(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    if !matches!(viewer.user.role, Role::ChannelManager | Role::Admin) {
        return Err(UiError::new(
            StatusCode::FORBIDDEN,
            "The approval queue is for channel managers.",
        ));
    }
    let now = state.clock.now();
    let rows = approval_queue(&state, &viewer, QUEUE_PAGE)
        .await?
        .into_iter()
        .map(|r| {
            let waited = age(r.submitted_at, now);
            (r, waited)
        })
        .collect();
    render(&QueuePage {
        chrome: viewer.chrome.titled("Approval queue"),
        rows,
    })
}

// ---------------------------------------------------------------------------------------------
// Orders.

#[derive(Deserialize)]
struct OrderQuery {
    status: Option<String>,
    sor_number: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<i64>,
}

#[derive(Template)]
#[template(path = "orders.html")]
struct OrdersPage {
    chrome: Chrome,
    orders: Vec<Order>,
    status: String,
    sor_number: String,
    from: String,
    to: String,
    statuses: Vec<Choice>,
    next: Option<String>,
    problem: Option<String>,
}

async fn orders(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<OrderQuery>,
) -> Result<Response, UiError> {
    let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or_default().to_owned();
    let (status, sor_number, from, to) = (text(&q.status), text(&q.sor_number), text(&q.from), text(&q.to));
    let mut problems = Vec::new();
    let mut parse = |field: &str, raw: &str| -> Option<jiff::civil::Date> {
        (!raw.is_empty())
            .then(|| {
                raw.parse()
                    .map_err(|_| problems.push(format!("{field}: '{raw}' is not a date")))
                    .ok()
            })
            .flatten()
    };
    let filter = OrderFilter {
        status: (!status.is_empty()).then(|| OrderStatus::parse(&status).ok()).flatten(),
        sor_number: (!sor_number.is_empty()).then(|| {
            sor_number
                .parse::<domain::sor::SorNumber>()
                .map(|n| n.to_string())
                .unwrap_or_else(|_| sor_number.clone())
        }),
        from: parse("From", &from),
        to: parse("To", &to),
        ..OrderFilter::default()
    };
    let page = PageRequest {
        cursor: q.cursor,
        limit: PageRequest::DEFAULT_LIMIT,
    };
    let listed = state.store.list_orders(&viewer.actor(), filter, page).await?;
    let next = listed.next_cursor.map(|c| {
        format!(
            "/orders?status={}&sor_number={}&from={}&to={}&cursor={c}",
            url_encode(&status),
            url_encode(&sor_number),
            url_encode(&from),
            url_encode(&to)
        )
    });
    render(&OrdersPage {
        chrome: viewer.chrome.titled("Orders"),
        orders: listed.items,
        statuses: named(
            &OrderStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            &status,
        ),
        status,
        sor_number,
        from,
        to,
        next,
        problem: (!problems.is_empty()).then(|| problems.join("; ")),
    })
}

#[derive(Default, Deserialize)]
struct OrderForm {
    #[serde(default)]
    partner_id: String,
    #[serde(default)]
    po_number: String,
    #[serde(default)]
    sor_number: String,
    /// PO lines pasted from the partner's document: `SKU, quantity` per line.
    #[serde(default)]
    paste: String,
    #[serde(flatten)]
    customer: RegistrationForm,
}

/// `MB-100, 2` / `MB-100;2` / `MB-100<tab>2` / `MB-100 2` per line; blank lines skipped.
fn pasted_lines(text: &str, errors: &mut FieldErrors) -> Vec<ProductLineInput> {
    let mut lines = Vec::new();
    for (n, raw) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let mut parts = raw
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|p| !p.is_empty());
        match (parts.next(), parts.next().map(str::parse::<i64>), parts.next()) {
            (Some(sku), Some(Ok(quantity)), None) => lines.push(ProductLineInput {
                sku: Some(sku.to_owned()),
                quantity: Some(quantity),
            }),
            _ => errors.add(
                "paste",
                format!("line {}: write the SKU and the quantity, e.g. MB-100, 2", n + 1),
            ),
        }
    }
    lines
}

#[derive(Template)]
#[template(path = "order_form.html")]
struct OrderFormPage {
    chrome: Chrome,
    form: OrderForm,
    errors: FormErrors,
    products: Vec<Product>,
    partners: Vec<Choice>,
    lines: Vec<FormLine>,
    other_errors: Vec<String>,
    segments: Vec<Choice>,
    names_partner: bool,
}

async fn order_form_page(
    state: &AppState,
    viewer: Viewer,
    form: OrderForm,
    errors: FormErrors,
) -> Result<Response, UiError> {
    if !may_read_orders(&viewer) {
        return Err(UiError::new(
            StatusCode::FORBIDDEN,
            "Orders are entered by order entry and partners.",
        ));
    }
    let products = state
        .store
        .list_products(state.clock.now(), PageRequest::first(PageRequest::MAX_LIMIT))
        .await?
        .items;
    let names_partner = !is_partner(&viewer);
    let partners = if names_partner {
        let listed = state
            .store
            .list_partners(&viewer.actor(), PageRequest::first(PageRequest::MAX_LIMIT))
            .await?;
        choices(
            listed.items.into_iter().map(|p| (p.id.to_string(), p.name)),
            &form.partner_id,
        )
    } else {
        Vec::new()
    };
    let segments = named(SEGMENTS, &form.customer.segment);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = OrderFormPage {
        chrome: viewer.chrome.titled("Enter a purchase order"),
        lines: form_lines(&form.customer, &errors),
        other_errors: errors.others(
            &["customer.", "row"],
            &["lines", "po_number", "sor_number", "partner_id", "paste"],
        ),
        form,
        errors,
        products,
        partners,
        segments,
        names_partner,
    };
    Ok((status, render(&page)?).into_response())
}

async fn new_order(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    let form = OrderForm {
        customer: RegistrationForm {
            country: "US".into(),
            segment: "education".into(),
            ..RegistrationForm::default()
        },
        ..OrderForm::default()
    };
    order_form_page(&state, viewer, form, FormErrors::default()).await
}

async fn enter_order(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<OrderForm>,
) -> Result<Response, UiError> {
    let c = &form.customer;
    let (mut lines, rows, mut errors) = product_rows(|r| c.sku(r).to_owned(), |r| c.qty(r).to_owned());
    lines.extend(pasted_lines(&form.paste, &mut errors));
    let partner_id = match form.partner_id.trim() {
        "" => None,
        raw => raw
            .parse()
            .map_err(|_| errors.add("partner_id", "choose a partner"))
            .ok(),
    };
    let input = OrderInput {
        partner_id,
        po_number: blank_to_none(&form.po_number),
        customer: Some(c.customer()),
        sor_number: blank_to_none(&form.sor_number),
        lines: Some(lines),
    };
    let result = match parse_order(&input) {
        Ok(order) if errors.is_empty() => state.store.enter_order(&viewer.actor(), order, state.clock.now()).await,
        Ok(_) => Err(StoreError::Invalid(FieldErrors::default())),
        Err(more) => Err(StoreError::Invalid(more)),
    };
    match result {
        Ok(entry) => Ok(Redirect::to(&format!("/orders/{}", entry.order.id)).into_response()),
        Err(StoreError::Invalid(more)) => {
            errors.0.extend(to_rows(more, "lines", &rows).0);
            order_form_page(&state, viewer, form, FormErrors::from_fields(errors)).await
        }
        Err(StoreError::Conflict { message, .. }) => {
            errors.add("po_number", message);
            order_form_page(&state, viewer, form, FormErrors::from_fields(errors)).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage {
    chrome: Chrome,
    order: Order,
    entered: String,
}

async fn order(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, UiError> {
    let order = state.store.get_order(&viewer.actor(), id).await?;
    let zone = state.store.settings().await?.zone();
    let entered = when(order.entered_at, &zone);
    render(&OrderPage {
        chrome: viewer.chrome.titled(format!("Order {}", order.po_number)),
        order,
        entered,
    })
}

// ---------------------------------------------------------------------------------------------
// Price list and notifications.

#[derive(Template)]
#[template(path = "products.html")]
struct ProductsPage {
    chrome: Chrome,
    products: Vec<Product>,
}

async fn products(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    let mut products = Vec::new();
    let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
    loop {
        let listed: Page<Product> = state.store.list_products(state.clock.now(), page).await?;
        products.extend(listed.items);
        match listed.next_cursor.and_then(|c| c.parse().ok()) {
            Some(cursor) => page.cursor = Some(cursor),
            None => break,
        }
    }
    products.sort_by(|a, b| (&a.category, &a.sku).cmp(&(&b.category, &b.sku)));
    render(&ProductsPage {
        chrome: viewer.chrome.titled("Price list"),
        products,
    })
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    chrome: Chrome,
    items: Vec<(Notification, String)>,
    next: Option<String>,
}

#[derive(Deserialize)]
struct CursorQuery {
    cursor: Option<i64>,
}

async fn notifications(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<CursorQuery>,
) -> Result<Response, UiError> {
    let zone = state.store.settings().await?.zone();
    let page = PageRequest {
        cursor: q.cursor,
        limit: PageRequest::DEFAULT_LIMIT,
    };
    let listed = state.store.list_notifications(&viewer.actor(), page).await?;
    let next = listed.next_cursor.map(|c| format!("/notifications?cursor={c}"));
    let items = listed
        .items
        .into_iter()
        .map(|n| {
            let at = when(n.created_at, &zone);
            (n, at)
        })
        .collect();
    render(&NotificationsPage {
        chrome: viewer.chrome.titled("Notifications"),
        items,
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_time_reads_like_a_person_would_say_it() {
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        assert_eq!(age(t("2026-11-22T10:00:00Z"), t("2026-11-22T10:07:00Z")), "7 min");
        assert_eq!(age(t("2026-11-22T10:00:00Z"), t("2026-11-22T13:30:00Z")), "3 h 30 min");
        assert_eq!(age(t("2026-11-19T06:00:00Z"), t("2026-11-22T10:00:00Z")), "3 d 4 h");
    }

    #[test]
    fn pasted_po_lines_take_common_separators() {
        let mut errors = FieldErrors::default();
        let lines = pasted_lines("MB-100, 2\n\nPEN-2;10\nLAMP\t1\nCORD 3\nwhat is this\n", &mut errors);
        let parsed: Vec<_> = lines
            .iter()
            .map(|l| (l.sku.clone().unwrap(), l.quantity.unwrap()))
            .collect();
        assert_eq!(
            parsed,
            [
                ("MB-100".into(), 2),
                ("PEN-2".into(), 10),
                ("LAMP".into(), 1),
                ("CORD".into(), 3)
            ]
        );
        assert_eq!(
            errors.0[0].message,
            "line 6: write the SKU and the quantity, e.g. MB-100, 2"
        );
    }

    #[test]
    fn line_errors_land_on_the_form_row_they_came_from() {
        let errors = FieldErrors::single("products[1].sku", "MB-9 is not on the price list");
        let moved = to_rows(errors, "products", &[0, 3]);
        assert_eq!(moved.0[0].field, "row3.sku");
    }
}
