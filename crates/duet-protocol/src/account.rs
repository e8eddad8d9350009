//! What the account messages carry before a login: passwords (never printed) and the app's
//! registration policy.

use serde::{Deserialize, Serialize};

/// A password as sent on the wire. Its `Debug` prints nothing of it, so a logged frame never
/// shows one; read it with [`Password::expose`] only where it is hashed or checked.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Password(String);

impl Password {
    /// Wraps a password.
    pub fn new(password: impl Into<String>) -> Self {
        Self(password.into())
    }

    /// The password's text, for hashing or verifying it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Who may create an account in an app without the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Registration {
    /// Only the operator creates accounts (`duet-server user add`).
    #[default]
    Closed,
    /// Anyone holding a valid invite code (`duet-server invite create`).
    Invite,
    /// Anyone who can reach the server.
    Open,
}

impl Registration {
    /// The policy's wire and command-line name.
    pub fn as_str(self) -> &'static str {
        match self {
            Registration::Closed => "closed",
            Registration::Invite => "invite",
            Registration::Open => "open",
        }
    }
}

impl std::str::FromStr for Registration {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "closed" => Ok(Registration::Closed),
            "invite" => Ok(Registration::Invite),
            "open" => Ok(Registration::Open),
            other => Err(format!(
                "unknown registration policy `{other}`; use open, invite or closed"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_never_shows_in_debug_output() {
        let password = Password::new("hunter2 and more");
        assert_eq!(format!("{password:?}"), "Password(<redacted>)");
        assert_eq!(password.expose(), "hunter2 and more");
    }

    #[test]
    fn registration_policies_round_trip_through_their_names() {
        for policy in [
            Registration::Closed,
            Registration::Invite,
            Registration::Open,
        ] {
            assert_eq!(policy.as_str().parse(), Ok(policy));
        }
        assert!("everyone".parse::<Registration>().is_err());
    }
}
