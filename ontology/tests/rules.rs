//! Each rule on a small hand-made graph with known answers.

// Test and example code: a failed expectation ends the run with its message.
#![allow(clippy::expect_used, clippy::panic)]

use ontology::oxigraph::io::RdfFormat;
use ontology::{Entailment, KnowledgeGraph, OutputFormat, QueryOptions};

const PREFIXES: &str = "@prefix bs: <https://blackstart-sim.github.io/ontology#> .\n\
@prefix geo: <http://www.opengis.net/ont/geosparql#> .\n\
@prefix ex: <http://example.org/> .\n\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n\
@prefix schema: <https://schema.org/> .\n\
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n";

fn graph(ttl: &str) -> KnowledgeGraph {
    let kg = KnowledgeGraph::new().expect("store");
    kg.load_bytes(
        ontology::vocab::TURTLE.as_bytes(),
        RdfFormat::Turtle,
        "vocab",
        None,
    )
    .expect("vocab");
    kg.load_bytes(
        format!("{PREFIXES}{ttl}").as_bytes(),
        RdfFormat::Turtle,
        "test",
        None,
    )
    .expect("data");
    kg
}

/// Runs a SELECT of one variable and returns its values (CSV, sorted).
fn select(kg: &KnowledgeGraph, q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let q = format!(
        "PREFIX bs: <https://blackstart-sim.github.io/ontology#> PREFIX ex: <http://example.org/> \
         PREFIX geo: <http://www.opengis.net/ont/geosparql#> {q}"
    );
    kg.run(&q, QueryOptions::default(), OutputFormat::Csv, &mut out)
        .expect("query");
    let text = String::from_utf8(out).expect("utf8");
    let mut v: Vec<String> = text
        .lines()
        .skip(1)
        .map(|l| l.trim().replace("http://example.org/", "ex:"))
        .collect();
    v.sort();
    v
}

#[test]
fn feeds_is_transitive() {
    let kg = graph("ex:s bs:feeds ex:a . ex:a bs:feeds ex:b . ex:b bs:feeds ex:c .");
    let stats = ontology::rules::refresh(&kg, Entailment::None).expect("refresh");
    assert_eq!(stats.feeds, 3); // s->b, s->c, a->c
    assert_eq!(
        select(&kg, "SELECT ?x WHERE { ex:s bs:feeds ?x }"),
        ["ex:a", "ex:b", "ex:c"]
    );
    assert_eq!(
        select(&kg, "SELECT ?x WHERE { ?x bs:feeds ex:c }"),
        ["ex:a", "ex:b", "ex:s"]
    );
}

const FOOTPRINT: &str = "ex:fp a bs:HazardFootprint ; bs:isActive true ; bs:damageProbabilityThreshold 0.3 ;\n\
  geo:hasDefaultGeometry ex:fpg . ex:fpg geo:asWKT \"POLYGON((0 0, 2 0, 2 2, 0 2, 0 0))\"^^geo:wktLiteral .\n\
ex:in_hi geo:hasDefaultGeometry ex:g1 . ex:g1 geo:asWKT \"POINT(1 1)\"^^geo:wktLiteral . ex:in_hi bs:damageProbability 0.5 .\n\
ex:in_lo geo:hasDefaultGeometry ex:g2 . ex:g2 geo:asWKT \"POINT(1.5 0.5)\"^^geo:wktLiteral . ex:in_lo bs:damageProbability 0.1 .\n\
ex:in_none geo:hasDefaultGeometry ex:g3 . ex:g3 geo:asWKT \"POINT(0.5 1.5)\"^^geo:wktLiteral .\n\
ex:out geo:hasDefaultGeometry ex:g4 . ex:g4 geo:asWKT \"POINT(3 3)\"^^geo:wktLiteral . ex:out bs:damageProbability 0.9 .\n\
ex:edge geo:hasDefaultGeometry ex:g5 . ex:g5 geo:asWKT \"POINT(2 1)\"^^geo:wktLiteral .\n";

#[test]
fn at_risk_inside_active_footprint_above_threshold() {
    let kg = graph(FOOTPRINT);
    let stats = ontology::rules::refresh(&kg, Entailment::None).expect("refresh");
    assert_eq!(stats.at_risk, 2);
    // in_hi (0.5 >= 0.3) and in_none (no probability: at risk); not in_lo
    // (0.1), not out (outside), not edge (on the boundary: not within).
    assert_eq!(
        select(&kg, "SELECT ?a WHERE { ?a a bs:AtRisk }"),
        ["ex:in_hi", "ex:in_none"]
    );
    assert_eq!(
        select(&kg, "SELECT ?f WHERE { ex:in_hi bs:atRiskFrom ?f }"),
        ["ex:fp"]
    );
    // Deactivating the footprint and refreshing clears the conclusions.
    kg.update(
        "PREFIX bs: <https://blackstart-sim.github.io/ontology#> PREFIX ex: <http://example.org/> \
               DELETE DATA { ex:fp bs:isActive true } ; INSERT DATA { ex:fp bs:isActive false }",
    )
    .expect("update");
    let stats = ontology::rules::refresh(&kg, Entailment::None).expect("refresh");
    assert_eq!(stats.at_risk, 0);
    assert!(select(&kg, "SELECT ?a WHERE { ?a a bs:AtRisk }").is_empty());
}

#[test]
fn without_power_follows_dark_or_damaged_paths() {
    let kg = graph(
        "ex:sub bs:feeds ex:f1 . ex:sub bs:feeds ex:f2 . ex:f1 bs:feeds ex:l1 . ex:f2 bs:feeds ex:l2 .\n\
         ex:f2 bs:isDamaged true .\n\
         ex:h1 a schema:Hospital ; bs:servedBy ex:l1 .\n\
         ex:h2 a schema:Hospital ; bs:servedBy ex:l2 .\n\
         ex:h3 a schema:Hospital ; bs:servedBy ex:l2 , ex:bat .\n\
         ex:h4 a schema:Hospital ; bs:servedBy ex:l1 ; bs:isEnergised false .\n\
         ex:bat a ex:Battery .",
    );
    let stats = ontology::rules::refresh(&kg, Entailment::Rdfs).expect("refresh");
    // h2: its only path runs through the damaged f2; h4: itself dark; h3 has
    // an intact local battery; h1 is fed through intact f1.
    assert_eq!(stats.without_power, 2);
    assert_eq!(
        select(&kg, "SELECT ?h WHERE { ?h a bs:WithoutPower }"),
        ["ex:h2", "ex:h4"]
    );
    // RDFS: schema:Hospital is a bs:CriticalFacility and a geo:Feature.
    assert_eq!(
        select(&kg, "SELECT ?h WHERE { ?h a bs:CriticalFacility }"),
        ["ex:h1", "ex:h2", "ex:h3", "ex:h4"]
    );
}

#[test]
fn region_rollups_count_at_risk_demand_and_dark_facilities() {
    let kg = graph(&format!(
        "{FOOTPRINT}\n\
         ex:r a bs:Region ; geo:hasDefaultGeometry ex:rg . ex:rg geo:asWKT \"POLYGON((0.9 0.9, 5 0.9, 5 5, 0.9 5, 0.9 0.9))\"^^geo:wktLiteral .\n\
         ex:in_hi bs:demandKw 40.0 . ex:in_none bs:demandKw 7.0 .\n\
         ex:h a schema:Hospital ; bs:inRegion ex:r ; bs:isEnergised false ."
    ));
    ontology::rules::refresh(&kg, Entailment::None).expect("refresh");
    // Within the region: in_hi (1,1) at risk, out (3,3) not at risk; in_none
    // (0.5,1.5) lies outside the region. Facility h is linked and dark.
    assert_eq!(
        select(&kg, "SELECT ?n WHERE { ex:r bs:atRiskAssetCount ?n }"),
        ["1"]
    );
    assert_eq!(
        select(&kg, "SELECT ?n WHERE { ex:r bs:atRiskDemandKw ?n }"),
        ["40"]
    );
    assert_eq!(
        select(&kg, "SELECT ?n WHERE { ex:r bs:facilitiesWithoutPower ?n }"),
        ["1"]
    );
}

#[test]
fn rdfs_subclass_and_subproperty_and_clear() {
    let kg = graph(
        "ex:A rdfs:subClassOf ex:B . ex:B rdfs:subClassOf ex:C . ex:x a ex:A .\n\
         ex:p rdfs:subPropertyOf ex:q . ex:q rdfs:subPropertyOf ex:r . ex:x ex:p ex:y .",
    );
    ontology::rules::refresh(&kg, Entailment::Rdfs).expect("refresh");
    assert_eq!(
        select(&kg, "SELECT ?c WHERE { ex:x a ?c }"),
        ["ex:A", "ex:B", "ex:C"]
    );
    assert_eq!(
        select(&kg, "SELECT ?p WHERE { ex:x ?p ex:y }"),
        ["ex:p", "ex:q", "ex:r"]
    );
    assert_eq!(
        select(
            &kg,
            "SELECT ?c WHERE { ex:A <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?c }"
        ),
        ["ex:B", "ex:C"]
    );
    kg.clear_inferred().expect("clear");
    assert_eq!(select(&kg, "SELECT ?c WHERE { ex:x a ?c }"), ["ex:A"]);
}

#[test]
fn spatial_index_lookups() {
    let kg = graph(FOOTPRINT);
    let idx = ontology::index::SpatialIndex::from_store(kg.store()).expect("index");
    assert_eq!(idx.len(), 6);
    let area = ontology::geom::parse_wkt("POLYGON((0 0, 2 0, 2 2, 0 2, 0 0))")
        .expect("wkt")
        .geometry;
    let names = |v: Vec<usize>| {
        let mut n: Vec<String> = v
            .into_iter()
            .filter_map(|i| idx.get(i))
            .map(|(n, _)| n.to_string())
            .collect();
        n.sort();
        n
    };
    // in_hi, in_lo, in_none and the footprint itself (a geometry lies within itself).
    assert_eq!(names(idx.within(&area)).len(), 4);
    assert_eq!(names(idx.intersecting(&area)).len(), 5); // + edge + the footprint itself
    // Nearby: within 80 km of (1, 1): in_hi (0 m), in_lo and in_none (~78.6 km).
    let near = idx.nearby(geo::Point::new(1.0, 1.0), 80_000.0);
    assert_eq!(near.first().map(|x| x.1), Some(0.0));
    assert!(near.iter().all(|x| x.1 <= 80_000.0));
}

#[test]
fn at_risk_updates_incrementally_when_the_footprint_moves() {
    use ontology::oxigraph::model::{NamedNode, NamedOrBlankNode};
    let kg = graph(FOOTPRINT);
    let mut idx = ontology::index::SpatialIndex::from_store(kg.store()).expect("index");
    let fp = NamedOrBlankNode::from(NamedNode::new_unchecked("http://example.org/fp"));
    assert_eq!(
        ontology::rules::update_at_risk(&kg, &idx, &fp).expect("first"),
        (2, 0)
    );
    // Unchanged: nothing to do.
    assert_eq!(
        ontology::rules::update_at_risk(&kg, &idx, &fp).expect("same"),
        (0, 0)
    );
    // Move the footprint to cover (3, 3) and (1, 1) but not (0.5, 1.5).
    let moved = ontology::geom::parse_wkt("POLYGON((0.8 0.8, 4 0.8, 4 4, 0.8 4, 0.8 0.8))")
        .expect("wkt")
        .geometry;
    idx.insert(fp.clone(), moved);
    // out (0.9 >= 0.3) and edge (2, 1, now inside, no probability) join;
    // in_none leaves; in_hi stays.
    assert_eq!(
        ontology::rules::update_at_risk(&kg, &idx, &fp).expect("moved"),
        (2, 1)
    );
    assert_eq!(
        select(&kg, "SELECT ?a WHERE { ?a a bs:AtRisk }"),
        ["ex:edge", "ex:in_hi", "ex:out"]
    );
    assert_eq!(
        select(&kg, "SELECT ?a WHERE { ?a bs:atRiskFrom ex:fp }"),
        ["ex:edge", "ex:in_hi", "ex:out"]
    );
}
