//! Graphs as edge lists, the form message passing consumes.

use burn::prelude::*;

/// A directed graph over `n` nodes given as an edge list with per-edge
/// features. Undirected networks store each line twice (both directions);
/// see [`Graph::undirected`].
#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    /// Number of nodes.
    pub n: usize,
    /// Source node of every edge.
    pub src: Vec<usize>,
    /// Destination node of every edge (messages flow `src -> dst`).
    pub dst: Vec<usize>,
    /// Edge features, `edge_dim` values per edge, row-major.
    pub edge_feat: Vec<f32>,
    /// Number of features per edge.
    pub edge_dim: usize,
}

impl Graph {
    /// Builds a graph from undirected edges `(a, b, features)`: each becomes
    /// two directed edges with the same features. Self-loops are dropped.
    ///
    /// # Panics
    /// If an endpoint is `>= n` or a feature row is not `edge_dim` long.
    pub fn undirected(n: usize, edges: &[(usize, usize, Vec<f32>)], edge_dim: usize) -> Self {
        let mut g = Graph {
            n,
            src: Vec::with_capacity(2 * edges.len()),
            dst: Vec::with_capacity(2 * edges.len()),
            edge_feat: Vec::with_capacity(2 * edges.len() * edge_dim),
            edge_dim,
        };
        for (a, b, f) in edges {
            assert!(*a < n && *b < n, "edge ({a}, {b}) outside {n} nodes");
            assert_eq!(f.len(), edge_dim, "edge feature length");
            if a == b {
                continue;
            }
            for (s, d) in [(*a, *b), (*b, *a)] {
                g.src.push(s);
                g.dst.push(d);
                g.edge_feat.extend_from_slice(f);
            }
        }
        g
    }

    /// Number of directed edges.
    pub fn num_edges(&self) -> usize {
        self.src.len()
    }

    /// The disjoint union of several graphs (node indices of later graphs
    /// shifted past earlier ones). All must share `edge_dim`.
    ///
    /// # Panics
    /// If the edge feature widths differ.
    pub fn disjoint_union(parts: &[Graph]) -> Graph {
        let edge_dim = parts.first().map_or(0, |g| g.edge_dim);
        let mut out = Graph {
            n: 0,
            src: vec![],
            dst: vec![],
            edge_feat: vec![],
            edge_dim,
        };
        for g in parts {
            assert_eq!(g.edge_dim, edge_dim, "edge_dim differs between parts");
            out.src.extend(g.src.iter().map(|s| s + out.n));
            out.dst.extend(g.dst.iter().map(|d| d + out.n));
            out.edge_feat.extend_from_slice(&g.edge_feat);
            out.n += g.n;
        }
        out
    }

    /// The same graph with nodes renumbered: node `i` becomes `perm[i]`.
    /// Edge order is kept.
    ///
    /// # Panics
    /// If `perm` is not a permutation of `0..n`.
    pub fn permuted(&self, perm: &[usize]) -> Graph {
        assert_eq!(perm.len(), self.n);
        let mut seen = vec![false; self.n];
        for &p in perm {
            assert!(p < self.n && !seen[p], "not a permutation");
            seen[p] = true;
        }
        Graph {
            n: self.n,
            src: self.src.iter().map(|&s| perm[s]).collect(),
            dst: self.dst.iter().map(|&d| perm[d]).collect(),
            edge_feat: self.edge_feat.clone(),
            edge_dim: self.edge_dim,
        }
    }

    /// Moves the graph to `device` as tensors.
    pub fn to_tensors(&self, device: &Device) -> GraphTensors {
        let idx = |v: &[usize]| {
            let v: Vec<i64> = v.iter().map(|&x| x as i64).collect();
            let len = v.len();
            Tensor::<1, Int>::from_data(TensorData::new(v, [len]), device)
        };
        let mut deg = vec![0f32; self.n];
        for &d in &self.dst {
            deg[d] += 1.0;
        }
        let inv_deg: Vec<f32> = deg.iter().map(|&d| 1.0 / d.max(1.0)).collect();
        GraphTensors {
            n: self.n,
            num_edges: self.num_edges(),
            src: idx(&self.src),
            dst: idx(&self.dst),
            edge_feat: Tensor::from_data(
                TensorData::new(self.edge_feat.clone(), [self.num_edges(), self.edge_dim]),
                device,
            ),
            inv_deg: Tensor::from_data(TensorData::new(inv_deg, [self.n, 1]), device),
        }
    }
}

/// A [`Graph`] on a device: index tensors for gather (`src`) and
/// scatter-add (`dst`), edge features and `1 / in-degree` for mean
/// aggregation.
#[derive(Debug, Clone)]
pub struct GraphTensors {
    /// Number of nodes.
    pub n: usize,
    /// Number of directed edges.
    pub num_edges: usize,
    /// `[E]` source indices.
    pub src: Tensor<1, Int>,
    /// `[E]` destination indices.
    pub dst: Tensor<1, Int>,
    /// `[E, edge_dim]` edge features.
    pub edge_feat: Tensor<2>,
    /// `[N, 1]` reciprocal in-degree (1 for isolated nodes).
    pub inv_deg: Tensor<2>,
}
