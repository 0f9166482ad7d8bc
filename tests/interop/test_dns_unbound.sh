#!/usr/bin/env bash
# tests/interop/test_dns_unbound.sh: erg-dig against unbound, compared
# with dig.
#
# unbound, on the namespace's side of tap0 (198.18.0.1), with no way out
# (no internet, no root hints used), serves erg.test and
# 0.18.198.in-addr.arpa from zone files as auth-zones (RFC 8806's
# mechanism, answered with AA as an authoritative server would: CNAME
# chains inside the zone are followed in the answer, RFC 1034 4.3.2), with
# the records of test_dns_dnsmasq.sh plus SOA and NS: A, AAAA, a CNAME
# chain of three links, MX, TXT (with escapes), SRV, PTR, TYPE65400, ten
# TXT records and 100 A records that need TCP, and NXDOMAIN for the rest.
# RFC 6761 reserves test., which unbound answers NXDOMAIN for by default:
# "local-zone: test. nodefault" lets the zone through.
#
# Checks: for each question erg-dig on tap0 prints on stdout exactly what
# `dig +short` prints for it (in order: unbound keeps the zone's order,
# rrset-roundrobin off), and exits 0, for NXDOMAIN and NODATA too (nothing
# on stdout, the reason on stderr); the two large answers came over TCP;
# erg counted no malformed or spoofed answer; tshark finds no malformed
# frame or warning in the capture.
set -u -o pipefail
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

erg_require unbound dig cmp sort
erg_require_tool erg-dig
erg_setup dns_unbound

# ---- unbound's zones and configuration --------------------------------------

zone=$ERG_WORK/erg.test.zone
rev=$ERG_WORK/rev.zone
conf=$ERG_WORK/unbound.conf
x90=$(printf 'x%.0s' $(seq 1 90))
y90=$(printf 'y%.0s' $(seq 1 90))
{
	echo '$ORIGIN erg.test.'
	echo '$TTL 300'
	echo '@ 3600 IN SOA ns.erg.test. hostmaster.erg.test. 2024010101 3600 900 604800 300'
	echo '@ 3600 IN NS ns'
	echo 'ns IN A 198.18.0.1'
	echo 'a IN A 198.18.0.10'
	echo 'v6 IN AAAA 2001:db8::1:2'
	echo 'c1 IN CNAME c2'
	echo 'c2 IN CNAME c3'
	echo 'c3 IN CNAME a'
	echo '@ IN MX 10 mx1'
	echo '@ IN MX 20 mx2'
	echo 'txt IN TXT "hello world" "second string"'
	echo 'txt IN TXT "v=spf1 -all"'
	printf '%s\n' 'esc IN TXT "quote \" backslash \\ semi; tab\009end"'
	echo '_sip._udp IN SRV 0 5 5060 sip'
	echo '_sip._udp IN SRV 1 10 5061 sip2'
	printf '%s\n' 'unk IN TYPE65400 \# 8 0123456789abcdef'
	for i in $(seq -w 1 10); do
		echo "big IN TXT \"big-$i-$x90\" \"second-$i-$y90\""
	done
	for i in $(seq 1 100); do
		echo "many IN A 198.18.2.$i"
	done
} >"$zone"
{
	echo '$ORIGIN 0.18.198.in-addr.arpa.'
	echo '$TTL 300'
	echo '@ 3600 IN SOA ns.erg.test. hostmaster.erg.test. 1 3600 900 604800 300'
	echo '@ IN NS ns.erg.test.'
	echo '10 IN PTR a.erg.test.'
	echo '20 IN PTR ptr.erg.test.'
} >"$rev"
cat >"$conf" <<EOF
server:
	interface: $LINUX_IP
	port: 53
	do-ip6: no
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$ERG_WORK"
	pidfile: "$ERG_WORK/unbound.pid"
	logfile: ""
	use-syslog: no
	verbosity: 1
	log-queries: yes
	access-control: 198.18.0.0/15 allow
	module-config: "iterator"
	rrset-roundrobin: no
	edns-buffer-size: 1232
	local-zone: "test." nodefault
auth-zone:
	name: "erg.test."
	zonefile: "$zone"
	for-downstream: yes
	for-upstream: yes
	fallback-enabled: no
auth-zone:
	name: "0.18.198.in-addr.arpa."
	zonefile: "$rev"
	for-downstream: yes
	for-upstream: yes
	fallback-enabled: no
remote-control:
	control-enable: no
EOF
if command -v unbound-checkconf >/dev/null 2>&1; then
	out=$(unbound-checkconf "$conf" 2>&1) ||
	    erg_die "unbound-checkconf refuses $conf: $out"
fi

erg_tcpdump_start
erg_ns_spawn "$ERG_WORK/unbound.log" unbound -d -c "$conf"
ub=$ERG_SPAWNED
for ((i = 0; i < 100; i++)); do
	erg_alive "$ub" || break
	[ -n "$(nsx ss -Hlun 'sport = :53' 2>/dev/null)" ] &&
	    [ -n "$(nsx ss -Hltn 'sport = :53' 2>/dev/null)" ] && break
	sleep 0.1
done
if ! erg_alive "$ub" || [ -z "$(nsx ss -Hltn 'sport = :53' 2>/dev/null)" ]; then
	sed 's/^/        /' "$ERG_WORK/unbound.log"
	erg_die "unbound did not start listening on $LINUX_IP port 53 within 10 s"
fi
say "unbound (pid $ub) serves erg.test on $LINUX_IP"
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
erg_dig_compare "SRV" ordered _sip._udp.erg.test SRV "${st[@]}"
erg_dig_compare "PTR from a dotted quad (dig -x)" ordered 198.18.0.10 PTR \
    "${st[@]}"
erg_dig_compare "PTR" ordered 20.0.18.198.in-addr.arpa PTR "${st[@]}"
erg_dig_compare "NS" ordered erg.test NS "${st[@]}"
erg_dig_compare "SOA" ordered erg.test SOA "${st[@]}"
erg_dig_compare "unknown type (RFC 3597)" ordered unk.erg.test TYPE65400 \
    "${st[@]}"

erg_dig_compare "NXDOMAIN" empty nx.erg.test A "${st[@]}" &&
    check "NXDOMAIN said on stderr" grep -q 'NXDOMAIN' "$ERG_DIG_ERR"
erg_dig_compare "NODATA" empty a.erg.test MX "${st[@]}" &&
    check "NODATA said on stderr" grep -q 'no data' "$ERG_DIG_ERR"

# ---- answers that need TCP ----------------------------------------------------

erg_dig_compare "TXT of 2,100 bytes" ordered big.erg.test TXT "${st[@]}" &&
    erg_dig_used_tcp "TXT of 2,100 bytes"
erg_dig_compare "100 A records" ordered many.erg.test A "${st[@]}" &&
    erg_dig_used_tcp "100 A records"

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
if [ "$n" -ge 2 ]; then
	ok "the capture holds $n TCP connections from erg to port 53"
else
	bad "the capture holds $n TCP SYNs from erg to port 53 (want 2)"
fi
erg_tshark_check
erg_finish
