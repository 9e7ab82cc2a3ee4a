//! Topology processing: electrical nodes, energised islands and slack choice.
//!
//! - **Electrical nodes**: buses joined by closed, in-service switches form
//!   one node (a zero-impedance connection); every in-service bus belongs to
//!   exactly one node.
//! - **Islands**: connected components of the nodes over in-service branches
//!   (computed with petgraph's union-find over the network graph).
//! - **Slack**: an island is energised when it holds at least one in-service
//!   generator. Its slack (reference) buses are the buses of type `Ref` that
//!   have an in-service generator. If there is none, the rule given by
//!   [`SlackRule`] picks one: by default MATPOWER's (the first PV bus, in
//!   case order, with an in-service generator), or the grid-forming unit with
//!   the most active-power headroom (`Pmax - Pg`, summed per bus; ties go to
//!   the lowest bus index).
//! - Islands without an in-service generator are **de-energised**: their
//!   buses are reported dark and take no part in the power flow.
//!
//! A PV or ref bus without an in-service generator is treated as PQ, as
//! MATPOWER does.

use petgraph::unionfind::UnionFind;

use crate::network::{BusKind, Edge, Network};

/// How a slack bus is chosen in an island that has no `Ref` bus with an
/// in-service generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SlackRule {
    /// MATPOWER's rule: the first PV bus (in case order) with an in-service
    /// generator.
    #[default]
    Matpower,
    /// The bus whose in-service generators have the most active-power
    /// headroom (`Pmax - Pg`); ties go to the lowest bus index.
    MostHeadroom,
}

/// The effective role of a bus in the power flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Fixed P and Q injection.
    Pq,
    /// Fixed P and voltage magnitude.
    Pv,
    /// Slack: fixed voltage magnitude and angle.
    Slack,
    /// Out of service or in a de-energised island.
    Dark,
}

/// One island (a connected set of in-service buses).
#[derive(Debug, Clone, PartialEq)]
pub struct Island {
    /// Bus indices, ascending.
    pub buses: Vec<usize>,
    /// Slack bus indices, ascending (empty when de-energised).
    pub slack: Vec<usize>,
    /// True if the island has a source and is solved.
    pub energised: bool,
}

/// The result of topology processing.
#[derive(Debug, Clone, PartialEq)]
pub struct Topology {
    /// Island of each bus (`None` for buses out of service).
    pub bus_island: Vec<Option<usize>>,
    /// Electrical node of each bus (`None` for buses out of service); nodes
    /// are numbered `0..n_nodes` in order of their first bus.
    pub bus_node: Vec<Option<usize>>,
    /// Number of electrical nodes.
    pub n_nodes: usize,
    /// Islands, in order of their lowest bus index.
    pub islands: Vec<Island>,
    /// Role of each bus.
    pub role: Vec<Role>,
}

impl Topology {
    /// Processes the topology of `net`.
    pub fn new(net: &Network, rule: SlackRule) -> Topology {
        let nb = net.buses.len();
        let g = net.graph();
        // Electrical nodes: union over closed switches.
        let mut sw = UnionFind::<usize>::new(nb);
        let mut isl = UnionFind::<usize>::new(nb);
        for e in g.edge_indices() {
            let Some(&w) = g.edge_weight(e) else { continue };
            if !net.edge_conducts(w) {
                continue;
            }
            let Some((a, b)) = g.edge_endpoints(e) else {
                continue;
            };
            if let Edge::Switch(_) = w {
                sw.union(a.index(), b.index());
            }
            isl.union(a.index(), b.index());
        }
        let mut bus_node = vec![None; nb];
        let mut node_of_root = vec![usize::MAX; nb];
        let mut n_nodes = 0;
        for i in 0..nb {
            if !net.buses[i].in_service {
                continue;
            }
            let r = sw.find(i);
            if node_of_root[r] == usize::MAX {
                node_of_root[r] = n_nodes;
                n_nodes += 1;
            }
            bus_node[i] = Some(node_of_root[r]);
        }
        // Which buses have an in-service generator.
        let mut has_gen = vec![false; nb];
        let mut headroom = vec![0.0f64; nb];
        for g in &net.gens {
            if g.in_service && net.buses[g.bus].in_service {
                has_gen[g.bus] = true;
                let h = g.pmax_mw - g.pg_mw;
                if h.is_finite() {
                    headroom[g.bus] += h;
                }
            }
        }
        let mut island_of_root = vec![usize::MAX; nb];
        let mut islands: Vec<Island> = Vec::new();
        let mut bus_island = vec![None; nb];
        for i in 0..nb {
            if !net.buses[i].in_service {
                continue;
            }
            let r = isl.find(i);
            if island_of_root[r] == usize::MAX {
                island_of_root[r] = islands.len();
                islands.push(Island {
                    buses: Vec::new(),
                    slack: Vec::new(),
                    energised: false,
                });
            }
            let k = island_of_root[r];
            islands[k].buses.push(i);
            bus_island[i] = Some(k);
        }
        let mut role = vec![Role::Dark; nb];
        for island in &mut islands {
            let gen_buses: Vec<usize> = island
                .buses
                .iter()
                .copied()
                .filter(|&b| has_gen[b])
                .collect();
            if gen_buses.is_empty() {
                continue;
            }
            island.energised = true;
            let mut slack: Vec<usize> = gen_buses
                .iter()
                .copied()
                .filter(|&b| net.buses[b].kind == BusKind::Ref)
                .collect();
            if slack.is_empty() {
                let pick = match rule {
                    SlackRule::Matpower => gen_buses
                        .iter()
                        .copied()
                        .find(|&b| net.buses[b].kind == BusKind::Pv)
                        .unwrap_or(gen_buses[0]),
                    SlackRule::MostHeadroom => {
                        let mut best = gen_buses[0];
                        for &b in &gen_buses[1..] {
                            if headroom[b] > headroom[best] {
                                best = b;
                            }
                        }
                        best
                    }
                };
                slack.push(pick);
            }
            for &b in &island.buses {
                role[b] = if has_gen[b] && matches!(net.buses[b].kind, BusKind::Pv | BusKind::Ref) {
                    Role::Pv
                } else {
                    Role::Pq
                };
            }
            for &b in &slack {
                role[b] = Role::Slack;
            }
            island.slack = slack;
        }
        Topology {
            bus_island,
            bus_node,
            n_nodes,
            islands,
            role,
        }
    }

    /// Number of energised islands.
    pub fn energised_islands(&self) -> usize {
        self.islands.iter().filter(|i| i.energised).count()
    }
}
