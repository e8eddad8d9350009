//! The audio playout thread: it alone owns the jitter buffer, the sink remote audio plays into
//! and whether it may play yet (released). The receive task hands it packets over a channel it
//! attaches; everyone else changes it with [`PlayoutCommand`]s, which it takes before anything
//! else. While a track is attached it plays one 20 ms frame per tick of its clock, and the echo
//! canceller's far-end reference sees what is played.
//!
//! The sink runs on this thread because file and device sinks may block.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{at, never, select_biased, Receiver};

use super::shared::Shared;
use crate::audio::jitter::{JitterBuffer, Playout as Pulled};
use crate::audio::processing::RenderReference;
use crate::error::{DeviceKind, MediaResult};
use crate::sink::null::NullSink;
use crate::sink::AudioSink;
use crate::source::Pacer;

/// Packets buffered before playout starts (40 ms); the buffer adapts from there.
const INITIAL_TARGET: usize = 2;

/// The playout clock's period: one Opus frame.
const FRAME_PERIOD: Duration = Duration::from_millis(20);

/// One received RTP packet, as the receive task passes it on.
pub(crate) struct Packet {
    pub sequence: u16,
    pub payload: Vec<u8>,
}

/// Instructions for the playout thread, applied in the order sent.
pub(crate) enum PlayoutCommand {
    /// A remote audio track started: its packets in arrival order. The clock runs until the
    /// sending side closes (the track ended).
    Attach(Receiver<Packet>),
    /// The call was answered: packets from now on are buffered and played (before, each one
    /// empties the buffer, so nothing received while ringing is ever heard).
    Release,
    /// Plays into `sink` from the next frame. The sink it replaces goes back on `replaced`, so
    /// the sender finishes it (a WAV file gets its header) before it goes on.
    SetSink {
        sink: Box<dyn AudioSink>,
        replaced: std::sync::mpsc::Sender<Box<dyn AudioSink>>,
    },
    /// Ends the thread, finishing its sink first.
    Stop,
}

/// The state the playout thread owns.
struct Playout {
    shared: Arc<Shared>,
    commands: Receiver<PlayoutCommand>,
    /// The attached track's packets; `never()` while none is attached.
    packets: Receiver<Packet>,
    attached: bool,
    released: bool,
    buffer: JitterBuffer,
    sink: Box<dyn AudioSink>,
    reference: Option<RenderReference>,
    clock: Pacer,
}

/// Starts the playout thread with `sink`; `None` (logged) when it cannot run, and the call goes
/// on without remote audio.
pub(crate) fn start(
    shared: Arc<Shared>,
    sink: Box<dyn AudioSink>,
    reference: Option<RenderReference>,
    commands: Receiver<PlayoutCommand>,
) -> Option<JoinHandle<()>> {
    let playout = Playout::new(shared, sink, reference, commands)
        .inspect_err(|e| {
            tracing::error!(error = %e, "cannot create Opus decoder; remote audio disabled");
        })
        .ok()?;
    std::thread::Builder::new()
        .name("duet-audio-playout".into())
        .spawn(move || playout.run())
        .inspect_err(|e| tracing::error!(error = %e, "cannot start audio playout thread"))
        .ok()
}

impl Playout {
    fn new(
        shared: Arc<Shared>,
        sink: Box<dyn AudioSink>,
        reference: Option<RenderReference>,
        commands: Receiver<PlayoutCommand>,
    ) -> MediaResult<Self> {
        Ok(Self {
            shared,
            commands,
            packets: never(),
            attached: false,
            released: false,
            buffer: JitterBuffer::new(INITIAL_TARGET)?,
            sink,
            reference,
            clock: Pacer::new(FRAME_PERIOD),
        })
    }

    /// Runs until stopped: commands first, then packets, then the clock, so every packet that
    /// arrived before a tick is in the buffer when that tick pulls a frame.
    fn run(mut self) {
        loop {
            let deadline = self.clock.deadline(Instant::now());
            let tick = if self.attached { at(deadline) } else { never() };
            select_biased! {
                recv(self.commands) -> command => match command {
                    Ok(command) => {
                        if !self.apply(command) {
                            return;
                        }
                    }
                    // Every sender is gone: nobody can stop or feed this thread any more.
                    Err(_) => return,
                },
                recv(self.packets) -> packet => match packet {
                    Ok(packet) => self.take(packet),
                    Err(_) => self.detach(),
                },
                recv(tick) -> _ => {
                    self.clock.passed(deadline);
                    self.play_one();
                }
            }
        }
    }

    /// Applies one command; false means stop.
    fn apply(&mut self, command: PlayoutCommand) -> bool {
        match command {
            PlayoutCommand::Attach(packets) => {
                self.packets = packets;
                self.attached = true;
                // The first tick comes at once, as for a thread started with the track.
                self.clock = Pacer::new(FRAME_PERIOD);
            }
            PlayoutCommand::Release => self.released = true,
            PlayoutCommand::SetSink { sink, replaced } => {
                let old = std::mem::replace(&mut self.sink, sink);
                // A sender that stopped waiting leaves the old sink here, dropped (finished) now.
                let _ = replaced.send(old);
            }
            PlayoutCommand::Stop => return false,
        }
        true
    }

    /// The track ended: the clock stops until another one is attached.
    fn detach(&mut self) {
        self.packets = never();
        self.attached = false;
    }

    fn take(&mut self, packet: Packet) {
        if self.released {
            self.buffer.push(packet.sequence, packet.payload);
        } else {
            self.buffer.reset();
        }
    }

    /// Pulls one frame (decoded, rebuilt or concealed) and plays it.
    fn play_one(&mut self) {
        let frame = match self.buffer.pull() {
            Ok(Pulled::Decoded(frame) | Pulled::Concealed(frame)) => frame,
            Ok(Pulled::Silent) => return,
            Err(e) => {
                tracing::debug!(error = %e, "Opus packet dropped");
                return;
            }
        };
        if let Some(r) = self.reference.as_mut() {
            r.push(&frame);
        }
        if let Err(e) = self.sink.write_audio(&frame) {
            self.shared.report_device(&e, DeviceKind::Speaker);
            self.sink = Box::new(NullSink);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::opus::{OpusEncoder, FRAME_SAMPLES};
    use crate::config::AudioQuality;
    use crate::frame::AudioFrame;
    use crate::session::shared::for_test;
    use std::sync::mpsc::{channel, Sender};

    /// Reports each frame it plays, and its own drop (a recording finished), by its number.
    struct Tracked {
        number: u8,
        played: Sender<u8>,
        finished: Sender<u8>,
    }

    impl AudioSink for Tracked {
        fn write_audio(&mut self, _frame: &AudioFrame) -> MediaResult<()> {
            let _ = self.played.send(self.number);
            Ok(())
        }
    }

    impl Drop for Tracked {
        fn drop(&mut self) {
            let _ = self.finished.send(self.number);
        }
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    fn packets(count: u16) -> Vec<Packet> {
        let mut encoder = OpusEncoder::new(AudioQuality::Speech).unwrap();
        let tone: Vec<i16> = (0..FRAME_SAMPLES)
            .map(|i| ((i as f32 * 0.06).sin() * 8000.0) as i16)
            .collect();
        (0..count)
            .map(|sequence| Packet {
                sequence,
                payload: encoder.encode(&tone).unwrap(),
            })
            .collect()
    }

    #[test]
    fn nothing_received_while_ringing_is_played_and_release_opens_playout() {
        let runtime = runtime();
        let (shared, inboxes) = for_test(&runtime);
        let (played, plays) = channel();
        let (finished, _) = channel();
        let sink = Tracked {
            number: 1,
            played,
            finished,
        };
        let mut playout = Playout::new(shared, Box::new(sink), None, inboxes.playout).unwrap();
        let mut sent = packets(8).into_iter();
        for packet in sent.by_ref().take(4) {
            playout.take(packet);
        }
        playout.play_one();
        assert!(
            plays.try_recv().is_err(),
            "ringing: nothing buffered, nothing played"
        );
        assert!(playout.apply(PlayoutCommand::Release));
        for packet in sent {
            playout.take(packet);
        }
        playout.play_one();
        assert_eq!(plays.try_recv(), Ok(1));
    }

    #[test]
    fn a_replaced_sink_goes_back_to_the_sender_and_stop_finishes_the_last_one() {
        let runtime = runtime();
        let (shared, inboxes) = for_test(&runtime);
        let (played, _) = channel();
        let (finished, finishes) = channel();
        let sink = |number| {
            Box::new(Tracked {
                number,
                played: played.clone(),
                finished: finished.clone(),
            })
        };
        let thread = start(shared.clone(), sink(1), None, inboxes.playout).unwrap();
        let (replaced, old) = channel();
        let command = PlayoutCommand::SetSink {
            sink: sink(2),
            replaced,
        };
        assert!(shared.playout_commands.send(command).is_ok());
        let first = old.recv().unwrap();
        assert!(finishes.try_recv().is_err(), "the sender finishes it");
        drop(first);
        assert_eq!(finishes.try_recv(), Ok(1));
        assert!(shared.playout_commands.send(PlayoutCommand::Stop).is_ok());
        thread.join().unwrap();
        assert_eq!(
            finishes.try_recv(),
            Ok(2),
            "finished before the thread ended"
        );
    }
}
