//! USGS ShakeMap `grid.xml`: a regular lon/lat grid of ground-motion fields.
//! PGA is stored in percent g (`pctg`) and returned in g.

use std::path::Path;

use super::xml::parse;
use crate::error::{HazardError, Result};

/// A ShakeMap grid.
#[derive(Debug, Clone, PartialEq)]
pub struct ShakeMapGrid {
    /// Field names in column order (e.g. LON, LAT, PGA, PGV, MMI, ...).
    pub fields: Vec<String>,
    /// Units of each field.
    pub units: Vec<String>,
    /// Number of columns (longitudes).
    pub nlon: usize,
    /// Number of rows (latitudes).
    pub nlat: usize,
    /// Western edge (first column), degrees.
    pub lon_min: f64,
    /// Northern edge (first row), degrees.
    pub lat_max: f64,
    /// Longitude spacing, degrees.
    pub dlon: f64,
    /// Latitude spacing, degrees.
    pub dlat: f64,
    /// Values, row-major (north to south, west to east), `fields.len()` per point.
    pub data: Vec<f64>,
    /// Event magnitude from the `event` element, when present.
    pub magnitude: Option<f64>,
}

impl ShakeMapGrid {
    /// Reads a `grid.xml` file.
    pub fn read(path: &Path) -> Result<ShakeMapGrid> {
        let text = std::fs::read_to_string(path).map_err(|e| HazardError::io(path, e))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses `grid.xml` text; `name` names it in errors.
    pub fn parse(text: &str, name: &str) -> Result<ShakeMapGrid> {
        let root = parse(text, name)?;
        let missing = |w: &str| HazardError::Missing {
            file: name.to_string(),
            name: w.to_string(),
        };
        let g = root
            .child("shakemap_grid")
            .ok_or_else(|| missing("shakemap_grid"))?;
        let spec = g
            .child("grid_specification")
            .ok_or_else(|| missing("grid_specification"))?;
        let num = |attr: &str| -> Result<f64> {
            let raw = spec
                .attr(attr)
                .ok_or_else(|| missing(&format!("grid_specification@{attr}")))?;
            raw.trim().parse().map_err(|_| {
                HazardError::parse(
                    name,
                    0,
                    format!("grid_specification@{attr}"),
                    format!("`{raw}` is not a number"),
                )
            })
        };
        let (nlon, nlat) = (num("nlon")? as usize, num("nlat")? as usize);
        let (lon_min, lon_max, lat_min, lat_max) = (
            num("lon_min")?,
            num("lon_max")?,
            num("lat_min")?,
            num("lat_max")?,
        );
        if nlon < 2 || nlat < 2 || nlon > 100_000_000 || nlat > 100_000_000 {
            return Err(HazardError::parse(
                name,
                0,
                "grid_specification",
                "nlon and nlat must be ≥ 2 and at most 100000000",
            ));
        }
        let mut fields: Vec<(usize, String, String)> = g
            .children_named("grid_field")
            .map(|f| {
                let idx = f
                    .attr("index")
                    .and_then(|s| s.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                (
                    idx,
                    f.attr("name").unwrap_or("").to_string(),
                    f.attr("units").unwrap_or("").to_string(),
                )
            })
            .collect();
        fields.sort_by_key(|f| f.0);
        let nf = fields.len();
        if nf == 0 {
            return Err(missing("grid_field"));
        }
        let data_node = g.child("grid_data").ok_or_else(|| missing("grid_data"))?;
        // The count the specification promises (it cannot overflow: each
        // factor is at most 10^8 and a field needs a byte of text, so
        // `nf` is below 2^40 here). Reserve no more than the text holds
        // (found by fuzzing: tests/bad-inputs/shakemap/huge_grid.xml).
        let expected = (nlon as u128) * (nlat as u128) * (nf as u128);
        let mut data = Vec::with_capacity(
            usize::try_from(expected)
                .unwrap_or(usize::MAX)
                .min(data_node.text.len() / 2 + 1),
        );
        for (k, tok) in data_node.text.split_whitespace().enumerate() {
            let v: f64 = tok.parse().map_err(|_| {
                HazardError::parse(
                    name,
                    0,
                    format!("grid_data row {} column {}", k / nf + 1, k % nf + 1),
                    format!("`{tok}` is not a number"),
                )
            })?;
            data.push(v);
        }
        if data.len() as u128 != expected {
            return Err(HazardError::parse(
                name,
                0,
                "grid_data",
                format!(
                    "expected {expected} values ({nlat} × {nlon} points × {nf} fields), found {}",
                    data.len()
                ),
            ));
        }
        let magnitude = g
            .child("event")
            .and_then(|e| e.attr("magnitude"))
            .and_then(|m| m.trim().parse().ok());
        Ok(ShakeMapGrid {
            fields: fields.iter().map(|f| f.1.clone()).collect(),
            units: fields.iter().map(|f| f.2.clone()).collect(),
            nlon,
            nlat,
            lon_min,
            lat_max,
            dlon: (lon_max - lon_min) / (nlon - 1) as f64,
            dlat: (lat_max - lat_min) / (nlat - 1) as f64,
            data,
            magnitude,
        })
    }

    /// A field's value at (lat, lon) by bilinear interpolation; None outside
    /// the grid or for an unknown field.
    pub fn value_at(&self, field: &str, lat: f64, lon: f64) -> Option<f64> {
        let f = self
            .fields
            .iter()
            .position(|n| n.eq_ignore_ascii_case(field))?;
        let nf = self.fields.len();
        let x = (lon - self.lon_min) / self.dlon;
        let y = (self.lat_max - lat) / self.dlat;
        if !(x >= 0.0 && y >= 0.0 && x <= (self.nlon - 1) as f64 && y <= (self.nlat - 1) as f64) {
            return None;
        }
        let (c0, r0) = (
            (x.floor() as usize).min(self.nlon - 2),
            (y.floor() as usize).min(self.nlat - 2),
        );
        let (fx, fy) = (x - c0 as f64, y - r0 as f64);
        let at = |r: usize, c: usize| self.data[(r * self.nlon + c) * nf + f];
        Some(
            at(r0, c0) * (1.0 - fx) * (1.0 - fy)
                + at(r0, c0 + 1) * fx * (1.0 - fy)
                + at(r0 + 1, c0) * (1.0 - fx) * fy
                + at(r0 + 1, c0 + 1) * fx * fy,
        )
    }

    /// PGA in g at (lat, lon) (the grid's `pctg` divided by 100).
    pub fn pga_g(&self, lat: f64, lon: f64) -> Option<f64> {
        let f = self
            .fields
            .iter()
            .position(|n| n.eq_ignore_ascii_case("PGA"))?;
        let scale = if self.units[f].eq_ignore_ascii_case("g") {
            1.0
        } else {
            0.01
        };
        self.value_at("PGA", lat, lon).map(|v| v * scale)
    }
}
