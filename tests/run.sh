#!/usr/bin/env bash
# tests/run.sh LISTFILE: run every test program listed in LISTFILE and
# report one verdict for the lot.  `make test` calls it.
#
# LISTFILE has one line per program, three fields separated by TABs:
#
#	kind<TAB>name<TAB>command line
#
#   kind     cmocka  a cmocka binary; run with CMOCKA_MESSAGE_OUTPUT=TAP and
#                    every "ok N" / "not ok N" line counts as one test
#                    ("not ok N # SKIP" is a skipped test).  A binary that
#                    crashes, times out, exits non-zero without a "not ok"
#                    line, stops before its "1..N" plan is complete, or
#                    prints no test lines at all counts one extra failure.
#                    One that exits 77 without any test line is skipped.
#            plain   any program; exit status 0 passes, 77 skips (the last
#                    line it printed is the reason), anything else fails.
#   name     what the reports call it (no TAB).
#   command  run with `bash -c` from the current directory, so it may hold
#            arguments, quoting and VAR=value prefixes.
#
# Blank lines and lines starting with '#' are ignored.
#
# Environment:
#   ERG_TEST_TIMEOUT  seconds each program may run (default 600)
#   ERG_TEST_LOGDIR   keep each program's full output there as NN-name.log
#                     (default: a temporary directory, removed at exit)
#   UBSAN_OPTIONS     defaults to halt_on_error=1:print_stacktrace=1 so
#                     that undefined behaviour fails the test that hit it
#
# Output: PASS/FAIL/SKIP per program, the last 60 lines of every failed
# program, a SKIPPED and a FAILED list, then exactly one final line
# "N passed, N failed" (", N skipped" appended when anything was skipped).
# Exit status: 0 if nothing failed, 1 if something failed, 2 on usage or
# list-file errors.
set -u -o pipefail

prog=tests/run.sh
tail_lines=60

usage() {
	echo "usage: $prog LISTFILE" >&2
	echo "  LISTFILE lines: kind<TAB>name<TAB>command (kind: cmocka or plain)" >&2
	exit 2
}

[ "$#" -eq 1 ] || usage
case "$1" in -h|--help) usage ;; esac
listfile=$1
if [ ! -r "$listfile" ]; then
	echo "$prog: cannot read list file '$listfile'" >&2
	exit 2
fi

timeout_s=${ERG_TEST_TIMEOUT:-600}
case "$timeout_s" in
''|*[!0-9]*|0)
	echo "$prog: ERG_TEST_TIMEOUT must be a positive number of seconds, not '$timeout_s'" >&2
	exit 2
	;;
esac

: "${UBSAN_OPTIONS:=halt_on_error=1:print_stacktrace=1}"
export UBSAN_OPTIONS

# Read and check the whole list before running anything: a malformed list
# is a build bug and must not be mistaken for a test result.
kinds=() names=() cmds=()
lineno=0
while IFS= read -r line || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	line=${line%$'\r'}
	case "$line" in
	''|'#'*) continue ;;
	esac
	case "$line" in
	*$'\t'*$'\t'*) ;;
	*)
		echo "$prog: $listfile:$lineno: want kind<TAB>name<TAB>command: $line" >&2
		exit 2
		;;
	esac
	kind=${line%%$'\t'*}
	rest=${line#*$'\t'}
	name=${rest%%$'\t'*}
	cmd=${rest#*$'\t'}
	case "$kind" in
	cmocka|plain) ;;
	*)
		echo "$prog: $listfile:$lineno: unknown kind '$kind' (want cmocka or plain)" >&2
		exit 2
		;;
	esac
	if [ -z "$name" ] || [ -z "$cmd" ]; then
		echo "$prog: $listfile:$lineno: empty name or command" >&2
		exit 2
	fi
	kinds+=("$kind") names+=("$name") cmds+=("$cmd")
done <"$listfile"

if [ "${#kinds[@]}" -eq 0 ]; then
	echo "$prog: $listfile lists no tests" >&2
	exit 2
fi

if [ -n "${ERG_TEST_LOGDIR:-}" ]; then
	logdir=$ERG_TEST_LOGDIR
	mkdir -p "$logdir" || exit 2
	keep_logs=1
else
	logdir=$(mktemp -d "${TMPDIR:-/tmp}/erg-test.XXXXXX") || exit 2
	keep_logs=0
fi

child=
# shellcheck disable=SC2317 # called from traps
cleanup() {
	[ "$keep_logs" -eq 1 ] || rm -rf "$logdir"
}
# shellcheck disable=SC2317 # called from traps
interrupted() {
	# timeout(1) runs the test in its own process group, out of reach of
	# the terminal's ^C; pass the signal on (timeout forwards it).
	[ -n "$child" ] && kill -TERM "$child" 2>/dev/null
	[ -n "$child" ] && wait "$child" 2>/dev/null
	echo "$prog: interrupted" >&2
	cleanup
	exit 130
}
trap cleanup EXIT
trap interrupted INT TERM HUP

passed=0 failed=0 skipped=0
skipped_list=() failed_list=()

# describe_status RC: words for an abnormal exit status from timeout(1).
describe_status() {
	local rc=$1 sig
	if [ "$rc" -eq 124 ]; then
		echo "timed out after ${timeout_s}s"
	elif [ "$rc" -gt 128 ] && [ "$rc" -lt 160 ]; then
		sig=$(kill -l "$((rc - 128))" 2>/dev/null || echo "?")
		echo "killed by signal $((rc - 128)) (SIG$sig)"
	elif [ "$rc" -eq 126 ] || [ "$rc" -eq 127 ]; then
		echo "could not run the command (exit $rc)"
	else
		echo "exit status $rc"
	fi
}

show_tail() {
	local log=$1
	echo "---- last $tail_lines lines of output ----"
	if [ -s "$log" ]; then
		tail -n "$tail_lines" "$log" | sed 's/^/    /'
	else
		echo "    (no output)"
	fi
	if [ "$keep_logs" -eq 1 ]; then
		echo "---- full output: $log ----"
	else
		echo "----"
	fi
}

# Parse cmocka TAP output.  First line: "ok notok skip plan"; then one
# "F name" per failed test and one "S name" per skipped test.
parse_tap() {
	awk '
	/^1\.\.[0-9]+/ {
		n = $0; sub(/^1\.\./, "", n); sub(/[^0-9].*$/, "", n)
		plan += n
		next
	}
	/^(not )?ok [0-9]+([ \t]|$)/ {
		bad = ($0 ~ /^not /)
		rest = $0
		sub(/^(not )?ok [0-9]+[ \t]*/, "", rest)
		if (rest ~ /^#[ \t]*[Ss][Kk][Ii][Pp]/) {
			sub(/^#[ \t]*[Ss][Kk][Ii][Pp][A-Za-z]*[ \t:]*/, "", rest)
			skip++; rec[++nrec] = "S " rest
			next
		}
		sub(/^-[ \t]*/, "", rest)
		if (bad) {
			notok++; rec[++nrec] = "F " rest
		} else {
			ok++
		}
	}
	END {
		printf "%d %d %d %d\n", ok, notok, skip, plan
		for (i = 1; i <= nrec; i++)
			print rec[i]
	}' "$1"
}

# last_line LOG: the last non-blank line of LOG, for a skip reason.
last_line() {
	local l
	l=$(grep -v '^[[:space:]]*$' "$1" | tail -n 1)
	l=${l#"${l%%[![:space:]]*}"}
	case "$l" in
	[Ss][Kk][Ii][Pp]*:*) l=${l#*:}; l=${l#"${l%%[![:space:]]*}"} ;;
	esac
	echo "${l:-no reason given}"
}

run_one() {
	local kind=$1 name=$2 cmd=$3 log=$4 rc
	if [ "$kind" = cmocka ]; then
		CMOCKA_MESSAGE_OUTPUT=TAP timeout -k 10 "$timeout_s" \
		    bash -c "$cmd" </dev/null >"$log" 2>&1 &
	else
		timeout -k 10 "$timeout_s" \
		    bash -c "$cmd" </dev/null >"$log" 2>&1 &
	fi
	child=$!
	# 2>/dev/null: keep bash's own "Segmentation fault" job notice out
	# of the report; describe_status says it better.
	wait "$child" 2>/dev/null
	rc=$?
	child=
	return "$rc"
}

report_plain() {
	local name=$1 log=$2 rc=$3 reason
	if [ "$rc" -eq 0 ]; then
		echo "PASS $name"
		passed=$((passed + 1))
	elif [ "$rc" -eq 77 ]; then
		reason=$(last_line "$log")
		echo "SKIP $name: $reason"
		skipped=$((skipped + 1))
		skipped_list+=("$name: $reason")
	else
		echo "FAIL $name ($(describe_status "$rc"))"
		show_tail "$log"
		failed=$((failed + 1))
		failed_list+=("$name: $(describe_status "$rc")")
	fi
}

report_cmocka() {
	local name=$1 log=$2 rc=$3
	local n_ok n_bad n_skip plan seen extra="" tag rest
	local failed_names=() skipped_names=()

	{
		read -r n_ok n_bad n_skip plan
		while read -r tag rest; do
			case "$tag" in
			F) failed_names+=("${rest:-?}") ;;
			S) skipped_names+=("${rest:-?}") ;;
			esac
		done
	} < <(parse_tap "$log")
	seen=$((n_ok + n_bad + n_skip))

	if [ "$seen" -eq 0 ] && [ "$rc" -eq 77 ]; then
		local reason
		reason=$(last_line "$log")
		echo "SKIP $name: $reason"
		skipped=$((skipped + 1))
		skipped_list+=("$name: $reason")
		return
	fi

	local ran="$seen tests"
	[ "$plan" -gt 0 ] && ran="$seen of $plan planned tests"
	# One extra failure for what the TAP lines cannot show.
	if [ "$rc" -eq 124 ] || { [ "$rc" -gt 128 ] && [ "$rc" -lt 160 ]; }; then
		extra="$(describe_status "$rc") after $ran"
	elif [ "$seen" -eq 0 ]; then
		extra="no test results in its output ($(describe_status "$rc"))"
	elif [ "$rc" -ne 0 ] && [ "$n_bad" -eq 0 ]; then
		extra="$(describe_status "$rc") after $ran, none reported failed"
	elif [ "$seen" -lt "$plan" ] && [ "$n_bad" -eq 0 ]; then
		extra="stopped after $ran"
	fi

	passed=$((passed + n_ok))
	skipped=$((skipped + n_skip))
	failed=$((failed + n_bad))
	[ -n "$extra" ] && failed=$((failed + 1))

	local s
	for s in ${skipped_names[@]+"${skipped_names[@]}"}; do
		skipped_list+=("$name: $s: skipped by the test")
	done

	if [ "$n_bad" -eq 0 ] && [ -z "$extra" ]; then
		if [ "$n_skip" -gt 0 ]; then
			echo "PASS $name ($n_ok tests, $n_skip skipped)"
		else
			echo "PASS $name ($n_ok tests)"
		fi
		return
	fi

	local what="$n_ok passed, $n_bad failed"
	[ "$n_skip" -gt 0 ] && what="$what, $n_skip skipped"
	local detail=""
	if [ "$n_bad" -gt 0 ]; then
		detail=$(printf '%s, ' "${failed_names[@]}")
		detail=${detail%, }
	fi
	if [ -n "$extra" ]; then
		detail="${detail:+$detail; }$extra"
	fi
	echo "FAIL $name ($what; $detail)"
	show_tail "$log"
	failed_list+=("$name: $detail")
}

for i in "${!kinds[@]}"; do
	kind=${kinds[$i]} name=${names[$i]} cmd=${cmds[$i]}
	safe=$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '_')
	log=$(printf '%s/%02d-%s.log' "$logdir" "$((i + 1))" "$safe")
	run_one "$kind" "$name" "$cmd" "$log"
	rc=$?
	if [ "$kind" = cmocka ]; then
		report_cmocka "$name" "$log" "$rc"
	else
		report_plain "$name" "$log" "$rc"
	fi
done

echo
if [ "$skipped" -gt 0 ]; then
	echo "************************************************************"
	echo "* $skipped SKIPPED: these were NOT tested on this machine:"
	echo "************************************************************"
	for s in "${skipped_list[@]}"; do
		echo "SKIPPED: $s"
	done
fi
if [ "$failed" -gt 0 ]; then
	for s in "${failed_list[@]}"; do
		echo "FAILED: $s"
	done
fi

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] || exit 1
exit 0
