//! `duet://call/<account>[?type=audio|video]`: click-to-call from other apps, which asks the user
//! before calling; and `duet://join?server=<address>[&code=<invite code>]`: an invite to a server,
//! which opens the sign-up form filled in (the user still decides). What each does is in
//! `super::links`; this only reads them.

use duet_callkit::CallType;
use serde::Serialize;

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
    /// Open the sign-up form for `server`, with the invite `code` if the link has one.
    Join {
        /// The server address as written in the link (`duet.example.com`).
        server: String,
        /// The invite code.
        code: Option<String>,
    },
}

/// Why a link was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeepLinkError {
    /// Not `duet:`.
    #[error("not a duet: link")]
    WrongScheme,
    /// `duet:` but not a known action.
    #[error(
        "unknown duet link `{0}`; expected duet://call/<account> or duet://join?server=<address>"
    )]
    Unknown(String),
    /// The account part is empty or has characters accounts cannot have.
    #[error("`{0}` is not a valid account")]
    BadAccount(String),
    /// A join link without `server=`.
    #[error("a duet://join link needs server=<address>")]
    NoServer,
    /// `type=` is neither audio nor video.
    #[error("call type `{0}` is not audio or video")]
    BadType(String),
}

/// What kind of mistake a link has, for the page to say in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "BadLinkProblem"))]
pub enum Problem {
    /// Not a `duet:` link.
    WrongScheme,
    /// Neither `duet://call/…` nor `duet://join?…`.
    Unknown,
    /// The account of a call link is empty, too long or has characters accounts cannot have.
    BadAccount,
    /// A join link without `server=`.
    NoServer,
    /// `type=` is neither audio nor video.
    BadType,
}

impl DeepLinkError {
    /// Its kind, without the text it quotes.
    pub fn problem(&self) -> Problem {
        match self {
            DeepLinkError::WrongScheme => Problem::WrongScheme,
            DeepLinkError::Unknown(_) => Problem::Unknown,
            DeepLinkError::BadAccount(_) => Problem::BadAccount,
            DeepLinkError::NoServer => Problem::NoServer,
            DeepLinkError::BadType(_) => Problem::BadType,
        }
    }
}

/// Parses a deep link given as text (from the command line or the OS).
pub fn parse(link: &str) -> Result<DeepLink, DeepLinkError> {
    let rest = link
        .strip_prefix("duet://")
        .or_else(|| link.strip_prefix("duet:"))
        .ok_or(DeepLinkError::WrongScheme)?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.trim_end_matches('/') == "join" {
        return parse_join(query);
    }
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

/// `server=…&code=…`, percent-decoded; other keys are ignored.
fn parse_join(query: &str) -> Result<DeepLink, DeepLinkError> {
    let mut server = None;
    let mut code = None;
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let value = value.trim().to_owned();
        match key.as_ref() {
            "server" if !value.is_empty() => server = Some(value),
            "code" if !value.is_empty() => code = Some(value),
            _ => {}
        }
    }
    Ok(DeepLink::Join {
        server: server.ok_or(DeepLinkError::NoServer)?,
        code,
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
    fn join_links_carry_the_server_and_the_code() {
        assert_eq!(
            parse("duet://join?server=duet.example.com%3A7420&code=AbC-_9").unwrap(),
            DeepLink::Join {
                server: "duet.example.com:7420".into(),
                code: Some("AbC-_9".into())
            }
        );
        assert_eq!(
            parse("duet://join/?server=duet.example.com").unwrap(),
            DeepLink::Join {
                server: "duet.example.com".into(),
                code: None
            }
        );
        assert_eq!(parse("duet://join?code=x"), Err(DeepLinkError::NoServer));
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
