//! IBTrACS v04 CSV (`ibtracs.*.list.v04r00.csv`): one storm by SID.
//!
//! The second line (units) is skipped. Per node: maximum wind from
//! `USA_WIND` (1-min, kn) else `WMO_WIND`; central pressure from `USA_PRES`
//! else `WMO_PRES`, else CLIMADA's estimate from position and wind; radius of
//! maximum wind `USA_RMW` (nm) else missing (estimated later from pressure);
//! environmental pressure `USA_POCI` else 1010 hPa (CLIMADA's default).
//! `WMO_WIND` averaging periods differ between agencies (e.g. 10-min for
//! Tokyo); unlike CLIMADA, no agency conversion is applied (a simplification).
//! Nodes without any wind value are skipped.

use std::path::Path;

use crate::error::{HazardError, Result};
use crate::wind::track::{Track, days_from_civil, estimate_pressure};

/// Reads the storm `sid` from an IBTrACS v04 CSV file.
pub fn read_ibtracs_csv(path: &Path, sid: &str) -> Result<Track> {
    let file = std::fs::File::open(path).map_err(|e| HazardError::io(path, e))?;
    read_ibtracs_from(file, &path.display().to_string(), sid)
}

fn parse_iso(s: &str) -> Option<i64> {
    // "YYYY-MM-DD HH:MM:SS"
    let b = s.as_bytes();
    if b.len() < 16 {
        return None;
    }
    let n = |a: usize, z: usize| s.get(a..z)?.parse::<i64>().ok();
    let (y, mo, d, h, mi) = (n(0, 4)?, n(5, 7)?, n(8, 10)?, n(11, 13)?, n(14, 16)?);
    let sec = if b.len() >= 19 { n(17, 19)? } else { 0 };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec)
}

/// As [`read_ibtracs_csv`] from any reader; `name` names it in errors.
pub fn read_ibtracs_from<R: std::io::Read>(reader: R, name: &str, sid: &str) -> Result<Track> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(reader);
    let header = crate::gmpe::csvio::Header::read(&mut rdr, name)?;
    let col = |c: &str| header.get(c);
    let need = |c: &str| header.require(c);
    let (isid, itime, ilat, ilon) = (need("SID")?, need("ISO_TIME")?, need("LAT")?, need("LON")?);
    let (iuw, iww, iup, iwp, irmw, ipoci) = (
        col("USA_WIND"),
        col("WMO_WIND"),
        col("USA_PRES"),
        col("WMO_PRES"),
        col("USA_RMW"),
        col("USA_POCI"),
    );
    let mut t = Track::default();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| crate::gmpe::csvio::csv_error(name, &e))?;
        let line = rec.position().map_or(0, |p| p.line());
        if rec.get(isid) != Some(sid) {
            continue;
        }
        let opt = |i: Option<usize>| -> Option<f64> {
            i.and_then(|i| rec.get(i))
                .and_then(|s| s.parse::<f64>().ok())
                .filter(|v| v.is_finite())
        };
        let req = |i: usize, field: &str| -> Result<f64> {
            let raw = rec.get(i).unwrap_or("");
            raw.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    HazardError::parse(name, line, field, format!("`{raw}` is not a number"))
                })
        };
        let raw_time = rec.get(itime).unwrap_or("");
        let time = parse_iso(raw_time).ok_or_else(|| {
            HazardError::parse(
                name,
                line,
                "ISO_TIME",
                format!("`{raw_time}` is not YYYY-MM-DD HH:MM:SS"),
            )
        })?;
        let (lat, lon) = (req(ilat, "LAT")?, req(ilon, "LON")?);
        let Some(vmax) = opt(iuw).or(opt(iww)) else {
            continue;
        };
        if let Some(prev) = t.time_s.last()
            && time <= *prev
        {
            return Err(HazardError::parse(
                name,
                line,
                "ISO_TIME",
                "times must increase strictly",
            ));
        }
        let p = opt(iup)
            .or(opt(iwp))
            .filter(|p| *p > 0.0)
            .unwrap_or_else(|| estimate_pressure(lat, lon, vmax));
        t.time_s.push(time);
        t.lat.push(lat);
        t.lon.push(lon);
        t.vmax_kn.push(vmax);
        t.pcen_hpa.push(p);
        t.penv_hpa
            .push(opt(ipoci).filter(|p| *p > 0.0).unwrap_or(1010.0));
        t.rmax_nm.push(opt(irmw).unwrap_or(0.0));
    }
    if t.len() < 2 {
        return Err(HazardError::InvalidInput(format!(
            "{name}: storm {sid} has fewer than two nodes with a wind value"
        )));
    }
    Ok(t)
}
