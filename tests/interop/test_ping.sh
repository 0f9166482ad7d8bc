#!/usr/bin/env bash
# tests/interop/test_ping.sh: Linux's ping against erg-echo on a TAP device.
#
# Checks: pings with payloads of 56, 1472 (a full 1500-byte frame), 4000
# and 65000 bytes (the last two fragmented by Linux and reassembled by
# erg, and erg's replies fragmented by erg and reassembled by Linux) are
# every one answered; a flood of 2000 pings (ping -f) loses none; erg
# counted the fragments; erg exits 0 on SIGTERM; tcpdump lost nothing.
set -u -o pipefail
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

erg_require ping
erg_setup ping
erg_tcpdump_start
erg_start

for size in 56 1472 4000 65000; do
	ping_all 3 "$size" -i 0.2
done
ping_all 2000 56 -f

# A frame larger than erg's packet buffers (Linux's side raised to MTU
# 9000, 2000 bytes of ICMP data without fragmenting) must be dropped and
# counted by the TAP driver, never handed to the stack cut short.
nsx ip link set "$ERG_TAP" mtu 9000
nsx ping -c 2 -W 1 -M do -s 2000 "$ERG_IP" >/dev/null 2>&1 || true
nsx ip link set "$ERG_TAP" mtu 1500

erg_stop
erg_tcpdump_stop
erg_tshark_check

# Linux sends each 4000-byte request in 3 fragments (4008 bytes of ICMP,
# 1480 a fragment) and each 65000-byte one in 44; erg reassembles the 6
# and fragments its 6 replies the same way.  Nothing else is fragmented.
expect_stat() {
	local v
	v=$(erg_stat "$1")
	if [ "${v:-x}" = "$2" ]; then
		ok "erg's counter $1 is $2"
	else
		bad "erg's counter $1 is ${v:-missing}, want $2"
	fi
}
expect_stat ipv4.frag_rx $((3 * 3 + 3 * 44))
expect_stat ipv4.reasm_ok 6
expect_stat ipv4.frag_tx $((3 * 3 + 3 * 44))
expect_stat icmp.echo_reply_tx "$(erg_stat icmp.echo_rx)"
expect_stat tap.rx_toobig 2
expect_stat ipv4.truncated 0
echo "erg's counters (non-zero):$(erg_show_stats)"
erg_finish
