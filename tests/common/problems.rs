//! Random problems built directly (no layers), for the engine tests.

use geo::Coord;
use gigasite::candidates::GridOption;
use gigasite::generate::SplitMix64;
use gigasite::geodesy::{to_unit, unit_km};
use gigasite::model::{DemandReach, Problem, Site};

/// A random problem: sites in a 6° × 4° box, each with one private substation (so
/// the grid cost is its stand-alone cost), demand points with RTT from distance.
pub fn random_problem(rng: &mut SplitMix64, sites: usize, demand: usize, k: usize) -> Problem {
    let coords: Vec<Coord> = (0..sites)
        .map(|_| Coord {
            x: rng.range(5.0, 11.0),
            y: rng.range(45.0, 49.0),
        })
        .collect();
    let countries = 1 + rng.below(4);
    let reach_km = 50.0;
    let separation = match rng.below(3) {
        0 => None,
        1 => Some(rng.range(20.0, 2.0 * reach_km)),
        _ => Some(rng.range(2.0 * reach_km + 1.0, 250.0)),
    };
    let site_list: Vec<Site> = coords
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let km = rng.range(1.0, 40.0);
            let option = GridOption {
                substation: i,
                km,
                cost_eur: km * 1.5e6,
                cap_mw: 180.0,
            };
            Site {
                id: format!("S{i:03}"),
                fixed_eur: rng.range(5e8, 9e8),
                power_mw: 180.0,
                options: vec![option],
                standalone: Some((vec![0], option.cost_eur)),
                country: Some(rng.below(countries)),
                unit: to_unit(*c),
            }
        })
        .collect();
    let limit = (rng.below(3) == 0).then(|| rng.range(3.0, 6.0));
    let demand = (0..demand)
        .map(|j| {
            let p = to_unit(Coord {
                x: rng.range(4.0, 12.0),
                y: rng.range(44.0, 50.0),
            });
            let reach = coords
                .iter()
                .enumerate()
                .map(|(i, c)| (i, 2.0 * (unit_km(p, to_unit(*c)) * 1.3) * 0.0049))
                .filter(|&(_, rtt)| limit.is_none_or(|l| rtt <= l))
                .collect();
            DemandReach {
                id: format!("D{j}"),
                weight: rng.range(0.1, 3.0),
                reach,
            }
        })
        .collect();
    let mut forced = Vec::new();
    if rng.below(4) == 0 {
        forced.push(rng.below(sites));
    }
    Problem {
        k,
        max_lines: 2,
        separation_km: separation,
        max_connection_km: reach_km,
        max_per_country: (rng.below(2) == 0).then(|| 1 + rng.below(3)),
        countries: (0..countries).map(|c| format!("C{c}")).collect(),
        eur_per_ms: [1e6, 2e7, 5e7][rng.below(3)],
        demand_limit_ms: limit,
        sites: site_list,
        headroom_mw: vec![1e9; sites],
        demand,
        forced,
        forbidden: Vec::new(),
        include_failures: Vec::new(),
    }
}

/// Every feasible k-subset with its cost, cheapest first, ties by the sorted ids.
pub fn all_plans(p: &Problem) -> Vec<(Vec<usize>, f64)> {
    let (n, k) = (p.sites.len(), p.k);
    let mut out = Vec::new();
    let mut subset: Vec<usize> = (0..k).collect();
    loop {
        let ok_pairs = subset
            .iter()
            .enumerate()
            .all(|(a, &i)| subset[a + 1..].iter().all(|&l| !p.conflict(i, l)));
        let ok_caps = p.max_per_country.is_none_or(|m| {
            subset.iter().all(|&i| {
                subset
                    .iter()
                    .filter(|&&l| p.sites[l].country == p.sites[i].country)
                    .count()
                    <= m
            })
        });
        let ok_forced = p.forced.iter().all(|f| subset.contains(f));
        if ok_pairs && ok_caps && ok_forced {
            let a = p.assign(&subset);
            if a.iter().all(|x| x.is_some()) {
                let c: f64 =
                    subset.iter().map(|&i| p.sites[i].floor_eur()).sum::<f64>() + p.latency_eur(&a);
                out.push((subset.clone(), c));
            }
        }
        if !super::next_subset(&mut subset, n) {
            break;
        }
    }
    // Ids are zero-padded, so id order is position order.
    out.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    out
}
