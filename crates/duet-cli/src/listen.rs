//! `duet-cli listen`: answer incoming calls automatically; exit after `--count` calls ended here.

use crate::args::{Auto, SwitchAnswer};
use crate::{outcome, print};
use duet_callkit::{CallEvent, CallId, CallKit, CallType, Invite};
use futures_util::StreamExt;
use std::collections::HashSet;
use std::time::Duration;

/// What `listen` was asked to do.
pub struct Plan {
    pub auto: Auto,
    pub after: Option<Duration>,
    pub hangup_after: Option<Duration>,
    pub count: Option<u32>,
    pub audio_only: bool,
    /// How to answer the peer's switch requests; None leaves them unanswered.
    pub switch: Option<SwitchAnswer>,
}

/// Prints every event and answers invites per `plan`; returns the exit code of the last call.
pub async fn run(kit: &CallKit, mut events: crate::Events, plan: Plan) -> anyhow::Result<u8> {
    // Calls that rang here and whose outcome for this device is not known yet.
    let mut open: HashSet<CallId> = HashSet::new();
    let mut ended = 0u32;
    let mut last = outcome::COMPLETED;
    loop {
        let event = tokio::select! {
            event = events.next() => match event {
                Some(event) => event,
                None => return Ok(outcome::CONNECTION_LOST),
            },
            _ = tokio::signal::ctrl_c() => return Ok(last),
        };
        print::event(&event);
        let finished = match &event {
            CallEvent::Invited(invite) => {
                open.insert(invite.call_id.clone());
                answer(kit, &plan, invite.clone());
                None
            }
            CallEvent::SwitchRequested { .. } => {
                if let Some(answer) = plan.switch {
                    answer_switch(kit, answer);
                }
                None
            }
            CallEvent::OtherClientAccept { call_id } => {
                open.remove(call_id).then_some(outcome::ANSWERED_ELSEWHERE)
            }
            CallEvent::OtherClientReject { call_id } => {
                open.remove(call_id).then_some(outcome::DECLINED_ELSEWHERE)
            }
            CallEvent::MessageSent { record } => open
                .remove(&record.call_id)
                .then(|| outcome::of_status(record.status)),
            _ => None,
        };
        if let Some(code) = finished {
            ended += 1;
            last = code;
            if plan.count.is_some_and(|n| ended >= n) {
                return Ok(last);
            }
        }
    }
}

/// Answers `invite` in the background, after `plan.after`.
fn answer(kit: &CallKit, plan: &Plan, invite: Invite) {
    if plan.auto == Auto::Ignore {
        return;
    }
    let (kit, auto, after, hangup_after, audio_only) = (
        kit.clone(),
        plan.auto,
        plan.after,
        plan.hangup_after,
        plan.audio_only,
    );
    tokio::spawn(async move {
        if let Some(after) = after {
            tokio::time::sleep(after).await;
        }
        let result = match auto {
            Auto::Accept if audio_only => kit.accept_as(&invite, CallType::Audio).await,
            Auto::Accept => kit.accept(&invite).await,
            Auto::Reject => kit.reject(&invite).await,
            Auto::Busy => kit.reject_busy(&invite).await,
            Auto::Ignore => Ok(()),
        };
        if let Err(error) = result {
            eprintln!("duet-cli: answering call {}: {error}", invite.call_id);
            return;
        }
        if let (Auto::Accept, Some(hangup_after)) = (auto, hangup_after) {
            tokio::time::sleep(hangup_after).await;
            if let Err(error) = kit.hangup().await {
                eprintln!("duet-cli: hangup: {error}");
            }
        }
    });
}

/// Answers the peer's switch request in the background; the outcome arrives as an event
/// (`CALL_TYPE_CHANGE` when accepted).
fn answer_switch(kit: &CallKit, answer: SwitchAnswer) {
    let kit = kit.clone();
    tokio::spawn(async move {
        if let Err(error) = kit.answer_switch(answer == SwitchAnswer::Accept).await {
            eprintln!("duet-cli: answering the switch request: {error}");
        }
    });
}
