#!/usr/bin/python3
"""Tiny Wayland socket proxy that works around xdg-desktop-portal-wlr 0.7.0's
hard requirement of a dmabuf format on wlr-screencopy frames.

Why: xdpw 0.7.0 (Debian 12) refuses ScreenCast.Start ("wlroots: unable to
receive a valid format from wlr_screencopy", portal Response 2) unless every
zwlr_screencopy_frame_v1 announces a `linux_dmabuf` event.  sway 1.7 with the
pixman renderer and no DRM device (no GPU, no /dev/dri) only offers wl_shm
buffers, so it never sends that event.  xdpw 0.8.0 dropped the check
(upstream commit 91c888c, issue emersion/xdg-desktop-portal-wlr#289).

What: the proxy sits between xdpw and sway, forwards bytes and file
descriptors (SCM_RIGHTS) unchanged, tracks which object ids are screencopy
frames, and right before each frame's `buffer_done` event injects a
`linux_dmabuf(format, width, height)` event copied from the frame's `buffer`
(shm) event, unless the compositor already sent one.  xdpw then passes its
check; since the compositor advertises no zwp_linux_dmabuf_v1 and xdpw has no
gbm device, it still negotiates and uses only SHM (MemFd) buffers.

Usage: wl_dmabuf_shim.py LISTEN_SOCKET_PATH UPSTREAM_SOCKET_PATH
(only xdpw should connect to LISTEN path; everything else talks to sway).
"""
import array
import os
import socket
import struct
import sys
import threading

MAX_FDS = 253
CMSG_LEN = socket.CMSG_SPACE(MAX_FDS * 4)

SCREENCOPY_MANAGER = b"zwlr_screencopy_manager_v1"
# zwlr_screencopy_manager_v1 requests
CAPTURE_OUTPUT, CAPTURE_OUTPUT_REGION = 0, 1
# zwlr_screencopy_frame_v1 events
EV_BUFFER, EV_LINUX_DMABUF, EV_BUFFER_DONE = 0, 5, 6
# wl_shm format enum -> DRM fourcc (only 0 and 1 differ)
SHM_TO_FOURCC = {0: 0x34325241,  # ARGB8888 'AR24'
                 1: 0x34325258}  # XRGB8888 'XR24'

VERBOSE = os.environ.get("SHIM_VERBOSE") == "1"


def log(msg):
    print("wl-shim: " + msg, file=sys.stderr, flush=True)


def recv(sock):
    fds = array.array("i")
    data, anc, _flags, _addr = sock.recvmsg(65536, CMSG_LEN)
    for level, typ, cdata in anc:
        if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            fds.frombytes(cdata[:len(cdata) - (len(cdata) % fds.itemsize)])
    return data, list(fds)


def send(sock, data, fds):
    if fds:
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))]
        n = sock.sendmsg([data], anc)
        for fd in fds:
            os.close(fd)
        data = data[n:]
    if data:
        sock.sendall(data)


def messages(buf):
    """Split complete messages off buf; return (list, rest)."""
    out, pos = [], 0
    while len(buf) - pos >= 8:
        obj, word = struct.unpack_from("=II", buf, pos)
        size = word >> 16
        if size < 8 or len(buf) - pos < size:
            break
        out.append((obj, word & 0xFFFF, buf[pos:pos + size]))
        pos += size
    return out, buf[pos:]


class Conn:
    def __init__(self, client, upstream):
        self.c, self.s = client, upstream
        self.registries = set()
        self.managers = set()
        self.frames = {}  # id -> {"shm": (fmt,w,h) or None, "dmabuf": bool}
        self.lock = threading.Lock()
        self.injected = 0

    # client -> server: only observed (to learn object ids), never changed
    def c2s(self):
        buf = b""
        try:
            while True:
                data, fds = recv(self.c)
                if not data and not fds:
                    break
                buf += data
                msgs, buf = messages(buf)
                with self.lock:
                    for obj, op, m in msgs:
                        self.observe_request(obj, op, m)
                send(self.s, data, fds)
        except OSError:
            pass
        self.close()

    def observe_request(self, obj, op, m):
        if obj == 1 and op == 1:  # wl_display.get_registry(new_id)
            self.registries.add(struct.unpack_from("=I", m, 8)[0])
        elif obj in self.registries and op == 0:  # wl_registry.bind
            ln = struct.unpack_from("=I", m, 12)[0]
            iface = m[16:16 + ln - 1]
            off = 16 + ((ln + 3) & ~3)
            _ver, new_id = struct.unpack_from("=II", m, off)
            if iface == SCREENCOPY_MANAGER:
                self.managers.add(new_id)
        elif obj in self.managers and op in (CAPTURE_OUTPUT,
                                            CAPTURE_OUTPUT_REGION):
            fid = struct.unpack_from("=I", m, 8)[0]
            self.frames[fid] = {"shm": None, "dmabuf": False}

    # server -> client: may get one extra event per frame
    def s2c(self):
        buf, pending_fds = b"", []
        try:
            while True:
                data, fds = recv(self.s)
                if not data and not fds:
                    break
                pending_fds += fds
                buf += data
                msgs, buf = messages(buf)
                if not msgs:
                    continue
                out = bytearray()
                with self.lock:
                    for obj, op, m in msgs:
                        out += self.rewrite_event(obj, op, m)
                send(self.c, bytes(out), pending_fds)
                pending_fds = []
        except OSError:
            pass
        self.close()

    def rewrite_event(self, obj, op, m):
        if obj == 1 and op == 1:  # wl_display.delete_id(id)
            dead = struct.unpack_from("=I", m, 8)[0]
            self.frames.pop(dead, None)
            self.managers.discard(dead)
            self.registries.discard(dead)
            return m
        fr = self.frames.get(obj)
        if fr is None:
            return m
        if op == EV_BUFFER:
            fmt, w, h, _stride = struct.unpack_from("=IIII", m, 8)
            fr["shm"] = (SHM_TO_FOURCC.get(fmt, fmt), w, h)
        elif op == EV_LINUX_DMABUF:
            fr["dmabuf"] = True
        elif op == EV_BUFFER_DONE and not fr["dmabuf"] and fr["shm"]:
            fmt, w, h = fr["shm"]
            ev = struct.pack("=IIIII", obj, (20 << 16) | EV_LINUX_DMABUF,
                             fmt, w, h)
            fr["dmabuf"] = True
            self.injected += 1
            if VERBOSE or self.injected == 1:
                log("injected linux_dmabuf(0x%08x, %dx%d) on frame %d "
                    "(count %d)" % (fmt, w, h, obj, self.injected))
            return ev + m
        return m

    def close(self):
        for s in (self.c, self.s):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    listen_path, upstream_path = sys.argv[1], sys.argv[2]
    try:
        os.unlink(listen_path)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(listen_path)
    srv.listen(8)
    log("listening on %s -> %s" % (listen_path, upstream_path))
    while True:
        c, _ = srv.accept()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(upstream_path)
        except OSError as e:
            log("upstream connect failed: %s" % e)
            c.close()
            continue
        conn = Conn(c, s)
        log("client connected")
        threading.Thread(target=conn.c2s, daemon=True).start()
        threading.Thread(target=conn.s2c, daemon=True).start()


if __name__ == "__main__":
    main()
