//! Invites refused before the switchboard: to an account that blocked the caller. The caller
//! gets exactly what a busy callee gives (the ack with a call token, `busy`, the record on every
//! device of its account); the callee gets nothing, and the record stays out of its history.

use super::Hub;
use crate::store::CallWrite;
use duet_call::{CallRequest, DeviceKey};
use duet_protocol::{CallAction, CallEvent, CallRecord, CallStatus, EndReason, ServerMessage};

impl Hub {
    pub(super) fn refuse_as_busy(
        &mut self,
        caller: &DeviceKey,
        req: Option<u64>,
        request: CallRequest,
        now_ms: u64,
    ) {
        let CallAction::Invite {
            callee, call_type, ..
        } = request.action
        else {
            return;
        };
        let call_id = request.call_id;
        let mut too_slow = Vec::new();
        let ack = ServerMessage::CallAck {
            call_id: call_id.clone(),
            call_token: Some(self.tokens.issue(&call_id, caller)),
        };
        self.deliver(caller, req, ack, &mut too_slow);
        // The same numbering as the switchboard's: the call's events count from 1.
        let mut seq = 0;
        let mut event = |event| {
            seq += 1;
            ServerMessage::Call {
                call_id: call_id.clone(),
                seq,
                event,
            }
        };
        self.deliver(caller, None, event(CallEvent::Busy), &mut too_slow);
        let record = CallRecord {
            call_id: call_id.clone(),
            from: caller.account.clone(),
            to: callee,
            call_type,
            status: CallStatus::Busy,
            reason: EndReason::UserBusy,
            started_at_ms: now_ms,
            answered_at_ms: None,
            ended_at_ms: now_ms,
            duration_ms: 0,
        };
        let mut devices: Vec<DeviceKey> = self
            .online
            .get(&caller.account)
            .into_iter()
            .flatten()
            .map(|device| DeviceKey::new(caller.account.clone(), device.clone()))
            .collect();
        devices.sort();
        for device in devices {
            let msg = event(CallEvent::Record {
                record: record.clone(),
            });
            self.deliver(&device, None, msg, &mut too_slow);
        }
        self.too_slow.extend(too_slow);
        tracing::info!(%call_id, "invite refused as busy: the callee blocks the caller");
        self.refused_records.push(CallWrite::Ended {
            app_key: self.app_key.clone(),
            record,
            hidden_from_callee: true,
        });
    }
}
