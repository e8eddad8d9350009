#!/bin/bash
# Headless Wayland + PipeWire + xdg-desktop-portal ScreenCast lab (Debian 12).
#
#   lab.sh start        start everything in a fresh private dir, print the env
#   lab.sh env          print the env a client needs (sh syntax, for eval)
#   lab.sh status       show the lab's processes
#   lab.sh xdpw normal|refuse   restart xdg-desktop-portal-wlr with the normal
#                       config (chooser_type=none) or one whose chooser fails
#   lab.sh stop         kill every process of the lab, remove its directory
#
# crates/duet-screen/tests/portal.rs runs duet-screen's portal capture against it. The stack is
# Debian 12's: sway 1.7 (wlroots 0.15, pixman renderer: no GPU), PipeWire 0.3.65 + WirePlumber,
# xdg-desktop-portal 1.16 and xdg-desktop-portal-wlr 0.7.0 (scripts/apt-packages-test.txt).
#
# Knobs (environment): LAB_BG (#ff8000), LAB_RES (640x360),
#   LAB_NO_SHIM=1       let xdpw talk to sway directly (shows the xdpw 0.7.0
#                       "unable to receive a valid format" failure, Response 2)
#   LAB_ACTIVATION=1    start both portals by D-Bus activation instead of
#                       directly (xdpw first via StartServiceByName)
#   LAB_STATE           file remembering the current lab dir
#                       (default /tmp/wayland-lab.current)
#   LAB_TIMEOUT         seconds to wait for each process (default 20)
#   LAB_FAIL_AT=NAME    pretend readiness check NAME failed (tests cleanup)
#
# Everything runs as root.  sway refuses to run with uid 0 ("Unable to drop
# root"), so it runs in an unprivileged user namespace (`unshare --user`, no
# uid map: it sees itself as uid 65534, but on the host it is still root and
# its sockets are root-owned).  Every process gets LAB_TAG=<lab dir> in its
# environment; `stop` kills exactly the processes carrying that tag.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3            # Debian's python (has dbus + gi), not pyenv's
LAB_STATE=${LAB_STATE:-/tmp/wayland-lab.current}
LAB_BG=${LAB_BG:-#ff8000}
LAB_RES=${LAB_RES:-640x360}
LAB_TIMEOUT=${LAB_TIMEOUT:-20}

log() { echo "lab: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# wait_for NAME CMD...: poll CMD every 50 ms until it succeeds; record time
wait_for() {
    local name=$1 t0=$2; shift 2
    if [[ $name == "${LAB_FAIL_AT:-}" ]]; then   # test hook for the cleanup path
        log "LAB_FAIL_AT=$name: simulating a failure"; return 1
    fi
    local limit=${WAIT_S:-$LAB_TIMEOUT}
    local deadline=$(( $(now_ms) + limit * 1000 ))
    until "$@" >/dev/null 2>&1; do
        if (( $(now_ms) > deadline )); then
            log "$name not ready after ${limit}s"; return 1
        fi
        sleep 0.05
    done
    local dt=$(( $(now_ms) - t0 ))
    echo "$name ${dt}ms" >> "$LAB/timings"
    log "$name ready in ${dt} ms"
}

load_lab() {
    LAB=${LAB_DIR:-}
    [[ -z $LAB && -f $LAB_STATE ]] && LAB=$(cat "$LAB_STATE")
    [[ -n $LAB && -d $LAB ]] || die "no running lab (state file $LAB_STATE)"
    # shellcheck disable=SC1091
    source "$LAB/lab.vars"
}

# environment common to all lab processes (env -i + these)
base_env() {
    ENVV=(PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$LAB/home" LANG=C.UTF-8
          LAB_TAG="$LAB"
          XDG_RUNTIME_DIR="$RUN" PIPEWIRE_RUNTIME_DIR="$RUN"
          XDG_CONFIG_HOME="$LAB/config" XDG_DATA_HOME="$LAB/data"
          XDG_STATE_HOME="$LAB/state" XDG_CACHE_HOME="$LAB/cache"
          XDG_CURRENT_DESKTOP=sway XDG_SESSION_TYPE=wayland
          GIO_USE_VFS=local GSETTINGS_BACKEND=memory)
}

# spawn NAME CMD...: start a detached process with the lab env, log to NAME.log
spawn() {
    local name=$1; shift
    setsid env -i "${ENVV[@]}" "$@" >"$LAB/$name.log" 2>&1 </dev/null &
    LAST_PID=$!
    echo "$name $LAST_PID" >> "$LAB/pids"
}

bus_owner_pid_is() {   # bus_owner_pid_is NAME PID
    DBUS_SESSION_BUS_ADDRESS=$BUS dbus-send --session --print-reply \
        --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.GetConnectionUnixProcessID "string:$1" 2>/dev/null |
        grep -q "uint32 $2\$"
}

bus_has() {   # bus_has NAME -> success if NAME is owned on the lab bus
    DBUS_SESSION_BUS_ADDRESS=$BUS dbus-send --session --print-reply \
        --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null |
        grep -q 'boolean true'
}

write_xdpw_configs() {
    mkdir -p "$LAB/config/xdg-desktop-portal-wlr"
    # read by default from $XDG_CONFIG_HOME/xdg-desktop-portal-wlr/config
    cat > "$LAB/config/xdg-desktop-portal-wlr/config" <<EOF
[screencast]
output_name=HEADLESS-1
chooser_type=none
max_fps=30
EOF
    cat > "$LAB/config/xdpw-refuse.config" <<EOF
[screencast]
output_name=HEADLESS-1
chooser_type=simple
chooser_cmd=false
EOF
}

start_xdpw() {   # start_xdpw CONFIGFILE [-r]
    local t0; t0=$(now_ms)
    ENVV+=(DBUS_SESSION_BUS_ADDRESS="$BUS" WAYLAND_DISPLAY="$XDPW_WL")
    spawn xdpw /usr/libexec/xdg-desktop-portal-wlr -l DEBUG -c "$1" ${2:-}
    # wait until the bus name belongs to THIS process (matters for -r)
    wait_for xdg-desktop-portal-wlr "$t0" bus_owner_pid_is \
        org.freedesktop.impl.portal.desktop.wlr "$LAST_PID"
}

cmd_start() {
    [[ -f $LAB_STATE ]] && [[ -d $(cat "$LAB_STATE") ]] &&
        die "a lab is already running in $(cat "$LAB_STATE"); run '$0 stop' first"
    for b in sway swaymsg dbus-daemon dbus-send pipewire wireplumber pw-cli \
             /usr/libexec/xdg-desktop-portal /usr/libexec/xdg-desktop-portal-wlr unshare setsid; do
        command -v "$b" >/dev/null || die "missing $b (scripts/setup.sh test installs it)"
    done
    LAB=$(mktemp -d /tmp/wayland-lab.XXXXXX)
    RUN=$LAB/run
    echo "$LAB" > "$LAB_STATE"
    # from here on, any failure tears the lab down again
    trap 'rc=$?; if (( rc != 0 )); then log "start failed (rc=$rc), logs:"; tail -n 5 "$LAB"/*.log >&2 2>/dev/null || true; cmd_stop || true; fi' EXIT
    mkdir -p "$RUN" "$LAB"/{home,config/sway,data,state,cache}
    chmod 700 "$RUN" "$LAB"
    : > "$LAB/timings"; : > "$LAB/pids"
    base_env

    # ---- sway (headless, pixman, no input devices, no Xwayland) ----
    cat > "$LAB/config/sway/config" <<EOF
xwayland disable
output * bg $LAB_BG solid_color
output HEADLESS-1 resolution $LAB_RES position 0 0
EOF
    local t0; t0=$(now_ms)
    ENVV+=(WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1
           WLR_HEADLESS_OUTPUTS=1)
    spawn sway unshare --user sway -c "$LAB/config/sway/config"
    base_env
    sock_ready() { compgen -G "$RUN/sway-ipc.*.sock" && compgen -G "$RUN/wayland-[0-9]"; }
    wait_for sway-sockets "$t0" sock_ready
    SWAYSOCK=$(compgen -G "$RUN/sway-ipc.*.sock" | head -1)
    WAYLAND_DISPLAY=$(basename "$(compgen -G "$RUN/wayland-[0-9]" | head -1)")
    export SWAYSOCK
    out_ready() { swaymsg -t get_outputs -r | grep -q '"name": "HEADLESS-1"'; }
    if ! WAIT_S=3 wait_for sway-output "$t0" out_ready; then
        log "no HEADLESS-1 output, creating one"
        swaymsg create_output >/dev/null
        swaymsg output HEADLESS-1 resolution "$LAB_RES" >/dev/null
        wait_for sway-output "$t0" out_ready
    fi
    swaymsg -t get_outputs -r | "$PY" -c '
import json,sys
o=[o for o in json.load(sys.stdin) if o["name"]=="HEADLESS-1"][0]
m=o["current_mode"]; print("lab: sway output HEADLESS-1 %dx%d active=%s"%(m["width"],m["height"],o["active"]),file=sys.stderr)'

    # ---- wayland socket for xdg-desktop-portal-wlr (see wl_dmabuf_shim.py) ----
    if [[ ${LAB_NO_SHIM:-0} == 1 ]]; then
        XDPW_WL=$WAYLAND_DISPLAY
    else
        XDPW_WL=wayland-xdpw-shim
        t0=$(now_ms)
        spawn wl-shim "$PY" "$HERE/wl_dmabuf_shim.py" "$RUN/$XDPW_WL" "$RUN/$WAYLAND_DISPLAY"
        wait_for wl-shim "$t0" test -S "$RUN/$XDPW_WL"
    fi

    # ---- private session bus (its env is what activated services get) ----
    t0=$(now_ms)
    ENVV+=(WAYLAND_DISPLAY="$XDPW_WL")
    spawn dbus-daemon dbus-daemon --session --nofork --nopidfile \
        --address="unix:path=$RUN/bus" --print-address=1
    base_env
    wait_for dbus-daemon "$t0" test -S "$RUN/bus"
    BUS=unix:path=$RUN/bus
    wait_for dbus-daemon-reply "$t0" bus_has org.freedesktop.DBus

    write_xdpw_configs
    cat > "$LAB/lab.vars" <<EOF
LAB='$LAB'
RUN='$RUN'
BUS='$BUS'
SWAYSOCK='$SWAYSOCK'
WAYLAND_DISPLAY='$WAYLAND_DISPLAY'
XDPW_WL='$XDPW_WL'
EOF

    # ---- PipeWire + WirePlumber (session manager: links portal stream and consumer) ----
    ENVV+=(DBUS_SESSION_BUS_ADDRESS="$BUS")
    t0=$(now_ms)
    spawn pipewire pipewire
    pw_ok() { PIPEWIRE_RUNTIME_DIR=$RUN timeout 2 pw-cli info 0; }
    wait_for pipewire "$t0" pw_ok
    t0=$(now_ms)
    spawn wireplumber wireplumber
    wp_ok() { PIPEWIRE_RUNTIME_DIR=$RUN timeout 2 pw-cli ls Client | grep -q 'application.name = "WirePlumber"'; }
    wait_for wireplumber "$t0" wp_ok
    base_env

    # ---- portals ----
    if [[ ${LAB_ACTIVATION:-0} == 1 ]]; then
        # D-Bus activation: start the wlr backend FIRST by StartServiceByName.
        # If the frontend activates it, xdpw 0.7.0 misses the frontend's first
        # GetAll (sd-bus polling bug, fixed upstream in PR #282) and the
        # frontend hangs 25 s and then reports AvailableSourceTypes=0.
        t0=$(now_ms)
        DBUS_SESSION_BUS_ADDRESS=$BUS dbus-send --session --print-reply --dest=org.freedesktop.DBus \
            /org/freedesktop/DBus org.freedesktop.DBus.StartServiceByName \
            string:org.freedesktop.impl.portal.desktop.wlr uint32:0 >/dev/null
        wait_for xdg-desktop-portal-wlr "$t0" bus_has org.freedesktop.impl.portal.desktop.wlr
        t0=$(now_ms)
        DBUS_SESSION_BUS_ADDRESS=$BUS dbus-send --session --print-reply --dest=org.freedesktop.DBus \
            /org/freedesktop/DBus org.freedesktop.DBus.StartServiceByName \
            string:org.freedesktop.portal.Desktop uint32:0 >/dev/null
        wait_for xdg-desktop-portal "$t0" bus_has org.freedesktop.portal.Desktop
    else
        start_xdpw "$LAB/config/xdg-desktop-portal-wlr/config"
        base_env
        t0=$(now_ms)
        ENVV+=(DBUS_SESSION_BUS_ADDRESS="$BUS" WAYLAND_DISPLAY="$WAYLAND_DISPLAY")
        spawn xdp /usr/libexec/xdg-desktop-portal -v
        wait_for xdg-desktop-portal "$t0" bus_has org.freedesktop.portal.Desktop
    fi
    local props
    props=$(DBUS_SESSION_BUS_ADDRESS=$BUS timeout 30 dbus-send --session --print-reply \
        --dest=org.freedesktop.portal.Desktop /org/freedesktop/portal/desktop \
        org.freedesktop.DBus.Properties.GetAll string:org.freedesktop.portal.ScreenCast |
        tr -s ' \n' ' ')
    log "ScreenCast props: $props"
    echo "$props" > "$LAB/screencast-props"
    trap - EXIT
    log "lab up in $LAB (timings: $(tr '\n' ' ' < "$LAB/timings"))"
    cmd_env
}

cmd_env() {
    [[ -n ${LAB:-} ]] || load_lab
    cat <<EOF
export LAB_DIR='$LAB'
export XDG_RUNTIME_DIR='$RUN'
export PIPEWIRE_RUNTIME_DIR='$RUN'
export DBUS_SESSION_BUS_ADDRESS='$BUS'
export WAYLAND_DISPLAY='$WAYLAND_DISPLAY'
export SWAYSOCK='$SWAYSOCK'
export XDG_CURRENT_DESKTOP=sway
export XDG_SESSION_TYPE=wayland
EOF
}

lab_pids() {   # every process whose environment carries LAB_TAG=$LAB
    local p
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        [[ $p == "$$" || $p == "$BASHPID" ]] && continue
        grep -qzxF "LAB_TAG=$LAB" "/proc/$p/environ" 2>/dev/null && echo "$p"
    done
    return 0
}

cmd_status() {
    load_lab
    local p
    for p in $(lab_pids); do ps -o pid=,etime=,args= -p "$p" || true; done
    cat "$LAB/timings"
}

cmd_xdpw() {
    load_lab
    local cfg
    case ${1:-normal} in
        normal) cfg=$LAB/config/xdg-desktop-portal-wlr/config ;;
        refuse) cfg=$LAB/config/xdpw-refuse.config ;;
        *) die "xdpw normal|refuse" ;;
    esac
    base_env
    mv -f "$LAB/xdpw.log" "$LAB/xdpw.$(date +%s%N).log" 2>/dev/null || true
    start_xdpw "$cfg" -r     # -r: replace the running instance on the bus
    log "xdg-desktop-portal-wlr now uses $cfg"
}

cmd_stop() {
    [[ -n ${LAB:-} ]] || load_lab
    case $LAB in /tmp/wayland-lab.??????) ;; *) die "refusing to remove '$LAB'";; esac
    local pids p i
    # unmount xdg-document-portal's FUSE mount first, so it can exit on SIGTERM
    if grep -q " $LAB/run/doc " /proc/mounts; then
        fusermount3 -u -z "$LAB/run/doc" 2>/dev/null || umount -l "$LAB/run/doc" || true
    fi
    pids=$(lab_pids | tr '\n' ' ')
    if [[ -n $pids ]]; then
        log "stopping: $(for p in $pids; do printf '%s(%s) ' "$p" "$(cat /proc/$p/comm 2>/dev/null)"; done)"
        kill -TERM $pids 2>/dev/null || true
        for i in $(seq 1 60); do
            pids=$(lab_pids | tr '\n' ' ')
            [[ -z $pids ]] && break
            sleep 0.05
        done
        if [[ -n $pids ]]; then
            log "SIGKILL: $pids"; kill -KILL $pids 2>/dev/null || true; sleep 0.2
        fi
    fi
    # xdg-document-portal (activated by xdg-desktop-portal) FUSE-mounts $RUN/doc
    if grep -q " $LAB/run/doc " /proc/mounts; then
        fusermount3 -u -z "$LAB/run/doc" 2>/dev/null || umount -l "$LAB/run/doc" || true
    fi
    grep -q " $LAB/" /proc/mounts && die "still mounted under $LAB, not removing"
    rm -rf --one-file-system "$LAB"
    [[ -f $LAB_STATE && $(cat "$LAB_STATE") == "$LAB" ]] && rm -f "$LAB_STATE"
    log "stopped and removed $LAB"
}

case ${1:-} in
    start) cmd_start ;;
    stop) cmd_stop ;;
    env) cmd_env ;;
    status) cmd_status ;;
    xdpw) shift; cmd_xdpw "$@" ;;
    *) awk 'NR>1 && !/^#/{exit} NR>1' "$0"; exit 2 ;;
esac
