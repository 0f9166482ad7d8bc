#!/usr/bin/env bash
# scripts/deps.sh PROFILE...: make sure the Debian packages that erg needs
# for PROFILE are installed.
#
# Profiles:
#   build     gcc make libbearssl-dev libpcap-dev pkg-config
#   test      build + clang libcmocka-dev tcpdump tshark iproute2 iputils-ping
#             arping socat binutils python3 curl apache2-utils hping3 busybox,
#             and for TLS: openssl (s_client, s_server), testssl.sh, lighttpd
#             with lighttpd-mod-openssl (its HTTPS module) and
#             ca-certificates (erg-get's default trust anchors), and for DHCP
#             and DNS: dnsmasq-base (dnsmasq's binary, no system service),
#             unbound, bind9-dnsutils (dig)
#   demo      build + iproute2 iputils-ping arping tcpdump python3 curl socat
#             dnsmasq-base bind9-dnsutils
#   fuzz      build + afl++ clang
#   coverage  test + gcovr
#   lint      clang-tidy cppcheck clang-format
#
# Nothing missing: silent, exit 0.  Missing and root: installs them with
# apt-get (no prompts, no standard input needed) and prints one line.
# Missing and not root: names them and the command to run on stderr, exit 1.
# Usage errors exit 2.
set -eu

prog=erg

usage() {
	echo "usage: $0 PROFILE..." >&2
	echo "profiles: build test demo fuzz coverage lint" >&2
	exit 2
}

pkgs_build="gcc make libbearssl-dev libpcap-dev pkg-config"
pkgs_test="$pkgs_build clang libcmocka-dev tcpdump tshark iproute2 iputils-ping arping socat binutils python3 curl apache2-utils hping3 busybox openssl testssl.sh lighttpd lighttpd-mod-openssl ca-certificates dnsmasq-base unbound bind9-dnsutils"
pkgs_demo="$pkgs_build iproute2 iputils-ping arping tcpdump python3 curl socat dnsmasq-base bind9-dnsutils"
pkgs_fuzz="$pkgs_build afl++ clang"
pkgs_coverage="$pkgs_test gcovr"
pkgs_lint="clang-tidy cppcheck clang-format"

[ "$#" -gt 0 ] || usage

wanted=""
for profile in "$@"; do
	case "$profile" in
	build)		wanted="$wanted $pkgs_build" ;;
	test)		wanted="$wanted $pkgs_test" ;;
	demo)		wanted="$wanted $pkgs_demo" ;;
	fuzz)		wanted="$wanted $pkgs_fuzz" ;;
	coverage)	wanted="$wanted $pkgs_coverage" ;;
	lint)		wanted="$wanted $pkgs_lint" ;;
	-h|--help)	usage ;;
	*)
		echo "$prog: unknown profile '$profile'" >&2
		usage
		;;
	esac
done

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'
}

# Collect the missing packages once each, in profile order.
missing=""
for pkg in $wanted; do
	case " $missing " in
	*" $pkg "*) continue ;;
	esac
	if ! installed "$pkg"; then
		missing="${missing:+$missing }$pkg"
	fi
done

[ -n "$missing" ] || exit 0

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "$prog: not a Debian-based system (no dpkg-query); install the equivalents of: $missing" >&2
	exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "$prog: missing packages: $missing" >&2
	echo "run: sudo apt-get install -y $missing" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp "${TMPDIR:-/tmp}/erg-deps.XXXXXX")
trap 'rm -f "$log"' EXIT

fail() {
	echo "$prog: $1" >&2
	tail -n 40 "$log" >&2
	exit 1
}

case " $missing " in
*" tshark "*)
	# tshark's postinst asks whether non-root users may capture; answer
	# it ahead of time so that the install never waits for input.
	echo 'wireshark-common wireshark-common/install-setuid boolean false' |
	    debconf-set-selections >>"$log" 2>&1 ||
	    fail "debconf-set-selections failed"
	;;
esac

# Refresh the package lists once, before installing: on a fresh image
# (or a CI container) they are empty or stale and the install would fail.
# shellcheck disable=SC2086 # $missing is a list of words
apt-get update -q </dev/null >>"$log" 2>&1 ||
    fail "apt-get update failed"
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing </dev/null \
    >>"$log" 2>&1 || fail "apt-get install $missing failed"

still=""
for pkg in $missing; do
	installed "$pkg" || still="${still:+$still }$pkg"
done
[ -z "$still" ] || fail "still missing after apt-get install: $still"

echo "$prog: installed $missing"
