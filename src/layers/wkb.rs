//! Well-known binary (WKB) geometries, as GeoPackage stores them: decoding into the
//! reader's [`Geometry`] (ISO and EWKB type codes, either byte order; Z and M values
//! read and dropped), and encoding points and lines for the GeoPackage output.
//!
//! Every count is checked against the bytes that remain before anything is
//! allocated, so a corrupt blob is an error, never a huge allocation or a panic.

use geo::Coord;

use super::parse::Geometry;

/// How deep collections may nest (a GeometryCollection in a GeometryCollection …).
const MAX_DEPTH: usize = 32;

/// A cursor over WKB bytes; `little` is the byte order of the geometry being read.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    little: bool,
}

/// A geometry's kind and how many numbers each of its positions has.
#[derive(Clone, Copy)]
struct Kind {
    code: u32,
    dims: usize,
}

const POINT: u32 = 1;
const LINESTRING: u32 = 2;
const POLYGON: u32 = 3;
const MULTIPOINT: u32 = 4;
const MULTILINESTRING: u32 = 5;
const MULTIPOLYGON: u32 = 6;
const COLLECTION: u32 = 7;

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.ok_or_else(|| {
            format!(
                "the WKB geometry is truncated: {n} more bytes needed at byte {}",
                self.pos
            )
        })?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b: [u8; 4] = self.take(4)?.try_into().map_err(|_| "4 bytes")?;
        Ok(if self.little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn f64(&mut self) -> Result<f64, String> {
        let b: [u8; 8] = self.take(8)?.try_into().map_err(|_| "8 bytes")?;
        Ok(if self.little {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    }

    /// A count of items of at least `min_bytes` each, checked against what remains.
    fn count(&mut self, min_bytes: usize, what: &str) -> Result<usize, String> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min_bytes) > self.remaining() {
            return Err(format!(
                "the WKB geometry claims {n} {what} but only {} bytes remain (truncated or corrupt)",
                self.remaining()
            ));
        }
        Ok(n)
    }

    /// The byte-order mark and type code of the next geometry.
    fn header(&mut self) -> Result<Kind, String> {
        self.little = match self.take(1)?[0] {
            0 => false,
            1 => true,
            b => return Err(format!("invalid WKB byte order {b} (expected 0 or 1)")),
        };
        let raw = self.u32()?;
        // EWKB flags: Z, M, and an SRID that follows the type.
        let (mut z, mut m) = (raw & 0x8000_0000 != 0, raw & 0x4000_0000 != 0);
        if raw & 0x2000_0000 != 0 {
            self.u32()?;
        }
        let iso = raw & 0x0FFF_FFFF;
        match iso / 1000 {
            0 => {}
            1 => z = true,
            2 => m = true,
            3 => (z, m) = (true, true),
            _ => return Err(format!("unknown WKB geometry type {raw}")),
        }
        let code = iso % 1000;
        if !(POINT..=COLLECTION).contains(&code) {
            return Err(format!(
                "WKB geometry type {raw} is not read (curves, surfaces and TINs are not \
                 supported: convert them with `ogr2ogr -nlt CONVERT_TO_LINEAR`)"
            ));
        }
        Ok(Kind {
            code,
            dims: 2 + usize::from(z) + usize::from(m),
        })
    }

    fn position(&mut self, dims: usize) -> Result<Coord, String> {
        let x = self.f64()?;
        let y = self.f64()?;
        for _ in 2..dims {
            self.f64()?;
        }
        Ok(Coord { x, y })
    }

    fn positions(&mut self, dims: usize) -> Result<Vec<Coord>, String> {
        let n = self.count(8 * dims, "positions")?;
        (0..n).map(|_| self.position(dims)).collect()
    }

    fn rings(&mut self, dims: usize) -> Result<Vec<Vec<Coord>>, String> {
        let n = self.count(4, "rings")?;
        (0..n).map(|_| self.positions(dims)).collect()
    }

    /// The parts of a Multi* geometry, each of kind `part`.
    fn parts<T>(
        &mut self,
        part: u32,
        mut each: impl FnMut(&mut Self, Kind) -> Result<T, String>,
    ) -> Result<Vec<T>, String> {
        let n = self.count(5, "parts")?;
        let mut out = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            let kind = self.header()?;
            if kind.code != part {
                return Err(format!(
                    "a WKB Multi geometry holds a part of type {} where type {part} belongs",
                    kind.code
                ));
            }
            out.push(each(self, kind)?);
        }
        Ok(out)
    }

    fn geometry(&mut self, depth: usize) -> Result<Geometry, String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "WKB geometry collections nested deeper than {MAX_DEPTH} levels"
            ));
        }
        let kind = self.header()?;
        let d = kind.dims;
        Ok(match kind.code {
            POINT => Geometry::Point(self.position(d)?),
            LINESTRING => Geometry::LineString(self.positions(d)?),
            POLYGON => Geometry::Polygon(self.rings(d)?),
            MULTIPOINT => Geometry::MultiPoint(self.parts(POINT, |r, k| r.position(k.dims))?),
            MULTILINESTRING => {
                Geometry::MultiLineString(self.parts(LINESTRING, |r, k| r.positions(k.dims))?)
            }
            MULTIPOLYGON => Geometry::MultiPolygon(self.parts(POLYGON, |r, k| r.rings(k.dims))?),
            _ => {
                let n = self.count(5, "geometries")?;
                for _ in 0..n {
                    self.geometry(depth + 1)?;
                }
                Geometry::GeometryCollection
            }
        })
    }
}

/// Decodes one WKB geometry (the bytes after it are not looked at).
pub(crate) fn decode(bytes: &[u8]) -> Result<Geometry, String> {
    Reader {
        buf: bytes,
        pos: 0,
        little: true,
    }
    .geometry(0)
}

/// Little-endian ISO WKB of a Point.
fn point(c: Coord) -> Vec<u8> {
    let mut out = Vec::with_capacity(21);
    out.push(1);
    out.extend_from_slice(&POINT.to_le_bytes());
    push_coord(&mut out, c);
    out
}

/// Little-endian ISO WKB of a geo geometry (points, lines, polygons and their Multi
/// forms; a collection's members are written in turn).
pub(crate) fn encode(g: &geo::Geometry) -> Vec<u8> {
    let mut out = Vec::new();
    push_geometry(&mut out, g);
    out
}

fn push_coord(out: &mut Vec<u8>, c: Coord) {
    out.extend_from_slice(&c.x.to_le_bytes());
    out.extend_from_slice(&c.y.to_le_bytes());
}

fn push_header(out: &mut Vec<u8>, code: u32, n: usize) {
    out.push(1);
    out.extend_from_slice(&code.to_le_bytes());
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn push_line(out: &mut Vec<u8>, coords: &[Coord]) {
    push_header(out, LINESTRING, coords.len());
    for c in coords {
        push_coord(out, *c);
    }
}

fn push_polygon(out: &mut Vec<u8>, p: &geo::Polygon) {
    push_header(out, POLYGON, 1 + p.interiors().len());
    for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
        out.extend_from_slice(&(ring.0.len() as u32).to_le_bytes());
        for c in &ring.0 {
            push_coord(out, *c);
        }
    }
}

fn push_geometry(out: &mut Vec<u8>, g: &geo::Geometry) {
    use geo::Geometry as G;
    match g {
        G::Point(p) => out.extend_from_slice(&point(p.0)),
        G::LineString(l) => push_line(out, &l.0),
        G::Polygon(p) => push_polygon(out, p),
        G::MultiPoint(m) => {
            push_header(out, MULTIPOINT, m.0.len());
            for p in &m.0 {
                out.extend_from_slice(&point(p.0));
            }
        }
        G::MultiLineString(m) => {
            push_header(out, MULTILINESTRING, m.0.len());
            for l in &m.0 {
                push_line(out, &l.0);
            }
        }
        G::MultiPolygon(m) => {
            push_header(out, MULTIPOLYGON, m.0.len());
            for p in &m.0 {
                push_polygon(out, p);
            }
        }
        G::GeometryCollection(c) => {
            push_header(out, COLLECTION, c.0.len());
            for g in &c.0 {
                push_geometry(out, g);
            }
        }
        G::Line(l) => push_line(out, &[l.start, l.end]),
        G::Rect(r) => push_polygon(out, &r.to_polygon()),
        G::Triangle(t) => push_polygon(out, &t.to_polygon()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{coord, line_string, polygon, MultiPolygon};

    #[test]
    fn encoded_geometries_decode_to_the_same_coordinates() {
        let p = coord! {x: 8.5, y: 50.25};
        assert_eq!(decode(&point(p)).unwrap(), Geometry::Point(p));
        let l = line_string![(x: 1.0, y: 2.0), (x: 3.0, y: 4.0)];
        assert_eq!(
            decode(&encode(&geo::Geometry::LineString(l.clone()))).unwrap(),
            Geometry::LineString(l.0.clone())
        );
        let poly = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0)];
        let mp = geo::Geometry::MultiPolygon(MultiPolygon(vec![poly.clone(), poly.clone()]));
        let Geometry::MultiPolygon(parts) = decode(&encode(&mp)).unwrap() else {
            panic!("not a MultiPolygon")
        };
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1][0], poly.exterior().0);
    }

    #[test]
    fn big_endian_z_and_ewkb_are_read() {
        // Big-endian ISO Point Z (1001).
        let mut b = vec![0u8];
        b.extend_from_slice(&1001u32.to_be_bytes());
        for v in [2.0f64, 3.0, 99.0] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        assert_eq!(
            decode(&b).unwrap(),
            Geometry::Point(coord! {x: 2.0, y: 3.0})
        );
        // EWKB Point with SRID and M.
        let mut b = vec![1u8];
        b.extend_from_slice(&(0x6000_0001u32).to_le_bytes());
        b.extend_from_slice(&4326u32.to_le_bytes());
        for v in [5.0f64, 6.0, 1.0] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        assert_eq!(
            decode(&b).unwrap(),
            Geometry::Point(coord! {x: 5.0, y: 6.0})
        );
    }

    #[test]
    fn corrupt_wkb_is_an_error() {
        let l = encode(&geo::Geometry::LineString(
            line_string![(x: 1.0, y: 2.0), (x: 3.0, y: 4.0)],
        ));
        for cut in 0..l.len() {
            assert!(decode(&l[..cut]).is_err(), "cut at {cut}");
        }
        // A count of four billion positions in a short buffer: an error, no allocation.
        let mut huge = l.clone();
        huge[5..9].copy_from_slice(&u32::MAX.to_le_bytes());
        let e = decode(&huge).unwrap_err();
        assert!(e.contains("claims 4294967295 positions"), "{e}");
        let mut bad = l.clone();
        bad[0] = 7;
        assert!(decode(&bad).unwrap_err().contains("byte order"));
        let mut curve = l;
        curve[1..5].copy_from_slice(&8u32.to_le_bytes());
        assert!(decode(&curve).unwrap_err().contains("CONVERT_TO_LINEAR"));
        // Collections nested past the limit.
        let mut deep = Vec::new();
        for _ in 0..100 {
            deep.push(1);
            deep.extend_from_slice(&COLLECTION.to_le_bytes());
            deep.extend_from_slice(&1u32.to_le_bytes());
        }
        deep.extend_from_slice(&point(coord! {x: 0.0, y: 0.0}));
        assert!(decode(&deep).unwrap_err().contains("nested deeper"));
    }
}
