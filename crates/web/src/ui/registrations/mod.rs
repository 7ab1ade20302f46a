//! The registrations' pages: the list, registering a deal, one registration with its actions, and
//! the approval queue. Each handler calls the same store services as the JSON API with the
//! signed-in person as actor, so the store's rules decide what is shown.

mod actions;
mod detail;
mod discussion;
mod form;
mod list;
mod queue;

use crate::ui::Pages;

pub(crate) use actions::{Outcome, invalid, outcome, refused_by_store};
pub use detail::{Forms, Refused};
pub use form::{RegistrationForm, form_lines, price_list};
pub use queue::{QueueFilter, approval_queue, pending_requests};

pub fn routes() -> Pages {
    Pages::default()
        .merge(list::routes())
        .merge(form::routes())
        .merge(detail::routes())
        .merge(actions::routes())
        .merge(discussion::routes())
        .merge(queue::routes())
}
