//! blackstart ontology: a knowledge graph of grid, places, facilities and hazards in oxigraph.
