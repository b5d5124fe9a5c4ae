//! The fibre network of MODEL.md: route vertices are nodes (vertices closer than
//! `snap_km` merged, transitively), consecutive vertices are edges of their haversine
//! length, and a point enters the network at its closest point on the nearest segment,
//! which splits that segment. Shortest paths by Dijkstra from each entry point.
//!
//! # Units
//! km throughout; RTT in ms is 2 × km × ms_per_km, computed by the caller.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use geo::Coord;

use crate::deadline::Deadline;
use crate::error::Result;
use crate::geodesy::{from_unit, to_unit, unit_km, Unit};
use crate::index::{Arc, ArcIndex, PointIndex};
use crate::layers::FibreLayer;

/// A segment between two consecutive route vertices.
#[derive(Debug, Clone)]
pub struct Segment {
    pub route: usize,
    pub node_a: usize,
    pub node_b: usize,
    pub a: Unit,
    pub b: Unit,
    pub km: f64,
}

/// Where a point joins the network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry {
    pub segment: usize,
    /// Distance from the point to the segment, km.
    pub access_km: f64,
    /// The closest point on the segment.
    pub closest: Coord,
    /// Distances along the segment from the entry to its two ends, km.
    pub to_a_km: f64,
    pub to_b_km: f64,
}

/// The routable network.
pub struct Network {
    pub segments: Vec<Segment>,
    node_count: usize,
    /// Compressed adjacency: neighbours of node n are adj[start[n]..start[n + 1]].
    start: Vec<usize>,
    adj: Vec<(usize, f64)>,
    arcs: ArcIndex,
}

/// Union–find with path halving, for snapping vertices together.
struct UnionFind(Vec<usize>);

impl UnionFind {
    fn find(&mut self, mut x: usize) -> usize {
        while self.0[x] != x {
            self.0[x] = self.0[self.0[x]];
            x = self.0[x];
        }
        x
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        // The smaller root wins, so node numbering does not depend on query order.
        if ra < rb {
            self.0[rb] = ra;
        } else if rb < ra {
            self.0[ra] = rb;
        }
    }
}

impl Network {
    /// Builds the network from the routes of a fibre layer.
    pub fn build(layer: &FibreLayer, snap_km: f64) -> Network {
        Network::build_until(
            layer,
            snap_km,
            Deadline::never(),
            "building the fibre network",
        )
        .expect("no deadline to pass")
    }

    /// [`Network::build`], checking `deadline` (as `stage`) while it snaps vertices and
    /// between its phases.
    pub fn build_until(
        layer: &FibreLayer,
        snap_km: f64,
        deadline: Deadline,
        stage: &'static str,
    ) -> Result<Network> {
        let mut vertices: Vec<Unit> = Vec::new();
        // (route, first vertex, vertex count) of every part.
        let mut parts = Vec::new();
        for (r, route) in layer.routes.iter().enumerate() {
            for part in &route.parts {
                parts.push((r, vertices.len(), part.len()));
                vertices.extend(part.iter().map(|c| to_unit(*c)));
            }
        }
        let mut uf = UnionFind((0..vertices.len()).collect());
        if snap_km > 0.0 {
            // Pairs found in parallel, joined in order (the node numbers below depend
            // only on the components, not on the order of the unions).
            use rayon::prelude::*;
            const STEP: usize = 4096;
            let index = PointIndex::new(&vertices);
            let pairs: Vec<Vec<(u32, u32)>> = vertices
                .par_chunks(STEP)
                .enumerate()
                .map(|(c, chunk)| {
                    deadline.check(stage)?;
                    let mut out = Vec::new();
                    for (o, v) in chunk.iter().enumerate() {
                        let i = c * STEP + o;
                        for j in index.closer_than_km(*v, snap_km) {
                            if j > i {
                                out.push((i as u32, j as u32));
                            }
                        }
                    }
                    Ok(out)
                })
                .collect::<Result<_>>()?;
            for (i, j) in pairs.into_iter().flatten() {
                uf.union(i as usize, j as usize);
            }
        }
        // Dense node numbers in vertex order.
        let mut node_of_root = vec![usize::MAX; vertices.len()];
        let mut node = vec![0; vertices.len()];
        let mut node_count = 0;
        for (v, slot) in node.iter_mut().enumerate() {
            let root = uf.find(v);
            if node_of_root[root] == usize::MAX {
                node_of_root[root] = node_count;
                node_count += 1;
            }
            *slot = node_of_root[root];
        }
        deadline.check(stage)?;
        let mut segments = Vec::new();
        for (route, first, len) in parts {
            for v in first..first + len - 1 {
                let (a, b) = (vertices[v], vertices[v + 1]);
                segments.push(Segment {
                    route,
                    node_a: node[v],
                    node_b: node[v + 1],
                    a,
                    b,
                    km: unit_km(a, b),
                });
            }
        }
        let mut degree = vec![0usize; node_count + 1];
        for s in &segments {
            if s.node_a != s.node_b {
                degree[s.node_a] += 1;
                degree[s.node_b] += 1;
            }
        }
        let mut start = vec![0usize; node_count + 1];
        for n in 0..node_count {
            start[n + 1] = start[n] + degree[n];
        }
        let mut fill = start.clone();
        let mut adj = vec![(0usize, 0.0f64); start[node_count]];
        for s in &segments {
            if s.node_a != s.node_b {
                adj[fill[s.node_a]] = (s.node_b, s.km);
                fill[s.node_a] += 1;
                adj[fill[s.node_b]] = (s.node_a, s.km);
                fill[s.node_b] += 1;
            }
        }
        deadline.check(stage)?;
        let arcs = ArcIndex::new(
            segments
                .iter()
                .enumerate()
                .map(|(i, s)| Arc::new(s.a, s.b, i))
                .collect(),
        );
        Ok(Network {
            segments,
            node_count,
            start,
            adj,
            arcs,
        })
    }

    pub fn node_count(&self) -> usize {
        self.node_count
    }

    /// Where `p` enters the network: the closest point of its nearest segment.
    pub fn entry(&self, p: Coord) -> Option<Entry> {
        let u = to_unit(p);
        let near = self.arcs.nearest(u)?;
        let s = &self.segments[near.segment];
        Some(Entry {
            segment: near.segment,
            access_km: near.km,
            closest: from_unit(near.closest),
            to_a_km: unit_km(near.closest, s.a),
            to_b_km: unit_km(near.closest, s.b),
        })
    }

    /// Network distances (km) from an entry point to every node (Dijkstra).
    pub fn distances_from(&self, e: &Entry) -> Vec<f64> {
        let mut dist = vec![f64::INFINITY; self.node_count];
        let s = &self.segments[e.segment];
        let mut heap = BinaryHeap::new();
        for (n, d) in [(s.node_a, e.to_a_km), (s.node_b, e.to_b_km)] {
            if d < dist[n] {
                dist[n] = d;
                heap.push(State { km: d, node: n });
            }
        }
        while let Some(State { km, node }) = heap.pop() {
            if km > dist[node] {
                continue;
            }
            for &(next, len) in &self.adj[self.start[node]..self.start[node + 1]] {
                let d = km + len;
                if d < dist[next] {
                    dist[next] = d;
                    heap.push(State { km: d, node: next });
                }
            }
        }
        dist
    }

    /// Shortest network distance (km) between entry `e` (whose Dijkstra distances are
    /// `dist_from_e`) and entry `f`, not counting either access distance.
    pub fn network_km(&self, e: &Entry, dist_from_e: &[f64], f: &Entry) -> f64 {
        let t = &self.segments[f.segment];
        let mut km = (dist_from_e[t.node_a] + f.to_a_km).min(dist_from_e[t.node_b] + f.to_b_km);
        if e.segment == f.segment {
            // Both split the same segment: the direct stretch between them.
            km = km.min((e.to_a_km - f.to_a_km).abs());
        }
        km
    }
}

/// The nearest of many sources (e.g. every IXP) from anywhere on the network, by
/// one multi-source Dijkstra: per node the least `source access + path` km and the
/// source giving it (ties by the source's rank).
pub struct NearestSource {
    km: Vec<f64>,
    source: Vec<u32>,
    /// Sources that split each segment: segment → (rank, access km, km to node a).
    on_segment: std::collections::HashMap<usize, Vec<(u32, f64, f64)>>,
}

impl Network {
    /// Prepares nearest-source queries; `sources` are (entry, rank), lower rank wins ties.
    pub fn nearest_sources(&self, sources: &[(Entry, u32)]) -> NearestSource {
        let mut km = vec![f64::INFINITY; self.node_count];
        let mut source = vec![u32::MAX; self.node_count];
        let mut on_segment: std::collections::HashMap<usize, Vec<(u32, f64, f64)>> =
            Default::default();
        let mut heap = BinaryHeap::new();
        let better = |d: f64, r: u32, km: &[f64], source: &[u32], n: usize| {
            d < km[n] || (d == km[n] && r < source[n])
        };
        for (e, rank) in sources {
            on_segment
                .entry(e.segment)
                .or_default()
                .push((*rank, e.access_km, e.to_a_km));
            let s = &self.segments[e.segment];
            for (n, along) in [(s.node_a, e.to_a_km), (s.node_b, e.to_b_km)] {
                let d = e.access_km + along;
                if better(d, *rank, &km, &source, n) {
                    km[n] = d;
                    source[n] = *rank;
                    heap.push(Labelled {
                        km: d,
                        rank: *rank,
                        node: n,
                    });
                }
            }
        }
        while let Some(Labelled { km: d, rank, node }) = heap.pop() {
            if d > km[node] || (d == km[node] && rank != source[node]) {
                continue;
            }
            for &(next, len) in &self.adj[self.start[node]..self.start[node + 1]] {
                let nd = d + len;
                if better(nd, rank, &km, &source, next) {
                    km[next] = nd;
                    source[next] = rank;
                    heap.push(Labelled {
                        km: nd,
                        rank,
                        node: next,
                    });
                }
            }
        }
        NearestSource {
            km,
            source,
            on_segment,
        }
    }
}

impl NearestSource {
    /// The nearest source of an entry: (total km including both accesses, rank).
    pub fn nearest(&self, net: &Network, e: &Entry) -> Option<(f64, u32)> {
        let s = &net.segments[e.segment];
        let mut best: Option<(f64, u32)> = None;
        let mut offer = |d: f64, r: u32| {
            if d.is_finite() && best.is_none_or(|(bd, br)| d < bd || (d == bd && r < br)) {
                best = Some((d, r));
            }
        };
        offer(
            self.km[s.node_a] + e.to_a_km + e.access_km,
            self.source[s.node_a],
        );
        offer(
            self.km[s.node_b] + e.to_b_km + e.access_km,
            self.source[s.node_b],
        );
        if let Some(list) = self.on_segment.get(&e.segment) {
            for &(r, access, to_a) in list {
                offer(access + (to_a - e.to_a_km).abs() + e.access_km, r);
            }
        }
        best
    }
}

#[derive(PartialEq)]
struct Labelled {
    km: f64,
    rank: u32,
    node: usize,
}

impl Eq for Labelled {}

impl Ord for Labelled {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .km
            .total_cmp(&self.km)
            .then_with(|| other.rank.cmp(&self.rank))
            .then_with(|| other.node.cmp(&self.node))
    }
}

impl PartialOrd for Labelled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(PartialEq)]
struct State {
    km: f64,
    node: usize,
}

impl Eq for State {}

impl Ord for State {
    fn cmp(&self, other: &Self) -> Ordering {
        // Min-heap on km, ties by node for a deterministic order.
        other
            .km
            .total_cmp(&self.km)
            .then_with(|| other.node.cmp(&self.node))
    }
}

impl PartialOrd for State {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geodesy::haversine_km;
    use crate::layers::Route;

    fn c(x: f64, y: f64) -> Coord {
        Coord { x, y }
    }

    fn layer(parts: Vec<Vec<Coord>>) -> FibreLayer {
        FibreLayer {
            routes: parts
                .into_iter()
                .enumerate()
                .map(|(i, p)| Route {
                    id: format!("R{i}"),
                    name: None,
                    parts: vec![p],
                })
                .collect(),
            ixps: vec![],
        }
    }

    #[test]
    fn routes_meet_only_where_vertices_snap() {
        // Two routes whose ends are 0.5 km apart (snap) and a third 5 km away (no snap).
        let a = c(10.0, 50.0);
        let b = c(11.0, 50.0);
        let b2 = c(11.0 + 0.5 / 71.5, 50.0); // ~0.5 km east of b
        let d = c(12.0, 50.0);
        let far = c(11.0, 50.045); // ~5 km north of b
        let net = Network::build(
            &layer(vec![vec![a, b], vec![b2, d], vec![far, c(11.0, 51.0)]]),
            1.0,
        );
        assert_eq!(net.node_count(), 5);
        let ea = net.entry(a).unwrap();
        let ed = net.entry(d).unwrap();
        let dist = net.distances_from(&ea);
        let km = net.network_km(&ea, &dist, &ed);
        let want = haversine_km(a, b) + haversine_km(b2, d);
        assert!((km - want).abs() < 1e-6, "{km} vs {want}");
        let ef = net.entry(c(11.0, 50.9)).unwrap();
        assert!(net.network_km(&ea, &dist, &ef).is_infinite());
    }

    #[test]
    fn nearest_source_equals_one_dijkstra_per_source() {
        let mut rng = crate::generate::SplitMix64::new(23);
        for _ in 0..20 {
            let parts: Vec<Vec<Coord>> = (0..12)
                .map(|_| {
                    let a = c(rng.range(0.0, 4.0), rng.range(44.0, 48.0));
                    (0..4)
                        .map(|k| {
                            c(
                                a.x + k as f64 * rng.range(0.0, 0.3),
                                a.y + rng.range(-0.2, 0.2),
                            )
                        })
                        .collect()
                })
                .collect();
            let net = Network::build(&layer(parts), 15.0);
            let sources: Vec<(Entry, u32)> = (0..6)
                .map(|r| {
                    (
                        net.entry(c(rng.range(0.0, 4.0), rng.range(44.0, 48.0)))
                            .unwrap(),
                        r,
                    )
                })
                .collect();
            let near = net.nearest_sources(&sources);
            let dists: Vec<Vec<f64>> = sources.iter().map(|(e, _)| net.distances_from(e)).collect();
            for _ in 0..30 {
                let e = net
                    .entry(c(rng.range(0.0, 4.0), rng.range(44.0, 48.0)))
                    .unwrap();
                let want = sources
                    .iter()
                    .zip(&dists)
                    .map(|((se, r), d)| {
                        (e.access_km + net.network_km(se, d, &e) + se.access_km, *r)
                    })
                    .filter(|x| x.0.is_finite())
                    .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let got = near.nearest(&net, &e);
                match (got, want) {
                    (None, None) => {}
                    (Some(g), Some(w)) => assert!((g.0 - w.0).abs() < 1e-9, "{g:?} vs {w:?}"),
                    other => panic!("{other:?}"),
                }
            }
        }
    }

    #[test]
    fn entries_on_one_segment_use_the_stretch_between_them() {
        let net = Network::build(&layer(vec![vec![c(0.0, 45.0), c(2.0, 45.0)]]), 1.0);
        let e = net.entry(c(0.5, 45.1)).unwrap();
        let f = net.entry(c(1.5, 44.9)).unwrap();
        assert_eq!(e.segment, f.segment);
        let km = net.network_km(&e, &net.distances_from(&e), &f);
        let direct = haversine_km(e.closest, f.closest);
        assert!((km - direct).abs() < 0.01, "{km} vs {direct}");
        // Access is the distance to the closest point of the segment.
        assert!((e.access_km - haversine_km(c(0.5, 45.1), e.closest)).abs() < 1e-6);
    }
}
