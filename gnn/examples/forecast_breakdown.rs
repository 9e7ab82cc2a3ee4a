//! Where a saved forecaster's error comes from, on SimBench's test period
//! and the buses it held out: simple baselines besides seasonal naive
//! (weekly naive, means and the median of the last days), the error by kind
//! of bus, and every held-out bus against seasonal naive (worst first).
//!
//! `cargo run --release -p gnn --example forecast_breakdown -- FORECASTER.bpk`
//! (with `FORECASTER.json` beside it; reads `../shared/data/grids/simbench`).
use std::path::PathBuf;

use gnn::data::load_simbench;
use gnn::forecast::{HORIZON, evaluate, predict, simbench_split};

fn main() -> Result<(), gnn::Error> {
    let dir = PathBuf::from("../shared/data/grids/simbench");
    let data_owned = load_simbench(&dir)?;
    let data = &data_owned;
    let Some(wpath) = std::env::args().nth(1) else {
        return Err(gnn::Error::Data(
            "usage: forecast_breakdown FORECASTER.bpk".into(),
        ));
    };
    let (model, meta) = gnn::weights::load_model_file(std::path::Path::new(&wpath), &gnn::cpu())?;
    let split = simbench_split(data, meta.options.seed);
    let n = data.n();
    let o = &split.test_origins;
    let nodes = &split.test_nodes;
    let cnt_nodes = nodes.iter().filter(|&&b| b).count();
    println!("n {n} held-out {cnt_nodes} origins {}", o.len());
    let mae = |f: &dyn Fn(usize, usize, usize) -> f32, sel: &dyn Fn(usize) -> bool| {
        let mut per_h = [0f64; HORIZON];
        let mut c = 0usize;
        for &t in o {
            for i in (0..n).filter(|&i| nodes[i] && sel(i)) {
                c += 1;
                for h in 1..=HORIZON {
                    per_h[h - 1] += f64::from((f(t, i, h) - data.value(t + h, i)).abs());
                }
            }
        }
        let v: Vec<f64> = per_h.iter().map(|s| s / c.max(1) as f64).collect();
        (v.iter().sum::<f64>() / HORIZON as f64, v[0], v[23])
    };
    let all = |_i: usize| true;
    let sn = |t: usize, i: usize, h: usize| data.value(t + h - 24, i);
    let base = mae(&sn, &all).0;
    let report = |name: &str, f: &dyn Fn(usize, usize, usize) -> f32| {
        let (m, a, b) = mae(f, &all);
        println!(
            "{name:28} mean {m:.5} h1 {a:.5} h24 {b:.5}  impr {:.1}%",
            100.0 * (1.0 - m / base)
        );
    };
    report("seasonal naive", &sn);
    report("weekly naive", &|t, i, h| data.value(t + h - 168, i));
    for k in [2usize, 3, 4, 5, 6] {
        report(&format!("mean {k} days"), &move |t, i, h| {
            (1..=k).map(|d| data.value(t + h - 24 * d, i)).sum::<f32>() / k as f32
        });
    }
    report("median 7 days", &|t, i, h| {
        let mut v: Vec<f32> = (1..=6).map(|d| data.value(t + h - 24 * d, i)).collect();
        v.push(data.value(t + h - 168, i));
        v.sort_by(|a, b| a.total_cmp(b));
        v[3]
    });
    report("0.5 SN + 0.5 weekly", &|t, i, h| {
        0.5 * data.value(t + h - 24, i) + 0.5 * data.value(t + h - 168, i)
    });
    let dev = gnn::cpu();
    let g = data.graph.to_tensors(&dev);
    let pred = predict(&model, data, &g, o, &dev);
    let idx: std::collections::HashMap<usize, usize> =
        o.iter().enumerate().map(|(k, &t)| (t, k)).collect();
    let mf = |t: usize, i: usize, h: usize| pred[(idx[&t] * n + i) * HORIZON + h - 1];
    report("model", &mf);
    // Breakdown by node class: static features [load, pv, wind, other] shares.
    let st = |i: usize, k: usize| data.node_static[i * 4 + k];
    type Class<'a> = (&'a str, Box<dyn Fn(usize) -> bool + 'a>);
    let classes: [Class; 3] = [
        ("load only", Box::new(move |i| st(i, 0) > 0.999)),
        ("with pv", Box::new(move |i| st(i, 1) > 0.001)),
        (
            "with wind/other",
            Box::new(move |i| st(i, 2) + st(i, 3) > 0.001),
        ),
    ];
    for (name, sel) in &classes {
        let c = (0..n).filter(|&i| nodes[i] && sel(i)).count();
        let (m1, _, _) = mae(&mf, sel.as_ref());
        let (m2, _, _) = mae(&sn, sel.as_ref());
        let (m3, _, _) = mae(
            &|t, i, h| (1..=4).map(|d| data.value(t + h - 24 * d, i)).sum::<f32>() / 4.0,
            sel.as_ref(),
        );
        println!(
            "{name:16} nodes {c:4} model {m1:.5} sn {m2:.5} mean4 {m3:.5} impr {:.1}% ",
            100.0 * (1.0 - m1 / m2)
        );
    }
    let mut rows = vec![];
    for i in (0..n).filter(|&i| nodes[i]) {
        let one = |j: usize| j == i;
        let (m1, _, _) = mae(&mf, &one);
        let (m2, _, _) = mae(&sn, &one);
        rows.push((m1 - m2, i, m1, m2));
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (d, i, m1, m2) in rows {
        println!(
            "{:24} st {:?} model {m1:.4} sn {m2:.4} share of mean MAE gap {:+.5}",
            data.node_names[i],
            &data.node_static[i * 4..i * 4 + 4],
            d / cnt_nodes as f64
        );
    }
    let ev = evaluate(&model, data, o, nodes, &dev);
    println!(
        "evaluate impr {:.2}%",
        100.0 * ev.improvement_vs_seasonal_naive()
    );
    Ok(())
}
