//! Start at login: the desktop's autostart entry for this app, written or removed when the
//! settings are saved with `startAtLogin` changed. On Linux the entry is an XDG autostart file,
//! `~/.config/autostart/Duet.desktop`; macOS and Windows get their own kind from the same crate
//! (auto-launch, which tauri-plugin-autostart builds on).

use std::sync::Arc;

/// The desktop's autostart, behind a trait so the backend's save logic is tested without
/// touching the user's real entry.
pub trait Autostart: Send + Sync {
    /// Registers (`true`) or unregisters (`false`) the app; the error says why, in English.
    fn set(&self, on: bool) -> Result<(), String>;
}

/// The name of the entry (`Duet.desktop` on Linux) and what the desktop's startup list shows.
pub const ENTRY_NAME: &str = "Duet";

/// The real autostart entry, starting `program`.
pub struct SystemAutostart {
    program: String,
}

impl SystemAutostart {
    /// Starts `program` at login.
    pub fn new(program: impl Into<String>) -> Self {
        Self {
            program: program.into(),
        }
    }

    /// This running app: the AppImage it was started from (`APPIMAGE`, set by the AppImage
    /// runtime: the executable itself lives in a mount that is gone after exit), else its own
    /// executable.
    pub fn this_app() -> Result<Self, String> {
        if let Some(image) = std::env::var_os("APPIMAGE") {
            return Ok(Self::new(image.to_string_lossy()));
        }
        let exe = std::env::current_exe().map_err(|e| format!("no path to this program: {e}"))?;
        Ok(Self::new(exe.to_string_lossy()))
    }

    fn launcher(&self) -> Result<auto_launch::AutoLaunch, String> {
        // auto-launch writes the path into the entry's `Exec=` line as it is.
        #[cfg(target_os = "linux")]
        let program = desktop_exec_quoted(&self.program);
        #[cfg(not(target_os = "linux"))]
        let program = self.program.clone();
        auto_launch::AutoLaunchBuilder::new()
            .set_app_name(ENTRY_NAME)
            .set_app_path(&program)
            .set_linux_launch_mode(auto_launch::LinuxLaunchMode::XdgAutostart)
            .build()
            .map_err(|e| e.to_string())
    }
}

impl Autostart for SystemAutostart {
    fn set(&self, on: bool) -> Result<(), String> {
        let launcher = self.launcher()?;
        let outcome = if on {
            launcher.enable()
        } else {
            launcher.disable()
        };
        outcome.map_err(|e| e.to_string())
    }
}

/// An autostart that cannot be changed, with the reason (a program path that is not known).
pub struct Unavailable(pub String);

impl Autostart for Unavailable {
    fn set(&self, _on: bool) -> Result<(), String> {
        Err(self.0.clone())
    }
}

/// The app's autostart: the real one, or [`Unavailable`] saying why not.
pub fn system() -> Arc<dyn Autostart> {
    match SystemAutostart::this_app() {
        Ok(autostart) => Arc::new(autostart),
        Err(why) => Arc::new(Unavailable(why)),
    }
}

/// `program` as one argument of a desktop entry's `Exec=` key: quoted when it has a character the
/// Desktop Entry Specification reserves (a space in `~/My Apps/Duet.AppImage` would otherwise
/// split it). Inside the quotes `"`, `` ` ``, `$` and `\` take a backslash, itself doubled because
/// the key's value is a string whose own escapes are undone first (GLib reads `\\$` as `$`).
#[cfg(any(target_os = "linux", test))]
fn desktop_exec_quoted(program: &str) -> String {
    const RESERVED: &[char] = &[
        ' ', '\t', '\n', '"', '\'', '\\', '>', '<', '~', '|', '&', ';', '$', '*', '?', '#', '(',
        ')', '`',
    ];
    if !program.contains(RESERVED) {
        return program.to_owned();
    }
    let mut quoted = String::with_capacity(program.len() + 2);
    quoted.push('"');
    for c in program.chars() {
        if matches!(c, '"' | '`' | '$' | '\\') {
            quoted.push_str("\\\\");
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::settings::Settings;

    #[test]
    fn a_plain_path_is_written_as_it_is_and_one_with_a_space_is_quoted() {
        assert_eq!(desktop_exec_quoted("/usr/bin/duet"), "/usr/bin/duet");
        assert_eq!(
            desktop_exec_quoted("/home/li/My Apps/Duet.AppImage"),
            "\"/home/li/My Apps/Duet.AppImage\""
        );
        assert_eq!(desktop_exec_quoted("/opt/a$b"), r#""/opt/a\\$b""#);
    }

    #[test]
    fn an_unavailable_autostart_says_why_on_every_change() {
        let autostart = Unavailable("no path to this program".into());
        assert_eq!(autostart.set(true).unwrap_err(), "no path to this program");
        assert!(autostart.set(false).is_err());
    }

    /// Records each change; fails every one when `broken`.
    #[derive(Default)]
    struct Recorded {
        calls: std::sync::Mutex<Vec<bool>>,
        broken: bool,
    }

    impl Autostart for Recorded {
        fn set(&self, on: bool) -> Result<(), String> {
            self.calls.lock().unwrap().push(on);
            if self.broken {
                Err("permission denied".into())
            } else {
                Ok(())
            }
        }
    }

    struct NoDesktop;

    impl crate::backend::ui::Ui for NoDesktop {
        fn emit(&self, _event: &str, _payload: serde_json::Value) {}
        fn show_popup(&self, _show: bool) {}
        fn notify(&self, _title: &str, _body: &str) {}
        fn status_changed(&self, _state: &crate::backend::state::AppState) {}
    }

    async fn backend(
        home: &std::path::Path,
        autostart: Arc<Recorded>,
    ) -> (crate::backend::Backend, std::path::PathBuf) {
        let dirs =
            crate::store::files::AppDirs::create(home.join("config"), home.join("data")).unwrap();
        let file = dirs.settings();
        let backend = crate::backend::Backend::new(
            dirs,
            crate::media::sources::SourceOverrides::default(),
            0,
            Arc::new(NoDesktop),
            autostart,
        )
        .await
        .unwrap();
        (backend, file)
    }

    #[tokio::test]
    async fn saving_registers_and_unregisters_only_when_the_setting_changes() {
        let home = tempfile::tempdir().unwrap();
        let autostart = Arc::new(Recorded::default());
        let (app, file) = backend(home.path(), autostart.clone()).await;
        let on = Settings {
            start_at_login: true,
            ..app.settings()
        };
        app.set_settings(on.clone()).unwrap();
        assert!(Settings::load(&file).start_at_login, "saved as on");
        app.set_settings(Settings {
            beauty: 3,
            ..on.clone()
        })
        .unwrap();
        app.set_settings(Settings {
            start_at_login: false,
            ..on
        })
        .unwrap();
        assert!(!Settings::load(&file).start_at_login, "saved as off");
        assert_eq!(
            *autostart.calls.lock().unwrap(),
            [true, false],
            "registered once, unregistered once; saving other settings leaves the entry alone"
        );
    }

    #[tokio::test]
    async fn a_failed_registration_is_an_autostart_error_and_nothing_is_saved_as_on() {
        let home = tempfile::tempdir().unwrap();
        let autostart = Arc::new(Recorded {
            broken: true,
            ..Recorded::default()
        });
        let (app, file) = backend(home.path(), autostart.clone()).await;
        let error = app
            .set_settings(Settings {
                start_at_login: true,
                beauty: 5,
                ..app.settings()
            })
            .unwrap_err();
        assert_eq!(
            error.code(),
            "autostart",
            "the page says it in the user's language"
        );
        assert!(error.to_string().contains("permission denied"), "{error}");
        assert!(!app.settings().start_at_login);
        assert!(!file.exists(), "nothing was saved: {file:?}");
        assert_eq!(*autostart.calls.lock().unwrap(), [true]);
    }
}
