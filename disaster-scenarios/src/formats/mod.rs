//! Readers for real events in standard formats: QuakeML events, USGS
//! ShakeMap `grid.xml`, and IBTrACS v04 best-track CSV (the CLIMADA legacy
//! CSV layout is read by [`crate::wind::Track::read_csv`]).

pub mod ibtracs;
pub mod quakeml;
pub mod shakemap;
pub mod xml;
