//! `blackstart query`: the GeoSPARQL Compliance Benchmark subset and
//! oxigraph's GeoSPARQL tests (read from `../shared`, skipped with a message
//! when absent: the benchmark is GPL and is not copied into this repository),
//! read-only behaviour, and located errors for malformed RDF and SPARQL.

// Test and example code: a failed expectation ends the run with its message.
#![allow(clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use ontology::oxigraph::model::Term;
use ontology::oxigraph::sparql::results::{
    QueryResultsFormat, QueryResultsParser, SliceQueryResultsParserOutput,
};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_blackstart"))
}

fn shared() -> Option<PathBuf> {
    let p = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .join("../shared/data/ontology/geosparql");
    p.is_dir().then_some(p)
}

/// A parsed result: a boolean or a list of rows (variable, term).
#[derive(Debug)]
enum Res {
    Ask(bool),
    Rows(Vec<Vec<(String, Term)>>),
}

/// oxigraph's results parser does not read CDATA sections, which the
/// benchmark's answer files use: they are turned into escaped text first.
fn decdata(bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    let mut rest: &str = &text;
    while let Some(i) = rest.find("<![CDATA[") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 9..];
        let end = after.find("]]>").unwrap_or(after.len());
        out.push_str(
            &after[..end]
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;"),
        );
        rest = after.get(end + 3..).unwrap_or("");
    }
    out.push_str(rest);
    out.into_bytes()
}

fn parse_srx(bytes: &[u8]) -> Option<Res> {
    let bytes = decdata(bytes);
    match QueryResultsParser::from_format(QueryResultsFormat::Xml)
        .for_slice(&bytes)
        .ok()?
    {
        SliceQueryResultsParserOutput::Boolean(b) => Some(Res::Ask(b)),
        SliceQueryResultsParserOutput::Solutions(s) => {
            let mut rows = Vec::new();
            for sol in s {
                let sol = sol.ok()?;
                rows.push(
                    sol.iter()
                        .map(|(v, t)| (v.as_str().to_owned(), t.clone()))
                        .collect(),
                );
            }
            Some(Res::Rows(rows))
        }
    }
}

const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
const WKT: &str = "http://www.opengis.net/ont/geosparql#wktLiteral";

/// Term comparison as the benchmark's checker does: IRIs exact, any blank
/// node, booleans by value, numbers within 1e-3 relative, WKT geometries
/// topologically equal (vertex order and start independent), other literals
/// exact.
fn same_term(a: &Term, e: &Term) -> bool {
    match (a, e) {
        (Term::NamedNode(x), Term::NamedNode(y)) => x == y,
        (Term::BlankNode(_), Term::BlankNode(_)) => true,
        (Term::Literal(x), Term::Literal(y)) => {
            let (dx, dy) = (x.datatype().as_str(), y.datatype().as_str());
            let num = |d: &str| {
                ["double", "float", "decimal", "integer", "int", "long"]
                    .iter()
                    .any(|t| d == format!("{XSD}{t}"))
            };
            if dx == format!("{XSD}boolean") && dy == dx {
                let b = |v: &str| matches!(v.trim(), "true" | "1");
                return b(x.value()) == b(y.value());
            }
            if num(dx) && num(dy) {
                let (Ok(p), Ok(q)) = (x.value().parse::<f64>(), y.value().parse::<f64>()) else {
                    return false;
                };
                return (p - q).abs() <= 1e-3 * q.abs().max(p.abs()) || (p - q).abs() < 1e-9;
            }
            if dx == WKT && dy == WKT {
                let (Ok(p), Ok(q)) = (
                    ontology::geom::parse_wkt(x.value()),
                    ontology::geom::parse_wkt(y.value()),
                ) else {
                    return false;
                };
                return ontology::functions::sf_relation("sfEquals", &p, &q) == Some(true);
            }
            x == y
        }
        _ => false,
    }
}

fn same(actual: &Res, expected: &Res) -> bool {
    match (actual, expected) {
        (Res::Ask(a), Res::Ask(e)) => a == e,
        (Res::Rows(a), Res::Rows(e)) => {
            if a.len() != e.len() {
                return false;
            }
            let mut rest: Vec<&Vec<(String, Term)>> = a.iter().collect();
            for row in e {
                let pos = rest.iter().position(|r| {
                    r.len() == row.len()
                        && row
                            .iter()
                            .all(|(v, t)| r.iter().any(|(v2, t2)| v == v2 && same_term(t2, t)))
                });
                match pos {
                    Some(i) => {
                        rest.remove(i);
                    }
                    None => return false,
                }
            }
            true
        }
        _ => false,
    }
}

/// Runs every GSB query with the given extra flags; returns the failures.
fn run_gsb(dir: &Path, flags_for: &dyn Fn(&str) -> Vec<&'static str>) -> (usize, Vec<String>) {
    let dataset = dir.join("gsb/dataset/dataset.rdf");
    let mut names: Vec<String> = std::fs::read_dir(dir.join("gsb/queries"))
        .expect("queries dir")
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter_map(|n| n.strip_suffix(".rq").map(str::to_owned))
        .collect();
    names.sort();
    let mut failures = Vec::new();
    for name in &names {
        let out = bin()
            .arg("query")
            .arg("--data")
            .arg(&dataset)
            .arg("--query")
            .arg(dir.join(format!("gsb/queries/{name}.rq")))
            .args(["--format", "xml"])
            .args(flags_for(name))
            .output()
            .expect("run blackstart");
        let actual = parse_srx(&out.stdout);
        let answers = dir.join("gsb/answers");
        let mut expected = vec![answers.join(format!("{name}.srx"))];
        let mut k = 1;
        while answers.join(format!("{name}-alternative-{k}.srx")).exists() {
            expected.push(answers.join(format!("{name}-alternative-{k}.srx")));
            k += 1;
        }
        let ok = actual.as_ref().is_some_and(|a| {
            expected.iter().any(|p| {
                std::fs::read(p)
                    .ok()
                    .and_then(|b| parse_srx(&b))
                    .is_some_and(|e| same(a, &e))
            })
        });
        if !ok {
            failures.push(name.clone());
            eprintln!(
                "  FAIL {name}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
    }
    (names.len(), failures)
}

/// Queries whose expected answers no correct single configuration can give
/// (see the README section "Knowledge graph queries"):
/// - r19-1-1: the benchmark's distances (9387.01 m, 10194.1 m) are not the
///   geodesic distances between the polygons (about 9 190 m and 9 200 m);
/// - r19-2-1: the expected buffer is 10 degrees wide for `10 uom:metre`;
/// - r19-8-1: every expected envelope is a BOX/ENVELOPE string, GML, or a
///   malformed polygon;
/// - r28-3: `my:A geo:sfIntersects ?f` omits A itself and the point
///   geometries inside A, which r28-6 (`?f geo:sfWithin my:A`) lists as
///   within A (within implies intersects).
const WRONG_ANSWERS: &[&str] = &[
    "query-r19-1-1",
    "query-r19-2-1",
    "query-r19-8-1",
    "query-r28-3",
];

#[test]
fn geosparql_compliance_benchmark_subset() {
    let Some(dir) = shared() else {
        println!(
            "SKIPPED: ../shared/data/ontology/geosparql not found (GPL benchmark, not in the repo)"
        );
        return;
    };
    // 1. The plain command, default settings (RDFS entailment, no rewrite).
    let (n, fail_default) = run_gsb(&dir, &|_| vec![]);
    println!(
        "GSB subset, `blackstart query --data dataset.rdf --query q.rq --format xml`: {}/{n} pass; failing: {:?}",
        n - fail_default.len(),
        fail_default
    );
    // 2. Each conformance class with the settings it tests: RDFS entailment
    //    only for the RDFS-entailment requirements (r25, r26), the query
    //    rewrite only for the query-rewrite requirement (r28).
    let (_, fail_class) = run_gsb(&dir, &|name| {
        if name.starts_with("query-r25") || name.starts_with("query-r26") {
            vec!["--entailment", "rdfs"]
        } else if name.starts_with("query-r28") {
            vec!["--entailment", "none", "--geo-rewrite"]
        } else {
            vec!["--entailment", "none"]
        }
    });
    println!(
        "GSB subset, per-conformance-class settings: {}/{n} pass; failing: {:?}",
        n - fail_class.len(),
        fail_class
    );
    assert_eq!(n, 59, "the subset has 59 queries");
    assert_eq!(
        fail_class, WRONG_ANSWERS,
        "only the known-wrong expected answers fail"
    );
    // With one setting for all, the benchmark contradicts itself (r03 vs
    // r25-1, r08-1 vs r25-2, r04-* vs r28-*): what fails is exactly those
    // plus the wrong answers.
    for f in &fail_default {
        assert!(
            WRONG_ANSWERS.contains(&f.as_str())
                || ["query-r03", "query-r08-1"].contains(&f.as_str())
                || f.starts_with("query-r28"),
            "unexpected failure {f}"
        );
    }
}

#[test]
fn oxigraph_geosparql_tests() {
    let Some(dir) = shared() else {
        println!("SKIPPED: ../shared/data/ontology/geosparql/oxigraph-tests not found");
        return;
    };
    let dir = dir.join("oxigraph-tests");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter_map(|n| n.strip_suffix(".rq").map(str::to_owned))
        .collect();
    names.sort();
    let mut failures = Vec::new();
    for name in &names {
        let kg = ontology::KnowledgeGraph::new().expect("store");
        let q = std::fs::read_to_string(dir.join(format!("{name}.rq"))).expect("query");
        let mut out = Vec::new();
        let ok = kg
            .run(
                &q,
                ontology::QueryOptions::default(),
                ontology::OutputFormat::Xml,
                &mut out,
            )
            .is_ok()
            && {
                let e = std::fs::read(dir.join(format!("{name}.srx"))).expect("srx");
                match (parse_srx(&out), parse_srx(&e)) {
                    (Some(a), Some(e)) => same(&a, &e),
                    _ => false,
                }
            };
        if !ok {
            failures.push(name.clone());
            println!("  FAIL {name}: {}", String::from_utf8_lossy(&out));
        }
    }
    println!(
        "oxigraph GeoSPARQL tests: {}/{} pass; failing: {failures:?}",
        names.len() - failures.len(),
        names.len()
    );
    assert_eq!(names.len(), 44);
    // One deliberate difference: oxigraph does not read EPSG:4326 and leaves
    // sfEquals("<EPSG:4326> Point(-83.38 33.95)", "Point(-83.38 33.95)")
    // unbound; here EPSG:4326 is read as latitude, longitude, so the answer
    // is false (they are different places).
    assert_eq!(failures, ["wkt_default_spatial_reference_system"]);
    let kg = ontology::KnowledgeGraph::new().expect("store");
    let mut out = Vec::new();
    kg.run(
        "PREFIX geo: <http://www.opengis.net/ont/geosparql#> PREFIX geof: <http://www.opengis.net/def/function/geosparql/> \
         SELECT (geof:sfEquals(\"<http://www.opengis.net/def/crs/EPSG/0/4326> Point(-83.38 33.95)\"^^geo:wktLiteral, \"Point(-83.38 33.95)\"^^geo:wktLiteral) AS ?r) \
                (geof:sfEquals(\"<http://www.opengis.net/def/crs/EPSG/0/4326> Point(33.95 -83.38)\"^^geo:wktLiteral, \"Point(-83.38 33.95)\"^^geo:wktLiteral) AS ?s) {}",
        ontology::QueryOptions::default(),
        ontology::OutputFormat::Csv,
        &mut out,
    )
    .expect("query");
    assert_eq!(String::from_utf8_lossy(&out), "r,s\r\nfalse,true\r\n");
}

fn write_tmp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("blackstart-query-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

const SMALL: &str = "@prefix ex: <http://example.org/> .\nex:a ex:p 1 .\nex:b ex:p 2 .\n";

#[test]
fn store_is_read_only_without_update() {
    let data = write_tmp("small.ttl", SMALL);
    let upd = "PREFIX ex: <http://example.org/> INSERT DATA { ex:c ex:p 3 }";
    let out = bin()
        .args(["query", upd, "--data"])
        .arg(&data)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("read-only") && err.contains("--update"),
        "{err}"
    );
    // With --update the change is applied (to the in-memory graph; the file
    // is untouched).
    let out = bin()
        .args(["query", upd, "--update", "--data"])
        .arg(&data)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("update applied"));
    assert_eq!(std::fs::read_to_string(&data).expect("read"), SMALL);
    // A query sees the data, in CSV.
    let out = bin()
        .args([
            "query",
            "PREFIX ex: <http://example.org/> SELECT ?s WHERE { ?s ex:p ?o } ORDER BY ?o",
            "--format",
            "csv",
            "--data",
        ])
        .arg(&data)
        .output()
        .expect("run");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "s\r\nhttp://example.org/a\r\nhttp://example.org/b\r\n"
    );
}

#[test]
fn malformed_rdf_and_sparql_give_line_and_column() {
    let bad = write_tmp(
        "bad.ttl",
        "@prefix ex: <http://example.org/> .\nex:a ex:p 1 .\nex:b ex:p \"unclosed .\n",
    );
    let out = bin()
        .args(["query", "SELECT * WHERE { ?s ?p ?o }", "--data"])
        .arg(&bad)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.ttl:3:"), "{err}");
    let good = write_tmp("good.ttl", SMALL);
    // An undeclared prefix on line 3: the parser stops after `ex:p`.
    let q = write_tmp(
        "bad.rq",
        "SELECT ?s WHERE {\n  ?s ?p ?o .\n  ?s ex:p ?o2 .\n}\n",
    );
    let out = bin()
        .args(["query", "--query"])
        .arg(&q)
        .arg("--data")
        .arg(&good)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("invalid SPARQL at line 3, column 6: prefix `ex:` is not declared"),
        "{err}"
    );
    let badxml = write_tmp(
        "bad.rdf",
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n  <rdf:Description rdf:about=\"http://e/a\">\n</rdf:RDF>\n",
    );
    let out = bin()
        .args(["query", "SELECT * WHERE { ?s ?p ?o }", "--data"])
        .arg(&badxml)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.rdf:"), "{err}");
}

fn csv_rows(out: &std::process::Output) -> Vec<String> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .map(str::to_owned)
        .collect()
}

#[test]
fn scenario_graph_and_state_at_a_time() {
    let scenario = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .join("examples/scenarios/kumamoto-2016.toml");
    let q = |extra: &[&str], sparql: &str| {
        let mut c = bin();
        c.arg("query")
            .arg("--scenario")
            .arg(&scenario)
            .args(extra)
            .args(["--format", "csv", sparql]);
        csv_rows(&c.output().expect("run"))
    };
    const P: &str = "PREFIX bs: <https://blackstart-sim.github.io/ontology#> PREFIX cim: <http://iec.ch/TC57/CIM100#> \
                     PREFIX schema: <https://schema.org/> PREFIX geo: <http://www.opengis.net/ont/geosparql#> ";
    // The hospital load is a schema:Hospital and, by RDFS, a critical facility and a feature.
    let hospitals = q(
        &[],
        &format!("{P} SELECT ?h WHERE {{ ?h a schema:Hospital }}"),
    );
    assert_eq!(hospitals.len(), 1, "{hospitals:?}");
    let crit = q(
        &[],
        &format!("{P} SELECT ?h WHERE {{ ?h a bs:CriticalFacility , geo:Feature }}"),
    );
    assert!(crit.contains(&hospitals[0]), "{crit:?}");
    // Every load is served by at least one site; no state without --at.
    let unserved = q(
        &[],
        &format!(
            "{P} SELECT ?l WHERE {{ ?l a cim:EnergyConsumer FILTER NOT EXISTS {{ ?l bs:servedBy ?s }} }}"
        ),
    );
    assert!(unserved.is_empty(), "{unserved:?}");
    assert!(
        q(
            &[],
            &format!("{P} SELECT ?s WHERE {{ ?s bs:isDamaged ?d }}")
        )
        .is_empty()
    );
    // At a time: every site has exactly one damage flag, and a load whose
    // servers are all damaged is without power.
    let sites = q(
        &["--at", "3600"],
        &format!(
            "{P} SELECT ?s WHERE {{ ?s a bs:Asset ; geo:hasGeometry ?g FILTER NOT EXISTS {{ ?s a cim:EnergyConsumer }} }}"
        ),
    );
    let flags = q(
        &["--at", "3600"],
        &format!("{P} SELECT ?s ?d WHERE {{ ?s bs:isDamaged ?d }}"),
    );
    assert_eq!(sites.len(), flags.len(), "{sites:?} {flags:?}");
    let cut_off = q(
        &["--at", "3600"],
        &format!(
            "{P} SELECT ?l WHERE {{ ?l bs:servedBy ?x FILTER NOT EXISTS {{ ?l bs:servedBy ?s . ?s bs:isDamaged false }} }}"
        ),
    );
    let dark = q(
        &["--at", "3600"],
        &format!("{P} SELECT ?l WHERE {{ ?l a bs:WithoutPower }}"),
    );
    for l in &cut_off {
        assert!(
            dark.contains(l),
            "{l} has only damaged servers but is not WithoutPower"
        );
    }
    // A hazard footprint exists and puts some assets at risk.
    let at_risk = q(
        &["--at", "3600"],
        &format!("{P} SELECT ?a WHERE {{ ?a bs:atRiskFrom ?fp . ?fp a bs:HazardFootprint }}"),
    );
    assert!(!at_risk.is_empty());
}
