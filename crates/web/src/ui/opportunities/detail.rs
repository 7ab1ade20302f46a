//! One opportunity: its manager and team, manager history, forecast, grace countdown, plan, what is
//! linked to it, its requests, the shared timeline, and the forms of what the viewer may do. A refused
//! form comes back to this page with its message beside its field and what was typed kept.

use super::documents::{self, DocumentsView};
use super::{partner_choices, party_choices, party_label, rights_line};
use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::{day, when};
use crate::ui::forms::{Choice, FormErrors, FormLine, choices, product_options};
use crate::ui::registrations::{Forms, Refused, RegistrationForm, form_lines, price_list};
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::Actor;
use domain::calendar::business_date;
use domain::directory::products::MAX_LINES;
use domain::opportunities::policy::{acts_as, can_add_note, can_manage, is_sales_management};
use domain::opportunities::{MemberRole, Status, percent};
use serde::Deserialize;
use store::{OpportunityDetail, OpportunityRequest, OpportunityRequestKind};

pub fn routes() -> Pages {
    Pages::default().get("/opportunities/{id}", opportunity)
}

/// The edit form as typed: name, stage, and the registration form's forecast (`value`), close date
/// (`expected_close`), plan (`description`) and product lines.
#[derive(Default, Deserialize)]
pub struct EditForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub stage: String,
    #[serde(flatten)]
    pub base: RegistrationForm,
}

impl EditForm {
    /// The opportunity as it stands, to start the form from.
    fn of(d: &OpportunityDetail) -> EditForm {
        let o = &d.opportunity;
        let mut base = RegistrationForm {
            // As people read it, "12,000.50": the form reads it back with `typed_amount`.
            value: o
                .forecast
                .to_string()
                .trim_end_matches(o.forecast.currency.as_str())
                .trim()
                .to_owned(),
            expected_close: o.close_date.to_string(),
            description: o.plan.clone().unwrap_or_default(),
            ..RegistrationForm::default()
        };
        for (row, line) in o.products.iter().enumerate() {
            base.lines
                .insert(format!("sku_{row}"), format!("{} — {}", line.sku, line.product_name));
            base.lines.insert(format!("qty_{row}"), line.quantity.to_string());
        }
        EditForm {
            name: o.name.clone(),
            stage: o.stage.clone(),
            base,
        }
    }
}

/// The edit form sent back: what was typed and what is wrong with it.
pub struct EditRefused {
    pub form: EditForm,
    pub errors: FormErrors,
}

/// A member as the team shows it.
pub struct MemberView {
    pub name: String,
    pub role: String,
    pub share: Option<String>,
}

pub struct TermView {
    pub who: String,
    pub from: String,
    pub to: String,
    pub why: String,
}

pub struct RequestView {
    pub title: &'static str,
    pub status: String,
    pub pending: bool,
    pub what: String,
    pub asked: String,
    pub decided: Option<String>,
    pub kind: OpportunityRequestKind,
}

pub struct NoteView {
    pub who: String,
    pub at: String,
    pub body: String,
}

/// What the viewer may do here.
pub struct Can {
    pub manage: bool,
    pub decide_close_date: bool,
    pub decide_share: bool,
    pub ask_share: bool,
    pub reassign: bool,
    pub note: bool,
    /// Share a quote or contract (ROE-4): the selling team, as for notes.
    pub share_document: bool,
}

/// The rows of the revenue-share form: at most four parties.
pub const SHARE_ROWS: [(&str, &str); 4] = [
    ("party_0", "percent_0"),
    ("party_1", "percent_1"),
    ("party_2", "percent_2"),
    ("party_3", "percent_3"),
];

pub struct ShareRow {
    pub party_field: &'static str,
    pub percent_field: &'static str,
    pub parties: Vec<Choice>,
    pub percent: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "opportunities/detail.html")]
struct OpportunityPage {
    chrome: Chrome,
    d: OpportunityDetail,
    manager: String,
    members: Vec<MemberView>,
    history: Vec<TermView>,
    rights: String,
    close: String,
    major: Option<String>,
    requests: Vec<RequestView>,
    timeline: Vec<NoteView>,
    documents: DocumentsView,
    can: Can,
    forms: Forms,
    edit: EditForm,
    /// The edit form came back (refused, or a line added or removed): shown open.
    edit_sent: bool,
    errors: FormErrors,
    stages: Vec<Choice>,
    products: Vec<Choice>,
    lines: Vec<FormLine>,
    lines_action: String,
    can_add_line: bool,
    share_rows: Vec<ShareRow>,
    parties: Vec<Choice>,
    partners: Vec<Choice>,
}

async fn opportunity(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, UiError> {
    page(&state, viewer, id, None, None).await
}

fn request_view(r: &OpportunityRequest, zone: &jiff::tz::TimeZone, names: &[store::NamedParty]) -> RequestView {
    let (title, what) = match r.kind {
        OpportunityRequestKind::CloseDate => (
            "Later forecast close date",
            format!(
                "Close on {}{}",
                r.close_date.map(day).unwrap_or_default(),
                r.reason.as_deref().map(|w| format!(": “{w}”")).unwrap_or_default()
            ),
        ),
        OpportunityRequestKind::RevenueShare => (
            "Revenue-share team",
            r.shares
                .iter()
                .map(|s| {
                    let name = names.iter().find(|n| n.party == s.party).map_or_else(
                        || format!("{} {}", s.party.kind.label(), s.party.id),
                        |n| n.name.clone(),
                    );
                    format!("{name} {}", percent(u64::from(s.share_bp)))
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
    };
    RequestView {
        title,
        status: crate::ui::forms::sentence(&r.status).trim_end_matches('.').to_owned(),
        pending: r.status == "pending",
        what,
        asked: format!("{}, {}", r.requested_by_name, when(r.created_at, zone)),
        decided: r.decided_at.map(|at| {
            let note = r.note.as_deref().map(|n| format!(": “{n}”")).unwrap_or_default();
            format!("{}{note}", when(at, zone))
        }),
        kind: r.kind,
    }
}

fn can(actor: &Actor, d: &OpportunityDetail) -> Can {
    let o = &d.opportunity;
    let open = o.status == Status::Open;
    let pending = |kind| d.requests.iter().any(|r| r.kind == kind && r.status == "pending");
    let mam = d
        .major_account
        .as_ref()
        .is_some_and(|m| acts_as(actor, m.manager.party));
    Can {
        manage: open && can_manage(actor, o.manager.party) == domain::access::Access::Allowed,
        decide_close_date: is_sales_management(actor) && pending(OpportunityRequestKind::CloseDate),
        decide_share: mam && pending(OpportunityRequestKind::RevenueShare),
        ask_share: open
            && !pending(OpportunityRequestKind::RevenueShare)
            && d.members
                .iter()
                .any(|m| m.role == MemberRole::TurnedOver && acts_as(actor, m.member.party)),
        reassign: open && is_sales_management(actor),
        note: can_add_note(actor),
        share_document: can_add_note(actor),
    }
}

/// Everyone the page names: manager, members and past managers, for the requests' shares.
fn named(d: &OpportunityDetail) -> Vec<store::NamedParty> {
    let mut all = vec![d.opportunity.manager.clone()];
    all.extend(d.members.iter().map(|m| m.member.clone()));
    all.extend(d.managers.iter().map(|t| t.manager.clone()));
    all
}

fn members_of(d: &OpportunityDetail) -> Vec<MemberView> {
    d.members
        .iter()
        .map(|m| MemberView {
            name: party_label(&m.member),
            role: m.role.label().into_owned(),
            share: m.share_bp.map(|bp| percent(u64::from(bp))),
        })
        .collect()
}

fn history_of(d: &OpportunityDetail, zone: &jiff::tz::TimeZone) -> Vec<TermView> {
    d.managers
        .iter()
        .map(|t| TermView {
            who: party_label(&t.manager),
            from: when(t.from, zone),
            to: t.to.map_or_else(|| "now".to_owned(), |to| when(to, zone)),
            why: t.reason.clone(),
        })
        .collect()
}

fn timeline_of(d: &OpportunityDetail, zone: &jiff::tz::TimeZone) -> Vec<NoteView> {
    d.timeline
        .iter()
        .map(|n| NoteView {
            who: n.author_name.clone(),
            at: when(n.created_at, zone),
            body: n.body.clone(),
        })
        .collect()
}

/// The revenue-share form's rows: as typed, or the manager and the turned-over party to start.
fn share_rows(d: &OpportunityDetail, forms: &Forms, parties: &[Choice]) -> Vec<ShareRow> {
    let turned_over = d.members.iter().find(|m| m.role == MemberRole::TurnedOver);
    SHARE_ROWS
        .iter()
        .enumerate()
        .map(|(i, (party, pct))| {
            let default = match (i, turned_over) {
                (0, Some(m)) => super::party_value(m.member.party),
                (1, _) => super::party_value(d.opportunity.manager.party),
                _ => String::new(),
            };
            let chosen = forms.value("share", party, &default);
            ShareRow {
                party_field: party,
                percent_field: pct,
                parties: parties
                    .iter()
                    .map(|c| Choice {
                        value: c.value.clone(),
                        label: c.label.clone(),
                        selected: c.value == chosen,
                    })
                    .collect(),
                percent: forms.value("share", pct, ""),
                error: forms.error("share", party).map(str::to_owned),
            }
        })
        .collect()
}

/// The opportunity's page; `refused`: a form sent back with its problems; `edit`: the edit form so.
pub async fn page(
    state: &AppState,
    viewer: Viewer,
    id: i64,
    refused: Option<Refused>,
    edit: Option<EditRefused>,
) -> Result<Response, UiError> {
    let actor = viewer.actor();
    let d = state.store.get_opportunity(&actor, id).await?;
    let settings = state.store.settings().await?;
    let zone = settings.zone();
    let today = business_date(state.clock.now(), &zone);
    let status = refused
        .as_ref()
        .map(|r| r.status)
        .or(edit
            .as_ref()
            .filter(|e| !e.errors.is_empty())
            .map(|_| StatusCode::UNPROCESSABLE_ENTITY))
        .unwrap_or(StatusCode::OK);
    let can = can(&actor, &d);
    let edit_sent = edit.is_some();
    let (edit, errors) = edit.map_or_else(|| (EditForm::of(&d), FormErrors::default()), |e| (e.form, e.errors));
    let forms = Forms(refused);
    let parties = if can.manage || can.ask_share || can.reassign {
        party_choices(state, &actor, &forms.value("reassign", "to", "")).await?
    } else {
        Vec::new()
    };
    let names = named(&d);
    let share_rows = share_rows(&d, &forms, &parties);
    let partners = if can.manage {
        partner_choices(state, &actor, &forms.value("co_sell", "partner_id", "")).await?
    } else {
        Vec::new()
    };
    let products = if can.manage {
        product_options(&price_list(state).await?)
    } else {
        Vec::new()
    };
    let lines = form_lines(&edit.base, &errors);
    let o = &d.opportunity;
    let page = OpportunityPage {
        chrome: viewer.chrome.titled(format!("{} · {}", o.number, o.name)),
        manager: party_label(&o.manager),
        members: members_of(&d),
        history: history_of(&d, &zone),
        timeline: timeline_of(&d, &zone),
        documents: documents::view(&d.documents, &forms, &zone),
        rights: rights_line(o.status, o.rights_through, today),
        close: day(o.close_date),
        major: d.major_account.as_ref().map(|m| {
            format!(
                "{} is a major account: its Major Account Manager is {}.",
                m.customer_name,
                party_label(&m.manager)
            )
        }),
        requests: d.requests.iter().map(|r| request_view(r, &zone, &names)).collect(),
        stages: choices(
            settings.pipeline_stages.iter().map(|s| (s.clone(), s.clone())),
            &edit.stage,
        ),
        can_add_line: lines.len() < MAX_LINES,
        lines,
        lines_action: format!("/opportunities/{id}/edit"),
        can,
        forms,
        edit,
        edit_sent,
        errors,
        products,
        share_rows,
        parties,
        partners,
        d,
    };
    Ok((status, render(&page)?).into_response())
}
