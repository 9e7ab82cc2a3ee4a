//! The message-passing network, written once for every Burn backend.
//!
//! Burn 0.22 picks the backend at run time through [`Device`]: the same
//! module runs on the pure-Rust CPU backend (`Device::flex()`, the default),
//! on a GPU (`wgpu` feature) and under autodiff (`device.autodiff()`). No
//! type in this file names a backend.
//!
//! Message passing gathers node states along an edge list (`select` on the
//! node axis) and scatter-adds messages back to the destination nodes
//! (`select_assign` with [`IndexingUpdateOp::Add`]); there is no dense
//! adjacency matrix, so memory and time grow with nodes plus edges.

use burn::module::Param;
use burn::prelude::*;
use burn::tensor::IndexingUpdateOp;
use burn::tensor::activation::relu;
use serde::{Deserialize, Serialize};

use crate::graph::GraphTensors;
use crate::rng::SplitMix64;

/// A fully connected layer `y = x W + b` whose weights are drawn from a
/// [`SplitMix64`] stream (Glorot uniform), not from Burn's global RNG.
#[derive(Module, Debug)]
pub struct Dense {
    /// `[d_in, d_out]` weights.
    pub weight: Param<Tensor<2>>,
    /// `[d_out]` bias.
    pub bias: Param<Tensor<1>>,
}

impl Dense {
    /// A layer with Glorot-uniform weights from `rng` and zero bias.
    pub fn new(d_in: usize, d_out: usize, rng: &mut SplitMix64, device: &Device) -> Self {
        let a = (6.0 / (d_in + d_out) as f64).sqrt();
        let w: Vec<f32> = (0..d_in * d_out)
            .map(|_| ((2.0 * rng.next_f64() - 1.0) * a) as f32)
            .collect();
        Dense {
            weight: Param::from_data(TensorData::new(w, [d_in, d_out]), device),
            bias: Param::from_data(TensorData::new(vec![0f32; d_out], [d_out]), device),
        }
    }

    /// Applies the layer to `[rows, d_in]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        x.matmul(self.weight.val()) + self.bias.val().unsqueeze::<2>()
    }

    /// Applies the layer to the last axis of `[b, n, d_in]`.
    pub fn forward3(&self, x: Tensor<3>) -> Tensor<3> {
        let [b, n, d] = x.dims();
        let y = self.forward(x.reshape([b * n, d]));
        let d_out = y.dims()[1];
        y.reshape([b, n, d_out])
    }
}

/// One round of message passing with mean aggregation and a residual
/// update:
///
/// ```text
/// m_e  = relu(W_m [h_src(e) ; h_dst(e) ; f_e])          for every edge e
/// a_i  = (1 / deg_in(i)) * sum_{e : dst(e) = i} m_e      scatter-add
/// h_i' = h_i + relu(W_u [h_i ; a_i])
/// ```
///
/// Every node is treated alike and messages are summed, so renumbering
/// the nodes (and the edge endpoints with them) renumbers the output the
/// same way: the layer is permutation-equivariant.
#[derive(Module, Debug)]
pub struct MessagePassing {
    /// Message function on `[h_src ; h_dst ; edge features]`.
    pub message: Dense,
    /// Update function on `[h ; aggregated messages]`.
    pub update: Dense,
}

impl MessagePassing {
    /// A layer for `hidden`-wide node states and `edge_dim` edge features.
    pub fn new(hidden: usize, edge_dim: usize, rng: &mut SplitMix64, device: &Device) -> Self {
        MessagePassing {
            message: Dense::new(2 * hidden + edge_dim, hidden, rng, device),
            update: Dense::new(2 * hidden, hidden, rng, device),
        }
    }

    /// `h`: `[b, n, hidden]` node states for `b` snapshots of the same graph.
    pub fn forward(&self, h: Tensor<3>, g: &GraphTensors) -> Tensor<3> {
        let [b, n, hidden] = h.dims();
        let e = g.num_edges;
        if e == 0 {
            let zeros = Tensor::zeros([b, n, hidden], &h.device());
            let u = relu(self.update.forward3(Tensor::cat(vec![h.clone(), zeros], 2)));
            return h + u;
        }
        let h_src = h.clone().select(1, g.src.clone());
        let h_dst = h.clone().select(1, g.dst.clone());
        let ef = g.edge_feat.clone().unsqueeze::<3>().repeat_dim(0, b);
        let m = relu(
            self.message
                .forward3(Tensor::cat(vec![h_src, h_dst, ef], 2)),
        );
        let agg = Tensor::<3>::zeros([b, n, hidden], &h.device()).select_assign(
            1,
            g.dst.clone(),
            m,
            IndexingUpdateOp::Add,
        );
        let agg = agg * g.inv_deg.clone().unsqueeze::<3>();
        let u = relu(self.update.forward3(Tensor::cat(vec![h.clone(), agg], 2)));
        h + u
    }
}

/// Shape of a [`Gnn`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GnnConfig {
    /// Input features per node.
    pub in_dim: usize,
    /// Width of the node states.
    pub hidden: usize,
    /// Rounds of message passing.
    pub layers: usize,
    /// Features per edge.
    pub edge_dim: usize,
    /// Outputs per node (24 for a 1..24 h forecast).
    pub out_dim: usize,
}

/// Encoder, `layers` rounds of [`MessagePassing`], decoder, plus a linear
/// skip from the inputs to the outputs (so blends of persistence and
/// same-hour-yesterday are one linear map away).
#[derive(Module, Debug)]
pub struct Gnn {
    /// Input encoder, first layer.
    pub enc1: Dense,
    /// Input encoder, second layer.
    pub enc2: Dense,
    /// Message-passing rounds.
    pub mp: Vec<MessagePassing>,
    /// Decoder hidden layer.
    pub dec1: Dense,
    /// Decoder output layer.
    pub dec2: Dense,
    /// Linear skip from inputs to outputs.
    pub skip: Dense,
}

impl GnnConfig {
    /// A model with weights drawn from `seed`.
    pub fn init(&self, seed: u64, device: &Device) -> Gnn {
        let mut rng = SplitMix64::fork(seed, "gnn-init");
        let h = self.hidden;
        Gnn {
            enc1: Dense::new(self.in_dim, h, &mut rng, device),
            enc2: Dense::new(h, h, &mut rng, device),
            mp: (0..self.layers)
                .map(|_| MessagePassing::new(h, self.edge_dim, &mut rng, device))
                .collect(),
            dec1: Dense::new(h, h, &mut rng, device),
            dec2: Dense::new(h, self.out_dim, &mut rng, device),
            skip: Dense::new(self.in_dim, self.out_dim, &mut rng, device),
        }
    }
}

impl Gnn {
    /// `x`: `[b, n, in_dim]` node inputs for `b` snapshots of graph `g`;
    /// returns `[b, n, out_dim]`.
    pub fn forward(&self, x: Tensor<3>, g: &GraphTensors) -> Tensor<3> {
        let mut h = relu(self.enc2.forward3(relu(self.enc1.forward3(x.clone()))));
        for layer in &self.mp {
            h = layer.forward(h, g);
        }
        self.dec2.forward3(relu(self.dec1.forward3(h))) + self.skip.forward3(x)
    }
}
