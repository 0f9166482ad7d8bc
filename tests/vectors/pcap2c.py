#!/usr/bin/env python3
"""pcap2c.py - turn frames of linux.pcap (made by capture.sh) into C arrays.

Usage: python3 pcap2c.py [linux.pcap [frames.h]]

Python standard library only; the classic pcap format is parsed by hand.
Frames are picked by their content (protocol, addresses, ports, fragment
offsets), not by position, so a new capture from capture.sh still works.
If tshark is installed, its one-line summary of each frame (with IP
reassembly off, so a fragment is described as the fragment it is) goes into
the comment in front of the array.
"""

import os
import shutil
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

IP_A = bytes([198, 18, 0, 1])
IP_B = bytes([198, 18, 0, 2])
UDP_SMALL_DPORT = 7      # closed port in ergcap-b
UDP_BIG_DPORT = 9000     # open port in ergcap-b
PING_SMALL = 56          # ICMP echo payload sizes used by capture.sh
PING_BIG = 4000
UDP_BIG_LEN = 2900


class Frame:
    def __init__(self, num, data):
        self.num = num          # 1-based, same numbering as tshark/wireshark
        self.data = data
        self.ethertype = struct.unpack("!H", data[12:14])[0] if len(data) >= 14 else None
        self.arp = None
        self.ip = None
        if self.ethertype == 0x0806 and len(data) >= 42:
            op = struct.unpack("!H", data[20:22])[0]
            self.arp = {"op": op, "sha": data[22:28], "spa": data[28:32],
                        "tha": data[32:38], "tpa": data[38:42]}
        elif self.ethertype == 0x0800 and len(data) >= 34:
            ihl = (data[14] & 0x0F) * 4
            total, ident, frag = struct.unpack("!HHH", data[16:22])
            ip = {"ihl": ihl, "total": total, "id": ident,
                  "mf": bool(frag & 0x2000), "df": bool(frag & 0x4000),
                  "off": (frag & 0x1FFF) * 8, "proto": data[23],
                  "src": data[26:30], "dst": data[30:34]}
            ip["payload"] = data[14 + ihl:14 + total]
            ip["fragmented"] = ip["mf"] or ip["off"] != 0
            self.ip = ip


def read_pcap(path):
    with open(path, "rb") as f:
        buf = f.read()
    if len(buf) < 24:
        sys.exit("%s: too short for a pcap file" % path)
    magic = buf[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        sys.exit("%s: not a classic pcap file (pcapng is not supported)" % path)
    _vmaj, _vmin, _zone, _sig, _snap, linktype = struct.unpack(end + "HHiIII", buf[4:24])
    if linktype != 1:
        sys.exit("%s: link type %d, expected 1 (Ethernet)" % (path, linktype))
    frames = []
    pos = 24
    while pos + 16 <= len(buf):
        _sec, _frac, incl, orig = struct.unpack(end + "IIII", buf[pos:pos + 16])
        pos += 16
        data = buf[pos:pos + incl]
        if len(data) != incl:
            sys.exit("%s: truncated record" % path)
        if incl != orig:
            sys.exit("%s: frame %d was cut by snaplen" % (path, len(frames) + 1))
        pos += incl
        frames.append(Frame(len(frames) + 1, data))
    return frames


def tshark_summaries(path, prefs=("ip.defragment:FALSE",)):
    """frame number -> tshark one-line summary (empty dict without tshark).

    prefs are tshark preferences (-o) for the summary, by default IP
    reassembly off, so that a fragment is described as the fragment it is.
    """
    if not shutil.which("tshark"):
        return {}
    opts = []
    for p in prefs:
        opts += ["-o", p]
    try:
        out = subprocess.run(
            ["tshark", "-n", "-r", path] + opts +
            ["-T", "fields", "-E", "separator=|",
             "-e", "frame.number", "-e", "_ws.col.Protocol", "-e", "_ws.col.Info"],
            capture_output=True, text=True, timeout=60, check=True).stdout
    except (subprocess.SubprocessError, OSError):
        return {}
    res = {}
    for line in out.splitlines():
        parts = line.split("|", 2)
        if len(parts) == 3 and parts[0].isdigit():
            res[int(parts[0])] = "%s: %s" % (parts[1], parts[2])
    return res


def pick_one(frames, what, pred):
    hits = [f for f in frames if pred(f)]
    if not hits:
        sys.exit("pcap2c.py: no frame found for %s" % what)
    return hits[0]


def icmp_hdr(f):
    p = f.ip["payload"]
    return p[0], p[1]


def fragment_train(frames, what, first_pred):
    """All fragments (ordered by offset) of the first fragmented datagram
    whose offset-0 fragment satisfies first_pred."""
    first = pick_one(frames, what, lambda f: f.ip and f.ip["fragmented"]
                     and f.ip["off"] == 0 and first_pred(f))
    key = (first.ip["src"], first.ip["dst"], first.ip["id"], first.ip["proto"])
    train = [f for f in frames if f.ip and f.ip["fragmented"] and
             (f.ip["src"], f.ip["dst"], f.ip["id"], f.ip["proto"]) == key]
    train.sort(key=lambda f: f.ip["off"])
    if train[-1].ip["mf"]:
        sys.exit("pcap2c.py: %s: last fragment missing" % what)
    expect = 0
    for f in train:  # must be contiguous, no duplicates
        if f.ip["off"] != expect:
            sys.exit("pcap2c.py: %s: gap/overlap at offset %d" % (what, expect))
        expect += len(f.ip["payload"])
    return train, expect


def frag_names(prefix, train):
    n = len(train)
    if n == 1:
        sys.exit("pcap2c.py: %s: only one fragment" % prefix)
    names = []
    ordinals = ["second", "third", "fourth", "fifth"]
    for i in range(n):
        if i == 0:
            names.append(prefix + "_first")
        elif i == n - 1:
            names.append(prefix + "_last")
        else:
            names.append(prefix + "_" + (ordinals[i - 1] if i - 1 < len(ordinals) else "mid%d" % i))
    return names


def select(frames):
    """Return a list of (name, frame, description)."""
    out = []
    A, B = IP_A, IP_B

    f = pick_one(frames, "gratuitous ARP", lambda f: f.arp and f.arp["spa"] == A
                 and f.arp["tpa"] == A and f.data[0:6] == b"\xff" * 6)
    out.append(("arp_gratuitous", f,
                "Gratuitous ARP (announcement) of 198.18.0.1 by 02:00:00:00:00:01, "
                "sent by the kernel on link up (arp_notify=1)"))

    f = pick_one(frames, "ARP request", lambda f: f.arp and f.arp["op"] == 1
                 and f.arp["spa"] == A and f.arp["tpa"] == B)
    out.append(("arp_request", f,
                "ARP request (broadcast): who has 198.18.0.2? tell 198.18.0.1"))

    f = pick_one(frames, "ARP reply", lambda f: f.arp and f.arp["op"] == 2
                 and f.arp["spa"] == B and f.arp["tpa"] == A)
    out.append(("arp_reply", f,
                "ARP reply (unicast): 198.18.0.2 is at 02:00:00:00:00:02"))

    def is_icmp(f, src, typ):
        return (f.ip and not f.ip["fragmented"] and f.ip["proto"] == 1
                and f.ip["src"] == src and icmp_hdr(f)[0] == typ)

    req = pick_one(frames, "ICMP echo request", lambda f: is_icmp(f, A, 8)
                   and len(f.ip["payload"]) == 8 + PING_SMALL)
    out.append(("icmp_echo_request", req,
                "ICMP echo request 198.18.0.1 -> 198.18.0.2, %d-byte payload "
                "(ping -s %d; 16-byte timeval then 0x10, 0x11, ...)" % (PING_SMALL, PING_SMALL)))
    ident_seq = req.ip["payload"][4:8]
    f = pick_one(frames, "ICMP echo reply", lambda f: is_icmp(f, B, 0)
                 and f.ip["payload"][4:8] == ident_seq)
    out.append(("icmp_echo_reply", f,
                "ICMP echo reply 198.18.0.2 -> 198.18.0.1 to icmp_echo_request"))

    train, total = fragment_train(
        frames, "fragmented ICMP echo request",
        lambda f: f.ip["proto"] == 1 and f.ip["src"] == A and f.ip["payload"][0] == 8)
    if total != 8 + PING_BIG:
        sys.exit("pcap2c.py: big ping reassembles to %d bytes, expected %d" % (total, 8 + PING_BIG))
    names = frag_names("icmp_frag", train)
    for i, (name, f) in enumerate(zip(names, train)):
        out.append((name, f,
                    "Fragment %d/%d of an ICMP echo request with %d-byte payload "
                    "(ping -s %d), IP id 0x%04x, offset %d, %d data bytes, MF=%d"
                    % (i + 1, len(train), PING_BIG, PING_BIG, f.ip["id"], f.ip["off"],
                       len(f.ip["payload"]), int(f.ip["mf"]))))

    def udp_ports(f):
        return struct.unpack("!HH", f.ip["payload"][0:4])

    small = pick_one(frames, "small UDP datagram", lambda f: f.ip and not f.ip["fragmented"]
                     and f.ip["proto"] == 17 and f.ip["src"] == A
                     and udp_ports(f)[1] == UDP_SMALL_DPORT)
    sport, dport = udp_ports(small)
    out.append(("udp_small", small,
                "UDP 198.18.0.1:%d -> 198.18.0.2:%d, payload \"hello\\n\" (6 bytes); "
                "port is closed in the receiver" % (sport, dport)))

    def is_unreach(f):
        if not (f.ip and not f.ip["fragmented"] and f.ip["proto"] == 1
                and f.ip["src"] == B and icmp_hdr(f) == (3, 3)):
            return False
        quoted = f.ip["payload"][8:]
        qihl = (quoted[0] & 0x0F) * 4
        return quoted[9] == 17 and quoted[qihl:qihl + 4] == small.ip["payload"][0:4]

    f = pick_one(frames, "ICMP port unreachable", is_unreach)
    out.append(("icmp_port_unreach", f,
                "ICMP destination unreachable / port unreachable 198.18.0.2 -> 198.18.0.1, "
                "quoting the IP header + whole udp_small datagram"))

    train, total = fragment_train(
        frames, "fragmented UDP datagram",
        lambda f: f.ip["proto"] == 17 and f.ip["src"] == A and udp_ports(f)[1] == UDP_BIG_DPORT)
    if total != 8 + UDP_BIG_LEN:
        sys.exit("pcap2c.py: big UDP reassembles to %d bytes, expected %d" % (total, 8 + UDP_BIG_LEN))
    names = frag_names("udp_frag", train)
    for i, (name, f) in enumerate(zip(names, train)):
        out.append((name, f,
                    "Fragment %d/%d of a UDP datagram 198.18.0.1 -> 198.18.0.2:%d with "
                    "%d-byte payload, IP id 0x%04x, offset %d, %d data bytes, MF=%d"
                    % (i + 1, len(train), UDP_BIG_DPORT, UDP_BIG_LEN, f.ip["id"], f.ip["off"],
                       len(f.ip["payload"]), int(f.ip["mf"]))))
    return out


def c_comment_text(s):
    s = s.replace("\u2192", "->").replace("*/", "* /")
    return s.encode("ascii", "replace").decode("ascii")


def emit(path_in, path_out, picks, summaries):
    lines = []
    w = lines.append
    w("/* frames.h - real Ethernet frames captured from the Linux network stack.")
    w(" *")
    w(" * GENERATED by tests/vectors/pcap2c.py from tests/vectors/%s," % os.path.basename(path_in))
    w(" * which tests/vectors/capture.sh recorded with tcpdump on veth-b (ergcap-b).")
    w(" * Do not edit; see tests/vectors/README.md to regenerate.")
    w(" *")
    w(" * Hosts: A = 02:00:00:00:00:01 / 198.18.0.1, B = 02:00:00:00:00:02 / 198.18.0.2,")
    w(" * MTU 1500, checksum offloads off (all checksums are real).")
    w(" * Each array is a complete Ethernet II frame: destination MAC first, no FCS.")
    w(" * veth does not pad, so frames shorter than 60 bytes (ARP: 42) are unpadded.")
    w(" * Use sizeof(frame_<name>) for the length.")
    w(" */")
    w("#ifndef ERG_TESTS_VECTORS_FRAMES_H")
    w("#define ERG_TESTS_VECTORS_FRAMES_H")
    w("")
    w("#include <stdint.h>")
    w("")
    w("#if defined(__GNUC__) || defined(__clang__)")
    w("#define ERG_VECTOR_UNUSED __attribute__((unused))")
    w("#else")
    w("#define ERG_VECTOR_UNUSED")
    w("#endif")
    for name, f, desc in picks:
        w("")
        w("/* %s" % c_comment_text(desc))
        w(" * Source: capture.sh -> %s frame %d (%d bytes)"
          % (os.path.basename(path_in), f.num, len(f.data)))
        if f.num in summaries:
            w(" * tshark: %s" % c_comment_text(summaries[f.num]))
        w(" */")
        w("static const uint8_t frame_%s[%d] ERG_VECTOR_UNUSED = {" % (name, len(f.data)))
        for i in range(0, len(f.data), 12):
            chunk = f.data[i:i + 12]
            w("\t" + ", ".join("0x%02x" % b for b in chunk) + ",")
        w("};")
    w("")
    w("#endif /* ERG_TESTS_VECTORS_FRAMES_H */")
    with open(path_out, "w", encoding="ascii", newline="\n") as fh:
        fh.write("\n".join(lines) + "\n")


def main(argv):
    path_in = argv[1] if len(argv) > 1 else os.path.join(HERE, "linux.pcap")
    path_out = argv[2] if len(argv) > 2 else os.path.join(HERE, "frames.h")
    frames = read_pcap(path_in)
    picks = select(frames)
    emit(path_in, path_out, picks, tshark_summaries(path_in))
    for name, f, _ in picks:
        print("frame_%-20s %5d bytes  (pcap frame %d)" % (name, len(f.data), f.num))
    print("wrote %s" % path_out)


if __name__ == "__main__":
    main(sys.argv)
