//! Wayland screen capture through the real desktop stack: a headless sway whose
//! xdg-desktop-portal (with its wlroots backend) answers the ScreenCast request and hands over a
//! PipeWire stream (scripts/wayland-lab/lab.sh starts all of it in a private directory, and stops
//! it when the test ends, passed or not). The portal's backend is set up to pick the one output
//! without a dialog, as a user would; then to fail its chooser, as a user declining.
//!
//! One test in its own binary: it points the process's session bus and Wayland variables at the
//! lab.
#![cfg(feature = "portal")]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use duet_screen::{list_targets, BgraImage, Capture, ScreenCapturer, ScreenError, ShareTarget};

/// The lab's screen: 640x360, an orange background that the test turns blue.
const SIZE: (u32, u32) = (640, 360);
const ORANGE: [u8; 3] = [0x00, 0x80, 0xff];
const BLUE: [u8; 3] = [0xff, 0x40, 0x00];

/// How long a step may take before the test gives up (it never times anything).
const GUARD: Duration = Duration::from_secs(30);

fn lab_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/wayland-lab/lab.sh")
}

/// A running lab, stopped (every process killed, its directory removed) when dropped.
struct Lab {
    /// The file the script keeps the lab's directory in: one per test run.
    state: PathBuf,
    env: Vec<(String, String)>,
}

impl Lab {
    fn start() -> Lab {
        let state = std::env::temp_dir().join(format!("duet-wayland-lab-{}", std::process::id()));
        let out = Command::new(lab_script())
            .arg("start")
            .env("LAB_STATE", &state)
            .env("LAB_RES", format!("{}x{}", SIZE.0, SIZE.1))
            .env("LAB_BG", "#ff8000")
            .output()
            .expect("run scripts/wayland-lab/lab.sh");
        let lab = Lab {
            state,
            env: exports(&String::from_utf8_lossy(&out.stdout)),
        };
        assert!(
            out.status.success(),
            "the Wayland lab did not start (scripts/setup.sh test installs its packages):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        lab
    }

    fn var(&self, name: &str) -> &str {
        self.env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("the lab printed no {name}: {:?}", self.env))
    }

    /// Runs `lab.sh` with `args` on this lab.
    fn script(&self, args: &[&str]) {
        let out = Command::new(lab_script())
            .args(args)
            .env("LAB_STATE", &self.state)
            .output()
            .expect("run scripts/wayland-lab/lab.sh");
        assert!(
            out.status.success(),
            "lab.sh {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Kills the lab's process `name` (as `lab.sh` lists it in its `pids` file).
    fn kill(&self, name: &str) {
        let pids = std::fs::read_to_string(Path::new(self.var("LAB_DIR")).join("pids"))
            .expect("the lab's pids file");
        let pid = pids
            .lines()
            .filter_map(|line| line.split_once(' '))
            .filter(|(n, _)| *n == name)
            .map(|(_, pid)| pid.to_owned())
            .next_back()
            .unwrap_or_else(|| panic!("no {name} in the lab's pids: {pids}"));
        let status = Command::new("kill").arg(&pid).status().expect("run kill");
        assert!(status.success(), "kill {name} ({pid})");
    }

    /// Tells the lab's sway to do something (`swaymsg` on its socket).
    fn swaymsg(&self, args: &[&str]) {
        let status = Command::new("swaymsg")
            .arg("-s")
            .arg(self.var("SWAYSOCK"))
            .args(args)
            .env("XDG_RUNTIME_DIR", self.var("XDG_RUNTIME_DIR"))
            .output()
            .expect("run swaymsg")
            .status;
        assert!(status.success(), "swaymsg {args:?}");
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = Command::new(lab_script())
            .arg("stop")
            .env("LAB_STATE", &self.state)
            .status();
    }
}

/// The `export NAME='VALUE'` lines `lab.sh start` prints.
fn exports(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| line.strip_prefix("export "))
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.trim_matches('\'').to_owned()))
        .collect()
}

/// The colour (B, G, R) every sampled pixel has, if they agree.
fn colour(image: &BgraImage) -> Option<[u8; 3]> {
    let at = |x, y| image.pixel(x, y).map(|p| [p[0], p[1], p[2]]);
    let first = at(0, 0)?;
    let (w, h) = (image.width, image.height);
    [(w / 2, h / 2), (w - 1, h - 1), (w / 3, h / 4)]
        .into_iter()
        .all(|(x, y)| at(x, y) == Some(first))
        .then_some(first)
}

/// Captures until a frame of `wanted` colour arrives; the colours seen meanwhile if none does.
///
/// xdg-desktop-portal-wlr sends a still screen's picture once, when the cast starts, and then
/// only what changes; a first picture sent before the stream was linked is not sent again. So
/// after each second without a frame the lab's screen is redrawn (a workspace switch: the same
/// picture), as any screen in use is.
fn wait_for_colour(lab: &Lab, capturer: &mut ScreenCapturer, wanted: [u8; 3]) -> BgraImage {
    let started = Instant::now();
    let mut last_frame = Instant::now();
    let mut workspace = 1;
    let mut seen = vec![];
    loop {
        if last_frame.elapsed() > Duration::from_secs(1) {
            workspace = 3 - workspace;
            lab.swaymsg(&["workspace", "number", &workspace.to_string()]);
            last_frame = Instant::now();
        }
        match capturer.capture() {
            Ok(Capture::Frame(image)) => {
                last_frame = Instant::now();
                let c = colour(image);
                if c == Some(wanted) {
                    return image.clone();
                }
                seen.push(c);
            }
            Ok(Capture::Unchanged | Capture::Hidden) => {}
            Err(e) => panic!("capture failed waiting for {wanted:?}: {e}"),
        }
        assert!(
            started.elapsed() < GUARD,
            "no frame of colour {wanted:?} (B, G, R) from the portal; frames seen: {seen:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Captures until the capture fails, and returns why.
fn wait_for_error(capturer: &mut ScreenCapturer) -> ScreenError {
    let started = Instant::now();
    loop {
        if let Err(e) = capturer.capture() {
            return e;
        }
        assert!(
            started.elapsed() < GUARD,
            "the capture went on after the desktop ended the cast"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_portal_shares_the_screen_the_desktop_gives_follows_it_and_says_when_it_ends_or_is_declined()
{
    let lab = Lab::start();
    // This process is now a client of the lab's Wayland session, with no X display.
    for (name, value) in &lab.env {
        std::env::set_var(name, value);
    }
    std::env::remove_var("DISPLAY");

    // 1. A Wayland session lists the one portal target.
    let targets = list_targets(None).expect("targets");
    let listed: Vec<&ShareTarget> = targets.iter().map(|t| &t.target).collect();
    assert_eq!(listed, [&ShareTarget::Portal]);

    // 2. The desktop's screen arrives at its size and colour.
    let mut capturer = ScreenCapturer::open(&ShareTarget::Portal).expect("the portal starts");
    let first = wait_for_colour(&lab, &mut capturer, ORANGE);
    assert_eq!((first.width, first.height), SIZE);
    assert_eq!(capturer.size(), SIZE);
    assert!(first.data.chunks_exact(4).all(|p| p[3] == 255), "opaque");

    // 3. What changes on the screen comes through.
    lab.swaymsg(&["output", "*", "bg", "#0040ff", "solid_color"]);
    wait_for_colour(&lab, &mut capturer, BLUE);

    // 4. The desktop ends the cast (its portal backend goes away, as when the user stops it
    // from the desktop): the capture says so instead of waiting for frames forever.
    lab.kill("xdpw");
    let ended = wait_for_error(&mut capturer);
    assert!(
        matches!(&ended, ScreenError::Portal(reason) if reason.contains("ended")),
        "{ended:?}"
    );
    drop(capturer);
    lab.script(&["xdpw", "normal"]);

    // 5. The user declines in the desktop's dialog: nothing is shared, and it says so.
    lab.script(&["xdpw", "refuse"]);
    let declined = ScreenCapturer::open(&ShareTarget::Portal).err();
    assert_eq!(declined, Some(ScreenError::Refused));
    assert_eq!(
        ScreenError::Refused.to_string(),
        "the screen-cast portal refused the request"
    );
}
