//! Namespaces and terms. Reused vocabularies (see `vocab/blackstart.ttl` for
//! the alignment): GeoSPARQL, IEC CIM (CGMES 3.0 IRIs), SAREF, SOSA, OWL-Time,
//! schema.org, Brick; blackstart's own namespace only for what they lack.

use oxigraph::model::NamedNode;

/// blackstart's own namespace.
pub const BS: &str = "https://blackstart-sim.github.io/ontology#";
/// IEC CIM (CGMES 3.0).
pub const CIM: &str = "http://iec.ch/TC57/CIM100#";
/// schema.org.
pub const SCHEMA: &str = "https://schema.org/";
/// SOSA.
pub const SOSA: &str = "http://www.w3.org/ns/sosa/";
/// OWL-Time.
pub const TIME: &str = "http://www.w3.org/2006/time#";
/// RDF.
pub const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
/// RDFS.
pub const RDFS: &str = "http://www.w3.org/2000/01/rdf-schema#";
/// XML Schema datatypes.
pub const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
/// Base of instance IRIs made by the builder.
pub const DATA: &str = "https://blackstart-sim.github.io/data/";

/// The blackstart vocabulary as Turtle (classes, properties, labels,
/// comments and the subclass axioms that align it with the reused
/// vocabularies).
pub const TURTLE: &str = include_str!("../vocab/blackstart.ttl");

/// Named graph holding every inferred triple (cleared and recomputed by
/// [`crate::rules::refresh`]).
pub fn inferred_graph() -> NamedNode {
    NamedNode::new_unchecked(format!("{BS}inferred"))
}

/// A term in blackstart's namespace.
pub fn bs(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{BS}{local}"))
}

/// A term in the CIM namespace.
pub fn cim(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{CIM}{local}"))
}

/// `rdf:type`.
pub fn rdf_type() -> NamedNode {
    NamedNode::new_unchecked(format!("{RDF}type"))
}

/// `rdfs:subClassOf`.
pub fn sub_class_of() -> NamedNode {
    NamedNode::new_unchecked(format!("{RDFS}subClassOf"))
}

/// `rdfs:subPropertyOf`.
pub fn sub_property_of() -> NamedNode {
    NamedNode::new_unchecked(format!("{RDFS}subPropertyOf"))
}
