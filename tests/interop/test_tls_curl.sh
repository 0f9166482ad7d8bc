#!/usr/bin/env bash
# tests/interop/test_tls_curl.sh: curl, openssl s_client and socat against
# erg-echo's TLS services (HTTPS on 443, TLS echo on 7443), over Linux's
# TCP, with the test PKI of tests/vectors/tls.
#
# erg-echo holds three certificates: ECDSA P-256 for erg.test and
# *.erg.test (the first: the default), RSA 2048 for rsa.erg.test and
# ECDSA P-384 for p384.erg.test, each chosen by SNI (--cert-name).
#
# Checks:
# - curl downloads 100 MB (GET /bytes/104857600) from https://erg.test/
#   and from https://rsa.erg.test/, each verified against ca.pem, and the
#   SHA-256 is that of tool_bytes.h's stream; curl -v shows TLS 1.2, an
#   ECDHE AEAD suite of the certificate's key type, ALPN http/1.1
#   accepted, and the right certificate (subject, issuer, verify ok);
# - SNI: each name gets its certificate (s_client shows the subject), in
#   any ASCII case; a name no certificate claims, and no SNI at all, get
#   the default one;
# - openssl s_client -alpn http/1.1 verifies the chain (Verify return
#   code 0), negotiates TLSv1.2, an ECDHE AEAD suite, ALPN http/1.1 and
#   secure renegotiation (RFC 5746); each of erg's six suites and each of
#   its curves X25519, P-256, P-384 can be negotiated on its own;
#   CBC suites, static RSA key exchange and TLS 1.3 alone are refused;
# - TLS 1.0 and 1.1 are refused with a protocol_version alert (RFC 5246
#   E.1), although OpenSSL offered them (seen in the capture);
# - session resumption (RFC 5246 7.3): s_client -sess_out / -sess_in
#   shows "Reused", for both key types; a session is not resumed under
#   another server name (RFC 6066 section 3);
# - HTTP keep-alive inside TLS (two URLs, one connection) and four
#   downloads at once;
# - TLS echo on 7443 through socat OPENSSL: 0 B, 1 B, 100 kB and 4 MiB
#   come back identical (SHA-256);
# - erg frees every session and connection (tls.sessions_in_use,
#   tcp.conns_in_use 0 at exit), resumed at least twice, retransmits
#   nothing; tshark (decoding 443 and 7443 as TLS) finds no malformed
#   frame, no bad checksum, no lost and no retransmitted segment.
set -u -o pipefail
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

BIG=${ERG_TLS_BIG:-104857600}
ECHO=${ERG_TLS_ECHO:-4194304}
# 128 MiB of capture ring (65536 frames): the downloads are fast.
ERG_TCPDUMP_BUFFER=${ERG_TCPDUMP_BUFFER:-131072}

erg_require curl openssl socat python3 sha256sum ss
erg_require_tool_option erg-echo --cert --key --cert-name
erg_tls_vectors ca.pem ec256.chain.pem ec256.key rsa2048.chain.pem \
    rsa2048.key ec384.chain.pem ec384.key
CA=$ERG_TLS/ca.pem
erg_setup tls_curl
erg_linux_no_tlp
erg_tshark_tls_ports 7443
erg_tcpdump_start
erg_start --cert "$ERG_TLS/ec256.chain.pem" --key "$ERG_TLS/ec256.key" \
    --cert-name erg.test \
    --cert "$ERG_TLS/rsa2048.chain.pem" --key "$ERG_TLS/rsa2048.key" \
    --cert-name rsa.erg.test \
    --cert "$ERG_TLS/ec384.chain.pem" --key "$ERG_TLS/ec384.key" \
    --cert-name p384.erg.test

AEAD='(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)'

# has TEXT PATTERN: TEXT has a line matching the extended regexp PATTERN.
has() {
	# A here-string, not a pipe: with pipefail, grep -q leaving early
	# would fail the printf (SIGPIPE) on a long output.
	grep -Eq -- "$2" <<<"$1"
}

# ---- curl: 100 MB each way of the certificate's key type ------------------

# curl_big NAME KEYTYPE: GET /bytes/$BIG from https://NAME/, hash and
# curl -v's account of the session checked.
curl_big() {
	local name=$1 kt=$2 want got log=$ERG_WORK/curl-$1.log t0 t1 ms v
	local fails=
	want=$(erg_bytes_sha256 "$BIG")
	t0=$(date +%s%N)
	got=$(nsx timeout 120 curl -sS -v --fail --cacert "$CA" \
	    --resolve "$name:443:$ERG_IP" "https://$name/bytes/$BIG" \
	    2>"$log" | sha_of)
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	if [ "$got" = "$want" ]; then
		ok "curl https://$name/bytes/$BIG: SHA-256 matches tool_bytes.h's stream ($ms ms, $((BIG / (ms + 1) / 1000)) MB/s)"
	else
		bad "curl https://$name/bytes/$BIG: SHA-256 $got, want $want ($ms ms): $(grep -v '^[<>{}]' "$log" | tail -n 5 | tr '\n' ' ')"
	fi
	v=$(grep '^\*' "$log")
	has "$v" "^\* SSL connection using TLSv1\\.2 / ECDHE-$kt-$AEAD\$" ||
	    fails="$fails, not TLSv1.2 with ECDHE-$kt AEAD"
	has "$v" '^\* ALPN: server accepted http/1\.1' ||
	    fails="$fails, ALPN http/1.1 not accepted"
	has "$v" "^\*  subject: CN=$name\$" || fails="$fails, subject not CN=$name"
	has "$v" '^\*  issuer: CN=erg test root CA; O=erg$' ||
	    fails="$fails, issuer not the test CA"
	has "$v" '^\*  SSL certificate verify ok' || fails="$fails, not verified"
	if [ -z "$fails" ]; then
		ok "curl -v https://$name/: $(printf '%s\n' "$v" | sed -n 's/^\* SSL connection using //p'), ALPN http/1.1, CN=$name from the test CA, verified"
	else
		bad "curl -v https://$name/:${fails#,}"
		printf '%s\n' "$v" | sed 's/^/        /' | head -n 40
	fi
}

curl_big erg.test ECDSA
curl_big rsa.erg.test RSA

# ---- curl: HTTP inside TLS ------------------------------------------------

# curl_check WHAT EXPECT CURL-ARGS...: curl's -w output must be EXPECT.
curl_check() {
	local what=$1 want=$2 got
	shift 2
	got=$(nsx timeout 30 curl -sS -o /dev/null --cacert "$CA" \
	    --resolve "erg.test:443:$ERG_IP" --resolve "rsa.erg.test:443:$ERG_IP" \
	    "$@" 2>&1)
	if [ "$got" = "$want" ]; then
		ok "curl $what: $got"
	else
		bad "curl $what: got '$got', want '$want'"
	fi
}

curl_check "HTTP/1.1 over TLS, ALPN" "200 1.1 0" \
    -w '%{http_code} %{http_version} %{ssl_verify_result}' \
    https://erg.test/bytes/1000
curl_check "two URLs on one TLS connection (keep-alive)" "200 1 200 0 " \
    -w '%{http_code} %{num_connects} ' https://erg.test/bytes/100 \
    -o /dev/null https://erg.test/bytes/200
curl_check "GET /nope over TLS" "404" -w '%{http_code}' https://erg.test/nope

# Four downloads at once, two per certificate.
pids=()
for i in 1 2 3 4; do
	if [ $((i % 2)) -eq 0 ]; then n=rsa.erg.test; else n=erg.test; fi
	nsx timeout 60 curl -sS --fail --cacert "$CA" --resolve "$n:443:$ERG_IP" \
	    "https://$n/bytes/$((1000000 + i))" 2>"$ERG_WORK/par$i.err" |
	    sha_of >"$ERG_WORK/par$i.sha" &
	pids+=("$!")
done
for p in "${pids[@]}"; do
	wait "$p"
done
n_ok=0
for i in 1 2 3 4; do
	if [ "$(cat "$ERG_WORK/par$i.sha")" = "$(erg_bytes_sha256 $((1000000 + i)))" ]; then
		n_ok=$((n_ok + 1))
	else
		say "download $i: $(cat "$ERG_WORK/par$i.err")"
	fi
done
if [ "$n_ok" -eq 4 ]; then
	ok "four downloads at once: all four hashes match"
else
	bad "four downloads at once: $n_ok of 4 hashes match"
fi

# ---- openssl s_client -----------------------------------------------------

# sclient ARGS...: openssl s_client at erg's 443 with the test CA; its
# stdout and stderr.  Its exit status is that of s_client.
sclient() {
	nsx timeout 20 openssl s_client -connect "$ERG_IP:443" -CAfile "$CA" \
	    "$@" </dev/null 2>&1
}

# s_ok WHAT PATTERN... -- ARGS...: s_client ARGS exits 0 and its output
# has a line matching each PATTERN.
s_ok() {
	local what=$1 pats=() out rc p miss=
	shift
	while [ "$1" != -- ]; do
		pats+=("$1")
		shift
	done
	shift
	out=$(sclient "$@")
	rc=$?
	for p in "${pats[@]}"; do
		has "$out" "$p" || miss="$miss '$p'"
	done
	if [ "$rc" -eq 0 ] && [ -z "$miss" ]; then
		ok "s_client $what"
	else
		bad "s_client $what: exit $rc, missing:$miss"
		printf '%s\n' "$out" | grep -Ev '^(    |-----|[A-Za-z0-9+/=]{64}$)' |
		    head -n 30 | sed 's/^/        /'
	fi
}

# s_fails WHAT PATTERN ARGS...: s_client ARGS fails (no session) and its
# output has a line matching PATTERN.
s_fails() {
	local what=$1 pat=$2 out rc
	shift 2
	out=$(sclient "$@")
	rc=$?
	if [ "$rc" -ne 0 ] && has "$out" '^New, \(NONE\), Cipher is \(NONE\)' &&
	    has "$out" "$pat"; then
		ok "s_client $what: refused: $(printf '%s\n' "$out" | grep -E -m1 -- "$pat" | cut -c1-110)"
	else
		bad "s_client $what: exit $rc, want a failed handshake and '$pat'"
		printf '%s\n' "$out" | grep -Ev '^(    |-----|[A-Za-z0-9+/=]{64}$)' |
		    head -n 30 | sed 's/^/        /'
	fi
}

s_ok "-servername erg.test -alpn http/1.1: verified TLSv1.2 ECDHE AEAD, ALPN" \
    '^Verification: OK$' '^    Verify return code: 0 \(ok\)$' \
    '^    Protocol  : TLSv1\.2$' "^    Cipher    : ECDHE-ECDSA-$AEAD\$" \
    '^ALPN protocol: http/1\.1$' '^Secure Renegotiation IS supported$' \
    '^subject=CN = erg\.test$' '^issuer=CN = erg test root CA, O = erg$' \
    -- -servername erg.test -alpn http/1.1 -verify_return_error

# SNI: each name its certificate.
s_ok "SNI rsa.erg.test: the RSA 2048 certificate" \
    '^subject=CN = rsa\.erg\.test$' '^Server public key is 2048 bit$' \
    '^    Verify return code: 0 \(ok\)$' "^    Cipher    : ECDHE-RSA-$AEAD\$" \
    -- -servername rsa.erg.test -verify_return_error
s_ok "SNI p384.erg.test: the ECDSA P-384 certificate" \
    '^subject=CN = p384\.erg\.test$' '^Server public key is 384 bit$' \
    '^    Verify return code: 0 \(ok\)$' "^    Cipher    : ECDHE-ECDSA-$AEAD\$" \
    -- -servername p384.erg.test -verify_return_error
s_ok "SNI RSA.ERG.Test (ASCII case ignored): the RSA certificate" \
    '^subject=CN = rsa\.erg\.test$' \
    -- -servername RSA.ERG.Test
s_ok "SNI www.erg.test (claimed by none): the default certificate" \
    '^subject=CN = erg\.test$' '^Server public key is 256 bit$' \
    '^    Verify return code: 0 \(ok\)$' \
    -- -servername www.erg.test -verify_return_error
s_ok "no SNI: the default certificate" \
    '^subject=CN = erg\.test$' '^Server public key is 256 bit$' \
    -- -noservername

# Each of erg's suites, and each of its curves, alone.
for s in AES128-GCM-SHA256 AES256-GCM-SHA384 CHACHA20-POLY1305; do
	s_ok "-cipher ECDHE-ECDSA-$s" "^    Cipher    : ECDHE-ECDSA-$s\$" \
	    -- -servername erg.test -tls1_2 -cipher "ECDHE-ECDSA-$s"
	s_ok "-cipher ECDHE-RSA-$s" "^    Cipher    : ECDHE-RSA-$s\$" \
	    -- -servername rsa.erg.test -tls1_2 -cipher "ECDHE-RSA-$s"
done
# With the RSA certificate: an ECDSA one must be on a curve the client
# lists too (RFC 8422 section 5.1), which would test the certificate's
# curve, not the key exchange's.
s_ok "-curves X25519" '^Server Temp Key: X25519' \
    -- -servername rsa.erg.test -curves X25519
s_ok "-curves P-256" '^Server Temp Key: ECDH, prime256v1' \
    -- -servername rsa.erg.test -curves P-256
s_ok "-curves P-384" '^Server Temp Key: ECDH, secp384r1' \
    -- -servername rsa.erg.test -curves P-384

# What erg does not offer (erg/tls.h): CBC suites, static RSA, TLS 1.3:
# no suite in common, a handshake_failure alert (RFC 5246 7.4.1.3).
s_fails "CBC suites only" 'alert handshake failure' -servername erg.test \
    -tls1_2 -cipher 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA'
s_fails "static RSA key exchange only" 'alert handshake failure' \
    -servername rsa.erg.test -tls1_2 -cipher 'AES128-GCM-SHA256:AES256-GCM-SHA384'
s_fails "TLS 1.3 only (no common suite)" 'alert handshake failure' \
    -servername erg.test -tls1_3

# TLS 1.0 and 1.1 (Debian's OpenSSL needs SECLEVEL 0 to offer them) are
# refused; RFC 5246 E.1: a server that only speaks newer versions MUST
# answer protocol_version (alert 70), in a record the client can read
# (RFC 5246 6.2.1: a record's version is a TLS version, 3.x).
for v in tls1 tls1_1; do
	s_fails "-$v" 'error:' -servername erg.test "-$v" \
	    -cipher 'DEFAULT@SECLEVEL=0'
	s_fails "-$v: the client reads erg's alert" 'alert protocol version' \
	    -servername erg.test "-$v" -cipher 'DEFAULT@SECLEVEL=0'
done

# Resumption by session ID.
for n in erg.test rsa.erg.test; do
	sess=$ERG_WORK/session-$n.pem
	s_ok "$n: a new session saved (-sess_out)" '^New, TLSv1\.2, ' \
	    -- -servername "$n" -sess_out "$sess"
	s_ok "$n: the session resumed (-sess_in)" '^Reused, TLSv1\.2, ' \
	    -- -servername "$n" -sess_in "$sess"
done
# RFC 6066 section 3: a server MUST NOT resume a session under another
# server name; it does a full handshake instead (with that name's
# certificate).
s_ok "erg.test's session offered for rsa.erg.test: a full handshake" \
    '^New, TLSv1\.2, ' '^subject=CN = rsa\.erg\.test$' \
    -- -servername rsa.erg.test -sess_in "$ERG_WORK/session-erg.test.pem"

# ---- TLS echo (7443) through socat ----------------------------------------

sock=(timeout 60 socat -b 65536 -t 30 -T 60)
for n in 0 1 100000 "$ECHO"; do
	want=$(erg_bytes_sha256 "$n")
	t0=$(date +%s%N)
	got=$(pyhost bytes "$n" | nsx "${sock[@]}" - \
	    "OPENSSL:$ERG_IP:7443,cafile=$CA,commonname=erg.test,snihost=erg.test" \
	    2>"$ERG_WORK/socat.err" | sha_of)
	t1=$(date +%s%N)
	if [ "$got" = "$want" ]; then
		ok "socat OPENSSL: TLS echo of $n bytes: identical ($(((t1 - t0) / 1000000)) ms)"
	else
		bad "socat OPENSSL: TLS echo of $n bytes: SHA-256 $got, want $want: $(tr '\n' ' ' <"$ERG_WORK/socat.err")"
	fi
done

erg_wait_closed || bad "connections with erg still open on Linux's side"
erg_stop
erg_tcpdump_stop
erg_tshark_check_tcp

# The capture: OpenSSL did offer TLS 1.0 and 1.1 above (the refusals are
# erg's), and erg's ServerHellos all say TLS 1.2.  One line per hello:
# sender, handshake type(s) of the frame (the hello's first), version.
hellos=$(tshark -n -r "$ERG_PCAP" "${ERG_TSHARK_PREFS[@]}" \
    -Y 'tls.handshake.type == 1 || tls.handshake.type == 2' -T fields \
    -E occurrence=f -e eth.src -e tls.handshake.type \
    -e tls.handshake.version 2>/dev/null)
for v in 0x0301 0x0302; do
	if printf '%s\n' "$hellos" |
	    awk -v m="$ERG_MAC" -v v="$v" '$1 != m && $2 == 1 && $3 == v { f = 1 }
	        END { exit !f }'; then
		ok "the capture holds a ClientHello for version $v"
	else
		bad "the capture holds no ClientHello for version $v: was TLS 1.0/1.1 tried at all?"
	fi
done
read -r n_sh n_sh12 < <(printf '%s\n' "$hellos" | awk -v m="$ERG_MAC" '
    $1 == m && $2 == 2 { n++; if ($3 == "0x0303") t++ }
    END { print n + 0, t + 0 }')
if [ "$n_sh" -ge 20 ] && [ "$n_sh" -eq "$n_sh12" ]; then
	ok "erg's $n_sh ServerHellos are all TLS 1.2"
else
	bad "erg's ServerHellos: $n_sh12 of $n_sh are TLS 1.2"
fi

erg_expect_stat tcp.conns_in_use 0
erg_expect_stat tls.sessions_in_use 0
erg_expect_stat tcp.retransmits 0
erg_expect_stat_min tls.resumed 2
erg_expect_stat_min tls.handshakes 20
erg_expect_stat_min https.tx_bytes $((2 * BIG))
erg_expect_stat_min tls_echo.tx_bytes $((ECHO + 100001))
echo "erg's counters (non-zero):$(erg_show_stats)"
erg_finish
