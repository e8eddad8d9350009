//! A display name a caller gives for one call (nertc-call's `nickName`), checked on the way in.

use serde::{Deserialize, Deserializer};

/// The longest display name, in characters.
pub const MAX_NICK_CHARS: usize = 64;

/// Why a display name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NickError {
    #[error("a nick must not be empty (leave it out to show the account's nickname)")]
    Empty,
    #[error("a nick is at most {MAX_NICK_CHARS} characters, not {0}")]
    TooLong(usize),
    /// Control characters (line breaks, escapes) could rewrite what a screen or a log shows.
    #[error("a nick must not contain control characters")]
    ControlCharacter,
}

/// Checks a display name: 1 to [`MAX_NICK_CHARS`] characters, none of them a control character.
pub fn check_nick(nick: &str) -> Result<(), NickError> {
    let chars = nick.chars().count();
    if chars == 0 {
        return Err(NickError::Empty);
    }
    if chars > MAX_NICK_CHARS {
        return Err(NickError::TooLong(chars));
    }
    if nick.chars().any(char::is_control) {
        return Err(NickError::ControlCharacter);
    }
    Ok(())
}

/// Reads an optional nick, refusing one [`check_nick`] refuses (the frame is `invalid_message`).
pub(crate) fn deserialize_optional<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    let nick = Option::<String>::deserialize(deserializer)?;
    if let Some(nick) = &nick {
        check_nick(nick).map_err(serde::de::Error::custom)?;
    }
    Ok(nick)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_any_script_up_to_64_characters_pass() {
        assert_eq!(check_nick("Alice Liddell"), Ok(()));
        assert_eq!(check_nick(&"爱".repeat(64)), Ok(()));
        assert_eq!(check_nick(&"a".repeat(65)), Err(NickError::TooLong(65)));
        assert_eq!(check_nick(""), Err(NickError::Empty));
        assert_eq!(
            check_nick("Bank\nsupport"),
            Err(NickError::ControlCharacter)
        );
    }
}
