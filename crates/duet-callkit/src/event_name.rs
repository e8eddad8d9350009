//! nertc-call's event names as a type, so that `on` and `off` cannot be given a misspelt one.

use crate::CallEvent;

/// The name of an SDK event, for [`crate::CallKit::on`] and [`crate::CallKit::off`]: nertc-call's
/// `EVENT.INVITED`, `EVENT.CALL_END`, ... as variants, plus [`EventName::All`] (nertc-call's `*`).
///
/// ```
/// # fn demo(kit: &duet_callkit::CallKit) {
/// use duet_callkit::EventName;
/// kit.on(EventName::Invited, |invite| println!("{invite:?}"));
/// kit.off(EventName::Invited); // every INVITED handler, as nertc-call's off(EVENT.INVITED)
/// # }
/// ```
///
/// A name that does not exist does not compile:
///
/// ```compile_fail
/// # fn demo(kit: &duet_callkit::CallKit) {
/// kit.on(duet_callkit::EventName::Invitd, |_| {});
/// # }
/// ```
///
/// and neither does a string:
///
/// ```compile_fail
/// # fn demo(kit: &duet_callkit::CallKit) {
/// kit.on("INVITED", |_| {});
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventName {
    /// Every event (nertc-call's `*`).
    All,
    /// `INVITED`: a call rings this device.
    Invited,
    /// `USER_ACCEPT`: the callee answered this device's call.
    UserAccept,
    /// `USER_REJECT`: the callee declined.
    UserReject,
    /// `USER_BUSY`: the callee was busy.
    UserBusy,
    /// `USER_CANCEL`: the caller withdrew a call ringing here.
    UserCancel,
    /// `CALLING_TIMEOUT`: nobody answered.
    CallingTimeout,
    /// `CALL_END`: the answered call ended.
    CallEnd,
    /// `OTHER_CLIENT_ACCEPT`: another device of this account answered.
    OtherClientAccept,
    /// `OTHER_CLIENT_REJECT`: another device of this account declined.
    OtherClientReject,
    /// `MESSAGE_SENT`: a call's record.
    MessageSent,
    /// `AUDIO_AVAILABLE`: the peer's microphone went on or off.
    AudioAvailable,
    /// `VIDEO_AVAILABLE`: the peer's camera went on or off.
    VideoAvailable,
    /// `CALL_TYPE_CHANGE`: the call type changed.
    CallTypeChange,
    /// `SWITCH_REQUESTED`: the peer asks to switch the call type.
    SwitchRequested,
    /// `SWITCH_REFUSED`: the peer refused this device's switch request.
    SwitchRefused,
    /// `SIGNAL`: media negotiation from the peer.
    Signal,
    /// `ERROR`: the server refused a call action.
    Error,
    /// `onDisconnect`: signaling was lost; the SDK reconnects.
    Disconnect,
    /// `RESYNCED`: the state after a login.
    Resynced,
    /// `PRESENCE`: a contact's presence changed.
    Presence,
    /// `CONTACTS_CHANGED`: an entry of the contact list changed (a request, an answer, a
    /// removal or a block).
    ContactsChanged,
    /// `FIRST_REMOTE_FRAME`: the call's first remote video frame was decoded.
    FirstRemoteFrame,
    /// `CALL_STATS`: a second of media statistics.
    CallStats,
    /// `MEDIA_FAILED`: media could not start, a device failed, or no path was found.
    MediaFailed,
    /// `SCREEN_SHARE_STARTED`: a screen share started (the peer's or this device's).
    ScreenShareStarted,
    /// `SCREEN_SHARE_STOPPED`: a screen share stopped (the peer's or this device's).
    ScreenShareStopped,
}

impl EventName {
    /// Every name, `All` first.
    pub const EVERY: [EventName; 27] = [
        EventName::All,
        EventName::Invited,
        EventName::UserAccept,
        EventName::UserReject,
        EventName::UserBusy,
        EventName::UserCancel,
        EventName::CallingTimeout,
        EventName::CallEnd,
        EventName::OtherClientAccept,
        EventName::OtherClientReject,
        EventName::MessageSent,
        EventName::AudioAvailable,
        EventName::VideoAvailable,
        EventName::CallTypeChange,
        EventName::SwitchRequested,
        EventName::SwitchRefused,
        EventName::Signal,
        EventName::Error,
        EventName::Disconnect,
        EventName::Resynced,
        EventName::Presence,
        EventName::ContactsChanged,
        EventName::FirstRemoteFrame,
        EventName::CallStats,
        EventName::MediaFailed,
        EventName::ScreenShareStarted,
        EventName::ScreenShareStopped,
    ];

    /// nertc-call's spelling: `INVITED`, `onDisconnect`, `*` for [`EventName::All`], ...; the
    /// same as [`CallEvent::name`] of the events it names.
    pub fn as_str(self) -> &'static str {
        match self {
            EventName::All => "*",
            EventName::Invited => "INVITED",
            EventName::UserAccept => "USER_ACCEPT",
            EventName::UserReject => "USER_REJECT",
            EventName::UserBusy => "USER_BUSY",
            EventName::UserCancel => "USER_CANCEL",
            EventName::CallingTimeout => "CALLING_TIMEOUT",
            EventName::CallEnd => "CALL_END",
            EventName::OtherClientAccept => "OTHER_CLIENT_ACCEPT",
            EventName::OtherClientReject => "OTHER_CLIENT_REJECT",
            EventName::MessageSent => "MESSAGE_SENT",
            EventName::AudioAvailable => "AUDIO_AVAILABLE",
            EventName::VideoAvailable => "VIDEO_AVAILABLE",
            EventName::CallTypeChange => "CALL_TYPE_CHANGE",
            EventName::SwitchRequested => "SWITCH_REQUESTED",
            EventName::SwitchRefused => "SWITCH_REFUSED",
            EventName::Signal => "SIGNAL",
            EventName::Error => "ERROR",
            EventName::Disconnect => "onDisconnect",
            EventName::Resynced => "RESYNCED",
            EventName::Presence => "PRESENCE",
            EventName::ContactsChanged => "CONTACTS_CHANGED",
            EventName::FirstRemoteFrame => "FIRST_REMOTE_FRAME",
            EventName::CallStats => "CALL_STATS",
            EventName::MediaFailed => "MEDIA_FAILED",
            EventName::ScreenShareStarted => "SCREEN_SHARE_STARTED",
            EventName::ScreenShareStopped => "SCREEN_SHARE_STOPPED",
        }
    }

    /// The name of `event`. Exhaustive on purpose: a new event does not compile until it has a
    /// name here.
    pub fn of(event: &CallEvent) -> EventName {
        match event {
            CallEvent::Invited(_) => EventName::Invited,
            CallEvent::UserAccept { .. } => EventName::UserAccept,
            CallEvent::UserReject { .. } => EventName::UserReject,
            CallEvent::UserBusy { .. } => EventName::UserBusy,
            CallEvent::UserCancel { .. } => EventName::UserCancel,
            CallEvent::CallingTimeout { .. } => EventName::CallingTimeout,
            CallEvent::CallEnd { .. } => EventName::CallEnd,
            CallEvent::OtherClientAccept { .. } => EventName::OtherClientAccept,
            CallEvent::OtherClientReject { .. } => EventName::OtherClientReject,
            CallEvent::MessageSent { .. } => EventName::MessageSent,
            CallEvent::AudioAvailable { .. } => EventName::AudioAvailable,
            CallEvent::VideoAvailable { .. } => EventName::VideoAvailable,
            CallEvent::CallTypeChange { .. } => EventName::CallTypeChange,
            CallEvent::SwitchRequested { .. } => EventName::SwitchRequested,
            CallEvent::SwitchRefused { .. } => EventName::SwitchRefused,
            CallEvent::Signal { .. } => EventName::Signal,
            CallEvent::Error(_) => EventName::Error,
            CallEvent::Disconnected => EventName::Disconnect,
            CallEvent::Resynced { .. } => EventName::Resynced,
            CallEvent::Presence { .. } => EventName::Presence,
            CallEvent::ContactsChanged { .. } => EventName::ContactsChanged,
            CallEvent::FirstRemoteFrame { .. } => EventName::FirstRemoteFrame,
            CallEvent::CallStats { .. } => EventName::CallStats,
            CallEvent::MediaFailed { .. } => EventName::MediaFailed,
            CallEvent::ScreenShareStarted { .. } => EventName::ScreenShareStarted,
            CallEvent::ScreenShareStopped { .. } => EventName::ScreenShareStopped,
        }
    }

    /// Whether a handler registered for `self` gets `event`.
    pub fn matches(self, event: &CallEvent) -> bool {
        self == EventName::All || self == EventName::of(event)
    }
}

impl std::fmt::Display for EventName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is none of nertc-call's events.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an event name (INVITED, CALL_END, ..., onDisconnect or *)")]
pub struct UnknownEventName(pub String);

/// Parses nertc-call's spelling, for names that arrive as text (a script, a bridge to a web
/// page); Rust code names events with the variants.
impl std::str::FromStr for EventName {
    type Err = UnknownEventName;

    fn from_str(text: &str) -> Result<Self, UnknownEventName> {
        EventName::EVERY
            .into_iter()
            .find(|name| name.as_str() == text)
            .ok_or_else(|| UnknownEventName(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_back_from_its_spelling() {
        for name in EventName::EVERY {
            assert_eq!(name.as_str().parse::<EventName>(), Ok(name));
        }
        assert_eq!(
            "INVITD".parse::<EventName>(),
            Err(UnknownEventName("INVITD".into()))
        );
    }

    #[test]
    fn a_name_is_the_events_own_name() {
        let events = [
            CallEvent::Disconnected,
            CallEvent::UserBusy {
                call_id: duet_protocol::CallId::new("c-1").unwrap(),
            },
            CallEvent::MediaFailed {
                call_id: duet_protocol::CallId::new("c-1").unwrap(),
                what: "start".into(),
                reason: "test".into(),
            },
            CallEvent::ScreenShareStopped {
                call_id: duet_protocol::CallId::new("c-1").unwrap(),
                remote: true,
                reason: None,
            },
        ];
        for event in &events {
            assert_eq!(EventName::of(event).as_str(), event.name());
            assert!(EventName::of(event).matches(event));
            assert!(EventName::All.matches(event));
            assert!(!EventName::Invited.matches(event));
        }
    }
}
