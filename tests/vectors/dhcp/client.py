#!/usr/bin/env python3
"""client.py IFACE nak|renew|overload - hand-driven DHCP client exchanges
for capture.sh (run inside the client namespace, as root).

Plain UDP sockets bound to 0.0.0.0:68 on IFACE (SO_BINDTODEVICE): Linux
sends the broadcasts from 0.0.0.0 while the interface has no address.
Every wait is bounded (3 s per answer). Standard library only.
"""

import os
import socket
import struct
import subprocess
import sys
import time

MAC = bytes([2, 0, 0, 0, 0, 2])
COOKIE = b"\x63\x82\x53\x63"


def msg(mtype, xid, ciaddr=b"\0\0\0\0", opts=b"", flags=0x8000, mac=MAC):
    fixed = struct.pack("!BBBBIHH", 1, 1, 6, 0, xid, 0, flags)
    fixed += ciaddr + b"\0" * 12 + mac + b"\0" * 10 + b"\0" * 192
    body = fixed + COOKIE + bytes([53, 1, mtype]) + opts + b"\xff"
    return body + b"\0" * max(0, 300 - len(body))


def opt(code, data):
    return bytes([code, len(data)]) + data


def cid(mac=MAC):
    return opt(61, b"\x01" + mac)


def find_opt(m, code):
    i = 240
    while i < len(m):
        c = m[i]
        if c == 0:
            i += 1
            continue
        if c == 255:
            return None
        ln = m[i + 1]
        if c == code:
            return m[i + 2:i + 2 + ln]
        i += 2 + ln
    return None


def sock(iface):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    s.bind(("0.0.0.0", 68))
    s.settimeout(3)
    return s


def ask(s, m, dst, want):
    """Sends m, returns the first reply with m's xid and type in want."""
    xid = m[4:8]
    s.sendto(m, (dst, 67))
    end = time.time() + 3
    while time.time() < end:
        try:
            r, _ = s.recvfrom(2048)
        except socket.timeout:
            break
        t = find_opt(r, 53)
        if r[0] == 2 and r[4:8] == xid and t is not None and t[0] in want:
            return r
    raise SystemExit("client.py: no answer of type %s" % (want,))


def dora(s, xid, extra=b""):
    plist = opt(55, bytes([1, 3, 6, 15, 26, 43, 51, 58, 59, 77]))
    off = ask(s, msg(1, xid, opts=cid() + plist + extra), "255.255.255.255",
              (2,))
    yi, sid = off[16:20], find_opt(off, 54)
    ack = ask(s, msg(3, xid, opts=cid() + opt(50, yi) + opt(54, sid) + plist
                     + extra), "255.255.255.255", (5,))
    return yi, sid, ack


def main():
    iface, what = sys.argv[1], sys.argv[2]
    s = sock(iface)
    if what == "nak":
        # INIT-REBOOT for an address of another subnet: NAK.
        ask(s, msg(3, 0x4e414b01, opts=cid() + opt(50, bytes([198, 18, 1, 5]))),
            "255.255.255.255", (6,))
    elif what == "renew":
        yi, sid, ack = dora(s, 0x52454e01)
        a = socket.inet_ntoa(yi)
        subprocess.run(["ip", "addr", "add", a + "/24", "dev", iface], check=True)
        try:
            time.sleep(0.3)
            # RENEWING: unicast to the server, ciaddr set, no 50/54.
            ask(s, msg(3, 0x52454e02, ciaddr=yi, flags=0, opts=cid()),
                socket.inet_ntoa(sid), (5,))
            s.sendto(msg(7, 0x52454e03, ciaddr=yi, flags=0,
                         opts=cid() + opt(54, sid)),
                     (socket.inet_ntoa(sid), 67))
            time.sleep(0.3)
        finally:
            subprocess.run(["ip", "addr", "del", a + "/24", "dev", iface])
    elif what == "overload":
        dora(s, 0x4f564c01, extra=opt(57, struct.pack("!H", 576)))
    else:
        raise SystemExit("usage: client.py IFACE nak|renew|overload")


if __name__ == "__main__":
    main()
