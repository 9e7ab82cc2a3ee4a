//! Typed construction of the knowledge graph and incremental state updates.
//!
//! Features get the IRI `DATA/<kind>/<id>` and a geometry node
//! `DATA/<kind>/<id>/geom` with `geo:asWKT`; the builder keeps the spatial
//! index in step with the geometries it writes. State (damage, energised,
//! state of charge, footprint activity) is replaced in place by
//! [`GraphBuilder::set_value`]: the old value is removed, the new one
//! inserted; nothing is rebuilt.

use geo::Geometry;
use oxigraph::io::RdfFormat;
use oxigraph::model::{GraphNameRef, Literal, NamedNode, NamedOrBlankNode, Quad, QuadRef, Term};

use crate::functions::{geo_iri, wkt_term};
use crate::graph::{KnowledgeGraph, OntologyError};
use crate::index::SpatialIndex;
use crate::vocab::{self, rdf_type};

/// Builds and updates a [`KnowledgeGraph`].
pub struct GraphBuilder<'a> {
    kg: &'a KnowledgeGraph,
    index: SpatialIndex,
    pending: Vec<Quad>,
}

fn err(e: impl std::fmt::Display) -> OntologyError {
    OntologyError::Evaluation(e.to_string())
}

/// The IRI of a built feature.
pub fn feature_iri(kind: &str, id: &str) -> NamedNode {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-._~".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    NamedNode::new_unchecked(format!("{}{kind}/{safe}", vocab::DATA))
}

impl<'a> GraphBuilder<'a> {
    /// Starts a builder on a graph and loads the blackstart vocabulary into it.
    pub fn new(kg: &'a KnowledgeGraph) -> Result<Self, OntologyError> {
        kg.load_bytes(
            vocab::TURTLE.as_bytes(),
            RdfFormat::Turtle,
            "blackstart.ttl",
            None,
        )?;
        Ok(GraphBuilder {
            kg,
            index: SpatialIndex::from_store(kg.store())?,
            pending: Vec::new(),
        })
    }

    /// Queues a triple in the default graph.
    pub fn triple(&mut self, s: &NamedNode, p: NamedNode, o: impl Into<Term>) {
        self.pending.push(Quad::new(
            s.clone(),
            p,
            o.into(),
            oxigraph::model::GraphName::DefaultGraph,
        ));
    }

    /// Adds a located feature of a class, with a label and a WKT geometry.
    pub fn feature(
        &mut self,
        kind: &str,
        id: &str,
        class: NamedNode,
        label: &str,
        geometry: &Geometry<f64>,
    ) -> NamedNode {
        let f = feature_iri(kind, id);
        let g = NamedNode::new_unchecked(format!("{}/geom", f.as_str()));
        self.triple(&f, rdf_type(), class);
        self.triple(
            &f,
            NamedNode::new_unchecked(format!("{}label", vocab::RDFS)),
            Literal::new_simple_literal(label),
        );
        self.triple(&f, geo_iri("hasDefaultGeometry"), g.clone());
        self.triple(&f, geo_iri("hasGeometry"), g.clone());
        self.triple(&g, rdf_type(), geo_iri("Geometry"));
        self.triple(&g, geo_iri("asWKT"), wkt_term(geometry));
        self.index
            .insert(NamedOrBlankNode::from(f.clone()), geometry.clone());
        f
    }

    /// Writes the queued triples.
    pub fn flush(&mut self) -> Result<(), OntologyError> {
        let batch = std::mem::take(&mut self.pending);
        self.kg.insert_all(batch)
    }

    /// Replaces every value of `(s, p)` in the default graph by `value`
    /// (incremental state update). Flushes queued triples first.
    pub fn set_value(
        &mut self,
        s: &NamedNode,
        p: &NamedNode,
        value: impl Into<Term>,
    ) -> Result<(), OntologyError> {
        self.flush()?;
        let store = self.kg.store();
        let old: Vec<Quad> = store
            .quads_for_pattern(
                Some(s.as_ref().into()),
                Some(p.as_ref()),
                None,
                Some(GraphNameRef::DefaultGraph),
            )
            .collect::<Result<_, _>>()
            .map_err(err)?;
        for q in &old {
            store.remove(q).map_err(err)?;
        }
        let v = value.into();
        store
            .insert(QuadRef::new(s, p, &v, GraphNameRef::DefaultGraph))
            .map_err(err)
    }

    /// The spatial index of the features written so far.
    pub fn index(&self) -> &SpatialIndex {
        &self.index
    }

    /// Flushes and returns the spatial index.
    pub fn finish(mut self) -> Result<SpatialIndex, OntologyError> {
        self.flush()?;
        Ok(self.index)
    }
}
