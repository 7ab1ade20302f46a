pub mod directory;
pub mod files;
pub mod orders;
pub mod registrations;
