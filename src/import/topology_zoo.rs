//! The fibre layer from Internet Topology Zoo GraphML files.
//!
//! # Rules
//! - Node attributes are read through the file's `<key>` declarations (a key's `id`
//!   maps to its `attr.name`, for keys declared `for="node"` or `for="all"`); a node's
//!   position is its `Latitude` and `Longitude`. A node lacking either is dropped
//!   (counted), and so are its edges. A coordinate that is not a number or out of range
//!   is malformed (the error names the file and the line of the `<node>`).
//! - Each edge becomes one two-point LineString with id `"<network>-<n>"`, where
//!   `<network>` is the file name without `.graphml` and `n` the edge's 0-based
//!   position among the file's `<edge>` elements (so ids do not change when other
//!   edges are dropped), and name `"A – B"` from the nodes' `label`s (their ids when
//!   unlabelled). Within a file a second edge between the same two nodes (either
//!   direction) is a duplicate and dropped; so are self-loops and edges whose ends
//!   round to the same point. An edge naming an undeclared node is malformed.
//! - IXPs: for each listed city, a Point with `kind = "ixp"` at the first node, in
//!   file order (files in the order given), whose label equals the city
//!   case-insensitively (surrounding spaces ignored). Its id is `"ixp-<city>"`
//!   (lower-case, non-alphanumerics as `-`). Cities not found are reported.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::{
    check_lon_lat, feature, point, position, round6, ImportError, ImportReport, Output, Place,
    Result,
};

/// Options of the `topology-zoo` converter.
#[derive(Debug, Clone, Default)]
pub struct TopologyZooOptions {
    pub files: Vec<PathBuf>,
    /// Cities that get an IXP, in the order they are written.
    pub ixp_cities: Vec<String>,
    pub skip_malformed: bool,
}

/// Reads a list of cities: one per line; blank lines and `#` comments are ignored.
pub fn read_city_file(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| ImportError::io(path, e))?;
    Ok(text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

struct Node {
    id: String,
    label: Option<String>,
    lon_lat: Option<(f64, f64)>,
}

struct Network {
    name: String,
    nodes: Vec<Node>,
}

/// `"Frankfurt am Main"` → `"frankfurt-am-main"`.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

const NO_COORDS: &str = "nodes without coordinates";
const EDGE_NO_COORDS: &str = "edges to a node without coordinates";
const EDGE_SKIPPED: &str = "edges to a skipped malformed node";
const SELF_LOOP: &str = "self-loops";
const DUPLICATE: &str = "duplicate edges";
const ZERO_LENGTH: &str = "zero-length edges";
const CITY_NOT_FOUND: &str = "IXP cities not found";

fn read_network(
    path: &Path,
    name: &str,
    opts: &TopologyZooOptions,
    report: &mut ImportReport,
    features: &mut Vec<Value>,
) -> Result<Network> {
    let bytes = std::fs::read(path).map_err(|e| ImportError::io(path, e))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| ImportError::file(path, format!("not valid UTF-8: {e}")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let doc = roxmltree::Document::parse(text)
        .map_err(|e| ImportError::file(path, format!("not well-formed XML: {e}")))?;
    let root = doc.root_element();
    if root.tag_name().name() != "graphml" {
        return Err(ImportError::file(
            path,
            format!(
                "expected a <graphml> document, found <{}>",
                root.tag_name().name()
            ),
        ));
    }
    let line_of = |n: roxmltree::Node| Place::Line(u64::from(doc.text_pos_at(n.range().start).row));
    let mut node_keys: HashMap<&str, &str> = HashMap::new();
    for key in root
        .children()
        .filter(|n| n.is_element() && n.tag_name().name() == "key")
    {
        let applies = matches!(key.attribute("for"), None | Some("node") | Some("all"));
        if let (true, Some(id), Some(attr)) =
            (applies, key.attribute("id"), key.attribute("attr.name"))
        {
            node_keys.insert(id, attr);
        }
    }
    let graph = root
        .children()
        .find(|n| n.is_element() && n.tag_name().name() == "graph")
        .ok_or_else(|| ImportError::file(path, "no <graph> element"))?;

    let skip = opts.skip_malformed;
    let mut nodes: Vec<Node> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    // Ids of malformed nodes skipped: their edges are dropped, not malformed too.
    let mut skipped: HashSet<&str> = HashSet::new();
    for n in graph
        .children()
        .filter(|n| n.is_element() && n.tag_name().name() == "node")
    {
        report.add_read("nodes", 1);
        let parsed = (|| -> std::result::Result<Node, String> {
            let id = n
                .attribute("id")
                .ok_or("a <node> without an `id` attribute")?
                .to_string();
            if by_id.contains_key(&id) {
                return Err(format!("duplicate node id {id:?}"));
            }
            let (mut lat, mut lon, mut label) = (None, None, None);
            for d in n
                .children()
                .filter(|d| d.is_element() && d.tag_name().name() == "data")
            {
                let Some(attr) = d.attribute("key").and_then(|k| node_keys.get(k)) else {
                    continue;
                };
                let value = d.text().unwrap_or("").trim();
                if value.is_empty() {
                    continue;
                }
                if attr.eq_ignore_ascii_case("Latitude") {
                    lat = Some(value);
                } else if attr.eq_ignore_ascii_case("Longitude") {
                    lon = Some(value);
                } else if *attr == "label" {
                    label = Some(value.to_string());
                }
            }
            let lon_lat = match (lon, lat) {
                (Some(lon), Some(lat)) => {
                    let num = |v: &str, what: &str| {
                        super::parse_number(v, false)
                            .ok_or_else(|| format!("node {id:?}: {what} is not a number: {v:?}"))
                    };
                    let (x, y) = (num(lon, "Longitude")?, num(lat, "Latitude")?);
                    check_lon_lat(x, y).map_err(|m| format!("node {id:?}: {m}"))?;
                    Some((x, y))
                }
                _ => None,
            };
            Ok(Node { id, label, lon_lat })
        })();
        match parsed {
            Ok(node) => {
                if node.lon_lat.is_none() {
                    report.add_dropped(NO_COORDS, 1);
                }
                by_id.insert(node.id.clone(), nodes.len());
                nodes.push(node);
            }
            Err(m) => {
                report.malformed(skip, path, line_of(n), m)?;
                if let Some(id) = n.attribute("id") {
                    skipped.insert(id);
                }
            }
        }
    }

    let mut pairs: HashSet<(usize, usize)> = HashSet::new();
    let edges = graph
        .children()
        .filter(|n| n.is_element() && n.tag_name().name() == "edge");
    for (k, e) in edges.enumerate() {
        report.add_read("edges", 1);
        if [e.attribute("source"), e.attribute("target")]
            .iter()
            .any(|id| id.is_some_and(|id| skipped.contains(id)))
        {
            report.add_dropped(EDGE_SKIPPED, 1);
            continue;
        }
        let ends = (|| -> std::result::Result<(usize, usize), String> {
            let end = |attr: &str| -> std::result::Result<usize, String> {
                let id = e
                    .attribute(attr)
                    .ok_or_else(|| format!("an <edge> without a `{attr}` attribute"))?;
                by_id
                    .get(id)
                    .copied()
                    .ok_or_else(|| format!("the edge's {attr} {id:?} is not a node of this file"))
            };
            Ok((end("source")?, end("target")?))
        })();
        let (a, b) = match ends {
            Ok(p) => p,
            Err(m) => {
                report.malformed(skip, path, line_of(e), m)?;
                continue;
            }
        };
        let reason = match (nodes[a].lon_lat, nodes[b].lon_lat) {
            _ if a == b => Some(SELF_LOOP),
            (Some(pa), Some(pb)) => {
                if (round6(pa.0), round6(pa.1)) == (round6(pb.0), round6(pb.1)) {
                    Some(ZERO_LENGTH)
                } else if !pairs.insert((a.min(b), a.max(b))) {
                    Some(DUPLICATE)
                } else {
                    None
                }
            }
            _ => Some(EDGE_NO_COORDS),
        };
        if let Some(r) = reason {
            report.add_dropped(r, 1);
            continue;
        }
        let (pa, pb) = (nodes[a].lon_lat.unwrap(), nodes[b].lon_lat.unwrap());
        let label = |n: &Node| n.label.clone().unwrap_or_else(|| n.id.clone());
        let mut p = Map::new();
        p.insert("id".into(), Value::from(format!("{name}-{k}")));
        p.insert(
            "name".into(),
            Value::from(format!("{} – {}", label(&nodes[a]), label(&nodes[b]))),
        );
        p.insert("network".into(), Value::from(name));
        features.push(feature(
            json!({"type": "LineString", "coordinates": [position(pa.0, pa.1), position(pb.0, pb.1)]}),
            p,
        ));
    }
    Ok(Network {
        name: name.to_string(),
        nodes,
    })
}

/// Converts GraphML networks to a fibre layer (see the module docs for the rules).
pub fn convert(opts: &TopologyZooOptions) -> Result<Output> {
    if opts.files.is_empty() {
        return Err(ImportError::options("give at least one GraphML file"));
    }
    let mut report = ImportReport::new("topology-zoo");
    report.add_read("files", opts.files.len());
    report.add_read("nodes", 0);
    report.add_read("edges", 0);
    for r in [NO_COORDS, EDGE_NO_COORDS, SELF_LOOP, DUPLICATE, ZERO_LENGTH] {
        report.add_dropped(r, 0);
    }
    let mut names: HashSet<String> = HashSet::new();
    let mut features = Vec::new();
    let mut networks = Vec::new();
    for path in &opts.files {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !names.insert(name.clone()) {
            return Err(ImportError::options(format!(
                "two inputs are named {name:?}: route ids are \"<file name>-<n>\" and must be unique"
            )));
        }
        networks.push(read_network(path, &name, opts, &mut report, &mut features)?);
    }
    let routes = features.len();

    let mut cities_seen: HashSet<String> = HashSet::new();
    let mut missing = Vec::new();
    if !opts.ixp_cities.is_empty() {
        report.add_dropped(CITY_NOT_FOUND, 0);
    }
    for city in &opts.ixp_cities {
        let key = slug(city);
        if key.is_empty() || !cities_seen.insert(key.clone()) {
            continue;
        }
        let wanted = city.trim().to_lowercase();
        let found = networks.iter().find_map(|net| {
            net.nodes
                .iter()
                .find(|n| {
                    n.lon_lat.is_some()
                        && n.label
                            .as_deref()
                            .is_some_and(|l| l.trim().to_lowercase() == wanted)
                })
                .map(|n| (net, n))
        });
        let Some((net, node)) = found else {
            report.add_dropped(CITY_NOT_FOUND, 1);
            missing.push(city.trim().to_string());
            continue;
        };
        let (lon, lat) = node.lon_lat.expect("filtered above");
        let mut p = Map::new();
        p.insert("id".into(), Value::from(format!("ixp-{key}")));
        p.insert("kind".into(), Value::from("ixp"));
        p.insert("name".into(), Value::from(city.trim()));
        p.insert("network".into(), Value::from(net.name.clone()));
        p.insert("node".into(), Value::from(node.id.clone()));
        features.push(feature(point(lon, lat), p));
    }
    if !missing.is_empty() {
        report.note(format!(
            "no node labelled as these IXP cities: {}",
            missing.join(", ")
        ));
    }
    if opts.ixp_cities.is_empty() {
        report.note("no IXP cities given: the layer has no IXPs (the IXP latency rule needs them)");
    }
    report.add_written("routes", routes);
    report.add_written("ixps", features.len() - routes);
    Ok(Output {
        layer: "fibre",
        empty: routes == 0,
        features,
        report,
    })
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs() {
        assert_eq!(slug(" Frankfurt am Main "), "frankfurt-am-main");
        assert_eq!(slug("Biel/Bienne"), "biel-bienne");
        assert_eq!(slug("Zürich"), "zürich");
    }
}
