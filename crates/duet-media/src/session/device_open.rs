//! Opening a camera, microphone or speaker for a call: on a thread of its own, with a deadline.
//!
//! Opening a device blocks, sometimes for long: a camera negotiates its format, and cpal's
//! PulseAudio host waits for a microphone's first samples before it returns, which a device
//! that delivers late or never (a Bluetooth headset switching profile, a wedged sound server)
//! can stretch without end. Run on the call's media task, such an open froze the whole call,
//! hang-up included. Here the open runs on its own thread and the call waits at most
//! [`OPEN_DEADLINE`]: then the device is reported as failed and the call goes on without it (or
//! with the device it had). An open that completes after the deadline drops what it opened.

use std::time::Duration;

use super::shared::Shared;
use crate::error::{DeviceKind, MediaError, MediaResult};

/// How long a call waits for a device to open. Cameras take up to a couple of seconds to
/// negotiate a format; far longer means the device or its server is stuck.
pub const OPEN_DEADLINE: Duration = Duration::from_secs(10);

/// Runs `open` on a new thread and returns what it opened, or a device error for `kind` when it
/// took longer than `deadline` (or its thread could not start, or panicked).
pub async fn open_within<T: Send + 'static>(
    kind: DeviceKind,
    deadline: Duration,
    open: impl FnOnce() -> MediaResult<T> + Send + 'static,
) -> MediaResult<T> {
    let failed = |reason: String| MediaError::Device { kind, reason };
    let (opened, result) = tokio::sync::oneshot::channel();
    // A plain thread, not tokio's blocking pool: a stuck open must not hold a pool slot, and
    // a test's paused clock still advances past the deadline while the thread is stuck.
    std::thread::Builder::new()
        .name(format!("duet-open-{kind}"))
        .spawn(move || {
            // After the deadline nobody listens: the device is dropped, that is, closed.
            let _ = opened.send(open());
        })
        .map_err(|e| failed(format!("no thread to open it on: {e}")))?;
    match tokio::time::timeout(deadline, result).await {
        Ok(Ok(opened)) => opened,
        Ok(Err(_)) => Err(failed("opening it failed unexpectedly".into())),
        Err(_) => Err(failed(format!(
            "it did not open within {} s",
            deadline.as_secs()
        ))),
    }
}

/// [`open_within`] at [`OPEN_DEADLINE`] for a call: a failure is also reported as the call's
/// device event.
pub(super) async fn open_reported<T: Send + 'static>(
    shared: &Shared,
    kind: DeviceKind,
    open: impl FnOnce() -> MediaResult<T> + Send + 'static,
) -> MediaResult<T> {
    open_within(kind, OPEN_DEADLINE, open)
        .await
        .inspect_err(|e| shared.report_device(e, kind))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    // Real time: a paused clock jumps to the deadline as soon as the runtime waits on the
    // thread, however fast the thread is.
    #[tokio::test]
    async fn a_device_that_opens_in_time_is_returned() {
        let opened = open_within(DeviceKind::Camera, OPEN_DEADLINE, || Ok(7)).await;
        assert_eq!(opened.ok(), Some(7));
        let refused = open_within::<u8>(DeviceKind::Camera, OPEN_DEADLINE, || {
            Err(MediaError::DeviceMissing(DeviceKind::Camera))
        })
        .await;
        assert!(matches!(
            refused,
            Err(MediaError::DeviceMissing(DeviceKind::Camera))
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn a_device_that_never_opens_is_given_up_at_the_deadline_and_closed_if_it_opens_later() {
        let (release, stuck) = mpsc::channel::<()>();
        let (dropped_tx, dropped) = mpsc::channel::<()>();
        /// Tells when it is dropped, as a device closes.
        struct Device(mpsc::Sender<()>);
        impl Drop for Device {
            fn drop(&mut self) {
                let _ = self.0.send(());
            }
        }
        let started = tokio::time::Instant::now();
        let result = open_within(DeviceKind::Microphone, OPEN_DEADLINE, move || {
            let _ = stuck.recv();
            Ok(Device(dropped_tx))
        })
        .await;
        assert_eq!(started.elapsed(), OPEN_DEADLINE);
        match result {
            Err(MediaError::Device { kind, reason }) => {
                assert_eq!(kind, DeviceKind::Microphone);
                assert_eq!(reason, "it did not open within 10 s");
            }
            other => panic!("expected a device error, got {:?}", other.map(|_| ())),
        }
        // The stuck open completes after all: what it opened is closed, not leaked.
        release.send(()).unwrap();
        dropped.recv().expect("the late device is dropped");
    }
}
