#!/usr/bin/env bash
# Issue 11's benchmark: on the real European instance of the real-data regression
# (ci/real-data/scenario.toml over layers imported from ../shared/data), the 10 best
# plans and the regrets of the 4 chosen sites, against one solve. Prints the median of
# three runs of each, whole command and solve stage, and their ratios (target <= 10).
# Usage: benches/decisions.sh [WORKDIR]   (needs ../shared/data)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/gigasite-decisions}"
G="${GIGASITE:-$root/target/release/gigasite}"
(cd "$root" && GIGASITE_REAL_WORK="$work" cargo test --release --test real_data -- --ignored > /dev/null 2>&1)
cd "$work"
run() {
  local label="$1"; shift
  for i in 1 2 3; do
    local t0 t1
    t0=$(date +%s.%N)
    "$G" solve scenario.toml --out "out-$label" --quiet "$@" > /dev/null
    t1=$(date +%s.%N)
    python3 -c "import json,sys; s=json.load(open('out-$label/summary.json')); print($t1-$t0, s['seconds']['solve'])"
  done | sort -n | sed -n 2p
}
one=$(run one)
dec=$(run decisions --alternatives 10 --regret --regret-candidates 0)
python3 - "$one" "$dec" <<'PY'
import sys
one = [float(x) for x in sys.argv[1].split()]
dec = [float(x) for x in sys.argv[2].split()]
print(f"one solve:           {one[0]:.3f} s wall, {one[1]:.3f} s solve stage")
print(f"10 plans + 4 regrets: {dec[0]:.3f} s wall, {dec[1]:.3f} s solve stage")
print(f"ratio: {dec[0] / one[0]:.2f}x wall, {dec[1] / one[1]:.2f}x solve stage (target <= 10)")
PY
python3 -c "import json; s=json.load(open('$work/out-decisions/summary.json')); a=s['alternatives']; print('plans', a['listed'], a['status'], [round(p['delta_eur']/1e6,2) for p in a['plans']]); print('regrets', [(r['id'], r['regret_eur'] and round(r['regret_eur']/1e6,2)) for r in s['regret']['sites']])"
