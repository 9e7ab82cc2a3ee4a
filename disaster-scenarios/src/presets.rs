//! Presets for real events, with their parameters and sources.
//!
//! Flags follow the project's `events.md`: \[S\] seen in a source, \[M\] from
//! memory, to be checked before any quantitative use.

use crate::error::Result;
use crate::rupture::{FaultPlane, KM_PER_DEG, Rupture};

/// 2016 Kumamoto mainshock (16 Apr 2016 01:25 JST) as a finite fault.
///
/// * Mw 7.0 (USGS) \[M\]; Mj 7.3 \[S\].
/// * JMA hypocentre 32.754 N, 130.763 E, depth 12 km \[M\].
/// * Right-lateral strike-slip on the Futagawa–Hinagu fault zone, about
///   35 km long (GSI, in the MLIT report) \[S\].
/// * Plane: strike 224°, dip 65° (to the NW), rake −142° (USGS moment
///   tensor nodal plane 1) \[M\]; top at the surface (surface rupture along
///   the Futagawa fault) \[M\]; down-dip width 18 km \[M\]. The rupture
///   propagated north-east from the hypocentre, so the 35 km trace runs
///   from 35 km north-east of the epicentre back to the epicentre \[M\].
pub fn kumamoto_2016() -> Result<Rupture> {
    let (lat, lon, depth) = (32.754, 130.763, 12.0);
    let (strike, dip, rake, length, width) = (224.0f64, 65.0f64, -142.0, 35.0, 18.0);
    // The top edge starts `length` km up-strike (azimuth strike − 180°) of the
    // epicentre and is shifted up-dip so that the plane passes under it.
    let back = (strike - 180.0).to_radians();
    let updip_km = depth / dip.to_radians().tan();
    let perp = (strike - 90.0).to_radians(); // up-dip horizontal direction
    let dn = length * back.cos() + updip_km * perp.cos();
    let de = length * back.sin() + updip_km * perp.sin();
    let plane = FaultPlane {
        lat: lat + dn / KM_PER_DEG,
        lon: lon + de / (KM_PER_DEG * lat.to_radians().cos()),
        top_depth: 0.0,
        strike,
        dip,
        length,
        width,
    };
    Rupture::finite(7.0, rake, (lat, lon, depth), &[plane])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kumamoto_is_a_fault() -> Result<()> {
        let r = kumamoto_2016()?;
        // Above the hypocentre (which lies on the plane): Rrup = 12 km
        // would hold for a point source; the fault passes under the site.
        let (rrup, rjb) = r.distances(32.754, 130.763);
        assert!(rjb < 1e-6, "rjb {rjb}");
        assert!(rrup < 12.0, "rrup {rrup}");
        // Mashiki (≈ 32.79 N, 130.82 E \[M\]) lies on the rupture's surface
        // projection or near it.
        let (_, rjb) = r.distances(32.79, 130.82);
        assert!(rjb < 5.0, "rjb {rjb}");
        Ok(())
    }
}
