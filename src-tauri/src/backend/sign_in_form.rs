//! What the sign-in form sends (docs/app-interface.md, `sign_in`), tidied: whitespace trimmed,
//! an empty CA path is none.

use crate::store::credentials::LastSignIn;
use std::path::PathBuf;

/// A sign-in to a server, from the form or from the remembered one at start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignInForm {
    /// `wss://host:port/ws`; empty or `embedded` is the embedded server.
    pub server: String,
    /// The app the account belongs to.
    pub app_key: String,
    /// The account.
    pub account: String,
    /// Its login token.
    pub token: String,
    /// An extra CA (PEM) trusted for the server's certificate.
    pub tls_ca_file: Option<PathBuf>,
    /// Plain `ws://` to a host off this machine is allowed ("Insecure, for testing").
    pub insecure: bool,
}

impl SignInForm {
    /// The form's fields as typed; surrounding whitespace (a pasted token's newline) is dropped.
    pub fn new(
        server: &str,
        app_key: &str,
        account: &str,
        token: &str,
        tls_ca_file: Option<&str>,
        insecure: bool,
    ) -> Self {
        Self {
            server: server.trim().to_owned(),
            app_key: app_key.trim().to_owned(),
            account: account.trim().to_owned(),
            token: token.trim().to_owned(),
            tls_ca_file: tls_ca_file
                .map(str::trim)
                .filter(|path| !path.is_empty())
                .map(PathBuf::from),
            insecure,
        }
    }

    /// The remembered sign-in with its token (signing in at start).
    pub fn remembered(last: LastSignIn, token: String) -> Self {
        Self {
            server: last.server,
            app_key: last.app_key,
            account: last.account,
            token,
            tls_ca_file: last.tls_ca_file,
            insecure: last.insecure,
        }
    }

    /// What the form remembers of it (everything but the token).
    pub fn to_last(&self) -> LastSignIn {
        LastSignIn {
            server: self.server.clone(),
            app_key: self.app_key.clone(),
            account: self.account.clone(),
            tls_ca_file: self.tls_ca_file.clone(),
            insecure: self.insecure,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_trimmed_and_an_empty_ca_is_none() {
        let form = SignInForm::new(
            " wss://h/ws ",
            "demo\n",
            " alice",
            "dt1.x\n",
            Some("  "),
            false,
        );
        assert_eq!(form.server, "wss://h/ws");
        assert_eq!(form.app_key, "demo");
        assert_eq!(form.account, "alice");
        assert_eq!(form.token, "dt1.x");
        assert_eq!(form.tls_ca_file, None);
    }

    #[test]
    fn the_remembered_sign_in_comes_back_as_it_was() {
        let form = SignInForm::new(
            "ws://10.0.0.2/ws",
            "demo",
            "alice",
            "t",
            Some("/ca.pem"),
            true,
        );
        let again = SignInForm::remembered(form.to_last(), "t".into());
        assert_eq!(again, form);
    }
}
