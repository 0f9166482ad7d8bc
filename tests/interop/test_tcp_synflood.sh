#!/usr/bin/env bash
# tests/interop/test_tcp_synflood.sh: a SYN flood at erg-echo's HTTP port
# while curl uses it.
#
# hping3 floods port 80 with SYNs from an address that does not exist on
# the link (198.18.0.77: erg's SYN-ACKs wait for an ARP answer that never
# comes, so every SYN holds a half-open connection until its SYN-ACKs
# give up) and from Linux's own address with changing ports (Linux
# answers erg's SYN-ACKs with RSTs). Checks: meanwhile curl downloads
# 10 MB (SHA-256 of tool_bytes.h's stream) and makes 20 small requests,
# each on a new connection, all of which complete: the SYN queue is
# bounded (backlog) and beyond it erg answers with SYN cookies (RFC 4987),
# counted; no connection allocation fails. tshark finds no malformed
# frame and no bad checksum (loss is allowed: it is a flood).
set -u -o pipefail
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

# SYNs per hping3 at most (about 20,000 a second, stopped once curl is
# done; 30 s at most).
FLOOD=${ERG_SYNFLOOD_COUNT:-200000}
ERG_TCPDUMP_BUFFER=${ERG_TCPDUMP_BUFFER:-131072}

erg_require hping3 curl python3 ss
erg_setup tcp_synflood
erg_tcpdump_start
erg_start

# flood ARGS...: hping3 in the background, FLOOD SYNs, 20,000 a second.
flood() {
	ip netns exec "$ERG_NS" timeout 30 hping3 -q -S -p 80 -i u50 \
	    -c "$FLOOD" "$@" "$ERG_IP" >>"$ERG_WORK/hping3.log" 2>&1 &
	ERG_PIDS+=("$!")
	FLOOD_PIDS+=("$!")
}
FLOOD_PIDS=()
flood -a 198.18.0.77
flood
# A second of flood first: the SYN queue is full when curl connects.
sleep 1

t0=$(date +%s%N)
got=$(nsx timeout 60 curl -sS --fail "http://$ERG_IP/bytes/10485760" | sha_of)
t1=$(date +%s%N)
if [ "$got" = "$(erg_bytes_sha256 10485760)" ]; then
	ok "curl 10 MB during the flood: SHA-256 matches ($(((t1 - t0) / 1000000)) ms)"
else
	bad "curl 10 MB during the flood: SHA-256 $got"
fi
n_ok=0
for ((i = 0; i < 20; i++)); do
	code=$(nsx timeout 20 curl -sS -o /dev/null -w '%{http_code}' \
	    "http://$ERG_IP/bytes/$((i * 100))" 2>&1)
	[ "$code" = 200 ] && n_ok=$((n_ok + 1))
done
if [ "$n_ok" -eq 20 ]; then
	ok "20 new connections during the flood: all answered 200"
else
	bad "20 new connections during the flood: $n_ok answered 200"
fi
flooding=0
for pid in "${FLOOD_PIDS[@]}"; do
	erg_alive "$pid" && flooding=$((flooding + 1))
done
if [ "$flooding" -gt 0 ]; then
	ok "the flood was still on when curl was done ($flooding of 2 hping3)"
else
	bad "the flood ended before curl was done: the test proves nothing (raise ERG_SYNFLOOD_COUNT)"
fi
for pid in "${FLOOD_PIDS[@]}"; do
	erg_kill "$pid"
done
grep 'packets transmitted' "$ERG_WORK/hping3.log" | sed 's/^/        hping3: /'

erg_stop
erg_tcpdump_stop
erg_tshark_check_tcp -l -p 80

erg_expect_stat_min tcp.syn_cookies_sent 1
erg_expect_stat_min tcp.synq_full 1
erg_expect_stat_min tcp.syn_cookies_ok 1
erg_expect_stat tcp.conns_alloc_fail 0
erg_expect_stat_min http.status_200 21
echo "erg's counters (non-zero):$(erg_show_stats)"
erg_finish
