#!/usr/bin/env bash
# tests/interop/test_arp.sh: ARP between Linux and erg-echo on a TAP device.
#
# Checks: arping (3 broadcast requests) gets 3 answers from erg's MAC;
# after a flush, Linux resolves erg by itself for a ping and its
# neighbour entry for erg is REACHABLE with erg's MAC; an entry made STALE
# is confirmed again by a unicast ARP probe that erg answers (REACHABLE
# again); erg counted the replies it sent.  erg exits 0 on SIGTERM.
set -u -o pipefail
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

erg_require ping arping
erg_setup arp
# Linux probes a STALE entry after 1 s instead of 5.
nsx sysctl -q -w "net.ipv4.neigh.$ERG_TAP.delay_first_probe_time=1" ||
    erg_die "cannot set delay_first_probe_time"
erg_tcpdump_start
erg_start

# arping: Thomas Habets' (Debian package arping) prints "N packets
# transmitted, N packets received"; iputils' (iputils-arping) prints
# "Received N response(s)".
out=$(nsx timeout 20 arping -c 3 -I "$ERG_TAP" "$ERG_IP" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/        /'
if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -Eq \
    '(^3 packets transmitted, 3 packets received)|(^Received 3 response)'; then
	ok "arping -c 3: 3 answers"
else
	bad "arping -c 3 -I $ERG_TAP $ERG_IP (exit $rc): not 3 answers"
fi
if printf '%s\n' "$out" | grep -iq "$ERG_MAC"; then
	ok "arping: the answers come from $ERG_MAC"
else
	bad "arping: no answer from $ERG_MAC"
fi

# neigh_state: Linux's neighbour entry for erg.
neigh_state() {
	nsx ip neigh show "$ERG_IP" dev "$ERG_TAP"
}

# expect_reachable WHEN: erg's entry is REACHABLE with erg's MAC.
expect_reachable() {
	local st
	st=$(neigh_state)
	case "$st" in
	*"lladdr $ERG_MAC "*REACHABLE*)
		ok "$1: neighbour entry '$st'"
		;;
	*)
		bad "$1: neighbour entry '$st' (want lladdr $ERG_MAC REACHABLE)"
		;;
	esac
}

nsx ip neigh flush dev "$ERG_TAP"
st=$(neigh_state)
[ -z "$st" ] || say "after flush: '$st'"
ping_all 1 56
expect_reachable "after a flush and a ping"

# STALE -> DELAY -> PROBE: Linux asks erg by unicast, erg must answer.
nsx ip neigh replace "$ERG_IP" lladdr "$ERG_MAC" dev "$ERG_TAP" nud stale ||
    bad "cannot make the entry STALE"
say "entry made stale: '$(neigh_state)'"
ping_all 4 56 -i 0.5
expect_reachable "after a unicast probe"

erg_stop
erg_tcpdump_stop
erg_tshark_check

# 3 arping requests, 1 after the flush, 1 unicast probe (at least).
replies=$(erg_stat arp.reply_tx)
if [ "${replies:-0}" -ge 5 ]; then
	ok "erg counted $replies ARP replies sent (>= 5)"
else
	bad "erg counted ${replies:-no} ARP replies sent (want >= 5)"
fi
if command -v tshark >/dev/null 2>&1; then
	n=$(tshark -r "$ERG_PCAP" -Y "arp.opcode == 1 && eth.dst == $ERG_MAC" \
	    2>/dev/null | wc -l)
	if [ "$n" -ge 1 ]; then
		ok "the capture shows $n unicast ARP request(s) from Linux to erg"
	else
		bad "the capture shows no unicast ARP request from Linux to erg"
	fi
fi
echo "erg's counters (non-zero):$(erg_show_stats)"
erg_finish
