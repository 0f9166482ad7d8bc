#!/bin/sh
# capture_tcp.sh - capture a real TCP connection made by the Linux stack.
#
# Same setup as capture.sh: two throw-away namespaces joined by a veth pair
#   ergtcp-a  veth-a  02:00:00:00:00:01  198.18.0.1/24
#   ergtcp-b  veth-b  02:00:00:00:00:02  198.18.0.2/24
# (198.18.0.0/15, RFC 2544; nothing leaves the pair), offloads off so every
# checksum is computed by the kernel in software and no segment is bigger
# than the MSS. tcpdump in ergtcp-b writes tcp.pcap next to this script.
#
# Traffic: a socat listener on 198.18.0.2:7000 in b, a socat client in a
# (source port 40100) that sends 300 bytes and closes: handshake with
# Linux's SYN options (MSS, SACK-permitted, timestamps, window scale), one
# data segment (NOP NOP TS), ACKs, FINs.
#
# Usage: sudo ./capture_tcp.sh   (needs root, iproute2, ethtool, tcpdump, socat)

set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
OUT="$HERE/tcp.pcap"
NSA=ergtcp-a
NSB=ergtcp-b
T=$(mktemp -d /tmp/ergtcp.XXXXXX)
TCPDUMP_PID=
LISTEN_PID=

cleanup() {
	rc=$?
	set +e
	[ -n "$LISTEN_PID" ] && kill "$LISTEN_PID" 2>/dev/null && wait "$LISTEN_PID" 2>/dev/null
	[ -n "$TCPDUMP_PID" ] && kill -INT "$TCPDUMP_PID" 2>/dev/null && wait "$TCPDUMP_PID" 2>/dev/null
	timeout 10 ip netns del "$NSA" 2>/dev/null
	timeout 10 ip netns del "$NSB" 2>/dev/null
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

for tool in ip ethtool tcpdump socat timeout; do
	command -v "$tool" >/dev/null 2>&1 || { echo "capture_tcp.sh: missing $tool" >&2; exit 1; }
done

A() { timeout 20 ip netns exec "$NSA" "$@"; }
B() { timeout 20 ip netns exec "$NSB" "$@"; }

timeout 10 ip netns del "$NSA" 2>/dev/null || true
timeout 10 ip netns del "$NSB" 2>/dev/null || true
timeout 10 ip netns add "$NSA"
timeout 10 ip netns add "$NSB"

for ns in "$NSA" "$NSB"; do
	timeout 10 ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	timeout 10 ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	timeout 10 ip netns exec "$ns" ip link set lo up
done

timeout 10 ip link add veth-a netns "$NSA" address 02:00:00:00:00:01 mtu 1500 type veth \
	peer name veth-b netns "$NSB" address 02:00:00:00:00:02 mtu 1500

A ethtool -K veth-a tx off rx off gso off tso off gro off >/dev/null 2>&1 || \
	A ethtool -K veth-a tx off rx off gso off gro off
B ethtool -K veth-b tx off rx off gso off tso off gro off >/dev/null 2>&1 || \
	B ethtool -K veth-b tx off rx off gso off gro off

A ip addr add 198.18.0.1/24 dev veth-a
B ip addr add 198.18.0.2/24 dev veth-b
A ip link set veth-a up
B ip link set veth-b up

B timeout 15 tcpdump -i veth-b -n -s 0 -U -Z root -w "$T/cap.pcap" tcp \
	2>"$T/tcpdump.err" &
TCPDUMP_PID=$!
i=0
until grep -q "listening on" "$T/tcpdump.err" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 50 ] && { echo "capture_tcp.sh: tcpdump did not start" >&2; cat "$T/tcpdump.err" >&2; exit 1; }
	sleep 0.1
done
sleep 0.3

B timeout 10 socat -u TCP4-LISTEN:7000,bind=198.18.0.2,reuseaddr OPEN:/dev/null &
LISTEN_PID=$!
sleep 0.3

yes '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ' | tr -d '\n' \
	| head -c 300 > "$T/data" || true
[ "$(wc -c < "$T/data")" -eq 300 ]
A timeout 10 socat -u "OPEN:$T/data" TCP4:198.18.0.2:7000,sourceport=40100
sleep 0.5
wait "$LISTEN_PID" || true
LISTEN_PID=

kill -INT "$TCPDUMP_PID"
wait "$TCPDUMP_PID" || true
TCPDUMP_PID=
cp "$T/cap.pcap" "$OUT"
echo "capture_tcp.sh: wrote $OUT ($(wc -c < "$OUT") bytes)"
