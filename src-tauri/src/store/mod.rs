//! What the app keeps on disk: its directories, settings, credentials (token in the OS keyring),
//! the CA files a user imported, how far each account's history was seen, and its log files.

pub mod ca_files;
pub mod credentials;
pub mod files;
pub mod history_seen;
pub mod log_file;
pub mod settings;
