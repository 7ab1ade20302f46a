//! Customer invoices (issue 15, item 3): entered by finance, made from an order, or imported from
//! the ERP; issued, paid (in part or whole) or cancelled; credited line by line. What a partner earns
//! is decided on them — seed 003: when the invoice is paid, not merely issued.

pub mod files;
pub mod input;
pub mod policy;
#[cfg(test)]
mod tests;

use crate::money::{Currency, Money};
use crate::str_enum::str_enum;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    Draft,
    Issued,
    Paid,
    /// Credit notes took the whole amount back: nothing is owed, nothing is earned.
    Credited,
    Cancelled,
}
str_enum!(InvoiceStatus {
    Draft => "draft",
    Issued => "issued" as "Issued, awaiting payment",
    Paid => "paid",
    Credited => "credited" as "Fully credited",
    Cancelled => "cancelled",
});

/// What an invoice's money stands at, in its currency's minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Balance {
    pub currency: Currency,
    /// The sum of its lines as issued.
    pub total: i64,
    /// Taken back by credit notes.
    pub credited: i64,
    /// Received from the customer.
    pub paid: i64,
}

impl Balance {
    /// What the customer still owes.
    pub fn open(&self) -> i64 {
        self.total - self.credited - self.paid
    }

    fn money(&self, amount_minor: i64) -> Money {
        Money {
            amount_minor,
            currency: self.currency,
        }
    }

    /// The status an issued invoice has at this balance: paid once payments cover what credit notes
    /// left of it, credited when they left nothing and nothing was paid.
    pub fn status(&self) -> InvoiceStatus {
        if self.total - self.credited <= 0 && self.paid == 0 {
            InvoiceStatus::Credited
        } else if self.open() <= 0 {
            InvoiceStatus::Paid
        } else {
            InvoiceStatus::Issued
        }
    }
}

/// Only a draft is issued; issuing earns nothing yet (seed 003).
pub fn check_issue(status: InvoiceStatus) -> Result<(), String> {
    match status {
        InvoiceStatus::Draft => Ok(()),
        other => Err(format!("the invoice is {}, not a draft", other.label().to_lowercase())),
    }
}

/// A payment is taken on an issued invoice, up to what is still open: an overpayment is refused, not
/// kept as credit, so that commissions are never earned on money the customer did not owe.
pub fn check_payment(status: InvoiceStatus, balance: &Balance, amount: i64) -> Result<(), String> {
    if status != InvoiceStatus::Issued {
        return Err(match status {
            InvoiceStatus::Draft => "issue the invoice before recording a payment".into(),
            other => format!("the invoice is {}: it takes no payment", other.label().to_lowercase()),
        });
    }
    if amount > balance.open() {
        return Err(format!(
            "is more than the {} still open on the invoice",
            balance.money(balance.open())
        ));
    }
    Ok(())
}

/// An invoice line's amount and what credit notes already took back of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditRoom {
    pub amount: i64,
    pub credited: i64,
}

/// Only an issued or paid invoice is credited: a draft is changed or cancelled instead.
pub fn check_creditable(status: InvoiceStatus) -> Result<(), String> {
    match status {
        InvoiceStatus::Issued | InvoiceStatus::Paid => Ok(()),
        other => Err(format!(
            "the invoice is {}: only an issued or paid invoice is credited",
            other.label().to_lowercase()
        )),
    }
}

/// A credit note takes back at most what each line has left.
pub fn check_credit(balance: &Balance, line: CreditRoom, amount: i64) -> Result<(), String> {
    if amount > line.amount - line.credited {
        return Err(format!(
            "is more than the {} left on this line",
            balance.money(line.amount - line.credited)
        ));
    }
    Ok(())
}

/// A draft is cancelled; so is an issued invoice nobody paid yet. Money received is undone by a
/// credit note instead, so that what was earned on it is clawed back, never erased.
pub fn check_cancel(status: InvoiceStatus, balance: &Balance) -> Result<(), String> {
    match status {
        InvoiceStatus::Draft => Ok(()),
        InvoiceStatus::Issued if balance.paid == 0 => Ok(()),
        InvoiceStatus::Issued => Err("payments were received on it: credit it instead".into()),
        other => Err(format!("the invoice is {}", other.label().to_lowercase())),
    }
}
