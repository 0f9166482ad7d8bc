#!/usr/bin/env bash
# scripts/fuzz.sh TARGET [SECONDS]: an AFL++ campaign on one harness.
# `make fuzz TARGET=... SECONDS=...` calls it.
#
#   TARGET   a harness fuzz/fuzz_TARGET.c (ether arp ipv4 icmp udp stack),
#            or "all": every harness in turn, SECONDS each
#   SECONDS  fuzzing time per target (afl-fuzz -V), default 600
#
# For each target:
#  1. builds build/afl/fuzz_TARGET with afl-clang-fast from
#     fuzz/fuzz_TARGET.c, fuzz/afl_main.c (persistent mode) and every
#     src/*/*.c;
#  2. runs afl-fuzz -i fuzz/corpus/TARGET -o build/afl/out-TARGET (a fresh
#     output directory each run), non-interactively, under a timeout of
#     SECONDS + 120; its output goes to build/afl/fuzz_TARGET.log;
#  3. prints "fuzz TARGET: execs=N paths=N crashes=N hangs=N seconds=N"
#     from fuzzer_stats (paths is AFL++'s corpus_count);
#  4. copies every crash and hang into fuzz/corpus/TARGET/ as
#     crash-<sha1> / hang-<sha1>: make test replays that directory, so a
#     bug found once stays a regression test forever (see fuzz/README.md).
#
# Crash files already in the corpus (kept after a fix) are skipped by
# afl-fuzz's dry run (AFL_SKIP_CRASHES); hang files are left out of -i
# (afl-fuzz would abort on them) by staging the corpus without them.
#
# Environment: AFL_* variables pass through (e.g. AFL_USE_ASAN=1 for an
# AddressSanitizer build, slower). Defaults set here: AFL_NO_UI,
# AFL_SKIP_CPUFREQ, AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES,
# AFL_SKIP_CRASHES, AFL_TRY_AFFINITY.
#
# Exit status: 0; 1 if any crash was found; 2 on usage, build or
# afl-fuzz errors.
set -u -o pipefail

prog=scripts/fuzz.sh
cd "$(dirname "$0")/.." || exit 2

usage() {
	echo "usage: $prog TARGET|all [SECONDS]" >&2
	echo "targets: $(targets | tr '\n' ' ')" >&2
	exit 2
}

targets() {
	local f
	for f in fuzz/fuzz_*.c; do
		[ -e "$f" ] || continue
		f=${f#fuzz/fuzz_}
		echo "${f%.c}"
	done | LC_ALL=C sort
}

# One value from a fuzzer_stats file ("key : value" lines).
stat_of() {
	awk -F' *: *' -v k="$2" '$1 == k { print $2; exit }' "$1"
}

# Copies out/default/<dir>/id:* into the corpus as <prefix>-<sha1>.
# Prints how many were new.
keep_findings() {
	local dir=$1 prefix=$2 corpus=$3 f sha n=0
	for f in "$dir"/id:*; do
		[ -f "$f" ] || continue
		sha=$(sha1sum < "$f" | cut -c1-40)
		if [ ! -e "$corpus/$prefix-$sha" ]; then
			cp "$f" "$corpus/$prefix-$sha"
			n=$((n + 1))
		fi
	done
	echo "$n"
}

fuzz_target() {
	local t=$1 secs=$2
	local bin=build/afl/fuzz_$t out=build/afl/out-$t
	local corpus=fuzz/corpus/$t in log=build/afl/fuzz_$t.log
	local srcs rc stats

	if [ ! -f "fuzz/fuzz_$t.c" ]; then
		echo "$prog: no harness fuzz/fuzz_$t.c" >&2
		return 2
	fi
	if [ ! -d "$corpus" ]; then
		echo "$prog: no seed corpus $corpus" >&2
		return 2
	fi
	mkdir -p build/afl
	mapfile -t srcs < <(find src -mindepth 2 -maxdepth 2 -name '*.c' |
	    LC_ALL=C sort)
	echo "$prog: building $bin"
	if ! afl-clang-fast -std=c11 -D_GNU_SOURCE -O2 -g -Iinclude -Inetif \
	    -Ifuzz "${srcs[@]}" "fuzz/fuzz_$t.c" fuzz/afl_main.c \
	    -o "$bin" -lbearssl > "$log" 2>&1; then
		cat "$log" >&2
		echo "$prog: $t: build failed" >&2
		return 2
	fi

	in=$corpus
	if compgen -G "$corpus/hang-*" > /dev/null; then
		in=build/afl/in-$t
		rm -rf "$in"
		mkdir -p "$in"
		find "$corpus" -maxdepth 1 -type f ! -name 'hang-*' \
		    -exec cp {} "$in/" \;
	fi

	rm -rf "$out"
	echo "$prog: $t: afl-fuzz for ${secs}s (log: $log)"
	AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
	    AFL_SKIP_CRASHES=1 AFL_TRY_AFFINITY="${AFL_TRY_AFFINITY:-1}" \
	    timeout $((secs + 120)) \
	    afl-fuzz -i "$in" -o "$out" -V "$secs" -- "$bin" \
	    >> "$log" 2>&1 < /dev/null
	rc=$?
	stats=$out/default/fuzzer_stats
	if [ ! -f "$stats" ]; then
		tail -n 30 "$log" >&2
		echo "$prog: $t: afl-fuzz failed (exit $rc)," \
		    "no fuzzer_stats" >&2
		return 2
	fi
	if [ "$rc" -ne 0 ]; then
		echo "$prog: $t: afl-fuzz exited $rc (124: timeout);" \
		    "stats may be partial" >&2
	fi

	local execs paths crashes hangs run eps
	execs=$(stat_of "$stats" execs_done)
	paths=$(stat_of "$stats" corpus_count)
	crashes=$(stat_of "$stats" saved_crashes)
	hangs=$(stat_of "$stats" saved_hangs)
	run=$(stat_of "$stats" run_time)
	eps=$(stat_of "$stats" execs_per_sec)
	# Older AFL++ names.
	[ -n "$crashes" ] || crashes=$(stat_of "$stats" unique_crashes)
	[ -n "$hangs" ] || hangs=$(stat_of "$stats" unique_hangs)
	[ -n "$paths" ] || paths=$(stat_of "$stats" paths_total)
	echo "fuzz $t: execs=${execs:-0} paths=${paths:-0}" \
	    "crashes=${crashes:-0} hangs=${hangs:-0} seconds=${run:-0}"
	echo "fuzz $t: execs_per_sec=${eps:-0}"

	local newc newh
	newc=$(keep_findings "$out/default/crashes" crash "$corpus")
	newh=$(keep_findings "$out/default/hangs" hang "$corpus")
	if [ "$newc" -gt 0 ] || [ "$newh" -gt 0 ]; then
		echo "fuzz $t: kept $newc new crash and $newh new hang" \
		    "file(s) in $corpus (replayed by make test)"
	fi
	if [ "${crashes:-0}" -gt 0 ]; then
		return 1
	fi
	return 0
}

[ "$#" -ge 1 ] && [ "$#" -le 2 ] || usage
case "$1" in -h|--help) usage ;; esac
target=$1
secs=${2:-600}
case "$secs" in
''|*[!0-9]*|0)
	echo "$prog: SECONDS must be a positive integer, not '$secs'" >&2
	exit 2
	;;
esac
if ! command -v afl-clang-fast > /dev/null ||
    ! command -v afl-fuzz > /dev/null; then
	echo "$prog: afl++ is not installed (bash scripts/deps.sh fuzz)" >&2
	exit 2
fi

if [ "$target" = all ]; then
	status=0
	for t in $(targets); do
		fuzz_target "$t" "$secs"
		rc=$?
		# A setup error (2) outranks a crash (1) in the final status.
		[ "$rc" -gt "$status" ] && status=$rc
	done
	exit "$status"
fi
fuzz_target "$target" "$secs"
