//! The classic p-median on the same engine, as its public proof: OR-Library's `pmed`
//! files (J. E. Beasley), read with their conventions: `n edges p`, then `i j cost`
//! lines of an undirected graph; distances are shortest paths; when an edge appears
//! twice the last occurrence wins.
//!
//! Each node is a site with no fixed cost and a demand point of weight 1, and the
//! allocation cost is the distance: the engine's Lagrangian bound, elimination and
//! Benders master prove the optimum.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::path::Path;

use crate::error::{Error, Result};
use crate::model::{DemandReach, Problem, Site};

/// A p-median instance: all-pairs shortest-path distances and p.
#[derive(Debug, Clone)]
pub struct PMedian {
    pub nodes: usize,
    pub p: usize,
    /// `dist[i][j]`, infinite when j cannot be reached from i.
    pub dist: Vec<Vec<f64>>,
}

/// Reads an OR-Library pmed file.
pub fn read(path: &Path) -> Result<PMedian> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse(path, &text)
}

fn bad(path: &Path, line: usize, message: impl Into<String>) -> Error {
    Error::Layer {
        path: path.to_path_buf(),
        message: format!("line {line}: {}", message.into()),
    }
}

/// Parses the text of a pmed file (`path` names it in errors).
pub fn parse(path: &Path, text: &str) -> Result<PMedian> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(n, l)| (n + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty());
    let (n0, head) = lines.next().ok_or_else(|| bad(path, 1, "empty file"))?;
    let nums = |line: usize, l: &str| -> Result<Vec<u64>> {
        l.split_whitespace()
            .map(|t| {
                t.parse::<u64>()
                    .map_err(|_| bad(path, line, format!("{t:?} is not a whole number")))
            })
            .collect()
    };
    let h = nums(n0, head)?;
    let [n, edges, p] = h[..] else {
        return Err(bad(path, n0, "the first line must be `nodes edges p`"));
    };
    let (n, edges, p) = (n as usize, edges as usize, p as usize);
    if n == 0 || p == 0 || p > n {
        return Err(bad(
            path,
            n0,
            format!("need 1 <= p <= nodes, got p = {p}, nodes = {n}"),
        ));
    }
    // Last occurrence of an edge wins (OR-Library's convention).
    let mut weight: HashMap<(usize, usize), f64> = HashMap::new();
    let mut read = 0;
    for (line, l) in lines {
        let v = nums(line, l)?;
        let [i, j, c] = v[..] else {
            return Err(bad(path, line, "an edge line must be `i j cost`"));
        };
        let (i, j) = (i as usize, j as usize);
        if i == 0 || j == 0 || i > n || j > n {
            return Err(bad(path, line, format!("node out of 1..={n}")));
        }
        weight.insert((i.min(j) - 1, i.max(j) - 1), c as f64);
        read += 1;
    }
    if read != edges {
        return Err(bad(
            path,
            n0,
            format!("the header promises {edges} edges but the file has {read}"),
        ));
    }
    let mut adj = vec![Vec::new(); n];
    let mut pairs: Vec<(&(usize, usize), &f64)> = weight.iter().collect();
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    for (&(i, j), &c) in pairs {
        adj[i].push((j, c));
        adj[j].push((i, c));
    }
    let dist = (0..n).map(|s| dijkstra(&adj, s)).collect();
    Ok(PMedian { nodes: n, p, dist })
}

fn dijkstra(adj: &[Vec<(usize, f64)>], s: usize) -> Vec<f64> {
    #[derive(PartialEq)]
    struct St(f64, usize);
    impl Eq for St {}
    impl Ord for St {
        fn cmp(&self, o: &Self) -> Ordering {
            o.0.total_cmp(&self.0).then(o.1.cmp(&self.1))
        }
    }
    impl PartialOrd for St {
        fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
            Some(self.cmp(o))
        }
    }
    let mut d = vec![f64::INFINITY; adj.len()];
    d[s] = 0.0;
    let mut heap = BinaryHeap::from([St(0.0, s)]);
    while let Some(St(k, u)) = heap.pop() {
        if k > d[u] {
            continue;
        }
        for &(v, c) in &adj[u] {
            if k + c < d[v] {
                d[v] = k + c;
                heap.push(St(k + c, v));
            }
        }
    }
    d
}

impl PMedian {
    /// The instance as the engine's problem: node i (1-based id) is site i - 1.
    pub fn problem(&self) -> Problem {
        let sites = (0..self.nodes)
            .map(|i| Site {
                id: format!("{:06}", i + 1),
                fixed_eur: 0.0,
                power_mw: 0.0,
                options: Vec::new(),
                standalone: Some((Vec::new(), 0.0)),
                country: None,
                unit: [1.0, 0.0, 0.0],
            })
            .collect();
        let demand = (0..self.nodes)
            .map(|j| DemandReach {
                id: (j + 1).to_string(),
                weight: 1.0,
                reach: (0..self.nodes)
                    .filter(|&i| self.dist[i][j].is_finite())
                    .map(|i| (i, self.dist[i][j]))
                    .collect(),
            })
            .collect();
        Problem {
            k: self.p,
            max_lines: 0,
            separation_km: None,
            max_connection_km: 0.0,
            max_per_country: None,
            countries: Vec::new(),
            eur_per_ms: 1.0,
            demand_limit_ms: None,
            sites,
            headroom_mw: Vec::new(),
            demand,
            forced: Vec::new(),
            include_failures: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solve::{solve, Backend, SolveOptions, Status};

    #[test]
    fn last_duplicate_edge_wins_and_small_instances_match_enumeration() {
        let text = "4 4 2\n1 2 5\n2 3 1\n3 4 1\n1 2 1\n";
        let pm = parse(Path::new("t"), text).unwrap();
        assert_eq!(pm.dist[0][1], 1.0);
        assert_eq!(pm.dist[0][3], 3.0);
        // Enumerate every pair of medians.
        let mut best = f64::INFINITY;
        for a in 0..4 {
            for b in a + 1..4 {
                let c: f64 = (0..4).map(|j| pm.dist[a][j].min(pm.dist[b][j])).sum();
                best = best.min(c);
            }
        }
        let opts = SolveOptions {
            backend: Backend::Microlp,
            time_limit_s: None,
            mip_gap: 0.0,
        };
        let o = solve(&pm.problem(), &opts).unwrap();
        assert_eq!(o.status, Status::Optimal);
        assert!((o.objective_eur.unwrap() - best).abs() < 1e-9);
    }

    #[test]
    fn malformed_files_name_the_line() {
        let e = parse(Path::new("f.txt"), "3 1 2\n1 x 4\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("\"x\""), "{e}");
        let e = parse(Path::new("f.txt"), "3 2 2\n1 2 4\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("promises 2 edges"), "{e}");
        let e = parse(Path::new("f.txt"), "3 1 5\n1 2 4\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("p <= nodes"), "{e}");
    }
}
