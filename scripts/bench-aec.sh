#!/usr/bin/env bash
# Echo cancellation, Debian's 2016 webrtc-audio-processing (what Duet linked before) against AEC3
# (webrtc-audio-processing 2.1, what Duet links now), on one recording (docs/benchmarks.md,
# "Echo cancellation").
#
#   scripts/bench-aec.sh          # about 3 minutes the first time (the build), 1 minute after
#
# 1. espeak-ng says two texts in two voices: the far end (the other side of the call) and the
#    near end (the user). bench/aec lays them out: the far end talks 30 s, the near end talks
#    over it from 16 to 24 s and alone from 32 to 38 s, and the far end goes through a simulated
#    room (direct sound, reflections, a 300 ms tail).
# 2. A private PulseAudio plays that room sound into a null sink and records its monitor: the
#    echo as a microphone on the sound server gets it (16-bit, the server's timing).
# 3. Both cancellers clean the same microphone signal (the recording, 60 or 200 ms after the
#    reference, plus the near end and a -70 dBFS noise floor), and the figures are printed.
# The outputs stay in $DUET_AEC_OUT (default: a directory next to the build) for listening.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# What AEC3's build needs (as for Duet: scripts/install-apm-deps.sh, after its apt packages),
# plus the speech, the sound server, and the 2016 library's headers (the baseline; Duet itself no
# longer links it). The Rust toolchain is the one scripts/setup.sh installs.
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
for pkg in build-essential pkg-config clang libclang-dev curl cmake ninja-build python3-venv \
    espeak-ng pulseaudio pulseaudio-utils libwebrtc-audio-processing-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
"$root/scripts/install-apm-deps.sh"
source "$root/scripts/env.sh"
# Its own build directory: the benchmark is its own workspace, with other dependencies.
export CARGO_TARGET_DIR="$(dirname "$CARGO_TARGET_DIR")/aec-target"
(cd "$root/bench/aec" && cargo build --locked --release -q)
bench="$CARGO_TARGET_DIR/release/duet-aec-bench"

out="${DUET_AEC_OUT:-$(dirname "$CARGO_TARGET_DIR")/aec-run}"
mkdir -p "$out"
espeak-ng -v en-us -s 160 -w "$out/far-speech.wav" \
  "The quarterly numbers came in this morning, and they look better than we expected. \
   Sales in the northern region grew by almost twelve percent, mostly thanks to the new \
   distribution partners. I would like to go through the details with you on Thursday, \
   if that works for your team. We should also talk about the hiring plan for next year."
espeak-ng -v en-gb+f3 -s 150 -w "$out/near-speech.wav" \
  "Sorry to interrupt, but could you send me the slides before the meeting? \
   I want to check the figures for the western region first."
"$bench" prepare "$out" "$out/far-speech.wav" "$out/near-speech.wav"

pulse="$(mktemp -d)"
recorder=
cleanup() {
  [ -n "$recorder" ] && kill "$recorder" 2>/dev/null || true
  [ -n "${daemon:-}" ] && kill "$daemon" 2>/dev/null || true
  rm -rf "$pulse"
}
trap cleanup EXIT
mkdir -p "$pulse/run"
cat > "$pulse/bench.pa" <<PA
load-module module-native-protocol-unix socket=$pulse/native auth-anonymous=1
load-module module-null-sink sink_name=room rate=48000 channels=1
PA
HOME="$pulse" XDG_RUNTIME_DIR="$pulse/run" pulseaudio -n -F "$pulse/bench.pa" --daemonize=no \
  --exit-idle-time=-1 --log-target=stderr 2>"$pulse/daemon.log" &
daemon=$!
export PULSE_SERVER="unix:$pulse/native"
for _ in $(seq 100); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
pactl info >/dev/null || { cat "$pulse/daemon.log" >&2; exit 1; }
parec --device=room.monitor --raw --format=s16le --rate=48000 --channels=1 \
  --latency-msec=10 > "$out/capture.raw" &
recorder=$!
sleep 0.5
paplay --device=room "$out/room.wav"
sleep 0.5
kill -INT "$recorder"; wait "$recorder" 2>/dev/null || true
recorder=

"$bench" measure "$out"
