//! A call's attachment (nertc-call's `attachment`): opaque JSON from the caller, bounded so that
//! every frame the server builds around it (`call.invited`, `resync`) stays within
//! [`MAX_FRAME_BYTES`](crate::MAX_FRAME_BYTES) and within the nesting any JSON reader accepts.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// The longest attachment, as compact JSON, in bytes.
pub const MAX_ATTACHMENT_BYTES: usize = 2 * 1024;
/// The deepest nesting of arrays and objects in an attachment (`{"a":[1]}` is 2 deep).
pub const MAX_ATTACHMENT_DEPTH: usize = 16;

/// Why an attachment was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentError {
    #[error("an attachment is at most {MAX_ATTACHMENT_BYTES} bytes of JSON, not {0}")]
    TooLarge(usize),
    #[error("an attachment nests arrays and objects at most {MAX_ATTACHMENT_DEPTH} deep")]
    TooDeep,
}

/// Checks an attachment against [`MAX_ATTACHMENT_BYTES`] and [`MAX_ATTACHMENT_DEPTH`].
pub fn check_attachment(attachment: &Value) -> Result<(), AttachmentError> {
    if depth(attachment) > MAX_ATTACHMENT_DEPTH {
        return Err(AttachmentError::TooDeep);
    }
    let bytes = encoded_len(attachment);
    if bytes > MAX_ATTACHMENT_BYTES {
        return Err(AttachmentError::TooLarge(bytes));
    }
    Ok(())
}

/// Reads an attachment, refusing one [`check_attachment`] refuses (the frame is
/// `invalid_message`).
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
    let attachment = Value::deserialize(deserializer)?;
    check_attachment(&attachment).map_err(serde::de::Error::custom)?;
    Ok(attachment)
}

/// Nesting depth of arrays and objects; a scalar is 0 deep. Iterative, so no input can exhaust
/// the stack.
fn depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut pending = vec![(value, 0)];
    while let Some((value, level)) = pending.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(fields) => Box::new(fields.values()),
            _ => continue,
        };
        deepest = deepest.max(level + 1);
        pending.extend(children.map(|child| (child, level + 1)));
    }
    deepest
}

/// Length of the compact JSON encoding, without building it.
fn encoded_len(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing a `Value` cannot fail: its keys are strings and `Count` never errors.
    serde_json::to_writer(&mut count, value).expect("a JSON value always serialises");
    count.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nested(levels: usize) -> Value {
        (0..levels).fold(json!(1), |inner, _| json!([inner]))
    }

    #[test]
    fn ordinary_attachments_pass() {
        assert_eq!(check_attachment(&Value::Null), Ok(()));
        assert_eq!(
            check_attachment(&json!({"room": "42", "tags": ["a"]})),
            Ok(())
        );
        assert_eq!(check_attachment(&nested(MAX_ATTACHMENT_DEPTH)), Ok(()));
    }

    #[test]
    fn size_is_counted_as_compact_json() {
        let at_limit = json!("x".repeat(MAX_ATTACHMENT_BYTES - 2));
        assert_eq!(check_attachment(&at_limit), Ok(()));
        let over = json!("x".repeat(MAX_ATTACHMENT_BYTES - 1));
        assert_eq!(
            check_attachment(&over),
            Err(AttachmentError::TooLarge(MAX_ATTACHMENT_BYTES + 1))
        );
    }

    #[test]
    fn deep_nesting_is_refused() {
        assert_eq!(
            check_attachment(&nested(MAX_ATTACHMENT_DEPTH + 1)),
            Err(AttachmentError::TooDeep)
        );
        assert_eq!(depth(&json!({"a": {"b": []}, "c": 1})), 3);
    }
}
