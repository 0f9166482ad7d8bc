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

Every network wait has a timeout.  Exit status: 0 if every check passed,
1 if one failed, 2 on usage errors.  Only standard library modules.
"""

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
    except (OSError, ValueError) as e:
        log(f"FAIL {cmd}: {e}")
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
