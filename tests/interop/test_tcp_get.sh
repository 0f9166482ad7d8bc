#!/usr/bin/env bash
# tests/interop/test_tcp_get.sh: erg-get downloads from HTTP servers
# running on Linux.
#
# Checks: erg-get fetches 100 MB from busybox httpd (a file of
# tool_bytes.h's stream) and the SHA-256 of its output is the stream's
# (and --check-bytes agrees), then frees its connection; from a Python
# HTTP/1.1 server it fetches a Content-Length body, a chunked one (chunks
# of 1 byte to 64 KiB, extensions, a trailer), one that ends with the
# connection, one after a 100 Continue, each checked by hash; it exits 1
# with one line for a 404, a body cut short, a malformed chunk, a refused
# connection and a server that never answers (--timeout), and 2 for
# https://, a host name and a bad port. tshark finds no malformed frame,
# no bad checksum, no lost and no retransmitted segment.
set -u -o pipefail
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

BIG=${ERG_TCP_BIG:-104857600}
ERG_TCPDUMP_BUFFER=${ERG_TCPDUMP_BUFFER:-131072}

erg_require busybox python3 sha256sum ss
erg_require_tool erg-get
erg_setup tcp_get
erg_linux_no_tlp
erg_tcpdump_start

www=$ERG_WORK/www
mkdir -p "$www"
pyhost bytes "$BIG" >"$www/big" || erg_die "cannot write $www/big"

# Linux's servers: busybox httpd on 8080, ergtest.py's on 8081.
ip netns exec "$ERG_NS" busybox httpd -f -p "$LINUX_IP:8080" -h "$www" \
    >"$ERG_WORK/busybox.log" 2>&1 &
ERG_PIDS+=("$!")
ip netns exec "$ERG_NS" python3 "$ERG_PY" httpd "$LINUX_IP" 8081 300 \
    >"$ERG_WORK/httpd.log" 2>&1 &
ERG_PIDS+=("$!")
for ((i = 0; i < 50; i++)); do
	[ "$(nsx ss -Hltn "( sport = :8080 or sport = :8081 )" | wc -l)" -eq 2 ] &&
	    break
	sleep 0.1
done
[ "$i" -lt 50 ] || erg_die "the HTTP servers did not start listening"

GET_LOG=$ERG_WORK/erg-get.log

# get ARGS...: erg-get on tap0 in the namespace (stderr to $GET_LOG).
get() {
	nsx timeout -k 5 90 "$ERG_BIN/erg-get" --tap "$ERG_TAP" \
	    --ip "$ERG_IP/$ERG_PREFIX" --mac "$ERG_MAC" --seed "$ERG_SEED" \
	    "$@" 2>"$GET_LOG"
}

# get_hash WHAT URL N [ARGS...]: erg-get URL exits 0 and writes the
# stream's first N bytes.
get_hash() {
	local what=$1 url=$2 n=$3 want got rc t0 t1
	shift 3
	want=$(erg_bytes_sha256 "$n")
	t0=$(date +%s%N)
	got=$(get "$@" "$url" | sha_of)
	rc=${PIPESTATUS[0]}
	t1=$(date +%s%N)
	if grep -Eq 'Sanitizer|runtime error' "$GET_LOG"; then
		bad "erg-get $what: sanitizer report"
		sed 's/^/        /' "$GET_LOG" | head -n 30
	elif [ "$rc" -eq 0 ] && [ "$got" = "$want" ]; then
		ok "erg-get $what: exit 0, the stream's SHA-256 ($(((t1 - t0) / 1000000)) ms)"
	else
		bad "erg-get $what: exit $rc, SHA-256 $got, want $want: $(tr '\n' ' ' <"$GET_LOG")"
	fi
}

# get_fails WHAT STATUS MENTION ARGS...: erg-get exits STATUS with one
# line on stderr that mentions MENTION.
get_fails() {
	local what=$1 want=$2 mention=$3 rc
	shift 3
	get "$@" >/dev/null
	rc=$?
	if grep -Eq 'Sanitizer|runtime error' "$GET_LOG"; then
		bad "erg-get $what: sanitizer report"
		sed 's/^/        /' "$GET_LOG" | head -n 30
	elif [ "$rc" -eq "$want" ] && [ "$(wc -l <"$GET_LOG")" -eq 1 ] &&
	    grep -Fqi -- "$mention" "$GET_LOG"; then
		ok "erg-get $what: exit $rc: $(cat "$GET_LOG")"
	else
		bad "erg-get $what: exit $rc (want $want), stderr: $(tr '\n' '|' <"$GET_LOG") (want one line with '$mention')"
	fi
}

b=http://$LINUX_IP:8080
p=http://$LINUX_IP:8081

get_hash "$BIG bytes from busybox httpd" "$b/big" "$BIG" --stats -v
grep -E '^erg-get: HTTP/1\.[01] 200' "$GET_LOG" >/dev/null ||
    bad "erg-get -v printed no status line: $(head -n 3 "$GET_LOG")"
v=$(erg_stat tcp.conns_in_use "$GET_LOG")
if [ "$v" = 0 ]; then
	ok "erg-get freed its connection (tcp.conns_in_use 0 at exit)"
else
	bad "erg-get's tcp.conns_in_use at exit is ${v:-missing}, want 0"
fi
get_hash "$BIG bytes --check-bytes -o FILE" "$b/big" 0 --check-bytes \
    -o /dev/null
get_hash "1 MB, Content-Length" "$p/bytes/1000000" 1000000
get_hash "1 MB, chunked" "$p/chunked/1000000" 1000000
get_hash "1 MB, ends with the connection" "$p/close/1000000" 1000000
get_hash "after 100 Continue" "$p/interim/5000" 5000
get_hash "0 bytes" "$p/bytes/0" 0
get_hash "-o FILE" "$p/bytes/3000" 0 -o "$ERG_WORK/out.bin"
if [ "$(sha_of "$ERG_WORK/out.bin")" = "$(erg_bytes_sha256 3000)" ]; then
	ok "erg-get -o FILE: the file holds the body"
else
	bad "erg-get -o FILE: the file does not hold the body"
fi

get_fails "404" 1 404 "$p/status/404"
get_fails "a body cut short" 1 "closed the connection after" "$p/short/100000"
get_fails "a malformed chunk" 1 chunked "$p/badchunk"
get_fails "a closed port" 1 refused "http://$LINUX_IP:8099/"
t0=$(date +%s)
get_fails "a server that never answers (--timeout 2)" 1 "timed out" \
    --timeout 2 "$p/stall"
t1=$(date +%s)
[ $((t1 - t0)) -le 10 ] || bad "erg-get --timeout 2 took $((t1 - t0)) s"
get_fails "--check-bytes on other data" 1 "check-bytes" --check-bytes \
    "$p/status/200"
get_fails "https://" 2 "https" "https://$LINUX_IP/"
get_fails "a host name" 2 "DNS" "http://example.invalid/"
get_fails "a bad port" 2 "port" "http://$LINUX_IP:99999/"
get_fails "-o into a missing directory" 1 "no-such-dir" \
    -o "$ERG_WORK/no-such-dir/x" "$p/bytes/1"
get_fails "no URL" 2 "URL"
get_fails "two URLs" 2 "" "$p/bytes/1" "$p/bytes/2"
get_fails "--timeout 0" 2 "--timeout" --timeout 0 "$p/bytes/1"
get_fails "an unknown option" 2 "-x" -x "$p/bytes/1"
if out=$(timeout 10 "$ERG_BIN/erg-get" --help 2>&1) &&
    printf '%s' "$out" | grep -q 'usage: erg-get' &&
    printf '%s' "$out" | grep -q 'DNS'; then
	ok "erg-get --help: exit 0, the usage (which says names need DNS)"
else
	bad "erg-get --help: $out"
fi

erg_tcpdump_stop
erg_tshark_check_tcp -p 8080 -p 8081
erg_finish
