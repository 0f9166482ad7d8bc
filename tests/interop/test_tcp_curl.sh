#!/usr/bin/env bash
# tests/interop/test_tcp_curl.sh: curl and raw HTTP/1.1 requests against
# erg-echo's HTTP server, over Linux's TCP.
#
# Checks: curl gets / (text/html), HEAD /bytes/1000 (Content-Length 1000,
# no body), a 404, two URLs on one reused connection (keep-alive), and
# HTTP/1.0 (closed after the response); raw requests (ergtest.py
# http-cases) get pipelined responses in order, request bodies skipped,
# 400 for malformed heads, 405, 431, 501, 505, an absolute-form target
# sent in 7-byte segments; then curl downloads 100 MB (GET
# /bytes/104857600) and its SHA-256 is that of tool_bytes.h's stream.
# erg frees every connection (tcp.conns_in_use 0 at exit) and retransmits
# nothing; tshark finds no malformed frame, no bad checksum, no lost and
# no retransmitted segment in either direction.
set -u -o pipefail
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

BIG=${ERG_TCP_BIG:-104857600}
# 128 MiB of capture ring (65536 frames): the 100 MB download is fast.
ERG_TCPDUMP_BUFFER=${ERG_TCPDUMP_BUFFER:-131072}

erg_require curl python3 sha256sum ss
erg_setup tcp_curl
erg_linux_no_tlp
erg_tcpdump_start
erg_start

url=http://$ERG_IP

# curl_check WHAT EXPECT CURL-ARGS...: curl's -w output must be EXPECT.
curl_check() {
	local what=$1 want=$2 got
	shift 2
	got=$(nsx timeout 20 curl -sS -o /dev/null "$@" 2>&1)
	if [ "$got" = "$want" ]; then
		ok "curl $what: $got"
	else
		bad "curl $what: got '$got', want '$want'"
	fi
}

page=$(nsx timeout 20 curl -sS "$url/" 2>&1)
case "$page" in
*"<h1>erg-echo</h1>"*) ok "curl GET /: the page" ;;
*) bad "curl GET /: $page" ;;
esac
curl_check "GET /" "200 text/html" -w '%{http_code} %{content_type}' "$url/"
curl_check "HEAD /bytes/1000" "200 0" -w '%{http_code} %{size_download}' \
    -I "$url/bytes/1000"
hl=$(nsx timeout 20 curl -sS -I "$url/bytes/1000" | tr -d '\r' |
    awk -F': ' 'tolower($1) == "content-length" { print $2 }')
if [ "$hl" = 1000 ]; then
	ok "curl HEAD /bytes/1000: Content-Length 1000"
else
	bad "curl HEAD /bytes/1000: Content-Length '$hl'"
fi
curl_check "GET /nope" "404" -w '%{http_code}' "$url/nope"
curl_check "GET /bytes/0" "200 0" -w '%{http_code} %{size_download}' \
    "$url/bytes/0"
# Two URLs, one connection: curl reuses it (num_connects 0 the second time).
curl_check "two URLs on one connection (keep-alive)" "200 1 200 0 " \
    -w '%{http_code} %{num_connects} ' "$url/bytes/100" -o /dev/null \
    "$url/bytes/200"
v=$(nsx timeout 20 curl -sS -0 -v -o /dev/null "$url/bytes/10" 2>&1)
case "$v" in
*"Connection: close"*"Closing connection"*)
	ok "curl HTTP/1.0: Connection: close, connection closed" ;;
*) bad "curl HTTP/1.0: $(printf '%s' "$v" | tr '\r\n' '  ')" ;;
esac

check "raw HTTP requests (ergtest.py http-cases)" py http-cases "$ERG_IP" 80

# The big download. Its hash is checked as it streams: nothing is stored.
want=$(erg_bytes_sha256 "$BIG")
t0=$(date +%s%N)
got=$(nsx timeout 120 curl -sS --fail "$url/bytes/$BIG" | sha_of)
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
if [ "$got" = "$want" ]; then
	ok "curl GET /bytes/$BIG: SHA-256 matches tool_bytes.h's stream ($ms ms, $((BIG / (ms + 1) / 1000)) MB/s)"
else
	bad "curl GET /bytes/$BIG: SHA-256 $got, want $want ($ms ms)"
fi

erg_wait_closed || bad "connections with erg still open on Linux's side"
erg_stop
erg_tcpdump_stop
erg_tshark_check_tcp -p 80

erg_expect_stat tcp.conns_in_use 0
erg_expect_stat tcp_services.open 0
erg_expect_stat tcp.retransmits 0
erg_expect_stat_min http.status_200 8
erg_expect_stat_min http.tx_bytes "$BIG"
echo "erg's counters (non-zero):$(erg_show_stats)"
erg_finish
