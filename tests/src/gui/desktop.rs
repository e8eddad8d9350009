//! A private desktop for one test run: Xvfb on a free display, openbox (always-on-top needs a
//! window manager), a D-Bus session bus (the single-instance plugin needs one) and tauri-driver on
//! free ports, all with a temporary HOME. Everything is killed when the [`Desktop`] drops. It can
//! start more programs in the same session (a second `duet` that hands over a link), and tells
//! where a window is and which window has the focus, as the X server sees them (xprop, xwininfo).

use super::procs::Owned;
use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How long a helper may take to come up before the run fails (a guard, not a measurement).
const START_GUARD: Duration = Duration::from_secs(60);

/// WebKitGTK's WebDriver, from Debian's webkit2gtk-driver package.
const WEBKIT_DRIVER: &str = "/usr/bin/WebKitWebDriver";

pub struct Desktop {
    // Dropped in declaration order: the driver (and the app under it) before the bus and display.
    pub driver: Owned,
    _bus: Owned,
    _window_manager: Owned,
    _display: Owned,
    /// The temporary HOME; also holds the helpers' logs.
    pub dir: tempfile::TempDir,
    pub driver_port: u16,
    /// What every program of this desktop runs with (and the app's own variables).
    env: Vec<(String, String)>,
    display_name: String,
}

/// A window as the X server has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowGeometry {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
    /// Mapped and on screen.
    pub viewable: bool,
}

/// The display's size (Xvfb's screen 0).
pub const SCREEN: (i32, i32) = (1600, 1000);

/// A free loopback TCP port (free when asked; the OS may hand it out again later, rarely).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn log_file(dir: &Path, name: &str) -> File {
    File::create(dir.join(name)).expect("a log file in the temp dir")
}

fn wait_until(what: &str, process: &mut Owned, log: &Path, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        if let Some(status) = process.exited() {
            panic!(
                "{} exited ({status}) before {what}; log:\n{}",
                process.name(),
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        assert!(
            started.elapsed() < START_GUARD,
            "{} never reached {what}; log:\n{}",
            process.name(),
            std::fs::read_to_string(log).unwrap_or_default()
        );
        thread::sleep(Duration::from_millis(50));
    }
}

/// Whether another X server holds display `number`. A lock whose process is gone is stale (an
/// Xvfb killed with SIGKILL, as the harness ends its processes, leaves its lock and socket behind),
/// and Xvfb replaces a stale lock and socket itself; without this, a machine that ran the GUI tests
/// a hundred times had no display number left.
fn display_in_use(number: u32, socket: &Path) -> bool {
    match std::fs::read_to_string(format!("/tmp/.X{number}-lock")) {
        Ok(lock) => match lock.trim().parse::<u32>() {
            Ok(pid) => Path::new(&format!("/proc/{pid}")).exists(),
            // Being written this instant, or not a lock we understand: leave it alone.
            Err(_) => true,
        },
        Err(_) => socket.exists(),
    }
}

/// Starts Xvfb on the first display number from 90 that is free, retrying when another run takes it.
fn start_display(dir: &Path) -> (Owned, u32) {
    for number in 90..190u32 {
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
        if display_in_use(number, &socket) {
            continue;
        }
        let log = dir.join("xvfb.log");
        let mut xvfb = Owned::spawn(
            "Xvfb",
            Command::new("Xvfb")
                .arg(format!(":{number}"))
                .args([
                    "-screen",
                    "0",
                    &format!("{}x{}x24", SCREEN.0, SCREEN.1),
                    "-nolisten",
                    "tcp",
                    "-noreset",
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log_file(dir, "xvfb.log")),
        );
        let started = Instant::now();
        loop {
            if socket.exists() {
                return (xvfb, number);
            }
            // Lost a race for this number (or Xvfb failed): try the next one.
            if xvfb.exited().is_some() {
                break;
            }
            assert!(
                started.elapsed() < START_GUARD,
                "Xvfb :{number} never made its socket; log:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("no free X display number in :90..:190");
}

impl Desktop {
    /// Starts the display, window manager, session bus and tauri-driver. `app_env` is set on
    /// tauri-driver, which passes it down through WebKitWebDriver to the app.
    pub fn start(app_env: &[(&str, String)]) -> Desktop {
        assert!(
            Path::new(WEBKIT_DRIVER).exists(),
            "{WEBKIT_DRIVER} is missing: run scripts/setup.sh test (apt package webkit2gtk-driver)"
        );
        let dir = tempfile::tempdir().expect("a temp dir");
        let home = dir.path().join("home");
        let runtime = dir.path().join("runtime");
        for sub in [&home, &runtime] {
            std::fs::create_dir_all(sub).expect("temp HOME dirs");
        }
        std::fs::set_permissions(
            &runtime,
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .expect("XDG_RUNTIME_DIR must be private");

        let (display, number) = start_display(dir.path());
        let display_name = format!(":{number}");

        let path = |p: PathBuf| p.display().to_string();
        let session_env: Vec<(String, String)> = vec![
            ("HOME".into(), path(home.clone())),
            ("XDG_RUNTIME_DIR".into(), path(runtime.clone())),
            ("XDG_CONFIG_HOME".into(), path(home.join(".config"))),
            ("XDG_DATA_HOME".into(), path(home.join(".local/share"))),
            ("XDG_CACHE_HOME".into(), path(home.join(".cache"))),
            ("XDG_STATE_HOME".into(), path(home.join(".local/state"))),
            ("DISPLAY".into(), display_name.clone()),
            ("GDK_BACKEND".into(), "x11".into()),
        ];
        let desktop_env = |command: &mut Command| {
            command
                .envs(session_env.iter().map(|(k, v)| (k, v)))
                .env_remove("WAYLAND_DISPLAY")
                .env_remove("XDG_SESSION_TYPE")
                .env_remove("XDG_CURRENT_DESKTOP")
                .env_remove("XDG_DATA_DIRS")
                .env_remove("XDG_CONFIG_DIRS")
                .env_remove("DBUS_SESSION_BUS_ADDRESS");
        };

        let mut wm_command = Command::new("openbox");
        desktop_env(&mut wm_command);
        let window_manager = Owned::spawn(
            "openbox",
            wm_command
                .arg("--sm-disable")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log_file(dir.path(), "openbox.log")),
        );

        let bus_socket = dir.path().join("bus");
        let bus_address = format!("unix:path={}", bus_socket.display());
        let mut bus_command = Command::new("dbus-daemon");
        desktop_env(&mut bus_command);
        let mut bus = Owned::spawn(
            "dbus-daemon",
            bus_command
                .args(["--session", "--nofork", "--nopidfile"])
                .arg(format!("--address={bus_address}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log_file(dir.path(), "dbus.log")),
        );
        wait_until("its socket", &mut bus, &dir.path().join("dbus.log"), || {
            bus_socket.exists()
        });

        let driver_port = free_port();
        let native_port = free_port();
        let mut driver_command = Command::new(tauri_driver());
        desktop_env(&mut driver_command);
        driver_command
            .env("DBUS_SESSION_BUS_ADDRESS", &bus_address)
            .envs(app_env.iter().map(|(k, v)| (k, v)))
            .args(["--port", &driver_port.to_string()])
            .args(["--native-port", &native_port.to_string()])
            .args(["--native-driver", WEBKIT_DRIVER])
            .stdin(Stdio::null())
            .stdout(log_file(dir.path(), "driver.log"))
            .stderr(log_file(dir.path(), "driver.err.log"));
        let mut driver = Owned::spawn("tauri-driver", &mut driver_command);
        // tauri-driver listens at once but forwards to WebKitWebDriver, which it starts alongside:
        // a session asked for before both listen fails with "client error (Connect)".
        wait_until(
            "listening (itself and WebKitWebDriver)",
            &mut driver,
            &dir.path().join("driver.err.log"),
            || {
                [driver_port, native_port]
                    .iter()
                    .all(|port| TcpStream::connect(("127.0.0.1", *port)).is_ok())
            },
        );

        let mut env = session_env.clone();
        env.push(("DBUS_SESSION_BUS_ADDRESS".into(), bus_address));
        env.extend(app_env.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
        Desktop {
            driver,
            _bus: bus,
            _window_manager: window_manager,
            _display: display,
            dir,
            driver_port,
            env,
            display_name,
        }
    }

    /// The X display this desktop runs on (`:N`), to draw on it.
    pub fn display_name(&self) -> &str {
        &self.display_name
    }

    /// `program` set up to run in this desktop's session, as the app runs (same HOME, display,
    /// session bus and app variables).
    pub fn command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("XDG_SESSION_TYPE")
            .env_remove("XDG_CURRENT_DESKTOP")
            .env_remove("XDG_DATA_DIRS")
            .env_remove("XDG_CONFIG_DIRS")
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    fn x_tool(&self, program: &str, args: &[&str]) -> Option<Output> {
        Command::new(program)
            .arg("-display")
            .arg(&self.display_name)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
    }

    /// The window whose title contains `title_part` (the client window, inside the window
    /// manager's frame), or None while there is none. Needs xwininfo (x11-utils).
    pub fn window(&self, title_part: &str) -> Option<WindowGeometry> {
        self.window_where(|line| line.contains(title_part))
    }

    /// The window whose line in `xwininfo -root -tree` (id, "title": ("instance" "class"),
    /// geometry) satisfies `line_matches`, or None while there is none.
    pub fn window_where(&self, line_matches: impl Fn(&str) -> bool) -> Option<WindowGeometry> {
        let tree = self.x_tool("xwininfo", &["-root", "-tree"])?;
        let tree = String::from_utf8_lossy(&tree.stdout);
        let id = tree
            .lines()
            .find(|l| line_matches(l))?
            .split_whitespace()
            .next()?
            .to_owned();
        let out = self.x_tool("xwininfo", &["-id", &id])?;
        let text = String::from_utf8_lossy(&out.stdout);
        let field = |name: &str| -> Option<i32> {
            text.lines()
                .find_map(|l| l.trim().strip_prefix(name))
                .and_then(|v| v.trim().parse().ok())
        };
        Some(WindowGeometry {
            x: field("Absolute upper-left X:")?,
            y: field("Absolute upper-left Y:")?,
            width: field("Width:")?,
            height: field("Height:")?,
            viewable: text.contains("Map State: IsViewable"),
        })
    }

    /// The title of the window the window manager says has the focus (`_NET_ACTIVE_WINDOW`), or
    /// None when none has. Needs xprop (x11-utils).
    pub fn focused_window_title(&self) -> Option<String> {
        let out = self.x_tool("xprop", &["-root", "_NET_ACTIVE_WINDOW"])?;
        let text = String::from_utf8_lossy(&out.stdout);
        let id = text.split('#').nth(1)?.split(',').next()?.trim().to_owned();
        if id == "0x0" {
            return None;
        }
        let out = self.x_tool("xprop", &["-id", &id, "_NET_WM_NAME"])?;
        let text = String::from_utf8_lossy(&out.stdout);
        // _NET_WM_NAME(UTF8_STRING) = "Duet"
        let (_, quoted) = text.split_once(" = ")?;
        Some(quoted.trim().trim_matches('"').to_owned())
    }

    /// What the window manager and the X server say about the focus, for a failure message:
    /// `_NET_ACTIVE_WINDOW`, the X input focus and the top-level windows.
    pub fn focus_report(&self) -> String {
        let text = |out: Option<Output>| {
            out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_else(|| "(failed)".into())
        };
        let active = text(self.x_tool("xprop", &["-root", "_NET_ACTIVE_WINDOW"]));
        let tree = text(self.x_tool("xwininfo", &["-root", "-children"]));
        format!("{active}{tree}")
    }

    /// The last `bytes` of what tauri-driver, WebKitWebDriver and the app printed.
    pub fn app_log_tail(&self, bytes: usize) -> String {
        let mut text = String::new();
        for name in ["driver.log", "driver.err.log"] {
            let log = std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
            let start = log.len().saturating_sub(bytes);
            let start = (start..log.len())
                .find(|i| log.is_char_boundary(*i))
                .unwrap_or(log.len());
            text.push_str(&format!("--- {name} (tail) ---\n{}\n", &log[start..]));
        }
        text
    }
}

/// tauri-driver from PATH or ~/.cargo/bin (where `cargo install` puts it).
fn tauri_driver() -> PathBuf {
    let in_cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|c| c.join("bin/tauri-driver"));
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("tauri-driver"))
            .find(|p| p.exists())
    });
    on_path.or(in_cargo_home.filter(|p| p.exists())).expect(
        "tauri-driver is missing: run scripts/setup.sh test (cargo install tauri-driver@^2)",
    )
}
