//! The echo contact of the embedded server: answers every call by itself and sends back what
//! it receives, a moment later (and mirrors the caller's camera and microphone switches), so a first-time user sees and hears themselves through a real
//! call (real signaling, real WebRTC, the same codecs and filters as any call).

use crate::error::AppResult;
use crate::media::sources::SourceOverrides;
use duet_call_media::{DuetMediaEngine, MediaSetup};
use duet_callkit::{AudioQuality, CallEvent, CallKit, CallKitConfig};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// How long the echo holds what it receives before sending it back.
pub const ECHO_DELAY: Duration = Duration::from_millis(1500);
/// The echo hangs up by itself after this long, so a forgotten test call does not run forever.
pub const ECHO_MAX_CALL: Duration = Duration::from_secs(10 * 60);

/// The echo contact, signed in.
pub struct EchoBot {
    kit: CallKit,
    task: JoinHandle<()>,
}

impl EchoBot {
    /// Signs the echo account in to `url` and starts answering.
    pub async fn start(url: &str, token: &str, overrides: &SourceOverrides) -> AppResult<Self> {
        let mut config = CallKitConfig::new(
            url,
            crate::backend::embedded::LOCAL_APP,
            crate::backend::embedded::ECHO_ACCOUNT,
            token,
        );
        config.device_id = "echo-bot".into();
        // The echoed audio was coded at the far end already; speech coding keeps it light.
        config.audio_quality = AudioQuality::Standard;
        let mut setup = MediaSetup::echo(ECHO_DELAY);
        if let Some(bind) = &overrides.bind {
            setup.config.bind_address = bind.clone();
        }
        let kit = CallKit::with_media(config, Arc::new(DuetMediaEngine::new(setup)))?;
        let events = kit.subscribe();
        kit.login().await?;
        let task = tokio::spawn(answer_calls(kit.clone(), events));
        Ok(Self { kit, task })
    }

    /// Hangs up and logs out.
    pub async fn stop(self) {
        self.task.abort();
        if self.kit.current_call().is_some() {
            let _ = self.kit.hangup().await;
        }
        let _ = self.kit.logout().await;
    }
}

async fn answer_calls(kit: CallKit, mut events: tokio::sync::broadcast::Receiver<CallEvent>) {
    let mut hang_up_at: Option<tokio::time::Instant> = None;
    loop {
        let deadline = hang_up_at.unwrap_or_else(|| tokio::time::Instant::now() + ECHO_MAX_CALL);
        let event = tokio::select! {
            event = events.recv() => event,
            _ = tokio::time::sleep_until(deadline), if hang_up_at.is_some() => {
                tracing::info!("echo call reached its time limit");
                let _ = kit.hangup().await;
                hang_up_at = None;
                continue;
            }
        };
        match event {
            Ok(CallEvent::Invited(invite)) => {
                if kit.current_call().is_some() {
                    // One echo at a time; a second caller hears busy.
                    let _ = kit.reject_busy(&invite).await;
                    continue;
                }
                match kit.accept_as(&invite, invite.call_type).await {
                    Ok(()) => hang_up_at = Some(tokio::time::Instant::now() + ECHO_MAX_CALL),
                    Err(error) => tracing::info!(%error, "echo could not answer"),
                }
            }
            Ok(CallEvent::CallEnd { .. }) => hang_up_at = None,
            // The echo sends back what it receives, so it announces what it receives: the
            // caller's camera off (or missing) means no picture to send back, and the caller
            // sees the echo's avatar instead of a black picture.
            Ok(CallEvent::VideoAvailable { available, .. }) => {
                if let Err(error) = kit.enable_local_video(available).await {
                    tracing::info!(%error, "echo camera state not mirrored");
                }
            }
            Ok(CallEvent::AudioAvailable { available, .. }) => {
                if let Err(error) = kit.mute_local_audio(!available).await {
                    tracing::info!(%error, "echo microphone state not mirrored");
                }
            }
            Ok(_) => {}
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
        }
    }
}
