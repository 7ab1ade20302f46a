//! The orders' pages: the list, entering a purchase order, and one order.

mod detail;
mod form;
mod list;

use crate::ui::Pages;

pub fn routes() -> Pages {
    Pages::default()
        .merge(list::routes())
        .merge(form::routes())
        .merge(detail::routes())
}
