//! `--screen`: shares a screen in every call from the moment it is answered, for bots and tests.

use duet_callkit::{CallId, CallKit};
use futures_util::StreamExt;

/// The share target `--screen VALUE` names: an X display (`:5`) is that display's whole
/// screen; anything else is a target as the SDK takes it (`screen`, `window:ID`, `testsrc`,
/// FILE.y4m).
pub fn target_of(value: &str) -> String {
    if value.starts_with(':') {
        format!("screen:{value}")
    } else {
        value.to_owned()
    }
}

/// Starts sharing `target` in each call once it is answered here, until the SDK's events end.
/// Every event after the answer (the caller's USER_ACCEPT, the callee's first statistics) is a
/// chance to notice it.
pub fn share_when_answered(kit: &CallKit, target: String) {
    let mut events = Box::pin(kit.events());
    let kit = kit.clone();
    tokio::spawn(async move {
        let mut shared_in: Option<CallId> = None;
        while events.next().await.is_some() {
            let Some(call) = kit.current_call().filter(|c| c.answered) else {
                continue;
            };
            if shared_in.as_ref() == Some(&call.call_id) {
                continue;
            }
            shared_in = Some(call.call_id.clone());
            if let Err(error) = kit.start_screen_share(&target).await {
                eprintln!("duet-cli: screen share: {error}");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_display_name_is_its_whole_screen() {
        assert_eq!(target_of(":5"), "screen::5");
        assert_eq!(target_of("window:0x1a00003"), "window:0x1a00003");
        assert_eq!(target_of("testsrc"), "testsrc");
    }
}
