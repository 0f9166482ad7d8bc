#!/usr/bin/env bash
# scripts/freestanding-check.sh [--allow-for GLOB REGEX]... OBJ...
#
# Checks that relocatable objects built with -ffreestanding -fno-builtin
# (DESIGN.md: everything under src/) could link into a unikernel with no C
# library and hold no mutable state:
#
#  1. Every undefined symbol is memcpy, memmove, memset or memcmp, or is
#     defined by one of the given objects.  Also accepted: symbols the
#     linker or compiler provides (_GLOBAL_OFFSET_TABLE_,
#     __x86.get_pc_thunk.*), and, for objects whose path matches GLOB,
#     undefined symbols matching the extended REGEX (e.g. BearSSL from
#     src/tls only: --allow-for '*/tls/*' '^br_').
#  2. No object defines writable data: nm types b B d D (.bss, .data), C
#     (common), g G s S (small data), thread-local data included.  Constant
#     tables that hold pointers are the exception: under -fPIC/-fPIE (the
#     Debian default) gcc puts them in .data.rel.ro*, which nm reports as
#     d/D although the program never writes them, so the symbol's section
#     is looked up and .data.rel.ro* is accepted.
#
# Give object files, not archives.  NM and OBJDUMP may name cross tools.
# Exit status: 0 ok, 1 a check failed, 2 usage or tool error.
set -eu -o pipefail

prog=freestanding
NM=${NM:-nm}
OBJDUMP=${OBJDUMP:-objdump}

usage() {
	echo "usage: $0 [--allow-for GLOB REGEX]... OBJ..." >&2
	exit 2
}

die() {
	echo "$prog: $*" >&2
	exit 2
}

allow_globs=() allow_res=()
objs=()
while [ "$#" -gt 0 ]; do
	case "$1" in
	--allow-for)
		[ "$#" -ge 3 ] || usage
		allow_globs+=("$2") allow_res+=("$3")
		shift 3
		;;
	--)
		shift
		objs+=("$@")
		break
		;;
	-h|--help)
		usage
		;;
	-*)
		echo "$prog: unknown option $1" >&2
		usage
		;;
	*)
		objs+=("$1")
		shift
		;;
	esac
done
[ "${#objs[@]}" -gt 0 ] || usage

for obj in "${objs[@]}"; do
	if [ ! -f "$obj" ] || [ ! -r "$obj" ]; then
		die "cannot read $obj"
	fi
	if [ "$(head -c 7 "$obj")" = '!<arch>' ]; then
		die "$obj is an archive; give the object files"
	fi
done

# The only C library functions a freestanding build may call: gcc emits
# calls to these even with -ffreestanding -fno-builtin (struct copies,
# zeroing), so every freestanding environment must provide them.
declare -A libc_ok=([memcpy]=1 [memmove]=1 [memset]=1 [memcmp]=1)

declare -A defined=()
declare -A undef_of=()	# object -> newline-separated undefined symbols
declare -A data_of=()	# object -> newline-separated "name type" pairs

for obj in "${objs[@]}"; do
	out=$("$NM" -P --defined-only "$obj") || die "$NM failed on $obj"
	data=""
	while read -r name type _; do
		[ -n "$name" ] || continue
		defined[$name]=1
		case "$type" in
		[bBdDCgGsS]) data+="$name $type"$'\n' ;;
		esac
	done <<<"$out"
	data_of[$obj]=$data

	out=$("$NM" -P --undefined-only "$obj") || die "$NM failed on $obj"
	undef=""
	while read -r name _; do
		[ -n "$name" ] && undef+="$name"$'\n'
	done <<<"$out"
	undef_of[$obj]=$undef
done

# section_of OBJ: "name section" for every symbol in OBJ's symbol table.
# objdump -t lines look like "VALUE FLAGS SECTION<TAB>SIZE NAME".
section_of() {
	"$OBJDUMP" -t "$1" | awk -F '\t' '
		NF >= 2 {
			n = split($1, left, " ")
			split($2, right, " ")
			if (n >= 2 && right[2] != "")
				print right[2], left[n]
		}'
}

problems=0
declare -A external=()

for obj in "${objs[@]}"; do
	while read -r sym; do
		[ -n "$sym" ] || continue
		[ -n "${defined[$sym]:-}" ] && continue
		case "$sym" in
		_GLOBAL_OFFSET_TABLE_|__x86.get_pc_thunk*) continue ;;
		esac
		external[$sym]=1
		[ -n "${libc_ok[$sym]:-}" ] && continue
		allowed=0
		for i in "${!allow_globs[@]}"; do
			# shellcheck disable=SC2053 # glob match intended
			if [[ $obj == ${allow_globs[$i]} ]] &&
			    [[ $sym =~ ${allow_res[$i]} ]]; then
				allowed=1
				break
			fi
		done
		[ "$allowed" -eq 1 ] && continue
		echo "$prog: $obj: undefined symbol $sym: not memcpy/memmove/memset/memcmp and not defined by the given objects"
		problems=$((problems + 1))
	done <<<"${undef_of[$obj]}"

	[ -n "${data_of[$obj]}" ] || continue
	declare -A sect=()
	sections=$(section_of "$obj") || die "$OBJDUMP failed on $obj"
	while read -r name section; do
		[ -n "$name" ] && sect[$name]=$section
	done <<<"$sections"
	while read -r name type; do
		[ -n "$name" ] || continue
		section=${sect[$name]:-?}
		case "$type" in
		[dD])
			# Constant tables holding pointers under -fPIC/-fPIE.
			case "$section" in
			.data.rel.ro|.data.rel.ro.*) continue ;;
			esac
			;;
		esac
		echo "$prog: $obj: writable data $name (nm type $type, section $section): no global or static mutable state allowed"
		problems=$((problems + 1))
	done <<<"${data_of[$obj]}"
	unset sect
done

list=$(printf '%s\n' "${!external[@]}" | sort | tr '\n' ' ')
list=${list% }
echo "$prog: ${#objs[@]} objects, undefined symbols: ${list:-(none)}"
if [ "$problems" -gt 0 ]; then
	echo "$prog: FAILED: $problems problems"
	exit 1
fi
echo "$prog: ok"
