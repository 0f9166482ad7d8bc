#!/usr/bin/env bash
# tests/interop/test_tcp_ab.sh: ApacheBench against erg-echo's HTTP
# server: many connections, many requests.
#
# Checks: ab makes 10,000 requests with 100 concurrent connections, one
# connection per request (HTTP/1.0, erg closes each: 10,000 connections
# opened and closed, erg's TIME-WAIT table recycled), then 10,000 more on
# 100 persistent connections (keep-alive), without a failed request, a
# non-2xx answer or a wrong length; erg answered exactly 20,000 requests,
# holds no connection at exit (tcp.conns_in_use 0) and retransmitted
# nothing; tshark finds no malformed frame (HTTP dissected), no bad
# checksum, no lost and no retransmitted segment.
set -u -o pipefail
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

N=${ERG_AB_REQUESTS:-10000}
C=${ERG_AB_CONCURRENCY:-100}
ERG_TCPDUMP_BUFFER=${ERG_TCPDUMP_BUFFER:-131072}

erg_require ab ss
erg_setup tcp_ab
erg_linux_no_tlp
# ab's 100 connections at once would otherwise meet Linux's default
# limits on its own ports in TIME-WAIT only after 28,000 connections: fine.
erg_tcpdump_start
erg_start

# run_ab WHAT ARGS...: ab must complete N requests, none failed.
run_ab() {
	local what=$1 out t0 t1 complete failed non2xx
	shift
	out=$ERG_WORK/ab-$what.txt
	t0=$(date +%s%N)
	nsx timeout 300 ab -q -r -s 30 -n "$N" -c "$C" "$@" \
	    "http://$ERG_IP/bytes/1000" >"$out" 2>&1
	rc=$?
	t1=$(date +%s%N)
	complete=$(awk '/^Complete requests:/ { print $3 }' "$out")
	failed=$(awk '/^Failed requests:/ { print $3 }' "$out")
	non2xx=$(awk '/^Non-2xx responses:/ { print $3 }' "$out")
	if [ "$rc" -eq 0 ] && [ "${complete:-0}" -eq "$N" ] &&
	    [ "${failed:-x}" = 0 ] && [ -z "$non2xx" ]; then
		ok "ab $what: $complete requests, $C at a time, none failed ($(((t1 - t0) / 1000000)) ms, $(awk '/^Requests per second:/ { print $4 }' "$out") requests/s)"
	else
		bad "ab $what (exit $rc): complete ${complete:-?}, failed ${failed:-?}, non-2xx ${non2xx:-0}"
		sed 's/^/        /' "$out" | tail -n 40
	fi
}

run_ab "one connection per request"
run_ab "keep-alive" -k

erg_wait_closed 100 || bad "connections with erg still open on Linux's side"
erg_stop
erg_tcpdump_stop
erg_tshark_check_tcp

erg_expect_stat http.requests $((2 * N))
erg_expect_stat http.status_200 $((2 * N))
erg_expect_stat tcp.conns_in_use 0
erg_expect_stat tcp_services.open 0
erg_expect_stat tcp.retransmits 0
erg_expect_stat tcp.conns_alloc_fail 0
erg_expect_stat_min tcp.passive_opens $((N + C))
echo "erg's counters (non-zero):$(erg_show_stats)"
erg_finish
