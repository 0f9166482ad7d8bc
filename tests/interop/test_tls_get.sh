#!/usr/bin/env bash
# tests/interop/test_tls_get.sh: erg-get fetches https:// URLs from TLS
# servers running on Linux: openssl s_server -www and lighttpd with
# mod_openssl, with the test PKI of tests/vectors/tls.
#
# Checks: erg-get gets s_server's status page with the ECDSA P-256 and
# the RSA 2048 certificate (exit 0; the page, written by OpenSSL, says
# TLSv1.2 and an ECDHE AEAD suite of the right key type); lighttpd serves
# 100 MB (a file of tool_bytes.h's stream) whose SHA-256 erg-get's output
# has, erg-get frees its connection and session, and 1 MB with the RSA
# certificate; an IP literal with --insecure works. Refused, exit 1 with
# one stderr line naming the error: an expired certificate
# (ETLS_EXPIRED), a certificate for another name (ETLS_HOSTNAME: the
# server presents other.test's when erg.test is asked for), one from an
# unrelated CA (ETLS_UNKNOWNCA), and the test CA when only the system
# bundle is trusted (no --cafile: ETLS_UNKNOWNCA); the expired server
# works with --insecure. In the capture, every ClientHello from erg asks
# for TLS 1.2, offers only erg's ECDHE AEAD suites and ALPN http/1.1,
# and names the URL's host in SNI (none for the IP literal); tshark finds
# no malformed frame, no bad checksum, no lost and no retransmitted
# segment.
set -u -o pipefail
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

BIG=${ERG_TLS_BIG:-104857600}
SMALL=1000000
ERG_TCPDUMP_BUFFER=${ERG_TCPDUMP_BUFFER:-131072}
LIGHTTPD_OPENSSL=/usr/lib/lighttpd/mod_openssl.so

erg_require openssl lighttpd python3 sha256sum ss
[ -r "$LIGHTTPD_OPENSSL" ] ||
    erg_skip "lighttpd has no TLS module ($LIGHTTPD_OPENSSL: install lighttpd-mod-openssl)"
erg_require_tool_option erg-get https --resolve --cafile --insecure
erg_tls_vectors ca.pem ec256.pem ec256.key ec256.chain.pem rsa2048.pem \
    rsa2048.key rsa2048.chain.pem expired.chain.pem expired.key \
    other.chain.pem other.key wrongca.chain.pem wrongca.key
erg_setup tls_get
erg_linux_no_tlp
# s_server on 4433 (ECDSA) and 4434 (RSA); lighttpd on 8443 (ECDSA),
# 8444 (RSA), 8445 (expired), 8446 (other.test), 8447 (unrelated CA).
erg_tshark_tls_ports 4433 4434 8443 8444 8445 8446 8447
erg_tcpdump_start

www=$ERG_WORK/www
mkdir -p "$www"
pyhost bytes "$BIG" >"$www/big" || erg_die "cannot write $www/big"
pyhost bytes "$SMALL" >"$www/small" || erg_die "cannot write $www/small"

# lighttpd: one process, one TLS socket per certificate.
lt_socket() {
	cat <<EOF
\$SERVER["socket"] == "$LINUX_IP:$1" {
	ssl.engine = "enable"
	ssl.pemfile = "$ERG_TLS/$2.chain.pem"
	ssl.privkey = "$ERG_TLS/$2.key"
}
EOF
}
{
	cat <<EOF
server.modules = ("mod_openssl")
server.document-root = "$www"
server.bind = "$LINUX_IP"
server.port = 8443
server.errorlog = "$ERG_WORK/lighttpd.err"
mimetype.assign = ("" => "application/octet-stream")
ssl.engine = "enable"
ssl.pemfile = "$ERG_TLS/ec256.chain.pem"
ssl.privkey = "$ERG_TLS/ec256.key"
EOF
	lt_socket 8444 rsa2048
	lt_socket 8445 expired
	lt_socket 8446 other
	lt_socket 8447 wrongca
} >"$ERG_WORK/lighttpd.conf"
lighttpd -tt -f "$ERG_WORK/lighttpd.conf" >"$ERG_WORK/lighttpd-tt.log" 2>&1 ||
    erg_die "lighttpd rejects its configuration: $(cat "$ERG_WORK/lighttpd-tt.log")"
erg_ns_spawn "$ERG_WORK/lighttpd.log" lighttpd -D -f "$ERG_WORK/lighttpd.conf"

# openssl s_server -www: a page that describes the session.
erg_ns_spawn "$ERG_WORK/s_server-ec.log" openssl s_server -www -quiet \
    -accept "$LINUX_IP:4433" -cert "$ERG_TLS/ec256.pem" \
    -key "$ERG_TLS/ec256.key"
erg_ns_spawn "$ERG_WORK/s_server-rsa.log" openssl s_server -www -quiet \
    -accept "$LINUX_IP:4434" -cert "$ERG_TLS/rsa2048.pem" \
    -key "$ERG_TLS/rsa2048.key"
if ! erg_wait_listen 4433 4434 8443 8444 8445 8446 8447; then
	cat "$ERG_WORK"/lighttpd*.log "$ERG_WORK"/lighttpd.err \
	    "$ERG_WORK"/s_server-*.log 2>/dev/null | sed 's/^/        /'
	erg_die "the TLS servers did not start"
fi
say "lighttpd on $LINUX_IP:8443-8447, openssl s_server -www on $LINUX_IP:4433-4434"

GET_LOG=$ERG_WORK/erg-get.log

# get ARGS...: erg-get on tap0 in the namespace (stderr to $GET_LOG).
get() {
	nsx timeout -k 5 120 "$ERG_BIN/erg-get" --tap "$ERG_TAP" \
	    --ip "$ERG_IP/$ERG_PREFIX" --mac "$ERG_MAC" --seed "$ERG_SEED" \
	    "$@" 2>"$GET_LOG"
}

# sanitizer_report WHAT: a sanitizer spoke in $GET_LOG (recorded).
sanitizer_report() {
	if grep -Eq 'Sanitizer|runtime error' "$GET_LOG"; then
		bad "erg-get $1: sanitizer report"
		sed 's/^/        /' "$GET_LOG" | head -n 30
		return 0
	fi
	return 1
}

# get_hash WHAT URL N [ARGS...]: erg-get URL exits 0 and writes the
# stream's first N bytes.
get_hash() {
	local what=$1 url=$2 n=$3 want got rc t0 t1 ms
	shift 3
	want=$(erg_bytes_sha256 "$n")
	t0=$(date +%s%N)
	got=$(get "$@" "$url" | sha_of)
	rc=${PIPESTATUS[0]}
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	sanitizer_report "$what" && return 1
	if [ "$rc" -eq 0 ] && [ "$got" = "$want" ]; then
		ok "erg-get $what: exit 0, the stream's SHA-256 ($ms ms, $((n / (ms + 1) / 1000)) MB/s)"
	else
		bad "erg-get $what: exit $rc, SHA-256 $got, want $want: $(tr '\n' ' ' <"$GET_LOG")"
	fi
}

# get_page WHAT PATTERN URL [ARGS...]: erg-get URL exits 0 and the body
# matches the extended regular expression PATTERN.
get_page() {
	local what=$1 pat=$2 url=$3 body rc
	shift 3
	body=$(get "$@" "$url")
	rc=$?
	sanitizer_report "$what" && return 1
	if [ "$rc" -eq 0 ] && grep -Eq -- "$pat" <<<"$body"; then
		ok "erg-get $what: exit 0, $(printf '%s\n' "$body" | grep -Eo -m1 -- "$pat")"
	else
		bad "erg-get $what: exit $rc, body without '$pat': $(printf '%s' "$body" | head -c 400 | tr '\n' ' ') stderr: $(tr '\n' ' ' <"$GET_LOG")"
	fi
}

# get_fails WHAT STATUS MENTION ARGS...: erg-get exits STATUS with one
# line on stderr that mentions MENTION, and writes nothing on stdout.
get_fails() {
	local what=$1 want=$2 mention=$3 rc n
	shift 3
	n=$(get "$@" | wc -c)
	rc=${PIPESTATUS[0]}
	sanitizer_report "$what" && return 1
	if [ "$rc" -eq "$want" ] && [ "$(wc -l <"$GET_LOG")" -eq 1 ] &&
	    grep -Fq -- "$mention" "$GET_LOG" && [ "$n" -eq 0 ]; then
		ok "erg-get $what: exit $rc: $(cat "$GET_LOG")"
	else
		bad "erg-get $what: exit $rc (want $want), $n bytes out, stderr: $(tr '\n' '|' <"$GET_LOG") (want one line with '$mention')"
	fi
}

ca=(--cafile "$ERG_TLS/ca.pem")
AEAD='(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)'

# s_server's page: "New, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256".
get_page "s_server -www, ECDSA P-256" \
    "New, TLSv1\\.2, Cipher is ECDHE-ECDSA-$AEAD\$" \
    https://erg.test:4433/ --resolve "erg.test:$LINUX_IP" "${ca[@]}"
get_page "s_server -www, RSA 2048" \
    "New, TLSv1\\.2, Cipher is ECDHE-RSA-$AEAD\$" \
    https://rsa.erg.test:4434/ --resolve "rsa.erg.test:$LINUX_IP" "${ca[@]}"

get_hash "$BIG bytes from lighttpd (ECDSA)" https://erg.test:8443/big \
    "$BIG" --resolve "erg.test:$LINUX_IP" "${ca[@]}" --stats -v
for c in tcp.conns_in_use tls.sessions_in_use; do
	v=$(erg_stat "$c" "$GET_LOG")
	if [ "$v" = 0 ]; then
		ok "erg-get: $c 0 at exit"
	else
		bad "erg-get: $c at exit is ${v:-missing}, want 0"
	fi
done
v=$(erg_stat tls.handshakes "$GET_LOG")
[ "$v" = 1 ] || bad "erg-get: tls.handshakes at exit is ${v:-missing}, want 1"
get_hash "$SMALL bytes from lighttpd (RSA)" https://rsa.erg.test:8444/small \
    "$SMALL" --resolve "rsa.erg.test:$LINUX_IP" "${ca[@]}"
get_hash "an IP literal, --insecure" "https://$LINUX_IP:8443/small" \
    "$SMALL" --insecure

get_fails "an expired certificate" 1 ETLS_EXPIRED \
    --resolve "expired.erg.test:$LINUX_IP" "${ca[@]}" \
    https://expired.erg.test:8445/small
get_fails "a certificate for other.test at erg.test" 1 ETLS_HOSTNAME \
    --resolve "erg.test:$LINUX_IP" "${ca[@]}" https://erg.test:8446/small
get_fails "a certificate from an unrelated CA" 1 ETLS_UNKNOWNCA \
    --resolve "erg.test:$LINUX_IP" "${ca[@]}" https://erg.test:8447/small
get_fails "the test CA, only the system bundle trusted" 1 ETLS_UNKNOWNCA \
    --resolve "erg.test:$LINUX_IP" https://erg.test:8443/small
get_hash "the expired certificate with --insecure" \
    https://expired.erg.test:8445/small "$SMALL" \
    --resolve "expired.erg.test:$LINUX_IP" --insecure

erg_tcpdump_stop

# erg's ClientHellos, one line each: port, versions, suites, SNI, ALPN.
hello=$ERG_WORK/client-hellos.txt
tshark -n -r "$ERG_PCAP" "${ERG_TSHARK_PREFS[@]}" \
    -Y "eth.src == $ERG_MAC && tls.handshake.type == 1" -T fields \
    -E separator=/t -E occurrence=a -E aggregator=, -e tcp.dstport \
    -e tls.handshake.version -e tls.handshake.ciphersuite \
    -e tls.handshake.extensions_server_name \
    -e tls.handshake.extensions_alpn_str >"$hello" 2>/dev/null
check "erg's ClientHellos: TLS 1.2, erg's suites, SNI, ALPN http/1.1" \
    python3 - "$hello" <<'PYEOF'
import sys

# What each port's requests asked for (see the erg-get calls above).
WANT_SNI = {4433: ["erg.test"], 4434: ["rsa.erg.test"],
            8443: ["erg.test", "erg.test", ""], 8444: ["rsa.erg.test"],
            8445: ["expired.erg.test", "expired.erg.test"],
            8446: ["erg.test"], 8447: ["erg.test"]}
# erg/tls.h: ECDHE with AES-GCM or ChaCha20-Poly1305, ECDSA or RSA;
# 0x00ff (the renegotiation SCSV of RFC 5746) may come with them.
SUITES = {0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0x00FF}
fails = []
seen = {}
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    f += [""] * (5 - len(f))
    port, ver, suites, sni, alpn = int(f[0]), f[1], f[2], f[3], f[4]
    seen.setdefault(port, []).append(sni)
    if int(ver, 16) != 0x0303:
        fails.append("port %d: ClientHello version %s (want 0x0303)" % (port, ver))
    s = {int(x, 16) for x in suites.split(",") if x}
    if not s or not s <= SUITES or not s - {0x00FF}:
        fails.append("port %d: suites %s, not erg's ECDHE AEAD ones" % (port, suites))
    if "http/1.1" not in alpn.split(","):
        fails.append("port %d: ALPN '%s' (want http/1.1 offered)" % (port, alpn))
for port, want in WANT_SNI.items():
    if sorted(seen.get(port, [])) != sorted(want):
        fails.append("port %d: SNI %s, want %s" % (port, seen.get(port), want))
for port in seen:
    if port not in WANT_SNI:
        fails.append("port %d: unexpected ClientHello" % port)
print("%d ClientHellos from erg" % sum(len(v) for v in seen.values()))
for f in fails:
    print("FAIL: " + f)
sys.exit(1 if fails else 0)
PYEOF
erg_tshark_check_tcp
erg_finish
