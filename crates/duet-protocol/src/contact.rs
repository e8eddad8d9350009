//! Contacts: an entry's relationship state, and an app's contact policy.

use serde::{Deserialize, Serialize};

/// Where an entry of the contact list stands, from the listing account's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactState {
    /// A contact: each sees the other's presence (under the `open` policy, a one-way contact).
    /// Servers before contact requests sent no state; their entries are all contacts.
    #[default]
    Accepted,
    /// This account asked to be the other's contact; no answer yet.
    Outgoing,
    /// The other account asked to be this account's contact: accept or ignore it.
    Incoming,
    /// This account blocked the other.
    Blocked,
}

impl ContactState {
    /// The state's wire and command-line name.
    pub fn as_str(self) -> &'static str {
        match self {
            ContactState::Accepted => "accepted",
            ContactState::Outgoing => "outgoing",
            ContactState::Incoming => "incoming",
            ContactState::Blocked => "blocked",
        }
    }
}

/// How accounts of an app become contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactPolicy {
    /// `contacts.add` sends a request; presence is shared only once the other account accepts.
    #[default]
    Mutual,
    /// `contacts.add` adds at once, one-way, and shows the other's presence without asking it
    /// (for bots and kiosk deployments where every account is trusted).
    Open,
}

impl ContactPolicy {
    /// The policy's wire and command-line name.
    pub fn as_str(self) -> &'static str {
        match self {
            ContactPolicy::Mutual => "mutual",
            ContactPolicy::Open => "open",
        }
    }
}

impl std::str::FromStr for ContactPolicy {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "mutual" => Ok(ContactPolicy::Mutual),
            "open" => Ok(ContactPolicy::Open),
            other => Err(format!(
                "unknown contact policy `{other}`; use mutual or open"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_policies_round_trip_through_their_names() {
        for policy in [ContactPolicy::Mutual, ContactPolicy::Open] {
            assert_eq!(policy.as_str().parse(), Ok(policy));
        }
        assert!("friends".parse::<ContactPolicy>().is_err());
    }

    #[test]
    fn contact_states_are_named_as_on_the_wire() {
        for state in [
            ContactState::Accepted,
            ContactState::Outgoing,
            ContactState::Incoming,
            ContactState::Blocked,
        ] {
            let wire = serde_json::to_value(state).unwrap();
            assert_eq!(wire, state.as_str());
        }
    }
}
