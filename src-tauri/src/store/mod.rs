//! What the app keeps on disk: its directories, settings, credentials (token in the OS keyring)
//! and the CA files a user imported.

pub mod ca_files;
pub mod credentials;
pub mod files;
pub mod settings;
