#!/usr/bin/env bash
# bench/code_size.sh JSON OBJ...: BENCH.md W8, the code size of src/ built
# freestanding at -Os (make freestanding's objects): .text plus read-only
# data, as `size` reports it (Berkeley format: text includes .rodata).
# Prints a bench: line for the whole of src/ and one per module directory
# (src/core, src/ether, src/ipv4, src/udp, src/tcp, ...), and appends a
# JSON record for each to JSON.
set -eu
json=$1
shift

# Text bytes of the objects given (0 for none).
text_of() {
	if [ $# -eq 0 ]; then
		echo 0
		return
	fi
	size -t "$@" | awk 'END { print $1 }'
}

record() { # label json-name bytes note
	printf 'bench: %-30s %8d bytes  (%s)\n' "$1" "$3" "$4"
	printf '{"name": "%s", "unit": "bytes", "median": %d, "min": %d, "max": %d, "runs": 1}\n' \
		"$2" "$3" "$3" "$3" >>"$json"
}

# W8 is the stack without TLS (BENCH.md); src/tls is listed after it, on
# its own line, without BearSSL (a library linked beside erg).
core=()
for o in "$@"; do
	case $o in
	*/src/tls/*.o) ;;
	*) core+=("$o") ;;
	esac
done
total=$(text_of "${core[@]}")
record "W8 code size (src/, no TLS)" "W8 code size (src/, no TLS)" \
	"$total" ".text at -Os, ${#core[@]} objects"

# One line per module: objects are .../src/MODULE/file.o.
modules=$(printf '%s\n' "$@" | sed -n 's|.*/src/\([^/]*\)/[^/]*\.o$|\1|p' |
	sort -u)
for m in $modules; do
	objs=()
	for o in "$@"; do
		case $o in
		*/src/"$m"/*.o) objs+=("$o") ;;
		esac
	done
	record "W8   of which src/$m" "W8 code size src/$m" \
		"$(text_of "${objs[@]}")" "${#objs[@]} objects"
done
