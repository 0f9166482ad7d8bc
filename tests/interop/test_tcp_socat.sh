#!/usr/bin/env bash
# tests/interop/test_tcp_socat.sh: socat against erg-echo's TCP echo,
# discard and chargen services, over Linux's TCP.
#
# Checks: socat pushes 100 MB of tool_bytes.h's stream into discard (port
# 9) and erg counts every byte; 10 MB through echo (port 7) come back
# whole (SHA-256), as do 1 byte and an empty stream; chargen (port 19)
# sends exactly the N bytes a first line "N" asks for (the stream's
# SHA-256) and closes, and without a count streams until the client goes
# away (the first 100,000 bytes checked, then Linux resets it). erg frees
# every connection (tcp.conns_in_use 0 at exit) and retransmits nothing;
# tshark finds no malformed frame, no bad checksum, no lost and no
# retransmitted segment in either direction.
set -u -o pipefail
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

PUSH=${ERG_TCP_PUSH:-104857600}
ECHO=${ERG_TCP_ECHO:-10485760}
ERG_TCPDUMP_BUFFER=${ERG_TCPDUMP_BUFFER:-131072}

erg_require socat python3 sha256sum ss
erg_setup tcp_socat
erg_linux_no_tlp
erg_tcpdump_start
erg_start

# -t 30: after the end of its input socat waits up to 30 s for erg to
# finish and close (half-close), rather than the default 0.5 s.
sock=(timeout 120 socat -b 65536 -t 30 -T 60)

# Discard: every byte is taken and counted.
t0=$(date +%s%N)
err=$(pyhost bytes "$PUSH" | nsx "${sock[@]}" -u - "TCP:$ERG_IP:9" 2>&1)
rc=$?
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
if [ "$rc" -eq 0 ]; then
	ok "socat pushed $PUSH bytes into discard ($ms ms, $((PUSH / (ms + 1) / 1000)) MB/s)"
else
	bad "socat into discard (exit $rc): $err"
fi

# Echo: what goes in comes back.
echo_check() {
	local n=$1 want got
	want=$(erg_bytes_sha256 "$n")
	t0=$(date +%s%N)
	got=$(pyhost bytes "$n" | nsx "${sock[@]}" - "TCP:$ERG_IP:7" | sha_of)
	t1=$(date +%s%N)
	if [ "$got" = "$want" ]; then
		ok "socat echo of $n bytes: identical ($(((t1 - t0) / 1000000)) ms)"
	else
		bad "socat echo of $n bytes: SHA-256 $got, want $want"
	fi
}
echo_check 0
echo_check 1
echo_check 100000
echo_check "$ECHO"

# Chargen with a count: exactly N bytes, then erg closes.
for n in 0 1 1000003; do
	want=$(erg_bytes_sha256 "$n")
	got=$(echo "$n" | nsx "${sock[@]}" - "TCP:$ERG_IP:19" | sha_of)
	if [ "$got" = "$want" ]; then
		ok "chargen, first line '$n': exactly the stream's first $n bytes"
	else
		bad "chargen, first line '$n': SHA-256 $got, want $want"
	fi
done
# Without a count (the client sends nothing): the stream until the client
# goes; head takes 100,000 bytes, socat closes unread data: Linux resets.
want=$(erg_bytes_sha256 100000)
got=$(nsx timeout 30 socat -u -b 65536 "TCP:$ERG_IP:19" - 2>/dev/null |
    head -c 100000 | sha_of)
if [ "$got" = "$want" ]; then
	ok "chargen without a count: the stream (first 100000 bytes checked)"
else
	bad "chargen without a count: SHA-256 $got, want $want"
fi

erg_wait_closed || bad "connections with erg still open on Linux's side"
erg_stop
erg_tcpdump_stop
erg_tshark_check_tcp -p 7 -p 9 -p 19

erg_expect_stat tcp_discard.rx_bytes "$PUSH"
erg_expect_stat tcp_echo.rx_bytes $((ECHO + 100001))
erg_expect_stat tcp_echo.tx_bytes $((ECHO + 100001))
erg_expect_stat tcp_chargen.accepted 4
erg_expect_stat tcp_chargen.reset 1
erg_expect_stat tcp.conns_in_use 0
erg_expect_stat tcp_services.open 0
erg_expect_stat tcp.retransmits 0
echo "erg's counters (non-zero):$(erg_show_stats)"
erg_finish
