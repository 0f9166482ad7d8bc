#!/usr/bin/env bash
# bench/code_size.sh JSON OBJ...: BENCH.md W8, the code size of src/ built
# freestanding at -Os (make freestanding's objects): .text plus read-only
# data, as `size` reports it. Prints a bench: line and appends a JSON
# record to JSON.
set -eu
json=$1
shift
text=$(size -t "$@" | awk 'END { print $1 }')
printf 'bench: %-30s %8d bytes  (.text at -Os, %d objects)\n' \
	"W8 code size (src/, no TLS)" "$text" "$#"
printf '{"name": "W8 code size (src/, no TLS)", "unit": "bytes", "median": %d, "min": %d, "max": %d, "runs": 1}\n' \
	"$text" "$text" "$text" >>"$json"
