#!/usr/bin/env python3
"""gen_vectors.py - turn dhcp.pcap (made by capture.sh) into dhcp_vectors.h.

Usage: python3 gen_vectors.py [dhcp.pcap [dhcp_vectors.h]]
       python3 gen_vectors.py --seeds [dhcp.pcap]   (fuzz corpora)

Standard library only; the classic pcap format is parsed by hand. Each
DHCP message (the UDP payload) becomes a C array, named by its exchange
(the xids client.py uses, or udhcpc's) and type, and an entry of
dhcp_vectors[] with the fields this script decodes on its own (options,
file and sname per option 52), so that the C parser is checked against
an independent reading. If tshark is installed its one-line summary of
each frame goes into the comment.
"""

import os
import shutil
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TYPES = {1: "discover", 2: "offer", 3: "request", 4: "decline", 5: "ack",
         6: "nak", 7: "release", 8: "inform"}
# The xids client.py uses (capture.sh); anything else is udhcpc's.
XIDS = {0x4e414b01: "reboot", 0x52454e01: "renew_dora",
        0x52454e02: "renewing", 0x52454e03: "renewing",
        0x4f564c01: "overload"}


def pcap_frames(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl


def dhcp_payload(fr):
    if len(fr) < 14 or struct.unpack("!H", fr[12:14])[0] != 0x0800:
        return None
    ip = fr[14:]
    ihl = (ip[0] & 15) * 4
    if ip[9] != 17:
        return None
    udp = ip[ihl:]
    sport, dport, ulen = struct.unpack("!HHH", udp[:6])
    if {sport, dport} != {67, 68}:
        return None
    return udp[8:ulen], ip[12:16], ip[16:20], sport


def walk(field, out, in_options):
    i = 0
    while i < len(field):
        c = field[i]
        if c == 0:
            i += 1
            continue
        if c == 255:
            return
        ln = field[i + 1]
        v = field[i + 2:i + 2 + ln]
        assert len(v) == ln, "option past its field"
        if c in (3, 6):
            out.setdefault(c, b"")
            out[c] += v
        else:
            assert c not in out, "duplicate option %d" % c
            assert c != 52 or in_options
            out[c] = v
        i += 2 + ln
    raise AssertionError("no END")


def decode(m):
    opts = {}
    walk(m[240:], opts, True)
    ovl = opts.get(52, b"\0")[0]
    if ovl & 1:
        walk(m[108:236], opts, False)
    if ovl & 2:
        walk(m[44:108], opts, False)
    be32 = lambda b: struct.unpack("!I", b)[0]
    d = {
        "op": m[0], "xid": be32(m[4:8]), "secs": struct.unpack("!H", m[8:10])[0],
        "flags": struct.unpack("!H", m[10:12])[0], "ciaddr": be32(m[12:16]),
        "yiaddr": be32(m[16:20]), "siaddr": be32(m[20:24]),
        "type": opts.get(53, b"\0")[0], "overload": ovl,
        "server_id": be32(opts[54]) if 54 in opts else 0,
        "requested": be32(opts[50]) if 50 in opts else 0,
        "mask": be32(opts[1]) if 1 in opts else None,
        "lease": be32(opts[51]) if 51 in opts else None,
        "t1": be32(opts[58]) if 58 in opts else None,
        "t2": be32(opts[59]) if 59 in opts else None,
        "mtu": struct.unpack("!H", opts[26])[0] if 26 in opts else None,
        "max_size": struct.unpack("!H", opts[57])[0] if 57 in opts else 0,
        "router": be32(opts[3][:4]) if 3 in opts else None,
        "dns": [be32(opts[6][i:i + 4]) for i in range(0, len(opts.get(6, b"")), 4)][:3],
    }
    return d


def tshark_lines(path):
    if shutil.which("tshark") is None:
        return {}
    out = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e",
                          "frame.number", "-e", "_ws.col.Info"],
                         capture_output=True, text=True).stdout
    res = {}
    for line in out.splitlines():
        n, _, info = line.partition("\t")
        res[int(n)] = info.strip()
    return res


def carray(name, b):
    lines = []
    for i in range(0, len(b), 12):
        lines.append("\t" + " ".join("0x%02x," % x for x in b[i:i + 12]))
    return ("static const uint8_t %s[%d] ERG_VECTOR_UNUSED = {\n%s\n};\n"
            % (name, len(b), "\n".join(lines)))


def opt_or(v, fmt="%u"):
    return ("true, " + fmt % v) if v is not None else "false, 0"


def collect(pcap):
    """Every DHCP message of the capture, retransmissions left out."""
    msgs, seen = [], {}
    for num, fr in enumerate(pcap_frames(pcap), 1):
        p = dhcp_payload(fr)
        if p is None:
            continue
        m, src, dst, sport = p
        d = decode(m)
        ex = XIDS.get(d["xid"], "udhcpc")
        name = "dhcpv_%s_%s" % (ex, TYPES.get(d["type"], "bootp"))
        if dst != b"\xff\xff\xff\xff" and ex in ("renewing",) and d["type"] in (3, 5):
            name += "_unicast"
        if name in seen:  # a retransmission: keep the first
            continue
        seen[name] = True
        msgs.append((name, num, m, d, src, dst))
    return msgs


def put_seed(d, name, b):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(b)


def opt_end(m):
    """Offset of the END option of m's options field."""
    i = 240
    while m[i] != 255:
        i += 1 if m[i] == 0 else 2 + m[i + 1]
    return i


def opts_seeds(d, msgs):
    """fuzz/corpus/dhcp_opts: the real messages and class-13 variants."""
    for name, _, m, _, _, _ in msgs:
        put_seed(d, "real-" + name[len("dhcpv_"):], m)
    ack = next(m for n, _, m, _, _, _ in msgs if n == "dhcpv_renew_dora_ack")
    ovl = next(m for n, _, m, _, _, _ in msgs if n == "dhcpv_overload_ack")
    e = opt_end(ack)
    body = ack[240:e]
    fixed = ack[:240]
    v = {
        "no-end": fixed + body,
        "len-past-end": fixed + body + bytes([6, 200, 1, 2, 3, 4]),
        "len-byte-missing": fixed + body + bytes([6]),
        "pad-run": fixed + bytes(300) + body + bytes(50) + b"\xff",
        "pads-only": fixed + bytes(100),
        "unknown-skipped": fixed + bytes([200, 5, 54, 4, 1, 1, 1]) + body + b"\xff",
        "dup-fixed": fixed + body + bytes([51, 4, 0, 0, 0, 1, 255]),
        "dup-list": fixed + body + bytes([6, 4, 9, 9, 9, 9, 3, 4, 8, 8, 8, 8, 255]),
        "list-not-mult4": fixed + body + bytes([6, 5, 1, 2, 3, 4, 5, 255]),
        "list-empty": fixed + body + bytes([3, 0, 255]),
        "fixed-wrong-len": fixed + bytes([53, 2, 5, 5]) + body[3:] + b"\xff",
        "type-zero": fixed + bytes([53, 1, 0]) + body[3:] + b"\xff",
        "type-nine": fixed + bytes([53, 1, 9]) + body[3:] + b"\xff",
        "bad-cookie": ack[:236] + b"\x63\x82\x53\x64" + ack[240:],
        "bad-htype": ack[:1] + b"\x06" + ack[2:],
        "bad-hlen": ack[:2] + b"\x10" + ack[3:],
        "bad-op": b"\x03" + ack[1:],
        "short": ack[:239],
    }
    for k, ov in (("overload-0", 0), ("overload-4", 4), ("overload-2", 2),
                  ("overload-3", 3)):
        m = bytearray(ovl)
        i = 240
        while m[i] != 52:
            i += 1 if m[i] == 0 else 2 + m[i + 1]
        m[i + 2] = ov
        v[k] = bytes(m)
    m = bytearray(ovl)
    m[108:236] = bytes(128)
    v["overload-file-no-end"] = bytes(m)
    m = bytearray(ovl)
    m[108:112] = bytes([52, 1, 1, 255])
    v["overload-in-file"] = bytes(m)
    m = bytearray(ovl)
    m[108:111] = bytes([43, 130, 0])
    v["overload-file-len-past"] = bytes(m)
    for k, b in v.items():
        put_seed(d, "class13-" + k, b)


def rec(op, payload=b"", length=None):
    n = len(payload) if length is None else length
    return bytes([op]) + struct.pack("!H", n) + payload


def client_seeds(d, msgs):
    """fuzz/corpus/dhcp_client: scripts of fuzz_dhcp_client.c records."""
    m = {n[len("dhcpv_"):]: b for n, _, b, _, _, _ in msgs}
    K_MSG, K_JUMP, K_GOOD, K_START, K_RAW = 0, 1, 2, 3, 4
    F_KEEP_XID, F_UNICAST, F_BAD_PORT = 0x08, 0x20, 0x40
    lease100 = struct.pack("!I", 100)
    seeds = {
        "real-dora-renew-expire": rec(K_MSG, m["renew_dora_offer"])
        + rec(K_MSG, m["renew_dora_ack"]) + rec(K_JUMP, length=1801)
        + rec(K_MSG | F_UNICAST, m["renewing_ack_unicast"])
        + rec(K_JUMP, length=3200) + rec(K_JUMP, length=200)
        + rec(K_JUMP, length=400),
        "real-udhcpc": rec(K_MSG, m["udhcpc_offer"]) + rec(K_MSG, m["udhcpc_ack"])
        + rec(K_START),
        "real-overload": rec(K_MSG, m["overload_offer"])
        + rec(K_MSG, m["overload_ack"]) + rec(K_JUMP, length=4000),
        "real-nak": rec(K_MSG, m["renew_dora_offer"]) + rec(K_MSG, m["reboot_nak"])
        + rec(K_JUMP, length=3) + rec(K_GOOD) + rec(K_GOOD),
        "good-renew-rebind": rec(K_GOOD, lease100) + rec(K_GOOD, lease100)
        + rec(K_JUMP, length=50) + rec(K_GOOD, lease100) + rec(K_JUMP, length=88)
        + rec(K_GOOD, lease100) + rec(K_JUMP, length=120),
        "good-reboot": rec(K_START) + rec(K_START | F_KEEP_XID)
        + rec(K_GOOD, lease100 + struct.pack("!IIIH", 20, 30, 0xc6120001, 1280))
        + rec(K_JUMP, length=25) + rec(K_GOOD | F_KEEP_XID),
        "good-reboot-silent": rec(K_START) + rec(K_START | F_KEEP_XID)
        + rec(K_JUMP, length=4) + rec(K_JUMP, length=8) + rec(K_JUMP, length=16)
        + rec(K_JUMP, length=32) + rec(K_GOOD),
        "good-infinite": rec(K_GOOD, b"\xff\xff\xff\xff")
        + rec(K_GOOD, b"\xff\xff\xff\xff") + rec(K_JUMP, length=65535),
        "spoofs": rec(K_MSG | F_KEEP_XID, m["renew_dora_offer"])
        + rec(K_MSG | F_BAD_PORT, m["renew_dora_offer"])
        + rec(K_MSG, m["renew_dora_request"]) + rec(K_MSG, m["reboot_nak"])
        + rec(K_GOOD) + rec(K_MSG, m["renew_dora_offer"]) + rec(K_GOOD),
        "bad-lease": rec(K_GOOD) + rec(K_GOOD, lease100 + struct.pack("!III", 90, 10, 0x0a000001))
        + rec(K_GOOD, b"\0\0\0\0") + rec(K_JUMP, length=5),
        "retransmit": rec(K_JUMP, length=5) + rec(K_JUMP, length=9)
        + rec(K_JUMP, length=17) + rec(K_JUMP, length=65535),
    }
    for k, b in seeds.items():
        put_seed(d, "seq-" + k, b)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--seeds":
        pcap = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "dhcp.pcap")
        msgs = collect(pcap)
        root = os.path.join(HERE, "..", "..", "..", "fuzz", "corpus")
        opts_seeds(os.path.join(root, "dhcp_opts"), msgs)
        client_seeds(os.path.join(root, "dhcp_client"), msgs)
        print("gen_vectors.py: seeds written under %s" % os.path.normpath(root))
        return
    pcap = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "dhcp.pcap")
    outp = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "dhcp_vectors.h")
    info = tshark_lines(pcap)
    msgs = collect(pcap)
    out = ["/* dhcp_vectors.h - real DHCP messages between dnsmasq and Linux clients.",
           " *",
           " * GENERATED by tests/vectors/dhcp/gen_vectors.py from",
           " * tests/vectors/dhcp/dhcp.pcap, which capture.sh recorded with tcpdump",
           " * next to dnsmasq " "(ergv2-dsrv). Do not edit; see README.md.",
           " *",
           " * Server 02:00:00:00:00:01 / 198.18.0.1 (dnsmasq 2.90), client",
           " * 02:00:00:00:00:02 (busybox udhcpc 1.35, and client.py). Each array is",
           " * a UDP payload (the DHCP message); dhcp_vectors[] lists them with the",
           " * fields gen_vectors.py decoded by itself.",
           " */",
           "#ifndef ERG_TESTS_DHCP_VECTORS_H",
           "#define ERG_TESTS_DHCP_VECTORS_H",
           "",
           "#include <stdbool.h>",
           "#include <stddef.h>",
           "#include <stdint.h>",
           "",
           "#if defined(__GNUC__) || defined(__clang__)",
           "#define ERG_VECTOR_UNUSED __attribute__((unused))",
           "#else",
           "#define ERG_VECTOR_UNUSED",
           "#endif",
           ""]
    for name, num, m, d, src, dst in msgs:
        out.append("/* pcap frame %d, %s -> %s, %d bytes" % (
            num, ".".join(map(str, src)), ".".join(map(str, dst)), len(m)))
        if num in info:
            out.append(" * tshark: %s" % info[num])
        out.append(" */")
        out.append(carray(name, m))
    out += ["/* What gen_vectors.py decoded (has_x, x pairs; addresses host order). */",
            "struct dhcp_vector {",
            "\tconst char *name;",
            "\tconst uint8_t *data;",
            "\tsize_t len;",
            "\tuint8_t op, msg_type, overload;",
            "\tuint32_t xid;",
            "\tuint16_t secs, flags;",
            "\tuint32_t ciaddr, yiaddr, siaddr, server_id, requested;",
            "\tbool has_mask; uint32_t mask;",
            "\tbool has_lease; uint32_t lease_s;",
            "\tbool has_t1; uint32_t t1_s;",
            "\tbool has_t2; uint32_t t2_s;",
            "\tbool has_mtu; uint16_t mtu;",
            "\tuint16_t max_size;",
            "\tbool has_router; uint32_t router;",
            "\tuint8_t dns_n;",
            "\tuint32_t dns[3];",
            "};",
            "",
            "static const struct dhcp_vector dhcp_vectors[] ERG_VECTOR_UNUSED = {"]
    for name, num, m, d, src, dst in msgs:
        dns = d["dns"] + [0] * (3 - len(d["dns"]))
        out.append("\t{ \"%s\", %s, sizeof(%s), %u, %u, %u, 0x%08xu, %u, 0x%04x,"
                   % (name, name, name, d["op"], d["type"], d["overload"], d["xid"],
                      d["secs"], d["flags"]))
        out.append("\t    0x%08xu, 0x%08xu, 0x%08xu, 0x%08xu, 0x%08xu," % (
            d["ciaddr"], d["yiaddr"], d["siaddr"], d["server_id"], d["requested"]))
        out.append("\t    %s, %s, %s, %s, %s, %u," % (
            opt_or(d["mask"], "0x%08xu"), opt_or(d["lease"]), opt_or(d["t1"]),
            opt_or(d["t2"]), opt_or(d["mtu"]), d["max_size"]))
        out.append("\t    %s, %u, { 0x%08xu, 0x%08xu, 0x%08xu } }," % (
            opt_or(d["router"], "0x%08xu"), len(d["dns"]), dns[0], dns[1], dns[2]))
    out += ["};", "",
            "#define DHCP_VECTOR_COUNT (sizeof(dhcp_vectors) / sizeof(dhcp_vectors[0]))",
            "", "#endif", ""]
    with open(outp, "w") as f:
        f.write("\n".join(out))
    print("gen_vectors.py: %d messages -> %s" % (len(msgs), outp))


if __name__ == "__main__":
    main()
