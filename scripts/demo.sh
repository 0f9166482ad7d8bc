#!/usr/bin/env bash
# scripts/demo.sh BUILD: what `make demo` runs.
# Two erg stacks over the in-memory wire (build/bin/erg-demo).
set -eu
build=${1:-build}
exec "$build/bin/erg-demo" "$build/demo.pcap"
