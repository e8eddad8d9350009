#!/usr/bin/env bash
# Duet's signaling server against Kamailio (issue 21), in one run on loopback:
#  1. duet-loadgen cycles: P pairs run invite/accept/hangup/record cycles for S seconds against
#     duet-server (one SQLite record per call);
#  2. SIPp drives the same number of INVITE/100/180/200/ACK/BYE/200 cycles, P at a time, through
#     Kamailio as a stateful proxy (tm) tracking dialogs (dialog) and writing the start and end of
#     every call to SQLite (acc), to a SIPp UAS;
#  3. memory per endpoint: duet-loadgen idle with E connections, and Kamailio's PSS growth with E
#     SIPp REGISTERs (usrloc in memory);
# then prints both sides and the ratios. A benchmark, not a test: scripts/test.sh does not run it.
#
#   scripts/bench-kamailio.sh [--pairs 32] [--seconds 10] [--endpoints 10000] [--children 1]
#
# Installs kamailio, kamailio-sqlite-modules, sip-tester (SIPp) and sqlite3 with apt-get when
# missing (test tooling, not a runtime dependency); builds the release server and load generator;
# everything runs from a temporary directory on /dev/shm that is removed on exit, with every
# process it started stopped.
set -euo pipefail

PAIRS=32
SECS=10
ENDPOINTS=10000
# One Kamailio UDP worker: db_sqlite sets no busy timeout, so with two workers their concurrent
# acc INSERTs fail with "database is locked" and rows are lost (see docs/benchmarks.md).
CHILDREN=1
while [ $# -gt 0 ]; do
    case "$1" in
        --pairs) PAIRS="$2"; shift 2 ;;
        --seconds) SECS="$2"; shift 2 ;;
        --endpoints) ENDPOINTS="$2"; shift 2 ;;
        --children) CHILDREN="$2"; shift 2 ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
for n in "$PAIRS" "$SECS" "$ENDPOINTS" "$CHILDREN"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "arguments must be positive integers" >&2; exit 2; }
done
[ "$SECS" -le 120 ] || { echo "--seconds: at most 120" >&2; exit 2; }
[ "$ENDPOINTS" -le 19000 ] || { echo "--endpoints: at most 19000 (open files)" >&2; exit 2; }

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HERE="$ROOT/scripts/bench-kamailio"

# --- tools --------------------------------------------------------------------------------------
missing=()
for pkg in kamailio kamailio-sqlite-modules sip-tester sqlite3; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
        missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

source "$ROOT/scripts/env.sh"
(cd "$ROOT" && nice -n 15 cargo build --release -q -p duet-server -p duet-loadgen)
LOADGEN="$CARGO_TARGET_DIR/release/duet-loadgen"

# --- cleanup --------------------------------------------------------------------------------------
WORK="$(mktemp -d /dev/shm/duet-kamailio.XXXXXX)"
STARTED=()
cleanup() {
    local pid
    for pid in "${STARTED[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${STARTED[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- helpers --------------------------------------------------------------------------------------
free_udp_port() {
    python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# The Kamailio main process and the workers it forked.
kamailio_pids() { echo "$1"; pgrep -P "$1" || true; }
# User + system CPU seconds of the given processes, from /proc/<pid>/stat.
cpu_of() {
    local total=0 pid
    for pid in "$@"; do
        [ -r "/proc/$pid/stat" ] || continue
        total=$((total + $(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')))
    done
    python3 -c "print($total / $(getconf CLK_TCK))"
}
# Proportional set size of the given processes, in bytes (shared memory counted once in all).
pss_of() {
    local total=0 pid
    for pid in "$@"; do
        [ -r "/proc/$pid/smaps_rollup" ] || continue
        total=$((total + $(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup")))
    done
    echo $((total * 1024))
}
# CPU seconds (user + system) of this shell's finished children so far.
children_cpu() {
    times | sed -n 2p | python3 -c '
import re, sys
parts = re.findall(r"(\d+)m([\d.]+)s", sys.stdin.read())
print(sum(int(m) * 60 + float(s) for m, s in parts))'
}
# Starts Kamailio on a free loopback port with a fresh acc database; sets KAM_PID and KAM_PORT.
start_kamailio() {
    local name="$1" uas_port="$2" db="$WORK/$1.sqlite"
    { echo "CREATE TABLE version (table_name VARCHAR(32) NOT NULL,"
      echo "  table_version INTEGER DEFAULT 0 NOT NULL,"
      echo "  CONSTRAINT version_table_name_idx UNIQUE (table_name));"
      cat /usr/share/kamailio/db_sqlite/acc-create.sql; } | sqlite3 "$db"
    # WAL is kept in the file; Duet's store runs WAL too.
    sqlite3 "$db" 'PRAGMA journal_mode=WAL;' >/dev/null
    KAM_PORT="$(free_udp_port)"
    kamailio -DD -E -m 1024 -f "$HERE/kamailio.cfg" -P "$WORK/$name.pid" \
        -A "LISTEN=udp:127.0.0.1:$KAM_PORT" -A "CHILDREN=$CHILDREN" \
        -A "DBURL=\"sqlite://$db\"" -A "UAS=\"sip:127.0.0.1:$uas_port\"" \
        >"$WORK/$name.log" 2>&1 &
    KAM_PID=$!
    STARTED+=("$KAM_PID")
    for _ in $(seq 100); do
        ss -lun | grep -q "127.0.0.1:$KAM_PORT " && [ "$(pgrep -cP "$KAM_PID")" -ge "$CHILDREN" ] &&
            return 0
        kill -0 "$KAM_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "kamailio did not start:" >&2
    cat "$WORK/$name.log" >&2
    exit 1
}
stop() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
field() { sed -n "$2" "$1" | head -1; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- Duet -----------------------------------------------------------------------------------------
echo "== duet-server: $PAIRS pairs, $SECS s"
TMPDIR="$WORK" "$LOADGEN" cycles --pairs "$PAIRS" --seconds "$SECS" | tee "$WORK/duet-cycles.txt"
D_LOAD="$(cut -d' ' -f1-3 /proc/loadavg)"
f="$WORK/duet-cycles.txt"
D_CYCLES="$(field "$f" 's/^call cycles: \([0-9]*\) .*/\1/p')"
D_RATE="$(field "$f" 's/^call cycles: [0-9]* (\([0-9]*\)\/s).*/\1/p')"
D_P99="$(field "$f" 's/^call cycles: .* p99 \([0-9.]*\) ms.*/\1/p')"
D_RECORDS="$(field "$f" 's/^call cycles: .*records written: \([0-9]*\).*/\1/p')"
D_CPU="$(field "$f" 's/^server CPU over the cycles: \([0-9.]*\) s .*/\1/p')"
D_GEN_CPU="$(field "$f" 's/^server CPU .*load generator CPU: \([0-9.]*\) s.*/\1/p')"
[ -n "$D_CYCLES" ] && [ -n "$D_CPU" ] || { echo "could not read duet-loadgen's output" >&2; exit 1; }

echo "== duet-server: $ENDPOINTS idle connections"
TMPDIR="$WORK" "$LOADGEN" idle --connections "$ENDPOINTS" | tee "$WORK/duet-idle.txt"
D_MEM="$(field "$WORK/duet-idle.txt" 's/^duet-server: \([0-9]*\) bytes per idle.*/\1/p')"

# --- Kamailio: the same number of cycles ----------------------------------------------------------
echo "== kamailio: $D_CYCLES cycles, $PAIRS at a time, $CHILDREN UDP worker(s)"
UAS_PORT="$(free_udp_port)"
start_kamailio cycles "$UAS_PORT"
sipp -sf "$HERE/uas.xml" -i 127.0.0.1 -p "$UAS_PORT" -nostdin >"$WORK/uas.out" 2>&1 &
UAS_PID=$!
STARTED+=("$UAS_PID")
sleep 0.5
mapfile -t KPIDS < <(kamailio_pids "$KAM_PID")
K_CPU0="$(cpu_of "${KPIDS[@]}")"
UAS_CPU0="$(cpu_of "$UAS_PID")"
UAC_CPU0="$(children_cpu)"
T0="$(date +%s.%N)"
# Closed loop like duet-loadgen's pairs: at most P calls at once (-l), each started as soon as one
# ends (-r far above what is reached). Response time "cycle": INVITE sent to the BYE's 200.
(cd "$WORK" && sipp "127.0.0.1:$KAM_PORT" -sf "$HERE/uac.xml" -s service -i 127.0.0.1 \
    -p "$(free_udp_port)" -l "$PAIRS" -r 100000 -m "$D_CYCLES" -nostdin \
    -trace_stat -stf uac-stat.csv -trace_rtt -rtt_freq 100 -trace_err \
    -timeout "$((SECS * 20 + 60))s" >"$WORK/uac.out" 2>&1) || true
T1="$(date +%s.%N)"
K_CPU1="$(cpu_of "${KPIDS[@]}")"
UAS_CPU1="$(cpu_of "$UAS_PID")"
UAC_CPU1="$(children_cpu)"
K_LOAD="$(cut -d' ' -f1-3 /proc/loadavg)"
stop "$UAS_PID"
stop "$KAM_PID"
python3 - "$WORK" >"$WORK/sipp.txt" <<'EOF'
import csv, glob, math, sys
work = sys.argv[1]
rows = list(csv.DictReader(open(f"{work}/uac-stat.csv"), delimiter=";"))
last = rows[-1]
times = sorted(
    float(r["response_time_ms"])
    for path in glob.glob(f"{work}/*_rtt.csv")
    for r in csv.DictReader(open(path), delimiter=";")
    if r["rtd_no"] == "cycle"
)
def q(p):
    return times[min(len(times) - 1, math.ceil(p * len(times)) - 1)] if times else float("nan")
print(last["SuccessfulCall(C)"], last["FailedCall(C)"], len(times), q(0.5), q(0.99))
EOF
read -r K_OK K_FAILED K_SAMPLES K_P50 K_P99 <"$WORK/sipp.txt"
K_SECS="$(python3 -c "print($T1 - $T0)")"
DB="$WORK/cycles.sqlite"
K_STARTS="$(sqlite3 "$DB" "SELECT count(*) FROM acc WHERE method = 'INVITE' AND sip_code = '200'")"
K_ENDS="$(sqlite3 "$DB" "SELECT count(*) FROM acc WHERE method = 'BYE'")"
K_RECORDS="$(sqlite3 "$DB" "SELECT count(*) FROM (SELECT callid FROM acc GROUP BY callid \
    HAVING sum(method = 'INVITE') = 1 AND sum(method = 'BYE') = 1)")"
K_ERRORS="$(grep -c 'ERROR' "$WORK/cycles.log" || true)"
echo "sipp: $K_OK successful, $K_FAILED failed in $K_SECS s; cycle time p50 $K_P50 ms, p99 $K_P99 ms" \
    "($K_SAMPLES samples); acc rows: $K_STARTS starts, $K_ENDS ends, $K_RECORDS calls with both;" \
    "kamailio log errors: $K_ERRORS"
[ "$K_ERRORS" -eq 0 ] || grep ERROR "$WORK/cycles.log" | sort | uniq -c | sort -rn | head -5

# --- Kamailio: memory per registered endpoint ----------------------------------------------------
echo "== kamailio: $ENDPOINTS registrations"
start_kamailio register "$(free_udp_port)"
sleep 1
mapfile -t KPIDS < <(kamailio_pids "$KAM_PID")
PSS0="$(pss_of "${KPIDS[@]}")"
(cd "$WORK" && sipp "127.0.0.1:$KAM_PORT" -sf "$HERE/register.xml" -i 127.0.0.1 \
    -p "$(free_udp_port)" -l 256 -r 100000 -m "$ENDPOINTS" -nostdin -trace_stat \
    -stf reg-stat.csv -timeout 120s >"$WORK/reg.out" 2>&1) || true
sleep 2
PSS1="$(pss_of "${KPIDS[@]}")"
stop "$KAM_PID"
K_REGISTERED="$(python3 -c "
import csv; print(list(csv.DictReader(open('$WORK/reg-stat.csv'), delimiter=';'))[-1]['SuccessfulCall(C)'])")"
K_MEM="$(python3 -c "print(round(($PSS1 - $PSS0) / max(1, $K_REGISTERED)))")"
echo "kamailio PSS: $((PSS0 / 1048576)) MiB before, $((PSS1 / 1048576)) MiB after $K_REGISTERED registrations"

# --- table ----------------------------------------------------------------------------------------
python3 - <<EOF
d_cycles, d_secs, d_cpu, d_gen = $D_CYCLES, $SECS, $D_CPU, $D_GEN_CPU
k_ok, k_secs, k_cpu = $K_OK, $K_SECS, $K_CPU1 - $K_CPU0
k_gen = ($UAS_CPU1 - $UAS_CPU0) + ($UAC_CPU1 - $UAC_CPU0)
d_rate, k_rate = d_cycles / d_secs, k_ok / k_secs
rows = [
    ("call cycles completed", f"{d_cycles}", f"{k_ok} (failed $K_FAILED)", None),
    ("cycles per second", f"{d_rate:.0f}", f"{k_rate:.0f}", d_rate / k_rate),
    ("cycle latency p50 (ms)", "$(field "$f" 's/^call cycles: .* p50 \([0-9.]*\) ms.*/\1/p')", "$K_P50", None),
    ("cycle latency p99 (ms)", "$D_P99", "$K_P99", $D_P99 / max($K_P99, 0.001)),
    ("server CPU-seconds per 1,000 cycles", f"{d_cpu * 1000 / d_cycles:.3f}", f"{k_cpu * 1000 / max(k_ok, 1):.3f}",
     (d_cpu / d_cycles) / (k_cpu / max(k_ok, 1))),
    ("cycles per server CPU-second", f"{d_cycles / d_cpu:.0f}", f"{k_ok / k_cpu:.0f}",
     (d_cycles / d_cpu) / (k_ok / k_cpu)),
    ("load generator CPU-seconds per 1,000 cycles", f"{d_gen * 1000 / d_cycles:.3f}",
     f"{k_gen * 1000 / max(k_ok, 1):.3f} (SIPp UAC + UAS)", None),
    ("records: calls with their record", f"$D_RECORDS of {d_cycles}",
     f"$K_RECORDS of {k_ok} (acc start + end rows)", None),
    ("memory per endpoint (bytes; $ENDPOINTS)", "$D_MEM (idle WebSocket, RSS)",
     "$K_MEM (registration, PSS)", $D_MEM / max($K_MEM, 1)),
]
print()
print(f"Duet vs Kamailio: {$PAIRS} concurrent cycles; load average duet run $D_LOAD, kamailio run $K_LOAD")
print(f"| {'':44} | {'duet-server':>28} | {'kamailio':>38} | duet/kamailio |")
print(f"|{'-' * 46}|{'-' * 30}|{'-' * 40}|--------------:|")
for name, d, k, ratio in rows:
    r = f"{ratio:.2f}" if ratio is not None else ""
    print(f"| {name:44} | {d:>28} | {k:>38} | {r:>13} |")
EOF
