//! How WebKit paints the page: without its accelerated compositor where there is no GPU.
//!
//! With no GPU render node, WebKitGTK's compositor runs on Mesa's software OpenGL (llvmpipe) and
//! in a 720p call the page paints 8.5–12 remote frames a second; painting on the CPU instead paints
//! 17–19 and uses ~90 MiB less (docs/benchmarks.md, "Desktop app"). A user who set the variable
//! (a common workaround for some GPU drivers) keeps their choice.

use crate::frames::painter::has_render_node;
use std::ffi::OsString;
use std::path::Path;

/// WebKitGTK's switch: `1` paints without the compositor.
pub const VARIABLE: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// The value to give [`VARIABLE`] before WebKit starts, if any: `1` when the user left it unset
/// and the machine has no render node.
pub fn choice(user_value: Option<OsString>, has_render_node: bool) -> Option<&'static str> {
    (user_value.is_none() && !has_render_node).then_some("1")
}

/// Applies [`choice`] to this process and returns the value it set. Call before any thread
/// starts: the environment is shared.
pub fn apply() -> Option<&'static str> {
    let value = choice(
        std::env::var_os(VARIABLE),
        has_render_node(Path::new("/dev/dri")),
    )?;
    std::env::set_var(VARIABLE, value);
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_unset_variable_on_a_machine_without_a_render_node_is_set() {
        assert_eq!(choice(None, false), Some("1"));
        assert_eq!(choice(None, true), None);
        assert_eq!(choice(Some("0".into()), false), None, "the user's 0 stands");
        assert_eq!(choice(Some("1".into()), true), None);
    }
}
