//! What to share, and its compact text form.

use std::fmt;
use std::str::FromStr;

use crate::ScreenError;

/// A screen or a window to share.
///
/// `display` is an X display name such as `":5"`; `None` means `$DISPLAY`.
///
/// Text form (what [`fmt::Display`] writes and [`FromStr`] reads), for the app and the CLI:
///
/// | target | text |
/// |---|---|
/// | the screen of `$DISPLAY` | `screen` |
/// | the screen of `:5` | `screen::5` |
/// | window `0x1a00003` of `$DISPLAY` | `window:0x1a00003` |
/// | window `0x1a00003` of `:5` | `window::5:0x1a00003` |
/// | what the user picks in the desktop's screen-cast dialog (Wayland) | `portal` |
///
/// The window id is the last `:`-separated field, hexadecimal with `0x` or decimal; everything
/// between `window:` and it is the display name (which may itself hold colons).
///
/// ```
/// use duet_screen::ShareTarget;
/// let t: ShareTarget = "window::5:0x1a00003".parse()?;
/// assert_eq!(t, ShareTarget::Window { display: Some(":5".into()), id: 0x1a00003 });
/// assert_eq!(t.to_string(), "window::5:0x1a00003");
/// assert_eq!("screen".parse::<ShareTarget>()?, ShareTarget::Screen { display: None });
/// # Ok::<(), duet_screen::ScreenError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ShareTarget {
    /// The whole X screen (all monitors of it).
    Screen { display: Option<String> },
    /// One top-level window, by its X id.
    Window { display: Option<String>, id: u32 },
    /// A screen or a window the user picks in the desktop's own dialog: the xdg-desktop-portal
    /// ScreenCast interface, the way to capture on Wayland (built with the `portal` feature).
    Portal,
}

impl ShareTarget {
    /// The display name given, if any (`None`: `$DISPLAY`).
    pub fn display(&self) -> Option<&str> {
        match self {
            ShareTarget::Screen { display } | ShareTarget::Window { display, .. } => {
                display.as_deref()
            }
            ShareTarget::Portal => None,
        }
    }
}

impl fmt::Display for ShareTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShareTarget::Screen { display: None } => f.write_str("screen"),
            ShareTarget::Screen { display: Some(d) } => write!(f, "screen:{d}"),
            ShareTarget::Window { display: None, id } => write!(f, "window:0x{id:x}"),
            ShareTarget::Window {
                display: Some(d),
                id,
            } => write!(f, "window:{d}:0x{id:x}"),
            ShareTarget::Portal => f.write_str("portal"),
        }
    }
}

impl FromStr for ShareTarget {
    type Err = ScreenError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ScreenError::BadTarget(s.to_owned());
        let display = |d: &str| (!d.is_empty()).then(|| d.to_owned());
        if s == "screen" {
            return Ok(ShareTarget::Screen { display: None });
        }
        if s == "portal" {
            return Ok(ShareTarget::Portal);
        }
        if let Some(d) = s.strip_prefix("screen:") {
            return Ok(ShareTarget::Screen {
                display: display(d),
            });
        }
        let rest = s.strip_prefix("window:").ok_or_else(bad)?;
        let (d, id) = rest.rsplit_once(':').unwrap_or(("", rest));
        let id = match id.strip_prefix("0x").or_else(|| id.strip_prefix("0X")) {
            Some(hex) => u32::from_str_radix(hex, 16),
            None => id.parse(),
        }
        .map_err(|_| bad())?;
        Ok(ShareTarget::Window {
            display: display(d),
            id,
        })
    }
}

/// A shareable target as [`crate::list_targets`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetInfo {
    pub target: ShareTarget,
    /// The window's title (`_NET_WM_NAME`, else `WM_NAME`), `"Entire screen"`, or for
    /// [`ShareTarget::Portal`] `"Screen or window (chosen in the system dialog)"`.
    pub title: String,
    /// The size in pixels (0 x 0 for the portal: known once the user picked).
    pub width: u32,
    pub height: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_round_trips() {
        for t in [
            ShareTarget::Screen { display: None },
            ShareTarget::Screen {
                display: Some(":5".into()),
            },
            ShareTarget::Screen {
                display: Some("host:0.1".into()),
            },
            ShareTarget::Window {
                display: None,
                id: 0x1a0_0003,
            },
            ShareTarget::Window {
                display: Some(":12".into()),
                id: 7,
            },
            ShareTarget::Window {
                display: Some("host:0".into()),
                id: u32::MAX,
            },
            ShareTarget::Portal,
        ] {
            assert_eq!(t.to_string().parse::<ShareTarget>().unwrap(), t, "{t}");
        }
        assert_eq!(
            "window:42".parse::<ShareTarget>().unwrap(),
            ShareTarget::Window {
                display: None,
                id: 42
            }
        );
        assert_eq!(
            "screen:".parse::<ShareTarget>().unwrap(),
            ShareTarget::Screen { display: None }
        );
    }

    #[test]
    fn bad_text_is_an_error_not_a_panic() {
        for s in [
            "",
            "scr",
            "window:",
            "window::5:",
            "window::5:0xzz",
            "window:0x100000000",
            "monitor:1",
        ] {
            assert!(
                matches!(s.parse::<ShareTarget>(), Err(ScreenError::BadTarget(_))),
                "{s:?}"
            );
        }
    }
}
