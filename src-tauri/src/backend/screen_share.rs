//! Who shares a screen in the current call, as the call screen shows it: from the SDK's
//! `SCREEN_SHARE_STARTED` / `SCREEN_SHARE_STOPPED` (the SDK's call snapshot does not carry it).
//! Only the newest call is kept, like the device states: a new call starts with nothing shared.

use duet_callkit::CallEvent;

/// This device's share and the peer's in one call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sharing {
    /// This user shares a screen or window.
    pub local: bool,
    /// The peer shares one.
    pub remote: bool,
}

/// The sharing of the newest call the events spoke of.
#[derive(Debug, Default)]
pub struct ShareStates {
    call_id: String,
    sharing: Sharing,
}

impl ShareStates {
    /// Applies a screen-share event; other events change nothing. `true` if it was one.
    pub fn apply(&mut self, event: &CallEvent) -> bool {
        let (call_id, remote, on) = match event {
            CallEvent::ScreenShareStarted { call_id, remote } => (call_id, *remote, true),
            CallEvent::ScreenShareStopped {
                call_id, remote, ..
            } => (call_id, *remote, false),
            _ => return false,
        };
        if self.call_id != call_id.as_str() {
            self.call_id = call_id.to_string();
            self.sharing = Sharing::default();
        }
        if remote {
            self.sharing.remote = on;
        } else {
            self.sharing.local = on;
        }
        true
    }

    /// The sharing of `call_id`: nothing for a call the events did not speak of.
    pub fn of(&self, call_id: &str) -> Sharing {
        if self.call_id == call_id {
            self.sharing
        } else {
            Sharing::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use duet_callkit::CallId;

    fn started(call: &str, remote: bool) -> CallEvent {
        CallEvent::ScreenShareStarted {
            call_id: CallId::new(call).unwrap(),
            remote,
        }
    }

    fn stopped(call: &str, remote: bool, reason: Option<&str>) -> CallEvent {
        CallEvent::ScreenShareStopped {
            call_id: CallId::new(call).unwrap(),
            remote,
            reason: reason.map(str::to_owned),
        }
    }

    #[test]
    fn each_sides_share_follows_its_own_events_within_one_call() {
        let mut states = ShareStates::default();
        assert!(states.apply(&started("c1", false)));
        assert_eq!(
            states.of("c1"),
            Sharing {
                local: true,
                remote: false
            }
        );
        states.apply(&started("c1", true));
        states.apply(&stopped("c1", false, Some("the shared window was closed")));
        assert_eq!(
            states.of("c1"),
            Sharing {
                local: false,
                remote: true
            }
        );
        states.apply(&stopped("c1", true, None));
        assert_eq!(states.of("c1"), Sharing::default());
    }

    #[test]
    fn a_new_call_starts_with_nothing_shared_and_other_events_change_nothing() {
        let mut states = ShareStates::default();
        states.apply(&started("c1", true));
        assert_eq!(states.of("c2"), Sharing::default(), "another call");
        states.apply(&started("c2", false));
        assert_eq!(
            states.of("c1"),
            Sharing::default(),
            "the old call is forgotten"
        );
        assert!(states.of("c2").local && !states.of("c2").remote);
        assert!(!states.apply(&CallEvent::Disconnected));
        assert!(states.of("c2").local);
    }
}
