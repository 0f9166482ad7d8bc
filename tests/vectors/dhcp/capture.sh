#!/bin/sh
# capture.sh - capture real DHCP exchanges with dnsmasq, for erg's codec tests.
#
# Two throw-away network namespaces joined by a veth pair:
#   ergv2-dsrv  veth-ds  02:00:00:00:00:01  198.18.0.1/24  dnsmasq (DHCP only)
#   ergv2-dcli  veth-dc  02:00:00:00:00:02  no address      the clients
# (198.18.0.0/15 is the RFC 2544 benchmarking range; nothing leaves the pair.)
# Checksum offloads are off, so every checksum in the capture is real.
# tcpdump runs in ergv2-dsrv and writes dhcp.pcap next to this script.
# Everything is removed on exit (trap), every wait is bounded.
#
# Exchanges (see client.py for the hand-driven ones):
#   1. busybox udhcpc: DISCOVER, OFFER, REQUEST, ACK, then RELEASE (-R).
#   2. client.py "nak": an INIT-REBOOT REQUEST for 198.18.1.5 (another
#      subnet) -> dnsmasq (authoritative) answers NAK.
#   3. client.py "renew": DORA, then the address configured and a unicast
#      REQUEST with ciaddr (RENEWING) -> unicast ACK, then RELEASE.
#   4. dnsmasq restarted with long forced options (option 43 and 77 and a
#      long domain name); client.py "overload" asks with a 576-byte
#      maximum message size, so dnsmasq spills options into the file and
#      sname fields (option 52).
#
# Usage: sudo ./capture.sh   (needs root, iproute2, ethtool, tcpdump,
# dnsmasq, busybox, python3); then python3 gen_vectors.py.

set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
OUT="$HERE/dhcp.pcap"
NSS=ergv2-dsrv
NSC=ergv2-dcli
T=$(mktemp -d /tmp/ergv2dhcp.XXXXXX)
TCPDUMP_PID=
DNSMASQ_PID=

stop_dnsmasq() {
	if [ -n "$DNSMASQ_PID" ]; then
		kill "$DNSMASQ_PID" 2>/dev/null
		wait "$DNSMASQ_PID" 2>/dev/null
		DNSMASQ_PID=
	fi
}

cleanup() {
	rc=$?
	set +e
	stop_dnsmasq
	[ $rc -ne 0 ] && [ -f "$T/dnsmasq.log" ] && cat "$T/dnsmasq.log" >&2
	[ $rc -ne 0 ] && cp "$T/cap.pcap" /tmp/ergv2_fail.pcap 2>/dev/null
	[ -n "$TCPDUMP_PID" ] && kill -INT "$TCPDUMP_PID" 2>/dev/null && wait "$TCPDUMP_PID" 2>/dev/null
	timeout 10 ip netns del "$NSS" 2>/dev/null
	timeout 10 ip netns del "$NSC" 2>/dev/null
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

for tool in ip ethtool tcpdump dnsmasq busybox python3 timeout; do
	command -v "$tool" >/dev/null 2>&1 || { echo "capture.sh: missing $tool" >&2; exit 1; }
done

S() { timeout 20 ip netns exec "$NSS" "$@"; }
C() { timeout 30 ip netns exec "$NSC" "$@"; }

timeout 10 ip netns del "$NSS" 2>/dev/null || true
timeout 10 ip netns del "$NSC" 2>/dev/null || true
timeout 10 ip netns add "$NSS"
timeout 10 ip netns add "$NSC"
for ns in "$NSS" "$NSC"; do
	timeout 10 ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	timeout 10 ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	timeout 10 ip netns exec "$ns" ip link set lo up
done
timeout 10 ip link add veth-ds netns "$NSS" address 02:00:00:00:00:01 mtu 1500 type veth \
	peer name veth-dc netns "$NSC" address 02:00:00:00:00:02 mtu 1500
S ethtool -K veth-ds tx off rx off gso off gro off >/dev/null 2>&1 || true
C ethtool -K veth-dc tx off rx off gso off gro off >/dev/null 2>&1 || true
S ip addr add 198.18.0.1/24 dev veth-ds
S ip link set veth-ds up
C ip link set veth-dc up

# dnsmasq in the foreground (-d keeps it a child we can kill), DHCP only.
start_dnsmasq() {
	rm -f "$T/leases"
	ip netns exec "$NSS" timeout 120 dnsmasq -d --port=0 --conf-file=/dev/null \
		--interface=veth-ds --bind-interfaces --dhcp-authoritative --no-ping \
		--dhcp-leasefile="$T/leases" --pid-file="$T/dnsmasq.pid" \
		--dhcp-range=198.18.0.100,198.18.0.150,255.255.255.0,3600 \
		--dhcp-option=3,198.18.0.1 --dhcp-option=6,198.18.0.1,198.18.0.53 \
		--dhcp-option=26,1400 "$@" >"$T/dnsmasq.log" 2>&1 &
	DNSMASQ_PID=$!
	sleep 0.7
	kill -0 "$DNSMASQ_PID" || { cat "$T/dnsmasq.log" >&2; exit 1; }
}

ip netns exec "$NSS" timeout 120 tcpdump -i veth-ds -n -s 0 -U -Z root \
	-w "$T/cap.pcap" udp port 67 or udp port 68 2>"$T/tcpdump.err" &
TCPDUMP_PID=$!
i=0
until grep -q "listening on" "$T/tcpdump.err" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 50 ] && { echo "capture.sh: tcpdump did not start" >&2; cat "$T/tcpdump.err" >&2; exit 1; }
	sleep 0.1
done

start_dnsmasq
# 1. A real Linux client: udhcpc, one lease, released on exit (-R).
C busybox udhcpc -i veth-dc -f -q -n -R -t 3 -T 2 -s /bin/true \
	-x hostname:ergv2cap >/dev/null 2>&1
sleep 0.3
# 2. and 3.
C python3 "$HERE/client.py" veth-dc nak
C python3 "$HERE/client.py" veth-dc renew
sleep 0.3
stop_dnsmasq

# 4. Long forced options: vendor info (43), user class (77), domain (15):
# more than the options field of a 576-byte message holds.
LONG=$(python3 -c 'print("x" * 110)')
start_dnsmasq --dhcp-option-force=43,"$LONG" --dhcp-option-force=77,"$LONG" \
	--dhcp-option-force=15,erg-overload-test.example
C python3 "$HERE/client.py" veth-dc overload
sleep 0.3
stop_dnsmasq

sleep 0.5
kill -INT "$TCPDUMP_PID"
wait "$TCPDUMP_PID" || true
TCPDUMP_PID=
cp "$T/cap.pcap" "$OUT"
echo "capture.sh: wrote $OUT ($(wc -c < "$OUT") bytes)"
