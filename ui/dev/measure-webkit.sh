#!/usr/bin/env bash
# Measures the page's frame path in WebKitGTK (MiniBrowser, the engine Tauri uses on Linux) under
# Xvfb, without the Rust backend: dev/frameServer.mjs sends 1280x720 + 640x360 I420 at 30 fps over
# the real frames protocol, the preview page paints them, and window.duetDebug is read over
# WebDriver. Baseline in the same run: the animation-frame rate of the same page in an audio call
# (no video to paint).  Usage: dev/measure-webkit.sh [seconds]   (from ui/; needs xvfb,
# webkit2gtk-driver; run `npm ci` first)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-20}
PORT_WD=$((44000 + RANDOM % 1000)); PORT_FR=$((45000 + RANDOM % 1000)); PORT_VITE=$((46000 + RANDOM % 1000))
MINIBROWSER=/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# -displayfd: Xvfb picks a free display (others may run GUI tests on this machine at the same time).
DISPLAY_FILE=$(mktemp)
Xvfb -displayfd 3 -screen 0 1280x800x24 3>"$DISPLAY_FILE" >/dev/null 2>&1 & pids+=($!)
for _ in $(seq 50); do [ -s "$DISPLAY_FILE" ] && break; sleep 0.1; done
DISPLAY_NUM=:$(head -n1 "$DISPLAY_FILE"); rm -f "$DISPLAY_FILE"
node dev/frameServer.mjs "$PORT_FR" >/dev/null 2>&1 & pids+=($!)
node_modules/.bin/vite --port "$PORT_VITE" --strictPort --host 127.0.0.1 >/dev/null 2>&1 & pids+=($!)
sleep 2
DISPLAY=$DISPLAY_NUM WebKitWebDriver --port="$PORT_WD" >/dev/null 2>&1 & pids+=($!)
sleep 2

wd() { curl -sf -X "$1" "http://127.0.0.1:$PORT_WD$2" -H 'content-type: application/json' ${3:+-d "$3"}; }
SESSION=$(wd POST /session "{\"capabilities\":{\"alwaysMatch\":{\"webkitgtk:browserOptions\":{\"binary\":\"$MINIBROWSER\",\"args\":[\"--automation\",\"--geometry=1200x780\"]}}}}" \
  | python3 -c 'import sys,json; print(json.load(sys.stdin)["value"]["sessionId"])')
S=/session/$SESSION
RAF='{"script":"const done=arguments[0]; let n=0; const t0=performance.now(); function f(){n++; if(performance.now()-t0<3000) requestAnimationFrame(f); else done(n/3);} requestAnimationFrame(f);","args":[]}'
PROBE='{"script":"const d=window.duetDebug; const q=(a,p)=>{const l=[...a].sort((x,y)=>x-y); return Math.round(l[Math.min(l.length-1,Math.floor(l.length*p))]*10)/10}; const s=d.sampleRemote(); return JSON.stringify({framesPainted:d.framesPainted, framesDropped:d.framesDropped, badFrames:d.badFrames, latencyP50:q(d.paintLatencyMs,0.5), latencyP95:q(d.paintLatencyMs,0.95), latencyMax:q(d.paintLatencyMs,1), receiveMax:q(d.receiveLatencyMs,1), drawP50:q(d.drawMs,0.5), drawP95:q(d.drawMs,0.95), distinctSamples:new Set(s).size})","args":[]}'

wd POST "$S/url" "{\"url\":\"http://127.0.0.1:$PORT_VITE/dev/preview.html?scene=audio${BASE_FRAMES:+&frames=ws://127.0.0.1:$PORT_FR/frames}\"}" >/dev/null
sleep 2
BASE=$(wd POST "$S/execute/async" "$RAF" | python3 -c 'import sys,json; print(json.load(sys.stdin)["value"])')
wd POST "$S/url" "{\"url\":\"http://127.0.0.1:$PORT_VITE/dev/preview.html?scene=call${BARE:+&bare=$BARE}&frames=ws://127.0.0.1:$PORT_FR/frames\"}" >/dev/null
sleep "$SECONDS_TO_RUN"
VIDEO=$(wd POST "$S/execute/async" "$RAF" | python3 -c 'import sys,json; print(json.load(sys.stdin)["value"])')
RESULT=$(wd POST "$S/execute/sync" "$PROBE" | python3 -c 'import sys,json; print(json.load(sys.stdin)["value"])')
wd DELETE "$S" >/dev/null || true
echo "WebKitGTK $(dpkg-query -W -f='${Version}' libwebkit2gtk-4.1-0 2>/dev/null), Xvfb, ${SECONDS_TO_RUN}s of 1280x720@30 + 640x360@30, load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "baseline: animation frames/s without video: $BASE"
echo "with video: animation frames/s: $VIDEO (ratio $(python3 -c "print(round($VIDEO/$BASE, 2))"))"
echo "duetDebug: $RESULT"
