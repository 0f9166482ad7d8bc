#!/usr/bin/env bash
# tests/interop/test_tools_errors.sh: bad input at erg-echo, erg-get and
# erg-pcap.
#
# Checks: every bad command line (bad --ip, --mac, --gw, --seed,
# --seconds, unknown options, missing values and operands) and every bad
# environment (no such interface, no permission for /dev/net/tun, no
# /dev/net/tun at all, an unwritable --capture file, a missing, empty,
# non-pcap, truncated or non-Ethernet capture, an unwritable output)
# makes the tool print exactly one line on stderr and exit with a
# non-zero status, without a crash, a sanitizer report or a hang; --help
# prints the usage on stdout and exits 0.  TLS: erg-echo's --cert, --key
# and --cert-name groups out of order or malformed, and erg-get's
# https:// to a name without --resolve or to an address without
# --insecure, a bad --resolve, --cafile with --insecure, exit 2; a
# certificate, key or --cafile that is missing, a directory, not PEM,
# not matching or of a type erg cannot use, exit 1 (before any device is
# opened), each with one line that names the option or the file.  DHCP
# and DNS: --dhcp with --ip or --gw, with a value, or given to erg-pcap
# (a replay); a bad, non-unicast or fifth --dns/--server; erg-dig
# without NAME, with a bad NAME or TYPE (TYPE41, OPT, included), with no
# server and no --dhcp, or with three operands: exit 2; in a namespace,
# --dhcp with no DHCP server on the link, and a DNS server that does not
# answer, exit 1 after --timeout, with one line.
#
# Needs neither root nor a namespace.  As root, every case runs inside a
# namespace of its own (nothing can reach a real interface): the
# permission case as user nobody, the missing /dev/net/tun case in a
# private mount namespace that hides it.  As another user, nothing can be
# opened anyway, and the cases that need root are skipped (and said so).
set -u -o pipefail
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

for p in timeout python3; do
	command -v "$p" >/dev/null 2>&1 ||
	    erg_skip "missing program $p (bash scripts/deps.sh test installs it)"
done
erg_require_tool erg-echo erg-pcap erg-get erg-dig
erg_workdir tools_errors

echo_bin=$ERG_BIN/erg-echo
get_bin=$ERG_BIN/erg-get
pcap_bin=$ERG_BIN/erg-pcap
n_cases=0

# Where a device is opened.  Root: only inside a namespace of our own,
# with a tap0 that erg may open (mode ns).  Root without namespaces (no
# ip, no /dev/net/tun): no case may open a device, and the option cases
# get an interface that does not exist (mode none).  Not root: nothing can
# be opened or touched at all (mode user).
run=()
if [ "$(id -u)" -ne 0 ]; then
	mode=user
	say "not root: the device cases run as this user"
elif [ -c /dev/net/tun ] && command -v ip >/dev/null 2>&1 &&
    err=$(ip netns add "erg-errors-$$" 2>&1); then
	mode=ns
	ERG_NS=erg-errors-$$
	nsx ip link set lo up
	nsx ip tuntap add dev "$ERG_TAP" mode tap ||
	    erg_die "cannot create $ERG_TAP in $ERG_NS"
	run=(ip netns exec "$ERG_NS")
	say "the cases run in namespace $ERG_NS"
else
	mode=none
	say "root but no namespace (${err:-no ip or no /dev/net/tun}): the device cases are not run"
fi

# A valid base: in a namespace, if a bad option were accepted, the tool
# would run on tap0 for a second and exit 0, and the case would fail.
if [ "$mode" = ns ]; then
	base=(--tap "$ERG_TAP" --ip "$ERG_IP/$ERG_PREFIX" --seconds 1)
else
	base=(--pcap-live no-such-iface0 --ip "$ERG_IP/$ERG_PREFIX" --seconds 1)
fi

# expect_error WHAT MENTION COMMAND...: COMMAND exits non-zero (not by a
# signal, not by the 10 s timeout), with exactly one line on stderr that
# contains MENTION (case-insensitive; empty: anything), and no crash or
# sanitizer text anywhere.
expect_error() {
	expect_status "" "$@"
}

# expect_status STATUS WHAT MENTION COMMAND...: expect_error, and the exit
# status is STATUS (empty: any non-zero one).
expect_status() {
	local want=$1 what=$2 mention=$3 rc out err nlines
	shift 3
	n_cases=$((n_cases + 1))
	out=$ERG_WORK/case-$n_cases.out
	err=$ERG_WORK/case-$n_cases.err
	timeout -k 5 10 "$@" >"$out" 2>"$err" </dev/null
	rc=$?
	# A coverage build run as another user cannot write its .gcda
	# files and says so on stderr: not the tool's output.
	sed -i '/^profiling:.*\.gcda:/d' "$err"
	nlines=$(wc -l <"$err")
	if grep -Eqi 'sanitizer|runtime error|segmentation|core dumped|stack smashing|double free' \
	    "$out" "$err"; then
		bad "$what: crashed or sanitizer report (exit $rc): $*"
		sed 's/^/        /' "$err" | head -n 20
	elif [ "$rc" -eq 0 ]; then
		bad "$what: accepted (exit 0): $*"
		sed 's/^/        /' "$err" | head -n 5
	elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		bad "$what: hung (killed after 10 s): $*"
	elif [ "$rc" -ge 128 ]; then
		bad "$what: killed by signal $((rc - 128)): $*"
	elif [ "$nlines" -ne 1 ] || [ "$(wc -c <"$err")" -le 1 ]; then
		bad "$what: $nlines lines on stderr, want exactly 1 (exit $rc): $*"
		sed 's/^/        | /' "$err" | head -n 10
	elif [ -n "$mention" ] && ! grep -Fqi -- "$mention" "$err"; then
		bad "$what: the message does not mention '$mention' (exit $rc): $(cat "$err")"
	elif [ -n "$want" ] && [ "$rc" -ne "$want" ]; then
		bad "$what: exit $rc, want $want: $(cat "$err")"
	else
		ok "$what: exit $rc: $(cat "$err")"
	fi
}

# expect_help TOOL: --help prints the usage on stdout, nothing on stderr,
# and exits 0.
expect_help() {
	local rc
	n_cases=$((n_cases + 1))
	timeout 10 "$1" --help >"$ERG_WORK/help.out" 2>"$ERG_WORK/help.err" \
	    </dev/null
	rc=$?
	if [ "$rc" -eq 0 ] && [ -s "$ERG_WORK/help.out" ] &&
	    [ ! -s "$ERG_WORK/help.err" ] &&
	    grep -q -- '--ip' "$ERG_WORK/help.out"; then
		ok "$(basename "$1") --help: exit 0, $(wc -l <"$ERG_WORK/help.out") lines of usage on stdout"
	else
		bad "$(basename "$1") --help: exit $rc, $(wc -l <"$ERG_WORK/help.out") lines on stdout, $(wc -l <"$ERG_WORK/help.err") on stderr (want 0, usage, none)"
	fi
}

# ---- erg-echo: the command line ----------------------------------------------

expect_help "$echo_bin"
e=("${run[@]}" "$echo_bin")
expect_error "no interface" "" "${e[@]}" --ip "$ERG_IP/$ERG_PREFIX" --seconds 1
expect_error "no arguments at all" "" "${e[@]}"
for ip in 300.1.1.1/24 198.18.0.2/33 198.18.0.2/-1 garbage 198.18.0/24 \
    198.18.0.2.5/24 198.18.0.2/24x 198.18.0.2/ /24 ''; do
	expect_error "--ip '$ip'" "" "${e[@]}" "${base[@]}" --ip "$ip"
done
for mac in 02:00:00:00:00 02:00:00:00:00:02:03 zz:00:00:00:00:02 \
    02:00:00:00:00:0 020000000002 garbage ''; do
	expect_error "--mac '$mac'" "" "${e[@]}" "${base[@]}" --mac "$mac"
done
for gw in garbage 300.1.1.1 198.18.0.; do
	expect_error "--gw '$gw'" "" "${e[@]}" "${base[@]}" --gw "$gw"
done
for seed in abc 12x -; do
	expect_error "--seed '$seed'" "" "${e[@]}" "${base[@]}" --seed "$seed"
done
for secs in abc -1 1.5x 99999999999999999999999; do
	expect_error "--seconds '$secs'" "" "${e[@]}" "${base[@]}" --seconds "$secs"
done
expect_error "unknown option" "--frobnicate" "${e[@]}" "${base[@]}" --frobnicate
expect_error "unknown short option" "" "${e[@]}" "${base[@]}" -x
expect_error "--ip without its value" "--ip" "${e[@]}" --tap "$ERG_TAP" --ip
expect_error "--stats with a value" "--stats" "${e[@]}" "${base[@]}" --stats=yes
expect_error "an operand" "" "${e[@]}" "${base[@]}" stray-operand

# ---- erg-echo: devices ---------------------------------------------------------

if [ "$mode" = ns ]; then
	expect_error "--pcap-live on an interface that does not exist" \
	    no-such-iface0 "${e[@]}" --pcap-live no-such-iface0 \
	    --ip "$ERG_IP/$ERG_PREFIX" --seconds 1
	expect_error "--tap as user nobody (no permission)" "" \
	    ip netns exec "$ERG_NS" setpriv --reuid=65534 --regid=65534 \
	    --clear-groups --inh-caps=-all "$echo_bin" "${base[@]}"
	if command -v unshare >/dev/null 2>&1; then
		# A private mount namespace where /dev/net is empty.
		expect_error "--tap without /dev/net/tun" "/dev/net/tun" \
		    ip netns exec "$ERG_NS" unshare -m --propagation private \
		    sh -c 'mount -t tmpfs none /dev/net && exec "$@"' sh \
		    "$echo_bin" "${base[@]}"
	else
		say "no unshare: the missing /dev/net/tun case is not run"
	fi
	expect_error "--capture into a directory that does not exist" \
	    "$ERG_WORK/no-such-dir" "${e[@]}" "${base[@]}" \
	    --capture "$ERG_WORK/no-such-dir/x.pcap"
elif [ "$mode" = user ]; then
	# Without root nothing can be opened, and nothing can be touched.
	expect_error "--pcap-live without root" "" "${e[@]}" \
	    --pcap-live no-such-iface0 --ip "$ERG_IP/$ERG_PREFIX" --seconds 1
	expect_error "--tap without root" "" "${e[@]}" --tap ergtest0 \
	    --ip "$ERG_IP/$ERG_PREFIX" --seconds 1
	say "not root: the cases no permission, no /dev/net/tun and --capture are not run"
fi

# ---- TLS: erg-echo's --cert/--key/--cert-name, erg-get's https:// ------------

vec=$ERG_ROOT/tests/vectors/tls
printf 'not a certificate\n' >"$ERG_WORK/garbage.pem"
mkdir -p "$ERG_WORK/a-directory"
crt=(--cert "$vec/ec256.chain.pem" --key "$vec/ec256.key")

expect_help "$get_bin"
# help_names BINARY OPTION...: BINARY --help describes every OPTION.
help_names() {
	local bin=$1 opt
	shift
	for opt in "$@"; do
		n_cases=$((n_cases + 1))
		if timeout 10 "$bin" --help 2>/dev/null | grep -q -- "$opt"; then
			ok "$(basename "$bin") --help describes $opt"
		else
			bad "$(basename "$bin") --help does not describe $opt"
		fi
	done
}
help_names "$echo_bin" --cert --key --cert-name
help_names "$get_bin" https:// --resolve --cafile --insecure

# The command line: exit 2.
expect_status 2 "--cert without its --key" "--key" \
    "${e[@]}" "${base[@]}" --cert "$vec/ec256.chain.pem"
expect_status 2 "--key without a --cert" "--cert" \
    "${e[@]}" "${base[@]}" --key "$vec/ec256.key"
expect_status 2 "--cert-name without a --cert" "--cert-name" \
    "${e[@]}" "${base[@]}" --cert-name erg.test
expect_status 2 "a second --cert before the first one's --key" "--key" \
    "${e[@]}" "${base[@]}" --cert "$vec/ec256.chain.pem" \
    --cert "$vec/rsa2048.chain.pem" --key "$vec/rsa2048.key"
expect_status 2 "a second --cert without its --cert-name" "--cert-name" \
    "${e[@]}" "${base[@]}" "${crt[@]}" --cert "$vec/rsa2048.chain.pem" \
    --key "$vec/rsa2048.key"
expect_status 2 "two --cert-name for one --cert" "--cert-name" \
    "${e[@]}" "${base[@]}" "${crt[@]}" --cert-name erg.test \
    --cert-name other.test
for name in 'a b' '*' 'a..b' '-a.erg.test' 'f*.erg.test' ''; do
	expect_status 2 "--cert-name '$name'" "--cert-name" \
	    "${e[@]}" "${base[@]}" "${crt[@]}" --cert-name "$name"
done
expect_status 2 "--cert with an empty value" "--cert" \
    "${e[@]}" "${base[@]}" --cert= --key "$vec/ec256.key"
expect_status 2 "erg-echo: --cafile is erg-get's" "--cafile" \
    "${e[@]}" "${base[@]}" --cafile "$vec/ca.pem"

# The files: exit 1, before any device is opened.
expect_status 1 "--cert: no such file" "$ERG_WORK/no-such.pem" \
    "${e[@]}" "${base[@]}" --cert "$ERG_WORK/no-such.pem" \
    --key "$vec/ec256.key"
expect_status 1 "--key: no such file" "$ERG_WORK/no-such.key" \
    "${e[@]}" "${base[@]}" --cert "$vec/ec256.chain.pem" \
    --key "$ERG_WORK/no-such.key"
expect_status 1 "--cert: a directory" "$ERG_WORK/a-directory" \
    "${e[@]}" "${base[@]}" --cert "$ERG_WORK/a-directory" \
    --key "$vec/ec256.key"
expect_status 1 "--cert: not a certificate" "EMALFORMED" \
    "${e[@]}" "${base[@]}" --cert "$ERG_WORK/garbage.pem" \
    --key "$vec/ec256.key"
expect_status 1 "--key: not a key" "EMALFORMED" \
    "${e[@]}" "${base[@]}" --cert "$vec/ec256.chain.pem" \
    --key "$ERG_WORK/garbage.pem"
expect_status 1 "--key of another certificate" "EMALFORMED" \
    "${e[@]}" "${base[@]}" --cert "$vec/ec256.chain.pem" \
    --key "$vec/rsa2048.key"
expect_status 1 "--key: RSA 1024 bits" "EUNSUPPORTED" \
    "${e[@]}" "${base[@]}" --cert "$vec/rsa1024.chain.pem" \
    --key "$vec/rsa1024.key"

# erg-get.
g=("${run[@]}" "$get_bin")
if [ "$mode" = ns ]; then
	gbase=(--tap "$ERG_TAP" --ip "$ERG_IP/$ERG_PREFIX" --timeout 2)
else
	gbase=(--pcap-live no-such-iface0 --ip "$ERG_IP/$ERG_PREFIX")
fi
res=(--resolve "erg.test:$LINUX_IP")
expect_status 2 "https:// to a name without --resolve" "--resolve" \
    "${g[@]}" "${gbase[@]}" --cafile "$vec/ca.pem" https://erg.test/
expect_status 2 "https:// to an address without --insecure" "--insecure" \
    "${g[@]}" "${gbase[@]}" "https://$LINUX_IP/"
expect_status 2 "--resolve for another port" "--resolve" \
    "${g[@]}" "${gbase[@]}" --resolve "erg.test:444:$LINUX_IP" \
    https://erg.test/
for r in erg.test erg.test:300.1.1.1 "erg.test:0:$LINUX_IP" \
    "erg.test:65536:$LINUX_IP" "bad_name:$LINUX_IP" ":$LINUX_IP" \
    "erg.test:224.0.0.1" ''; do
	expect_status 2 "--resolve '$r'" "--resolve" \
	    "${g[@]}" "${gbase[@]}" --resolve "$r" https://erg.test/
done
expect_status 2 "--cafile and --insecure" "--insecure" \
    "${g[@]}" "${gbase[@]}" "${res[@]}" --cafile "$vec/ca.pem" --insecure \
    https://erg.test/
expect_status 2 "erg-get: --cert is erg-echo's" "--cert" \
    "${g[@]}" "${gbase[@]}" "${crt[@]}" "http://$LINUX_IP/"
expect_status 2 "a URL that is neither http:// nor https://" "https://" \
    "${g[@]}" "${gbase[@]}" ftp://erg.test/
expect_status 2 "https:// with a bad port" "port" \
    "${g[@]}" "${gbase[@]}" "${res[@]}" https://erg.test:99999/
expect_status 2 "https:// with an IPv6 literal" "host" \
    "${g[@]}" "${gbase[@]}" 'https://[::1]/'
expect_status 1 "--cafile: no such file" "$ERG_WORK/no-such.pem" \
    "${g[@]}" "${gbase[@]}" "${res[@]}" --cafile "$ERG_WORK/no-such.pem" \
    https://erg.test/
expect_status 1 "--cafile: a directory" "$ERG_WORK/a-directory" \
    "${g[@]}" "${gbase[@]}" "${res[@]}" --cafile "$ERG_WORK/a-directory" \
    https://erg.test/
expect_status 1 "--cafile: no certificate in it" "EMALFORMED" \
    "${g[@]}" "${gbase[@]}" "${res[@]}" --cafile "$ERG_WORK/garbage.pem" \
    https://erg.test/
expect_status 1 "--cafile: only a CA erg cannot use (Ed25519)" \
    "trust anchor" "${g[@]}" "${gbase[@]}" "${res[@]}" \
    --cafile "$vec/ed25519-ca.pem" https://erg.test/

# And good credentials run, so that the cases above failed for their
# reason.
if [ "$mode" = ns ]; then
	n_cases=$((n_cases + 1))
	if out=$(timeout 10 "${e[@]}" "${base[@]}" "${crt[@]}" \
	    --cert "$vec/rsa2048.chain.pem" --key "$vec/rsa2048.key" \
	    --cert-name '*.rsa.erg.test' 2>&1) &&
	    printf '%s' "$out" | grep -q 'HTTPS (443), TLS echo (7443) with 2 certificates'; then
		ok "erg-echo with two certificates: exit 0, $(printf '%s' "$out" | grep -o 'HTTPS.*')"
	else
		bad "erg-echo with good certificates: $out"
	fi
fi

# ---- erg-pcap ------------------------------------------------------------------

pyhost mkpcap raw "$ERG_WORK/raw.pcap" || erg_die "cannot write raw.pcap"
pyhost mkpcap truncated "$ERG_WORK/truncated.pcap" ||
    erg_die "cannot write truncated.pcap"
pyhost mkpcap garbage "$ERG_WORK/garbage.pcap" || erg_die "cannot write garbage.pcap"
pyhost mkpcap empty "$ERG_WORK/empty.pcap" || erg_die "cannot write empty.pcap"
good=$ERG_ROOT/tests/vectors/linux.pcap
outp=$ERG_WORK/out.pcap
ipo=(--ip "$ERG_IP/$ERG_PREFIX")

expect_help "$pcap_bin"
expect_error "erg-pcap: no arguments" "" "$pcap_bin"
expect_error "erg-pcap: one operand" "" "$pcap_bin" "$good" "${ipo[@]}"
expect_error "erg-pcap: three operands" "" "$pcap_bin" "$good" "$outp" \
    "$outp.2" "${ipo[@]}"
expect_error "erg-pcap: no --ip" "" "$pcap_bin" "$good" "$outp"
expect_error "erg-pcap: bad --ip" "" "$pcap_bin" "$good" "$outp" --ip 1.2.3.4/40
expect_error "erg-pcap: bad --mac" "" "$pcap_bin" "$good" "$outp" "${ipo[@]}" \
    --mac 02:00:00:00:00:zz
expect_error "erg-pcap: --tap is not for it" "" "$pcap_bin" "$good" "$outp" \
    "${ipo[@]}" --tap tap0
expect_error "erg-pcap: input missing" "$ERG_WORK/no-such.pcap" "$pcap_bin" \
    "$ERG_WORK/no-such.pcap" "$outp" "${ipo[@]}"
expect_error "erg-pcap: input is a directory" "" "$pcap_bin" "$ERG_WORK" \
    "$outp" "${ipo[@]}"
expect_error "erg-pcap: input is not a capture" "garbage.pcap" "$pcap_bin" \
    "$ERG_WORK/garbage.pcap" "$outp" "${ipo[@]}"
expect_error "erg-pcap: input is empty" "empty.pcap" "$pcap_bin" \
    "$ERG_WORK/empty.pcap" "$outp" "${ipo[@]}"
expect_error "erg-pcap: input is not Ethernet (DLT_RAW)" "raw.pcap" "$pcap_bin" \
    "$ERG_WORK/raw.pcap" "$outp" "${ipo[@]}"
expect_error "erg-pcap: input truncated mid-frame" "truncated.pcap" "$pcap_bin" \
    "$ERG_WORK/truncated.pcap" "$outp" "${ipo[@]}"
expect_error "erg-pcap: output directory missing" "$ERG_WORK/no-such-dir" \
    "$pcap_bin" "$good" "$ERG_WORK/no-such-dir/out.pcap" "${ipo[@]}"
# Review regressions: a capture file that would overwrite IN or OUT, '-' (stdout
# carries the counters), an unwritable --capture, a device name that is no
# interface name.
cp "$good" "$ERG_WORK/in-copy.pcap"
expect_error "erg-pcap: --capture is IN" "different files" "$pcap_bin" \
    "$ERG_WORK/in-copy.pcap" "$outp" "${ipo[@]}" --capture "$ERG_WORK/in-copy.pcap"
if cmp -s "$good" "$ERG_WORK/in-copy.pcap"; then
	ok "erg-pcap: --capture IN left IN intact"
else
	bad "erg-pcap: --capture IN damaged IN"
fi
expect_error "erg-pcap: --capture is OUT" "different files" "$pcap_bin" \
    "$good" "$outp" "${ipo[@]}" --capture "$outp"
expect_error "erg-pcap: OUT is -" "stdout" "$pcap_bin" "$good" - "${ipo[@]}"
if [ -w /dev/full ]; then
	expect_error "erg-pcap: --capture cannot be written" "/dev/full" \
	    "$pcap_bin" "$good" "$outp" "${ipo[@]}" --capture /dev/full
fi
expect_error "--tap with a slash" "interface name" "${e[@]}" --tap a/b \
    --ip "$ERG_IP/$ERG_PREFIX"
expect_error "--tap too long" "interface name" "${e[@]}" \
    --tap abcdefghijklmnopqrstuvwxyz --ip "$ERG_IP/$ERG_PREFIX"
if [ "$(id -u)" -ne 0 ]; then
	: >"$ERG_WORK/readonly.pcap"
	chmod 0444 "$ERG_WORK/readonly.pcap"
	expect_error "erg-pcap: output not writable" "readonly.pcap" "$pcap_bin" \
	    "$good" "$ERG_WORK/readonly.pcap" "${ipo[@]}"
fi

# And a good replay works, so that the cases above failed for their reason.
n_cases=$((n_cases + 1))
if out=$(timeout 30 "$pcap_bin" "$good" "$outp" "${ipo[@]}" 2>&1); then
	ok "erg-pcap on a good capture (tests/vectors/linux.pcap): exit 0"
else
	bad "erg-pcap on a good capture failed: $out"
fi

# ---- --dhcp, --dns and erg-dig --------------------------------------------------

dig_bin=$ERG_BIN/erg-dig
d=("${run[@]}" "$dig_bin")
if [ "$mode" = ns ]; then
	dlink=(--tap "$ERG_TAP")
else
	dlink=(--pcap-live no-such-iface0)
fi
dbase=("${dlink[@]}" --ip "$ERG_IP/$ERG_PREFIX" --timeout 2)
srv=(--server "$LINUX_IP")

expect_help "$dig_bin"
help_names "$dig_bin" --server --dhcp --timeout NXDOMAIN TYPEnnn
help_names "$echo_bin" --dhcp --timeout
help_names "$get_bin" --dhcp --dns

expect_status 2 "erg-dig: no NAME" "NAME" "${d[@]}" "${dbase[@]}" "${srv[@]}"
expect_status 2 "erg-dig: three operands" "" "${d[@]}" "${dbase[@]}" \
    "${srv[@]}" a.erg.test A extra
for t in AX TYPE0 TYPE65536 TYPE TYPE01 TYPE-1 'A A' ''; do
	expect_status 2 "erg-dig: TYPE '$t'" "TYPE" "${d[@]}" "${dbase[@]}" \
	    "${srv[@]}" a.erg.test "$t"
done
expect_status 2 "erg-dig: TYPE41 (OPT is no question)" "OPT" \
    "${d[@]}" "${dbase[@]}" "${srv[@]}" a.erg.test TYPE41
long63=$(printf 'a%.0s' $(seq 1 63))
for n in 'a..erg.test' '..' "${long63}b.erg.test" \
    "$long63.$long63.$long63.$long63.erg" ''; do
	expect_status 2 "erg-dig: NAME '${n:0:20}...' (${#n} bytes)" "NAME" \
	    "${d[@]}" "${dbase[@]}" "${srv[@]}" "$n"
done
expect_status 2 "erg-dig: no server and no --dhcp" "--server" \
    "${d[@]}" "${dbase[@]}" a.erg.test
for sv in garbage 300.1.1.1 224.0.0.1 0.0.0.0 198.18.0.1/24 ''; do
	expect_status 2 "erg-dig: --server '$sv'" "--server" \
	    "${d[@]}" "${dbase[@]}" --server "$sv" a.erg.test
done
expect_status 2 "erg-dig: five DNS servers" "DNS servers" \
    "${d[@]}" "${dbase[@]}" --server 198.18.0.1 --server 198.18.0.3 \
    --dns 198.18.0.4 --server 198.18.0.5 --dns 198.18.0.6 a.erg.test
expect_status 2 "erg-dig: neither --ip nor --dhcp" "--dhcp" \
    "${d[@]}" "${dlink[@]}" "${srv[@]}" a.erg.test
expect_status 2 "erg-dig: --dhcp and --ip" "--dhcp" \
    "${d[@]}" "${dbase[@]}" --dhcp a.erg.test
expect_status 2 "erg-dig: --seconds is not erg-dig's" "--seconds" \
    "${d[@]}" "${dbase[@]}" "${srv[@]}" --seconds 1 a.erg.test
expect_status 2 "erg-echo: --dhcp and --ip" "--dhcp" "${e[@]}" "${base[@]}" \
    --dhcp
expect_status 2 "erg-echo: --dhcp and --gw" "--dhcp" "${e[@]}" "${dlink[@]}" \
    --dhcp --gw "$LINUX_IP" --seconds 1
expect_status 2 "erg-echo: --dhcp with a value" "--dhcp" "${e[@]}" \
    "${dlink[@]}" --dhcp=yes --seconds 1
expect_status 2 "erg-echo: --dns is not erg-echo's" "--dns" "${e[@]}" \
    "${base[@]}" --dns "$LINUX_IP"
expect_status 2 "erg-echo: --timeout 0" "--timeout" "${e[@]}" "${dlink[@]}" \
    --dhcp --timeout 0
expect_status 2 "erg-echo: --timeout without --dhcp" "--dhcp" "${e[@]}" \
    "${base[@]}" --timeout 5
expect_status 2 "erg-pcap: --dhcp is not for a replay" "--dhcp" "$pcap_bin" \
    "$good" "$outp" --dhcp
for sv in garbage 300.1.1.1 255.255.255.255 ''; do
	expect_status 2 "erg-get: --dns '$sv'" "--dns" "${g[@]}" "${gbase[@]}" \
	    --dns "$sv" http://erg.test/
done
expect_status 2 "erg-get: --server is erg-dig's" "--server" "${g[@]}" \
    "${gbase[@]}" "${srv[@]}" http://erg.test/
expect_status 2 "erg-get: a name, and no --dns, --dhcp or --resolve" "--dns" \
    "${g[@]}" "${gbase[@]}" http://erg.test/

if [ "$mode" = ns ]; then
	# Up, so that the tools do not warn about it; nothing answers on it.
	nsx ip link set "$ERG_TAP" up
	expect_status 1 "erg-dig --dhcp: no DHCP server on the link" \
	    "no lease within 2 s" "${d[@]}" "${dlink[@]}" --dhcp --timeout 2 \
	    a.erg.test
	expect_status 1 "erg-echo --dhcp: no DHCP server on the link" \
	    "no lease within 2 s" "${e[@]}" "${dlink[@]}" --dhcp --timeout 2
	expect_status 1 "erg-get --dhcp: no DHCP server on the link" \
	    "no lease within 2 s" "${g[@]}" "${dlink[@]}" --dhcp --timeout 2 \
	    http://erg.test/
	expect_status 1 "erg-dig: the DNS server does not answer" "timed out" \
	    "${d[@]}" "${dbase[@]}" "${srv[@]}" a.erg.test
	expect_status 1 "erg-get: the DNS server does not answer" \
	    "cannot resolve erg.test" "${g[@]}" "${dlink[@]}" \
	    --ip "$ERG_IP/$ERG_PREFIX" --dns "$LINUX_IP" --timeout 2 \
	    http://erg.test/
fi

say "$n_cases cases"
erg_finish
