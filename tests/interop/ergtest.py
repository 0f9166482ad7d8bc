#!/usr/bin/env python3
"""tests/interop/ergtest.py: small helpers for the interop tests.

  ergtest.py echo HOST PORT SIZE...     UDP echo of SIZE random bytes each,
                                        compared byte for byte
  ergtest.py refused HOST PORT          a datagram to a closed port must
                                        make Linux report connection refused
  ergtest.py discard HOST PORT SIZE...  datagrams to discard: no reply, no error
  ergtest.py pcapcmp A.pcap B.pcap      same frames, same bytes, same order
  ergtest.py pcapinfo FILE.pcap         linktype and frame count
  ergtest.py mkpcap KIND OUT            a file for the error tests: raw (a
                                        DLT_RAW capture), truncated (an
                                        Ethernet capture cut mid-frame),
                                        garbage (not a capture), empty
  ergtest.py bytes N                    the first N bytes of erg's
                                        deterministic stream (tools/common/
                                        tool_bytes.h) on stdout
  ergtest.py bytes-sha256 N             their SHA-256, in hex
  ergtest.py tcp-reset HOST PORT MODE   reset a connection in the middle of
                                        a transfer (SO_LINGER 0; modes: see
                                        tcp_reset)
  ergtest.py httpd HOST PORT SECONDS    a small HTTP/1.1 server for the
                                        erg-get tests (chunked, close-
                                        delimited, cut short, stalled...)
  ergtest.py http-cases HOST PORT       raw HTTP requests at erg-echo's
                                        server, the answers checked

Every network wait has a timeout.  Exit status: 0 if every check passed,
1 if one failed, 2 on usage errors.  Only standard library modules.
"""

import hashlib
import os
import socket
import struct
import sys
import time

TIMEOUT = 3.0


def log(msg):
    print(msg, flush=True)


def udp_echo(host, port, sizes):
    fails = 0
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.connect((host, port))
    s.settimeout(TIMEOUT)
    for size in sizes:
        data = os.urandom(size)
        t0 = time.monotonic()
        s.send(data)
        try:
            back = s.recv(65536)
        except socket.timeout:
            log(f"FAIL udp echo {size} bytes: no reply within {TIMEOUT} s")
            fails += 1
            continue
        except OSError as e:
            log(f"FAIL udp echo {size} bytes: {e}")
            fails += 1
            continue
        ms = (time.monotonic() - t0) * 1000
        if back == data:
            log(f"ok udp echo {size} bytes: identical ({ms:.1f} ms)")
            continue
        fails += 1
        if len(back) != len(data):
            log(f"FAIL udp echo {size} bytes: got {len(back)} bytes back")
        else:
            first = next(i for i in range(size) if back[i] != data[i])
            log(f"FAIL udp echo {size} bytes: differ from byte {first}")
    s.close()
    return fails


def udp_refused(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, port))
    s.settimeout(TIMEOUT)
    s.send(b"is anybody there?")
    try:
        s.recv(65536)
    except ConnectionRefusedError:
        log(f"ok udp to closed port {port}: connection refused")
        return 0
    except socket.timeout:
        log(f"FAIL udp to closed port {port}: no error within {TIMEOUT} s")
        return 1
    except OSError as e:
        log(f"FAIL udp to closed port {port}: {e} (want connection refused)")
        return 1
    log(f"FAIL udp to closed port {port}: got a reply")
    return 1


def udp_discard(host, port, sizes):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, port))
    s.settimeout(1.0)
    for size in sizes:
        s.send(os.urandom(size))
    try:
        back = s.recv(65536)
    except socket.timeout:
        log(f"ok udp discard {sizes}: no reply, no error")
        return 0
    except OSError as e:
        log(f"FAIL udp discard: {e}")
        return 1
    log(f"FAIL udp discard: got {len(back)} bytes back")
    return 1


def pcap_read(path):
    """(linktype, [frame bytes]) of a classic pcap file."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 24:
        raise ValueError(f"{path}: too short for a pcap header")
    magic = raw[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise ValueError(f"{path}: not a classic pcap file (magic {magic.hex()})")
    linktype = struct.unpack(e + "I", raw[20:24])[0] & 0x0FFFFFFF
    frames = []
    off = 24
    while off < len(raw):
        if off + 16 > len(raw):
            raise ValueError(f"{path}: truncated record header at {off}")
        _, _, caplen, wirelen = struct.unpack(e + "IIII", raw[off:off + 16])
        off += 16
        if off + caplen > len(raw):
            raise ValueError(f"{path}: truncated frame at {off}")
        if caplen != wirelen:
            raise ValueError(f"{path}: frame {len(frames) + 1} cut by the snap length")
        frames.append(raw[off:off + caplen])
        off += caplen
    return linktype, frames


def describe(frame):
    """A short description of an Ethernet frame, for diffs."""
    if len(frame) < 14:
        return f"runt of {len(frame)} bytes"
    et = struct.unpack("!H", frame[12:14])[0]
    if et == 0x0806 and len(frame) >= 42:
        op = struct.unpack("!H", frame[20:22])[0]
        return f"ARP op {op} {socket.inet_ntoa(frame[28:32])} -> {socket.inet_ntoa(frame[38:42])}"
    if et == 0x0800 and len(frame) >= 34:
        ident, frag = struct.unpack("!HH", frame[18:22])
        proto = frame[23]
        return (f"IPv4 {socket.inet_ntoa(frame[26:30])} -> {socket.inet_ntoa(frame[30:34])}"
                f" proto {proto} id {ident:#06x} off {(frag & 0x1FFF) * 8}"
                f"{' MF' if frag & 0x2000 else ''} len {len(frame)}")
    return f"ethertype {et:#06x} len {len(frame)}"


def pcapcmp(a, b):
    _, fa = pcap_read(a)
    _, fb = pcap_read(b)
    fails = 0
    if not fa:
        log(f"FAIL {a} holds no frame: nothing to compare")
        return 1
    if len(fa) != len(fb):
        log(f"FAIL frame counts differ: {a} has {len(fa)}, {b} has {len(fb)}")
        fails += 1
    shown = 0
    for i, (x, y) in enumerate(zip(fa, fb)):
        if x == y:
            continue
        fails += 1
        if shown < 10:
            first = next((j for j in range(min(len(x), len(y))) if x[j] != y[j]),
                         min(len(x), len(y)))
            log(f"FAIL frame {i + 1} differs from byte {first}:")
            log(f"       {a}: {describe(x)}")
            log(f"       {b}: {describe(y)}")
        shown += 1
    for i in range(len(fb), len(fa)):
        if shown < 10:
            log(f"       only in {a}: frame {i + 1}: {describe(fa[i])}")
            shown += 1
    for i in range(len(fa), len(fb)):
        if shown < 10:
            log(f"       only in {b}: frame {i + 1}: {describe(fb[i])}")
            shown += 1
    if fails == 0:
        log(f"ok {len(fa)} frames identical byte for byte")
    return 1 if fails else 0


def mkpcap(kind, out):
    hdr = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    # One ARP request, 42 bytes.
    eth = (b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x06" +
           b"\x00\x01\x08\x00\x06\x04\x00\x01" + b"\x02\x00\x00\x00\x00\x01" +
           socket.inet_aton("198.18.0.1") + b"\x00" * 6 +
           socket.inet_aton("198.18.0.2"))
    with open(out, "wb") as f:
        if kind == "raw":
            # LINKTYPE_RAW (101): bare IPv4 packets, no Ethernet header.
            ip = bytes.fromhex("450000540001000040010000c6120001c6120002") + b"\0" * 64
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
            f.write(struct.pack("<IIII", 1, 0, len(ip), len(ip)) + ip)
        elif kind == "truncated":
            f.write(hdr)
            f.write(struct.pack("<IIII", 1, 0, len(eth), len(eth)) + eth)
            f.write(struct.pack("<IIII", 2, 0, 1000, 1000) + eth)
        elif kind == "garbage":
            f.write(b"this is not a capture file\n" * 10)
        elif kind == "empty":
            pass
        else:
            raise ValueError(f"unknown kind {kind}")
    return 0


# ---- erg's deterministic stream (tools/common/tool_bytes.h) ----------------

M64 = (1 << 64) - 1
PAGE_SALT = 0x6572672D62797465  # "erg-byte"
PAGE_WORDS = 512                # 8-byte words per 4 KiB page


def mix64(z):
    """splitmix64's finaliser of z + the golden gamma."""
    z = (z + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def stream_chunks(n, pages_per_chunk=256):
    """The first n bytes of the stream, in chunks of up to 1 MiB.

    word(b) = mix64(b % 512) ^ mix64(PAGE_SALT ^ (b // 512)), little-endian;
    a page is the fixed first term XORed with the second repeated 512 times,
    which big-integer arithmetic does at once.
    """
    base = int.from_bytes(b"".join(mix64(k).to_bytes(8, "little")
                                   for k in range(PAGE_WORDS)), "little")
    rep = int.from_bytes(b"\x01\x00\x00\x00\x00\x00\x00\x00" * PAGE_WORDS,
                         "little")
    page = 0
    done = 0
    while done < n:
        parts = []
        for _ in range(pages_per_chunk):
            pv = mix64(PAGE_SALT ^ page)
            parts.append((base ^ (pv * rep)).to_bytes(4096, "little"))
            page += 1
        chunk = b"".join(parts)
        if len(chunk) > n - done:
            chunk = chunk[:n - done]
        done += len(chunk)
        yield chunk


def stream_write(n):
    out = sys.stdout.buffer
    try:
        for chunk in stream_chunks(n):
            out.write(chunk)
        out.flush()
    except BrokenPipeError:
        return 1
    return 0


def stream_sha256(n):
    h = hashlib.sha256()
    for chunk in stream_chunks(n):
        h.update(chunk)
    return h.hexdigest()


# ---- TCP -----------------------------------------------------------------------


def tcp_reset(host, port, mode):
    """Resets a TCP connection to erg in the middle of something: close()
    with SO_LINGER 0 sends RST and drops whatever is queued.

      http        GET /bytes/1000000000, read 1 MB, reset
      http-stall  the same, but stop reading for 1 s first (erg's window
                  to us closes: zero-window probes) then reset
      echo-stall  send 4 MB to echo reading nothing (both directions fill
                  up), then reset
      discard     send 5 MB to discard, reset without closing
      early       reset right after the handshake, before any data
      chargen     read 100 KB of chargen, reset
    """
    s = socket.create_connection((host, port), timeout=10)
    s.settimeout(10)
    got = 0
    if mode in ("http", "http-stall"):
        s.sendall(b"GET /bytes/1000000000 HTTP/1.1\r\nHost: erg\r\n\r\n")
        want = 1 << 20
    elif mode == "chargen":
        want = 100000
    else:
        want = 0
    while got < want:
        data = s.recv(min(65536, want - got))
        if not data:
            log(f"FAIL tcp-reset {mode}: the stream ended after {got} bytes")
            s.close()
            return 1
        got += len(data)
    if mode == "http-stall":
        time.sleep(1.0)
    elif mode in ("echo-stall", "discard"):
        n = 4 << 20 if mode == "echo-stall" else 5 << 20
        s.setblocking(False)
        sent = 0
        t_end = time.monotonic() + (5 if mode == "discard" else 1.5)
        chunk = b"\xa5" * 65536
        while sent < n and time.monotonic() < t_end:
            try:
                sent += s.send(chunk[:n - sent])
            except BlockingIOError:
                time.sleep(0.01)
        if mode == "discard" and sent < n:
            log(f"FAIL tcp-reset discard: only {sent} of {n} bytes taken in 5 s")
            s.close()
            return 1
        got = sent
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    log(f"ok tcp-reset {mode}: {got} bytes through, then RST")
    return 0


# ---- HTTP against erg-echo -------------------------------------------------


class HttpConn:
    """A raw HTTP/1.1 client connection: send bytes, read responses."""

    def __init__(self, host, port, nodelay=False):
        self.s = socket.create_connection((host, port), timeout=TIMEOUT)
        self.s.settimeout(TIMEOUT)
        if nodelay:
            self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def _fill(self):
        data = self.s.recv(65536)
        if not data:
            raise EOFError("connection closed by erg")
        self.buf += data

    def response(self, head_request=False):
        """(status, {field: value}, body) of the next response."""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        version, status = lines[0].split(" ")[:2]
        if version != "HTTP/1.1":
            raise ValueError(f"status line {lines[0]!r}")
        fields = {}
        for line in lines[1:]:
            name, value = line.split(":", 1)
            fields[name.strip().lower()] = value.strip()
        n = 0 if head_request else int(fields["content-length"])
        while len(self.buf) < n:
            self._fill()
        body, self.buf = self.buf[:n], self.buf[n:]
        return int(status), fields, body

    def closed(self):
        """True if erg closes the connection with nothing more sent."""
        if self.buf:
            return False
        try:
            return self.s.recv(1) == b""
        except socket.timeout:
            return False

    def close(self):
        self.s.close()


def stream_bytes(n):
    return b"".join(stream_chunks(n))


def http_cases(host, port):
    """Requests a browser rarely sends, at erg-echo's HTTP server."""
    fails = 0

    def check(what, cond, detail=""):
        nonlocal fails
        if cond:
            log(f"ok http: {what}")
        else:
            log(f"FAIL http: {what} {detail}")
            fails += 1

    def one(what, request, status, closes, allow=None):
        c = HttpConn(host, port)
        try:
            c.send(request)
            st, f, _ = c.response()
            check(f"{what}: {st}", st == status, f"(want {status})")
            if allow is not None:
                check(f"{what}: Allow: {f.get('allow')}", f.get("allow") == allow)
            if closes:
                check(f"{what}: Connection: close, then closed",
                      f.get("connection") == "close" and c.closed())
        except (OSError, EOFError, ValueError, KeyError) as e:
            check(what, False, f"({e!r})")
        finally:
            c.close()

    h = b"Host: erg\r\n"
    # Pipelined requests, answered in order on one connection.
    c = HttpConn(host, port)
    try:
        c.send(b"GET /bytes/10 HTTP/1.1\r\n" + h + b"\r\n" +
               b"HEAD /bytes/20 HTTP/1.1\r\n" + h + b"\r\n" +
               b"GET /nope HTTP/1.1\r\n" + h + b"\r\n" +
               b"POST /bytes/3 HTTP/1.1\r\n" + h + b"Content-Length: 5\r\n\r\nhello" +
               b"")
        # (the POST is last but one: its 405 closes the connection)
        st, f, body = c.response()
        check("pipelined 1: GET /bytes/10", st == 200 and body == stream_bytes(10) and
              f.get("content-type") == "application/octet-stream")
        st, f, body = c.response(head_request=True)
        check("pipelined 2: HEAD /bytes/20: Content-Length 20, no body",
              st == 200 and f.get("content-length") == "20")
        st, f, body = c.response()
        check("pipelined 3: GET /nope: 404, connection kept", st == 404 and "connection" not in f)
        st, f, body = c.response()
        check("pipelined 4: POST: 405, Allow: GET, HEAD, then closed",
              st == 405 and f.get("allow") == "GET, HEAD" and c.closed())
    except (OSError, EOFError, ValueError, KeyError) as e:
        check("pipelined requests", False, f"({e!r})")
    c.close()

    # A request body is read and skipped; the next request is answered.
    c = HttpConn(host, port)
    try:
        c.send(b"GET /bytes/4 HTTP/1.1\r\n" + h + b"Content-Length: 6\r\n\r\nabcdef" +
               b"\r\nGET /bytes/7?q=1 HTTP/1.1\r\n" + h + b"Connection: close\r\n\r\n")
        st, f, body = c.response()
        check("request with a body: 200, 4 bytes", st == 200 and body == stream_bytes(4))
        st, f, body = c.response()
        check("after an empty line, with a query: 200, 7 bytes, then closed",
              st == 200 and body == stream_bytes(7) and f.get("connection") == "close" and c.closed())
    except (OSError, EOFError, ValueError, KeyError) as e:
        check("request with a body", False, f"({e!r})")
    c.close()

    # HTTP/1.0: closed after the response unless keep-alive is asked.
    c = HttpConn(host, port)
    try:
        c.send(b"GET /bytes/3 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        st, f, body = c.response()
        check("HTTP/1.0 keep-alive: Connection: keep-alive",
              st == 200 and f.get("connection") == "keep-alive" and body == stream_bytes(3))
        c.send(b"GET / HTTP/1.0\r\n\r\n")
        st, f, body = c.response()
        check("HTTP/1.0 again on the same connection: text/html, then closed",
              st == 200 and f.get("content-type") == "text/html" and
              b"erg-echo" in body and c.closed())
    except (OSError, EOFError, ValueError, KeyError) as e:
        check("HTTP/1.0", False, f"({e!r})")
    c.close()

    # A head in many small segments (gathered across packets).
    c = HttpConn(host, port, nodelay=True)
    try:
        req = b"GET http://198.18.0.2/bytes/5 HTTP/1.1\r\n" + h + b"X-Pad: " + b"p" * 300 + b"\r\n\r\n"
        for i in range(0, len(req), 7):
            c.send(req[i:i + 7])
            time.sleep(0.002)
        st, f, body = c.response()
        check("absolute-form target sent 7 bytes a segment: 200, 5 bytes",
              st == 200 and body == stream_bytes(5))
    except (OSError, EOFError, ValueError, KeyError) as e:
        check("head in small segments", False, f"({e!r})")
    c.close()

    one("no Host in HTTP/1.1", b"GET / HTTP/1.1\r\n\r\n", 400, True)
    one("two Host fields", b"GET / HTTP/1.1\r\n" + h + h + b"\r\n", 400, True)
    one("garbage request line", b"GARBAGE\r\n\r\n", 400, True)
    one("space before a colon", b"GET / HTTP/1.1\r\nHost : erg\r\n\r\n", 400, True)
    one("obsolete line folding", b"GET / HTTP/1.1\r\n" + h + b"X: a\r\n b\r\n\r\n", 400, True)
    one("bare CR", b"GET / HTTP/1.1\r\n" + h + b"X: a\rb\r\n\r\n", 400, True)
    one("conflicting Content-Length", b"GET / HTTP/1.1\r\n" + h +
        b"Content-Length: 1\r\nContent-Length: 2\r\n\r\n", 400, True)
    one("lowercase version", b"GET / http/1.1\r\n" + h + b"\r\n", 400, True)
    one("HTTP/2.0", b"GET / HTTP/2.0\r\n" + h + b"\r\n", 505, True)
    one("Transfer-Encoding in a request", b"GET / HTTP/1.1\r\n" + h +
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501, True)
    one("DELETE", b"DELETE / HTTP/1.1\r\n" + h + b"\r\n", 405, True, allow="GET, HEAD")
    one("a 9000-byte head", b"GET / HTTP/1.1\r\n" + h + b"X-Big: " + b"x" * 9000 +
        b"\r\n\r\n", 431, True)
    one("/bytes/ over 2^40", b"GET /bytes/1099511627777 HTTP/1.1\r\n" + h + b"\r\n", 404, False)
    one("/bytes/abc", b"GET /bytes/abc HTTP/1.1\r\n" + h + b"\r\n", 404, False)

    # HEAD of the largest size: the head only.
    c = HttpConn(host, port)
    try:
        c.send(b"HEAD /bytes/1099511627776 HTTP/1.1\r\n" + h + b"Connection: close\r\n\r\n")
        st, f, body = c.response(head_request=True)
        check("HEAD /bytes/2^40: Content-Length 1099511627776, no body, closed",
              st == 200 and f.get("content-length") == "1099511627776" and c.closed())
    except (OSError, EOFError, ValueError, KeyError) as e:
        check("HEAD /bytes/2^40", False, f"({e!r})")
    c.close()
    return 1 if fails else 0


# ---- an HTTP server for erg-get -----------------------------------------------


def httpd(host, port, lifetime):
    """Serves, for lifetime seconds at most:
      /bytes/N      N bytes of the stream, Content-Length (keep-alive)
      /chunked/N    the same, chunked, in chunks of 1 byte to 64 KiB, with
                    extensions and a trailer
      /close/N      the same, no length: the body ends with the connection
      /interim/N    a 100 Continue first, then /bytes/N
      /short/N      Content-Length N, N / 2 bytes, then the connection closes
      /badchunk     a chunk size that is not hexadecimal
      /stall        never answers (until lifetime)
      /status/CODE  that status, a short text body
    """
    import http.server
    import threading

    sizes = [1, 7, 1000, 4096, 65536, 3, 1448, 20000]

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def head(self, status, fields):
            self.send_response(status)
            for k, v in fields:
                self.send_header(k, v)
            self.end_headers()

        def do_GET(self):
            parts = self.path.split("/")
            kind = parts[1] if len(parts) > 1 else ""
            arg = parts[2] if len(parts) > 2 else ""
            try:
                if kind == "bytes":
                    n = int(arg)
                    self.head(200, [("Content-Type", "application/octet-stream"),
                                    ("Content-Length", str(n))])
                    for chunk in stream_chunks(n):
                        self.wfile.write(chunk)
                elif kind == "interim":
                    n = int(arg)
                    self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                    self.head(200, [("Content-Length", str(n))])
                    for chunk in stream_chunks(n):
                        self.wfile.write(chunk)
                elif kind == "chunked":
                    n = int(arg)
                    self.head(200, [("Transfer-Encoding", "chunked")])
                    data = stream_bytes(n)
                    off = 0
                    i = 0
                    while off < n:
                        k = min(sizes[i % len(sizes)], n - off)
                        ext = ";erg=1" if i % 3 == 0 else ""
                        self.wfile.write(b"%x%s\r\n" % (k, ext.encode()) +
                                         data[off:off + k] + b"\r\n")
                        off += k
                        i += 1
                    self.wfile.write(b"0\r\nX-Trailer: yes\r\n\r\n")
                elif kind == "close":
                    n = int(arg)
                    self.close_connection = True
                    self.head(200, [("Connection", "close")])
                    for chunk in stream_chunks(n):
                        self.wfile.write(chunk)
                elif kind == "short":
                    n = int(arg)
                    self.close_connection = True
                    self.head(200, [("Content-Length", str(n))])
                    self.wfile.write(stream_bytes(n // 2))
                elif kind == "badchunk":
                    self.close_connection = True
                    self.head(200, [("Transfer-Encoding", "chunked")])
                    self.wfile.write(b"5\r\nhello\r\nzz\r\n")
                elif kind == "stall":
                    time.sleep(lifetime)
                elif kind == "status":
                    body = b"status " + arg.encode() + b"\n"
                    self.head(int(arg), [("Content-Length", str(len(body)))])
                    self.wfile.write(body)
                else:
                    self.head(404, [("Content-Length", "0")])
            except (ValueError, OSError):
                self.close_connection = True

    server = http.server.ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    log(f"httpd listening on {host}:{port} for {lifetime} s")
    time.sleep(lifetime)
    server.shutdown()
    return 0


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[1], argv[2:]
    try:
        if cmd == "echo" and len(args) >= 3:
            return 1 if udp_echo(args[0], int(args[1]), [int(x) for x in args[2:]]) else 0
        if cmd == "refused" and len(args) == 2:
            return udp_refused(args[0], int(args[1]))
        if cmd == "discard" and len(args) >= 3:
            return udp_discard(args[0], int(args[1]), [int(x) for x in args[2:]])
        if cmd == "pcapcmp" and len(args) == 2:
            return pcapcmp(args[0], args[1])
        if cmd == "pcapinfo" and len(args) == 1:
            lt, frames = pcap_read(args[0])
            log(f"linktype {lt} frames {len(frames)}")
            return 0
        if cmd == "mkpcap" and len(args) == 2:
            return mkpcap(args[0], args[1])
        if cmd == "httpd" and len(args) == 3:
            return httpd(args[0], int(args[1]), float(args[2]))
        if cmd == "http-cases" and len(args) == 2:
            return http_cases(args[0], int(args[1]))
        if cmd == "bytes" and len(args) == 1:
            return stream_write(int(args[0]))
        if cmd == "bytes-sha256" and len(args) == 1:
            print(stream_sha256(int(args[0])))
            return 0
        if cmd == "tcp-reset" and len(args) == 3:
            return tcp_reset(args[0], int(args[1]), args[2])
    except (OSError, ValueError) as e:
        log(f"FAIL {cmd}: {e}")
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
