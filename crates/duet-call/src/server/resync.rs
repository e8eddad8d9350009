//! Keeping a device's `resync` within one frame: a client refuses frames over
//! [`MAX_FRAME_BYTES`], and a login waits for its resync, so a resync too large to read would lock
//! the account out. Attachments are bounded, but many ringing calls with full attachments
//! (up to `max_pending_invites`) can still add up past the limit.

use duet_protocol::{encode, CallSnapshot, CallSnapshotPhase, MAX_FRAME_BYTES};

/// Room left for the envelope around the calls (`v`, `type`, brackets).
const ENVELOPE_BYTES: usize = 64;

/// Shrinks `snapshots` until their `resync` fits one frame: first the attachments of ringing
/// calls, oldest first (each was delivered whole with `call.invited`); then, if a server allows
/// so many ringing calls that even that is not enough, the oldest ringing calls themselves
/// (they still ring the account's other devices). The call this device is in is always kept.
pub(crate) fn fit_in_one_frame(snapshots: &mut Vec<CallSnapshot>) {
    let budget = MAX_FRAME_BYTES - ENVELOPE_BYTES;
    let mut sizes: Vec<usize> = snapshots.iter().map(encoded_len).collect();
    let total = |sizes: &[usize]| sizes.iter().sum::<usize>() + sizes.len();
    for index in 0..snapshots.len() {
        if total(&sizes) <= budget {
            return;
        }
        let snapshot = &mut snapshots[index];
        if is_ringing(snapshot) && !snapshot.attachment.is_null() {
            snapshot.attachment = serde_json::Value::Null;
            snapshot.attachment_omitted = true;
            sizes[index] = encoded_len(snapshot);
        }
    }
    while total(&sizes) > budget {
        let Some(oldest) = snapshots.iter().position(is_ringing) else {
            return;
        };
        snapshots.remove(oldest);
        sizes.remove(oldest);
    }
}

fn is_ringing(snapshot: &CallSnapshot) -> bool {
    matches!(snapshot.phase, CallSnapshotPhase::Ringing { .. })
}

fn encoded_len(snapshot: &CallSnapshot) -> usize {
    encode(snapshot).len()
}

/// The size of the `resync` frame `snapshots` make.
#[cfg(test)]
fn frame_len(snapshots: &[CallSnapshot]) -> usize {
    use duet_protocol::{ServerFrame, ServerMessage};
    let resync = ServerMessage::Resync {
        calls: snapshots.to_vec(),
    };
    encode(&ServerFrame::new(None, resync)).len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use duet_protocol::{AccountId, CallId, CallType, DeviceId, Party, MAX_ATTACHMENT_BYTES};

    fn snapshot(id: usize, ringing: bool, attachment_bytes: usize) -> CallSnapshot {
        let phase = if ringing {
            CallSnapshotPhase::Ringing {
                expires_in_ms: 30_000,
                call_token: "ct1.1764118800000.abcdefgh".into(),
                waiting: false,
            }
        } else {
            CallSnapshotPhase::Active {
                callee_device: DeviceId::new("b1").unwrap(),
                answered_at_ms: 1,
                call_token: "ct1.1764118800000.abcdefgh".into(),
            }
        };
        CallSnapshot {
            call_id: CallId::new(format!("call-{id}")).unwrap(),
            caller: Party {
                account: AccountId::new(format!("caller{id}")).unwrap(),
                device: DeviceId::new("d1").unwrap(),
                nick: "n".repeat(64),
            },
            callee: AccountId::new("victim").unwrap(),
            call_type: CallType::Video,
            attachment: serde_json::json!("x".repeat(attachment_bytes)),
            attachment_omitted: false,
            phase,
            seq: 1,
        }
    }

    #[test]
    fn a_small_resync_is_left_as_it_is() {
        let mut calls: Vec<_> = (0..3).map(|i| snapshot(i, true, 100)).collect();
        let before = calls.clone();
        fit_in_one_frame(&mut calls);
        assert_eq!(calls, before);
    }

    #[test]
    fn many_full_attachments_are_dropped_oldest_first_until_it_fits() {
        let mut calls = vec![snapshot(0, false, MAX_ATTACHMENT_BYTES - 2)];
        calls.extend((1..=40).map(|i| snapshot(i, true, MAX_ATTACHMENT_BYTES - 2)));
        assert!(frame_len(&calls) > MAX_FRAME_BYTES);
        fit_in_one_frame(&mut calls);
        assert!(frame_len(&calls) <= MAX_FRAME_BYTES);
        assert_eq!(calls.len(), 41, "every call is still listed");
        assert!(
            !calls[0].attachment_omitted,
            "the device's own call keeps its attachment"
        );
        assert!(calls[1].attachment_omitted && calls[1].attachment.is_null());
        assert!(!calls[40].attachment_omitted, "the newest keep theirs");
    }

    #[test]
    fn ringing_calls_are_left_out_only_when_attachments_are_not_enough() {
        let mut calls = vec![snapshot(0, false, 10)];
        calls.extend((1..=400).map(|i| snapshot(i, true, 0)));
        fit_in_one_frame(&mut calls);
        assert!(frame_len(&calls) <= MAX_FRAME_BYTES);
        assert_eq!(
            calls[0].call_id.as_str(),
            "call-0",
            "the device's own call is kept"
        );
        assert_eq!(
            calls.last().unwrap().call_id.as_str(),
            "call-400",
            "the newest are kept"
        );
    }
}
