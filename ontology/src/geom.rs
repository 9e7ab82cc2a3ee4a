//! Geometry literals: parsing and writing GeoSPARQL `wktLiteral` and
//! `geoJSONLiteral` values.
//!
//! Internally every geometry is held in CRS84 axis order (longitude,
//! latitude). Supported reference systems:
//! - no IRI or `<http://www.opengis.net/def/crs/OGC/1.3/CRS84>` (the
//!   GeoSPARQL default): coordinates are read as written (x = longitude);
//! - `<http://www.opengis.net/def/crs/EPSG/0/4326>`: EPSG:4326 declares the
//!   axis order latitude, longitude, so the two coordinates are swapped on
//!   reading (GeoSPARQL 1.1, requirement 12 of the GeoSPARQL Compliance
//!   Benchmark).
//!
//! Any other reference system is rejected (the functions then return an
//! unbound value, as SPARQL does for a type error). Z and M values are parsed
//! and dropped. Empty geometries (`POINT EMPTY`, ..., and the empty literal,
//! which GeoSPARQL 1.1 defines as the empty geometry) are kept with their
//! topological dimension.

use geo::{
    Coord, Geometry, GeometryCollection, LineString, MapCoords, MultiLineString, MultiPoint,
    MultiPolygon, Point, Polygon,
};

/// IRI of the GeoSPARQL default reference system (WGS 84 longitude, latitude).
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
/// IRI of EPSG:4326 (WGS 84 with latitude, longitude axis order).
pub const EPSG4326: &str = "http://www.opengis.net/def/crs/EPSG/0/4326";

/// A coordinate reference system the crate understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crs {
    /// OGC CRS84: longitude, latitude in degrees (the GeoSPARQL default).
    Crs84,
    /// EPSG:4326: latitude, longitude in degrees.
    Epsg4326,
}

impl Crs {
    /// The IRI naming this reference system.
    pub fn iri(self) -> &'static str {
        match self {
            Crs::Crs84 => CRS84,
            Crs::Epsg4326 => EPSG4326,
        }
    }
}

/// A parsed geometry literal, in CRS84 axis order.
#[derive(Debug, Clone, PartialEq)]
pub struct Geom {
    /// The geometry (longitude, latitude). Empty geometries are empty
    /// collections of the matching kind.
    pub geometry: Geometry<f64>,
    /// The reference system the literal was written in.
    pub crs: Crs,
    /// Topological dimension (0 point, 1 curve, 2 surface) as declared by the
    /// literal's type, also for empty geometries.
    pub dimension: u8,
}

impl Geom {
    /// Wraps a geometry computed in CRS84.
    pub fn new(geometry: Geometry<f64>) -> Self {
        let dimension = declared_dimension(&geometry);
        Geom {
            geometry,
            crs: Crs::Crs84,
            dimension,
        }
    }

    /// Whether the geometry has no points.
    pub fn is_empty(&self) -> bool {
        is_empty(&self.geometry)
    }
}

/// Whether a geometry has no points.
pub fn is_empty(g: &Geometry<f64>) -> bool {
    use geo::CoordsIter;
    g.coords_count() == 0
}

fn declared_dimension(g: &Geometry<f64>) -> u8 {
    match g {
        Geometry::Point(_) | Geometry::MultiPoint(_) => 0,
        Geometry::Line(_) | Geometry::LineString(_) | Geometry::MultiLineString(_) => 1,
        Geometry::Polygon(_) | Geometry::MultiPolygon(_) | Geometry::Rect(_) => 2,
        Geometry::Triangle(_) => 2,
        Geometry::GeometryCollection(c) => c.iter().map(declared_dimension).max().unwrap_or(0),
    }
}

/// Error in a WKT or GeoJSON literal, with the byte offset where it was found.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid geometry literal at character {offset}: {message}")]
pub struct GeomError {
    /// Byte offset into the literal's lexical form.
    pub offset: usize,
    /// What was wrong.
    pub message: String,
}

fn err<T>(offset: usize, message: impl Into<String>) -> Result<T, GeomError> {
    Err(GeomError {
        offset,
        message: message.into(),
    })
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Num(f64),
    Open,
    Close,
    Comma,
}

fn tokenize(s: &str, base: usize) -> Result<Vec<(usize, Tok)>, GeomError> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'(' => {
                out.push((base + i, Tok::Open));
                i += 1;
            }
            b')' => {
                out.push((base + i, Tok::Close));
                i += 1;
            }
            b',' => {
                out.push((base + i, Tok::Comma));
                i += 1;
            }
            c if c.is_ascii_alphabetic() => {
                let start = i;
                while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                    i += 1;
                }
                out.push((base + start, Tok::Word(s[start..i].to_ascii_uppercase())));
            }
            c if c.is_ascii_digit() || c == b'-' || c == b'+' || c == b'.' => {
                let start = i;
                i += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_digit()
                        || bytes[i] == b'.'
                        || bytes[i] == b'e'
                        || bytes[i] == b'E'
                        || ((bytes[i] == b'-' || bytes[i] == b'+')
                            && (bytes[i - 1] == b'e' || bytes[i - 1] == b'E')))
                {
                    i += 1;
                }
                match s[start..i].parse::<f64>() {
                    Ok(v) if v.is_finite() => out.push((base + start, Tok::Num(v))),
                    _ => return err(base + start, format!("bad number '{}'", &s[start..i])),
                }
            }
            _ => {
                let ch = s[i..].chars().next().unwrap_or('?');
                return err(base + i, format!("unexpected character '{ch}'"));
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    end: usize,
}

impl Parser {
    fn offset(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |t| t.0)
    }
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.1)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).map(|t| t.1.clone());
        self.pos += 1;
        t
    }
    fn expect(&mut self, want: Tok, what: &str) -> Result<(), GeomError> {
        let off = self.offset();
        match self.next() {
            Some(t) if t == want => Ok(()),
            _ => err(off, format!("expected {what}")),
        }
    }

    /// Reads the optional Z / M / ZM tag and then EMPTY or nothing. Returns
    /// (number of ordinates per coordinate, is_empty).
    fn tag_and_empty(&mut self) -> (usize, bool) {
        let mut dims = 0; // 0 = not declared: accept 2..=4
        if let Some(Tok::Word(w)) = self.peek() {
            match w.as_str() {
                "Z" | "M" => {
                    dims = 3;
                    self.pos += 1;
                }
                "ZM" => {
                    dims = 4;
                    self.pos += 1;
                }
                _ => {}
            }
        }
        if let Some(Tok::Word(w)) = self.peek()
            && w == "EMPTY"
        {
            self.pos += 1;
            return (dims, true);
        }
        (dims, false)
    }

    fn coord(&mut self, dims: usize) -> Result<Coord<f64>, GeomError> {
        let off = self.offset();
        let mut vals = Vec::with_capacity(4);
        while let Some(Tok::Num(v)) = self.peek() {
            vals.push(*v);
            self.pos += 1;
        }
        let ok = if dims == 0 {
            (2..=4).contains(&vals.len())
        } else {
            vals.len() == dims
        };
        if !ok {
            return err(
                off,
                format!("a coordinate needs 2 to 4 numbers, found {}", vals.len()),
            );
        }
        Ok(Coord {
            x: vals[0],
            y: vals[1],
        })
    }

    fn coord_list(&mut self, dims: usize) -> Result<Vec<Coord<f64>>, GeomError> {
        self.expect(Tok::Open, "'('")?;
        let mut out = vec![self.coord(dims)?];
        loop {
            let off = self.offset();
            match self.next() {
                Some(Tok::Comma) => out.push(self.coord(dims)?),
                Some(Tok::Close) => return Ok(out),
                _ => return err(off, "expected ',' or ')'"),
            }
        }
    }

    fn list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, GeomError>,
    ) -> Result<Vec<T>, GeomError> {
        self.expect(Tok::Open, "'('")?;
        let mut out = vec![item(self)?];
        loop {
            let off = self.offset();
            match self.next() {
                Some(Tok::Comma) => out.push(item(self)?),
                Some(Tok::Close) => return Ok(out),
                _ => return err(off, "expected ',' or ')'"),
            }
        }
    }

    fn polygon_body(&mut self, dims: usize) -> Result<Polygon<f64>, GeomError> {
        let off = self.offset();
        let rings = self.list(|p| p.coord_list(dims))?;
        let mut rings = rings.into_iter().map(LineString::from);
        let Some(exterior) = rings.next() else {
            return err(off, "a polygon needs a ring");
        };
        Ok(Polygon::new(exterior, rings.collect()))
    }

    fn geometry(&mut self) -> Result<(Geometry<f64>, u8), GeomError> {
        let off = self.offset();
        let Some(Tok::Word(kind)) = self.next() else {
            return err(off, "expected a geometry type such as POINT or POLYGON");
        };
        let (dims, empty) = self.tag_and_empty();
        let g = match kind.as_str() {
            "POINT" => {
                if empty {
                    return Ok((Geometry::MultiPoint(MultiPoint(vec![])), 0));
                }
                self.expect(Tok::Open, "'('")?;
                let c = self.coord(dims)?;
                self.expect(Tok::Close, "')'")?;
                (Geometry::Point(Point(c)), 0)
            }
            "LINESTRING" | "LINEARRING" => {
                if empty {
                    return Ok((Geometry::MultiLineString(MultiLineString(vec![])), 1));
                }
                (
                    Geometry::LineString(LineString::from(self.coord_list(dims)?)),
                    1,
                )
            }
            "POLYGON" | "TRIANGLE" => {
                if empty {
                    return Ok((Geometry::MultiPolygon(MultiPolygon(vec![])), 2));
                }
                (Geometry::Polygon(self.polygon_body(dims)?), 2)
            }
            "MULTIPOINT" => {
                if empty {
                    return Ok((Geometry::MultiPoint(MultiPoint(vec![])), 0));
                }
                let pts = self.list(|p| {
                    if p.peek() == Some(&Tok::Open) {
                        p.pos += 1;
                        let c = p.coord(dims)?;
                        p.expect(Tok::Close, "')'")?;
                        Ok(Point(c))
                    } else {
                        Ok(Point(p.coord(dims)?))
                    }
                })?;
                (Geometry::MultiPoint(MultiPoint(pts)), 0)
            }
            "MULTILINESTRING" => {
                if empty {
                    return Ok((Geometry::MultiLineString(MultiLineString(vec![])), 1));
                }
                let ls = self.list(|p| p.coord_list(dims).map(LineString::from))?;
                (Geometry::MultiLineString(MultiLineString(ls)), 1)
            }
            "MULTIPOLYGON" => {
                if empty {
                    return Ok((Geometry::MultiPolygon(MultiPolygon(vec![])), 2));
                }
                let ps = self.list(|p| p.polygon_body(dims))?;
                (Geometry::MultiPolygon(MultiPolygon(ps)), 2)
            }
            "GEOMETRYCOLLECTION" => {
                if empty {
                    return Ok((Geometry::GeometryCollection(GeometryCollection(vec![])), 0));
                }
                let gs = self.list(|p| p.geometry())?;
                let dim = gs.iter().map(|g| g.1).max().unwrap_or(0);
                (
                    Geometry::GeometryCollection(GeometryCollection(
                        gs.into_iter().map(|g| g.0).collect(),
                    )),
                    dim,
                )
            }
            other => return err(off, format!("unknown geometry type '{other}'")),
        };
        Ok(g)
    }
}

/// Parses the lexical form of a `geo:wktLiteral`.
pub fn parse_wkt(text: &str) -> Result<Geom, GeomError> {
    let trimmed_start = text.len() - text.trim_start().len();
    let mut rest = text.trim_start();
    let mut base = trimmed_start;
    let mut crs = Crs::Crs84;
    if let Some(after) = rest.strip_prefix('<') {
        let Some(end) = after.find('>') else {
            return err(base, "reference system IRI is not closed with '>'");
        };
        let iri = after[..end].trim();
        crs = match iri {
            CRS84 | "https://www.opengis.net/def/crs/OGC/1.3/CRS84" => Crs::Crs84,
            EPSG4326 | "https://www.opengis.net/def/crs/EPSG/0/4326" => Crs::Epsg4326,
            other => return err(base + 1, format!("unsupported reference system <{other}>")),
        };
        base += end + 2;
        rest = &after[end + 1..];
    }
    let toks = tokenize(rest, base)?;
    if toks.is_empty() {
        // GeoSPARQL 1.1: an empty literal is an empty geometry.
        return Ok(Geom {
            geometry: Geometry::GeometryCollection(GeometryCollection(vec![])),
            crs,
            dimension: 0,
        });
    }
    let mut p = Parser {
        toks,
        pos: 0,
        end: text.len(),
    };
    let (mut geometry, dimension) = p.geometry()?;
    if p.pos < p.toks.len() {
        return err(p.offset(), "unexpected text after the geometry");
    }
    if crs == Crs::Epsg4326 {
        geometry = geometry.map_coords(|c| Coord { x: c.y, y: c.x });
    }
    Ok(Geom {
        geometry,
        crs,
        dimension,
    })
}

/// Parses the lexical form of a `geo:geoJSONLiteral` (RFC 7946: always
/// longitude, latitude).
pub fn parse_geojson(text: &str) -> Result<Geom, GeomError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| GeomError {
        offset: 0,
        message: format!("GeoJSON: {e}"),
    })?;
    let g = geojson_geometry(&v)?;
    Ok(Geom::new(g))
}

fn gj_err<T>(msg: &str) -> Result<T, GeomError> {
    err(0, format!("GeoJSON: {msg}"))
}

fn gj_coord(v: &serde_json::Value) -> Result<Coord<f64>, GeomError> {
    let Some(a) = v.as_array() else {
        return gj_err("a position must be an array");
    };
    match (
        a.first().and_then(|x| x.as_f64()),
        a.get(1).and_then(|x| x.as_f64()),
    ) {
        (Some(x), Some(y)) => Ok(Coord { x, y }),
        _ => gj_err("a position needs two numbers"),
    }
}

fn gj_coords(v: &serde_json::Value) -> Result<Vec<Coord<f64>>, GeomError> {
    let Some(a) = v.as_array() else {
        return gj_err("expected an array of positions");
    };
    a.iter().map(gj_coord).collect()
}

fn gj_polygon(v: &serde_json::Value) -> Result<Polygon<f64>, GeomError> {
    let Some(a) = v.as_array() else {
        return gj_err("expected an array of rings");
    };
    let mut rings = a
        .iter()
        .map(|r| gj_coords(r).map(LineString::from))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter();
    let ext = rings.next().unwrap_or_else(|| LineString(vec![]));
    Ok(Polygon::new(ext, rings.collect()))
}

fn geojson_geometry(v: &serde_json::Value) -> Result<Geometry<f64>, GeomError> {
    let Some(kind) = v.get("type").and_then(|t| t.as_str()) else {
        return gj_err("missing \"type\"");
    };
    if kind == "Feature" {
        return match v.get("geometry") {
            Some(g) if !g.is_null() => geojson_geometry(g),
            _ => Ok(Geometry::GeometryCollection(GeometryCollection(vec![]))),
        };
    }
    if kind == "GeometryCollection" {
        let Some(gs) = v.get("geometries").and_then(|g| g.as_array()) else {
            return gj_err("GeometryCollection needs \"geometries\"");
        };
        return Ok(Geometry::GeometryCollection(GeometryCollection(
            gs.iter().map(geojson_geometry).collect::<Result<_, _>>()?,
        )));
    }
    let Some(c) = v.get("coordinates") else {
        return gj_err("missing \"coordinates\"");
    };
    let empty = c.as_array().is_some_and(|a| a.is_empty());
    Ok(match kind {
        "Point" if empty => Geometry::MultiPoint(MultiPoint(vec![])),
        "Point" => Geometry::Point(Point(gj_coord(c)?)),
        "LineString" if empty => Geometry::MultiLineString(MultiLineString(vec![])),
        "LineString" => Geometry::LineString(LineString::from(gj_coords(c)?)),
        "Polygon" if empty => Geometry::MultiPolygon(MultiPolygon(vec![])),
        "Polygon" => Geometry::Polygon(gj_polygon(c)?),
        "MultiPoint" => {
            Geometry::MultiPoint(MultiPoint(gj_coords(c)?.into_iter().map(Point).collect()))
        }
        "MultiLineString" => Geometry::MultiLineString(MultiLineString(
            c.as_array()
                .map(|a| {
                    a.iter()
                        .map(|l| gj_coords(l).map(LineString::from))
                        .collect()
                })
                .unwrap_or_else(|| gj_err("expected arrays"))?,
        )),
        "MultiPolygon" => Geometry::MultiPolygon(MultiPolygon(
            c.as_array()
                .map(|a| a.iter().map(gj_polygon).collect())
                .unwrap_or_else(|| gj_err("expected arrays"))?,
        )),
        other => return gj_err(&format!("unknown type '{other}'")),
    })
}

fn push_coord(out: &mut String, c: Coord<f64>) {
    use std::fmt::Write;
    let _ = write!(out, "{} {}", c.x, c.y);
}

fn push_coords(out: &mut String, cs: impl Iterator<Item = Coord<f64>>) {
    out.push('(');
    for (i, c) in cs.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_coord(out, c);
    }
    out.push(')');
}

fn push_polygon(out: &mut String, p: &Polygon<f64>) {
    out.push('(');
    push_coords(out, p.exterior().coords().copied());
    for r in p.interiors() {
        out.push_str(", ");
        push_coords(out, r.coords().copied());
    }
    out.push(')');
}

/// Writes a geometry (CRS84) as WKT without a reference-system IRI (CRS84 is
/// the GeoSPARQL default).
pub fn to_wkt(g: &Geometry<f64>) -> String {
    let mut out = String::new();
    write_wkt(&mut out, g);
    out
}

fn write_wkt(out: &mut String, g: &Geometry<f64>) {
    match g {
        Geometry::Point(p) => {
            out.push_str("POINT(");
            push_coord(out, p.0);
            out.push(')');
        }
        Geometry::Line(l) => {
            out.push_str("LINESTRING");
            push_coords(out, [l.start, l.end].into_iter());
        }
        Geometry::LineString(l) => {
            out.push_str("LINESTRING");
            push_coords(out, l.coords().copied());
        }
        Geometry::Polygon(p) => {
            out.push_str("POLYGON");
            push_polygon(out, p);
        }
        Geometry::Rect(r) => write_wkt(out, &Geometry::Polygon(r.to_polygon())),
        Geometry::Triangle(t) => write_wkt(out, &Geometry::Polygon(t.to_polygon())),
        Geometry::MultiPoint(m) if m.0.is_empty() => out.push_str("POINT EMPTY"),
        Geometry::MultiPoint(m) => {
            out.push_str("MULTIPOINT");
            push_coords(out, m.0.iter().map(|p| p.0));
        }
        Geometry::MultiLineString(m) if m.0.is_empty() => out.push_str("LINESTRING EMPTY"),
        Geometry::MultiLineString(m) => {
            out.push_str("MULTILINESTRING(");
            for (i, l) in m.0.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_coords(out, l.coords().copied());
            }
            out.push(')');
        }
        Geometry::MultiPolygon(m) if m.0.is_empty() => out.push_str("POLYGON EMPTY"),
        Geometry::MultiPolygon(m) => {
            out.push_str("MULTIPOLYGON(");
            for (i, p) in m.0.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_polygon(out, p);
            }
            out.push(')');
        }
        Geometry::GeometryCollection(c) if c.0.is_empty() => {
            out.push_str("GEOMETRYCOLLECTION EMPTY")
        }
        Geometry::GeometryCollection(c) => {
            out.push_str("GEOMETRYCOLLECTION(");
            for (i, g) in c.0.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_wkt(out, g);
            }
            out.push(')');
        }
    }
}

fn gj_pos(c: Coord<f64>) -> serde_json::Value {
    serde_json::json!([c.x, c.y])
}

fn gj_ring(l: &LineString<f64>) -> serde_json::Value {
    serde_json::Value::Array(l.coords().map(|c| gj_pos(*c)).collect())
}

fn gj_poly(p: &Polygon<f64>) -> serde_json::Value {
    let mut rings = vec![gj_ring(p.exterior())];
    rings.extend(p.interiors().iter().map(gj_ring));
    serde_json::Value::Array(rings)
}

/// Writes a geometry (CRS84) as a GeoJSON geometry object.
pub fn to_geojson(g: &Geometry<f64>) -> String {
    geojson_value(g).to_string()
}

fn geojson_value(g: &Geometry<f64>) -> serde_json::Value {
    use serde_json::json;
    match g {
        Geometry::Point(p) => json!({"type": "Point", "coordinates": gj_pos(p.0)}),
        Geometry::Line(l) => {
            json!({"type": "LineString", "coordinates": [gj_pos(l.start), gj_pos(l.end)]})
        }
        Geometry::LineString(l) => json!({"type": "LineString", "coordinates": gj_ring(l)}),
        Geometry::Polygon(p) => json!({"type": "Polygon", "coordinates": gj_poly(p)}),
        Geometry::Rect(r) => geojson_value(&Geometry::Polygon(r.to_polygon())),
        Geometry::Triangle(t) => geojson_value(&Geometry::Polygon(t.to_polygon())),
        Geometry::MultiPoint(m) => json!({"type": "MultiPoint",
            "coordinates": m.0.iter().map(|p| gj_pos(p.0)).collect::<Vec<_>>()}),
        Geometry::MultiLineString(m) => json!({"type": "MultiLineString",
            "coordinates": m.0.iter().map(gj_ring).collect::<Vec<_>>()}),
        Geometry::MultiPolygon(m) => json!({"type": "MultiPolygon",
            "coordinates": m.0.iter().map(gj_poly).collect::<Vec<_>>()}),
        Geometry::GeometryCollection(c) => json!({"type": "GeometryCollection",
            "geometries": c.0.iter().map(geojson_value).collect::<Vec<_>>()}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_crs_prefix_case_and_whitespace() {
        let g = parse_wkt(
            "\n  <http://www.opengis.net/def/crs/OGC/1.3/CRS84> Polygon((-83.6 34.1, -83.2 34.1, -83.2 34.5, -83.6 34.1))\n",
        )
        .expect("valid");
        assert_eq!(g.crs, Crs::Crs84);
        assert_eq!(g.dimension, 2);
        let Geometry::Polygon(p) = g.geometry else {
            panic!("polygon expected")
        };
        assert_eq!(p.exterior().0.len(), 4);
    }

    #[test]
    fn epsg4326_swaps_axes() {
        let g = parse_wkt("<http://www.opengis.net/def/crs/EPSG/0/4326> Point(31.95 -88.38)")
            .expect("valid");
        assert_eq!(g.geometry, Geometry::Point(Point::new(-88.38, 31.95)));
        assert_eq!(g.crs, Crs::Epsg4326);
    }

    #[test]
    fn empty_geometries_keep_their_dimension() {
        assert!(parse_wkt("").expect("empty literal").is_empty());
        let l = parse_wkt("LINESTRING EMPTY").expect("valid");
        assert!(l.is_empty());
        assert_eq!(l.dimension, 1);
        assert_eq!(parse_wkt("POINT Z EMPTY").expect("valid").dimension, 0);
    }

    #[test]
    fn z_values_are_dropped_and_multipoint_forms_accepted() {
        let g = parse_wkt("POINT Z (1 2 3)").expect("valid");
        assert_eq!(g.geometry, Geometry::Point(Point::new(1.0, 2.0)));
        let a = parse_wkt("MULTIPOINT((1 2), (3 4))").expect("valid");
        let b = parse_wkt("MULTIPOINT(1 2, 3 4)").expect("valid");
        assert_eq!(a, b);
    }

    #[test]
    fn errors_say_where() {
        // The coordinate "1 x" starts at character 19.
        let e = parse_wkt("POLYGON((0 0, 1 1, 1 x))").expect_err("bad");
        assert_eq!(e.offset, 19);
        assert!(e.message.contains("coordinate"), "{e}");
        let e = parse_wkt("<http://example.org/crs> POINT(1 2)").expect_err("bad crs");
        assert!(e.message.contains("unsupported reference system"), "{e}");
        assert!(parse_wkt("POINT(1)").is_err());
        assert!(parse_wkt("POINT(1 2) x").is_err());
        assert!(parse_wkt("CIRCLE(1 2)").is_err());
    }

    #[test]
    fn wkt_and_geojson_round_trip() {
        for s in [
            "POINT(1 2)",
            "LINESTRING(0 0, 1 1)",
            "POLYGON((0 0, 1 0, 1 1, 0 0), (0.1 0.1, 0.2 0.1, 0.2 0.2, 0.1 0.1))",
            "MULTIPOINT(1 2, 3 4)",
            "MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))",
            "GEOMETRYCOLLECTION(POINT(1 2), LINESTRING(0 0, 1 1))",
        ] {
            let g = parse_wkt(s).expect("valid");
            assert_eq!(to_wkt(&g.geometry), s);
            let back = parse_geojson(&to_geojson(&g.geometry)).expect("geojson");
            assert_eq!(back.geometry, g.geometry, "{s}");
        }
    }
}
