//! Assets over time (placeholder until the PV physics lands).
