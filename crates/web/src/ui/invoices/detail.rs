//! One invoice: its figures, lines (with what credit notes took back), payments and credit notes, and
//! for finance the forms to issue it, record a payment or a credit note, or cancel it. A refused form
//! comes back with its message beside its field and what was typed kept.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::{day, when};
use crate::ui::forms::{Choice, choices, typed_amount_in};
use crate::ui::registrations::{Forms, Outcome, Refused, invalid, outcome};
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::access::Access;
use domain::calendar::business_date;
use domain::commissions::policy::can_read_commissions;
use domain::invoices::InvoiceStatus;
use domain::invoices::input::{
    CreditLineInput, CreditNoteInput, IssueInput, PaymentInput, parse_credit_note, parse_issue, parse_payment,
};
use domain::invoices::policy::can_keep_invoices;
use domain::orders::policy::can_read_order;
use domain::{FieldErrors, Money};
use serde::Deserialize;
use store::Invoice;

pub fn routes() -> Pages {
    Pages::default()
        .get("/invoices/{id}", invoice)
        .post("/invoices/{id}/issue", issue)
        .post("/invoices/{id}/payments", pay)
        .post("/invoices/{id}/credit-notes", credit)
        .post("/invoices/{id}/cancel", cancel)
}

pub struct LineView {
    pub no: i64,
    pub sku: String,
    pub description: String,
    pub quantity: i64,
    pub amount: Money,
    /// The vendor's cost: absent for a partner.
    pub cost: Option<Money>,
    pub credited: Money,
}

pub struct EventView {
    pub external_id: String,
    pub on: String,
    pub amount: Money,
    pub what: String,
    pub recorded: String,
}

/// What finance may do with the invoice as it stands.
pub struct Can {
    pub issue: bool,
    pub pay: bool,
    pub credit: bool,
    pub cancel: bool,
}

#[derive(Template)]
#[template(path = "invoices/detail.html")]
struct InvoicePage {
    chrome: Chrome,
    i: Invoice,
    status: String,
    issued: String,
    /// The viewer reads orders (order entry, administrators, the ordering partner).
    order_link: bool,
    lines: Vec<LineView>,
    payments: Vec<EventView>,
    credit_notes: Vec<EventView>,
    can: Can,
    forms: Forms,
    today: String,
    creditable: Vec<Choice>,
    /// The vendor's staff see its cost.
    show_cost: bool,
    /// What the invoice earns paid in full, for those who read commissions.
    preview: Option<store::InvoicePreview>,
}

fn money(i: &Invoice, amount_minor: i64) -> Money {
    Money {
        amount_minor,
        currency: i.currency,
    }
}

fn can(actor: &domain::Actor, i: &Invoice) -> Can {
    let keeper = can_keep_invoices(actor);
    Can {
        issue: keeper && i.status == InvoiceStatus::Draft,
        pay: keeper && i.status == InvoiceStatus::Issued,
        credit: keeper && matches!(i.status, InvoiceStatus::Issued | InvoiceStatus::Paid),
        cancel: keeper
            && (i.status == InvoiceStatus::Draft || (i.status == InvoiceStatus::Issued && i.paid.amount_minor == 0)),
    }
}

async fn invoice(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, UiError> {
    page(&state, viewer, id, None).await
}

async fn page(state: &AppState, viewer: Viewer, id: i64, refused: Option<Refused>) -> Result<Response, UiError> {
    let actor = viewer.actor();
    let i = state.store.get_invoice(&actor, id).await?;
    let zone = state.store.settings().await?.zone();
    let status = refused.as_ref().map_or(StatusCode::OK, |r| r.status);
    let forms = Forms(refused);
    let lines = i
        .lines
        .iter()
        .map(|l| LineView {
            no: l.line_no,
            sku: l.sku.clone(),
            description: l.description.clone().unwrap_or_default(),
            quantity: l.quantity,
            amount: money(&i, l.amount_minor),
            cost: l.cost_minor.map(|c| money(&i, c)),
            credited: money(&i, l.credited_minor),
        })
        .collect();
    let payments = i
        .payments
        .iter()
        .map(|p| EventView {
            external_id: p.external_id.clone(),
            on: day(p.paid_on),
            amount: money(&i, p.amount_minor),
            what: String::new(),
            recorded: when(p.recorded_at, &zone),
        })
        .collect();
    let credit_notes = i
        .credit_notes
        .iter()
        .map(|n| EventView {
            external_id: n.external_id.clone(),
            on: day(n.credited_on),
            amount: money(&i, n.amount_minor),
            what: n
                .lines
                .iter()
                .map(|l| format!("line {}: {}", l.line_no, money(&i, l.amount_minor)))
                .collect::<Vec<_>>()
                .join(", "),
            recorded: when(n.recorded_at, &zone),
        })
        .collect();
    let chosen = forms.value("credit", "line_no", "");
    let creditable = choices(
        i.lines.iter().filter(|l| l.credited_minor < l.amount_minor).map(|l| {
            let left = money(&i, l.amount_minor - l.credited_minor);
            (
                l.line_no.to_string(),
                format!("{} · {} — {left} left", l.line_no, l.sku),
            )
        }),
        &chosen,
    );
    let preview = match can_read_commissions(&actor, Some(i.partner_id)) {
        Access::Allowed => Some(state.store.preview_invoice(&actor, i.id, state.clock.now()).await?),
        _ => None,
    };
    let page = InvoicePage {
        preview,
        chrome: viewer.chrome.titled(format!("Invoice {}", i.number)),
        status: super::list::status_label(&i),
        issued: i.issued_on.map_or_else(|| "Not issued yet".to_owned(), day),
        order_link: can_read_order(&actor, i.partner_id) == Access::Allowed,
        lines,
        payments,
        credit_notes,
        can: can(&actor, &i),
        forms,
        today: business_date(state.clock.now(), &zone).to_string(),
        creditable,
        show_cost: actor.is_staff(),
        i,
    };
    Ok((status, render(&page)?).into_response())
}

/// The invoice's page after a form: itself when done, or again with the refusal and what was typed.
async fn after(state: &AppState, viewer: Viewer, id: i64, outcome: Outcome) -> Result<Response, UiError> {
    match outcome? {
        Ok(()) => Ok(Redirect::to(&format!("/invoices/{id}")).into_response()),
        Err(refused) => page(state, viewer, id, Some(refused)).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct IssueForm {
    issued_on: String,
}

async fn issue(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<IssueForm>,
) -> Result<Response, UiError> {
    const FIELDS: &[(&str, &str)] = &[("issued_on", "issued_on")];
    let input = IssueInput {
        issued_on: Some(form.issued_on.clone()).filter(|d| !d.trim().is_empty()),
    };
    let result = match parse_issue(&input) {
        Err(e) => Ok(Err(invalid("issue", e, FIELDS))),
        Ok(date) => {
            let done = state
                .store
                .issue_invoice(&viewer.actor(), id, date, state.clock.now())
                .await;
            outcome("issue", FIELDS, done)
        }
    };
    let result = result.map(|r| r.map_err(|refused| refused.typed("issued_on", Some(&form.issued_on))));
    after(&state, viewer, id, result).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MoneyForm {
    external_id: String,
    amount: String,
    on: String,
    line_no: String,
}

impl MoneyForm {
    fn kept(&self, refused: Refused) -> Refused {
        refused
            .typed("external_id", Some(&self.external_id))
            .typed("amount", Some(&self.amount))
            .typed("on", Some(&self.on))
            .typed("line_no", Some(&self.line_no))
    }

    fn text(raw: &str) -> Option<String> {
        Some(raw.trim().to_owned()).filter(|t| !t.is_empty())
    }

    /// The amount as typed in the invoice's currency; an unreadable one is named under `amount`.
    fn amount(&self, invoice: &Invoice, errors: &mut FieldErrors) -> Option<i64> {
        let raw = Self::text(&self.amount)?;
        typed_amount_in(&raw, invoice.currency)
            .map_err(|m| errors.add("amount_minor", m))
            .ok()
    }
}

/// Parses a money form with `parse` (its amount typed in the invoice's currency), then calls the store.
async fn money_form<I, F, Fut>(
    state: &AppState,
    viewer: Viewer,
    id: i64,
    (name, fields): (&'static str, &[(&str, &'static str)]),
    form: MoneyForm,
    parse: impl FnOnce(&MoneyForm, Option<i64>) -> Result<I, FieldErrors>,
    call: F,
) -> Result<Response, UiError>
where
    F: FnOnce(I) -> Fut,
    Fut: std::future::Future<Output = Result<Invoice, store::StoreError>>,
{
    let invoice = state.store.get_invoice(&viewer.actor(), id).await?;
    let mut errors = FieldErrors::default();
    let amount = form.amount(&invoice, &mut errors);
    let parsed = parse(&form, amount).map_err(|more| {
        // An amount that did not read is named once, by its own message.
        let unread = !errors.is_empty();
        errors.0.extend(
            more.0
                .into_iter()
                .filter(|e| !(unread && e.field.ends_with("amount_minor"))),
        );
        errors
    });
    let result = match parsed {
        Err(e) => Ok(Err(invalid(name, e, fields))),
        Ok(input) => outcome(name, fields, call(input).await),
    };
    let result = result.map(|r| r.map_err(|refused| form.kept(refused)));
    after(state, viewer, id, result).await
}

async fn pay(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<MoneyForm>,
) -> Result<Response, UiError> {
    const FIELDS: &[(&str, &str)] = &[
        ("external_id", "external_id"),
        ("amount_minor", "amount"),
        ("paid_on", "on"),
    ];
    let actor = viewer.actor();
    let now = state.clock.now();
    let store = state.store.clone();
    let parse = |f: &MoneyForm, amount: Option<i64>| {
        parse_payment(&PaymentInput {
            external_id: MoneyForm::text(&f.external_id),
            amount_minor: amount,
            paid_on: MoneyForm::text(&f.on),
        })
    };
    money_form(
        &state,
        viewer,
        id,
        ("payment", FIELDS),
        form,
        parse,
        |payment| async move { store.record_payment(&actor, id, payment, now).await },
    )
    .await
}

async fn credit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<MoneyForm>,
) -> Result<Response, UiError> {
    const FIELDS: &[(&str, &str)] = &[
        ("external_id", "external_id"),
        ("amount_minor", "amount"),
        ("lines[0].amount_minor", "amount"),
        ("lines[0].line_no", "line_no"),
        ("lines", "line_no"),
        ("credited_on", "on"),
    ];
    let actor = viewer.actor();
    let now = state.clock.now();
    let store = state.store.clone();
    let parse = |f: &MoneyForm, amount: Option<i64>| {
        parse_credit_note(&CreditNoteInput {
            external_id: MoneyForm::text(&f.external_id),
            credited_on: MoneyForm::text(&f.on),
            lines: Some(vec![CreditLineInput {
                line_no: f.line_no.trim().parse().ok(),
                amount_minor: amount,
            }]),
        })
    };
    money_form(&state, viewer, id, ("credit", FIELDS), form, parse, |note| async move {
        store.record_credit_note(&actor, id, note, now).await
    })
    .await
}

async fn cancel(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, UiError> {
    let done = state.store.cancel_invoice(&viewer.actor(), id, state.clock.now()).await;
    let result = outcome("cancel", &[], done);
    after(&state, viewer, id, result).await
}
