//! # grid-model
//!
//! The electrical network of blackstart: buses, branches (lines and
//! transformers), generators, loads, shunts and switches on a petgraph graph;
//! a MATPOWER `.m` importer; topology processing (energised islands, one
//! slack per island); and AC (Newton-Raphson, polar, sparse) and DC power
//! flow, with islands solved in parallel.
//!
//! Units: powers in MW / MVAr, voltages in p.u., angles in degrees at the API
//! boundary (radians inside the solver), impedances in p.u. on the system
//! base (`base_mva`).
//!
//! ```
//! use grid_model::{matpower, pf::{PowerFlow, PfOptions}};
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/case9.m");
//! let net = matpower::read_file(path).unwrap();
//! let mut pf = PowerFlow::new(&net).unwrap();
//! let sol = pf.solve_ac(&PfOptions::default());
//! assert!(sol.converged);
//! // MATPOWER's reference solution for case9: |V| at bus 9 = 0.995631 p.u.
//! let v9 = sol.bus_vm[net.bus_index(9).unwrap()];
//! assert!((v9 - 0.995631).abs() < 1e-6);
//! ```

pub mod assets;
pub mod error;
pub mod export;
pub mod matpower;
pub mod network;
pub mod ops;
pub mod pf;
pub mod topology;

pub use error::{GridError, ParseError};
pub use network::{Branch, Bus, BusKind, Coord, Gen, Load, Network, Priority, Shunt, Switch};
