//! Limits and durations of the switchboard.

/// How the switchboard treats time and load; the defaults suit a public deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchboardConfig {
    /// Ring time when an invite asks for none (nertc-call's default, 30 s).
    pub default_timeout_ms: u64,
    /// Longest ring time an invite may ask for (nertc-call's maximum, 120 s).
    pub max_timeout_ms: u64,
    /// How long an answered call survives a party's lost connection before it ends.
    pub reconnect_grace_ms: u64,
    /// Most calls that may ring one account at once.
    pub max_pending_invites: usize,
    /// Most invites an account may place in a minute.
    pub invites_per_minute: usize,
    /// Most invites an account may place to one callee within [`Self::repeat_window_ms`]:
    /// redialling a few times is normal, ringing someone every second is not.
    pub invites_per_callee: usize,
    /// The window of [`Self::invites_per_callee`].
    pub repeat_window_ms: u64,
    /// Whether call actions need the per-call token (nertc-call's checkSum).
    pub safe_mode: bool,
    /// How many ended call ids are remembered, to answer late messages with `call_ended`.
    pub ended_memory: usize,
}

impl Default for SwitchboardConfig {
    fn default() -> Self {
        Self {
            default_timeout_ms: 30_000,
            max_timeout_ms: 120_000,
            reconnect_grace_ms: 20_000,
            max_pending_invites: 32,
            invites_per_minute: 60,
            invites_per_callee: 5,
            repeat_window_ms: 600_000,
            safe_mode: true,
            ended_memory: 16_384,
        }
    }
}
