//! Plots (plotters, PNG and SVG): the resilience curve with percentile
//! bands, the restoration curve, and a map of the assets coloured by damage
//! probability over the hazard footprint.

use std::path::Path;

use engine::{Band, MapPoint};
use plotters::coord::Shift;
use plotters::prelude::*;
use scenario::hazard::{Footprint, padded_bounds};

use crate::paired::Difference;

static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the embedded font (DejaVu Sans) once.
fn font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

type PlotResult = Result<(), String>;

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

fn band_chart<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    ylabel: &str,
    bands: &[(&str, &Band, RGBColor)],
) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(err)?;
    let xmax = bands
        .iter()
        .flat_map(|b| b.1.hours.last().copied())
        .fold(1.0f64, f64::max);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..xmax, 0.0..1.05)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("hours after the event")
        .y_desc(ylabel)
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(err)?;
    for (name, b, color) in bands {
        let mut poly: Vec<(f64, f64)> =
            b.hours.iter().copied().zip(b.p95.iter().copied()).collect();
        poly.extend(b.hours.iter().copied().zip(b.p5.iter().copied()).rev());
        chart
            .draw_series(std::iter::once(Polygon::new(poly, color.mix(0.2).filled())))
            .map_err(err)?;
        let c = *color;
        chart
            .draw_series(LineSeries::new(
                b.hours.iter().copied().zip(b.p50.iter().copied()),
                c.stroke_width(2),
            ))
            .map_err(err)?
            .label(format!("{name}: median, 5-95 % band"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(
                b.hours.iter().copied().zip(b.mean.iter().copied()),
                c.mix(0.6),
            ))
            .map_err(err)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font(("sans-serif", 14))
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)
}

/// Writes `NAME.png` and `NAME.svg` with one or more bands.
pub fn write_band_chart(
    dir: &Path,
    name: &str,
    title: &str,
    ylabel: &str,
    bands: &[(&str, &Band, RGBColor)],
) -> PlotResult {
    font();
    let png = dir.join(format!("{name}.png"));
    let svg = dir.join(format!("{name}.svg"));
    band_chart(
        BitMapBackend::new(&png, (960, 540)).into_drawing_area(),
        title,
        ylabel,
        bands,
    )?;
    band_chart(
        SVGBackend::new(&svg, (960, 540)).into_drawing_area(),
        title,
        ylabel,
        bands,
    )
}

fn ramp(p: f64) -> RGBColor {
    // Green (0) - yellow (0.5) - red (1).
    let p = p.clamp(0.0, 1.0);
    if p < 0.5 {
        RGBColor((510.0 * p) as u8, 170, 60)
    } else {
        RGBColor(230, (170.0 * (1.0 - (p - 0.5) * 2.0)) as u8, 40)
    }
}

/// The parts of a polyline inside a box, as runs of densified points.
fn clip_runs(pts: &[(f64, f64)], x0: f64, x1: f64, y0: f64, y1: f64) -> Vec<Vec<(f64, f64)>> {
    let inside = |p: (f64, f64)| p.0 >= x0 && p.0 <= x1 && p.1 >= y0 && p.1 <= y1;
    let mut runs = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    for w in pts.windows(2) {
        for k in 0..=200 {
            let f = f64::from(k) / 200.0;
            let p = (
                w[0].0 + f * (w[1].0 - w[0].0),
                w[0].1 + f * (w[1].1 - w[0].1),
            );
            if inside(p) {
                cur.push(p);
            } else if !cur.is_empty() {
                runs.push(std::mem::take(&mut cur));
            }
        }
    }
    if !cur.is_empty() {
        runs.push(cur);
    }
    runs
}

fn map_chart<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    pts: &[MapPoint],
    fp: &Footprint,
) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(err)?;
    let (x0, x1, y0, y1) = padded_bounds(pts.iter().map(|p| (p.lon, p.lat)));
    let vmax = fp
        .cells
        .iter()
        .map(|c| c.2)
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let vmin = fp
        .cells
        .iter()
        .map(|c| c.2)
        .fold(f64::INFINITY, f64::min)
        .min(vmax);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("longitude (deg E)")
        .y_desc("latitude (deg N)")
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(err)?;
    let (cw, ch) = fp.cell;
    chart
        .draw_series(fp.cells.iter().map(|&(lon, lat, v)| {
            let a = 0.05 + 0.55 * ((v - vmin) / (vmax - vmin).max(1e-12));
            Rectangle::new(
                [
                    (lon - cw / 2.0, lat - ch / 2.0),
                    (lon + cw / 2.0, lat + ch / 2.0),
                ],
                BLUE.mix(a).filled(),
            )
        }))
        .map_err(err)?
        .label(format!(
            "hazard: {} from {vmin:.3} (light) to {vmax:.3} (dark)",
            fp.label
        ))
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], BLUE.mix(0.4).filled()));
    let runs = clip_runs(&fp.trace, x0, x1, y0, y1);
    for (k, run) in runs.into_iter().enumerate() {
        let s = chart
            .draw_series(LineSeries::new(run, BLACK.stroke_width(3)))
            .map_err(err)?;
        if k == 0 {
            s.label(fp.trace_label.clone()).legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(3))
            });
        }
    }
    chart
        .draw_series(pts.iter().map(|p| {
            Circle::new(
                (p.lon, p.lat),
                if p.big { 9 } else { 6 },
                ramp(p.p_fail).filled(),
            )
        }))
        .map_err(err)?
        .label("asset: colour = P(failure), green 0 - red 1")
        .legend(|(x, y)| Circle::new((x + 10, y), 5, ramp(0.5).filled()));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 13))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)
}

/// Writes `damage_map.png` and `damage_map.svg`.
pub fn write_map(dir: &Path, title: &str, pts: &[MapPoint], fp: &Footprint) -> PlotResult {
    font();
    let png = dir.join("damage_map.png");
    let svg = dir.join("damage_map.svg");
    map_chart(
        BitMapBackend::new(&png, (900, 800)).into_drawing_area(),
        title,
        pts,
        fp,
    )?;
    map_chart(
        SVGBackend::new(&svg, (900, 800)).into_drawing_area(),
        title,
        pts,
        fp,
    )
}

fn diff_chart<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    bars: &[(String, [Difference; 2])],
) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(err)?;
    let mut lo: f64 = -0.01;
    let mut hi: f64 = 0.01;
    for (_, d) in bars {
        for x in d {
            for v in [x.mean, x.ci95_low, x.ci95_high] {
                if v.is_finite() {
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
        }
    }
    let pad = 0.1 * (hi - lo);
    let n = bars.len().max(1) as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.5..n - 0.5, (lo - pad)..(hi + pad))
        .map_err(err)?;
    let names: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
    chart
        .configure_mesh()
        .x_labels(bars.len().max(1))
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_desc("difference (fraction of demand)")
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(err)?;
    let colors = [RGBColor(214, 39, 40), RGBColor(31, 119, 180)];
    let labels = ["critical served fraction", "served energy fraction"];
    for k in 0..2 {
        let c = colors[k];
        let off = if k == 0 { -0.15 } else { 0.15 };
        chart
            .draw_series(bars.iter().enumerate().map(|(i, (_, d))| {
                let x = i as f64 + off;
                Rectangle::new(
                    [(x - 0.12, 0.0), (x + 0.12, d[k].mean)],
                    c.mix(0.7).filled(),
                )
            }))
            .map_err(err)?
            .label(labels[k])
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], c.filled()));
        chart
            .draw_series(bars.iter().enumerate().filter_map(|(i, (_, d))| {
                let x = i as f64 + off;
                (d[k].ci95_low.is_finite() && d[k].ci95_high.is_finite()).then(|| {
                    PathElement::new(
                        vec![(x, d[k].ci95_low), (x, d[k].ci95_high)],
                        BLACK.stroke_width(2),
                    )
                })
            }))
            .map_err(err)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 14))
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)
}

/// Writes `NAME.png` and `NAME.svg`: per policy, the mean paired difference
/// of the critical served fraction and the served energy fraction to the
/// baseline, with 95 % confidence intervals as whiskers.
pub fn write_differences(
    dir: &Path,
    name: &str,
    title: &str,
    bars: &[(String, [Difference; 2])],
) -> PlotResult {
    font();
    let png = dir.join(format!("{name}.png"));
    let svg = dir.join(format!("{name}.svg"));
    diff_chart(
        BitMapBackend::new(&png, (960, 540)).into_drawing_area(),
        title,
        bars,
    )?;
    diff_chart(
        SVGBackend::new(&svg, (960, 540)).into_drawing_area(),
        title,
        bars,
    )
}
