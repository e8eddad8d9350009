//! A private PulseAudio daemon (Debian's `pulseaudio`) with virtual devices, for the tests of the
//! real microphone and speaker path: its own socket, home and runtime directory in a temporary
//! directory, so it never meets the user's sound server. Clients find it through
//! `PULSE_SERVER` ([`TempPulse::server_address`]). Killed when dropped.

use std::path::{Path, PathBuf};
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
        std::fs::write(dir.path().join("duet.pa"), script).map_err(|e| e.to_string())?;
        let child = spawn(dir.path())?;
        let mut pulse = TempPulse { child, dir };
        pulse.wait_until_answering()?;
        Ok(pulse)
    }

    /// Stops the daemon and starts it again on the same socket with the same devices, as a
    /// desktop's sound server restarts: its clients lose their connections.
    pub fn restart(&mut self) -> Result<(), String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = spawn(self.dir.path())?;
        self.wait_until_answering()
    }

    /// Waits until `pactl info` gets an answer, at most 10 s.
    fn wait_until_answering(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("pulseaudio exited with {status}"));
            }
            let answers = self
                .tool("pactl", &["info"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if answers {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err("pulseaudio did not answer within 10 s".into())
    }

    /// How many clients are connected now (`pactl` itself not counted).
    pub fn clients(&self) -> Result<usize, String> {
        let output = self
            .tool("pactl", &["list", "clients", "short"])
            .output()
            .map_err(|e| format!("cannot run pactl: {e}"))?;
        let listed = String::from_utf8_lossy(&output.stdout);
        Ok(listed.lines().count().saturating_sub(1))
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

/// PulseAudio script lines for a microphone called `name` (`description` in the sound settings)
/// that hums a steady `hz` sine: `module-sine` plays into a null sink whose monitor a remap
/// source offers as the microphone. It delivers at the latency a client asks for, as a real
/// microphone does; `module-sine-source` would not (it delivers in 2-second blocks, the first
/// one many seconds late).
///
/// Load the sink meant as the default, and `set-default-sink` to it, before these lines: the
/// feed is a sink too, and when the default sink changes PulseAudio moves the old default's
/// streams to the new one, the sine among them, leaving the microphone silent.
pub fn humming_microphone(name: &str, description: &str, hz: u32) -> String {
    format!(
        "load-module module-null-sink sink_name={name}_feed\n\
         load-module module-sine sink={name}_feed frequency={hz}\n\
         load-module module-remap-source master={name}_feed.monitor source_name={name} \
         source_properties='device.description=\"{description}\"'\n"
    )
}

/// Runs `pulseaudio` on the script, home and runtime directory in `dir`.
fn spawn(dir: &Path) -> Result<Child, String> {
    Command::new("pulseaudio")
        .args(["-n", "-F"])
        .arg(dir.join("duet.pa"))
        .args([
            "--daemonize=no",
            "--exit-idle-time=-1",
            "--disallow-exit",
            "--log-target=stderr",
        ])
        .env("HOME", dir)
        .env("XDG_RUNTIME_DIR", dir.join("run"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run pulseaudio: {e}"))
}

impl Drop for TempPulse {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
