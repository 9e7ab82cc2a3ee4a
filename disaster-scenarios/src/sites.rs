//! Sites (asset locations) read from CSV.

use std::path::Path;

use crate::error::{HazardError, Result};

/// A site: an id and a position in degrees (WGS84).
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Identifier.
    pub id: String,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
}

/// Reads sites from a CSV file with columns `id, lat, lon` (others ignored).
pub fn read_sites(path: &Path) -> Result<Vec<Site>> {
    let file = std::fs::File::open(path).map_err(|e| HazardError::io(path, e))?;
    read_sites_from(file, &path.display().to_string())
}

/// As [`read_sites`] from any reader; `name` names it in errors.
pub fn read_sites_from<R: std::io::Read>(reader: R, name: &str) -> Result<Vec<Site>> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(reader);
    let header = crate::gmpe::csvio::Header::read(&mut rdr, name)?;
    let col = |c: &str| header.require(c);
    let (iid, ilat, ilon) = (col("id")?, col("lat")?, col("lon")?);
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| crate::gmpe::csvio::csv_error(name, &e))?;
        let line = rec.position().map_or(0, |p| p.line());
        let num = |i: usize, field: &str, lo: f64, hi: f64| -> Result<f64> {
            let raw = rec.get(i).unwrap_or("");
            let v: f64 = raw.parse().map_err(|_| {
                HazardError::parse(name, line, field, format!("`{raw}` is not a number"))
            })?;
            if !(lo..=hi).contains(&v) {
                return Err(HazardError::parse(
                    name,
                    line,
                    field,
                    format!("{v} is outside {lo}..{hi}"),
                ));
            }
            Ok(v)
        };
        out.push(Site {
            id: rec.get(iid).unwrap_or("").to_string(),
            lat: num(ilat, "lat", -90.0, 90.0)?,
            lon: num(ilon, "lon", -360.0, 360.0)?,
        });
    }
    Ok(out)
}
