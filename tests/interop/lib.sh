# tests/interop/lib.sh: plumbing shared by the interop tests and the demo.
# shellcheck shell=bash
# Source it; do not run it.
#
# Each test gets a network namespace of its own (erg-NAME-PID), and in it a
# TAP device tap0 where Linux is 198.18.0.1/24 and erg-echo, attached to
# the other end, is 198.18.0.2/24 with MAC 02:00:00:00:00:02.  The
# addresses are from 198.18.0.0/15 (RFC 2544, benchmarking) and exist only
# inside that namespace.  tcpdump records tap0 from before erg starts to
# after it stops.  An EXIT trap kills every process started here (by PID)
# and deletes the namespace, whatever way the script ends.
#
# Typical test:
#
#	. "$(dirname "$0")/lib.sh"
#	erg_require ping            # exits 77 (skip) with the reason if not
#	erg_setup ping              # namespace, tap0, trap, work directory
#	erg_tcpdump_start           # $ERG_WORK/tap0.pcap
#	erg_start                   # erg-echo in the background, answering
#	ping_all 3 56               # a check: 3 of 3 answered
#	check "udp" py echo "$ERG_IP" 7 1 1472   # any command as a check
#	erg_stop                    # SIGTERM, exit 0, counters in the log
#	erg_tcpdump_stop            # and tcpdump lost nothing
#	erg_tshark_check            # no malformed frame, no bad checksum
#	erg_finish                  # exit 0, or 1 if any check failed
#
# Files (captures, logs) go to $ERG_WORK = $ERG_BUILD/interop/NAME.PID,
# removed when the test passes and kept (and named) when it fails.
#
# Every wait is bounded in count and in time.  Environment:
#   ERG_BUILD   the build directory (default: build), relative to the tree
#               root or absolute; the tools are in $ERG_BUILD/bin.
#   ERG_TOOLS_BIN  where erg-echo and erg-pcap are (default: $ERG_BUILD/bin),
#               e.g. a directory of sanitizer builds of the tools.
#   ERG_KEEP    if set, keep the work directory even when everything passed.

ERG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ERG_BUILD=${ERG_BUILD:-build}
case "$ERG_BUILD" in
/*) ERG_BUILD_DIR=$ERG_BUILD ;;
*) ERG_BUILD_DIR=$ERG_ROOT/$ERG_BUILD ;;
esac
ERG_BIN=${ERG_TOOLS_BIN:-$ERG_BUILD_DIR/bin}
case "$ERG_BIN" in
/*) ;;
*) ERG_BIN=$PWD/$ERG_BIN ;;
esac

ERG_TAP=tap0
ERG_IP=198.18.0.2
ERG_MAC=02:00:00:00:00:02
ERG_SEED=1
LINUX_IP=198.18.0.1
ERG_PREFIX=24

ERG_NS=
ERG_WORK=
ERG_NAME=
ERG_PIDS=()
ERG_ECHO_PID=
ERG_ECHO_LOG=
ERG_TCPDUMP_PID=
ERG_TCPDUMP_LOG=
ERG_PCAP=
ERG_FAILED=0
ERG_T0=$(date +%s%N)

# ---- messages --------------------------------------------------------------

erg_elapsed() {
	local now
	now=$(date +%s%N)
	printf '%d.%01d' $(((now - ERG_T0) / 1000000000)) \
	    $(((now - ERG_T0) / 100000000 % 10))
}

say() {
	printf '[%5ss] %s\n' "$(erg_elapsed)" "$*"
}

# erg_skip REASON: skip the test; the reason is the last line printed.
erg_skip() {
	echo "skipped: $*"
	exit 77
}

# erg_die MESSAGE: fail the test now (the trap cleans up).
erg_die() {
	say "FAIL: $*"
	ERG_FAILED=$((ERG_FAILED + 1))
	exit 1
}

# bad MESSAGE: record a failed check and go on.
bad() {
	say "FAIL: $*"
	ERG_FAILED=$((ERG_FAILED + 1))
}

ok() {
	say "ok: $*"
}

# check WHAT COMMAND...: run COMMAND, record the verdict, show (the end
# of) what it printed.
check() {
	local what=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "$what"
	else
		bad "$what (exit $rc): $*"
	fi
	[ -z "$out" ] || printf '%s\n' "$out" | tail -n 30 | sed 's/^/        /'
	return "$rc"
}

# ---- prerequisites ------------------------------------------------------

# erg_missing PROGRAM...: print why the namespace tests cannot run here
# (not root, no /dev/net/tun, ip, tcpdump, timeout or PROGRAM missing) and
# return 1; print nothing and return 0 if everything is there.
erg_missing() {
	local p missing=""
	if [ "$(id -u)" -ne 0 ]; then
		echo "needs root (for network namespaces and TAP devices)"
		return 1
	fi
	if [ ! -c /dev/net/tun ]; then
		echo "no /dev/net/tun (TUN/TAP driver missing: modprobe tun, or give the container the device)"
		return 1
	fi
	for p in ip tcpdump timeout "$@"; do
		command -v "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		echo "missing program(s):$missing (bash scripts/deps.sh test installs them)"
		return 1
	fi
	return 0
}

# erg_require_tool NAME...: the tool must be built.  A missing binary is a
# build failure, not a reason to skip.
erg_require_tool() {
	local t
	for t in "$@"; do
		if [ ! -x "$ERG_BIN/$t" ]; then
			echo "FAIL: $ERG_BIN/$t is not built (run make all)"
			exit 1
		fi
	done
}

# erg_require PROGRAM...: skip the test (exit 77) unless it can run here
# (erg_missing, plus tshark, which checks every capture).
erg_require() {
	local why
	why=$(erg_missing tshark "$@") || erg_skip "$why"
	erg_require_tool erg-echo
}

# ---- processes -------------------------------------------------------------

# erg_alive PID: the process exists and is not a zombie.
erg_alive() {
	local st
	kill -0 "$1" 2>/dev/null || return 1
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ "$st" != Z ]
}

# erg_wait_gone PID TENTHS: wait at most TENTHS tenths of a second for PID
# to end.  Returns 0 if it ended.
erg_wait_gone() {
	local pid=$1 n=$2 i
	for ((i = 0; i < n; i++)); do
		erg_alive "$pid" || return 0
		sleep 0.1
	done
	! erg_alive "$pid"
}

# erg_kill PID: TERM, then KILL after 3 s.  Only for processes we started.
erg_kill() {
	local pid=$1
	erg_alive "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null
	erg_wait_gone "$pid" 30 && return 0
	kill -KILL "$pid" 2>/dev/null
	erg_wait_gone "$pid" 30
}

# nsx COMMAND...: run COMMAND inside the test's namespace.  Not for
# background jobs: `nsx ... &` would fork a subshell, and $! would be the
# subshell's PID rather than the command's; write `ip netns exec "$ERG_NS"
# COMMAND &` there, which execs COMMAND in place.
nsx() {
	ip netns exec "$ERG_NS" "$@"
}

# ---- namespace ---------------------------------------------------------

# erg_cleanup: the EXIT trap.  Kills what we started, deletes the
# namespace, says where the files are.
erg_cleanup() {
	local rc=$? pid
	trap - EXIT INT TERM HUP
	for pid in ${ERG_PIDS[@]+"${ERG_PIDS[@]}"}; do
		erg_kill "$pid"
	done
	if [ -n "$ERG_NS" ] && [ -e "/run/netns/$ERG_NS" ]; then
		# Anything left in our own namespace was started by us.
		for pid in $(ip netns pids "$ERG_NS" 2>/dev/null); do
			erg_kill "$pid"
		done
		ip netns exec "$ERG_NS" ip tuntap del dev "$ERG_TAP" mode tap \
		    >/dev/null 2>&1
		ip netns del "$ERG_NS" 2>/dev/null ||
		    echo "warning: could not delete namespace $ERG_NS" >&2
	fi
	if [ -n "$ERG_WORK" ] && [ -d "$ERG_WORK" ]; then
		if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
			echo "files of this run (captures, logs): $ERG_WORK"
		elif [ -n "${ERG_KEEP:-}" ]; then
			echo "files of this run (ERG_KEEP): $ERG_WORK"
		else
			rm -rf "$ERG_WORK"
		fi
	fi
	exit "$rc"
}

# erg_workdir NAME: the test's work directory $ERG_WORK (emptied), and the
# EXIT trap.  $ERG_BUILD_DIR/interop/NAME, or a temporary directory where
# the build tree is not writable (a test run as another user).
erg_workdir() {
	ERG_NAME=$1
	ERG_WORK=$ERG_BUILD_DIR/interop/$ERG_NAME.$$
	trap erg_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	rm -rf "$ERG_WORK" 2>/dev/null
	if ! mkdir -p "$ERG_WORK" 2>/dev/null || [ ! -w "$ERG_WORK" ]; then
		ERG_WORK=$(mktemp -d "${TMPDIR:-/tmp}/erg-$ERG_NAME.XXXXXX") ||
		    erg_die "cannot create a work directory"
	fi
}

# erg_setup NAME: work directory $ERG_WORK, the trap, namespace $ERG_NS
# with tap0 up and Linux's address on it.
erg_setup() {
	erg_workdir "$1"

	ERG_NS=erg-$ERG_NAME-$$
	local err
	if ! err=$(ip netns add "$ERG_NS" 2>&1); then
		ERG_NS=
		erg_skip "cannot create a network namespace: $err"
	fi
	nsx ip link set lo up || erg_die "lo up in $ERG_NS"
	nsx ip tuntap add dev "$ERG_TAP" mode tap ||
	    erg_die "cannot create $ERG_TAP in $ERG_NS"
	# Only IPv4 is spoken here; keep IPv6 (router solicitations, MLD)
	# out of the captures so that they show the test and nothing else.
	nsx sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1
	nsx sysctl -q -w net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
	nsx sysctl -q -w "net.ipv6.conf.$ERG_TAP.disable_ipv6=1" >/dev/null 2>&1
	nsx ip addr add "$LINUX_IP/$ERG_PREFIX" dev "$ERG_TAP" ||
	    erg_die "cannot add $LINUX_IP to $ERG_TAP"
	nsx ip link set "$ERG_TAP" up || erg_die "cannot bring $ERG_TAP up"
	say "namespace $ERG_NS: $ERG_TAP up, Linux is $LINUX_IP/$ERG_PREFIX"
}

# ---- tcpdump ---------------------------------------------------------------

# erg_tcpdump_start [FILE]: capture everything on tap0 to FILE (default
# $ERG_WORK/tap0.pcap), returning once tcpdump is listening.
erg_tcpdump_start() {
	local i
	ERG_PCAP=${1:-$ERG_WORK/tap0.pcap}
	ERG_TCPDUMP_LOG=$ERG_WORK/tcpdump.log
	# -Z root: write the file as root (Debian's tcpdump otherwise drops
	# to its own user, who may not write into the build tree).
	# --immediate-mode: hand every frame to tcpdump at once rather than
	# when a ring block fills or times out, so that stopping tcpdump
	# loses nothing.  That ring has one slot per frame, sized by the
	# snap length: -s 2048 (a frame on the TAP is at most 1514 bytes; a
	# longer one is cut, and erg_tshark_check reports it) and -B 16384
	# (16 MiB) give 8192 slots, enough for ping -f; a test of bulk TCP
	# transfers sets ERG_TCPDUMP_BUFFER (KiB) higher.
	ip netns exec "$ERG_NS" tcpdump -i "$ERG_TAP" -n -U --immediate-mode \
	    -s 2048 -B "${ERG_TCPDUMP_BUFFER:-16384}" -Z root -w "$ERG_PCAP" \
	    >"$ERG_TCPDUMP_LOG" 2>&1 &
	ERG_TCPDUMP_PID=$!
	ERG_PIDS+=("$ERG_TCPDUMP_PID")
	for ((i = 0; i < 100; i++)); do
		grep -q 'listening on' "$ERG_TCPDUMP_LOG" 2>/dev/null && return 0
		erg_alive "$ERG_TCPDUMP_PID" || break
		sleep 0.1
	done
	cat "$ERG_TCPDUMP_LOG"
	erg_die "tcpdump did not start listening on $ERG_TAP within 10 s"
}

# erg_tcpdump_stop: let tcpdump write what it has, stop it, and check it
# lost nothing.
erg_tcpdump_stop() {
	local captured received dropped
	[ -n "$ERG_TCPDUMP_PID" ] || return 0
	sleep 0.5
	# TERM, not INT: background jobs of a script start with SIGINT ignored.
	kill -TERM "$ERG_TCPDUMP_PID" 2>/dev/null
	erg_wait_gone "$ERG_TCPDUMP_PID" 50 || erg_kill "$ERG_TCPDUMP_PID"
	wait "$ERG_TCPDUMP_PID" 2>/dev/null
	ERG_TCPDUMP_PID=
	captured=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' \
	    "$ERG_TCPDUMP_LOG")
	received=$(sed -n 's/^\([0-9]*\) packets\{0,1\} received by filter.*/\1/p' \
	    "$ERG_TCPDUMP_LOG")
	dropped=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' \
	    "$ERG_TCPDUMP_LOG")
	say "tcpdump: ${captured:-?} frames captured, ${received:-?} received, ${dropped:-?} dropped"
	if [ -z "$captured" ] || [ "$captured" != "$received" ] ||
	    [ "$dropped" != 0 ]; then
		bad "tcpdump did not capture every frame: $(tr '\n' ' ' <"$ERG_TCPDUMP_LOG")"
		return 1
	fi
	return 0
}

# ---- erg-echo ----------------------------------------------------------------

# erg_start [EXTRA OPTION...]: start erg-echo on tap0 in the namespace and
# wait (at most 20 tries, 14 s) until it answers a ping.  It exits by itself after
# ERG_SECONDS (default 120) in case nothing else stops it.
erg_start() {
	local i
	ERG_ECHO_LOG=$ERG_WORK/erg-echo.log
	say "start: erg-echo --tap $ERG_TAP --ip $ERG_IP/$ERG_PREFIX --mac $ERG_MAC --seed $ERG_SEED $*"
	ip netns exec "$ERG_NS" "$ERG_BIN/erg-echo" --tap "$ERG_TAP" \
	    --ip "$ERG_IP/$ERG_PREFIX" --mac "$ERG_MAC" --seed "$ERG_SEED" \
	    --stats --seconds "${ERG_SECONDS:-120}" "$@" >"$ERG_ECHO_LOG" 2>&1 &
	ERG_ECHO_PID=$!
	ERG_PIDS+=("$ERG_ECHO_PID")
	for ((i = 0; i < 20; i++)); do
		if ! erg_alive "$ERG_ECHO_PID"; then
			wait "$ERG_ECHO_PID" 2>/dev/null
			echo "erg-echo exited with status $?:"
			sed 's/^/        /' "$ERG_ECHO_LOG"
			erg_die "erg-echo did not start"
		fi
		if nsx ping -c 1 -W 0.5 -q "$ERG_IP" >/dev/null 2>&1; then
			say "erg-echo (pid $ERG_ECHO_PID) answers ping"
			return 0
		fi
		sleep 0.2
	done
	sed 's/^/        /' "$ERG_ECHO_LOG"
	erg_die "erg-echo did not answer a ping within 20 tries"
}

# erg_stop: SIGTERM erg-echo; it must exit 0 within 5 s after printing its
# counters.  Returns 1 (and records a failure) otherwise.
erg_stop() {
	local rc
	[ -n "$ERG_ECHO_PID" ] || return 0
	if ! erg_alive "$ERG_ECHO_PID"; then
		wait "$ERG_ECHO_PID" 2>/dev/null
		rc=$?
		bad "erg-echo had already exited (status $rc) before the end of the test"
		sed 's/^/        /' "$ERG_ECHO_LOG"
		ERG_ECHO_PID=
		return 1
	fi
	kill -TERM "$ERG_ECHO_PID"
	if ! erg_wait_gone "$ERG_ECHO_PID" 50; then
		bad "erg-echo still running 5 s after SIGTERM"
		erg_kill "$ERG_ECHO_PID"
		ERG_ECHO_PID=
		return 1
	fi
	wait "$ERG_ECHO_PID" 2>/dev/null
	rc=$?
	ERG_ECHO_PID=
	if [ "$rc" -ne 0 ]; then
		bad "erg-echo exited with status $rc after SIGTERM (want 0)"
		sed 's/^/        /' "$ERG_ECHO_LOG"
		return 1
	fi
	if ! grep -q '^netif\.rx [0-9]' "$ERG_ECHO_LOG"; then
		bad "erg-echo --stats printed no counters (no 'netif.rx N' line)"
		sed 's/^/        /' "$ERG_ECHO_LOG"
		return 1
	fi
	if grep -Eq 'Sanitizer|runtime error|Segmentation' "$ERG_ECHO_LOG"; then
		bad "erg-echo reported a sanitizer error or crash"
		sed 's/^/        /' "$ERG_ECHO_LOG"
		return 1
	fi
	say "erg-echo exited 0 on SIGTERM"
	return 0
}

# erg_stat NAME [LOG]: the value of counter NAME that erg printed at exit.
erg_stat() {
	awk -v n="$1" '$1 == n && $2 ~ /^[0-9]+$/ { v = $2 } END { print v }' \
	    "${2:-$ERG_ECHO_LOG}"
}

# erg_show_stats [LOG]: the non-zero counters, several to a line.
erg_show_stats() {
	awk 'NF == 2 && $1 ~ /^[a-z0-9_]+\.[a-z0-9_.]+$/ && $2 ~ /^[0-9]+$/ &&
	    $2 != 0 { printf "%s%-28s %10s", (n++ % 2 ? "  " : "\n    "), $1, $2 }
	    END { print "" }' "${1:-$ERG_ECHO_LOG}"
}

# ping_all COUNT SIZE [OPTION...]: ping erg COUNT times with SIZE bytes of
# payload; every one must be answered (ping's exit status alone says only
# that one was).  Records the verdict; returns 0 if all were answered.
ping_all() {
	local count=$1 size=$2 out rc summary
	shift 2
	out=$(nsx timeout 60 ping -n -q -c "$count" -W 3 -s "$size" "$@" \
	    "$ERG_IP" 2>&1)
	rc=$?
	summary=$(printf '%s\n' "$out" | grep -m1 'packets transmitted')
	case "$summary" in
	"$count packets transmitted, $count received,"*)
		if [ "$rc" -eq 0 ]; then
			ok "ping -c $count -s $size $*: $summary"
			return 0
		fi
		;;
	esac
	bad "ping -c $count -s $size $* (exit $rc): ${summary:-$out}"
	return 1
}

# erg_finish: exit 0 if every check passed, 1 otherwise.
erg_finish() {
	if [ "$ERG_FAILED" -ne 0 ]; then
		say "$ERG_NAME: $ERG_FAILED check(s) failed"
		exit 1
	fi
	say "$ERG_NAME: all checks passed"
	exit 0
}

# ---- tshark ------------------------------------------------------------------

# Checksums are verified for IPv4, UDP and TCP (off by default; ICMP's is
# always verified); fragments are reassembled (the default), so the
# checksums of whole datagrams are checked too.
ERG_TSHARK_PREFS=(-o ip.check_checksum:TRUE -o udp.check_checksum:TRUE
    -o tcp.check_checksum:TRUE -o ip.defragment:TRUE)

# erg_tshark_check [PCAP]: tshark finds no malformed frame, no frame cut
# by the snap length, and nothing of severity warning or worse (bad checksums are errors, and ICMP's a
# warning) in PCAP (default: the test's capture), which must hold frames
# from both Linux and erg.  Records the verdict.
erg_tshark_check() {
	local pcap=${1:-$ERG_PCAP} out=$ERG_WORK/tshark-check.txt n_erg n_linux
	if ! tshark -n -r "$pcap" "${ERG_TSHARK_PREFS[@]}" \
	    -Y '_ws.malformed || _ws.short || _ws.expert.severity >= warning' \
	    >"$out" 2>"$out.err"; then
		bad "tshark could not read $pcap: $(grep -v '^Running as' "$out.err")"
		return 1
	fi
	n_erg=$(tshark -n -r "$pcap" -Y "eth.src == $ERG_MAC" 2>/dev/null | wc -l)
	n_linux=$(tshark -n -r "$pcap" -Y "eth.src != $ERG_MAC" 2>/dev/null |
	    wc -l)
	if [ "$n_erg" -eq 0 ] || [ "$n_linux" -eq 0 ]; then
		bad "tshark: $pcap holds $n_linux frames from Linux and $n_erg from erg (want both)"
		return 1
	fi
	if [ -s "$out" ]; then
		bad "tshark finds $(wc -l <"$out") malformed frame(s) or warnings in $pcap:"
		head -n 20 "$out" | sed 's/^/        /'
		tshark -n -r "$pcap" "${ERG_TSHARK_PREFS[@]}" -q -z expert,warn \
		    2>/dev/null | head -n 30 | sed 's/^/        /'
		return 1
	fi
	ok "tshark: $n_linux frames from Linux, $n_erg from erg: none malformed, no bad checksum, no warning"
	return 0
}

# ---- python helper ---------------------------------------------------------

ERG_PY=$ERG_ROOT/tests/interop/ergtest.py

# py ARGS...: tests/interop/ergtest.py inside the namespace.
py() {
	nsx python3 "$ERG_PY" "$@"
}

# pyhost ARGS...: the same outside the namespace (pcap files, no network).
pyhost() {
	python3 "$ERG_PY" "$@"
}

# ---- TCP -------------------------------------------------------------------

# erg_tshark_check_tcp [-l] [-p PORT]... [PCAP]: erg_tshark_check's checks
# for a capture of TCP traffic: frames from both Linux and erg; no
# malformed or cut frame; nothing of severity error (bad IPv4, TCP or UDP
# checksums, malformed packets); no segment that tshark's TCP analysis
# finds missing from the capture (lost segment, ACK of an unseen one);
# and, on a loss-free run, no retransmission (plain, fast or spurious)
# and no out-of-order segment, in either direction.  TCP's own warnings
# (window full, zero window, RST) are allowed: tests expect them.
#   -l        loss may happen (a flood): retransmissions are counted, not
#             failed
#   -p PORT   decode TCP PORT's payload as plain data: binary bulk
#             transfers would otherwise be misread by the HTTP and
#             heuristic dissectors as messages of their own, and flagged
#   -x FILTER frames matching the display filter FILTER are exempt from
#             the retransmission check (a known issue, named where used)
# Records the verdict.
erg_tshark_check_tcp() {
	local lossy=0 decode=() pcap out filter rtx counts n_erg n_linux n
	local exempt=
	while [ "$#" -gt 0 ]; do
		case "$1" in
		-l) lossy=1; shift ;;
		-p) decode+=(-d "tcp.port==$2,data"); shift 2 ;;
		-x) exempt=$2; shift 2 ;;
		*) break ;;
		esac
	done
	pcap=${1:-$ERG_PCAP}
	out=$ERG_WORK/tshark-tcp-check.txt
	filter='_ws.malformed || _ws.short || _ws.expert.severity >= error ||
	    tcp.analysis.lost_segment || tcp.analysis.ack_lost_segment'
	rtx='tcp.analysis.retransmission || tcp.analysis.fast_retransmission ||
	    tcp.analysis.spurious_retransmission || tcp.analysis.out_of_order'
	if [ "$lossy" -eq 0 ] && [ -n "$exempt" ]; then
		filter="$filter || (($rtx) && !($exempt))"
	elif [ "$lossy" -eq 0 ]; then
		filter="$filter || $rtx"
	fi
	if ! tshark -n -r "$pcap" "${ERG_TSHARK_PREFS[@]}" ${decode[@]+"${decode[@]}"} \
	    -Y "$filter" >"$out" 2>"$out.err"; then
		bad "tshark could not read $pcap: $(grep -v '^Running as' "$out.err")"
		return 1
	fi
	counts=$(tshark -n -r "$pcap" ${decode[@]+"${decode[@]}"} -T fields \
	    -e eth.src 2>/dev/null |
	    awk -v m="$ERG_MAC" '$1 == m { e++ } $1 != m { l++ }
	        END { print l + 0, e + 0 }')
	read -r n_linux n_erg <<<"$counts"
	if [ "$n_erg" -eq 0 ] || [ "$n_linux" -eq 0 ]; then
		bad "tshark: $pcap holds $n_linux frames from Linux and $n_erg from erg (want both)"
		return 1
	fi
	if [ -s "$out" ]; then
		bad "tshark finds $(wc -l <"$out") malformed, bad-checksum, lost or retransmitted segment(s) in $pcap:"
		head -n 20 "$out" | sed 's/^/        /'
		tshark -n -r "$pcap" "${ERG_TSHARK_PREFS[@]}" ${decode[@]+"${decode[@]}"} \
		    -q -z expert,note 2>/dev/null | head -n 30 | sed 's/^/        /'
		return 1
	fi
	if [ "$lossy" -eq 1 ]; then
		n=$(tshark -n -r "$pcap" ${decode[@]+"${decode[@]}"} -Y "$rtx" \
		    2>/dev/null | wc -l)
		ok "tshark: $n_linux frames from Linux, $n_erg from erg: none malformed, no bad checksum, none missing ($n retransmitted or out of order: loss was possible)"
	else
		ok "tshark: $n_linux frames from Linux, $n_erg from erg: none malformed, no bad checksum, none missing, no retransmission"
	fi
	return 0
}

# erg_expect_stat NAME VALUE [LOG]: erg's counter NAME printed at exit is
# VALUE.  Records the verdict.
erg_expect_stat() {
	local v
	v=$(erg_stat "$1" "${3:-$ERG_ECHO_LOG}")
	if [ "${v:-x}" = "$2" ]; then
		ok "erg's counter $1 is $2"
	else
		bad "erg's counter $1 is ${v:-missing}, want $2"
	fi
}

# erg_expect_stat_min NAME MIN [LOG]: erg's counter NAME is at least MIN.
erg_expect_stat_min() {
	local v
	v=$(erg_stat "$1" "${3:-$ERG_ECHO_LOG}")
	if [ -n "$v" ] && [ "$v" -ge "$2" ]; then
		ok "erg's counter $1 is $v (at least $2)"
	else
		bad "erg's counter $1 is ${v:-missing}, want at least $2"
	fi
}

# erg_wait_closed [TENTHS]: wait (at most TENTHS tenths of a second,
# default 50) until Linux holds no TCP connection to or from erg but those
# in TIME-WAIT, so that erg's side of every close has completed too.
erg_wait_closed() {
	local n=${1:-50} i
	for ((i = 0; i < n; i++)); do
		[ -z "$(nsx ss -Htn state all "( dst $ERG_IP or src $ERG_IP )" \
		    2>/dev/null | grep -v -e TIME-WAIT -e '^LISTEN')" ] && return 0
		sleep 0.1
	done
	say "Linux still holds connections with erg after $((n / 10)) s:"
	nsx ss -tn state all "( dst $ERG_IP or src $ERG_IP )" 2>&1 | sed 's/^/        /'
	return 1
}

# sha_of FILE-OR-STDIN: the SHA-256 of what comes in, in hex.
sha_of() {
	sha256sum "$@" | awk '{ print $1 }'
}

# erg_bytes_sha256 N: the SHA-256 of the first N bytes of erg's
# deterministic stream (tools/common/tool_bytes.h).
erg_bytes_sha256() {
	pyhost bytes-sha256 "$1"
}

# erg_linux_no_tlp: turn off Linux's tail loss probes (RFC 8985 TLP) in
# the namespace.  Linux sends a probe, a retransmission of its last
# segment, whenever no ACK comes within about two round trips (10 ms at
# least): on a TAP link, a receiver that stalls that long while its
# sanitizer build is busy draws "retransmissions" that no loss caused.
# Without TLP Linux retransmits only on a timeout (200 ms at least) or
# duplicate ACKs, so a retransmission in a loss-free capture means a
# segment erg lost, dropped or failed to acknowledge.
erg_linux_no_tlp() {
	nsx sysctl -q -w net.ipv4.tcp_early_retrans=0 >/dev/null ||
	    erg_die "cannot set net.ipv4.tcp_early_retrans in $ERG_NS"
}

# ---- TLS -------------------------------------------------------------------

# erg_tls_vectors FILE...: ERG_TLS is the test PKI's directory
# (tests/vectors/tls, README.md there); every FILE must be in it.
erg_tls_vectors() {
	local f
	ERG_TLS=$ERG_ROOT/tests/vectors/tls
	for f in "$@"; do
		[ -r "$ERG_TLS/$f" ] ||
		    erg_die "the test PKI lacks $ERG_TLS/$f (bash tests/vectors/tls/gen.sh makes it)"
	done
}

# erg_require_tool_option TOOL OPTION...: TOOL's --help names every
# OPTION.  A tool built without them is a build failure, not a skip.
erg_require_tool_option() {
	local t=$1 help o
	shift
	erg_require_tool "$t"
	help=$(timeout 10 "$ERG_BIN/$t" --help 2>&1)
	for o in "$@"; do
		case "$help" in
		*"$o"*) ;;
		*)
			echo "FAIL: $ERG_BIN/$t --help does not mention $o (built without it?)"
			exit 1
			;;
		esac
	done
}

# erg_ns_spawn LOG COMMAND...: start COMMAND in the background inside the
# namespace, its output to LOG; its PID is $ERG_SPAWNED, and the EXIT
# trap kills it.
erg_ns_spawn() {
	local log=$1
	shift
	ip netns exec "$ERG_NS" "$@" >"$log" 2>&1 </dev/null &
	ERG_SPAWNED=$!
	ERG_PIDS+=("$ERG_SPAWNED")
}

# erg_wait_listen PORT...: wait (at most 10 s) until Linux listens on
# every TCP PORT in the namespace.  Returns 1 (and says which) if not.
erg_wait_listen() {
	local i p missing
	for ((i = 0; i < 100; i++)); do
		missing=
		for p in "$@"; do
			[ -n "$(nsx ss -Hltn "sport = :$p" 2>/dev/null)" ] ||
			    missing="$missing $p"
		done
		[ -z "$missing" ] && return 0
		sleep 0.1
	done
	say "nothing listens on TCP port(s)$missing in $ERG_NS after 10 s"
	return 1
}

# erg_tshark_tls_ports PORT...: have the capture checks (ERG_TSHARK_PREFS)
# decode TCP PORT as TLS too, so that a malformed record there is found
# (443 is TLS already).
erg_tshark_tls_ports() {
	local p
	for p in "$@"; do
		ERG_TSHARK_PREFS+=(-d "tcp.port==$p,tls")
	done
}

# ---- DHCP and DNS servers (dnsmasq, unbound) --------------------------------

# erg_dnsmasq_start CONF: start dnsmasq in the namespace, in the
# foreground (the EXIT trap kills it), with the configuration file CONF,
# logging to $ERG_WORK/dnsmasq.log (queries and DHCP included), its lease
# file in $ERG_WORK; wait (at most 10 s) until it has started and, unless
# CONF turns DNS off (port=0), listens on port 53.  Its PID is
# $ERG_DNSMASQ_PID.
erg_dnsmasq_start() {
	local conf=$1 i
	ERG_DNSMASQ_LOG=$ERG_WORK/dnsmasq.log
	# --user/--group root: dnsmasq would otherwise drop to a user that
	# may not write the lease file into the work directory.
	erg_ns_spawn "$ERG_DNSMASQ_LOG" dnsmasq --keep-in-foreground \
	    --conf-file="$conf" --pid-file="$ERG_WORK/dnsmasq.pid" \
	    --dhcp-leasefile="$ERG_WORK/dnsmasq.leases" --log-facility=- \
	    --user=root --group=root
	ERG_DNSMASQ_PID=$ERG_SPAWNED
	for ((i = 0; i < 100; i++)); do
		if ! erg_alive "$ERG_DNSMASQ_PID"; then
			sed 's/^/        /' "$ERG_DNSMASQ_LOG"
			erg_die "dnsmasq exited at start"
		fi
		if grep -q 'started, version' "$ERG_DNSMASQ_LOG" &&
		    { grep -q '^port=0' "$conf" ||
		    [ -n "$(nsx ss -Hlun 'sport = :53' 2>/dev/null)" ]; }; then
			say "dnsmasq (pid $ERG_DNSMASQ_PID) started: $(grep -c . "$conf") lines of configuration"
			return 0
		fi
		sleep 0.1
	done
	sed 's/^/        /' "$ERG_DNSMASQ_LOG"
	erg_die "dnsmasq did not start within 10 s"
}

# erg_start_dhcp [EXTRA OPTION...]: start erg-echo --dhcp -v on tap0 (MAC
# $ERG_MAC, seed $ERG_SEED) and wait (at most 40 s) for its "ready:" line,
# which names the leased address: ERG_IP becomes that address, and erg-echo
# must then answer a ping at it.  A DHCP server must be running.
erg_start_dhcp() {
	local i addr
	ERG_ECHO_LOG=$ERG_WORK/erg-echo.log
	say "start: erg-echo --tap $ERG_TAP --dhcp -v --mac $ERG_MAC --seed $ERG_SEED $*"
	ip netns exec "$ERG_NS" "$ERG_BIN/erg-echo" --tap "$ERG_TAP" --dhcp -v \
	    --mac "$ERG_MAC" --seed "$ERG_SEED" --stats \
	    --seconds "${ERG_SECONDS:-120}" "$@" >"$ERG_ECHO_LOG" 2>&1 &
	ERG_ECHO_PID=$!
	ERG_PIDS+=("$ERG_ECHO_PID")
	for ((i = 0; i < 400; i++)); do
		addr=$(sed -n 's/^erg-echo: ready: \([0-9.]*\)\/.*/\1/p' \
		    "$ERG_ECHO_LOG" | head -n 1)
		[ -n "$addr" ] && break
		if ! erg_alive "$ERG_ECHO_PID"; then
			wait "$ERG_ECHO_PID" 2>/dev/null
			echo "erg-echo exited with status $?:"
			sed 's/^/        /' "$ERG_ECHO_LOG"
			erg_die "erg-echo --dhcp did not start"
		fi
		sleep 0.1
	done
	if [ -z "$addr" ]; then
		sed 's/^/        /' "$ERG_ECHO_LOG"
		erg_die "erg-echo --dhcp printed no 'ready:' line within 40 s"
	fi
	ERG_IP=$addr
	say "erg-echo (pid $ERG_ECHO_PID): $(sed -n 's/^erg-echo: DHCP: bound: /DHCP lease /p' "$ERG_ECHO_LOG" | head -n 1)"
	for ((i = 0; i < 20; i++)); do
		if nsx ping -c 1 -W 0.5 -q "$ERG_IP" >/dev/null 2>&1; then
			say "erg-echo answers ping at its leased address $ERG_IP"
			return 0
		fi
		sleep 0.2
	done
	sed 's/^/        /' "$ERG_ECHO_LOG"
	erg_die "erg-echo did not answer a ping at $ERG_IP within 20 tries"
}

# erg_dig_used_tcp WHAT: the last erg_dig_compare's erg-dig had its UDP
# answer truncated and asked again over TCP (its counters say so).
erg_dig_used_tcp() {
	local tc tq
	tc=$(erg_stat dns.truncated "$ERG_DIG_ERR")
	tq=$(erg_stat dns.tcp_queries "$ERG_DIG_ERR")
	if [ "${tc:-0}" -ge 1 ] && [ "${tq:-0}" -ge 1 ]; then
		ok "$1: truncated over UDP, asked over TCP (dns.truncated $tc, dns.tcp_queries $tq)"
	else
		bad "$1: want the answer over TCP: dns.truncated ${tc:-?}, dns.tcp_queries ${tq:-?}"
	fi
}

# erg_dig_compare WHAT MODE NAME TYPE [ERG-DIG OPTION...]: ask NAME TYPE
# of the server at $ERG_DNS_SERVER with dig +short (Linux, in the
# namespace) and with erg-dig on tap0 (ERG-DIG OPTIONs: how it gets its
# address and server), and compare what they print on stdout.  MODE
# "ordered": the lines must be identical, in order (a CNAME chain);
# "set": the same lines in any order (RFC 2181 5: an RRset has no order,
# and servers shuffle them); "empty": both must print nothing (NXDOMAIN,
# NODATA).  erg-dig must exit 0 and its stderr holds no sanitizer
# report.  Records the verdict; $ERG_DIG_ERR is erg-dig's stderr file.
ERG_DIG_N=0
erg_dig_compare() {
	local what=$1 mode=$2 name=$3 type=$4 want got rc dname
	shift 4
	ERG_DIG_N=$((ERG_DIG_N + 1))
	want=$ERG_WORK/dig-$ERG_DIG_N.want
	got=$ERG_WORK/dig-$ERG_DIG_N.got
	ERG_DIG_ERR=$ERG_WORK/dig-$ERG_DIG_N.err
	dname=$name
	[ "$type" = PTR ] && [[ "$name" =~ ^[0-9.]+$ ]] && dname="-x $name"
	# shellcheck disable=SC2086 # $dname is "-x A.B.C.D" or a name
	nsx timeout 20 dig +short +tries=2 +time=2 "@$ERG_DNS_SERVER" \
	    $dname "$type" >"$want" 2>&1 || {
		bad "$what: dig +short $dname $type failed: $(head -n 3 "$want")"
		return 1
	}
	# A seed of its own per run: the same seed would draw the same
	# ports and sequence numbers as the run before, whose connection
	# Linux may still hold (TIME-WAIT on its side).
	nsx timeout 60 "$ERG_BIN/erg-dig" --tap "$ERG_TAP" --mac "$ERG_MAC" \
	    --seed "$((ERG_SEED + ERG_DIG_N))" --stats "$@" "$name" "$type" \
	    >"$got" 2>"$ERG_DIG_ERR"
	rc=$?
	if grep -Eq 'Sanitizer|runtime error|Segmentation' "$ERG_DIG_ERR"; then
		bad "$what: erg-dig crashed or reported a sanitizer error"
		sed 's/^/        /' "$ERG_DIG_ERR" | head -n 30
		return 1
	fi
	if [ "$rc" -ne 0 ]; then
		bad "$what: erg-dig $name $type exited $rc: $(grep '^erg-dig:' "$ERG_DIG_ERR" | tail -n 2)"
		return 1
	fi
	case "$mode" in
	empty)
		if [ -s "$want" ] || [ -s "$got" ]; then
			bad "$what: want no output from both; dig printed $(wc -l <"$want") lines, erg-dig $(wc -l <"$got")"
			diff "$want" "$got" | head -n 10 | sed 's/^/        /'
			return 1
		fi
		;;
	ordered)
		if [ ! -s "$want" ] || ! cmp -s "$want" "$got"; then
			bad "$what: erg-dig's output differs from dig +short's (or both are empty):"
			diff "$want" "$got" | head -n 20 | sed 's/^/        /'
			return 1
		fi
		;;
	set)
		if [ ! -s "$want" ] ||
		    ! cmp -s <(LC_ALL=C sort "$want") <(LC_ALL=C sort "$got"); then
			bad "$what: erg-dig's records differ from dig +short's (or both are empty):"
			diff <(LC_ALL=C sort "$want") <(LC_ALL=C sort "$got") |
			    head -n 20 | sed 's/^/        /'
			return 1
		fi
		;;
	esac
	ok "$what: erg-dig $name $type prints what dig +short prints ($(wc -l <"$got") lines$([ "$mode" = set ] && echo ', in any order'))"
	return 0
}
