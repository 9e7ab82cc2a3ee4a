//! Flood: water depth over time at each site, from polygons with hydrographs
//! or from ESRI ASCII grids, and the threshold damage model.
//!
//! * **Polygons**: each polygon (lon/lat, WGS84) carries a hydrograph of the
//!   water-surface elevation (m above the datum of the asset elevations) at
//!   times; between points it is linear, before the first and after the last
//!   point it is the end value. The depth at an asset is
//!   max(0, WSE(t) − ground elevation); where polygons overlap, the highest
//!   water surface counts. Polygons are found with an rstar index of their
//!   bounding boxes and tested with `geo`'s point-in-polygon.
//! * **Grids**: a time series of ESRI ASCII grids of water depth above ground
//!   (m) or of water-surface elevation; the site value is that of the cell
//!   containing it (NODATA = dry), linear in time between grids.
//! * **Threshold model** (an assumption, see
//!   `data/fragility/flood_thresholds.csv`): an asset fails when the depth
//!   reaches its critical depth (equipment or plinth height above ground).
//!   [`FloodModel::first_exceedance`] gives the exact time the piecewise-linear
//!   depth first reaches it.

use std::path::Path;

use geo::{Contains, Point, Polygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use sim_core::time::SimTime;

use crate::error::{HazardError, Result};

/// A polygon with a water-surface-elevation hydrograph.
#[derive(Debug, Clone)]
pub struct FloodPolygon {
    /// The flooded area (x = lon, y = lat).
    pub polygon: Polygon<f64>,
    /// (time, water-surface elevation in m), times increasing.
    pub hydrograph: Vec<(SimTime, f64)>,
}

/// An ESRI ASCII raster grid.
#[derive(Debug, Clone, PartialEq)]
pub struct AsciiGrid {
    /// Columns.
    pub ncols: usize,
    /// Rows.
    pub nrows: usize,
    /// x of the lower-left corner of the lower-left cell.
    pub xll: f64,
    /// y of the lower-left corner of the lower-left cell.
    pub yll: f64,
    /// Cell size.
    pub cellsize: f64,
    /// No-data marker.
    pub nodata: f64,
    /// Values, row-major from the northernmost row.
    pub values: Vec<f64>,
}

impl AsciiGrid {
    /// Reads an ESRI ASCII grid (`ncols, nrows, xllcorner|xllcenter,
    /// yllcorner|yllcenter, cellsize, [NODATA_value]`, then rows from north
    /// to south).
    pub fn read(path: &Path) -> Result<AsciiGrid> {
        let text = std::fs::read_to_string(path).map_err(|e| HazardError::io(path, e))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses grid text; `name` names it in errors.
    pub fn parse(text: &str, name: &str) -> Result<AsciiGrid> {
        let mut header = std::collections::BTreeMap::new();
        let mut values = Vec::new();
        let mut in_data = false;
        for (ln, line) in text.lines().enumerate() {
            let line_no = ln as u64 + 1;
            let t = line.trim();
            if t.is_empty() {
                continue;
            }
            let first = t.split_whitespace().next().unwrap_or("");
            if !in_data
                && first
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic())
            {
                let mut it = t.split_whitespace();
                let key = it.next().unwrap_or("").to_ascii_lowercase();
                let raw = it.next().unwrap_or("");
                let v: f64 = raw.parse().map_err(|_| {
                    HazardError::parse(
                        name,
                        line_no,
                        key.clone(),
                        format!("`{raw}` is not a number"),
                    )
                })?;
                header.insert(key, v);
                continue;
            }
            in_data = true;
            for (c, tok) in t.split_whitespace().enumerate() {
                let v: f64 = tok.parse().map_err(|_| {
                    HazardError::parse(
                        name,
                        line_no,
                        format!("column {}", c + 1),
                        format!("`{tok}` is not a number"),
                    )
                })?;
                values.push(v);
            }
        }
        let get = |k: &str| {
            header.get(k).copied().ok_or_else(|| HazardError::Missing {
                file: name.to_string(),
                name: k.to_string(),
            })
        };
        let ncols = get("ncols")?;
        let nrows = get("nrows")?;
        let cellsize = get("cellsize")?;
        if !(ncols >= 1.0 && nrows >= 1.0 && cellsize > 0.0) {
            return Err(HazardError::parse(
                name,
                0,
                "ncols/nrows/cellsize",
                "must be positive",
            ));
        }
        // Whole numbers of a size a grid file can hold (10^8 rows or
        // columns), so the casts below are exact.
        for (v, key) in [(ncols, "ncols"), (nrows, "nrows")] {
            if v.fract() != 0.0 || v > 1e8 {
                return Err(HazardError::parse(
                    name,
                    0,
                    key,
                    format!("must be a whole number up to 100000000, got {v}"),
                ));
            }
        }
        let (ncols, nrows) = (ncols as usize, nrows as usize);
        let xll = match header.get("xllcorner") {
            Some(v) => *v,
            None => get("xllcenter")? - 0.5 * cellsize,
        };
        let yll = match header.get("yllcorner") {
            Some(v) => *v,
            None => get("yllcenter")? - 0.5 * cellsize,
        };
        // A product that overflows cannot match the values read (found by
        // fuzzing: tests/bad-inputs/flood-grid/huge_nrows.asc).
        let cells = ncols.checked_mul(nrows);
        if cells != Some(values.len()) {
            return Err(HazardError::parse(
                name,
                0,
                "(data)",
                format!(
                    "expected {} values ({nrows} rows × {ncols} columns), found {}",
                    cells.map_or_else(|| "more than 2^64".to_string(), |c| c.to_string()),
                    values.len()
                ),
            ));
        }
        Ok(AsciiGrid {
            ncols,
            nrows,
            xll,
            yll,
            cellsize,
            nodata: header.get("nodata_value").copied().unwrap_or(-9999.0),
            values,
        })
    }

    /// The value of the cell containing (x, y), or None outside the grid or
    /// on NODATA.
    pub fn value_at(&self, x: f64, y: f64) -> Option<f64> {
        let c = ((x - self.xll) / self.cellsize).floor();
        let r_from_south = ((y - self.yll) / self.cellsize).floor();
        if c < 0.0
            || r_from_south < 0.0
            || c >= self.ncols as f64
            || r_from_south >= self.nrows as f64
        {
            return None;
        }
        let row = self.nrows - 1 - r_from_south as usize;
        let v = self.values[row * self.ncols + c as usize];
        if v == self.nodata || v.is_nan() {
            None
        } else {
            Some(v)
        }
    }
}

/// What a grid holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GridKind {
    /// Water depth above ground, m.
    Depth,
    /// Water-surface elevation, m above the datum.
    WaterSurface,
}

#[derive(Debug, Clone)]
enum Source {
    Polygons {
        polys: Vec<FloodPolygon>,
        index: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    },
    Grids {
        frames: Vec<(SimTime, AsciiGrid)>,
        kind: GridKind,
    },
}

/// A flood hazard.
#[derive(Debug, Clone)]
pub struct FloodModel {
    source: Source,
}

fn check_times(times: impl Iterator<Item = SimTime>, what: &str) -> Result<()> {
    let v: Vec<SimTime> = times.collect();
    if v.is_empty() || v.windows(2).any(|w| w[1] <= w[0]) {
        return Err(HazardError::InvalidInput(format!(
            "{what}: needs at least one time and strictly increasing times"
        )));
    }
    Ok(())
}

/// The first time a piecewise-linear series reaches `level` (constant before
/// the first and after the last point).
fn first_crossing(series: &[(SimTime, f64)], level: f64) -> Option<SimTime> {
    let (t0, v0) = *series.first()?;
    if v0 >= level {
        return Some(t0);
    }
    for w in series.windows(2) {
        let ((ta, va), (tb, vb)) = (w[0], w[1]);
        if vb >= level {
            let f = (level - va) / (vb - va);
            let dt = (tb.as_millis() - ta.as_millis()) as f64;
            return Some(SimTime::from_millis(
                ta.as_millis() + (f * dt).ceil() as u64,
            ));
        }
    }
    None
}

fn interp(series: &[(SimTime, f64)], t: SimTime) -> f64 {
    let k = series.partition_point(|(ts, _)| *ts <= t);
    if k == 0 {
        return series[0].1;
    }
    if k >= series.len() {
        return series[series.len() - 1].1;
    }
    let ((ta, va), (tb, vb)) = (series[k - 1], series[k]);
    let f = (t.as_millis() - ta.as_millis()) as f64 / (tb.as_millis() - ta.as_millis()) as f64;
    va + f * (vb - va)
}

impl FloodModel {
    /// A model from polygons with water-surface hydrographs.
    pub fn from_polygons(polys: Vec<FloodPolygon>) -> Result<FloodModel> {
        let mut items = Vec::with_capacity(polys.len());
        for (i, p) in polys.iter().enumerate() {
            check_times(
                p.hydrograph.iter().map(|(t, _)| *t),
                &format!("flood polygon {i}"),
            )?;
            let mut lo = [f64::INFINITY; 2];
            let mut hi = [f64::NEG_INFINITY; 2];
            for c in p.polygon.exterior().coords() {
                lo = [lo[0].min(c.x), lo[1].min(c.y)];
                hi = [hi[0].max(c.x), hi[1].max(c.y)];
            }
            if !(lo[0].is_finite() && hi[1].is_finite()) {
                return Err(HazardError::InvalidInput(format!(
                    "flood polygon {i} is empty"
                )));
            }
            items.push(GeomWithData::new(Rectangle::from_corners(lo, hi), i));
        }
        Ok(FloodModel {
            source: Source::Polygons {
                polys,
                index: RTree::bulk_load(items),
            },
        })
    }

    /// A model from a time series of grids.
    pub fn from_grids(frames: Vec<(SimTime, AsciiGrid)>, kind: GridKind) -> Result<FloodModel> {
        check_times(frames.iter().map(|(t, _)| *t), "flood grids")?;
        Ok(FloodModel {
            source: Source::Grids { frames, kind },
        })
    }

    /// The piecewise-linear series of water level above ground (m, negative
    /// when the water surface is below ground; clipped at 0 only when
    /// reported) at a site with the given ground elevation; one series per
    /// contributing polygon or one for the grids.
    fn series(&self, lat: f64, lon: f64, ground_m: f64) -> Vec<Vec<(SimTime, f64)>> {
        match &self.source {
            Source::Polygons { polys, index } => {
                let pt = Point::new(lon, lat);
                let mut hits: Vec<usize> = index
                    .locate_in_envelope_intersecting(&AABB::from_point([lon, lat]))
                    .map(|g| g.data)
                    .filter(|i| polys[*i].polygon.contains(&pt))
                    .collect();
                hits.sort_unstable();
                hits.iter()
                    .map(|i| {
                        polys[*i]
                            .hydrograph
                            .iter()
                            .map(|(t, wse)| (*t, wse - ground_m))
                            .collect()
                    })
                    .collect()
            }
            Source::Grids { frames, kind } => vec![
                frames
                    .iter()
                    .map(|(t, g)| {
                        let v = g.value_at(lon, lat).map_or(0.0, |v| match kind {
                            GridKind::Depth => v,
                            GridKind::WaterSurface => v - ground_m,
                        });
                        (*t, v)
                    })
                    .collect(),
            ],
        }
    }

    /// Water depth above ground (m) at a site at time `t`.
    pub fn depth_at(&self, lat: f64, lon: f64, ground_m: f64, t: SimTime) -> f64 {
        self.series(lat, lon, ground_m)
            .iter()
            .map(|s| interp(s, t).max(0.0))
            .fold(0.0, f64::max)
    }

    /// The maximum depth (m) over time at a site.
    pub fn max_depth(&self, lat: f64, lon: f64, ground_m: f64) -> f64 {
        self.series(lat, lon, ground_m)
            .iter()
            .flat_map(|s| s.iter().map(|(_, d)| *d))
            .fold(0.0, f64::max)
    }

    /// Threshold model: the first time the depth at the site reaches
    /// `critical_depth_m`, or None if it never does.
    pub fn first_exceedance(
        &self,
        lat: f64,
        lon: f64,
        ground_m: f64,
        critical_depth_m: f64,
    ) -> Option<SimTime> {
        self.series(lat, lon, ground_m)
            .iter()
            .filter_map(|s| first_crossing(s, critical_depth_m))
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn h(hours: u64) -> SimTime {
        SimTime::from_secs(hours * 3600)
    }

    #[test]
    fn polygon_hydrograph_and_threshold() -> Result<()> {
        let poly = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)];
        let m = FloodModel::from_polygons(vec![FloodPolygon {
            polygon: poly,
            hydrograph: vec![(h(0), 10.0), (h(10), 12.0), (h(20), 10.0)],
        }])?;
        // Ground 10.5 m: depth 0 at t0, 1.5 m at 10 h.
        assert_eq!(m.depth_at(0.5, 0.5, 10.5, h(0)), 0.0);
        assert!((m.depth_at(0.5, 0.5, 10.5, h(10)) - 1.5).abs() < 1e-12);
        assert!((m.max_depth(0.5, 0.5, 10.5) - 1.5).abs() < 1e-12);
        // Critical 0.5 m → WSE 11.0 reached at 5 h.
        assert_eq!(m.first_exceedance(0.5, 0.5, 10.5, 0.5), Some(h(5)));
        assert_eq!(m.first_exceedance(0.5, 0.5, 10.5, 2.0), None);
        // Outside the polygon.
        assert_eq!(m.max_depth(2.0, 2.0, 0.0), 0.0);
        Ok(())
    }

    #[test]
    fn ascii_grid_and_errors() -> Result<()> {
        let text = "ncols 2\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\nNODATA_value -9999\n1.0 2.0\n-9999 4.0\n";
        let g = AsciiGrid::parse(text, "g.asc")?;
        assert_eq!(g.value_at(0.5, 1.5), Some(1.0));
        assert_eq!(g.value_at(1.5, 0.5), Some(4.0));
        assert_eq!(g.value_at(0.5, 0.5), None);
        let m = FloodModel::from_grids(vec![(h(0), g.clone()), (h(2), g)], GridKind::Depth)?;
        assert_eq!(m.depth_at(1.7, 0.5, 0.0, h(1)), 1.0);
        let bad = "ncols 2\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\n1.0 x\n";
        let e = AsciiGrid::parse(bad, "b.asc").err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("b.asc:6: field `column 2`: `x` is not a number")
        );
        Ok(())
    }
}
