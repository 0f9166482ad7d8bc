#!/usr/bin/env bash
# tests/interop/test_tcp_reset.sh: Linux resets connections to erg-echo in
# the middle of transfers, and erg frees them.
#
# Checks: a Python client resets (close with SO_LINGER 0) an HTTP
# download of 1 GB after 1 MB, the same after leaving erg's window to it
# closed for a second (erg probing the zero window), an echo connection
# with both directions full, an upload into discard, a connection that
# carried nothing yet, and a chargen stream; each time erg counts the RST
# and frees the connection: at exit tcp.conns_in_use is 0 and the
# services hold none, and erg still serves (curl). tshark finds no
# malformed frame, no bad checksum, no lost segment.
set -u -o pipefail
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

erg_require curl python3 ss
erg_setup tcp_reset
erg_linux_no_tlp
erg_tcpdump_start
erg_start

check "RST during an HTTP download" py tcp-reset "$ERG_IP" 80 http
check "RST after a second of zero window" py tcp-reset "$ERG_IP" 80 http-stall
check "RST with echo's both directions full" py tcp-reset "$ERG_IP" 7 echo-stall
check "RST during an upload into discard" py tcp-reset "$ERG_IP" 9 discard
check "RST right after the handshake" py tcp-reset "$ERG_IP" 80 early
check "RST during chargen" py tcp-reset "$ERG_IP" 19 chargen

got=$(nsx timeout 20 curl -sS "http://$ERG_IP/bytes/100000" | sha_of)
if [ "$got" = "$(erg_bytes_sha256 100000)" ]; then
	ok "erg still serves after the resets (curl, 100000 bytes)"
else
	bad "curl after the resets: SHA-256 $got"
fi

# Give erg a moment to take in whatever followed the RSTs.
erg_wait_closed || bad "connections with erg still open on Linux's side"
sleep 0.5
erg_stop
erg_tcpdump_stop
# Regression: with both windows closed (the echo case) the ends probe
# each other with SEQ = SND.UNA - 1, below the receiver's window. erg's
# probe once swallowed the ACK it owed, and erg dropped the ACK carried
# by Linux's probe: spurious retransmissions both ways. No exemption.
erg_tshark_check_tcp -p 7 -p 9 -p 19 -p 80

erg_expect_stat tcp.conns_in_use 0
erg_expect_stat tcp_services.open 0
erg_expect_stat_min tcp.rst_rx 5
erg_expect_stat_min http.reset 2
erg_expect_stat tcp_echo.reset 1
erg_expect_stat tcp_discard.reset 1
erg_expect_stat tcp_chargen.reset 1
echo "erg's counters (non-zero):$(erg_show_stats)"
erg_finish
