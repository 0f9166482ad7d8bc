#!/usr/bin/env bash
# tests/interop/test_dns_dnsmasq.sh: erg-dig against dnsmasq, compared
# with dig.
#
# dnsmasq serves, on the namespace's side of tap0 (198.18.0.1), local
# records under erg.test: A, AAAA, a CNAME chain of three links (c1 -> c2
# -> c3 -> a), MX, TXT (two records, one of two strings, one with a quote,
# a backslash and a tab that dig escapes), SRV, PTR, a record of a type
# erg does not decode (TYPE65400, printed as RFC 3597 \# data), and two
# names whose answers do not fit in the 1232 bytes of EDNS(0) UDP (ten
# TXT records of 190 bytes; 100 A records), so that they are truncated
# over UDP and asked again over TCP (RFC 7766); and it answers NXDOMAIN
# for any other name under erg.test.
#
# Checks: for each question, erg-dig on tap0 (erg's stub resolver, server
# given by --server) prints on stdout exactly what `dig +short` prints for
# the same question to the same server (identical lines in order where
# the order is the server's and stable: a CNAME chain, MX, TXT; the same
# lines in any order where dnsmasq shuffles the RRset: SRV, the 100 A
# records), and exits 0, for NXDOMAIN and NODATA too (nothing on stdout,
# the reason on stderr); the two large answers came over TCP (erg's
# dns.truncated and dns.tcp_queries counters, and a TCP SYN from erg to
# port 53 in the capture); the same with --dhcp, the server being the one
# dnsmasq's DHCP lease names; erg-get fetches http://NAME:8081/... from a
# Python HTTP server on Linux, NAME resolved through dnsmasq (through a
# CNAME, with --dns; with --dhcp), body checked by hash, and fails with
# one line (exit 1) for a name that does not exist; erg counted no
# malformed or spoofed answer; tshark finds no malformed frame or warning
# in the capture of it all.
set -u -o pipefail
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

erg_require dnsmasq dig cmp sort python3 sha256sum
erg_require_tool erg-dig erg-get
erg_setup dns_dnsmasq
# erg-get's download below must show no retransmission (lib.sh).
erg_linux_no_tlp

# ---- dnsmasq's configuration --------------------------------------------------

conf=$ERG_WORK/dnsmasq.conf
many=$ERG_WORK/many.hosts
for i in $(seq 1 100); do
	echo "198.18.2.$i many.erg.test"
done >"$many"
x90=$(printf 'x%.0s' $(seq 1 90))
y90=$(printf 'y%.0s' $(seq 1 90))
{
	# DNS on tap0 only, no upstream, no /etc/hosts: only what is here.
	echo "interface=$ERG_TAP"
	echo "bind-interfaces"
	echo "no-resolv"
	echo "no-hosts"
	echo "log-queries"
	echo "log-dhcp"
	echo "local=/erg.test/"
	echo "local=/0.18.198.in-addr.arpa/"
	echo "host-record=a.erg.test,198.18.0.10"
	echo "host-record=v6.erg.test,2001:db8::1:2"
	echo "cname=c1.erg.test,c2.erg.test"
	echo "cname=c2.erg.test,c3.erg.test"
	echo "cname=c3.erg.test,a.erg.test"
	echo "mx-host=erg.test,mx1.erg.test,10"
	echo "mx-host=erg.test,mx2.erg.test,20"
	echo 'txt-record=txt.erg.test,"hello world","second string"'
	echo 'txt-record=txt.erg.test,"v=spf1 -all"'
	printf '%s\n' 'txt-record=esc.erg.test,"quote \" backslash \\ semi; tab	end"'
	echo "srv-host=_sip._udp.erg.test,sip.erg.test,5060,0,5"
	echo "srv-host=_sip._udp.erg.test,sip2.erg.test,5061,1,10"
	echo "ptr-record=20.0.18.198.in-addr.arpa,ptr.erg.test"
	echo "host-record=www.erg.test,$LINUX_IP"
	echo "cname=web.erg.test,www.erg.test"
	echo "dns-rr=unk.erg.test,65400,0123456789abcdef"
	for i in $(seq -w 1 10); do
		echo "txt-record=big.erg.test,\"big-$i-$x90\",\"second-$i-$y90\""
	done
	echo "addn-hosts=$many"
	# DHCP, for erg-dig --dhcp: the lease names dnsmasq as DNS server.
	# no-ping: offer at once (dnsmasq otherwise pings the address first).
	echo "dhcp-range=198.18.0.50,198.18.0.99,255.255.255.0,2m"
	echo "dhcp-authoritative"
	echo "no-ping"
} >"$conf"

erg_tcpdump_start
erg_dnsmasq_start "$conf"
ERG_DNS_SERVER=$LINUX_IP
st=(--ip "$ERG_IP/$ERG_PREFIX" --server "$LINUX_IP")

# ---- every record type, erg-dig == dig +short --------------------------------

erg_dig_compare "A" ordered a.erg.test A "${st[@]}"
erg_dig_compare "A, name in capitals (RFC 4343)" ordered A.ERG.TEST A "${st[@]}"
erg_dig_compare "AAAA" ordered v6.erg.test AAAA "${st[@]}"
erg_dig_compare "CNAME chain of 3 followed to the A" ordered c1.erg.test A \
    "${st[@]}"
erg_dig_compare "CNAME itself" ordered c1.erg.test CNAME "${st[@]}"
erg_dig_compare "CNAME chain to a name without AAAA" ordered c1.erg.test AAAA \
    "${st[@]}"
erg_dig_compare "MX" ordered erg.test MX "${st[@]}"
erg_dig_compare "TXT" ordered txt.erg.test TXT "${st[@]}"
erg_dig_compare "TXT with escapes" ordered esc.erg.test TXT "${st[@]}"
erg_dig_compare "SRV" set _sip._udp.erg.test SRV "${st[@]}"
erg_dig_compare "PTR from a dotted quad (dig -x)" ordered 198.18.0.20 PTR \
    "${st[@]}"
erg_dig_compare "PTR of a host-record" ordered 10.0.18.198.in-addr.arpa PTR \
    "${st[@]}"
erg_dig_compare "unknown type (RFC 3597)" ordered unk.erg.test TYPE65400 \
    "${st[@]}"

erg_dig_compare "NXDOMAIN" empty nx.erg.test A "${st[@]}" &&
    check "NXDOMAIN said on stderr" grep -q 'NXDOMAIN' "$ERG_DIG_ERR"
erg_dig_compare "NODATA" empty a.erg.test MX "${st[@]}" &&
    check "NODATA said on stderr" grep -q 'no data' "$ERG_DIG_ERR"

# ---- answers that need TCP ----------------------------------------------------

erg_dig_compare "TXT of 2,100 bytes" ordered big.erg.test TXT "${st[@]}" &&
    erg_dig_used_tcp "TXT of 2,100 bytes"
erg_dig_compare "100 A records" set many.erg.test A "${st[@]}" &&
    erg_dig_used_tcp "100 A records"

# ---- with --dhcp: the server the lease names ----------------------------------

erg_dig_compare "--dhcp: A through a CNAME chain" ordered c1.erg.test A --dhcp &&
    check "--dhcp: erg-dig took a DHCP lease" \
        test "$(erg_stat dhcp.acks "$ERG_DIG_ERR")" -ge 1
erg_dig_compare "--dhcp: TXT over TCP" ordered big.erg.test TXT --dhcp &&
    erg_dig_used_tcp "--dhcp: TXT over TCP"

# ---- erg-get: a URL's name resolved through DNS ---------------------------------

ip netns exec "$ERG_NS" python3 "$ERG_PY" httpd "$LINUX_IP" 8081 300 \
    >"$ERG_WORK/httpd.log" 2>&1 &
ERG_PIDS+=("$!")
erg_wait_listen 8081 || erg_die "the HTTP server did not start listening"
GET_LOG=$ERG_WORK/erg-get.log
# get_by_name WHAT URL N [OPTION...]: erg-get URL (its name resolved by
# DNS) exits 0, writes the stream's first N bytes, and says (-v) that DNS
# gave the name $LINUX_IP.
get_by_name() {
	local what=$1 url=$2 n=$3 got rc
	shift 3
	got=$(nsx timeout 60 "$ERG_BIN/erg-get" --tap "$ERG_TAP" \
	    --mac "$ERG_MAC" --seed 77 -v --stats "$@" "$url" 2>"$GET_LOG" |
	    sha_of)
	rc=${PIPESTATUS[0]}
	if grep -Eq 'Sanitizer|runtime error' "$GET_LOG"; then
		bad "erg-get $what: sanitizer report"
		sed 's/^/        /' "$GET_LOG" | head -n 30
	elif [ "$rc" -eq 0 ] && [ "$got" = "$(erg_bytes_sha256 "$n")" ] &&
	    grep -q "^erg-get: [a-z.]* is $LINUX_IP (DNS: $LINUX_IP" "$GET_LOG"; then
		ok "erg-get $what: $(grep "^erg-get: [a-z.]* is " "$GET_LOG" | sed 's/^erg-get: //'), body's SHA-256 right"
	else
		bad "erg-get $what: exit $rc, SHA-256 $got: $(grep -v '^[a-z_0-9]*\.[a-z_0-9.]* [0-9]*$' "$GET_LOG" | tr '\n' '|')"
	fi
}
get_by_name "--dns, through a CNAME" "http://web.erg.test:8081/bytes/100000" \
    100000 --ip "$ERG_IP/$ERG_PREFIX" --dns "$LINUX_IP"
get_by_name "--dhcp" "http://www.erg.test:8081/bytes/100000" 100000 --dhcp
nsx timeout 60 "$ERG_BIN/erg-get" --tap "$ERG_TAP" --mac "$ERG_MAC" --seed 78 \
    --ip "$ERG_IP/$ERG_PREFIX" --dns "$LINUX_IP" \
    "http://nx.erg.test:8081/bytes/1" >/dev/null 2>"$GET_LOG"
rc=$?
if [ "$rc" -eq 1 ] && [ "$(wc -l <"$GET_LOG")" -eq 1 ] &&
    grep -q 'cannot resolve nx.erg.test.*NXDOMAIN' "$GET_LOG"; then
	ok "erg-get to a name that does not exist: exit 1: $(cat "$GET_LOG")"
else
	bad "erg-get to a name that does not exist: exit $rc (want 1), stderr: $(tr '\n' '|' <"$GET_LOG")"
fi

erg_tcpdump_stop

# ---- counters and the capture -------------------------------------------------

bad_answers=0
for f in "$ERG_WORK"/dig-*.err; do
	for c in dns.malformed dns.spoofed dns.tcp_fail; do
		v=$(erg_stat "$c" "$f")
		if [ "${v:-x}" != 0 ]; then
			bad "$(basename "$f"): erg's counter $c is ${v:-missing}, want 0"
			bad_answers=$((bad_answers + 1))
		fi
	done
done
[ "$bad_answers" -eq 0 ] &&
    ok "every erg-dig run: dns.malformed, dns.spoofed and dns.tcp_fail are 0"

n=$(tshark -n -r "$ERG_PCAP" -Y "eth.src == $ERG_MAC && tcp.dstport == 53 && tcp.flags.syn == 1 && tcp.flags.ack == 0" 2>/dev/null | wc -l)
if [ "$n" -ge 3 ]; then
	ok "the capture holds $n TCP connections from erg to port 53"
else
	bad "the capture holds $n TCP SYNs from erg to port 53 (want 3: two with --ip, one with --dhcp)"
fi
erg_tshark_check_tcp -p 8081
erg_finish
