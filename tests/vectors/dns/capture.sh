#!/bin/sh
# tests/vectors/dns/capture.sh: real DNS traffic between dig and dnsmasq,
# for the codec vectors of tests/unit/test_dns_wire.c.
#
# Builds two throw-away network namespaces joined by a veth pair:
#   ergv1-c  vethv1-c  198.18.6.1/24   (the client: dig)
#   ergv1-s  vethv1-s  198.18.6.2/24   (the server: dnsmasq)
# (198.18.0.0/15 is the RFC 2544 benchmarking range; nothing leaves the
# pair.) dnsmasq serves only the local records below (no upstream, no
# hosts file); tcpdump in ergv1-s records everything on vethv1-s. For every
# question, `dig +short` is run and its output kept, so that the pcap holds
# the messages and dig.txt what dig printed for each.
#
# Writes, next to this script:
#   dns.pcap   the capture (UDP and TCP port 53)
#   dig.txt    one block per question: "@@ NAME TYPE FLAGS" then dig's
#              +short output lines
# Then run gen_vectors.py to turn both into dns_vectors.h.
#
# Usage: sudo sh tests/vectors/dns/capture.sh
# Needs root, iproute2, tcpdump, dnsmasq, dig (dnsutils). Everything it
# creates is removed on exit; every command runs under a timeout.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
NSC=ergv1-c
NSS=ergv1-s
SRV=198.18.6.2
AUTH=198.18.6.3
T=$(mktemp -d /tmp/ergv1.XXXXXX)
TCPDUMP_PID=
DNSMASQ_PID=

cleanup() {
	rc=$?
	set +e
	if [ -n "$DNSMASQ_PID" ]; then
		kill "$DNSMASQ_PID" 2>/dev/null
	fi
	if [ -n "$TCPDUMP_PID" ]; then
		kill -INT "$TCPDUMP_PID" 2>/dev/null
		wait "$TCPDUMP_PID" 2>/dev/null
	fi
	timeout 10 ip netns del "$NSC" 2>/dev/null
	timeout 10 ip netns del "$NSS" 2>/dev/null
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

for tool in ip tcpdump dnsmasq dig timeout; do
	command -v "$tool" >/dev/null 2>&1 ||
	    [ -x "/usr/sbin/$tool" ] ||
	    { echo "capture.sh: missing $tool" >&2; exit 1; }
done
PATH=$PATH:/usr/sbin

C() { timeout 20 ip netns exec "$NSC" "$@"; }
S() { timeout 20 ip netns exec "$NSS" "$@"; }

timeout 10 ip netns del "$NSC" 2>/dev/null || true
timeout 10 ip netns del "$NSS" 2>/dev/null || true
timeout 10 ip netns add "$NSC"
timeout 10 ip netns add "$NSS"
for ns in "$NSC" "$NSS"; do
	timeout 10 ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	timeout 10 ip netns exec "$ns" sysctl -qw \
	    net.ipv6.conf.default.disable_ipv6=1
	timeout 10 ip netns exec "$ns" ip link set lo up
done
timeout 10 ip link add vethv1-c netns "$NSC" type veth \
    peer name vethv1-s netns "$NSS"
C ip addr add 198.18.6.1/24 dev vethv1-c
S ip addr add "$SRV/24" dev vethv1-s
S ip addr add "$AUTH/24" dev vethv1-s
C ip link set vethv1-c up
S ip link set vethv1-s up

# The zone. erg.test is served authoritatively (auth-zone) so that SOA and
# NS records exist and NXDOMAIN answers carry the SOA (RFC 2308).
cat > "$T/dnsmasq.conf" <<'CONF'
no-resolv
no-hosts
no-poll
bind-interfaces
listen-address=198.18.6.2
port=53
auth-server=ns1.zone.test,198.18.6.3
auth-zone=zone.test,198.18.6.0/24
auth-soa=2024061501,hostmaster.zone.test,1200,180,1209600
auth-ttl=300
host-record=ns1.zone.test,198.18.6.3
host-record=www.zone.test,198.18.6.11
local=/erg.test/
host-record=www.erg.test,198.18.6.10
host-record=v6.erg.test,2001:db8::1
host-record=v6.erg.test,2001:db8:0:1::abcd
host-record=v6.erg.test,2001:db8:0:0:1:0:0:1
host-record=v6.erg.test,::ffff:198.18.6.77
host-record=v6.erg.test,fe80::
host-record=v6.erg.test,::1
host-record=v6.erg.test,::198.18.6.1
host-record=v6.erg.test,1:0:0:2::3
cname=alias1.erg.test,alias2.erg.test
cname=alias2.erg.test,alias3.erg.test
cname=alias3.erg.test,www.erg.test
mx-host=erg.test,mail.erg.test,10
mx-host=erg.test,mx2.erg.test,20
host-record=mail.erg.test,198.18.6.25
txt-record=txt.erg.test,"v=spf1 ip4:198.18.6.0/24 -all"
txt-record=multi.erg.test,"first string","second string","",with spaces
txt-record=long.erg.test,"LONG_A","LONG_B"
txt-record=odd.erg.test,"quote\" back\\ semi; at@ tab	 bellBEL highHIGH dollar$"
srv-host=_sip._udp.erg.test,sip.erg.test,5060,0,5
srv-host=_sip._udp.erg.test,sip2.erg.test,5061,10,60
host-record=sip.erg.test,198.18.6.50
ptr-record=10.6.18.198.in-addr.arpa,www.erg.test
ptr-record=99.6.18.198.in-addr.arpa,odd_name*x.erg.test
ptr-record=98.6.18.198.in-addr.arpa,a(b)c@d$e;f\\g/i~.erg.test
dns-rr=unknown.erg.test,65280,0102030405
dns-rr=unknown.erg.test,65280,LONGHEX
dns-rr=unknown.erg.test,65280,
CONF
# Filled in here: lines too long to write above.
long_a=$(printf 'a%.0s' $(seq 1 255))
long_b=$(printf '0123456789%.0s' $(seq 1 12))
long_hex=$(printf '%02x' $(seq 0 39))
# Raw odd bytes in the TXT string: BEL (7) and 0xe9 (dnsmasq takes no
# numeric escapes, so they go in as they are).
bel=$(printf '\007')
high=$(printf '\351')
sed -i -e "s/LONG_A/$long_a/" -e "s/LONG_B/$long_b/" \
    -e "s/LONGHEX/$long_hex/" -e "s/BEL/$bel/" -e "s/HIGH/$high/" \
    "$T/dnsmasq.conf"
# Many A records: the answer does not fit in 512 bytes without EDNS (TC,
# then TCP).
i=1
while [ $i -le 40 ]; do
	echo "host-record=many.erg.test,198.18.7.$i" >> "$T/dnsmasq.conf"
	i=$((i + 1))
done

S tcpdump -i vethv1-s -n -s 0 -U -w "$T/cap.pcap" port 53 \
    2>"$T/tcpdump.err" &
TCPDUMP_PID=$!
i=0
until grep -q "listening on" "$T/tcpdump.err" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 50 ]; then
		echo "capture.sh: tcpdump did not start" >&2
		cat "$T/tcpdump.err" >&2
		exit 1
	fi
	sleep 0.1
done

ip netns exec "$NSS" timeout 120 dnsmasq --keep-in-foreground \
    --conf-file="$T/dnsmasq.conf" --log-facility="$T/dnsmasq.log" \
    --pid-file="$T/dnsmasq.pid" --user=root --group=root &
DNSMASQ_PID=$!
sleep 1
kill -0 "$DNSMASQ_PID"

# One question: dig +short NAME TYPE [options], its output recorded.
# ask SERVER NAME TYPE [dig options]
ask() {
	server=$1
	name=$2
	type=$3
	shift 3
	echo "@@ $name $type $*" >> "$T/dig.txt"
	C dig +short +tries=1 +time=3 "@$server" "$name" "$type" "$@" \
	    >> "$T/dig.txt"
	sleep 0.1
}

ask "$SRV" www.erg.test A
ask "$SRV" v6.erg.test AAAA
ask "$SRV" alias1.erg.test A
ask "$SRV" erg.test MX
ask "$AUTH" zone.test SOA
ask "$AUTH" zone.test NS
ask "$AUTH" www.zone.test A
ask "$AUTH" nx.zone.test A
ask "$SRV" txt.erg.test TXT
ask "$SRV" multi.erg.test TXT
ask "$SRV" long.erg.test TXT
ask "$SRV" odd.erg.test TXT
ask "$SRV" _sip._udp.erg.test SRV
ask "$SRV" 10.6.18.198.in-addr.arpa PTR
ask "$SRV" 99.6.18.198.in-addr.arpa PTR
ask "$SRV" 98.6.18.198.in-addr.arpa PTR
ask "$SRV" many.erg.test A
ask "$SRV" many.erg.test A +noedns
ask "$SRV" nx.erg.test A
ask "$SRV" www.erg.test MX
ask "$SRV" unknown.erg.test TYPE65280
ask "$SRV" WwW.ErG.TeSt A +nocookie

sleep 0.5
kill -INT "$TCPDUMP_PID"
wait "$TCPDUMP_PID" || true
TCPDUMP_PID=
cp "$T/cap.pcap" "$HERE/dns.pcap"
cp "$T/dig.txt" "$HERE/dig.txt"
echo "capture.sh: wrote $HERE/dns.pcap ($(wc -c < "$HERE/dns.pcap") bytes)" \
    "and $HERE/dig.txt"
