//! A private PostgreSQL server for tests: its own cluster in a temporary directory, on a free
//! loopback port, gone when the test binary is done.
//!
//! `initdb` takes a second or two, so a test binary starts one server ([`TempPostgres::shared`])
//! and gives each test its own database ([`TempPostgres::new_database`]). PostgreSQL refuses to
//! run as root, so as root the server runs as the `postgres` user (which Debian's package
//! creates). Cleanup is left to a small watchdog process that waits for this process to close
//! a pipe: it stops the server and deletes the directory when the [`TempPostgres`] is dropped,
//! a test panics, or the test binary exits or is killed (a static is never dropped).

use std::io::Write as _;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

/// How many times a start is tried on a fresh port, in case another process took the port
/// between our probe and PostgreSQL's bind.
const START_ATTEMPTS: u32 = 3;

/// A running PostgreSQL server; dropping it stops the server and deletes its files.
pub struct TempPostgres {
    bin: PathBuf,
    /// As root, the commands run through `runuser -u postgres --`.
    run_as: Option<String>,
    dir: PathBuf,
    port: u16,
    next_database: AtomicU32,
    /// Closing this pipe tells the watchdog to stop the server and delete `dir`.
    watchdog_pipe: Mutex<Option<ChildStdin>>,
    watchdog: Mutex<Option<Child>>,
}

impl TempPostgres {
    /// The one server of this test binary, started on first use.
    pub fn shared() -> &'static TempPostgres {
        static SHARED: OnceLock<TempPostgres> = OnceLock::new();
        SHARED.get_or_init(TempPostgres::start)
    }

    /// Starts a new server. Panics, saying what to install, if PostgreSQL is missing.
    pub fn start() -> TempPostgres {
        let bin = find_bindir();
        let run_as = running_as_root().then(|| "postgres".to_owned());
        let dir = tempfile::Builder::new()
            .prefix("duet-pg-")
            .tempdir()
            .expect("a temporary directory")
            .keep();
        if let Some(user) = &run_as {
            hand_over(&dir, user);
        }
        let mut server = TempPostgres {
            bin,
            run_as,
            dir,
            port: 0,
            next_database: AtomicU32::new(0),
            watchdog_pipe: Mutex::new(None),
            watchdog: Mutex::new(None),
        };
        server.spawn_watchdog();
        server.init_cluster();
        for attempt in 1..=START_ATTEMPTS {
            server.port = free_port();
            if server.start_server() {
                return server;
            }
            eprintln!(
                "PostgreSQL did not start on port {} (attempt {attempt})",
                server.port
            );
        }
        panic!(
            "PostgreSQL did not start; its log: {}",
            std::fs::read_to_string(server.log_file()).unwrap_or_default()
        );
    }

    /// A fresh, empty database on this server, as a `postgres://` URL.
    pub fn new_database(&self) -> String {
        let n = self.next_database.fetch_add(1, Ordering::Relaxed);
        let name = format!("t_{}_{n}", std::process::id());
        self.run_ok(
            self.tool("createdb").args(["-h"]).arg(&self.dir).args([
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                &name,
            ]),
            "createdb",
        );
        self.url(&name)
    }

    /// The URL of database `name` on this server, over TCP to 127.0.0.1.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server at once (as a crash would; its files are kept): the database is gone
    /// until [`TempPostgres::resume`]. For a test binary's own server, not the shared one.
    pub fn pause(&self) {
        self.run_ok(
            self.tool("pg_ctl")
                .arg("stop")
                .arg("-D")
                .arg(self.data_dir())
                .args(["-m", "immediate", "-w"]),
            "pg_ctl stop",
        );
    }

    /// Starts the server again on the same port after [`TempPostgres::pause`].
    pub fn resume(&self) {
        assert!(
            self.start_server(),
            "PostgreSQL did not start again; its log: {}",
            std::fs::read_to_string(self.log_file()).unwrap_or_default()
        );
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn log_file(&self) -> PathBuf {
        self.dir.join("postgres.log")
    }

    /// `program` from PostgreSQL's bin directory, as the user PostgreSQL runs as.
    fn tool(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        match &self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(path);
                command
            }
            None => Command::new(path),
        }
    }

    fn run_ok(&self, command: &mut Command, what: &str) {
        let output = command
            .output()
            .unwrap_or_else(|e| panic!("running {what}: {e}"));
        assert!(
            output.status.success(),
            "{what} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn init_cluster(&self) {
        self.run_ok(
            self.tool("initdb")
                .arg("-D")
                .arg(self.data_dir())
                .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"])
                .arg("--no-sync"),
            "initdb",
        );
    }

    /// Starts the server and waits until it accepts connections; false if it did not start.
    fn start_server(&self) -> bool {
        // Only loopback and a socket in our own directory; durability is not needed for tests.
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=200",
            self.port,
            self.dir.display()
        );
        let status = self
            .tool("pg_ctl")
            .arg("start")
            .arg("-D")
            .arg(self.data_dir())
            .arg("-l")
            .arg(self.log_file())
            .args(["-w", "-t", "60", "-o", &options])
            .stdout(Stdio::null())
            .status()
            .expect("running pg_ctl start");
        status.success()
    }

    /// The process that cleans up once our end of its stdin closes (see the module comment).
    fn spawn_watchdog(&mut self) {
        let mut stop: Vec<String> = Vec::new();
        if let Some(user) = &self.run_as {
            stop.extend(["runuser".into(), "-u".into(), user.clone(), "--".into()]);
        }
        stop.push(self.bin.join("pg_ctl").display().to_string());
        stop.extend(["stop".into(), "-m".into(), "immediate".into(), "-D".into()]);
        stop.push(self.data_dir().display().to_string());
        let mut child = Command::new("sh")
            .arg("-c")
            // Ctrl-C in a terminal reaches the whole process group; the cleanup must outlive it.
            .arg(concat!(
                r#"trap '' INT HUP; dir=$1; shift; cat >/dev/null; "#,
                r#"[ -f "$dir/data/postmaster.pid" ] && "$@"; rm -rf "$dir""#
            ))
            .arg("duet-pg-watchdog")
            .arg(&self.dir)
            .args(&stop)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting the PostgreSQL watchdog (sh)");
        *lock(&self.watchdog_pipe) = child.stdin.take();
        *lock(&self.watchdog) = Some(child);
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        // Writing nothing and closing: the watchdog's `cat` sees the end and cleans up.
        if let Some(mut pipe) = lock(&self.watchdog_pipe).take() {
            let _ = pipe.flush();
        }
        if let Some(mut child) = lock(&self.watchdog).take() {
            let _ = child.wait();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// PostgreSQL's bin directory: `pg_config --bindir`, else the newest /usr/lib/postgresql/N/bin.
fn find_bindir() -> PathBuf {
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()));
    find_bindir_in(from_pg_config, Path::new("/usr/lib/postgresql"))
}

/// The first of `from_pg_config` and `versions_dir`/N/bin (highest N first) that has the
/// programs the tests run; panics, saying what to install, when none has.
fn find_bindir_in(from_pg_config: Option<PathBuf>, versions_dir: &Path) -> PathBuf {
    let usable = |dir: &Path| {
        ["initdb", "pg_ctl", "createdb"]
            .iter()
            .all(|program| dir.join(program).is_file())
    };
    if let Some(dir) = from_pg_config.filter(|dir| usable(dir)) {
        return dir;
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(versions_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, dir)| usable(dir))
        .collect();
    versions.sort();
    match versions.pop() {
        Some((_, dir)) => dir,
        None => panic!(
            "PostgreSQL is not installed (no initdb, pg_ctl and createdb from `pg_config \
             --bindir` or in {}/*/bin): run scripts/setup.sh test, which installs Debian's \
             `postgresql` package",
            versions_dir.display()
        ),
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Makes `dir` belong to `user`, who must be able to write the cluster and socket there.
fn hand_over(dir: &Path, user: &str) {
    let id = |flag: &str| -> u32 {
        let output = Command::new("id")
            .args([flag, user])
            .output()
            .expect("running id");
        assert!(
            output.status.success(),
            "no `{user}` user to run PostgreSQL as (root may not): run scripts/setup.sh test, \
             whose `postgresql` package creates it"
        );
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .expect("a numeric id from `id`")
    };
    std::os::unix::fs::chown(dir, Some(id("-u")), Some(id("-g")))
        .unwrap_or_else(|e| panic!("handing {} to {user}: {e}", dir.display()));
}

/// A port nobody listens on just now.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free loopback port")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_bindir(root: &Path, version: &str) -> PathBuf {
        let bin = root.join(version).join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        for program in ["initdb", "pg_ctl", "createdb"] {
            std::fs::write(bin.join(program), "").unwrap();
        }
        bin
    }

    #[test]
    fn the_newest_installed_version_is_used_when_pg_config_has_none() {
        let root = tempfile::tempdir().unwrap();
        fake_bindir(root.path(), "13");
        let newest = fake_bindir(root.path(), "15");
        std::fs::create_dir_all(root.path().join("16").join("bin")).unwrap(); // client only
        let missing = root.path().join("nowhere");
        assert_eq!(find_bindir_in(Some(missing), root.path()), newest);
        let chosen = fake_bindir(root.path(), "12");
        assert_eq!(find_bindir_in(Some(chosen.clone()), root.path()), chosen);
    }

    #[test]
    #[should_panic(expected = "run scripts/setup.sh test")]
    fn missing_postgresql_fails_saying_what_to_run() {
        let root = tempfile::tempdir().unwrap();
        find_bindir_in(None, root.path());
    }
}
