//! How the page paints video frames: WebGL where OpenGL has a GPU under it, a 2D canvas where it
//! does not. Without a GPU render node, WebKit's WebGL runs on Mesa's llvmpipe: each frame costs a
//! shader pass in software and a read-back of the drawing buffer, half a core in a 720p call,
//! while a 2D canvas is painted straight from the pixels the page converts (docs/benchmarks.md,
//! "Against a browser tab"). `DUET_VIDEO_PAINTER=webgl|canvas2d` overrides the choice.

use serde::Serialize;
use std::path::Path;

/// The override's name.
pub const VARIABLE: &str = "DUET_VIDEO_PAINTER";

/// The page's way of painting video (Bootstrap `videoPainter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum VideoPainter {
    /// I420 planes as textures, converted by a shader.
    Webgl,
    /// RGBA converted in the page, put into a 2D canvas.
    Canvas2d,
}

/// The painter for an override value (if any) and whether the machine has a GPU render node.
/// An override that names no painter is an error for the caller to report; the machine decides.
pub fn choose(user_value: Option<&str>, has_render_node: bool) -> (VideoPainter, Option<String>) {
    let by_machine = if has_render_node {
        VideoPainter::Webgl
    } else {
        VideoPainter::Canvas2d
    };
    match user_value.map(str::trim) {
        None | Some("") => (by_machine, None),
        Some("webgl") => (VideoPainter::Webgl, None),
        Some("canvas2d") => (VideoPainter::Canvas2d, None),
        Some(other) => (
            by_machine,
            Some(format!(
                "{VARIABLE}={other:?} is not `webgl` or `canvas2d`; painting with {by_machine:?}"
            )),
        ),
    }
}

/// Whether `dri_dir` (`/dev/dri`) holds a render node (`renderD128`, ...): a GPU for OpenGL.
pub fn has_render_node(dri_dir: &Path) -> bool {
    std::fs::read_dir(dri_dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .any(|entry| entry.file_name().to_string_lossy().starts_with("renderD"))
        })
        .unwrap_or(false)
}

/// This machine's painter, the override applied; a bad override is logged.
pub fn for_this_machine() -> VideoPainter {
    let user_value = std::env::var(VARIABLE).ok();
    let (painter, problem) = choose(
        user_value.as_deref(),
        has_render_node(Path::new("/dev/dri")),
    );
    if let Some(problem) = problem {
        tracing::warn!("{problem}");
    }
    painter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_machine_decides_unless_the_user_named_a_painter() {
        assert_eq!(choose(None, false), (VideoPainter::Canvas2d, None));
        assert_eq!(choose(None, true), (VideoPainter::Webgl, None));
        assert_eq!(choose(Some(""), true), (VideoPainter::Webgl, None));
        assert_eq!(choose(Some("webgl"), false), (VideoPainter::Webgl, None));
        assert_eq!(
            choose(Some("canvas2d"), true),
            (VideoPainter::Canvas2d, None)
        );
    }

    #[test]
    fn a_misspelt_override_is_reported_and_the_machine_decides() {
        let (painter, problem) = choose(Some("opengl"), true);
        assert_eq!(painter, VideoPainter::Webgl);
        let problem = problem.expect("a bad value is reported");
        assert!(
            problem.contains("\"opengl\"") && problem.contains("canvas2d"),
            "{problem}"
        );
    }

    #[test]
    fn the_painter_is_sent_in_lower_case() {
        assert_eq!(
            serde_json::to_string(&VideoPainter::Canvas2d).unwrap(),
            "\"canvas2d\""
        );
        assert_eq!(
            serde_json::to_string(&VideoPainter::Webgl).unwrap(),
            "\"webgl\""
        );
    }

    #[test]
    fn a_render_node_is_a_renderd_entry_in_the_dri_directory() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!has_render_node(dir.path()));
        std::fs::write(dir.path().join("card0"), b"").unwrap();
        assert!(!has_render_node(dir.path()), "a card without a render node");
        std::fs::write(dir.path().join("renderD128"), b"").unwrap();
        assert!(has_render_node(dir.path()));
        assert!(!has_render_node(&dir.path().join("missing")));
    }
}
