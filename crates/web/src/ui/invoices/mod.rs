//! The invoices' pages (issue 15, item 3): the list (a partner's own, everyone's for the channel team
//! and finance), one invoice with its lines, payments and credit notes and finance's forms, and the
//! CSV import from the ERP. Each handler parses with the API's parsers and calls one store method with
//! the signed-in person as actor, so the store's rules decide what is shown and done.

mod detail;
mod import;
mod list;

use crate::ui::Pages;

pub fn routes() -> Pages {
    Pages::default()
        .merge(list::routes())
        .merge(import::routes())
        .merge(detail::routes())
}
