//! GeoSPARQL 1.1 filter functions (`geof:`) implemented with `geo`, registered
//! as SPARQL extension functions on oxigraph's evaluator.
//!
//! Why not oxigraph's own `spargeo` crate: spargeo 0.5 is built on `geo` 0.31
//! (the workspace uses 0.33, so it would compile a second copy of `geo` and
//! its boolean-operation engine), reads CRS84 only, returns unbound for
//! polygon distances and has no `buffer` or `boundary`. Every function it
//! offers is implemented here too, with the same IRIs, plus those.
//!
//! Conventions:
//! - arguments are `geo:wktLiteral` or `geo:geoJSONLiteral` values (see
//!   [`crate::geom`]); geometry results are written in the kind of the first
//!   argument (WKT by default);
//! - a bad argument (not a geometry, unknown unit, unsupported reference
//!   system) gives an unbound result, the SPARQL convention for a type error;
//! - lengths and areas in metre-based units are geodesic on the WGS 84
//!   ellipsoid (Karney's algorithm via `geographiclib-rs`, as `geo` does);
//!   distances between points are geodesic, distances involving lines or
//!   surfaces are measured in a local equirectangular projection centred
//!   between the two geometries (error below 0.1 % for separations of a few
//!   tens of kilometres); `buffer` with a metre-based unit is computed in the
//!   same kind of local projection around the geometry's bounding-box centre;
//!   with `uom:degree` / `uom:radian` everything is planar in degrees.
//! - empty geometries: `sfDisjoint`/`ehDisjoint`/`rcc8dc` are true, the other
//!   relations false, except that two empty geometries are equal.

use geo::{
    Area, BooleanOps, BoundingRect, Buffer, Centroid, ConvexHull, Coord, Distance, Euclidean,
    Geodesic, GeodesicArea, Geometry, GeometryCollection, Intersects, Length, LineString,
    MapCoords, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon, Relate, Validation,
};
use oxigraph::model::vocab::xsd;
use oxigraph::model::{Literal, NamedNode, NamedNodeRef, Term};
use oxigraph::sparql::SparqlEvaluator;

use crate::geom::{self, Crs, Geom};

/// GeoSPARQL function namespace.
pub const GEOF: &str = "http://www.opengis.net/def/function/geosparql/";
/// GeoSPARQL ontology namespace.
pub const GEO: &str = "http://www.opengis.net/ont/geosparql#";
/// OGC units-of-measure namespace used by GeoSPARQL.
pub const UOM: &str = "http://www.opengis.net/def/uom/OGC/1.0/";
/// Datatype IRI of WKT literals.
pub const WKT_LITERAL: &str = "http://www.opengis.net/ont/geosparql#wktLiteral";
/// Datatype IRI of GeoJSON literals.
pub const GEOJSON_LITERAL: &str = "http://www.opengis.net/ont/geosparql#geoJSONLiteral";

/// A GeoSPARQL function implementation.
pub type GeoFunction = fn(&[Term]) -> Option<Term>;

/// Every implemented function: local name under [`GEOF`] and implementation.
pub const FUNCTIONS: &[(&str, GeoFunction)] = &[
    ("sfEquals", |a| rel(a, Rel::SfEquals)),
    ("sfDisjoint", |a| rel(a, Rel::SfDisjoint)),
    ("sfIntersects", |a| rel(a, Rel::SfIntersects)),
    ("sfTouches", |a| rel(a, Rel::SfTouches)),
    ("sfCrosses", |a| rel(a, Rel::SfCrosses)),
    ("sfWithin", |a| rel(a, Rel::SfWithin)),
    ("sfContains", |a| rel(a, Rel::SfContains)),
    ("sfOverlaps", |a| rel(a, Rel::SfOverlaps)),
    ("ehEquals", |a| rel(a, Rel::SfEquals)),
    ("ehDisjoint", |a| rel(a, Rel::SfDisjoint)),
    ("ehMeet", |a| {
        rel(a, Rel::Pattern(&["FT*******", "F**T*****", "F***T****"]))
    }),
    ("ehOverlap", |a| rel(a, Rel::Pattern(&["T*T***T**"]))),
    ("ehCovers", |a| rel(a, Rel::Pattern(&["T*TFT*FF*"]))),
    ("ehCoveredBy", |a| rel(a, Rel::Pattern(&["TFF*TFT**"]))),
    ("ehInside", |a| rel(a, Rel::Pattern(&["TFF*FFT**"]))),
    ("ehContains", |a| rel(a, Rel::Pattern(&["T*TFF*FF*"]))),
    ("rcc8eq", |a| rel(a, Rel::SfEquals)),
    ("rcc8dc", |a| rel(a, Rel::SfDisjoint)),
    ("rcc8ec", |a| rel(a, Rel::Pattern(&["FFTFTTTTT"]))),
    ("rcc8po", |a| rel(a, Rel::Pattern(&["TTTTTTTTT"]))),
    ("rcc8tppi", |a| rel(a, Rel::Pattern(&["TTTFTTFFT"]))),
    ("rcc8tpp", |a| rel(a, Rel::Pattern(&["TFFTTFTTT"]))),
    ("rcc8ntpp", |a| rel(a, Rel::Pattern(&["TFFTFFTTT"]))),
    ("rcc8ntppi", |a| rel(a, Rel::Pattern(&["TTTFFTFFT"]))),
    ("relate", relate),
    ("distance", distance),
    ("buffer", buffer),
    ("convexHull", convex_hull),
    ("intersection", |a| set_op(a, SetOp::Intersection)),
    ("union", |a| set_op(a, SetOp::Union)),
    ("difference", |a| set_op(a, SetOp::Difference)),
    ("symDifference", |a| set_op(a, SetOp::SymDifference)),
    ("envelope", envelope),
    ("boundary", boundary),
    ("getSRID", get_srid),
    ("area", area),
    ("length", length),
    ("perimeter", perimeter),
    ("centroid", centroid),
    ("dimension", dimension),
    ("coordinateDimension", coordinate_dimension),
    ("spatialDimension", spatial_dimension),
    ("isEmpty", is_empty),
    ("isSimple", is_simple),
    ("asGeoJSON", as_geojson),
    ("asWKT", as_wkt),
    ("minX", |a| bound(a, |r| r.min().x)),
    ("minY", |a| bound(a, |r| r.min().y)),
    ("maxX", |a| bound(a, |r| r.max().x)),
    ("maxY", |a| bound(a, |r| r.max().y)),
];

/// Registers every GeoSPARQL function on a SPARQL evaluator.
pub fn register(mut evaluator: SparqlEvaluator) -> SparqlEvaluator {
    for (name, f) in FUNCTIONS {
        // The IRIs are built from a constant namespace and ASCII local names.
        let iri = NamedNode::new_unchecked(format!("{GEOF}{name}"));
        evaluator = evaluator.with_custom_function(iri, *f);
    }
    evaluator
}

/// Reads a geometry from a literal term (`wktLiteral` or `geoJSONLiteral`).
pub fn term_geom(t: &Term) -> Option<Geom> {
    let Term::Literal(l) = t else { return None };
    match l.datatype().as_str() {
        WKT_LITERAL => geom::parse_wkt(l.value()).ok(),
        GEOJSON_LITERAL => geom::parse_geojson(l.value()).ok(),
        _ => None,
    }
}

fn is_geojson(t: &Term) -> bool {
    matches!(t, Term::Literal(l) if l.datatype().as_str() == GEOJSON_LITERAL)
}

fn geom_term(g: Geometry<f64>, like: &Term) -> Term {
    if is_geojson(like) {
        Literal::new_typed_literal(
            geom::to_geojson(&g),
            NamedNode::new_unchecked(GEOJSON_LITERAL),
        )
        .into()
    } else {
        wkt_term(&g)
    }
}

/// A `geo:wktLiteral` term for a CRS84 geometry.
pub fn wkt_term(g: &Geometry<f64>) -> Term {
    Literal::new_typed_literal(geom::to_wkt(g), NamedNode::new_unchecked(WKT_LITERAL)).into()
}

fn two(args: &[Term]) -> Option<(Geom, Geom)> {
    match args {
        [a, b] => Some((term_geom(a)?, term_geom(b)?)),
        _ => None,
    }
}

/// Spatial relations.
#[derive(Clone, Copy)]
enum Rel {
    SfEquals,
    SfDisjoint,
    SfIntersects,
    SfTouches,
    SfCrosses,
    SfWithin,
    SfContains,
    SfOverlaps,
    /// True when the DE-9IM matrix matches any of the patterns.
    Pattern(&'static [&'static str]),
}

/// Evaluates a spatial relation between two geometries (see the module docs
/// for empty geometries).
fn relation(a: &Geom, b: &Geom, r: Rel) -> bool {
    let (ea, eb) = (a.is_empty(), b.is_empty());
    if ea || eb {
        return match r {
            Rel::SfEquals => ea && eb,
            Rel::SfDisjoint => true,
            Rel::Pattern(p) => p == ["FFTFFTTTT"],
            _ => false,
        };
    }
    let m = a.geometry.relate(&b.geometry);
    match r {
        Rel::SfEquals => m.is_equal_topo(),
        Rel::SfDisjoint => m.is_disjoint(),
        Rel::SfIntersects => m.is_intersects(),
        Rel::SfTouches => m.is_touches(),
        Rel::SfCrosses => m.is_crosses(),
        Rel::SfWithin => m.is_within(),
        Rel::SfContains => m.is_contains(),
        Rel::SfOverlaps => m.is_overlaps(),
        Rel::Pattern(ps) => ps.iter().any(|p| m.matches(p).unwrap_or(false)),
    }
}

/// Whether the named Simple Features relation (`"sfWithin"`, ...) holds.
/// Returns `None` for an unknown name.
pub fn sf_relation(name: &str, a: &Geom, b: &Geom) -> Option<bool> {
    let r = match name {
        "sfEquals" => Rel::SfEquals,
        "sfDisjoint" => Rel::SfDisjoint,
        "sfIntersects" => Rel::SfIntersects,
        "sfTouches" => Rel::SfTouches,
        "sfCrosses" => Rel::SfCrosses,
        "sfWithin" => Rel::SfWithin,
        "sfContains" => Rel::SfContains,
        "sfOverlaps" => Rel::SfOverlaps,
        _ => return None,
    };
    Some(relation(a, b, r))
}

fn rel(args: &[Term], r: Rel) -> Option<Term> {
    let (a, b) = two(args)?;
    Some(Literal::from(relation(&a, &b, r)).into())
}

fn relate(args: &[Term]) -> Option<Term> {
    let [a, b, Term::Literal(p)] = args else {
        return None;
    };
    let (a, b) = (term_geom(a)?, term_geom(b)?);
    let pattern = p.value();
    if pattern.len() != 9 {
        return None;
    }
    if a.is_empty() || b.is_empty() {
        // DE-9IM order: II IB IE BI BB BE EI EB EE. Only the parts of the
        // non-empty geometry meet the other's exterior.
        let dims = |g: &Geom| {
            let d = g.dimension;
            let bd = if d == 0 {
                'F'
            } else {
                char::from(b'0' + d - 1)
            };
            (char::from(b'0' + d), bd)
        };
        let v = if !a.is_empty() {
            let (d, bd) = dims(&a);
            format!("FF{d}FF{bd}FF2")
        } else if !b.is_empty() {
            let (d, bd) = dims(&b);
            format!("FFFFFF{d}{bd}2")
        } else {
            "FFFFFFFF2".to_owned()
        };
        return Some(Literal::from(de9im_matches(&v, pattern)?).into());
    }
    let m = a.geometry.relate(&b.geometry);
    Some(Literal::from(m.matches(pattern).ok()?).into())
}

fn de9im_matches(matrix: &str, pattern: &str) -> Option<bool> {
    let mut ok = true;
    for (m, p) in matrix.chars().zip(pattern.chars()) {
        ok &= match p.to_ascii_uppercase() {
            '*' => true,
            'T' => m != 'F',
            'F' => m == 'F',
            '0' | '1' | '2' => m == p,
            _ => return None,
        };
    }
    Some(ok)
}

/// Length units: factor to metres; `None` inside means planar degrees with
/// the given factor to degrees. Source: OGC units register
/// <http://www.opengis.net/def/uom/OGC/1.0/> and the 1959 international yard
/// and pound agreement (1 ft = 0.3048 m, 1 mi = 1609.344 m); US survey foot
/// 1200/3937 m; nautical mile 1852 m (BIPM SI brochure, table 8).
#[derive(Clone, Copy)]
enum LenUnit {
    Metres(f64),
    Degrees(f64),
}

fn length_unit(t: &Term) -> Option<LenUnit> {
    let iri = match t {
        Term::NamedNode(n) => n.as_str(),
        Term::Literal(l) => l.value(),
        _ => return None,
    };
    let local = iri.strip_prefix(UOM)?;
    Some(match local {
        "metre" | "meter" => LenUnit::Metres(1.0),
        "kilometre" | "kilometer" => LenUnit::Metres(1000.0),
        "centimetre" | "centimeter" => LenUnit::Metres(0.01),
        "millimetre" | "millimeter" => LenUnit::Metres(0.001),
        "foot" | "international_foot" => LenUnit::Metres(0.3048),
        "US_survey_foot" | "surveyFoot" => LenUnit::Metres(1200.0 / 3937.0),
        "yard" => LenUnit::Metres(0.9144),
        "mile" | "statuteMile" => LenUnit::Metres(1609.344),
        "nauticalMile" | "nautical_mile" => LenUnit::Metres(1852.0),
        "degree" => LenUnit::Degrees(1.0),
        "radian" => LenUnit::Degrees(std::f64::consts::PI / 180.0),
        _ => return None,
    })
}

/// Area units: factor to square metres (same sources as the length units;
/// 1 acre = 4046.8564224 m^2, 1 ha = 10 000 m^2).
fn area_unit(t: &Term) -> Option<f64> {
    let Term::NamedNode(n) = t else { return None };
    Some(match n.as_str().strip_prefix(UOM)? {
        "square_metre" | "square_meter" | "m2" => 1.0,
        "square_kilometre" | "square_kilometer" => 1.0e6,
        "hectare" => 1.0e4,
        "acre" => 4_046.856_422_4,
        "square_foot" => 0.3048 * 0.3048,
        "square_mile" | "square_statuteMile" => 1609.344 * 1609.344,
        _ => return None,
    })
}

/// WGS 84 semi-major axis (m) and flattening (NIMA TR8350.2).
const WGS84_A: f64 = 6_378_137.0;
const WGS84_F: f64 = 1.0 / 298.257_223_563;

/// Metres per degree of longitude and of latitude at a latitude (ellipsoidal
/// radii of curvature of WGS 84).
fn metres_per_degree(lat: f64) -> (f64, f64) {
    let e2 = WGS84_F * (2.0 - WGS84_F);
    let s = lat.to_radians().sin();
    let w = (1.0 - e2 * s * s).sqrt();
    let n = WGS84_A / w; // prime vertical radius
    let m = WGS84_A * (1.0 - e2) / (w * w * w); // meridian radius
    let k = std::f64::consts::PI / 180.0;
    (n * lat.to_radians().cos() * k, m * k)
}

/// A local equirectangular projection (metres) around a centre.
struct LocalProj {
    lon0: f64,
    lat0: f64,
    kx: f64,
    ky: f64,
}

impl LocalProj {
    fn new(centre: Coord<f64>) -> Self {
        let (kx, ky) = metres_per_degree(centre.y);
        LocalProj {
            lon0: centre.x,
            lat0: centre.y,
            kx: kx.max(1e-9),
            ky,
        }
    }
    fn fwd(&self, g: &Geometry<f64>) -> Geometry<f64> {
        g.map_coords(|c| Coord {
            x: (c.x - self.lon0) * self.kx,
            y: (c.y - self.lat0) * self.ky,
        })
    }
    fn inv<G: MapCoords<f64, f64, Output = G>>(&self, g: &G) -> G {
        g.map_coords(|c| Coord {
            x: c.x / self.kx + self.lon0,
            y: c.y / self.ky + self.lat0,
        })
    }
}

fn centre(g: &Geometry<f64>) -> Option<Coord<f64>> {
    g.bounding_rect().map(|r| r.center())
}

/// Distance between two geometries in metres (see the module docs).
pub fn distance_metres(a: &Geometry<f64>, b: &Geometry<f64>) -> Option<f64> {
    if let (Geometry::Point(p), Geometry::Point(q)) = (a, b) {
        return Some(Geodesic.distance(*p, *q));
    }
    if a.intersects(b) {
        return Some(0.0);
    }
    let (ca, cb) = (centre(a)?, centre(b)?);
    let proj = LocalProj::new(Coord {
        x: (ca.x + cb.x) / 2.0,
        y: (ca.y + cb.y) / 2.0,
    });
    Some(Euclidean.distance(&proj.fwd(a), &proj.fwd(b)))
}

fn distance(args: &[Term]) -> Option<Term> {
    let [a, b, u] = args else { return None };
    let (a, b) = (term_geom(a)?, term_geom(b)?);
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let v = match length_unit(u)? {
        LenUnit::Metres(f) => distance_metres(&a.geometry, &b.geometry)? / f,
        LenUnit::Degrees(f) => Euclidean.distance(&a.geometry, &b.geometry) / f,
    };
    Some(Literal::from(v).into())
}

fn numeric(t: &Term) -> Option<f64> {
    let Term::Literal(l) = t else { return None };
    let dt = l.datatype();
    if dt == xsd::DOUBLE
        || dt == xsd::FLOAT
        || dt == xsd::DECIMAL
        || dt == xsd::INTEGER
        || dt == xsd::INT
        || dt == xsd::LONG
        || dt == xsd::NON_NEGATIVE_INTEGER
        || dt == xsd::POSITIVE_INTEGER
    {
        l.value()
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
    } else {
        None
    }
}

fn simplify_multi(mp: MultiPolygon<f64>) -> Geometry<f64> {
    if mp.0.len() == 1 {
        let mut v = mp.0;
        v.pop().map_or_else(
            || Geometry::MultiPolygon(MultiPolygon(vec![])),
            Geometry::Polygon,
        )
    } else {
        Geometry::MultiPolygon(mp)
    }
}

/// Buffer of a CRS84 geometry by a distance in metres.
pub fn buffer_metres(g: &Geometry<f64>, metres: f64) -> Option<Geometry<f64>> {
    if !overlay_safe(g) || !metres.is_finite() {
        return None;
    }
    let c = centre(g)?;
    let proj = LocalProj::new(c);
    let out = proj.fwd(g).buffer(metres);
    Some(simplify_multi(proj.inv(&out)))
}

fn buffer(args: &[Term]) -> Option<Term> {
    let [g, r, u] = args else { return None };
    let geom = term_geom(g)?;
    let radius = numeric(r)?;
    if geom.is_empty() {
        return Some(geom_term(geom.geometry, g));
    }
    let out = match length_unit(u)? {
        LenUnit::Metres(f) => buffer_metres(&geom.geometry, radius * f)?,
        LenUnit::Degrees(f) if overlay_safe(&geom.geometry) && (radius * f).is_finite() => {
            simplify_multi(geom.geometry.buffer(radius * f))
        }
        LenUnit::Degrees(_) => return None,
    };
    Some(geom_term(out, g))
}

fn convex_hull(args: &[Term]) -> Option<Term> {
    let [g] = args else { return None };
    let geom = term_geom(g)?;
    if geom.is_empty() {
        return Some(geom_term(geom.geometry, g));
    }
    let hull = geom.geometry.convex_hull();
    let ring = hull.exterior();
    // Degenerate hulls: one point, or a segment.
    let mut distinct: Vec<Coord<f64>> = Vec::new();
    for c in ring.coords() {
        if !distinct.contains(c) {
            distinct.push(*c);
        }
    }
    let out = match distinct.len() {
        0 => return None,
        1 => Geometry::Point(Point(distinct[0])),
        2 => Geometry::LineString(LineString(distinct)),
        _ => Geometry::Polygon(hull),
    };
    Some(geom_term(out, g))
}

#[derive(Clone, Copy)]
enum SetOp {
    Intersection,
    Union,
    Difference,
    SymDifference,
}

fn polygonal(g: &Geometry<f64>) -> Option<MultiPolygon<f64>> {
    match g {
        Geometry::Polygon(p) => Some(MultiPolygon(vec![p.clone()])),
        Geometry::MultiPolygon(m) => Some(m.clone()),
        Geometry::Rect(r) => Some(MultiPolygon(vec![r.to_polygon()])),
        Geometry::Triangle(t) => Some(MultiPolygon(vec![t.to_polygon()])),
        _ => None,
    }
}

fn lineal(g: &Geometry<f64>) -> Option<MultiLineString<f64>> {
    match g {
        Geometry::LineString(l) => Some(MultiLineString(vec![l.clone()])),
        Geometry::Line(l) => Some(MultiLineString(vec![LineString(vec![l.start, l.end])])),
        Geometry::MultiLineString(m) => Some(m.clone()),
        _ => None,
    }
}

fn points(g: &Geometry<f64>) -> Option<Vec<Point<f64>>> {
    match g {
        Geometry::Point(p) => Some(vec![*p]),
        Geometry::MultiPoint(m) => Some(m.0.clone()),
        _ => None,
    }
}

fn multi_points(mut v: Vec<Point<f64>>) -> Geometry<f64> {
    if v.len() == 1 {
        v.pop()
            .map_or_else(|| Geometry::MultiPoint(MultiPoint(vec![])), Geometry::Point)
    } else {
        Geometry::MultiPoint(MultiPoint(v))
    }
}

fn multi_lines(mut m: MultiLineString<f64>) -> Geometry<f64> {
    if m.0.len() == 1 {
        m.0.pop().map_or_else(
            || Geometry::MultiLineString(MultiLineString(vec![])),
            Geometry::LineString,
        )
    } else {
        Geometry::MultiLineString(m)
    }
}

/// The boolean-operation engine (i_overlay) works on a fixed-precision grid,
/// so output vertices that were input vertices come back off by ~1e-10
/// degrees. Each output ordinate within 1e-9 (relative) of an input ordinate
/// is set back to that ordinate.
fn snap_to_inputs(mut out: MultiPolygon<f64>, inputs: &[&Geometry<f64>]) -> MultiPolygon<f64> {
    use geo::{CoordsIter, MapCoordsInPlace};
    let mut xs: Vec<f64> = Vec::new();
    let mut ys: Vec<f64> = Vec::new();
    for g in inputs {
        for c in g.coords_iter() {
            xs.push(c.x);
            ys.push(c.y);
        }
    }
    xs.sort_by(f64::total_cmp);
    ys.sort_by(f64::total_cmp);
    fn snap(v: f64, sorted: &[f64]) -> f64 {
        let i = sorted.partition_point(|&x| x < v);
        let mut best = v;
        let mut best_d = 1e-9 * v.abs().max(1.0);
        for &cand in sorted
            .get(i.saturating_sub(1)..(i + 1).min(sorted.len()))
            .unwrap_or(&[])
        {
            let d = (cand - v).abs();
            if d <= best_d {
                best = cand;
                best_d = d;
            }
        }
        best
    }
    out.map_coords_in_place(|c| Coord {
        x: snap(c.x, &xs),
        y: snap(c.y, &ys),
    });
    out
}

/// Whether the overlay engine (geo's `BooleanOps` and `Buffer`, on
/// `i_overlay`) may be given `g`: finite coordinates, lines of two points or
/// more, polygon rings of four or more (closed rings, as Simple Features
/// requires). A degenerate ring such as `POLYGON((130 32))` makes
/// `i_overlay` underflow an index (found by fuzzing: the `rdf_sparql`
/// target, `geof:buffer`); such geometries are invalid, and the functions
/// that need the overlay leave their result unbound for them.
fn overlay_safe(g: &Geometry<f64>) -> bool {
    fn ring(l: &LineString<f64>) -> bool {
        l.0.len() >= 4 && l.0.iter().all(|c| c.x.is_finite() && c.y.is_finite())
    }
    fn poly(p: &Polygon<f64>) -> bool {
        ring(p.exterior()) && p.interiors().iter().all(ring)
    }
    fn line(l: &LineString<f64>) -> bool {
        l.0.len() >= 2 && l.0.iter().all(|c| c.x.is_finite() && c.y.is_finite())
    }
    match g {
        Geometry::Point(p) => p.x().is_finite() && p.y().is_finite(),
        Geometry::MultiPoint(m) => m.iter().all(|p| p.x().is_finite() && p.y().is_finite()),
        Geometry::Line(l) => [l.start, l.end]
            .iter()
            .all(|c| c.x.is_finite() && c.y.is_finite()),
        Geometry::LineString(l) => line(l),
        Geometry::MultiLineString(m) => m.iter().all(line),
        Geometry::Polygon(p) => poly(p),
        Geometry::MultiPolygon(m) => m.iter().all(poly),
        Geometry::Rect(r) => [r.min(), r.max()]
            .iter()
            .all(|c| c.x.is_finite() && c.y.is_finite()),
        Geometry::Triangle(t) => t
            .to_array()
            .iter()
            .all(|c| c.x.is_finite() && c.y.is_finite()),
        Geometry::GeometryCollection(c) => c.iter().all(overlay_safe),
    }
}

/// Set operations on polygonal geometries (boolean operations), lines against
/// polygons (clipping) and points against anything (membership). Other
/// combinations return `None`.
fn set_operation(a: &Geometry<f64>, b: &Geometry<f64>, op: SetOp) -> Option<Geometry<f64>> {
    if !overlay_safe(a) || !overlay_safe(b) {
        return None;
    }
    if let (Some(pa), Some(pb)) = (polygonal(a), polygonal(b)) {
        let out = match op {
            SetOp::Intersection => pa.intersection(&pb),
            SetOp::Union => pa.union(&pb),
            SetOp::Difference => pa.difference(&pb),
            SetOp::SymDifference => pa.xor(&pb),
        };
        return Some(simplify_multi(snap_to_inputs(out, &[a, b])));
    }
    match op {
        SetOp::Intersection => {
            if let (Some(l), Some(p)) = (lineal(a), polygonal(b)) {
                return Some(multi_lines(p.clip(&l, false)));
            }
            if let (Some(p), Some(l)) = (polygonal(a), lineal(b)) {
                return Some(multi_lines(p.clip(&l, false)));
            }
            if let Some(ps) = points(a) {
                return Some(multi_points(
                    ps.into_iter().filter(|p| p.intersects(b)).collect(),
                ));
            }
            if let Some(ps) = points(b) {
                return Some(multi_points(
                    ps.into_iter().filter(|p| p.intersects(a)).collect(),
                ));
            }
            None
        }
        SetOp::Difference => {
            if let (Some(l), Some(p)) = (lineal(a), polygonal(b)) {
                return Some(multi_lines(p.clip(&l, true)));
            }
            if let Some(ps) = points(a) {
                return Some(multi_points(
                    ps.into_iter().filter(|p| !p.intersects(b)).collect(),
                ));
            }
            if polygonal(a).is_some() && (lineal(b).is_some() || points(b).is_some()) {
                // Removing a lower-dimensional set leaves the point set closure unchanged.
                return Some(a.clone());
            }
            None
        }
        SetOp::Union => {
            if let (Some(pa), Some(pb)) = (points(a), points(b)) {
                let mut v = pa;
                for p in pb {
                    if !v.contains(&p) {
                        v.push(p);
                    }
                }
                return Some(multi_points(v));
            }
            if let (Some(la), Some(lb)) = (lineal(a), lineal(b)) {
                let mut v = la.0;
                v.extend(lb.0);
                return Some(Geometry::MultiLineString(MultiLineString(v)));
            }
            Some(Geometry::GeometryCollection(GeometryCollection(vec![
                a.clone(),
                b.clone(),
            ])))
        }
        SetOp::SymDifference => None,
    }
}

fn set_op(args: &[Term], op: SetOp) -> Option<Term> {
    let [ta, tb] = args else { return None };
    let (a, b) = (term_geom(ta)?, term_geom(tb)?);
    let out = match (a.is_empty(), b.is_empty(), op) {
        (true, _, SetOp::Intersection | SetOp::Difference) => a.geometry,
        (_, true, SetOp::Intersection) => b.geometry,
        (true, _, _) => b.geometry,
        (_, true, _) => a.geometry,
        _ => set_operation(&a.geometry, &b.geometry, op)?,
    };
    Some(geom_term(out, ta))
}

fn envelope(args: &[Term]) -> Option<Term> {
    let [g] = args else { return None };
    let geom = term_geom(g)?;
    let Some(r) = geom.geometry.bounding_rect() else {
        return Some(geom_term(geom.geometry, g));
    };
    let (min, max) = (r.min(), r.max());
    let out = if min == max {
        Geometry::Point(Point(min))
    } else if min.x == max.x || min.y == max.y {
        Geometry::LineString(LineString(vec![min, max]))
    } else {
        let ring = vec![
            min,
            Coord { x: max.x, y: min.y },
            max,
            Coord { x: min.x, y: max.y },
            min,
        ];
        Geometry::Polygon(Polygon::new(LineString(ring), vec![]))
    };
    Some(geom_term(out, g))
}

/// The topological boundary (OGC Simple Features 6.1.2): rings of surfaces,
/// end points of open curves (mod-2 rule), nothing for points.
pub fn boundary_of(g: &Geometry<f64>) -> Geometry<f64> {
    fn rings(p: &Polygon<f64>, out: &mut Vec<LineString<f64>>) {
        out.push(p.exterior().clone());
        out.extend(p.interiors().iter().cloned());
    }
    fn ends(ls: &[LineString<f64>]) -> Vec<Point<f64>> {
        let mut counts: Vec<(Coord<f64>, usize)> = Vec::new();
        for l in ls {
            if l.0.len() < 2 || l.is_closed() {
                continue;
            }
            for c in [l.0[0], l.0[l.0.len() - 1]] {
                match counts.iter_mut().find(|(k, _)| *k == c) {
                    Some(e) => e.1 += 1,
                    None => counts.push((c, 1)),
                }
            }
        }
        counts
            .into_iter()
            .filter(|(_, n)| n % 2 == 1)
            .map(|(c, _)| Point(c))
            .collect()
    }
    match g {
        Geometry::Polygon(_)
        | Geometry::MultiPolygon(_)
        | Geometry::Rect(_)
        | Geometry::Triangle(_) => {
            let mut out = Vec::new();
            for p in polygonal(g).map(|m| m.0).unwrap_or_default() {
                rings(&p, &mut out);
            }
            multi_lines(MultiLineString(out))
        }
        Geometry::Line(_) | Geometry::LineString(_) | Geometry::MultiLineString(_) => {
            let ls = lineal(g).map(|m| m.0).unwrap_or_default();
            let e = ends(&ls);
            if e.is_empty() {
                Geometry::MultiPoint(MultiPoint(vec![]))
            } else {
                multi_points(e)
            }
        }
        Geometry::Point(_) | Geometry::MultiPoint(_) => {
            Geometry::GeometryCollection(GeometryCollection(vec![]))
        }
        Geometry::GeometryCollection(c) => {
            let parts: Vec<_> = c
                .iter()
                .map(boundary_of)
                .filter(|b| !geom::is_empty(b))
                .collect();
            if parts.len() == 1 {
                parts
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| Geometry::GeometryCollection(GeometryCollection(vec![])))
            } else {
                Geometry::GeometryCollection(GeometryCollection(parts))
            }
        }
    }
}

fn boundary(args: &[Term]) -> Option<Term> {
    let [g] = args else { return None };
    let geom = term_geom(g)?;
    Some(geom_term(boundary_of(&geom.geometry), g))
}

fn get_srid(args: &[Term]) -> Option<Term> {
    let [g] = args else { return None };
    let crs = if is_geojson(g) {
        Crs::Crs84
    } else {
        term_geom(g)?.crs
    };
    Some(Literal::new_typed_literal(crs.iri(), xsd::ANY_URI).into())
}

fn area(args: &[Term]) -> Option<Term> {
    let [g, u] = args else { return None };
    let geom = term_geom(g)?;
    let v = match length_unit(u) {
        Some(LenUnit::Degrees(f)) => geom.geometry.unsigned_area() / (f * f),
        _ => geom.geometry.geodesic_area_unsigned() / area_unit(u)?,
    };
    Some(Literal::from(v).into())
}

fn geodesic_length(g: &Geometry<f64>) -> f64 {
    match g {
        Geometry::LineString(l) => Geodesic.length(l),
        Geometry::Line(l) => Geodesic.length(l),
        Geometry::MultiLineString(m) => m.iter().map(|l| Geodesic.length(l)).sum(),
        Geometry::GeometryCollection(c) => c.iter().map(geodesic_length).sum(),
        Geometry::Polygon(_) | Geometry::MultiPolygon(_) | Geometry::Rect(_) => {
            g.geodesic_perimeter()
        }
        _ => 0.0,
    }
}

fn planar_length(g: &Geometry<f64>) -> f64 {
    match g {
        Geometry::LineString(l) => Euclidean.length(l),
        Geometry::Line(l) => Euclidean.length(l),
        Geometry::MultiLineString(m) => m.iter().map(|l| Euclidean.length(l)).sum(),
        Geometry::GeometryCollection(c) => c.iter().map(planar_length).sum(),
        Geometry::Polygon(_) | Geometry::MultiPolygon(_) | Geometry::Rect(_) => {
            let mut out = 0.0;
            for p in polygonal(g).map(|m| m.0).unwrap_or_default() {
                out += Euclidean.length(p.exterior());
                out += p
                    .interiors()
                    .iter()
                    .map(|r| Euclidean.length(r))
                    .sum::<f64>();
            }
            out
        }
        _ => 0.0,
    }
}

fn measured_length(args: &[Term], surfaces_only: bool) -> Option<Term> {
    let [g, u] = args else { return None };
    let geom = term_geom(g)?;
    if surfaces_only && geom.dimension != 2 {
        return None;
    }
    let v = match length_unit(u)? {
        LenUnit::Metres(f) => geodesic_length(&geom.geometry) / f,
        LenUnit::Degrees(f) => planar_length(&geom.geometry) / f,
    };
    Some(Literal::from(v).into())
}

fn length(args: &[Term]) -> Option<Term> {
    measured_length(args, false)
}

fn perimeter(args: &[Term]) -> Option<Term> {
    measured_length(args, true)
}

fn centroid(args: &[Term]) -> Option<Term> {
    let [g] = args else { return None };
    let geom = term_geom(g)?;
    let out = match geom.geometry.centroid() {
        Some(p) => Geometry::Point(p),
        None => Geometry::MultiPoint(MultiPoint(vec![])),
    };
    Some(geom_term(out, g))
}

fn int(v: i64) -> Option<Term> {
    Some(Literal::from(v).into())
}

fn dimension(args: &[Term]) -> Option<Term> {
    let [g] = args else { return None };
    int(i64::from(term_geom(g)?.dimension))
}

fn coordinate_dimension(args: &[Term]) -> Option<Term> {
    let [g] = args else { return None };
    term_geom(g)?;
    // Z and M ordinates are dropped on reading: two ordinates are kept.
    int(2)
}

fn spatial_dimension(args: &[Term]) -> Option<Term> {
    coordinate_dimension(args)
}

fn is_empty(args: &[Term]) -> Option<Term> {
    let [g] = args else { return None };
    Some(Literal::from(term_geom(g)?.is_empty()).into())
}

/// Simple (OGC SF 6.1.2): no anomalous points. Points and multipoints without
/// repeats are simple; curves must not self-intersect except at shared
/// endpoints of a closed ring; surfaces are simple when valid.
fn simple(g: &Geometry<f64>) -> bool {
    use geo::Line;
    fn line_simple(l: &LineString<f64>) -> bool {
        use geo::line_intersection::{LineIntersection, line_intersection};
        let segs: Vec<Line<f64>> = l.lines().filter(|s| s.start != s.end).collect();
        let n = segs.len();
        let closed = l.is_closed();
        for i in 0..n {
            for j in i + 1..n {
                let Some(x) = line_intersection(segs[i], segs[j]) else {
                    continue;
                };
                let shared = if j == i + 1 {
                    Some(segs[i].end)
                } else if closed && i == 0 && j == n - 1 {
                    Some(segs[i].start)
                } else {
                    None
                };
                match (x, shared) {
                    (LineIntersection::SinglePoint { intersection, .. }, Some(c))
                        if intersection == c => {}
                    _ => return false,
                }
            }
        }
        true
    }
    match g {
        Geometry::Point(_) => true,
        Geometry::MultiPoint(m) => {
            let v = &m.0;
            (0..v.len()).all(|i| (i + 1..v.len()).all(|j| v[i] != v[j]))
        }
        Geometry::LineString(l) => line_simple(l),
        Geometry::Line(_) => true,
        Geometry::MultiLineString(m) => m.iter().all(line_simple),
        Geometry::Polygon(_) | Geometry::MultiPolygon(_) | Geometry::Rect(_) => g.is_valid(),
        Geometry::Triangle(_) => true,
        Geometry::GeometryCollection(c) => c.iter().all(simple),
    }
}

fn is_simple(args: &[Term]) -> Option<Term> {
    let [g] = args else { return None };
    Some(Literal::from(simple(&term_geom(g)?.geometry)).into())
}

fn as_geojson(args: &[Term]) -> Option<Term> {
    let [g] = args else { return None };
    let geom = term_geom(g)?;
    Some(
        Literal::new_typed_literal(
            geom::to_geojson(&geom.geometry),
            NamedNode::new_unchecked(GEOJSON_LITERAL),
        )
        .into(),
    )
}

fn as_wkt(args: &[Term]) -> Option<Term> {
    let [g] = args else { return None };
    Some(wkt_term(&term_geom(g)?.geometry))
}

fn bound(args: &[Term], f: fn(&geo::Rect<f64>) -> f64) -> Option<Term> {
    let [g] = args else { return None };
    let r = term_geom(g)?.geometry.bounding_rect()?;
    Some(Literal::from(f(&r)).into())
}

/// The IRI of a GeoSPARQL function by local name.
pub fn function_iri(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{GEOF}{local}"))
}

/// `geo:` IRIs used by the crate.
pub fn geo_iri(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{GEO}{local}"))
}

/// The `geo:wktLiteral` datatype.
pub fn wkt_datatype() -> NamedNodeRef<'static> {
    NamedNodeRef::new_unchecked(WKT_LITERAL)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wkt(s: &str) -> Term {
        Literal::new_typed_literal(s, NamedNode::new_unchecked(WKT_LITERAL)).into()
    }
    fn call(name: &str, args: &[Term]) -> Option<Term> {
        let f = FUNCTIONS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
            .expect("function exists");
        f(args)
    }
    fn as_bool(t: Option<Term>) -> bool {
        match t {
            Some(Term::Literal(l)) => l.value() == "true",
            other => panic!("not a boolean: {other:?}"),
        }
    }
    fn as_f64(t: Option<Term>) -> f64 {
        match t {
            Some(Term::Literal(l)) => l.value().parse().expect("number"),
            other => panic!("not a number: {other:?}"),
        }
    }
    fn metre() -> Term {
        NamedNode::new_unchecked(format!("{UOM}metre")).into()
    }

    /// Found by fuzzing (`rdf_sparql`): a one-point polygon ring made the
    /// overlay engine underflow an index. Invalid rings leave buffer and
    /// the set operations unbound; valid ones still work.
    #[test]
    fn degenerate_rings_leave_overlay_functions_unbound() {
        let bad = wkt("POLYGON((130 32))");
        let good = wkt("POLYGON((130 32, 130.01 32, 130.01 32.01, 130 32.01, 130 32))");
        let r = Term::from(Literal::from(877.0));
        assert_eq!(call("buffer", &[bad.clone(), r.clone(), metre()]), None);
        assert!(call("buffer", &[good.clone(), r, metre()]).is_some());
        for f in ["intersection", "union", "difference", "symDifference"] {
            assert_eq!(call(f, &[bad.clone(), good.clone()]), None, "{f}");
            assert!(call(f, &[good.clone(), good.clone()]).is_some(), "{f}");
        }
    }

    #[test]
    fn relations_on_squares() {
        let a = wkt("POLYGON((0 0, 2 0, 2 2, 0 2, 0 0))");
        let inner = wkt("POLYGON((0.5 0.5, 1 0.5, 1 1, 0.5 1, 0.5 0.5))");
        let right = wkt("POLYGON((2 0, 3 0, 3 1, 2 1, 2 0))");
        assert!(as_bool(call("sfContains", &[a.clone(), inner.clone()])));
        assert!(as_bool(call("sfWithin", &[inner.clone(), a.clone()])));
        assert!(as_bool(call("sfTouches", &[a.clone(), right.clone()])));
        assert!(!as_bool(call("sfOverlaps", &[a.clone(), right.clone()])));
        assert!(as_bool(call("ehMeet", &[a.clone(), right.clone()])));
        assert!(as_bool(call("rcc8ntpp", &[inner.clone(), a.clone()])));
        assert!(as_bool(call("rcc8ec", &[a.clone(), right])));
        let empty = wkt("POINT EMPTY");
        assert!(as_bool(call("sfDisjoint", &[a.clone(), empty.clone()])));
        assert!(!as_bool(call("sfIntersects", &[a, empty.clone()])));
        assert!(as_bool(call("sfEquals", &[empty, wkt("")])));
    }

    #[test]
    fn geodesic_distance_one_degree_of_latitude() {
        // One degree of latitude at the equator on WGS 84 is 110 574.4 m
        // (e.g. NGA/Karney geodesic tables; 110.574 km is the textbook value).
        let d = as_f64(call(
            "distance",
            &[wkt("POINT(0 0)"), wkt("POINT(0 1)"), metre()],
        ));
        assert!((d - 110_574.4).abs() < 1.0, "{d}");
        // Polygon to polygon across a 0.1 degree gap in longitude at 34.35 N:
        // roughly 0.1 * 111 320 m * cos(34.35 deg) = 9 193 m.
        let d = as_f64(call(
            "distance",
            &[
                wkt("POLYGON((-83.2 34.3, -83.0 34.3, -83.0 34.5, -83.2 34.5, -83.2 34.3))"),
                wkt("POLYGON((-83.5 34.2, -83.3 34.2, -83.3 34.4, -83.5 34.4, -83.5 34.2))"),
                metre(),
            ],
        ));
        assert!((d - 9193.0).abs() < 20.0, "{d}");
    }

    #[test]
    fn buffer_in_metres_is_about_the_radius() {
        let out = call(
            "buffer",
            &[wkt("POINT(10 45)"), Literal::from(1000.0).into(), metre()],
        );
        let g = out.as_ref().and_then(term_geom).expect("geometry");
        let r = g.geometry.bounding_rect().expect("rect");
        let (kx, ky) = metres_per_degree(45.0);
        let half_w = (r.max().x - r.min().x) / 2.0 * kx;
        let half_h = (r.max().y - r.min().y) / 2.0 * ky;
        assert!((half_w - 1000.0).abs() < 1.0 && (half_h - 1000.0).abs() < 1.0);
    }

    #[test]
    fn boundary_envelope_and_relate() {
        let poly = wkt("POLYGON((0 0, 4 0, 0 3, 0 0))");
        let b = call("boundary", std::slice::from_ref(&poly))
            .and_then(|t| term_geom(&t))
            .expect("b");
        assert_eq!(b.dimension, 1);
        let e = call("envelope", std::slice::from_ref(&poly))
            .and_then(|t| term_geom(&t))
            .expect("e");
        assert_eq!(
            geom::to_wkt(&e.geometry),
            "POLYGON((0 0, 4 0, 4 3, 0 3, 0 0))"
        );
        let line = wkt("LINESTRING(0 0, 1 1, 2 0)");
        let lb = call("boundary", &[line])
            .and_then(|t| term_geom(&t))
            .expect("lb");
        assert_eq!(geom::to_wkt(&lb.geometry), "MULTIPOINT(0 0, 2 0)");
        let pattern: Term = Literal::new_simple_literal("T*****FF*").into();
        assert!(as_bool(call(
            "relate",
            &[poly.clone(), wkt("POINT(1 1)"), pattern.clone()]
        )));
        assert!(!as_bool(call(
            "relate",
            &[poly, wkt("POINT(9 9)"), pattern]
        )));
    }

    #[test]
    fn bad_arguments_are_unbound() {
        let plain: Term = Literal::new_simple_literal("POINT(1 2)").into();
        assert!(call("sfEquals", &[plain.clone(), plain]).is_none());
        let furlong: Term = NamedNode::new_unchecked(format!("{UOM}furlong")).into();
        assert!(call("distance", &[wkt("POINT(0 0)"), wkt("POINT(1 1)"), furlong]).is_none());
        assert!(call("sfEquals", &[wkt("POINT(0 0)")]).is_none());
    }

    #[test]
    fn simplicity() {
        assert!(as_bool(call(
            "isSimple",
            &[wkt("LINESTRING(0 0, 1 0, 1 1)")]
        )));
        assert!(!as_bool(call(
            "isSimple",
            &[wkt("LINESTRING(0 0, 2 2, 2 0, 0 2)")]
        )));
        assert!(as_bool(call(
            "isSimple",
            &[wkt("LINESTRING(0 0, 1 0, 1 1, 0 0)")]
        )));
    }
}
