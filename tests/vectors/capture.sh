#!/bin/sh
# capture.sh - capture real frames produced by the Linux network stack.
#
# Builds two throw-away network namespaces joined by a veth pair:
#   ergcap-a  veth-a  02:00:00:00:00:01  198.18.0.1/24
#   ergcap-b  veth-b  02:00:00:00:00:02  198.18.0.2/24
# (198.18.0.0/15 is the RFC 2544 benchmarking range; nothing leaves the pair.)
# Offloads are disabled so every checksum in the capture is computed by the
# kernel in software.  tcpdump runs in ergcap-b on veth-b and writes
# linux.pcap next to this script.  Everything is removed on exit.
#
# Traffic generated from ergcap-a (all by Linux itself, no packet crafting):
#   - gratuitous ARP  (net.ipv4.conf.veth-a.arp_notify=1, emitted on link up)
#   - ARP request/reply (first ping resolves 198.18.0.2)
#   - ping, 56-byte payload (echo request + reply)
#   - ping, 4000-byte payload (request and reply are fragmented in 3)
#   - 6-byte UDP datagram "hello\n" to closed port 7 -> ICMP port unreachable
#   - 2900-byte UDP datagram to open port 9000 (fragmented in 2)
#
# Usage: sudo ./capture.sh          (needs root, iproute2, ethtool, tcpdump, ping, socat)

set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
OUT="$HERE/linux.pcap"
NSA=ergcap-a
NSB=ergcap-b
T=$(mktemp -d /tmp/ergcap.XXXXXX)
TCPDUMP_PID=
LISTEN_PID=

cleanup() {
	rc=$?
	set +e
	[ -n "$LISTEN_PID" ] && kill "$LISTEN_PID" 2>/dev/null && wait "$LISTEN_PID" 2>/dev/null
	[ -n "$TCPDUMP_PID" ] && kill -INT "$TCPDUMP_PID" 2>/dev/null && wait "$TCPDUMP_PID" 2>/dev/null
	timeout 10 ip netns del "$NSA" 2>/dev/null
	timeout 10 ip netns del "$NSB" 2>/dev/null   # deleting a netns also deletes its veth end
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

for tool in ip ethtool tcpdump ping socat timeout; do
	command -v "$tool" >/dev/null 2>&1 || { echo "capture.sh: missing $tool" >&2; exit 1; }
done

A() { timeout 20 ip netns exec "$NSA" "$@"; }
B() { timeout 20 ip netns exec "$NSB" "$@"; }

# Leftovers from an interrupted earlier run.
timeout 10 ip netns del "$NSA" 2>/dev/null || true
timeout 10 ip netns del "$NSB" 2>/dev/null || true

timeout 10 ip netns add "$NSA"
timeout 10 ip netns add "$NSB"

for ns in "$NSA" "$NSB"; do
	# No IPv6 chatter (RS/MLD/DAD) in the capture.
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
A sysctl -qw net.ipv4.conf.veth-a.arp_notify=1
B ip link set veth-b up

# Capture in b (both directions of veth-b). -U: flush per packet. -Z root:
# keep root so it can write the temp file.
ip netns exec "$NSB" timeout 60 tcpdump -i veth-b -n -s 0 -U -Z root -w "$T/cap.pcap" \
	2>"$T/tcpdump.err" &
TCPDUMP_PID=$!
i=0
until grep -q "listening on" "$T/tcpdump.err" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 50 ] && { echo "capture.sh: tcpdump did not start" >&2; cat "$T/tcpdump.err" >&2; exit 1; }
	sleep 0.1
done
sleep 0.3

# Link up with arp_notify=1: the kernel announces 198.18.0.1 (gratuitous ARP).
A ip link set veth-a up
sleep 0.5

# UDP listener in b for the big datagram (port 7 stays closed).
ip netns exec "$NSB" timeout 30 socat -u UDP4-RECV:9000,bind=198.18.0.2 OPEN:/dev/null &
LISTEN_PID=$!
sleep 0.3

# 1. ARP request/reply + ICMP echo with the default 56-byte payload.
A ping -n -c 1 -W 2 -s 56 198.18.0.2 >/dev/null
sleep 0.2
# 2. 4000-byte payload: 4028-byte IP datagram -> fragments of 1480+1480+1048.
A ping -n -c 1 -W 2 -s 4000 198.18.0.2 >/dev/null
sleep 0.2
# 3. Small UDP to a closed port -> ICMP port unreachable from b.
printf 'hello\n' > "$T/small"
A socat -u "OPEN:$T/small" UDP4-SENDTO:198.18.0.2:7,sourceport=40000
sleep 0.3
# 4. 2900-byte UDP payload: 2928-byte IP datagram -> fragments of 1480+1448.
yes '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ' | tr -d '\n' \
	| head -c 2900 > "$T/big" || true
[ "$(wc -c < "$T/big")" -eq 2900 ]
A socat -u -b 65536 "OPEN:$T/big" UDP4-SENDTO:198.18.0.2:9000,sourceport=40001
sleep 0.5

kill -INT "$TCPDUMP_PID"
wait "$TCPDUMP_PID" || true
TCPDUMP_PID=
cp "$T/cap.pcap" "$OUT"
echo "capture.sh: wrote $OUT ($(wc -c < "$OUT") bytes)"
