//! dealreg's business rules. Pure functions and types: no I/O, no clock reads — callers pass `now`.
//!
//! Every rule taken from a seed document lives in one function here, with a comment naming the seed
//! (`seed 000` = the SOR program, `001` = rules of engagement, `002` = deal desk, `003` = partner program).

pub mod access;
pub mod audit;
pub mod calendar;
pub mod commissions;
pub mod directory;
pub mod documents;
mod fields;
pub mod invoices;
pub mod leads;
pub mod money;
pub mod notify;
pub mod opportunities;
pub mod orders;
pub mod registrations;
pub mod roles;
pub mod settings;
pub mod sor;
pub mod str_enum;
#[cfg(test)]
mod testing;

pub use fields::{FieldError, FieldErrors};
pub use money::{Currency, Money};
pub use roles::{Actor, Role};
