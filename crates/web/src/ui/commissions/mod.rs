//! The commissions' pages (issue 15, items 1, 2, 5, 7, 8): the commission orders (finance's queue, a
//! partner's statements), one order with every line explained and its confirmation, the report with
//! its charts and CSV, the program's levels, stages, categories and plans, and a partner's terms.
//! Each handler parses with the API's parsers and calls one store method as the signed-in person.

mod orders;
mod partner;
mod plans;
mod program;
mod report;

use crate::ui::Pages;
use crate::ui::registrations::Refused;
use domain::Actor;
use domain::access::Access;
use domain::commissions::policy::can_read_commissions;

pub fn routes() -> Pages {
    Pages::default()
        .merge(orders::routes())
        .merge(report::routes())
        .merge(program::routes())
        .merge(plans::routes())
        .merge(partner::routes())
}

/// Who follows commissions: partners (their own), finance, administrators and channel management.
pub fn follows_commissions(actor: &Actor) -> bool {
    actor.role.is_partner() || can_read_commissions(actor, None) == Access::Allowed
}

/// A form's fields as typed, kept on a refusal.
fn keep(refused: Refused, typed: &[(&'static str, &str)]) -> Refused {
    typed
        .iter()
        .fold(refused, |refused, (field, value)| refused.typed(field, Some(value)))
}
