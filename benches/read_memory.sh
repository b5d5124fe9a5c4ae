#!/usr/bin/env bash
# Memory benchmark (issue 4): a generated land layer of about 1 GB is read with peak
# memory under twice the size of the parsed data. `gigasite check` prints both figures
# (parsed data estimated from struct sizes and buffers; peak from /proc VmHWM).
# Usage: benches/read_memory.sh [PARCELS]   (5,000,000 parcels ≈ 1.1 GB)
# Honours CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
parcels=${1:-5000000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/gigasite"
"$bin" generate "$dir" --seed 1 --parcels "$parcels" --substations 1000 --routes 100 --demand 5 >/dev/null
ls -l "$dir/land.geojson"
out=$("$bin" check "$dir/scenario.toml" --quiet)
echo "$out"
# Throughput of the whole check (all layers), for issue 9 item 8; benches/read_speed.rs
# measures each layer.
bytes=$(echo "$out" | awk '$3 == "features" {s += $4} END {print s}')
secs=$(echo "$out" | sed -n 's/^read in \([0-9.]*\) s/\1/p')
python3 -c "print(f'read {$bytes / 1e6:.0f} MB in {$secs} s: {$bytes / 1e6 / $secs:.1f} MB/s')"
parsed=$(echo "$out" | sed -n 's/^parsed data: about \([0-9]*\) bytes/\1/p')
peak=$(echo "$out" | sed -n 's/^peak memory (VmHWM): \([0-9]*\) bytes/\1/p')
ratio=$(python3 -c "print(f'{$peak / $parsed:.2f}')")
echo "peak / parsed = $ratio (target < 2)"
python3 -c "import sys; sys.exit(0 if $peak < 2 * $parsed else 1)"
