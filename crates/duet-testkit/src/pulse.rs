//! A private PulseAudio daemon (Debian's `pulseaudio`) with virtual devices, for the tests of the
//! real microphone and speaker path: its own socket, home and runtime directory in a temporary
//! directory, so it never meets the user's sound server. Clients find it through
//! `PULSE_SERVER` ([`TempPulse::server_address`]). Killed when dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `pulseaudio`, killed (and its directory removed) when dropped.
pub struct TempPulse {
    child: Child,
    dir: tempfile::TempDir,
}

impl TempPulse {
    /// Starts one whose devices are made by `devices`, PulseAudio script lines such as
    /// `load-module module-null-sink sink_name=speaker` and `set-default-source mic`. An error
    /// says why it could not start (not installed, exited, did not answer within 10 s).
    pub fn start(devices: &str) -> Result<TempPulse, String> {
        let dir = tempfile::tempdir().map_err(|e| format!("no temporary directory: {e}"))?;
        std::fs::create_dir_all(dir.path().join("run")).map_err(|e| e.to_string())?;
        let socket = dir.path().join("native");
        let script = format!(
            "load-module module-native-protocol-unix socket={} auth-anonymous=1\n{devices}\n",
            socket.display()
        );
        let script_path = dir.path().join("duet.pa");
        std::fs::write(&script_path, script).map_err(|e| e.to_string())?;
        let child = Command::new("pulseaudio")
            .args(["-n", "-F"])
            .arg(&script_path)
            .args([
                "--daemonize=no",
                "--exit-idle-time=-1",
                "--disallow-exit",
                "--log-target=stderr",
            ])
            .env("HOME", dir.path())
            .env("XDG_RUNTIME_DIR", dir.path().join("run"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run pulseaudio: {e}"))?;
        let mut pulse = TempPulse { child, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = pulse.child.try_wait() {
                return Err(format!("pulseaudio exited with {status}"));
            }
            let answers = pulse
                .tool("pactl", &["info"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if answers {
                return Ok(pulse);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err("pulseaudio did not answer within 10 s".into())
    }

    /// The value of `PULSE_SERVER` that reaches this daemon: `unix:<socket>`.
    pub fn server_address(&self) -> String {
        format!("unix:{}", self.socket().display())
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join("native")
    }

    /// `program` (pactl, pacat, parec...) with `args`, talking to this daemon.
    pub fn tool(&self, program: &str, args: &[&str]) -> Command {
        let mut command = Command::new(program);
        command
            .args(args)
            .env("PULSE_SERVER", self.server_address());
        command
    }
}

impl Drop for TempPulse {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
