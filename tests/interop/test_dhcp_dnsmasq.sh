#!/usr/bin/env bash
# tests/interop/test_dhcp_dnsmasq.sh: erg-echo --dhcp leases its address
# from dnsmasq, serves at it, renews it at T1, and releases it.
#
# dnsmasq (DNS off) is the DHCP server on the namespace's side of tap0
# (198.18.0.1), handing out 198.18.0.50-99 for 120 s (dnsmasq's minimum)
# with T1 10 s and T2 16 s (options 58 and 59), and, as it does by
# default, pinging an address before it offers it.
#
# Checks: erg-echo --dhcp gets a lease in the range (DISCOVER, OFFER,
# REQUEST, ACK: RFC 2131 3.1), with dnsmasq's router and DNS server, and
# dnsmasq's lease file holds erg's MAC with it; nothing answered dnsmasq's
# ping before the ACK (erg owns no address before it); Linux pings erg at
# the leased address and erg echoes UDP there; at T1 erg renews (RFC 2131
# 4.4.5): two renewals, each a REQUEST unicast from the leased address to
# the server, with ciaddr set, no requested-address option and no server
# identifier (RFC 2131 4.3.2), answered by a unicast ACK, the first about
# T1 after the first ACK; erg still answers ping and UDP echo after the
# renewals; on SIGTERM it sends DHCPRELEASE, which dnsmasq logs; erg's
# counters agree (acks, renewals, release, nothing malformed, no lease
# lost); tshark finds no malformed packet or warning in the capture.
set -u -o pipefail
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

erg_require dnsmasq ping python3
erg_setup dhcp_dnsmasq

T1=10
T2=16
conf=$ERG_WORK/dnsmasq.conf
cat >"$conf" <<EOF
port=0
interface=$ERG_TAP
bind-interfaces
log-dhcp
dhcp-authoritative
dhcp-range=198.18.0.50,198.18.0.99,255.255.255.0,2m
dhcp-option=option:router,$LINUX_IP
dhcp-option=option:dns-server,$LINUX_IP
dhcp-option=option:T1,$T1
dhcp-option=option:T2,$T2
EOF

erg_tcpdump_start
erg_dnsmasq_start "$conf"
ERG_SECONDS=90 erg_start_dhcp

# ---- the lease ----------------------------------------------------------------

case "$ERG_IP" in
198.18.0.[5-9][0-9]) ok "leased address $ERG_IP is in dnsmasq's range" ;;
*) bad "leased address $ERG_IP is not in 198.18.0.50-99" ;;
esac
bound=$(sed -n 's/^erg-echo: DHCP: bound: //p' "$ERG_ECHO_LOG" | head -n 1)
case "$bound" in
"$ERG_IP/24, router $LINUX_IP, DNS $LINUX_IP, lease 120 s (T1 $T1 s, T2 $T2 s), server $LINUX_IP")
	ok "erg's lease: $bound"
	;;
*) bad "erg's lease is '$bound' (want $ERG_IP/24, router, DNS and server $LINUX_IP, 120 s, T1 $T1 s, T2 $T2 s)" ;;
esac
if grep -qi "$ERG_IP $ERG_MAC\|$ERG_MAC $ERG_IP" "$ERG_WORK/dnsmasq.leases" 2>/dev/null; then
	ok "dnsmasq's lease file: $(head -n 1 "$ERG_WORK/dnsmasq.leases")"
else
	bad "dnsmasq's lease file does not hold $ERG_MAC with $ERG_IP: $(cat "$ERG_WORK/dnsmasq.leases" 2>&1)"
fi
if grep -q 'abandoning lease' "$ERG_DNSMASQ_LOG"; then
	bad "something answered dnsmasq's ping of an address before it was leased: $(grep 'abandoning' "$ERG_DNSMASQ_LOG" | head -n 1)"
else
	ok "nothing answered dnsmasq's ping of the address it was about to offer"
fi
ping_all 3 56 -i 0.2
check "UDP echo at the leased address" py echo "$ERG_IP" 7 1 1472 4000

# ---- renewal at T1 ------------------------------------------------------------

say "waiting (at most 45 s) for two renewals at T1 ($T1 s)"
for ((i = 0; i < 450; i++)); do
	[ "$(grep -c '^erg-echo: DHCP: renewed: ' "$ERG_ECHO_LOG")" -ge 2 ] &&
	    break
	erg_alive "$ERG_ECHO_PID" || break
	sleep 0.1
done
n=$(grep -c '^erg-echo: DHCP: renewed: ' "$ERG_ECHO_LOG")
if [ "$n" -ge 2 ]; then
	ok "erg-echo renewed its lease $n times: $(grep '^erg-echo: DHCP: renewed: ' "$ERG_ECHO_LOG" | tail -n 1 | sed 's/^erg-echo: DHCP: renewed: //')"
else
	bad "erg-echo renewed its lease $n times in 45 s (want 2)"
fi
ping_all 3 56 -i 0.2
check "UDP echo after the renewals" py echo "$ERG_IP" 7 1 1472 4000

erg_stop
# The DHCPRELEASE: dnsmasq logs it.
for ((i = 0; i < 30; i++)); do
	grep -q "DHCPRELEASE($ERG_TAP) $ERG_IP $ERG_MAC" "$ERG_DNSMASQ_LOG" && break
	sleep 0.1
done
check "dnsmasq got erg's DHCPRELEASE" \
    grep -q "DHCPRELEASE($ERG_TAP) $ERG_IP $ERG_MAC" "$ERG_DNSMASQ_LOG"
erg_tcpdump_stop

# ---- the capture --------------------------------------------------------------

# One line per DHCP message: time, source, destination, type (53), ciaddr,
# yiaddr, requested address (50), server identifier (54).
msgs=$ERG_WORK/dhcp-messages.txt
tshark -n -r "$ERG_PCAP" -Y dhcp -T fields -E separator='|' -E occurrence=f \
    -e frame.time_relative -e ip.src -e ip.dst -e dhcp.option.dhcp \
    -e dhcp.ip.client -e dhcp.ip.your -e dhcp.option.requested_ip_address \
    -e dhcp.option.dhcp_server_id >"$msgs" 2>/dev/null
sed 's/^/        /' "$msgs"
check "the exchange: DISCOVER, OFFER, REQUEST, ACK (broadcast, from 0.0.0.0)" \
    awk -F'|' -v lip="$LINUX_IP" -v eip="$ERG_IP" '
	$4 == 1 && $2 == "0.0.0.0" && $3 == "255.255.255.255" { d = 1 }
	d && $4 == 2 && $2 == lip && $6 == eip { o = 1 }
	o && $4 == 3 && $2 == "0.0.0.0" && $7 == eip && $8 == lip { r = 1 }
	r && $4 == 5 && $2 == lip && $6 == eip && !a { a = 1 }
	END { exit !(d && o && r && a) }' "$msgs"
# Renewals: REQUEST unicast from erg's address to the server with ciaddr
# and neither option 50 nor 54, and an ACK to erg's address after each.
renew=$(awk -F'|' -v lip="$LINUX_IP" -v eip="$ERG_IP" '
	$4 == 5 && $3 == "255.255.255.255" && !t0 { t0 = $1 }
	$4 == 3 && $2 == eip && $3 == lip && $5 == eip && $7 == "" &&
	    $8 == "" {
		req[++n] = $1
	}
	$4 == 5 && $2 == lip && $3 == eip && n > acked { acked++ }
	END { printf "%d %d %.1f\n", n, acked, n ? req[1] - t0 : 0 }' "$msgs")
read -r n_req n_ack first <<<"$renew"
if [ "$n_req" -ge 2 ] && [ "$n_ack" -ge 2 ]; then
	ok "capture: $n_req unicast renewing REQUESTs (ciaddr $ERG_IP, no option 50 or 54), each ACKed; the first ${first} s after the first ACK"
else
	bad "capture: $n_req unicast renewing REQUESTs and $n_ack ACKs to them (want 2 each)"
fi
if awk -v f="$first" -v t1="$T1" 'BEGIN { exit !(f >= t1 - 1 && f <= t1 + 2) }'; then
	ok "the first renewal came at T1 (${first} s, T1 $T1 s)"
else
	bad "the first renewal came ${first} s after the first ACK (want about T1, $T1 s)"
fi
check "capture: a DHCPRELEASE from $ERG_IP to $LINUX_IP" \
    awk -F'|' -v lip="$LINUX_IP" -v eip="$ERG_IP" \
    '$4 == 7 && $2 == eip && $3 == lip && $5 == eip { f = 1 } END { exit !f }' \
    "$msgs"
erg_tshark_check

# ---- erg's counters ---------------------------------------------------------------

erg_expect_stat_min dhcp.acks 3
erg_expect_stat_min dhcp.renewals 2
erg_expect_stat dhcp.releases 1
erg_expect_stat dhcp.leases_lost 0
erg_expect_stat dhcp.naks 0
for c in dhcp.truncated dhcp.bad_header dhcp.bad_cookie dhcp.bad_option \
    dhcp.bad_lease; do
	erg_expect_stat "$c" 0
done
echo "erg's counters (non-zero):$(erg_show_stats)"
erg_finish
