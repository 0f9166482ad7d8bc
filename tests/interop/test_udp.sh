#!/usr/bin/env bash
# tests/interop/test_udp.sh: UDP between Linux and erg-echo on a TAP device.
#
# Checks: socat sends datagrams of 1, 1472 (a full frame), 8000 and 65000
# bytes (the last two fragmented both ways) of random data to erg's echo
# port 7 and gets each back byte for byte (cmp); a Python UDP socket does
# the same for a range of sizes up to the largest datagram (65507 bytes);
# datagrams to the discard port 9 get no answer and no error; a datagram
# to a closed port makes Linux report "connection refused" (erg's ICMP
# port unreachable); erg's counters agree.  erg exits 0 on SIGTERM.
set -u -o pipefail
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

erg_require socat cmp python3
erg_setup udp
erg_tcpdump_start
erg_start

for size in 1 1472 8000 65000; do
	in=$ERG_WORK/udp-$size.in
	outf=$ERG_WORK/udp-$size.out
	head -c "$size" /dev/urandom >"$in"
	# One read of the file is one datagram (-b above the size); after
	# the end of the file socat waits -t 1 s for the echo, then stops.
	err=$(nsx timeout 10 socat -b 65536 -t 1 -T 5 \
	    STDIO "UDP:$ERG_IP:7" <"$in" 2>&1 >"$outf")
	rc=$?
	if [ "$rc" -ne 0 ]; then
		bad "socat udp echo $size bytes (exit $rc): $err"
	elif cmp -s "$in" "$outf"; then
		ok "socat udp echo $size bytes: identical"
	else
		bad "socat udp echo $size bytes: sent $size, got $(wc -c <"$outf") back: $(cmp "$in" "$outf" 2>&1)"
	fi
done

check "python udp echo of 0 to 65507 bytes" \
    py echo "$ERG_IP" 7 0 1 2 17 100 548 1471 1472 1473 1480 2944 4000 \
    8000 16384 32768 65000 65507
check "discard port 9: no answer, no error" py discard "$ERG_IP" 9 1 1472 8000
check "closed port 9999: connection refused" py refused "$ERG_IP" 9999

erg_stop
erg_tcpdump_stop
erg_tshark_check

no_port=$(erg_stat udp.no_port)
if [ "${no_port:-0}" -ge 1 ]; then
	ok "erg counted ${no_port} datagram(s) to closed ports"
else
	bad "erg counted ${no_port:-no} datagrams to closed ports (want >= 1)"
fi
echo "erg's counters (non-zero):$(erg_show_stats)"
erg_finish
