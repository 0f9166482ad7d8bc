#!/usr/bin/env bash
# tests/install/test_install.sh: `make install` gives a working erg.
#
# Builds (make all), installs into a temporary DESTDIR with
# PREFIX=/usr/local, then, using only the installed copy:
#   - checks the tree: libraries, soname links, every public and driver
#     header (identical to the source), erg.pc and erg-netif.pc;
#   - checks the libraries: liberg.so exports exactly the functions that
#     the installed headers declare (and liberg-netif.so those of the driver
#     headers), liberg.so and liberg.a need nothing but libc's mem*
#     functions and BearSSL's br_* (src/tls; each one defined by
#     libbearssl), and liberg-netif.so nothing but libc, libpcap and
#     liberg.so;
#   - builds tests/install/hello.c through `pkg-config erg`, linked
#     statically and against the shared library (with gcc, and clang when
#     present), runs it and checks what it printed; and statically against
#     liberg.a alone: a program that uses no TLS links none of BearSSL;
#   - builds a program that loads a TLS trust anchor (erg/tls.h) through
#     `pkg-config erg`, shared and static (--static adds BearSSL, from
#     Libs.private), and runs it;
#   - compiles every installed driver header on its own and builds and runs
#     a two-stack program over the loop driver through `pkg-config
#     erg-netif`, statically and shared;
#   - runs `make uninstall` and checks that nothing of erg is left.
#
# No root, no network. Exit 0 pass, 77 skip (reason on the last line),
# anything else fail. Everything temporary is removed on exit.
set -eu -o pipefail

cd "$(dirname "$0")/../.."
root=$(pwd)
prog=test_install

CC=${CC:-cc}
MAKE=${MAKE:-make}
PREFIX=/usr/local

for tool in pkg-config nm readelf ldd "$CC" perl; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "$prog: skipped: $tool is not installed (bash scripts/deps.sh test)"
		exit 77
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/erg-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

failures=0 mark=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}
# ok MESSAGE: says MESSAGE if no check failed since the last ok.
ok() {
	if [ "$failures" -eq "$mark" ]; then
		echo "ok: $*"
	fi
	mark=$failures
}
# die MESSAGE [LOG]: a failure after which nothing else can be checked.
die() {
	echo "FAIL: $1" >&2
	if [ "$#" -gt 1 ] && [ -s "$2" ]; then
		tail -n 40 "$2" | sed 's/^/    /' >&2
	fi
	exit 1
}

# ---- build and install ----------------------------------------------------

"$MAKE" --no-print-directory all >"$tmp/build.log" 2>&1 ||
	die "make all" "$tmp/build.log"
dest=$tmp/root
"$MAKE" --no-print-directory install PREFIX="$PREFIX" DESTDIR="$dest" \
	>"$tmp/install.log" 2>&1 || die "make install" "$tmp/install.log"
ok "make install PREFIX=$PREFIX DESTDIR=$dest"

lib=$dest$PREFIX/lib
inc=$dest$PREFIX/include
pcdir=$lib/pkgconfig

echo "installed:"
(cd "$dest" && find . \( -type f -o -type l \) | LC_ALL=C sort |
	sed 's/^\./    /')

# Nothing outside PREFIX.
stray=$(cd "$dest" && find . -mindepth 1 \( -type f -o -type l \) \
	! -path ".$PREFIX/*")
[ -z "$stray" ] || fail "files outside PREFIX: $stray"

# ---- the tree ---------------------------------------------------------------

for f in liberg.a liberg-netif.a; do
	[ -f "$lib/$f" ] || fail "$lib/$f missing"
done
for l in liberg liberg-netif; do
	set -- "$lib/$l".so.*.*.*
	real=${1##*/}
	if [ ! -f "$lib/$real" ] || [ -L "$lib/$real" ]; then
		fail "$lib/$l.so.X.Y.Z missing"
		continue
	fi
	soname=$(readelf -d "$lib/$real" |
		sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
	[ "$soname" = "$l.so.${real#"$l".so.}" ] && fail "$real: soname has the full version"
	case "$soname" in
	"$l".so.[0-9]*) ;;
	*) fail "$real: soname '$soname', want $l.so.MAJOR" ;;
	esac
	[ "$(readlink -f "$lib/$soname")" = "$(readlink -f "$lib/$real")" ] ||
		fail "$lib/$soname does not link to $real"
	[ "$(readlink -f "$lib/$l.so")" = "$(readlink -f "$lib/$real")" ] ||
		fail "$lib/$l.so does not link to $real"
	[ "$(stat -c %a "$lib/$real")" = 644 ] || fail "$real is not mode 644"
done

for h in include/erg/*.h; do
	cmp -s "$h" "$inc/erg/${h##*/}" || fail "$h not installed as erg/${h##*/}"
done
for h in netif/*/erg_*.h; do
	[ -e "$h" ] || continue
	cmp -s "$h" "$inc/erg/$h" || fail "$h not installed as erg/$h"
done
for h in "$inc"/erg/*.h; do
	[ "$(stat -c %a "$h")" = 644 ] || fail "$h is not mode 644"
done
ok "libraries, links and headers in place"

# ---- pkg-config -------------------------------------------------------------

export PKG_CONFIG_PATH=$pcdir
export PKG_CONFIG_SYSROOT_DIR=$dest
for pc in erg erg-netif; do
	[ -f "$pcdir/$pc.pc" ] || die "$pcdir/$pc.pc missing"
	pkg-config --validate "$pc" || fail "$pc.pc does not validate"
done
version=$(pkg-config --modversion erg)
set -- "$lib"/liberg.so.*.*.*
real=${1##*/}
[ "$version" = "${real#liberg.so.}" ] ||
	fail "erg.pc version '$version' is not the library's (${real#liberg.so.})"
[ "$(pkg-config --modversion erg-netif)" = "$version" ] ||
	fail "erg-netif.pc version differs from erg.pc"
# The files name the final location, never DESTDIR.
for pc in erg erg-netif; do
	! grep -q "$dest" "$pcdir/$pc.pc" || fail "$pc.pc names DESTDIR"
	for var in prefix=$PREFIX libdir=$PREFIX/lib includedir=$PREFIX/include; do
		got=$(env -u PKG_CONFIG_SYSROOT_DIR pkg-config \
			--variable="${var%%=*}" "$pc")
		[ "$got" = "${var#*=}" ] ||
			fail "$pc.pc: ${var%%=*} is '$got', want '${var#*=}'"
	done
done

# pkgconfig FLAGS...: pkg-config's answer without trailing blanks.
pkgconfig() {
	pkg-config "$@" | sed 's/[[:space:]]*$//'
}
cflags=$(pkgconfig --cflags erg)
libs=$(pkgconfig --libs erg)
[ "$cflags" = "-I$inc" ] || fail "pkg-config --cflags erg: '$cflags'"
[ "$libs" = "-L$lib -lerg" ] || fail "pkg-config --libs erg: '$libs'"
ncflags=$(pkgconfig --cflags erg-netif)
nlibs=$(pkgconfig --libs erg-netif)
case " $ncflags " in
*" -I$inc/erg/netif "*) ;;
*) fail "pkg-config --cflags erg-netif lacks -I$inc/erg/netif: '$ncflags'" ;;
esac
for want in "-L$lib" -lerg-netif -lerg; do
	case " $nlibs " in
	*" $want "*) ;;
	*) fail "pkg-config --libs erg-netif lacks $want: '$nlibs'" ;;
	esac
done
case " $(pkg-config --static --libs erg-netif) " in
*" -lpcap "*) ;;
*) fail "pkg-config --static --libs erg-netif lacks -lpcap" ;;
esac
ok "pkg-config: erg $version: $cflags $libs"
ok "pkg-config: erg-netif: $ncflags $nlibs"

# ---- the libraries' symbols ---------------------------------------------------

# declared_functions HEADER...: the functions the headers declare (not the
# static inline ones), one per line, from the preprocessed text so that
# comments do not count.
declared_functions() {
	local h
	for h in "$@"; do
		# shellcheck disable=SC2086 # a flag list
		"$CC" -E -P -x c $ncflags "$h" || exit 1
	done | perl -0777 -ne '
		1 while s/\{[^{}]*\}/ \@BODY\@ ;/g;
		for my $d (split /;/) {
			$d =~ s/^\s+//;
			next if $d =~ /^(static|typedef)\b/;
			print "$1\n" if $d =~ /\b(erg_\w+)\s*\(/;
		}' | LC_ALL=C sort -u
}

# exported LIB: the functions the shared library exports.
exported() {
	nm -D --defined-only "$1" | awk '$2 == "T" { print $3 }' | LC_ALL=C sort -u
}

declared_functions "$inc"/erg/*.h >"$tmp/erg.decl" ||
	fail "the installed headers do not preprocess with pkg-config's flags"
exported "$lib/liberg.so" >"$tmp/erg.exp"
if ! diff -u "$tmp/erg.decl" "$tmp/erg.exp" >"$tmp/erg.diff"; then
	fail "liberg.so exports (+) differ from the functions the headers declare (-):"
	grep '^[-+]erg' "$tmp/erg.diff" | sed 's/^/    /' >&2
fi
nm -D --defined-only "$lib/liberg.so" | awk '$2 != "T" { print $3 }' \
	>"$tmp/erg.other"
[ ! -s "$tmp/erg.other" ] ||
	fail "liberg.so exports other symbols: $(tr '\n' ' ' <"$tmp/erg.other")"
ok "liberg.so exports the $(wc -l <"$tmp/erg.exp") functions the headers declare"

set -- "$inc"/erg/netif/*/erg_*.h
if [ -e "$1" ]; then
	declared_functions "$@" >"$tmp/netif.all" ||
		fail "the driver headers do not preprocess with pkg-config's flags"
	LC_ALL=C comm -23 "$tmp/netif.all" "$tmp/erg.decl" >"$tmp/netif.decl"
else
	: >"$tmp/netif.decl"
fi
exported "$lib/liberg-netif.so" >"$tmp/netif.exp"
if ! diff -u "$tmp/netif.decl" "$tmp/netif.exp" >"$tmp/netif.diff"; then
	fail "liberg-netif.so exports (+) differ from the driver headers (-):"
	grep '^[-+]erg' "$tmp/netif.diff" | sed 's/^/    /' >&2
fi
ok "liberg-netif.so exports the $(wc -l <"$tmp/netif.exp") functions the driver headers declare"

# Undefined symbols, version suffixes (memcpy@GLIBC_2.14) dropped.
undefined() {
	nm -D --undefined-only "$1" | awk '$1 == "U" { sub(/@.*/, "", $2); print $2 }'
}
# BearSSL, which src/tls calls: the library liberg.so loads, and what it
# defines.
bearssl=$(LD_LIBRARY_PATH=$lib ldd "$lib/liberg.so" |
	awk '$1 ~ /^libbearssl\.so/ { print $3 }')
if [ -z "$bearssl" ] || [ ! -f "$bearssl" ]; then
	fail "liberg.so does not find libbearssl.so"
	: >"$tmp/bearssl.def"
else
	nm -D --defined-only "$bearssl" | awk '{ print $3 }' | sed 's/@.*//' |
		LC_ALL=C sort -u >"$tmp/bearssl.def"
fi
readelf -d "$lib/liberg.so" | grep -q 'NEEDED.*\[libbearssl\.so' ||
	fail "liberg.so does not record that it needs libbearssl.so"
# check_needs WHAT FILE: the symbols in FILE are libc's mem* functions or
# br_* functions that libbearssl defines.
check_needs() {
	local what=$1 bad
	bad=$(grep -vxE 'mem(cpy|move|set|cmp)|br_[A-Za-z0-9_]+' "$2" || true)
	[ -z "$bad" ] ||
		fail "$what needs more than libc's mem* and BearSSL's br_*: $(tr '\n' ' ' <<<"$bad")"
	bad=$({ grep -xE 'br_[A-Za-z0-9_]+' "$2" || true; } |
		LC_ALL=C sort -u | LC_ALL=C comm -23 - "$tmp/bearssl.def")
	[ -z "$bad" ] ||
		fail "$what needs br_* symbols that libbearssl does not define: $(tr '\n' ' ' <<<"$bad")"
}
undefined "$lib/liberg.so" >"$tmp/so.undef"
check_needs liberg.so "$tmp/so.undef"
# The static core: whatever the archive does not define itself.
nm -g --defined-only "$lib/liberg.a" | awk 'NF == 3 { print $3 }' |
	LC_ALL=C sort -u >"$tmp/a.def"
nm -u "$lib/liberg.a" | awk 'NF == 2 { print $2 }' | LC_ALL=C sort -u |
	LC_ALL=C comm -23 - "$tmp/a.def" |
	grep -vx '_GLOBAL_OFFSET_TABLE_' >"$tmp/a.undef" || true
check_needs liberg.a "$tmp/a.undef"
ok "liberg.so and liberg.a need only libc's $(grep -c '^mem' "$tmp/so.undef") mem* functions and $(grep -c '^br_' "$tmp/so.undef") of BearSSL's ($bearssl)"

pcap=$(LD_LIBRARY_PATH=$lib ldd "$lib/liberg-netif.so" |
	awk '$1 ~ /^libpcap\.so/ { print $3 }')
if [ -z "$pcap" ] || [ ! -f "$pcap" ]; then
	fail "liberg-netif.so does not find libpcap"
else
	nm -D --defined-only "$pcap" | awk '{ print $3 }' | sed 's/@.*//' |
		LC_ALL=C sort -u >"$tmp/pcap.def"
	nm -D --undefined-only "$lib/liberg-netif.so" |
		awk '$1 == "U" { print $2 }' >"$tmp/netif.undef"
	while read -r sym; do
		case "$sym" in
		*@GLIBC_*) ;;
		erg_*) grep -qx "$sym" "$tmp/erg.exp" ||
			fail "liberg-netif.so needs $sym, which liberg.so does not export" ;;
		*) grep -qx "$sym" "$tmp/pcap.def" ||
			fail "liberg-netif.so needs $sym from neither libc, libpcap nor liberg" ;;
		esac
	done <"$tmp/netif.undef"
	for need in liberg.so libpcap.so libc.so; do
		readelf -d "$lib/liberg-netif.so" | grep -q "NEEDED.*\[$need\." ||
			fail "liberg-netif.so does not record that it needs $need"
	done
fi
ok "liberg-netif.so needs only libc, libpcap and liberg.so"

# ---- hello.c against the installed erg -----------------------------------------

cp tests/install/hello.c "$tmp/hello.c"
cd "$tmp"
strict="-std=c11 -pedantic -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes"

# check_hello NAME LOG: what hello printed.
check_hello() {
	local name=$1 log=$2 want
	for want in \
	    '^hello: erg_arena_size = [1-9][0-9]* bytes' \
	    '^hello: tx frame 1: .*ARP request who-has 198\.18\.0\.1 tell 198\.18\.0\.1 (gratuitous)$' \
	    '^hello: tx frame 2: .*ARP request who-has 198\.18\.0\.2 tell 198\.18\.0\.1$' \
	    '^hello: tx frame 3: .*UDP 198\.18\.0\.1:[0-9]* -> 198\.18\.0\.2:7 "hello, erg"$' \
	    '^hello: stat netif\.tx = 3$' \
	    '^hello: stat arp\.request_tx = 2$' \
	    '^hello: stat udp\.tx = 1$' \
	    '^hello: OK$'; do
		grep -q -- "$want" "$log" || {
			fail "$name: no line matching '$want' in:"
			sed 's/^/    /' "$log" >&2
			return 0
		}
	done
	ok "$name ran: $(grep -c '^hello: tx frame' "$log") frames, OK"
}

# needs BINARY: the erg libraries it records as NEEDED.
needs() {
	readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(liberg[^]]*\)\].*/\1/p' |
		tr '\n' ' '
}

compilers=$CC
if [ "$CC" != clang ] && command -v clang >/dev/null 2>&1; then
	compilers="$compilers clang"
fi

for c in $compilers; do
	# Shared: pkg-config's flags as they are.
	# shellcheck disable=SC2086 # flag lists
	if $c $strict $cflags hello.c -o hello-shared $libs 2>"$tmp/cc.log"; then
		[ "$(needs hello-shared)" = "liberg.so.${real#liberg.so.}" ] &&
			fail "hello-shared records the full version"
		case "$(needs hello-shared)" in
		liberg.so.[0-9]*) ;;
		*) fail "hello-shared ($c) does not need liberg.so: $(needs hello-shared)" ;;
		esac
		LD_LIBRARY_PATH=$lib ldd ./hello-shared |
			grep -q "liberg\.so\.[0-9]* => $lib/liberg\.so" ||
			fail "hello-shared ($c) does not load the installed liberg.so"
		if LD_LIBRARY_PATH=$lib ./hello-shared >hello-shared.out 2>&1; then
			check_hello "hello-shared ($c)" hello-shared.out
		else
			fail "hello-shared ($c) exited $?:"
			sed 's/^/    /' hello-shared.out >&2
		fi
	else
		fail "$c: hello.c does not build against the installed erg (shared):"
		sed 's/^/    /' "$tmp/cc.log" >&2
	fi

	# Static: the same flags with the archive forced.
	# shellcheck disable=SC2046,SC2086
	if $c $strict $cflags hello.c -o hello-static \
	    -Wl,-Bstatic $(pkg-config --static --libs erg) -Wl,-Bdynamic \
	    2>"$tmp/cc.log"; then
		[ -z "$(needs hello-static)" ] ||
			fail "hello-static ($c) needs $(needs hello-static)"
		if ./hello-static >hello-static.out 2>&1; then
			check_hello "hello-static ($c)" hello-static.out
		else
			fail "hello-static ($c) exited $?:"
			sed 's/^/    /' hello-static.out >&2
		fi
	else
		fail "$c: hello.c does not build against the installed erg (static):"
		sed 's/^/    /' "$tmp/cc.log" >&2
	fi

	# Static against liberg.a alone: hello uses no TLS, so no object
	# that calls BearSSL is pulled in, and no -lbearssl is needed.
	# shellcheck disable=SC2086
	if $c $strict $cflags hello.c -o hello-nossl "$lib/liberg.a" \
	    2>"$tmp/cc.log"; then
		n=$(nm hello-nossl | awk '$NF ~ /^br_/' | wc -l)
		[ "$n" -eq 0 ] ||
			fail "hello-nossl ($c) holds $n BearSSL symbols"
		if ./hello-nossl >hello-nossl.out 2>&1; then
			check_hello "hello-nossl ($c, liberg.a, no BearSSL)" \
			    hello-nossl.out
		else
			fail "hello-nossl ($c) exited $?:"
			sed 's/^/    /' hello-nossl.out >&2
		fi
	else
		fail "$c: hello.c does not link against liberg.a without BearSSL:"
		sed 's/^/    /' "$tmp/cc.log" >&2
	fi
done

# ---- TLS through pkg-config ----------------------------------------------------

case " $(pkgconfig --static --libs erg) " in
*" -lbearssl "*) ;;
*) fail "pkg-config --static --libs erg lacks -lbearssl: '$(pkgconfig --static --libs erg)'" ;;
esac

# A program that loads the test CA as a trust anchor into a stack's TLS
# store (erg/tls.h).
cp "$root/tests/vectors/tls/ca.pem" ca.pem
cat >tls.c <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <erg/erg.h>
#include <erg/tls.h>

static unsigned long long seed = 5;

static void
lcg(void *ctx, void *buf, size_t len)
{
	unsigned long long *st = ctx;
	unsigned char *p = buf;

	while (len-- > 0) {
		*st = *st * 6364136223846793005ull + 1442695040888963407ull;
		*p++ = (unsigned char)(*st >> 56);
	}
}

int
main(int argc, char **argv)
{
	struct erg_config cfg;
	struct erg_stack *s;
	struct erg_tls_trust *tr;
	static char pem[65536];
	size_t len, need;
	void *arena;
	FILE *f;
	int n, match;

	if (argc != 2 || (f = fopen(argv[1], "rb")) == NULL) {
		fprintf(stderr, "tls: cannot open the CA file\n");
		return 1;
	}
	len = fread(pem, 1, sizeof(pem), f);
	fclose(f);
	erg_config_default(&cfg);
	cfg.pkt_count = 16;
	cfg.tls_sessions = 1;
	cfg.tls_store = 65536;
	cfg.rand = lcg;
	cfg.rand_ctx = &seed;
	need = erg_arena_size(&cfg);
	arena = aligned_alloc(16, (need + 15) & ~(size_t)15);
	if (arena == NULL || erg_stack_init(&s, arena, need, &cfg, 0) != 0 ||
	    erg_tls_trust_new(s, &tr) != 0) {
		fprintf(stderr, "tls: setup failed\n");
		return 1;
	}
	n = erg_tls_trust_add(tr, pem, len);
	match = erg_tls_name_match("*.erg.test", "a.erg.test");
	printf("tls: %d trust anchor(s), %u held, store %llu bytes, "
	       "*.erg.test %s a.erg.test\n",
	    n, erg_tls_trust_count(tr),
	    (unsigned long long)erg_stat_get(s, ERG_STAT_TLS_STORE_USED),
	    match ? "matches" : "does not match");
	free(arena);
	return n == 1 && match ? 0 : 1;
}
EOF

# check_tls NAME BINARY [ENV...]
check_tls() {
	local name=$1 bin=$2
	shift 2
	if env "$@" "./$bin" ca.pem >"$bin.out" 2>&1 &&
	    grep -q '^tls: 1 trust anchor(s), 1 held, store [1-9][0-9]* bytes, \*\.erg\.test matches' \
	    "$bin.out"; then
		ok "$name: $(cat "$bin.out")"
	else
		fail "$name did not run:"
		sed 's/^/    /' "$bin.out" >&2
	fi
}

# shellcheck disable=SC2086
if $CC $strict $cflags tls.c -o tls-shared $libs 2>"$tmp/cc.log"; then
	check_tls "tls-shared (liberg.so loads libbearssl)" tls-shared \
	    LD_LIBRARY_PATH="$lib"
else
	fail "tls.c does not build against the installed erg (shared):"
	sed 's/^/    /' "$tmp/cc.log" >&2
fi
# shellcheck disable=SC2046,SC2086
if $CC $strict $cflags tls.c -o tls-static \
    -Wl,-Bstatic $(pkg-config --static --libs erg) -Wl,-Bdynamic \
    2>"$tmp/cc.log"; then
	[ -z "$(needs tls-static)" ] ||
		fail "tls-static needs $(needs tls-static)"
	check_tls "tls-static (liberg.a, BearSSL from Libs.private)" tls-static
else
	fail "tls.c does not build against the installed erg (static, pkg-config --static):"
	sed 's/^/    /' "$tmp/cc.log" >&2
fi
# The TLS objects do call BearSSL: without it that link fails.
# shellcheck disable=SC2086
if $CC $strict $cflags tls.c -o tls-nossl "$lib/liberg.a" \
    >"$tmp/cc.log" 2>&1; then
	fail "tls.c links against liberg.a without BearSSL (no br_* call?)"
elif grep -q 'undefined reference to .br_' "$tmp/cc.log"; then
	ok "tls.c against liberg.a without -lbearssl: undefined br_* references (Libs.private is needed)"
else
	fail "tls.c against liberg.a without -lbearssl failed for another reason:"
	sed 's/^/    /' "$tmp/cc.log" >&2
fi

# ---- the drivers ------------------------------------------------------------------

# Every driver header compiles on its own, included as in the tree.
for h in "$inc"/erg/netif/*/erg_*.h; do
	[ -e "$h" ] || continue
	rel=${h#"$inc"/erg/netif/}
	printf '#include "%s"\n' "$rel" >one.c
	# shellcheck disable=SC2086
	$CC -Wall -Wextra -Werror $ncflags -c one.c -o one.o 2>"$tmp/cc.log" ||
		{
			fail "installed driver header $rel does not compile on its own:"
			sed 's/^/    /' "$tmp/cc.log" >&2
		}
done

# Two stacks on the in-memory loop wire: A sends B one UDP datagram.
cat >wire.c <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erg/erg.h"
#include "loop/erg_loop.h"

static uint64_t seed = 7;

static void
lcg(void *ctx, void *buf, size_t len)
{
	uint64_t *st = ctx;
	unsigned char *p = buf;

	while (len-- > 0) {
		*st = *st * 6364136223846793005ull + 1442695040888963407ull;
		*p++ = (unsigned char)(*st >> 56);
	}
}

static struct erg_stack *
host(struct erg_loop_wire *w, unsigned n)
{
	struct erg_config cfg;
	struct erg_stack *s;
	uint8_t mac[6] = { 2, 0, 0, 0, 0, (uint8_t)n };
	unsigned ifx;
	size_t len;
	void *arena;

	erg_config_default(&cfg);
	cfg.pkt_count = 32;
	cfg.rand = lcg;
	cfg.rand_ctx = &seed;
	len = erg_arena_size(&cfg);
	arena = aligned_alloc(16, (len + 15) & ~(size_t)15);
	if (arena == NULL || erg_stack_init(&s, arena, len, &cfg, 0) != 0 ||
	    erg_loop_attach(w, s, mac, 1500, &ifx) != 0 ||
	    erg_ipv4_addr_set(s, ifx, ERG_IPV4(198, 18, 0, n), 24) != 0) {
		return NULL;
	}
	return s;
}

int
main(void)
{
	struct erg_loop_wire *w = erg_loop_wire_new(1, NULL);
	struct erg_loop_stats st;
	struct erg_stack *a, *b;
	struct erg_udp_sock *ua, *ub;
	char buf[64];
	size_t len = 0;
	uint64_t now = 0;
	unsigned i;

	if (w == NULL || (a = host(w, 1)) == NULL || (b = host(w, 2)) == NULL ||
	    erg_udp_open(a, NULL, NULL, &ua) != 0 ||
	    erg_udp_open(b, NULL, NULL, &ub) != 0 ||
	    erg_udp_bind(ub, ERG_IPV4_ANY, 9) != 0 ||
	    erg_udp_sendto(ua, ERG_IPV4(198, 18, 0, 2), 9, "over the wire",
		13) != 0) {
		fprintf(stderr, "wire: setup failed\n");
		return 1;
	}
	for (i = 0; i < 1000 && erg_udp_pending(ub) == 0; i++) {
		erg_loop_wire_run(w, now);
		erg_stack_poll(a, now);
		erg_stack_poll(b, now);
		now += 1000;
	}
	if (erg_udp_recvfrom(ub, buf, sizeof(buf), &len, NULL, NULL) != 0 ||
	    len != 13 || memcmp(buf, "over the wire", 13) != 0) {
		fprintf(stderr, "wire: B did not receive the datagram\n");
		return 1;
	}
	erg_loop_wire_stats(w, &st);
	printf("wire: B received \"%.*s\"; wire delivered %llu frames\n",
	    (int)len, buf, (unsigned long long)st.delivered);
	erg_loop_wire_free(w);
	return 0;
}
EOF

# check_wire NAME BINARY [ENV...]
check_wire() {
	local name=$1 bin=$2
	shift 2
	if env "$@" "./$bin" >"$bin.out" 2>&1 &&
	    grep -q '^wire: B received "over the wire"' "$bin.out"; then
		ok "$name: $(cat "$bin.out")"
	else
		fail "$name did not run:"
		sed 's/^/    /' "$bin.out" >&2
	fi
}

# shellcheck disable=SC2086
if $CC -Wall -Wextra -Werror $ncflags wire.c -o wire-shared $nlibs \
    2>"$tmp/cc.log"; then
	case " $(needs wire-shared) " in
	*" liberg-netif.so."*) ;;
	*) fail "wire-shared does not need liberg-netif.so: $(needs wire-shared)" ;;
	esac
	check_wire "wire-shared" wire-shared LD_LIBRARY_PATH="$lib"
else
	fail "the loop program does not build through pkg-config erg-netif (shared):"
	sed 's/^/    /' "$tmp/cc.log" >&2
fi

# Static erg, shared libpcap (and what it needs).
# shellcheck disable=SC2046,SC2086
if $CC -Wall -Wextra -Werror $ncflags wire.c -o wire-static \
    "$lib/liberg-netif.a" "$lib/liberg.a" \
    $(pkg-config --libs libpcap) 2>"$tmp/cc.log"; then
	[ -z "$(needs wire-static)" ] ||
		fail "wire-static needs $(needs wire-static)"
	check_wire "wire-static" wire-static
else
	fail "the loop program does not build against the installed archives:"
	sed 's/^/    /' "$tmp/cc.log" >&2
fi

# ---- uninstall --------------------------------------------------------------------

cd "$root"
"$MAKE" --no-print-directory uninstall PREFIX="$PREFIX" DESTDIR="$dest" \
	>"$tmp/uninstall.log" 2>&1 || die "make uninstall" "$tmp/uninstall.log"
left=$(cd "$dest" && find . -mindepth 1 \( -type f -o -type l -o -path "*/erg" \
	-o -path "*/erg/*" \) -print)
[ -z "$left" ] || fail "make uninstall left: $left"
ok "make uninstall removed everything"

if [ "$failures" -ne 0 ]; then
	echo "$prog: $failures check(s) failed" >&2
	exit 1
fi
echo "$prog: all checks passed"
