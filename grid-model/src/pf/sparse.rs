//! A sparse LU factorisation specialised for power-flow matrices.
//!
//! Power-flow matrices (the bus admittance matrix, the Newton-Raphson
//! Jacobian in bus-block form, the DC `B` matrix) have a symmetric sparsity
//! pattern that follows the network graph. This module therefore:
//!
//! 1. orders the nodes by **minimum degree** on the node graph (exact
//!    minimum degree with explicit fill; ties broken by the lowest node index,
//!    so the ordering is deterministic), which at the same time yields the
//!    filled pattern of the factors;
//! 2. stores the filled matrix row by row (CSR) in that order, so the
//!    Jacobian is assembled directly into the factor's storage;
//! 3. factorises **in place** with a row-oriented (IKJ, "up-looking")
//!    Doolittle LU on small dense blocks (1x1 for DC, 2x2 for the polar
//!    Jacobian, where each bus has the unknowns (angle, magnitude)), with
//!    static pivoting: the block diagonal is inverted exactly and no row
//!    exchanges are made. This is the usual choice for power-flow Jacobians,
//!    which are block diagonally dominant in practice; a singular or non-finite
//!    diagonal block is reported as an error, never a panic.
//!
//! The symbolic part (ordering and pattern) is computed once per topology
//! and reused for every numeric factorisation.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A dense block of the matrix (1x1 or 2x2) and its vector counterpart.
pub trait Block: Copy + Send + Sync + std::fmt::Debug {
    /// The vector segment of one node.
    type Vec: Copy + Send + Sync + std::fmt::Debug;
    /// The zero block.
    const ZERO: Self;
    /// The zero vector segment.
    const VZERO: Self::Vec;
    /// `self * other`.
    fn mul(self, other: Self) -> Self;
    /// `self -= a * b`.
    fn sub_mul(&mut self, a: Self, b: Self);
    /// The inverse, or `None` if singular or not finite.
    fn inv(self) -> Option<Self>;
    /// `v -= self * x`.
    fn sub_mul_vec(self, v: &mut Self::Vec, x: Self::Vec);
    /// `self * v`.
    fn mul_vec(self, v: Self::Vec) -> Self::Vec;
}

impl Block for f64 {
    type Vec = f64;
    const ZERO: Self = 0.0;
    const VZERO: f64 = 0.0;
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        self * o
    }
    #[inline(always)]
    fn sub_mul(&mut self, a: Self, b: Self) {
        *self -= a * b;
    }
    #[inline(always)]
    fn inv(self) -> Option<Self> {
        let r = 1.0 / self;
        (self != 0.0 && r.is_finite()).then_some(r)
    }
    #[inline(always)]
    fn sub_mul_vec(self, v: &mut f64, x: f64) {
        *v -= self * x;
    }
    #[inline(always)]
    fn mul_vec(self, v: f64) -> f64 {
        self * v
    }
}

/// A 2x2 block stored row-major: `[a00, a01, a10, a11]`.
pub type B2 = [f64; 4];

impl Block for B2 {
    type Vec = [f64; 2];
    const ZERO: Self = [0.0; 4];
    const VZERO: [f64; 2] = [0.0; 2];
    #[inline(always)]
    fn mul(self, b: Self) -> Self {
        let a = self;
        [
            a[0] * b[0] + a[1] * b[2],
            a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2],
            a[2] * b[1] + a[3] * b[3],
        ]
    }
    #[inline(always)]
    fn sub_mul(&mut self, a: Self, b: Self) {
        self[0] -= a[0] * b[0] + a[1] * b[2];
        self[1] -= a[0] * b[1] + a[1] * b[3];
        self[2] -= a[2] * b[0] + a[3] * b[2];
        self[3] -= a[2] * b[1] + a[3] * b[3];
    }
    #[inline(always)]
    fn inv(self) -> Option<Self> {
        let a = self;
        let det = a[0] * a[3] - a[1] * a[2];
        let scale = a.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        if !(det.is_finite() && scale.is_finite())
            || det.abs() <= 1e-300
            || det.abs() <= f64::EPSILON * scale * scale * 1e-6
        {
            return None;
        }
        let d = 1.0 / det;
        Some([a[3] * d, -a[1] * d, -a[2] * d, a[0] * d])
    }
    #[inline(always)]
    fn sub_mul_vec(self, v: &mut [f64; 2], x: [f64; 2]) {
        v[0] -= self[0] * x[0] + self[1] * x[1];
        v[1] -= self[2] * x[0] + self[3] * x[1];
    }
    #[inline(always)]
    fn mul_vec(self, v: [f64; 2]) -> [f64; 2] {
        [
            self[0] * v[0] + self[1] * v[1],
            self[2] * v[0] + self[3] * v[1],
        ]
    }
}

/// The symbolic factorisation: an elimination order and the filled pattern,
/// stored row by row in elimination order.
#[derive(Debug, Clone)]
pub struct Symbolic {
    /// `perm[k]` = original node eliminated at step `k`.
    pub perm: Vec<usize>,
    /// `iperm[node]` = step at which `node` is eliminated.
    pub iperm: Vec<usize>,
    /// Row pointers into `col` (length n + 1).
    pub row_ptr: Vec<usize>,
    /// Column indices (in elimination order), sorted within each row.
    pub col: Vec<u32>,
    /// Position of the diagonal entry of each row in `col`.
    pub diag: Vec<usize>,
}

impl Symbolic {
    /// Number of rows.
    pub fn n(&self) -> usize {
        self.diag.len()
    }

    /// Number of stored blocks (including fill).
    pub fn nnz(&self) -> usize {
        self.col.len()
    }

    /// Orders `n` nodes with the given undirected adjacency (self loops and
    /// duplicates are ignored) by minimum degree and computes the filled
    /// pattern.
    pub fn analyse(n: usize, adj: &[Vec<usize>]) -> Symbolic {
        // Current (filled) neighbour sets of uneliminated nodes, kept sorted.
        let mut nb: Vec<Vec<u32>> = (0..n)
            .map(|i| {
                let mut v: Vec<u32> = adj
                    .get(i)
                    .map(|a| {
                        a.iter()
                            .filter(|&&j| j != i && j < n)
                            .map(|&j| j as u32)
                            .collect()
                    })
                    .unwrap_or_default();
                v.sort_unstable();
                v.dedup();
                v
            })
            .collect();
        // Make symmetric (in case the caller gave one direction only).
        for i in 0..n {
            for k in 0..nb[i].len() {
                let j = nb[i][k] as usize;
                if let Err(p) = nb[j].binary_search(&(i as u32)) {
                    nb[j].insert(p, i as u32);
                }
            }
        }
        let mut eliminated = vec![false; n];
        let mut heap: BinaryHeap<Reverse<(usize, usize)>> =
            (0..n).map(|i| Reverse((nb[i].len(), i))).collect();
        let mut perm = Vec::with_capacity(n);
        let mut upper: Vec<Vec<u32>> = vec![Vec::new(); n]; // original ids
        let mut merged: Vec<u32> = Vec::new();
        while let Some(Reverse((deg, v))) = heap.pop() {
            if eliminated[v] || deg != nb[v].len() {
                continue;
            }
            eliminated[v] = true;
            perm.push(v);
            let nv = std::mem::take(&mut nb[v]);
            for &u in &nv {
                let u = u as usize;
                // N(u) <- (N(u) ∪ N(v)) \ {u, v}
                merged.clear();
                let a = &nb[u];
                let (mut x, mut y) = (0, 0);
                while x < a.len() || y < nv.len() {
                    let take = match (a.get(x), nv.get(y)) {
                        (Some(&p), Some(&q)) if p == q => {
                            x += 1;
                            y += 1;
                            p
                        }
                        (Some(&p), Some(&q)) if p < q => {
                            x += 1;
                            p
                        }
                        (Some(_), Some(&q)) => {
                            y += 1;
                            q
                        }
                        (Some(&p), None) => {
                            x += 1;
                            p
                        }
                        (None, Some(&q)) => {
                            y += 1;
                            q
                        }
                        (None, None) => break,
                    };
                    if take as usize != u && take as usize != v {
                        merged.push(take);
                    }
                }
                std::mem::swap(&mut nb[u], &mut merged);
                heap.push(Reverse((nb[u].len(), u)));
            }
            upper[v] = nv;
        }
        let mut iperm = vec![0usize; n];
        for (k, &v) in perm.iter().enumerate() {
            iperm[v] = k;
        }
        // Rows in elimination order: lower part = transpose of upper part.
        let mut lower: Vec<Vec<u32>> = vec![Vec::new(); n];
        let mut up_rows: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (k, &v) in perm.iter().enumerate() {
            let mut row: Vec<u32> = upper[v].iter().map(|&u| iperm[u as usize] as u32).collect();
            row.sort_unstable();
            for &j in &row {
                lower[j as usize].push(k as u32); // pushed in increasing k
            }
            up_rows[k] = row;
        }
        let mut row_ptr = Vec::with_capacity(n + 1);
        let mut col = Vec::new();
        let mut diag = Vec::with_capacity(n);
        row_ptr.push(0);
        for k in 0..n {
            col.extend_from_slice(&lower[k]);
            diag.push(col.len());
            col.push(k as u32);
            col.extend_from_slice(&up_rows[k]);
            row_ptr.push(col.len());
        }
        Symbolic {
            perm,
            iperm,
            row_ptr,
            col,
            diag,
        }
    }

    /// Position of entry (row, col) (both in elimination order) in the
    /// storage, if it is in the pattern.
    pub fn position(&self, row: usize, col: usize) -> Option<usize> {
        let (a, b) = (self.row_ptr[row], self.row_ptr[row + 1]);
        self.col[a..b]
            .binary_search(&(col as u32))
            .ok()
            .map(|p| a + p)
    }
}

/// Numeric factorisation failed: a diagonal block was singular or not finite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SingularBlock {
    /// Row (in elimination order) where it happened.
    pub row: usize,
}

/// Numeric LU factors stored in place over a [`Symbolic`] pattern.
#[derive(Debug, Clone)]
pub struct Lu<B: Block> {
    /// Values, aligned with `Symbolic::col`. Before [`Lu::factor`] they hold
    /// the matrix (fill positions zero); after, L (unit block lower,
    /// strictly below the diagonal) and U (on and above).
    pub val: Vec<B>,
    inv_diag: Vec<B>,
    map: Vec<usize>,
}

impl<B: Block> Lu<B> {
    /// Allocates storage for a pattern.
    pub fn new(sym: &Symbolic) -> Self {
        Lu {
            val: vec![B::ZERO; sym.nnz()],
            inv_diag: vec![B::ZERO; sym.n()],
            map: vec![0; sym.n()],
        }
    }

    /// Sets every stored value to zero.
    pub fn clear(&mut self) {
        self.val.fill(B::ZERO);
    }

    /// Factorises in place.
    pub fn factor(&mut self, sym: &Symbolic) -> Result<(), SingularBlock> {
        let n = sym.n();
        let col = &sym.col[..];
        let val = &mut self.val[..];
        let map = &mut self.map[..];
        for i in 0..n {
            let (rs, re, di) = (sym.row_ptr[i], sym.row_ptr[i + 1], sym.diag[i]);
            for p in rs..re {
                map[col[p] as usize] = p;
            }
            for p in rs..di {
                let k = col[p] as usize;
                let l = val[p].mul(self.inv_diag[k]);
                val[p] = l;
                let (ks, ke) = (sym.diag[k] + 1, sym.row_ptr[k + 1]);
                for q in ks..ke {
                    let j = col[q] as usize;
                    let u = val[q];
                    val[map[j]].sub_mul(l, u);
                }
            }
            self.inv_diag[i] = val[di].inv().ok_or(SingularBlock { row: i })?;
        }
        Ok(())
    }

    /// Solves `A x = b` in place (`b` in elimination order).
    pub fn solve(&self, sym: &Symbolic, b: &mut [B::Vec]) {
        let n = sym.n();
        let col = &sym.col[..];
        for i in 0..n {
            let mut y = b[i];
            for p in sym.row_ptr[i]..sym.diag[i] {
                self.val[p].sub_mul_vec(&mut y, b[col[p] as usize]);
            }
            b[i] = y;
        }
        for i in (0..n).rev() {
            let mut y = b[i];
            for p in sym.diag[i] + 1..sym.row_ptr[i + 1] {
                self.val[p].sub_mul_vec(&mut y, b[col[p] as usize]);
            }
            b[i] = self.inv_diag[i].mul_vec(y);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dense reference solve by Gaussian elimination with partial pivoting.
    fn dense_solve(a: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
        let n = b.len();
        let mut m: Vec<Vec<f64>> = a.to_vec();
        let mut x = b.to_vec();
        for k in 0..n {
            let p = (k..n)
                .max_by(|&i, &j| m[i][k].abs().total_cmp(&m[j][k].abs()))
                .unwrap();
            m.swap(k, p);
            x.swap(k, p);
            for i in k + 1..n {
                let f = m[i][k] / m[k][k];
                for j in k..n {
                    m[i][j] -= f * m[k][j];
                }
                x[i] -= f * x[k];
            }
        }
        for k in (0..n).rev() {
            for j in k + 1..n {
                x[k] -= m[k][j] * x[j];
            }
            x[k] /= m[k][k];
        }
        x
    }

    #[test]
    fn scalar_lu_matches_dense_solve_on_a_grid_graph() {
        // 5x5 grid Laplacian plus diagonal shift: fill appears.
        let side = 5;
        let n = side * side;
        let mut adj = vec![Vec::new(); n];
        let mut a = vec![vec![0.0; n]; n];
        for r in 0..side {
            for c in 0..side {
                let i = r * side + c;
                a[i][i] = 4.5 + (i as f64) * 0.01;
                for (dr, dc) in [(0i32, 1i32), (1, 0)] {
                    let (r2, c2) = (r as i32 + dr, c as i32 + dc);
                    if r2 < side as i32 && c2 < side as i32 {
                        let j = r2 as usize * side + c2 as usize;
                        adj[i].push(j);
                        a[i][j] = -1.0 - 0.1 * (i % 3) as f64; // unsymmetric values
                        a[j][i] = -1.0;
                    }
                }
            }
        }
        let sym = Symbolic::analyse(n, &adj);
        let mut lu = Lu::<f64>::new(&sym);
        for i in 0..n {
            for j in 0..n {
                if a[i][j] != 0.0 {
                    let p = sym.position(sym.iperm[i], sym.iperm[j]).unwrap();
                    lu.val[p] = a[i][j];
                }
            }
        }
        lu.factor(&sym).unwrap();
        let b: Vec<f64> = (0..n).map(|i| (i as f64).sin()).collect();
        let mut x = vec![0.0; n];
        for i in 0..n {
            x[sym.iperm[i]] = b[i];
        }
        lu.solve(&sym, &mut x);
        let want = dense_solve(&a, &b);
        for i in 0..n {
            assert!((x[sym.iperm[i]] - want[i]).abs() < 1e-12);
        }
    }

    #[test]
    fn singular_block_is_an_error_not_a_panic() {
        let sym = Symbolic::analyse(2, &[vec![1], vec![0]]);
        let mut lu = Lu::<B2>::new(&sym);
        // All zeros: singular at the first row.
        assert_eq!(lu.factor(&sym), Err(SingularBlock { row: 0 }));
    }

    #[test]
    fn ordering_is_deterministic() {
        let adj: Vec<Vec<usize>> = (0..50).map(|i| vec![(i + 1) % 50, (i * 7) % 50]).collect();
        let a = Symbolic::analyse(50, &adj);
        let b = Symbolic::analyse(50, &adj);
        assert_eq!(a.perm, b.perm);
        assert_eq!(a.col, b.col);
    }
}
