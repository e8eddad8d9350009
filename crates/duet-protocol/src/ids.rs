//! Identifiers that travel on the wire, validated on the way in.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{kind} must not be empty")]
    Empty { kind: &'static str },
    #[error("{kind} is longer than {max} characters")]
    TooLong { kind: &'static str, max: usize },
    #[error("{kind} may only contain letters, digits, '-', '_', '.' and '@'")]
    BadCharacter { kind: &'static str },
}

fn validate(kind: &'static str, value: &str, max: usize) -> Result<(), IdError> {
    if value.is_empty() {
        return Err(IdError::Empty { kind });
    }
    if value.len() > max {
        return Err(IdError::TooLong { kind, max });
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@');
    if !value.chars().all(allowed) {
        return Err(IdError::BadCharacter { kind });
    }
    Ok(())
}

macro_rules! wire_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Longest accepted value, in bytes.
            pub const MAX_LEN: usize = $max;

            /// Validates and wraps `value`.
            pub fn new(value: impl Into<String>) -> Result<Self, IdError> {
                let value = value.into();
                validate($kind, &value, $max)?;
                Ok(Self(value))
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, IdError> {
                Self::new(value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

wire_id!(
    /// A call, named by the caller's SDK when it places the call (so a re-sent invite is recognised).
    CallId, "call id", 64
);
wire_id!(
    /// An account within one app (appKey); nertc-call's `account` / `userId`.
    AccountId, "account", 64
);
wire_id!(
    /// One installation of a client; an account may be logged in on several devices at once.
    DeviceId, "device id", 64
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_refuse_empty_long_and_odd_values() {
        assert!(CallId::new("c-1").is_ok());
        assert_eq!(AccountId::new(""), Err(IdError::Empty { kind: "account" }));
        assert!(matches!(
            DeviceId::new("x".repeat(65)),
            Err(IdError::TooLong { .. })
        ));
        assert!(matches!(
            AccountId::new("a b"),
            Err(IdError::BadCharacter { .. })
        ));
        let parsed: Result<AccountId, _> = serde_json::from_str("\"bad/slash\"");
        assert!(parsed.is_err());
    }
}
