//! What the tray shows, in the page's language: the status line (also the tooltip, with the
//! missed calls not yet seen) and the menu's two actions.

use crate::backend::state::{AppState, Status};

/// The tray's texts for one state and language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayText {
    /// First menu line and tooltip.
    pub status: String,
    /// "Show Duet".
    pub show: &'static str,
    /// "Quit".
    pub quit: &'static str,
}

/// The texts for `state` in `locale` (`zh` or anything else for English).
pub fn tray_text(state: &AppState, locale: &str) -> TrayText {
    let zh = locale == "zh";
    let peer = state
        .call
        .as_ref()
        .map(|c| c.peer_nick.as_str())
        .unwrap_or("");
    let status = match (state.status, zh) {
        (Status::SignedOut, false) => "Duet — signed out".into(),
        (Status::SignedOut, true) => "Duet — 未登录".into(),
        (Status::Idle, false) => "Duet — online".into(),
        (Status::Idle, true) => "Duet — 在线".into(),
        (Status::Calling, false) => "Duet — calling…".into(),
        (Status::Calling, true) => "Duet — 呼叫中…".into(),
        (Status::Ringing, false) => "Duet — incoming call".into(),
        (Status::Ringing, true) => "Duet — 来电".into(),
        (Status::InCall, false) => format!("Duet — in a call with {peer}"),
        (Status::InCall, true) => format!("Duet — 与 {peer} 通话中"),
    };
    let status = match (state.missed_calls, zh) {
        (0, _) => status,
        (1, false) => format!("{status} · 1 missed call"),
        (n, false) => format!("{status} · {n} missed calls"),
        (n, true) => format!("{status} · {n} 个未接来电"),
    };
    TrayText {
        status,
        show: if zh { "显示 Duet" } else { "Show Duet" },
        quit: if zh { "退出" } else { "Quit" },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missed_calls_join_the_status_line() {
        let mut state = AppState::signed_out();
        state.status = Status::Idle;
        state.missed_calls = 1;
        assert_eq!(
            tray_text(&state, "en").status,
            "Duet — online · 1 missed call"
        );
        state.missed_calls = 3;
        assert_eq!(
            tray_text(&state, "en").status,
            "Duet — online · 3 missed calls"
        );
        assert_eq!(tray_text(&state, "zh").status, "Duet — 在线 · 3 个未接来电");
    }

    #[test]
    fn every_line_follows_the_language() {
        let state = AppState::signed_out();
        let en = tray_text(&state, "en");
        let zh = tray_text(&state, "zh");
        assert_eq!(
            (en.status.as_str(), en.show, en.quit),
            ("Duet — signed out", "Show Duet", "Quit")
        );
        assert_eq!(
            (zh.status.as_str(), zh.show, zh.quit),
            ("Duet — 未登录", "显示 Duet", "退出")
        );
    }
}
