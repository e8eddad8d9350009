//! What each window may do (docs/app.md, Links and consent; ARCHITECTURE.md, The desktop app's
//! security): the capabilities in capabilities/*.json against the command list, and the page's
//! Content Security Policy in tauri.conf.json. The page's side (each window's page calls every
//! command its capability allows) is ui/test/capabilities.test.ts.

#[cfg(test)]
mod tests {
    use crate::shell::command_list::with_commands;
    use serde_json::Value;
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// The commands of the list, by name.
    macro_rules! command_names {
        ($($name:ident $(($args:ty))? -> $result:ty;)*) => {
            [$(stringify!($name)),*].into_iter().collect::<BTreeSet<&str>>()
        };
    }

    /// The popup answers and declines; it reads its state and the language. Nothing more.
    const POPUP: [&str; 4] = ["accept", "bootstrap", "get_settings", "reject"];
    /// The mini window mutes, hangs up and stops this user's screen share (its sharing bar); it
    /// reads its state and the language.
    const MINI: [&str; 5] = [
        "bootstrap",
        "get_settings",
        "hangup",
        "set_muted",
        "stop_screen_share",
    ];
    /// What every page needs of Tauri's own commands: the backend's events.
    const EVENTS: [&str; 2] = ["core:event:allow-listen", "core:event:allow-unlisten"];
    /// Of Tauri's window commands, each window has only what its page uses: the main window its
    /// own full screen (the call screen's button), the mini window closing itself (back to the app).
    fn plugin_permissions(label: &str) -> BTreeSet<String> {
        let extra: &[&str] = match label {
            "main" => &[
                "core:window:allow-set-fullscreen",
                "core:window:allow-is-fullscreen",
            ],
            "mini" => &["core:window:allow-close"],
            _ => &[],
        };
        set(&EVENTS).into_iter().chain(set(extra)).collect()
    }

    fn manifest_dir() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    struct Window {
        commands: BTreeSet<String>,
        plugin_permissions: BTreeSet<String>,
    }

    /// Each window's allowed app commands and plugin permissions, from every capability file.
    fn windows() -> BTreeMap<String, Window> {
        let mut windows: BTreeMap<String, Window> = BTreeMap::new();
        let dir = manifest_dir().join("capabilities");
        for entry in std::fs::read_dir(&dir).expect("src-tauri/capabilities") {
            let path = entry.expect("a directory entry").path();
            let text = std::fs::read_to_string(&path).expect("a readable capability");
            let capability: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let permissions: Vec<String> = capability["permissions"]
                .as_array()
                .unwrap_or_else(|| panic!("{}: no permissions list", path.display()))
                .iter()
                .map(|p| {
                    p.as_str()
                        .unwrap_or_else(|| panic!("{}: a scoped permission {p}", path.display()))
                        .to_owned()
                })
                .collect();
            let labels = capability["windows"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            assert!(
                capability.get("webviews").is_none() && capability.get("remote").is_none(),
                "{}: capabilities are per window and for the app's own page only",
                path.display()
            );
            for label in labels {
                let label = label.as_str().expect("a window label").to_owned();
                assert!(
                    !label.contains('*'),
                    "{}: no window patterns",
                    path.display()
                );
                let window = windows.entry(label).or_insert(Window {
                    commands: BTreeSet::new(),
                    plugin_permissions: BTreeSet::new(),
                });
                for permission in &permissions {
                    match permission.strip_prefix("allow-") {
                        Some(command) if !permission.contains(':') => {
                            window.commands.insert(command.replace('-', "_"));
                        }
                        _ => {
                            window.plugin_permissions.insert(permission.clone());
                        }
                    }
                }
            }
        }
        windows
    }

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn each_window_may_call_only_the_commands_its_page_uses() {
        let list: BTreeSet<String> = with_commands!(command_names)
            .into_iter()
            .map(str::to_owned)
            .collect();
        let windows = windows();
        assert_eq!(
            windows.keys().map(String::as_str).collect::<Vec<_>>(),
            ["main", "mini", "popup"],
            "a capability for each window the app opens, and for no other"
        );
        for (label, window) in &windows {
            let unknown: Vec<_> = window.commands.difference(&list).collect();
            assert!(
                unknown.is_empty(),
                "{label} is allowed commands the list does not have: {unknown:?}"
            );
            assert_eq!(
                window.plugin_permissions,
                plugin_permissions(label),
                "{label}: of Tauri's and the plugins' commands, only events and what its page uses"
            );
        }
        assert_eq!(windows["popup"].commands, set(&POPUP));
        assert_eq!(windows["mini"].commands, set(&MINI));
        // The main window's page calls every command (ui/test/capabilities.test.ts checks that
        // it does); a command no window may call would be dead.
        assert_eq!(windows["main"].commands, list);
    }

    /// The CSP as directive name -> sources.
    fn csp() -> BTreeMap<String, Vec<String>> {
        let path = manifest_dir().join("tauri.conf.json");
        let config: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("tauri.conf.json"))
                .expect("tauri.conf.json is JSON");
        let policy = config["app"]["security"]["csp"]
            .as_str()
            .expect("a CSP string in app.security.csp");
        policy
            .split(';')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(|directive| {
                let mut words = directive.split_whitespace().map(str::to_owned);
                let name = words.next().unwrap_or_default();
                (name, words.collect())
            })
            .collect()
    }

    #[test]
    fn the_page_runs_only_its_own_code_and_talks_only_to_the_backend() {
        let csp = csp();
        let sources = |name: &str| -> Vec<&str> {
            csp.get(name)
                .unwrap_or_else(|| panic!("the CSP has no {name}"))
                .iter()
                .map(String::as_str)
                .collect()
        };
        assert_eq!(sources("default-src"), ["'none'"]);
        assert_eq!(sources("script-src"), ["'self'"]);
        assert_eq!(sources("style-src"), ["'self'"]);
        assert_eq!(sources("object-src"), ["'none'"]);
        assert_eq!(sources("base-uri"), ["'none'"]);
        assert_eq!(sources("form-action"), ["'none'"]);
        // Tauri IPC (the ipc: scheme; http://ipc.localhost where the webview lacks custom
        // schemes) and the frames socket on loopback, whose port is chosen at each start.
        assert_eq!(
            sources("connect-src"),
            ["ipc:", "http://ipc.localhost", "ws://127.0.0.1:*"]
        );
        for (name, list) in &csp {
            for source in list {
                assert!(
                    !source.contains("unsafe"),
                    "{name} {source}: no eval, no inline code"
                );
                let remote = source.contains("://") || (source.ends_with(':') && source != "ipc:");
                let allowed = name == "connect-src";
                assert!(
                    !remote || allowed,
                    "{name} {source}: no remote or scheme-wide sources outside connect-src"
                );
            }
        }
    }
}
