//! GeoSPARQL query rewrite (GeoSPARQL 1.0 clause 10 / 1.1 "query rewrite
//! extension"): a triple pattern `S geo:sfWithin O` (and every other
//! `geo:sf*`, `geo:eh*`, `geo:rcc8*` relation) also matches when S and O are
//! spatial objects whose geometries satisfy `geof:sfWithin`. A feature's
//! geometry is the `geo:asWKT` of its `geo:hasDefaultGeometry`; a geometry's is
//! its own `geo:asWKT`.
//!
//! The pattern is replaced by
//! `SELECT DISTINCT S O { { S rel O } UNION { wkt(S) wkt(O) FILTER(geof:rel(..)) } }`
//! so an asserted relation that also holds geometrically appears once.
//! Patterns inside `FILTER EXISTS` are not rewritten.

use spargebra::Query;
use spargebra::algebra::{Expression, Function, GraphPattern};
use spargebra::term::{NamedNodePattern, TermPattern, TriplePattern, Variable};

use crate::functions::{GEO, function_iri, geo_iri};

const RELATIONS: &[&str] = &[
    "sfEquals",
    "sfDisjoint",
    "sfIntersects",
    "sfTouches",
    "sfCrosses",
    "sfWithin",
    "sfContains",
    "sfOverlaps",
    "ehEquals",
    "ehDisjoint",
    "ehMeet",
    "ehOverlap",
    "ehCovers",
    "ehCoveredBy",
    "ehInside",
    "ehContains",
    "rcc8eq",
    "rcc8dc",
    "rcc8ec",
    "rcc8po",
    "rcc8tppi",
    "rcc8tpp",
    "rcc8ntpp",
    "rcc8ntppi",
];

/// Rewrites every topological-relation triple pattern of a query.
pub fn rewrite_query(q: Query) -> Query {
    let mut n = 0;
    match q {
        Query::Select {
            dataset,
            pattern,
            base_iri,
        } => Query::Select {
            dataset,
            pattern: rw(pattern, &mut n),
            base_iri,
        },
        Query::Construct {
            template,
            dataset,
            pattern,
            base_iri,
        } => Query::Construct {
            template,
            dataset,
            pattern: rw(pattern, &mut n),
            base_iri,
        },
        Query::Describe {
            dataset,
            pattern,
            base_iri,
        } => Query::Describe {
            dataset,
            pattern: rw(pattern, &mut n),
            base_iri,
        },
        Query::Ask {
            dataset,
            pattern,
            base_iri,
        } => Query::Ask {
            dataset,
            pattern: rw(pattern, &mut n),
            base_iri,
        },
    }
}

fn relation_of(t: &TriplePattern) -> Option<&'static str> {
    let NamedNodePattern::NamedNode(p) = &t.predicate else {
        return None;
    };
    let local = p.as_str().strip_prefix(GEO)?;
    RELATIONS.iter().copied().find(|r| *r == local)
}

fn b(p: GraphPattern) -> Box<GraphPattern> {
    Box::new(p)
}

fn join(left: GraphPattern, right: GraphPattern) -> GraphPattern {
    GraphPattern::Join {
        left: b(left),
        right: b(right),
    }
}

fn var(name: String) -> Variable {
    Variable::new_unchecked(name)
}

/// `{ x geo:hasDefaultGeometry ?g . ?g geo:asWKT ?w } UNION { x geo:asWKT ?w }`
fn wkt_of(x: &TermPattern, w: &Variable, g: &Variable) -> GraphPattern {
    let as_wkt = geo_iri("asWKT");
    let feature = GraphPattern::Bgp {
        patterns: vec![
            TriplePattern {
                subject: x.clone(),
                predicate: NamedNodePattern::NamedNode(geo_iri("hasDefaultGeometry")),
                object: TermPattern::Variable(g.clone()),
            },
            TriplePattern {
                subject: TermPattern::Variable(g.clone()),
                predicate: NamedNodePattern::NamedNode(as_wkt.clone()),
                object: TermPattern::Variable(w.clone()),
            },
        ],
    };
    let geometry = GraphPattern::Bgp {
        patterns: vec![TriplePattern {
            subject: x.clone(),
            predicate: NamedNodePattern::NamedNode(as_wkt),
            object: TermPattern::Variable(w.clone()),
        }],
    };
    GraphPattern::Union {
        left: b(feature),
        right: b(geometry),
    }
}

fn rewrite_triple(t: TriplePattern, relation: &str, n: &mut usize) -> GraphPattern {
    *n += 1;
    let w1 = var(format!("__geo_rw{n}_w1"));
    let w2 = var(format!("__geo_rw{n}_w2"));
    let g1 = var(format!("__geo_rw{n}_g1"));
    let g2 = var(format!("__geo_rw{n}_g2"));
    let computed = GraphPattern::Filter {
        expr: Expression::FunctionCall(
            Function::Custom(function_iri(relation)),
            vec![
                Expression::Variable(w1.clone()),
                Expression::Variable(w2.clone()),
            ],
        ),
        inner: b(join(
            wkt_of(&t.subject, &w1, &g1),
            wkt_of(&t.object, &w2, &g2),
        )),
    };
    let mut vars = Vec::new();
    for x in [&t.subject, &t.object] {
        if let TermPattern::Variable(v) = x
            && !vars.contains(v)
        {
            vars.push(v.clone());
        }
    }
    let asserted = GraphPattern::Bgp { patterns: vec![t] };
    GraphPattern::Distinct {
        inner: b(GraphPattern::Project {
            inner: b(GraphPattern::Union {
                left: b(asserted),
                right: b(computed),
            }),
            variables: vars,
        }),
    }
}

fn rw(p: GraphPattern, n: &mut usize) -> GraphPattern {
    match p {
        GraphPattern::Bgp { patterns } => {
            if !patterns.iter().any(|t| relation_of(t).is_some()) {
                return GraphPattern::Bgp { patterns };
            }
            let mut plain = Vec::new();
            let mut rewritten = Vec::new();
            for t in patterns {
                match relation_of(&t) {
                    Some(r) => rewritten.push(rewrite_triple(t, r, n)),
                    None => plain.push(t),
                }
            }
            let mut out = GraphPattern::Bgp { patterns: plain };
            for r in rewritten {
                out = join(out, r);
            }
            out
        }
        GraphPattern::Join { left, right } => join(rw(*left, n), rw(*right, n)),
        GraphPattern::LeftJoin {
            left,
            right,
            expression,
        } => GraphPattern::LeftJoin {
            left: b(rw(*left, n)),
            right: b(rw(*right, n)),
            expression,
        },
        GraphPattern::Filter { expr, inner } => GraphPattern::Filter {
            expr,
            inner: b(rw(*inner, n)),
        },
        GraphPattern::Union { left, right } => GraphPattern::Union {
            left: b(rw(*left, n)),
            right: b(rw(*right, n)),
        },
        GraphPattern::Graph { name, inner } => GraphPattern::Graph {
            name,
            inner: b(rw(*inner, n)),
        },
        GraphPattern::Extend {
            inner,
            variable,
            expression,
        } => GraphPattern::Extend {
            inner: b(rw(*inner, n)),
            variable,
            expression,
        },
        GraphPattern::Minus { left, right } => GraphPattern::Minus {
            left: b(rw(*left, n)),
            right: b(rw(*right, n)),
        },
        GraphPattern::OrderBy { inner, expression } => GraphPattern::OrderBy {
            inner: b(rw(*inner, n)),
            expression,
        },
        GraphPattern::Project { inner, variables } => GraphPattern::Project {
            inner: b(rw(*inner, n)),
            variables,
        },
        GraphPattern::Distinct { inner } => GraphPattern::Distinct {
            inner: b(rw(*inner, n)),
        },
        GraphPattern::Reduced { inner } => GraphPattern::Reduced {
            inner: b(rw(*inner, n)),
        },
        GraphPattern::Slice {
            inner,
            start,
            length,
        } => GraphPattern::Slice {
            inner: b(rw(*inner, n)),
            start,
            length,
        },
        GraphPattern::Group {
            inner,
            variables,
            aggregates,
        } => GraphPattern::Group {
            inner: b(rw(*inner, n)),
            variables,
            aggregates,
        },
        other => other,
    }
}
