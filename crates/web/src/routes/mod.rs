pub mod directory;
pub mod registrations;
