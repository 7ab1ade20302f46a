pub mod directory;
pub mod files;
pub mod invoices;
pub mod leads;
pub mod notifications;
pub mod opportunities;
pub mod orders;
pub mod registrations;
