#!/usr/bin/env python3
"""tests/vectors/dns/gen_vectors.py: dns.pcap + dig.txt -> dns_vectors.h.

Reads the capture written by capture.sh (Ethernet, IPv4, UDP or TCP port
53) and the `dig +short` output recorded for each question, and writes
dns_vectors.h: every DNS message of the capture as a byte array, in
capture order, with what dig printed for it.

Pairing: capture.sh runs one dig per question with +tries=1, so every UDP
query from the client starts the next block of dig.txt; a TCP query (dig
retrying after TC) and every response belong to the block in progress.
The last response of a block is the one dig printed; an earlier one (the
truncated UDP answer) gets no text. Each pairing is checked: the
response's question must be the block's (case-insensitively).

With --seeds DIR it also writes the fuzz seeds of fuzz_dns_msg: every
message of the capture (real-NN-*) and hand-made ones for the bad-input
classes 1 to 4 of TESTING.md (classN-*), each made from a real message or
a minimal header.

Stdlib only. Usage: python3 tests/vectors/dns/gen_vectors.py
                    [--seeds fuzz/corpus/dns_msg]
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SERVERS = ("198.18.6.2", "198.18.6.3")
TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15,
         "TXT": 16, "AAAA": 28, "SRV": 33}


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic == 0xA1B2C3D4:
        endian = "<"
    elif magic == 0xD4C3B2A1:
        endian = ">"
    else:
        sys.exit("not a pcap file (or pcapng): %s" % path)
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != 1:
        sys.exit("link type %d, expected Ethernet" % linktype)
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        yield data[off:off + incl]
        off += incl


def ip_str(b):
    return ".".join(str(x) for x in b)


def segments(frames):
    """Yields (proto, src, sport, dst, dport, seq, payload)."""
    for fr in frames:
        if len(fr) < 34 or fr[12:14] != b"\x08\x00":
            continue
        ip = fr[14:]
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack(">H", ip[2:4])[0]
        proto = ip[9]
        src, dst = ip_str(ip[12:16]), ip_str(ip[16:20])
        l4 = ip[ihl:tot]
        if proto == 17:
            sport, dport, ulen = struct.unpack(">HHH", l4[:6])
            yield ("udp", src, sport, dst, dport, 0, l4[8:ulen])
        elif proto == 6:
            sport, dport, seq = struct.unpack(">HHI", l4[:8])
            doff = (l4[12] >> 4) * 4
            yield ("tcp", src, sport, dst, dport, seq, l4[doff:])


def messages(frames):
    """DNS messages in capture order: (transport, from_server, bytes)."""
    streams = {}
    seen = set()
    for proto, src, sport, dst, dport, seq, pl in segments(frames):
        if not pl:
            continue
        from_server = src in SERVERS and sport == 53
        if proto == "udp":
            yield ("udp", from_server, pl)
            continue
        key = (src, sport, dst, dport)
        if (key, seq) in seen:
            continue  # a retransmission
        seen.add((key, seq))
        buf = streams.get(key, b"") + pl
        while len(buf) >= 2:
            n = struct.unpack(">H", buf[:2])[0]
            if len(buf) < 2 + n:
                break
            yield ("tcp", from_server, buf[2:2 + n])
            buf = buf[2 + n:]
        streams[key] = buf


def question(msg):
    """(name, type) of the first question, by a plain reader."""
    off, labels = 12, []
    while msg[off] != 0:
        n = msg[off]
        labels.append(msg[off + 1:off + 1 + n].decode("latin-1"))
        off += 1 + n
    qtype = struct.unpack(">H", msg[off + 1:off + 3])[0]
    return ".".join(labels), qtype


def read_blocks(path):
    blocks = []
    with open(path, "rb") as f:
        for line in f.read().split(b"\n"):
            if line.startswith(b"@@ "):
                parts = line[3:].decode().split(" ", 2)
                blocks.append({"name": parts[0], "type": parts[1],
                               "opts": parts[2].strip(), "lines": []})
            elif line:
                blocks[-1]["lines"].append(line)
    return blocks


def type_num(t):
    if t.startswith("TYPE"):
        return int(t[4:])
    return TYPES[t]


def c_string(b):
    out = []
    for c in b:
        if c == 0x22 or c == 0x5C:
            out.append("\\" + chr(c))
        elif 0x20 <= c < 0x7F and c != 0x3F:
            out.append(chr(c))
        elif c == 0x0A:
            out.append("\\n")
        else:
            out.append("\\%03o" % c)
    return '"' + "".join(out) + '"'


def ident(s):
    return "".join(c if c.isalnum() else "_" for c in s.lower())


def hdr(qd, an=0, ns=0, ar=0):
    return struct.pack(">HHHHHH", 0x1234, 0x8180, qd, an, ns, ar)


def q_raw(name):
    """One question whose name bytes (at offset 12) are given raw."""
    return hdr(1) + name + struct.pack(">HH", 1, 1)


def label(n, c=b"a"):
    return bytes([n]) + c * n


def class_seeds(real_a):
    """Hand-made inputs for TESTING.md classes 1-4 (RFC 9267)."""
    seeds = {}
    seeds["class1-ptr-self"] = q_raw(b"\xc0\x0c")
    seeds["class1-ptr-forward"] = q_raw(b"\xc0\x12") + b"\x03www\x00"
    seeds["class1-ptr-into-header"] = (hdr(2) + b"\x00" +
                                       struct.pack(">HH", 1, 1) +
                                       b"\xc0\x0b" +
                                       struct.pack(">HH", 1, 1))
    seeds["class1-ptr-out-of-bounds"] = q_raw(b"\xff\xff")
    seeds["class1-ptr-loop-a-b-a"] = (hdr(1) + b"\x01a\xc0\x14" +
                                      b"\x03bbb\xc0\x0c" +
                                      struct.pack(">HH", 1, 1))
    chain = hdr(0) + b"\x01a\x00"
    last = 12
    for _ in range(33):
        here = len(chain)
        chain += struct.pack(">H", 0xC000 | last)
        last = here
    seeds["class1-ptr-33-jumps"] = chain
    seeds["class2-label-64"] = q_raw(label(64) + b"\x00")
    seeds["class2-label-type-01"] = q_raw(b"\x41\x01x\x00")
    seeds["class2-label-type-10"] = q_raw(b"\x81\x01x\x00")
    long3 = label(63, b"a") + label(63, b"b") + label(63, b"c") + b"\x00"
    seeds["class2-name-257-compressed"] = (
        hdr(2) + long3 + struct.pack(">HH", 1, 1) + label(63, b"d") +
        b"\xc0\x0c" + struct.pack(">HH", 1, 1))
    seeds["class2-name-over-255"] = q_raw(
        b"".join(label(63, bytes([0x61 + i])) for i in range(5)) + b"\x00")
    # Class 3: from the real "www.erg.test A" answer (RR at the end).
    m = bytearray(real_a)
    rd = len(m) - 2  # not used: find the A record's RDLENGTH below
    off = 12
    while m[off] != 0:
        off += 1 + m[off]
    off += 5  # root, QTYPE, QCLASS: the answer's owner (a pointer)
    a_rdlen = off + 2 + 8
    bad = bytearray(m)
    bad[a_rdlen:a_rdlen + 2] = b"\xff\xff"
    seeds["class3-rdlength-ffff"] = bytes(bad)
    bad = bytearray(m)
    bad[a_rdlen + 1] = 5
    seeds["class3-a-rdlength-5"] = bytes(bad)
    txt = (hdr(1, 1) + b"\x01x\x00" + struct.pack(">HH", 16, 1) +
           b"\xc0\x0c" + struct.pack(">HHIH", 16, 1, 60, 6) +
           b"\x02hi\x05ab")
    seeds["class3-txt-string-overruns"] = txt
    cname = (hdr(1, 1) + b"\x01x\x00" + struct.pack(">HH", 5, 1) +
             b"\xc0\x0c" + struct.pack(">HHIH", 5, 1, 60, 5) +
             b"\x01a\xc0\x0c\x00")
    seeds["class3-cname-name-short-of-rdata-end"] = cname
    bad = bytearray(m)
    bad[6:8] = b"\xff\xff"
    seeds["class4-ancount-ffff"] = bytes(bad)
    bad = bytearray(m)
    bad[7] += 1
    seeds["class4-ancount-one-more"] = bytes(bad)
    del rd
    return seeds


def write_seeds(d, vecs):
    os.makedirs(d, exist_ok=True)
    for i, v in enumerate(vecs):
        kind = "r" if v["response"] else "q"
        nm = "real-%02d-%s-%s-%s" % (i, kind, ident(v["name"]),
                                     ident(v["type"]))
        with open(os.path.join(d, nm), "wb") as f:
            f.write(v["msg"])
    real_a = [v["msg"] for v in vecs
              if v["response"] and v["name"] == "www.erg.test" and
              v["type"] == "A"][0]
    for nm, b in class_seeds(real_a).items():
        with open(os.path.join(d, nm), "wb") as f:
            f.write(b)
    print("gen_vectors.py: seeds written to %s" % d)


def main():
    frames = list(read_pcap(os.path.join(HERE, "dns.pcap")))
    blocks = read_blocks(os.path.join(HERE, "dig.txt"))
    vecs = []
    b = -1
    for transport, from_server, msg in messages(frames):
        if not from_server and transport == "udp":
            b += 1
        blk = blocks[b]
        name, qtype = question(msg)
        if (name.lower() != blk["name"].lower().rstrip(".") or
                qtype != type_num(blk["type"])):
            sys.exit("message %r/%d does not match block %r" %
                     (name, qtype, blk))
        vecs.append({"block": b, "transport": transport,
                     "response": from_server, "msg": msg, "name": name,
                     "type": blk["type"], "opts": blk["opts"]})
    # The text goes with the last response of each block.
    for i, v in enumerate(vecs):
        v["short"] = None
        if not v["response"]:
            continue
        later = [w for w in vecs[i + 1:]
                 if w["block"] == v["block"] and w["response"]]
        if not later:
            v["short"] = b"\n".join(blocks[v["block"]]["lines"])

    out = []
    out.append("/*\n * tests/vectors/dns/dns_vectors.h: generated by "
               "gen_vectors.py from dns.pcap\n * and dig.txt (capture.sh: "
               "dig 9.18 asking dnsmasq 2.90 in a network\n * namespace). "
               "Do not edit; see README.md.\n *\n * Every DNS message of "
               "the capture, in order; dig_short is what\n * `dig +short` "
               "printed for a response (lines joined by '\\n'), NULL for\n"
               " * a query or a response dig did not print (the truncated "
               "UDP answer it\n * asked again over TCP).\n */\n")
    out.append("#ifndef ERG_TEST_DNS_VECTORS_H\n#define ERG_TEST_DNS_VECTORS_H"
               "\n\n#include <stdbool.h>\n#include <stddef.h>\n"
               "#include <stdint.h>\n\n")
    out.append("struct dns_vector {\n\tconst char *what;\n"
               "\tconst uint8_t *msg;\n\tsize_t len;\n\tbool tcp;\n"
               "\tbool response;\n\tconst char *dig_short;\n};\n\n")
    names = []
    for i, v in enumerate(vecs):
        kind = "r" if v["response"] else "q"
        nm = "dnsv_%02d_%s_%s_%s" % (i, kind, ident(v["name"]),
                                     ident(v["type"]))
        names.append(nm)
        what = "%s %s %s%s%s" % ("response" if v["response"] else "query",
                                  v["name"], v["type"],
                                  " " + v["opts"] if v["opts"] else "",
                                  " tcp" if v["transport"] == "tcp" else "")
        v["what"] = what
        out.append("/* %s (%d bytes) */\n" % (what, len(v["msg"])))
        out.append("static const uint8_t %s[] = {\n" % nm)
        m = v["msg"]
        for j in range(0, len(m), 12):
            out.append("\t" + ", ".join("0x%02x" % x for x in m[j:j + 12]) +
                       ",\n")
        out.append("};\n\n")
    out.append("static const struct dns_vector dns_vectors[] = {\n")
    for nm, v in zip(names, vecs):
        short = c_string(v["short"]) if v["short"] is not None else "NULL"
        out.append("\t{ %s, %s, sizeof(%s), %s, %s,\n\t    %s },\n" %
                   (c_string(v["what"].encode()), nm, nm,
                    "true" if v["transport"] == "tcp" else "false",
                    "true" if v["response"] else "false", short))
    out.append("};\n\n#define DNS_VECTOR_COUNT "
               "(sizeof(dns_vectors) / sizeof(dns_vectors[0]))\n\n#endif\n")
    with open(os.path.join(HERE, "dns_vectors.h"), "w") as f:
        f.write("".join(out))
    print("gen_vectors.py: %d messages, %d blocks -> dns_vectors.h" %
          (len(vecs), len(blocks)))
    if len(sys.argv) == 3 and sys.argv[1] == "--seeds":
        write_seeds(sys.argv[2], vecs)


if __name__ == "__main__":
    main()
