//! The app's log file: what it logs to stderr also goes to `logs/duet.YYYY-MM-DD.log` in its data
//! directory, a new file each day and the last seven kept, so a user can find (and "Copy
//! diagnostics" can quote) what happened after the terminal is gone.
//!
//! The subscriber is installed before Tauri knows the data directory; [`LogFile`] is its writer,
//! which discards until [`LogFile::open`] is given the directory.

use crate::error::{AppError, AppResult};
use crate::store::files::create_private_dir;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tracing_appender::non_blocking::{NonBlocking, WorkerGuard};
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::fmt::writer::{EitherWriter, MakeWriter};

/// Each file's name: `duet.2026-12-05.log`.
const PREFIX: &str = "duet";
const SUFFIX: &str = "log";
/// A week of days.
pub const KEPT_FILES: usize = 7;
/// How much of a file's end [`tail`] reads: far more than the lines asked for.
const TAIL_BYTES: u64 = 1 << 20;

/// The file layer's writer; cheap to clone.
#[derive(Clone, Default)]
pub struct LogFile {
    open: Arc<Mutex<Option<Open>>>,
}

struct Open {
    writer: NonBlocking,
    /// Dropping it writes what is still queued.
    _flush: WorkerGuard,
}

impl LogFile {
    /// Starts writing into `dir` (created private to the user: the log names accounts and
    /// servers), removing the oldest files beyond [`KEPT_FILES`].
    pub fn open(&self, dir: &Path) -> AppResult<()> {
        create_private_dir(dir)?;
        let appender = Builder::new()
            .rotation(Rotation::DAILY)
            .filename_prefix(PREFIX)
            .filename_suffix(SUFFIX)
            .max_log_files(KEPT_FILES)
            .build(dir)
            .map_err(|e| {
                AppError::io(
                    format!("opening a log file in {}", dir.display()),
                    std::io::Error::other(e),
                )
            })?;
        // Off the logging thread: a slow disk never stalls a call's media threads. Not lossy: a
        // burst waits rather than leaving holes in the file a user sends with a bug report.
        let (writer, flush) = tracing_appender::non_blocking::NonBlockingBuilder::default()
            .lossy(false)
            .finish(appender);
        *self.lock() = Some(Open {
            writer,
            _flush: flush,
        });
        Ok(())
    }

    /// Writes what is queued and stops writing (on exit: the process ends without unwinding).
    pub fn close(&self) {
        self.lock().take();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Open>> {
        // Replaced whole: a panic cannot leave it half-updated.
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<'a> MakeWriter<'a> for LogFile {
    type Writer = EitherWriter<NonBlocking, std::io::Sink>;

    fn make_writer(&'a self) -> Self::Writer {
        match self.lock().as_ref() {
            Some(open) => EitherWriter::A(open.writer.clone()),
            None => EitherWriter::B(std::io::sink()),
        }
    }
}

/// The log files in `dir`, newest first (their names sort by date).
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            let ours =
                name.starts_with(&format!("{PREFIX}.")) && name.ends_with(&format!(".{SUFFIX}"));
            ours.then(|| dir.join(name))
        })
        .collect();
    files.sort_unstable();
    files.reverse();
    files
}

/// The last `lines` lines logged in `dir`, oldest first: from the newest file, and the one
/// before when today's is shorter.
pub fn tail(dir: &Path, lines: usize) -> Vec<String> {
    let mut newest_first: Vec<String> = Vec::new();
    for file in files(dir) {
        let text = read_end(&file).unwrap_or_default();
        newest_first.extend(
            text.lines()
                .rev()
                .take(lines - newest_first.len())
                .map(str::to_owned),
        );
        if newest_first.len() >= lines {
            break;
        }
    }
    newest_first.reverse();
    newest_first
}

/// The last [`TAIL_BYTES`] of `file`, from its first whole line.
fn read_end(file: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(file)?;
    let len = f.metadata()?.len();
    let start = len.saturating_sub(TAIL_BYTES);
    f.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Ok(match (start > 0, text.split_once('\n')) {
        (true, Some((_cut, rest))) => rest.to_owned(),
        _ => text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::fmt;

    #[test]
    fn what_is_logged_reaches_todays_file_and_a_week_of_files_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        std::fs::create_dir(&logs).unwrap();
        for day in 1..=9 {
            std::fs::write(logs.join(format!("duet.2020-01-0{day}.log")), "old\n").unwrap();
        }
        let log_file = LogFile::default();
        let subscriber = fmt()
            .with_ansi(false)
            .with_writer(log_file.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!("before the directory is known: discarded");
            log_file.open(&logs).unwrap();
            for n in 0..3 {
                tracing::info!(n, "signed in at start");
            }
        });
        log_file.close();

        let files = files(&logs);
        // Today's file (`duet.YYYY-MM-DD.log`, a date after the old ones) sorts first.
        let newest = files[0].file_name().unwrap().to_str().unwrap();
        assert_eq!(newest.len(), "duet.2026-12-05.log".len(), "{files:?}");
        assert!(newest > "duet.2020-01-09.log", "{files:?}");
        assert_eq!(files.len(), KEPT_FILES, "the oldest are removed: {files:?}");
        let text = std::fs::read_to_string(&files[0]).unwrap();
        assert_eq!(text.matches("signed in at start").count(), 3, "{text}");
        assert!(!text.contains("discarded"), "{text}");
        assert!(
            !text.contains('\u{1b}'),
            "no colour codes in the file: {text}"
        );

        let last = tail(&logs, 2);
        assert_eq!(last.len(), 2);
        assert!(
            last[1].contains("n=2") && last[0].contains("n=1"),
            "{last:?}"
        );
    }

    #[test]
    fn the_tail_reaches_into_the_day_before() {
        let logs = tempfile::tempdir().unwrap();
        std::fs::write(logs.path().join("duet.2026-12-04.log"), "a\nb\nc\n").unwrap();
        std::fs::write(logs.path().join("duet.2026-12-05.log"), "d\ne\n").unwrap();
        std::fs::write(logs.path().join("notes.txt"), "not a log\n").unwrap();
        assert_eq!(tail(logs.path(), 4), ["b", "c", "d", "e"]);
        assert_eq!(tail(logs.path(), 200).len(), 5);
        assert!(tail(&logs.path().join("missing"), 200).is_empty());
    }
}
