//! Writing frames and closing the WebSocket, with the close codes clients see.

use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket};
use duet_protocol::{encode, CallId, ErrorCode, ProtocolError, ServerFrame, ServerMessage};

/// Why the server closes a connection, as a WebSocket close code.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CloseCause {
    /// Logout.
    Normal,
    /// Shutdown.
    GoingAway,
    /// Failed login, replaced by a newer login, token expired, heartbeat missed, too slow.
    Policy,
    /// A frame over the size limit.
    TooBig,
    /// Connection limit or message rate exceeded.
    Overloaded,
}

impl CloseCause {
    fn code(self) -> u16 {
        match self {
            CloseCause::Normal => close_code::NORMAL,
            CloseCause::GoingAway => close_code::AWAY,
            CloseCause::Policy => close_code::POLICY,
            CloseCause::TooBig => close_code::SIZE,
            CloseCause::Overloaded => close_code::AGAIN,
        }
    }
}

/// Sends one frame; an error means the connection is gone.
pub(crate) async fn send(socket: &mut WebSocket, frame: &ServerFrame) -> Result<(), axum::Error> {
    socket.send(Message::Text(encode(frame).into())).await
}

/// Sends an `error` frame answering `req`.
pub(crate) async fn send_error(
    socket: &mut WebSocket,
    req: Option<u64>,
    error: ProtocolError,
    call_id: Option<CallId>,
) -> Result<(), axum::Error> {
    let msg = ServerMessage::Error {
        code: error.code,
        message: error.message,
        call_id,
    };
    send(socket, &ServerFrame::new(req, msg)).await
}

/// Sends an `error` frame, then closes with `cause`.
pub(crate) async fn refuse_and_close(
    socket: &mut WebSocket,
    req: Option<u64>,
    code: ErrorCode,
    message: &str,
    cause: CloseCause,
) {
    let _ = send_error(socket, req, ProtocolError::new(code, message), None).await;
    close(socket, cause, message).await;
}

/// Closes the connection with `cause`; a close frame's reason is cut to the protocol's 123 bytes.
pub(crate) async fn close(socket: &mut WebSocket, cause: CloseCause, reason: &str) {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    let frame = CloseFrame {
        code: cause.code(),
        reason: reason[..end].into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

/// Whether a receive error was a frame over the size limit.
pub(crate) fn is_oversized(error: axum::Error) -> bool {
    error
        .into_inner()
        .downcast::<tungstenite::Error>()
        .is_ok_and(|e| matches!(*e, tungstenite::Error::Capacity(_)))
}
