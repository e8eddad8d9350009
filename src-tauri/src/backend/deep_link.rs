//! `duet://call/<account>[?type=audio|video]`: click-to-call from other apps.

use duet_callkit::CallType;

/// What a deep link asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeepLink {
    /// Call `account` with `call_type` (video unless the link says audio).
    Call {
        /// Who to call.
        account: String,
        /// Audio or video.
        call_type: CallType,
    },
}

/// Why a link was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeepLinkError {
    /// Not `duet:`.
    #[error("not a duet: link")]
    WrongScheme,
    /// `duet:` but not a known action.
    #[error("unknown duet link `{0}`; expected duet://call/<account>")]
    Unknown(String),
    /// The account part is empty or has characters accounts cannot have.
    #[error("`{0}` is not a valid account")]
    BadAccount(String),
    /// `type=` is neither audio nor video.
    #[error("call type `{0}` is not audio or video")]
    BadType(String),
}

/// Parses a deep link given as text (from the command line or the OS).
pub fn parse(link: &str) -> Result<DeepLink, DeepLinkError> {
    let rest = link
        .strip_prefix("duet://")
        .or_else(|| link.strip_prefix("duet:"))
        .ok_or(DeepLinkError::WrongScheme)?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let account = path
        .strip_prefix("call/")
        .ok_or_else(|| DeepLinkError::Unknown(link.to_owned()))?
        .trim_end_matches('/');
    let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@');
    if account.is_empty() || account.len() > 64 || !account.chars().all(valid) {
        return Err(DeepLinkError::BadAccount(account.to_owned()));
    }
    let mut call_type = CallType::Video;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        if let Some(value) = pair.strip_prefix("type=") {
            call_type = match value {
                "audio" | "1" => CallType::Audio,
                "video" | "2" => CallType::Video,
                other => return Err(DeepLinkError::BadType(other.to_owned())),
            };
        }
    }
    Ok(DeepLink::Call {
        account: account.to_owned(),
        call_type,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_links_parse_with_video_by_default() {
        assert_eq!(
            parse("duet://call/bob").unwrap(),
            DeepLink::Call {
                account: "bob".into(),
                call_type: CallType::Video
            }
        );
        assert_eq!(
            parse("duet://call/bob/?type=audio").unwrap(),
            DeepLink::Call {
                account: "bob".into(),
                call_type: CallType::Audio
            }
        );
    }

    #[test]
    fn bad_links_say_what_is_wrong() {
        assert_eq!(parse("https://x/call/bob"), Err(DeepLinkError::WrongScheme));
        assert!(matches!(
            parse("duet://chat/bob"),
            Err(DeepLinkError::Unknown(_))
        ));
        assert!(matches!(
            parse("duet://call/"),
            Err(DeepLinkError::BadAccount(_))
        ));
        assert!(matches!(
            parse("duet://call/b%20b"),
            Err(DeepLinkError::BadAccount(_))
        ));
        assert!(matches!(
            parse("duet://call/bob?type=fax"),
            Err(DeepLinkError::BadType(_))
        ));
    }
}
