#!/usr/bin/env bash
# scripts/demo.sh BUILD: what `make demo` runs (after `make all`).
#
# As root, with /dev/net/tun: dnsmasq in a network namespace made for the
# demo, as its DHCP and DNS server (erg.test is 198.18.0.2); erg-echo on a
# TAP device there gets that address by DHCP (--dhcp), and talks to
# Linux's own stack: ARP, ping
# (56 and 4000 bytes, the latter fragmented both ways), UDP echo checked
# byte for byte, a closed port, TCP: curl fetching 20 MB from erg-echo's
# HTTP server (hash checked) and socat through TCP echo; then HTTPS:
# erg-echo serves the test certificate for erg.test (ECDSA P-256, issued
# by the test CA of tests/vectors/tls), curl fetches 20 MB over TLS from
# it (certificate checked against that CA, hash checked, the protocol and
# cipher it negotiated shown), and so does erg-get, a second erg stack on
# a second TAP device (198.18.1.2, Linux routing between the two), which
# first resolves erg.test through dnsmasq (erg's DNS resolver; erg-dig
# shows the same answer as dig); then erg's counters.  Everything on the first TAP is captured to
# BUILD/demo.pcap.  The namespace, the TAPs and every process are removed
# at the end, however the demo ends.  Addresses are from 198.18.0.0/15 and
# exist only inside the namespace.
#
# Otherwise (not root, no /dev/net/tun, a program missing): one line says
# why, and two erg stacks talk over the in-memory wire instead
# (BUILD/bin/erg-demo), writing the same BUILD/demo.pcap.
set -u -o pipefail

build=${1:-build}
shown=$build/demo.pcap
here=$(cd "$(dirname "$0")/.." && pwd)
case "$build" in
/*) ;;
*) build=$PWD/$build ;;
esac
pcap=$build/demo.pcap

in_memory() {
	echo "erg demo: $1"
	echo "erg demo: running two erg stacks over the in-memory wire instead"
	echo
	exec "$build/bin/erg-demo" "$pcap"
}

ERG_BUILD=$build
# shellcheck source=tests/interop/lib.sh disable=SC2034
. "$here/tests/interop/lib.sh"

why=$(erg_missing ping python3 dnsmasq) || in_memory "no TAP demo: $why"
[ -x "$ERG_BIN/erg-echo" ] || in_memory "no TAP demo: $ERG_BIN/erg-echo is not built"
probe=erg-demo-probe-$$
if ! err=$(ip netns add "$probe" 2>&1); then
	in_memory "no TAP demo: cannot create a network namespace: $err"
fi
ip netns del "$probe"

# Transcript lines: no timestamps, indented.
say() {
	printf '  %s\n' "$*"
}

# The test PKI (tests/vectors/tls): the CA, and erg.test's certificate.
vec=$here/tests/vectors/tls
tls=()
if [ -r "$vec/ca.pem" ] && [ -r "$vec/ec256.chain.pem" ] &&
    [ -r "$vec/ec256.key" ]; then
	tls=(--cert "$vec/ec256.chain.pem" --key "$vec/ec256.key")
fi
# erg-get's stack: on a second TAP, Linux routing to erg-echo.
GET_TAP=tap1
GET_IP=198.18.1.2
GET_LINUX_IP=198.18.1.1

echo "erg demo: erg-echo on a TAP device, talking to Linux's own TCP/IP stack"
rm -f "$pcap"
erg_setup demo
say "Linux: $LINUX_IP/$ERG_PREFIX  $(nsx cat "/sys/class/net/$ERG_TAP/address")  (the kernel, on $ERG_TAP)"
erg_tcpdump_start "$pcap"

# dnsmasq: DHCP on tap0 (erg's MAC always gets $ERG_IP; the router, which
# takes erg-echo's replies to erg-get on tap1, and the DNS server are
# dnsmasq's own address), and DNS for erg.test, on $LINUX_IP only.
conf=$ERG_WORK/dnsmasq.conf
cat >"$conf" <<EOF
interface=$ERG_TAP
bind-interfaces
no-resolv
no-hosts
log-queries
log-dhcp
local=/erg.test/
local-ttl=300
host-record=erg.test,$ERG_IP
dhcp-range=198.18.0.2,198.18.0.20,255.255.255.0,10m
dhcp-host=$ERG_MAC,$ERG_IP
dhcp-authoritative
no-ping
EOF
erg_dnsmasq_start "$conf"
say "dnsmasq: DHCP server on $ERG_TAP, DNS server at $LINUX_IP (erg.test is $ERG_IP)"
ERG_SECONDS=60 erg_start_dhcp ${tls[@]+"${tls[@]}"}
say "erg:   $ERG_IP/$ERG_PREFIX  $ERG_MAC  (erg-echo --tap $ERG_TAP --dhcp, namespace $ERG_NS)"
echo

# ARP: forget erg, then let Linux resolve it again.
nsx ip neigh flush dev "$ERG_TAP"
if command -v arping >/dev/null 2>&1; then
	out=$(nsx timeout 10 arping -c 2 -I "$ERG_TAP" "$ERG_IP" 2>&1)
	say "ARP: arping -c 2 -I $ERG_TAP $ERG_IP"
	printf '%s\n' "$out" | grep -Ei 'bytes from|transmitted|received' |
	    sed 's/^/      /'
fi
out=$(nsx timeout 10 ping -n -c 1 -W 2 "$ERG_IP" 2>&1)
say "ARP: after a ping, Linux's neighbour table says:"
say "    $(nsx ip neigh show "$ERG_IP" dev "$ERG_TAP")"
echo

for size in 56 4000; do
	frag=""
	[ "$size" -gt 1472 ] && frag=" (fragmented both ways)"
	say "ping -c 3 -s $size $ERG_IP$frag"
	nsx timeout 20 ping -n -c 3 -i 0.2 -W 2 -s "$size" "$ERG_IP" 2>&1 |
	    grep -E 'bytes from|transmitted|rtt' | sed 's/^/      /'
	[ "${PIPESTATUS[0]}" -eq 0 ] || bad "ping -s $size failed"
done
echo

say "UDP echo (port 7) from a Linux socket, each datagram compared byte for byte"
py echo "$ERG_IP" 7 1 1472 8000 65000 | sed 's/^ok /      /; s/^FAIL /      FAILED: /'
[ "${PIPESTATUS[0]}" -eq 0 ] || bad "UDP echo failed"
say "UDP to a closed port (9999): erg answers ICMP port unreachable"
py refused "$ERG_IP" 9999 | sed 's/^ok /      /; s/^FAIL /      FAILED: /'
[ "${PIPESTATUS[0]}" -eq 0 ] || bad "no connection refused"
echo

if command -v curl >/dev/null 2>&1; then
	n=20000000
	say "TCP: curl http://$ERG_IP/bytes/$n (erg-echo's HTTP/1.1 server)"
	got=$(nsx timeout 60 curl -sS -o "$ERG_WORK/demo.bytes" \
	    -w '%{http_code} %{size_download} bytes in %{time_total} s' \
	    "http://$ERG_IP/bytes/$n" 2>&1)
	say "    $got"
	if [ "$(sha_of "$ERG_WORK/demo.bytes")" = "$(erg_bytes_sha256 "$n")" ]; then
		say "    SHA-256 matches erg's deterministic stream"
	else
		bad "the downloaded bytes differ from erg's stream"
	fi
	rm -f "$ERG_WORK/demo.bytes"
fi
if command -v socat >/dev/null 2>&1; then
	say "TCP: 'hello, erg' through TCP echo (port 7) with socat"
	got=$(echo 'hello, erg' | nsx timeout 10 socat -t 2 - "TCP:$ERG_IP:7" 2>&1)
	say "    back: $got"
	[ "$got" = "hello, erg" ] || bad "TCP echo gave '$got'"
fi
echo

# A second TAP device for a second erg stack (erg-dig, erg-get), Linux
# routing between it and tap0.
nsx ip tuntap add dev "$GET_TAP" mode tap ||
    erg_die "cannot create $GET_TAP in $ERG_NS"
nsx sysctl -q -w "net.ipv6.conf.$GET_TAP.disable_ipv6=1" >/dev/null 2>&1
if ! nsx ip addr add "$GET_LINUX_IP/24" dev "$GET_TAP" ||
    ! nsx ip link set "$GET_TAP" up ||
    ! nsx sysctl -q -w net.ipv4.ip_forward=1 >/dev/null; then
	erg_die "cannot set up $GET_TAP in $ERG_NS"
fi

if [ -x "$ERG_BIN/erg-dig" ]; then
	say "DNS: erg-dig erg.test (a second erg stack, $GET_IP on $GET_TAP, asking dnsmasq)"
	got=$(nsx timeout 30 "$ERG_BIN/erg-dig" --tap "$GET_TAP" \
	    --ip "$GET_IP/24" --gw "$GET_LINUX_IP" --server "$LINUX_IP" \
	    --seed 3 -v erg.test A 2>"$ERG_WORK/erg-dig.log") ||
	    bad "erg-dig erg.test failed: $(tail -n 1 "$ERG_WORK/erg-dig.log")"
	sed -n 's/^erg-dig: erg.test A: /      /p' "$ERG_WORK/erg-dig.log"
	say "    erg-dig erg.test: $got"
	if command -v dig >/dev/null 2>&1; then
		want=$(nsx timeout 10 dig +short +tries=2 +time=2 "@$LINUX_IP" erg.test A 2>&1)
		say "    dig +short erg.test: $want"
		[ "$got" = "$want" ] || bad "erg-dig printed '$got', dig '$want'"
	fi
	[ "$got" = "$ERG_IP" ] || bad "erg-dig resolved erg.test to '$got', want $ERG_IP"
	echo
fi

# tls_line LOG PATTERN: the rest of the first line of LOG after PATTERN.
tls_line() {
	sed -n "s/^$2//p" "$1" | head -n 1
}

if [ "${#tls[@]}" -eq 0 ]; then
	say "HTTPS: not shown (the test PKI is missing from $vec)"
else
	say "HTTPS (port 443): erg-echo serves erg.test's certificate (ECDSA P-256),"
	say "issued by the test CA of tests/vectors/tls"
fi
if [ "${#tls[@]}" -gt 0 ] && command -v curl >/dev/null 2>&1; then
	n=20000000
	log=$ERG_WORK/curl-tls.log
	say "TLS: curl --cacert ca.pem --resolve erg.test:443:$ERG_IP https://erg.test/bytes/$n"
	nsx timeout 60 curl -sS -v --cacert "$vec/ca.pem" \
	    --resolve "erg.test:443:$ERG_IP" -o "$ERG_WORK/demo.bytes" \
	    -w 'curl: %{http_code} %{size_download} bytes in %{time_total} s\n' \
	    "https://erg.test/bytes/$n" >"$log" 2>&1 ||
	    bad "curl over HTTPS failed: $(grep -v '^[*<>{}]' "$log" | tail -n 3)"
	say "    $(tls_line "$log" 'curl: ')"
	say "    negotiated $(tls_line "$log" '\* SSL connection using '), ALPN $(tls_line "$log" '\* ALPN: server accepted ')"
	if grep -q 'SSL certificate verify ok' "$log"; then
		say "    certificate for $(tls_line "$log" '\*  subject: '), verified against the test CA"
	else
		bad "curl did not verify erg's certificate"
	fi
	if [ "$(sha_of "$ERG_WORK/demo.bytes")" = "$(erg_bytes_sha256 "$n")" ]; then
		say "    SHA-256 matches erg's deterministic stream"
	else
		bad "the bytes downloaded over HTTPS differ from erg's stream"
	fi
	rm -f "$ERG_WORK/demo.bytes"
fi
if [ "${#tls[@]}" -gt 0 ] && [ -x "$ERG_BIN/erg-get" ]; then
	n=20000000
	log=$ERG_WORK/erg-get.log
	say "TLS: erg-get --dns $LINUX_IP --cafile ca.pem https://erg.test/bytes/$n"
	say "     (a second erg stack: $GET_IP on $GET_TAP, Linux routing to erg-echo;"
	say "     erg.test resolved by erg's DNS resolver, asking dnsmasq)"
	nsx timeout 60 "$ERG_BIN/erg-get" --tap "$GET_TAP" --ip "$GET_IP/24" \
	    --gw "$GET_LINUX_IP" --seed 2 -v --dns "$LINUX_IP" \
	    --cafile "$vec/ca.pem" -o "$ERG_WORK/demo.bytes" \
	    "https://erg.test/bytes/$n" 2>"$log" ||
	    bad "erg-get over HTTPS failed: $(tail -n 1 "$log")"
	sed -e 's/^erg-get: TLS with [^)]*): /negotiated /' -e 's/^erg-get: //' \
	    "$log" | sed 's/^/      /'
	grep -q "^erg-get: erg.test is $ERG_IP (DNS" "$log" ||
	    bad "erg-get did not resolve erg.test to $ERG_IP through DNS"
	grep -q "query\[A\] erg.test from $GET_IP" "$ERG_DNSMASQ_LOG" ||
	    bad "dnsmasq did not log erg-get's question for erg.test"
	if [ "$(sha_of "$ERG_WORK/demo.bytes")" = "$(erg_bytes_sha256 "$n")" ]; then
		say "    SHA-256 matches erg's deterministic stream"
	else
		bad "the bytes erg-get fetched over HTTPS differ from erg's stream"
	fi
	rm -f "$ERG_WORK/demo.bytes"
fi
[ "${#tls[@]}" -eq 0 ] || echo
nsx ip tuntap del dev "$GET_TAP" mode tap >/dev/null 2>&1

erg_stop
erg_tcpdump_stop
if grep -q "DHCPRELEASE($ERG_TAP) $ERG_IP" "$ERG_DNSMASQ_LOG"; then
	say "DHCP: erg-echo released its lease at exit (dnsmasq logged the DHCPRELEASE)"
fi
say "erg's counters (non-zero):$(erg_show_stats)"
echo
n=$(tcpdump -n -r "$pcap" 2>/dev/null | wc -l)
say "$n frames captured on $ERG_TAP, in $shown; the first ones:"
tcpdump -n -r "$pcap" -c 8 2>/dev/null | cut -c 17- | sed 's/^/      /'
say "open it with: wireshark $shown   or: tshark -r $shown"
echo
if [ "$ERG_FAILED" -ne 0 ]; then
	echo "erg demo: FAILED ($ERG_FAILED problem(s); logs in $ERG_WORK)"
	exit 1
fi
echo "erg demo: ok (namespace $ERG_NS and everything in it removed)"
exit 0
