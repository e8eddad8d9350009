//! The process's one connection to the audio system.
//!
//! cpal's PulseAudio host is a connection to the sound server plus a reader thread, and nothing
//! in cpal (0.18) closes either. Making a host per use (`cpal::default_host()` for every device
//! listing and every open) left one connection and one thread behind each time; after 64,
//! PulseAudio refuses every new client, this app's and every other program's on the desktop, and
//! cpal quietly fell back to ALSA, so a microphone chosen during a call was no longer found or
//! fed nothing. The process therefore keeps one host, and makes another only when:
//! - the sound server it reached went away (a use of it failed with the host unavailable or its
//!   connection invalidated: PulseAudio restarted, or the user's session changed);
//! - the server to reach moved (`PULSE_SERVER` or `XDG_RUNTIME_DIR` changed);
//! - the kept host is not PulseAudio (none answered when it was made) and [`RETRY_OTHER`] has
//!   passed, so a sound server started later is found.
//!
//! Before connecting, it makes sure the user has a PulseAudio cookie, as libpulse does
//! ([`ensure_pulse_cookie`]).

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a fallback host (ALSA: PulseAudio did not answer) is kept before PulseAudio is
/// tried again.
pub(crate) const RETRY_OTHER: Duration = Duration::from_secs(10);

/// Where a PulseAudio client looks for its server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServerAddress {
    pulse_server: Option<OsString>,
    runtime_dir: Option<OsString>,
}

impl ServerAddress {
    fn from_env() -> Self {
        Self {
            pulse_server: std::env::var_os("PULSE_SERVER"),
            runtime_dir: std::env::var_os("XDG_RUNTIME_DIR"),
        }
    }
}

/// A host made for `address` at `made`; `preferred` when it is the audio system wanted
/// (PulseAudio), not a fallback.
struct Kept<H> {
    host: Arc<H>,
    address: ServerAddress,
    preferred: bool,
    made: Instant,
}

/// The kept host, made again only when it must be (the module's rules). Generic over the host
/// so the rules are tested without a sound server.
pub(crate) struct HostCache<H> {
    kept: Option<Kept<H>>,
}

impl<H> HostCache<H> {
    pub(crate) const fn new() -> Self {
        Self { kept: None }
    }

    /// The host to use at `now` for a server at `address`; `make` gives a new one and whether it
    /// is the preferred system.
    pub(crate) fn get(
        &mut self,
        now: Instant,
        address: &ServerAddress,
        make: impl FnOnce() -> (H, bool),
    ) -> Arc<H> {
        if let Some(kept) = &self.kept {
            let fresh = kept.preferred || now.saturating_duration_since(kept.made) < RETRY_OTHER;
            if kept.address == *address && fresh {
                return kept.host.clone();
            }
        }
        let (host, preferred) = make();
        let host = Arc::new(host);
        self.kept = Some(Kept {
            host: host.clone(),
            address: address.clone(),
            preferred,
            made: now,
        });
        host
    }

    /// Drops `host` if it is still the kept one: its server went away. A host another thread
    /// already replaced stays replaced.
    pub(crate) fn forget(&mut self, host: &Arc<H>) {
        if self
            .kept
            .as_ref()
            .is_some_and(|k| Arc::ptr_eq(&k.host, host))
        {
            self.kept = None;
        }
    }
}

static HOST: Mutex<HostCache<cpal::Host>> = Mutex::new(HostCache::new());

fn lock() -> std::sync::MutexGuard<'static, HostCache<cpal::Host>> {
    // The cache is consistent after every statement, so one a panicking thread left is usable.
    HOST.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The audio host to use now: the kept one, or a new one by the module's rules.
pub(crate) fn current() -> Arc<cpal::Host> {
    lock().get(Instant::now(), &ServerAddress::from_env(), || {
        if let Err(error) = ensure_pulse_cookie() {
            tracing::warn!(%error, "no PulseAudio cookie; PulseAudio may refuse the connection");
        }
        let host = cpal::default_host();
        let preferred = host.id() == cpal::HostId::PulseAudio;
        tracing::info!(system = host.id().name(), "audio host connected");
        (host, preferred)
    })
}

/// Runs `use_host` on the current host; if that fails because the host's server went away, once
/// more on a new host.
pub(crate) fn with_host<T>(
    use_host: impl Fn(&cpal::Host) -> Result<T, cpal::Error>,
) -> Result<T, cpal::Error> {
    let host = current();
    match use_host(&host) {
        Err(error) if server_gone(&error) => {
            tracing::info!(%error, "audio host lost; connecting again");
            lock().forget(&host);
            use_host(&current())
        }
        other => other,
    }
}

/// The length of a PulseAudio cookie; the server drops a client that sends another.
const COOKIE_BYTES: usize = 256;

/// Creates the user's PulseAudio cookie when there is none, as libpulse does on connecting.
///
/// cpal's PulseAudio client sends the bytes of `$PULSE_COOKIE`, `~/.config/pulse/cookie` or
/// `~/.pulse-cookie`, whichever exists, and an empty cookie when none does. PulseAudio drops a
/// client whose cookie is not 256 bytes long even when it lets every client of the same user in
/// without one, so on a desktop where no libpulse program had run yet (a fresh account,
/// PipeWire-only desktops that never write the file) the app fell back to ALSA's device names.
/// The new cookie is random, private to the user (0600), at the path libpulse would use.
fn ensure_pulse_cookie() -> std::io::Result<()> {
    if std::env::var_os("PULSE_COOKIE").is_some() {
        return Ok(());
    }
    let Some(home) = std::env::var_os("HOME").map(PathBuf::from) else {
        return Ok(());
    };
    create_cookie_in(&home)
}

/// Creates `home/.config/pulse/cookie` unless it or `home/.pulse-cookie` exists.
fn create_cookie_in(home: &Path) -> std::io::Result<()> {
    let cookie = home.join(".config/pulse/cookie");
    if cookie.exists() || home.join(".pulse-cookie").exists() {
        return Ok(());
    }
    let mut bytes = [0u8; COOKIE_BYTES];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    if let Some(dir) = cookie.parent() {
        std::fs::create_dir_all(dir)?;
    }
    use std::os::unix::fs::OpenOptionsExt;
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&cookie);
    match created {
        Ok(mut file) => file.write_all(&bytes),
        // Another program (or thread) made it meanwhile: theirs is as good.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Whether `error` says the host's server (not one device) is gone.
fn server_gone(error: &cpal::Error) -> bool {
    matches!(
        error.kind(),
        cpal::ErrorKind::HostUnavailable | cpal::ErrorKind::StreamInvalidated
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(server: &str) -> ServerAddress {
        ServerAddress {
            pulse_server: Some(server.into()),
            runtime_dir: None,
        }
    }

    /// A cache of numbered hosts and a maker that counts what it made.
    struct Made(u32);

    impl Made {
        fn maker(&mut self, preferred: bool) -> impl FnOnce() -> (u32, bool) + '_ {
            move || {
                self.0 += 1;
                (self.0, preferred)
            }
        }
    }

    #[test]
    fn a_missing_pulseaudio_cookie_is_created_private_and_an_existing_one_kept() {
        use std::os::unix::fs::PermissionsExt;
        let home = tempfile::tempdir().unwrap();
        create_cookie_in(home.path()).unwrap();
        let path = home.path().join(".config/pulse/cookie");
        let cookie = std::fs::read(&path).unwrap();
        assert_eq!(cookie.len(), COOKIE_BYTES);
        assert!(cookie.iter().any(|&b| b != 0), "random, not zeros");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        create_cookie_in(home.path()).unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            cookie,
            "an existing cookie is kept"
        );

        let legacy = tempfile::tempdir().unwrap();
        std::fs::write(legacy.path().join(".pulse-cookie"), [7u8; COOKIE_BYTES]).unwrap();
        create_cookie_in(legacy.path()).unwrap();
        assert!(!legacy.path().join(".config/pulse/cookie").exists());
    }

    #[test]
    fn a_pulseaudio_host_is_made_once_and_kept() {
        let mut cache = HostCache::new();
        let mut made = Made(0);
        let start = Instant::now();
        let first = cache.get(start, &address("a"), made.maker(true));
        for minutes in [0, 1, 60, 6000] {
            let later = start + Duration::from_secs(60 * minutes);
            let again = cache.get(later, &address("a"), made.maker(true));
            assert!(Arc::ptr_eq(&first, &again));
        }
        assert_eq!(made.0, 1, "one connection for every use");
    }

    #[test]
    fn a_host_whose_server_went_away_is_made_again() {
        let mut cache = HostCache::new();
        let mut made = Made(0);
        let now = Instant::now();
        let lost = cache.get(now, &address("a"), made.maker(true));
        cache.forget(&lost);
        let new = cache.get(now, &address("a"), made.maker(true));
        assert_eq!((*lost, *new), (1, 2));
        // A second thread that saw the first host fail does not drop the new one.
        cache.forget(&lost);
        assert_eq!(*cache.get(now, &address("a"), made.maker(true)), 2);
    }

    #[test]
    fn a_host_for_another_server_address_replaces_the_kept_one() {
        let mut cache = HostCache::new();
        let mut made = Made(0);
        let now = Instant::now();
        cache.get(now, &address("a"), made.maker(true));
        assert_eq!(*cache.get(now, &address("b"), made.maker(true)), 2);
        assert_eq!(*cache.get(now, &address("b"), made.maker(true)), 2);
    }

    #[test]
    fn a_fallback_host_is_kept_for_a_while_then_pulseaudio_is_tried_again() {
        let mut cache = HostCache::new();
        let mut made = Made(0);
        let start = Instant::now();
        cache.get(start, &address("a"), made.maker(false));
        let soon = start + RETRY_OTHER - Duration::from_millis(1);
        assert_eq!(*cache.get(soon, &address("a"), made.maker(true)), 1);
        assert_eq!(
            *cache.get(start + RETRY_OTHER, &address("a"), made.maker(true)),
            2
        );
        // PulseAudio answered that time: kept from now on.
        let much_later = start + RETRY_OTHER * 100;
        assert_eq!(*cache.get(much_later, &address("a"), made.maker(true)), 2);
    }
}
