//! "Which of 100 000 point assets lie in this footprint polygon", with the
//! AtRisk results written, via the R-tree; a full rule refresh on the same
//! graph; and the plain full-scan SPARQL query of the same question.
//!
//! Run: `cargo bench -p ontology --bench spatial`.

// Test and example code: a failed expectation ends the run with its message.
#![allow(clippy::expect_used, clippy::panic)]

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use geo::{Geometry, LineString, Point, Polygon};
use ontology::builder::GraphBuilder;
use ontology::oxigraph::model::Literal;
use ontology::vocab::{bs, cim};
use ontology::{Entailment, KnowledgeGraph, OutputFormat, QueryOptions};

const N: usize = 100_000;

/// Deterministic pseudo-random points (SplitMix64) in a 1 x 1 degree box
/// around Kumamoto (130.2..131.2 E, 32.3..33.3 N).
fn points() -> Vec<(f64, f64)> {
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..N).map(|_| (130.2 + next(), 32.3 + next())).collect()
}

/// A 12-sided footprint covering about 10 % of the box.
fn footprint() -> Geometry<f64> {
    footprint_at(130.7)
}

/// The footprint centred at a longitude.
fn footprint_at(lon: f64) -> Geometry<f64> {
    let ring: Vec<(f64, f64)> = (0..=12)
        .map(|k| {
            let a = std::f64::consts::TAU * (k % 12) as f64 / 12.0;
            (lon + 0.18 * a.cos(), 32.8 + 0.18 * a.sin())
        })
        .collect();
    Geometry::Polygon(Polygon::new(LineString::from(ring), vec![]))
}

fn build() -> (
    KnowledgeGraph,
    ontology::index::SpatialIndex,
    ontology::oxigraph::model::NamedOrBlankNode,
) {
    let kg = KnowledgeGraph::new().expect("store");
    let mut b = GraphBuilder::new(&kg).expect("builder");
    for (i, (lon, lat)) in points().into_iter().enumerate() {
        let a = b.feature(
            "asset",
            &i.to_string(),
            cim("EnergyConsumer"),
            "load",
            &Geometry::Point(Point::new(lon, lat)),
        );
        b.triple(&a, bs("demandKw"), Literal::from(10.0));
    }
    let fp = b.feature(
        "footprint",
        "quake",
        bs("HazardFootprint"),
        "footprint",
        &footprint(),
    );
    b.triple(&fp, bs("isActive"), Literal::from(true));
    let index = b.finish().expect("flush");
    (kg, index, fp.into())
}

fn bench(c: &mut Criterion) {
    let (kg, index, fp) = build();
    let found = ontology::rules::at_risk_for_footprint(&kg, &index, &fp).expect("at risk");
    eprintln!("{} of {N} assets in the footprint", found.len());
    let mut g = c.benchmark_group("ontology_100k_points");
    g.sample_size(20);
    g.bench_function("rtree_within_footprint_and_write_at_risk", |bch| {
        // Clearing the previous results is set-up, not part of the question.
        bch.iter_batched(
            || kg.clear_inferred().expect("clear"),
            |()| {
                ontology::rules::at_risk_for_footprint(&kg, &index, &fp)
                    .expect("at risk")
                    .len()
            },
            BatchSize::PerIteration,
        )
    });
    // The hazard moves: the footprint shifts 0.005 degrees east or back each
    // step; only the change is written.
    let mut index = index;
    kg.clear_inferred().expect("clear");
    ontology::rules::update_at_risk(&kg, &index, &fp).expect("first");
    let mut east = false;
    g.bench_function("moving_footprint_incremental_at_risk", |bch| {
        bch.iter(|| {
            east = !east;
            let lon = if east { 130.705 } else { 130.7 };
            index.insert(fp.clone(), footprint_at(lon));
            ontology::rules::update_at_risk(&kg, &index, &fp).expect("update")
        })
    });
    let index = index;
    g.sample_size(10);
    g.bench_function("full_rule_refresh_rdfs", |bch| {
        bch.iter(|| {
            ontology::rules::refresh_with_index(&kg, &index, Entailment::Rdfs)
                .expect("refresh")
                .total
        })
    });
    let wkt = ontology::geom::to_wkt(&footprint());
    let q = format!(
        "PREFIX geo: <http://www.opengis.net/ont/geosparql#> PREFIX geof: <http://www.opengis.net/def/function/geosparql/> \
         SELECT (COUNT(?a) AS ?n) WHERE {{ ?a geo:hasDefaultGeometry ?g . ?g geo:asWKT ?w \
         FILTER(geof:sfWithin(?w, \"{wkt}\"^^geo:wktLiteral)) }}"
    );
    g.bench_function("sparql_full_scan_sfWithin_count", |bch| {
        bch.iter(|| {
            let mut out = Vec::new();
            kg.run(&q, QueryOptions::default(), OutputFormat::Csv, &mut out)
                .expect("query");
            out.len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
