//! `duet-cli call`: place one call and exit with its outcome once its record arrives.

use crate::args::CallKind;
use crate::{outcome, print};
use duet_callkit::{CallEvent, CallKit, CallParams, CallType};
use futures_util::StreamExt;
use std::time::Duration;

/// How long to wait for the record after the call ended here, before trusting the event alone.
const RECORD_GRACE: Duration = Duration::from_secs(5);

/// What `call` was asked to do.
pub struct Plan {
    pub callee: String,
    pub call_type: CallKind,
    pub hangup_after: Option<Duration>,
    pub cancel_after: Option<Duration>,
    pub timeout: Duration,
    pub attachment: serde_json::Value,
}

/// Places the call, prints every event, and returns the exit code of its outcome.
pub async fn run(kit: &CallKit, mut events: crate::Events, plan: Plan) -> anyhow::Result<u8> {
    kit.set_call_timeout(plan.timeout)?;
    let call_type = match plan.call_type {
        CallKind::Audio => CallType::Audio,
        CallKind::Video => CallType::Video,
    };
    let params = CallParams {
        user_id: plan.callee.clone(),
        call_type,
        attachment: plan.attachment,
    };
    let call_id = match kit.call(params).await {
        Ok(id) => id,
        Err(error) => {
            print::line(
                &serde_json::json!({"event": "ERROR", "code": error.code(), "message": error.to_string()}),
            );
            return Ok(outcome::OTHER_ERROR);
        }
    };
    eprintln!("duet-cli: calling {} (call {call_id})", plan.callee);
    if let Some(after) = plan.cancel_after {
        let kit = kit.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            // If the callee answered first, the server turns this cancel into a hang-up.
            if let Err(error) = kit.cancel().await {
                eprintln!("duet-cli: cancel: {error}");
            }
        });
    }
    let mut ended_by: Option<u8> = None;
    let mut record_deadline = None;
    let mut offline = false;
    loop {
        let wait_record = async {
            match record_deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            event = events.next() => {
                let Some(event) = event else {
                    return Ok(ended_by.unwrap_or(outcome::CONNECTION_LOST));
                };
                // The connection's loss and return are printed (the login's first resync is
                // not: the call starts after it).
                let reconnect = match &event {
                    CallEvent::Disconnected => {
                        offline = true;
                        true
                    }
                    CallEvent::Resynced { .. } => std::mem::take(&mut offline),
                    _ => false,
                };
                if event.call_id() != Some(&call_id) && !reconnect {
                    // A glare merge resolves `call` with the merged id; other calls are not ours.
                    continue;
                }
                print::event(&event);
                match &event {
                    CallEvent::MessageSent { record } => return Ok(outcome::of_status(record.status)),
                    CallEvent::UserAccept { .. } => {
                        if let Some(after) = plan.hangup_after {
                            let kit = kit.clone();
                            tokio::spawn(async move {
                                tokio::time::sleep(after).await;
                                if let Err(error) = kit.hangup().await {
                                    eprintln!("duet-cli: hangup: {error}");
                                }
                            });
                        }
                    }
                    other => {
                        if let Some(code) = outcome::of_final_event(other) {
                            // Ended here while the connection is lost (a hang-up taken offline):
                            // the server has not heard yet, so without its record the outcome
                            // is unknown.
                            let local_only = offline && matches!(other, CallEvent::CallEnd { .. });
                            ended_by = Some(if local_only { outcome::CONNECTION_LOST } else { code });
                            record_deadline = Some(tokio::time::Instant::now() + RECORD_GRACE);
                        }
                    }
                }
            }
            () = wait_record => return Ok(ended_by.unwrap_or(outcome::CONNECTION_LOST)),
            _ = tokio::signal::ctrl_c() => {
                if !hung_up_on_interrupt(kit).await {
                    return Ok(ended_by.unwrap_or(outcome::CONNECTION_LOST));
                }
                // Hung up: the record is due; without it, the grace period ends the wait.
                record_deadline.get_or_insert(tokio::time::Instant::now() + RECORD_GRACE);
            }
        }
    }
}

/// Hangs up after Ctrl-C: true once the server took the hang-up (the record follows); false
/// to leave at once, when the hang-up failed (the server is gone or did not answer within the
/// SDK's 10 s) or a second Ctrl-C came first. Waiting on for the record after a failed hang-up
/// left the command running until it was killed.
async fn hung_up_on_interrupt(kit: &CallKit) -> bool {
    eprintln!("duet-cli: interrupted; hanging up");
    tokio::select! {
        result = kit.hangup() => match result {
            Ok(()) => true,
            Err(error) => {
                eprintln!("duet-cli: hangup: {error}; leaving without the call's record");
                false
            }
        },
        _ = tokio::signal::ctrl_c() => {
            eprintln!("duet-cli: interrupted again; leaving without the call's record");
            false
        }
    }
}
