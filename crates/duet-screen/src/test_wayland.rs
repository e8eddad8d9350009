//! A private headless Wayland desktop whose xdg-desktop-portal answers screen-cast requests, for
//! tests (not for the app): `scripts/wayland-lab/lab.sh` in this repository starts sway (headless,
//! one output of the size asked, a solid background), a session bus, PipeWire with WirePlumber,
//! xdg-desktop-portal and its wlroots backend set to pick the output without a dialog. Stopped
//! (every process killed, its directory removed) when dropped. Needs the packages
//! `scripts/setup.sh test` installs, and root (sway runs in a user namespace).
//!
//! A client of the lab gets [`WaylandLab::env`] in its environment (session bus, runtime
//! directory, `WAYLAND_DISPLAY`) and no `DISPLAY`; the portal target is then `portal`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn lab_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/wayland-lab/lab.sh")
}

/// A running lab; see the module docs.
pub struct WaylandLab {
    /// The file the script keeps the lab's directory in: one per lab.
    state: PathBuf,
    env: Vec<(String, String)>,
}

impl WaylandLab {
    /// Starts one whose screen is `width` x `height` in `background` (`#rrggbb`); the error
    /// holds the script's log when it could not.
    pub fn start(width: u32, height: u32, background: &str) -> Result<WaylandLab, String> {
        let state = std::env::temp_dir().join(format!(
            "duet-wayland-lab-{}-{width}x{height}",
            std::process::id()
        ));
        let out = Command::new(lab_script())
            .arg("start")
            .env("LAB_STATE", &state)
            .env("LAB_RES", format!("{width}x{height}"))
            .env("LAB_BG", background)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", lab_script().display()))?;
        // Built before checking the status: dropping it stops whatever did start.
        let lab = WaylandLab {
            state,
            env: exports(&String::from_utf8_lossy(&out.stdout)),
        };
        if !out.status.success() {
            return Err(format!(
                "the Wayland lab did not start (scripts/setup.sh test installs its packages):\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(lab)
    }

    /// The variables a client of the lab needs (`DBUS_SESSION_BUS_ADDRESS`, `XDG_RUNTIME_DIR`,
    /// `WAYLAND_DISPLAY`, `PIPEWIRE_RUNTIME_DIR`, `XDG_CURRENT_DESKTOP`...).
    pub fn env(&self) -> &[(String, String)] {
        &self.env
    }

    fn var(&self, name: &str) -> Result<&str, String> {
        self.env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| format!("the lab printed no {name}: {:?}", self.env))
    }

    /// Restarts the portal's backend so that its chooser picks the output (`normal`) or fails
    /// (`refuse`: the user declining the dialog).
    pub fn portal_backend(&self, mode: &str) -> Result<(), String> {
        let out = Command::new(lab_script())
            .args(["xdpw", mode])
            .env("LAB_STATE", &self.state)
            .output()
            .map_err(|e| e.to_string())?;
        match out.status.success() {
            true => Ok(()),
            false => Err(format!(
                "lab.sh xdpw {mode}: {}",
                String::from_utf8_lossy(&out.stderr)
            )),
        }
    }

    /// Kills the portal's backend (the desktop ending every cast).
    pub fn kill_portal_backend(&self) -> Result<(), String> {
        let pids = std::fs::read_to_string(Path::new(self.var("LAB_DIR")?).join("pids"))
            .map_err(|e| format!("the lab's pids file: {e}"))?;
        let pid = pids
            .lines()
            .filter_map(|line| line.split_once(' '))
            .filter(|(name, _)| *name == "xdpw")
            .map(|(_, pid)| pid.to_owned())
            .next_back()
            .ok_or_else(|| format!("no portal backend in the lab's pids: {pids}"))?;
        let status = Command::new("kill")
            .arg(&pid)
            .status()
            .map_err(|e| e.to_string())?;
        match status.success() {
            true => Ok(()),
            false => Err(format!("kill {pid} failed")),
        }
    }

    /// Tells the lab's sway to do something (`swaymsg` on its socket), e.g. `output * bg
    /// #0040ff solid_color`.
    pub fn swaymsg(&self, args: &[&str]) -> Result<(), String> {
        let out = Command::new("swaymsg")
            .arg("-s")
            .arg(self.var("SWAYSOCK")?)
            .args(args)
            .env("XDG_RUNTIME_DIR", self.var("XDG_RUNTIME_DIR")?)
            .output()
            .map_err(|e| format!("cannot run swaymsg: {e}"))?;
        match out.status.success() {
            true => Ok(()),
            false => Err(format!(
                "swaymsg {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            )),
        }
    }

    /// Redraws the screen without changing it (a switch to workspace `n`): the portal's
    /// backend sends a still screen once, at the start, and then only what is redrawn.
    pub fn redraw(&self, n: u32) -> Result<(), String> {
        self.swaymsg(&["workspace", "number", &n.to_string()])
    }
}

impl Drop for WaylandLab {
    fn drop(&mut self) {
        // Best effort: the lab may be half started; the script stops what carries its tag.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scripts_exports_are_read_as_name_and_value() {
        let text =
            "export LAB_DIR='/tmp/wayland-lab.x'\nexport XDG_CURRENT_DESKTOP=sway\nlab: noise\n";
        assert_eq!(
            exports(text),
            [
                ("LAB_DIR".to_owned(), "/tmp/wayland-lab.x".to_owned()),
                ("XDG_CURRENT_DESKTOP".to_owned(), "sway".to_owned())
            ]
        );
    }
}
