#!/usr/bin/env bash
# tests/interop/test_capture.sh: a captured session, checked by tshark and
# replayed through erg-pcap.
#
# Checks: a session with erg-echo (pings of 56 to 65000 bytes, UDP echo of
# 1 to 65000 bytes, discard, a closed port) captured by tcpdump on the TAP
# holds no malformed frame, no bad IPv4/UDP/ICMP checksum (tshark, with
# fragments reassembled) and no expert warning; then the frames Linux sent
# (the capture less erg's frames) replayed through erg-pcap with the same
# address, MAC and seed make erg-pcap send exactly the frames erg sent
# live, byte for byte and in the same order; and a second replay gives
# the same output file byte for byte (timestamps included).
set -u -o pipefail
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

erg_require ping python3 cmp
erg_require_tool erg-pcap
erg_setup capture
erg_tcpdump_start
erg_start

for size in 56 1472 4000 65000; do
	ping_all 2 "$size" -i 0.2
done
check "python udp echo" py echo "$ERG_IP" 7 1 1472 8000 65000
check "discard port 9" py discard "$ERG_IP" 9 100 4000
check "closed port 9999: connection refused" py refused "$ERG_IP" 9999

erg_stop
erg_tcpdump_stop
erg_tshark_check

# Split the capture: what Linux sent, what erg sent.
live=$ERG_WORK/tap0.pcap
linux=$ERG_WORK/linux-side.pcap
erglive=$ERG_WORK/erg-live.pcap
replay=$ERG_WORK/replay-out.pcap
replay2=$ERG_WORK/replay-out-2.pcap
tshark -n -r "$live" -Y "eth.src != $ERG_MAC" -F pcap -w "$linux" 2>/dev/null ||
    erg_die "tshark cannot extract Linux's frames"
tshark -n -r "$live" -Y "eth.src == $ERG_MAC" -F pcap -w "$erglive" 2>/dev/null ||
    erg_die "tshark cannot extract erg's frames"
say "capture: $(pyhost pcapinfo "$linux") from Linux, $(pyhost pcapinfo "$erglive") from erg"

# replay PCAP_OUT LOG: erg-pcap over Linux's side.
replay() {
	timeout 60 "$ERG_BIN/erg-pcap" "$linux" "$1" --ip "$ERG_IP/$ERG_PREFIX" \
	    --mac "$ERG_MAC" --seed "$ERG_SEED" >"$2" 2>&1
}
replay "$replay" "$ERG_WORK/erg-pcap.log"
rc=$?
if [ "$rc" -ne 0 ] || [ ! -f "$replay" ]; then
	sed 's/^/        /' "$ERG_WORK/erg-pcap.log"
	erg_die "erg-pcap $linux $replay exited $rc"
fi
ok "erg-pcap replayed Linux's side: $(pyhost pcapinfo "$replay")"
check "erg-pcap's replies are the replies erg gave live, byte for byte" \
    pyhost pcapcmp "$erglive" "$replay"

replay "$replay2" "$ERG_WORK/erg-pcap-2.log"
if cmp -s "$replay" "$replay2"; then
	ok "a second replay writes the same file byte for byte"
else
	bad "two replays of the same input differ: $(cmp "$replay" "$replay2" 2>&1)"
fi

# TCP: a Linux conversation (tests/vectors/tcp.pcap: SYN, 300 bytes and
# FIN to port 7000) replayed as host B twice gives the same output byte
# for byte, and erg answers every segment to its closed port with a RST
# (RFC 9293 3.10.7.1).
tcpin=$(dirname "$0")/../vectors/tcp.pcap
for n in 1 2; do
	timeout 60 "$ERG_BIN/erg-pcap" "$tcpin" "$ERG_WORK/tcp-$n.pcap" \
	    --ip 198.18.0.2/24 --mac 02:00:00:00:00:02 --seed 7 \
	    >"$ERG_WORK/tcp-$n.log" 2>&1 ||
	    erg_die "erg-pcap $tcpin exited $?"
done
if cmp -s "$ERG_WORK/tcp-1.pcap" "$ERG_WORK/tcp-2.pcap"; then
	ok "a TCP conversation replays to the same file byte for byte"
else
	bad "two replays of tcp.pcap differ"
fi
# The capture holds no ARP reply for 198.18.0.1: the RSTs wait for one.
rsts=$(awk '$1 == "tcp.rst_tx" { print $2 }' "$ERG_WORK/tcp-1.log")
nol=$(awk '$1 == "tcp.no_listener" { print $2 }' "$ERG_WORK/tcp-1.log")
if [ "${rsts:-0}" -ge 1 ] && [ "${nol:-0}" = "$rsts" ]; then
	ok "erg-pcap answered every segment to closed port 7000 with RST ($rsts)"
else
	bad "TCP replay: tcp.rst_tx ${rsts:-?}, tcp.no_listener ${nol:-?}"
fi

echo "erg's counters (non-zero):$(erg_show_stats)"
echo "erg-pcap's counters (non-zero):$(erg_show_stats "$ERG_WORK/erg-pcap.log")"
erg_finish
