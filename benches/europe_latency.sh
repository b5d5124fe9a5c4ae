#!/usr/bin/env bash
# The real European instance (the real-data regression's layers) with a latency cost over
# GeoNames cities of at least 100,000 / 50,000 / 15,000 people (weight = population in
# millions, eur_per_ms = 2e6, IXP <= 4 ms, 500 km, one per country, snap_km = 25).
# Cities whose nearest route has no path to any eligible candidate are left out and
# counted. Prints each solve's status, objective, bound and wall time / peak memory.
# Usage: benches/europe_latency.sh [WORKDIR] [--time-limit S]   (needs ../shared/data)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data="$root/../shared/data"
work="${1:-/tmp/gigasite-europe-latency}"
shift || true
G="${GIGASITE:-$root/target/release/gigasite}"
[ -x "$G" ] || (cd "$root" && cargo build --release)
mkdir -p "$work" && cd "$work"
europe="AT,BE,BG,HR,CY,CZ,DK,EE,FI,FR,DE,GR,HU,IE,IT,LV,LT,LU,MT,NL,PL,PT,RO,SK,SI,ES,SE,NO,CH,GB"
ixps="Frankfurt,Amsterdam,London,Paris,Stockholm,Milan,Madrid,Marseille,Vienna,Warsaw,Copenhagen,Oslo,Helsinki,Dublin,Lisbon,Zurich,Prague,Brussels,Budapest,Bucharest,Sofia,Athens"
q() { "$@" > /dev/null 2>&1; }
q "$G" import points "$data/hotmaps-industrial-sites/Industrial_Database.csv" --delimiter ";" --wkt geom \
  --id SiteID --name SiteName --country Country --default-area-ha 50 --default-price-eur-per-m2 50 --out land.geojson
q "$G" import entsoe-grid "$data/pypsa-eur-entsoegridkit/buses.csv" "$data/pypsa-eur-entsoegridkit/lines.csv" \
  --min-kv 220 --out grid.geojson
zones=$(ls "$data"/entsoe-py-bidding-zones/*.geojson | grep -v _2020.geojson)
# shellcheck disable=SC2086
q "$G" import zones $zones --prices "$data/ember-prices/european_wholesale_electricity_price_data_monthly.csv" \
  --year 2024 --out prices.geojson
graphs=""
for b in Geant2012 Colt Interoute GtsCe BtEurope Cogentco; do graphs="$graphs $data/topology-zoo/graphml/$b.graphml"; done
# shellcheck disable=SC2086
q "$G" import topology-zoo $graphs --ixp-cities "$ixps" --out fibre.geojson
unzip -p "$data/geonames/cities15000.zip" > cities15000.txt
for pop in 100000 50000 15000; do
  q "$G" import geonames cities15000.txt --min-population "$pop" --countries "$europe" --out "all$pop.geojson"
  scenario() {
    cat <<TOML
[layers]
land = "land.geojson"
grid = "grid.geojson"
prices = "prices.geojson"
fibre = "fibre.geojson"
demand = "$1"
[sites]
count = 4
min_separation_km = 500
max_per_country = 1
[fibre]
snap_km = 25
[latency]
max_rtt_ms_to_ixp = 4.0
eur_per_ms = 2e6
TOML
  }
  scenario "all$pop.geojson" > "probe$pop.toml"
  "$G" solve "probe$pop.toml" --out "probe$pop" --quiet > /dev/null 2>&1 || true
  python3 - "$pop" <<'PY'
import json, re, sys
pop = sys.argv[1]
s = json.load(open(f"probe{pop}/summary.json"))
bad = {m.group(1) for r in s["infeasibility"] if (m := re.match(r"demand point (\S+) has no fibre path", r))}
d = json.load(open(f"all{pop}.geojson"))
keep = [f for f in d["features"] if str(f["properties"]["id"]) not in bad]
print(f">= {pop} people: {len(d['features'])} cities, {len(d['features']) - len(keep)} without a path left out, {len(keep)} kept")
d["features"] = keep
json.dump(d, open(f"cities{pop}.geojson", "w"))
PY
  scenario "cities$pop.geojson" > "latency$pop.toml"
  /usr/bin/time -f "  wall %e s, peak %M KB" "$G" solve "latency$pop.toml" --out "out$pop" --quiet "$@" > /dev/null || true
  python3 -c "import json; s=json.load(open('out$pop/summary.json')); print('  status', s['status'], 'objective', s['objective'], 'bound', s['best_bound'], 'gap', s['gap'], 'survivors', s['reductions']['survivors'], 'seconds', round(s['seconds']['total'], 2))"
done
