//! blackstart ontology: a knowledge graph of grid, places, facilities and
//! hazards in oxigraph, with GeoSPARQL functions, a spatial index and rules.
//!
//! - [`graph::KnowledgeGraph`]: the store (in memory; on disk with the
//!   `rocksdb` feature), RDF loading with located errors, read-only queries,
//!   explicit updates, results in the SPARQL JSON/XML/CSV/TSV formats;
//! - [`functions`]: the GeoSPARQL 1.1 filter functions on WKT and GeoJSON;
//! - [`rewrite`]: the GeoSPARQL query-rewrite extension for relation
//!   predicates;
//! - [`index::SpatialIndex`]: an R-tree over feature geometries;
//! - [`rules`]: feeds closure, AtRisk, WithoutPower, region roll-ups, RDFS,
//!   into a named graph that is cleared and recomputed;
//! - [`builder::GraphBuilder`]: typed construction of the graph and
//!   incremental state updates;
//! - [`vocab`]: namespaces and the blackstart vocabulary (Turtle).

pub mod builder;
pub mod functions;
pub mod geom;
pub mod graph;
pub mod index;
pub mod rewrite;
pub mod rules;
pub mod vocab;

pub use graph::{Entailment, KnowledgeGraph, OntologyError, OutputFormat, QueryOptions};

/// The oxigraph version this crate is built on (for callers that need its
/// model types without a second dependency line).
pub use oxigraph;
