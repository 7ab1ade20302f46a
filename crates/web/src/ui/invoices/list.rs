//! `/invoices`: newest first, filtered by status and (for staff) partner, with what each owes.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::day;
use crate::ui::forms::{StatusFilter, choices, query_text};
use crate::ui::pager::{PageQuery, Pager};
use crate::ui::{Pages, all_pages, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use domain::invoices::InvoiceStatus;
use domain::invoices::policy::can_keep_invoices;
use serde::Deserialize;
use store::{Invoice, InvoiceFilter};

pub fn routes() -> Pages {
    Pages::default().get("/invoices", invoices)
}

#[derive(Deserialize, Default)]
struct InvoiceQuery {
    status: Option<String>,
    partner_id: Option<String>,
    #[serde(flatten)]
    page: PageQuery,
}

pub struct InvoiceRow {
    pub invoice: Invoice,
    pub issued: String,
    pub status: String,
}

/// The status as finance reads it: an issued invoice with money received is "Partly paid".
pub fn status_label(invoice: &Invoice) -> String {
    if invoice.status == InvoiceStatus::Issued && invoice.paid.amount_minor > 0 {
        "Partly paid".to_owned()
    } else {
        invoice.status.label().into_owned()
    }
}

#[derive(Template)]
#[template(path = "invoices/list.html")]
struct ListPage {
    chrome: Chrome,
    invoices: Vec<InvoiceRow>,
    filter: StatusFilter,
    may_keep: bool,
    pager: Pager,
}

async fn invoices(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<InvoiceQuery>,
) -> Result<Response, UiError> {
    let actor = viewer.actor();
    let (status, partner_id) = (query_text(&q.status), query_text(&q.partner_id));
    let filter = InvoiceFilter {
        status: InvoiceStatus::parse(&status).ok(),
        partner_id: partner_id.parse().ok(),
    };
    let listed = state.store.list_invoices(&actor, filter, q.page.request()).await?;
    let partners = if actor.role.is_partner() {
        Vec::new()
    } else {
        let all = all_pages(|page| state.store.list_partners(&actor, page)).await?;
        choices(all.into_iter().map(|p| (p.id.to_string(), p.name)), &partner_id)
    };
    let pager = Pager::new(
        "/invoices",
        &[("status", &status), ("partner_id", &partner_id)],
        &listed,
        false,
    );
    let page = ListPage {
        chrome: viewer.chrome.titled("Invoices"),
        invoices: listed
            .items
            .into_iter()
            .map(|invoice| InvoiceRow {
                issued: invoice.issued_on.map_or_else(|| "Not issued".to_owned(), day),
                status: status_label(&invoice),
                invoice,
            })
            .collect(),
        filter: StatusFilter {
            action: "/invoices",
            name: "status",
            label: "Status",
            statuses: choices(
                InvoiceStatus::ALL
                    .iter()
                    .map(|s| (s.as_str().to_owned(), s.label().into_owned())),
                &status,
            ),
            partners,
        },
        may_keep: can_keep_invoices(&actor),
        pager,
    };
    render(&page)
}
