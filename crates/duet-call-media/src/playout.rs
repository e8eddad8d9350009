//! Where a call's remote audio plays. duet-media's playout thread owns a [`Playout`] (it is the
//! call's audio sink) and with it the speaker and whether the peer is silenced; the call's media
//! task changes them by commands that take effect from the next block played.

use std::sync::mpsc;

use duet_callkit::MediaEvents;
use duet_media::frame::AudioFrame;
use duet_media::sink::AudioSink;
use duet_media::{MediaError, MediaResult};
use tracing::warn;

/// A change to a call's playout.
pub(crate) enum PlayoutCommand {
    /// Silence the peer (the speaker stays open) or not.
    Mute(bool),
    /// Play into this sink from now on; `None` releases the speaker and plays nothing.
    Sink(Option<Box<dyn AudioSink>>),
}

/// The call's audio sink: the current speaker (or none), muted or not.
pub(crate) struct Playout {
    commands: mpsc::Receiver<PlayoutCommand>,
    sink: Option<Box<dyn AudioSink>>,
    muted: bool,
    /// Silence of the last block's shape, reused while muted.
    silence: AudioFrame,
    events: MediaEvents,
}

/// The media task's handle on a call's [`Playout`].
pub(crate) struct PlayoutControl {
    commands: mpsc::Sender<PlayoutCommand>,
}

impl PlayoutControl {
    /// Hands `command` to the playout, which applies it before its next block.
    pub(crate) fn send(&self, command: PlayoutCommand) {
        // The playout is gone only once the call's media closed; nothing plays any more.
        let _ = self.commands.send(command);
    }
}

/// A playout into `sink` (none: speaker off), muted or not, and its control. `events` hears of a
/// speaker that fails while playing.
pub(crate) fn playout(
    sink: Option<Box<dyn AudioSink>>,
    muted: bool,
    events: MediaEvents,
) -> (Playout, PlayoutControl) {
    let (commands, inbox) = mpsc::channel();
    let playout = Playout {
        commands: inbox,
        sink,
        muted,
        silence: AudioFrame {
            sample_rate: 48_000,
            channels: 1,
            samples: Vec::new(),
        },
        events,
    };
    (playout, PlayoutControl { commands })
}

impl Playout {
    fn apply_commands(&mut self) {
        while let Ok(command) = self.commands.try_recv() {
            match command {
                PlayoutCommand::Mute(muted) => self.muted = muted,
                // The previous sink drops here, on the playout thread: a speaker is released,
                // a recording finished.
                PlayoutCommand::Sink(sink) => self.sink = sink,
            }
        }
    }
}

impl AudioSink for Playout {
    fn write_audio(&mut self, frame: &AudioFrame) -> MediaResult<()> {
        self.apply_commands();
        let Some(sink) = self.sink.as_mut() else {
            return Ok(());
        };
        let written = if self.muted {
            self.silence.sample_rate = frame.sample_rate;
            self.silence.channels = frame.channels;
            self.silence.samples.clear();
            self.silence.samples.resize(frame.samples.len(), 0);
            sink.write_audio(&self.silence)
        } else {
            sink.write_audio(frame)
        };
        // A failed speaker is reported and let go; the playout stays, so choosing a speaker
        // again (or turning it on) plays once more.
        if let Err(error) = written {
            warn!(%error, "speaker failed");
            report_speaker(&self.events, &error);
            self.sink = None;
        }
        Ok(())
    }
}

/// Reports a speaker that cannot be opened or played as `MEDIA_FAILED` `speaker`, in the words
/// duet-media's own device reports use.
pub(crate) fn report_speaker(events: &MediaEvents, error: &MediaError) {
    match error {
        MediaError::DeviceMissing(_) => events.failed("speaker", "no such device"),
        other => events.failed("speaker", &other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use duet_callkit::CallId;
    use duet_media::sink::probe::PcmProbe;

    fn tone_block() -> AudioFrame {
        AudioFrame {
            sample_rate: 48_000,
            channels: 1,
            samples: (0..960)
                .map(|i| if i % 2 == 0 { 1000 } else { -1000 })
                .collect(),
        }
    }

    #[test]
    fn commands_apply_from_the_next_block() {
        let probe = PcmProbe::default();
        let events = MediaEvents::discard(CallId::new("c-1").unwrap());
        let (mut playout, control) = playout(Some(Box::new(probe.clone())), false, events);
        playout.write_audio(&tone_block()).unwrap();
        control.send(PlayoutCommand::Mute(true));
        playout.write_audio(&tone_block()).unwrap();
        control.send(PlayoutCommand::Mute(false));
        playout.write_audio(&tone_block()).unwrap();
        let samples = probe.samples();
        assert_eq!(samples.len(), 3 * 960);
        assert!(samples[..960].iter().all(|s| s.abs() == 1000));
        assert!(samples[960..1920].iter().all(|s| *s == 0), "muted block");
        assert!(samples[1920..].iter().all(|s| s.abs() == 1000));

        control.send(PlayoutCommand::Sink(None));
        playout.write_audio(&tone_block()).unwrap();
        assert_eq!(probe.samples().len(), 3 * 960, "speaker off plays nothing");
    }
}
