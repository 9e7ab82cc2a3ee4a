//! Earthquake rupture geometry: a point source or a finite fault made of
//! planar rectangles, giving the distances the ground-motion models need
//! (Rrup, Rjb) at any site.
//!
//! Geometry is computed in a local Cartesian frame (x east, y north, z down,
//! km) from an equirectangular projection about the rupture's reference point
//! (1° of latitude = 111.195 km, i.e. a 6371 km sphere; longitudes scaled by
//! the cosine of the reference latitude). For sites within a few hundred km
//! the distance error of the projection is below about 1 %.
//!
//! A plane is defined by its top edge (start point, strike — the fault dips to
//! the right of the strike direction, Aki & Richards convention), dip, length
//! along strike, width down dip and top depth. Rrup is the exact distance to
//! the rectangle; Rjb the exact distance to its surface projection.

use crate::error::{HazardError, Result};
use crate::gmpe::GmpeInput;

/// Kilometres per degree of latitude on a sphere of radius 6371 km.
pub const KM_PER_DEG: f64 = 6371.0 * std::f64::consts::PI / 180.0;

/// A planar rectangular fault segment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultPlane {
    /// Latitude of the start of the top edge, degrees.
    pub lat: f64,
    /// Longitude of the start of the top edge, degrees.
    pub lon: f64,
    /// Depth of the top edge, km.
    pub top_depth: f64,
    /// Strike, degrees clockwise from north.
    pub strike: f64,
    /// Dip, degrees (0 < dip ≤ 90).
    pub dip: f64,
    /// Length along strike, km.
    pub length: f64,
    /// Width down dip, km.
    pub width: f64,
}

impl FaultPlane {
    /// The plane whose centre (mid-length, mid-width) is at (`lat`, `lon`,
    /// `depth`).
    #[allow(clippy::too_many_arguments)]
    pub fn from_centroid(
        lat: f64,
        lon: f64,
        depth: f64,
        strike: f64,
        dip: f64,
        length: f64,
        width: f64,
    ) -> Result<FaultPlane> {
        let (u, v) = basis(strike, dip);
        // Top-start corner = centre − L/2 u − W/2 v.
        let dx = -0.5 * length * u[0] - 0.5 * width * v[0];
        let dy = -0.5 * length * u[1] - 0.5 * width * v[1];
        let top = depth - 0.5 * width * v[2];
        let p = FaultPlane {
            lat: lat + dy / KM_PER_DEG,
            lon: lon + dx / (KM_PER_DEG * lat.to_radians().cos()),
            top_depth: top,
            strike,
            dip,
            length,
            width,
        };
        p.validate()?;
        Ok(p)
    }

    fn validate(&self) -> Result<()> {
        let ok = self.lat.abs() <= 90.0
            && self.lon.is_finite()
            && self.top_depth >= -1e-9
            && self.strike.is_finite()
            && self.dip > 0.0
            && self.dip <= 90.0
            && self.length > 0.0
            && self.width > 0.0
            && self.length.is_finite()
            && self.width.is_finite();
        if ok {
            Ok(())
        } else {
            Err(HazardError::InvalidInput(format!(
                "invalid fault plane {self:?}: need |lat| ≤ 90, top depth ≥ 0 (is the plane above ground?), 0 < dip ≤ 90, positive length and width"
            )))
        }
    }
}

/// Unit vectors along strike (u) and down dip (v) in (east, north, down).
fn basis(strike: f64, dip: f64) -> ([f64; 3], [f64; 3]) {
    let s = strike.to_radians();
    let d = dip.to_radians();
    let u = [s.sin(), s.cos(), 0.0];
    // Horizontal direction to the right of strike: strike + 90°.
    let v = [s.cos() * d.cos(), -s.sin() * d.cos(), d.sin()];
    (u, v)
}

/// A plane prepared in the local frame.
#[derive(Debug, Clone, Copy)]
struct LocalPlane {
    origin: [f64; 3],
    u: [f64; 3],
    v: [f64; 3],
    length: f64,
    width: f64,
    /// Unit horizontal down-dip direction and the projected width.
    vh: [f64; 2],
    width_h: f64,
}

/// The source geometry.
#[derive(Debug, Clone)]
enum Geometry {
    Point,
    Planes(Vec<LocalPlane>),
}

/// An earthquake rupture: magnitude, rake, hypocentre and geometry.
#[derive(Debug, Clone)]
pub struct Rupture {
    /// Moment magnitude.
    pub mag: f64,
    /// Rake, degrees.
    pub rake: f64,
    /// Hypocentre latitude, degrees.
    pub hypo_lat: f64,
    /// Hypocentre longitude, degrees.
    pub hypo_lon: f64,
    /// Hypocentral depth, km.
    pub hypo_depth: f64,
    ref_lat: f64,
    ref_lon: f64,
    cos_ref: f64,
    geometry: Geometry,
}

impl Rupture {
    /// A point source at the hypocentre: Rrup is the hypocentral distance and
    /// Rjb the epicentral distance.
    pub fn point(mag: f64, rake: f64, lat: f64, lon: f64, depth: f64) -> Result<Rupture> {
        if !(mag.is_finite() && lat.abs() <= 90.0 && lon.is_finite() && depth >= 0.0) {
            return Err(HazardError::InvalidInput(format!(
                "invalid point source: mag {mag}, lat {lat}, lon {lon}, depth {depth}"
            )));
        }
        Ok(Rupture {
            mag,
            rake,
            hypo_lat: lat,
            hypo_lon: lon,
            hypo_depth: depth,
            ref_lat: lat,
            ref_lon: lon,
            cos_ref: lat.to_radians().cos(),
            geometry: Geometry::Point,
        })
    }

    /// A finite fault of one or more planes, with the hypocentre given
    /// separately (it is used only by models that need a hypocentral depth).
    pub fn finite(
        mag: f64,
        rake: f64,
        hypocentre: (f64, f64, f64),
        planes: &[FaultPlane],
    ) -> Result<Rupture> {
        if planes.is_empty() {
            return Err(HazardError::InvalidInput(
                "a finite fault needs at least one plane".into(),
            ));
        }
        let mut r = Rupture::point(mag, rake, hypocentre.0, hypocentre.1, hypocentre.2)?;
        r.ref_lat = planes[0].lat;
        r.ref_lon = planes[0].lon;
        r.cos_ref = r.ref_lat.to_radians().cos();
        let mut local = Vec::with_capacity(planes.len());
        for p in planes {
            p.validate()?;
            let (x, y) = r.to_local(p.lat, p.lon);
            let (u, v) = basis(p.strike, p.dip);
            let hn = (v[0] * v[0] + v[1] * v[1]).sqrt();
            let vh = if hn > 1e-12 {
                [v[0] / hn, v[1] / hn]
            } else {
                [0.0, 0.0]
            };
            local.push(LocalPlane {
                origin: [x, y, p.top_depth],
                u,
                v,
                length: p.length,
                width: p.width,
                vh,
                width_h: p.width * hn,
            });
        }
        r.geometry = Geometry::Planes(local);
        Ok(r)
    }

    /// A fault along a surface trace (a polyline of (lat, lon) points), one
    /// plane per trace segment, all with the same dip, top depth and width.
    #[allow(clippy::too_many_arguments)]
    pub fn from_trace(
        mag: f64,
        rake: f64,
        hypocentre: (f64, f64, f64),
        trace: &[(f64, f64)],
        dip: f64,
        top_depth: f64,
        width: f64,
    ) -> Result<Rupture> {
        if trace.len() < 2 {
            return Err(HazardError::InvalidInput(
                "a fault trace needs at least two points".into(),
            ));
        }
        let c = trace[0].0.to_radians().cos();
        let planes: Vec<FaultPlane> = trace
            .windows(2)
            .map(|w| {
                let dy = (w[1].0 - w[0].0) * KM_PER_DEG;
                let dx = (w[1].1 - w[0].1) * KM_PER_DEG * c;
                FaultPlane {
                    lat: w[0].0,
                    lon: w[0].1,
                    top_depth,
                    strike: dx.atan2(dy).to_degrees().rem_euclid(360.0),
                    dip,
                    length: (dx * dx + dy * dy).sqrt(),
                    width,
                }
            })
            .collect();
        Rupture::finite(mag, rake, hypocentre, &planes)
    }

    fn to_local(&self, lat: f64, lon: f64) -> (f64, f64) {
        let mut dlon = lon - self.ref_lon;
        if dlon > 180.0 {
            dlon -= 360.0;
        } else if dlon < -180.0 {
            dlon += 360.0;
        }
        (
            dlon * KM_PER_DEG * self.cos_ref,
            (lat - self.ref_lat) * KM_PER_DEG,
        )
    }

    /// (Rrup, Rjb) in km at a site on the surface.
    pub fn distances(&self, lat: f64, lon: f64) -> (f64, f64) {
        let (x, y) = self.to_local(lat, lon);
        match &self.geometry {
            Geometry::Point => {
                let (hx, hy) = self.to_local(self.hypo_lat, self.hypo_lon);
                let rjb = ((x - hx).powi(2) + (y - hy).powi(2)).sqrt();
                (rjb.hypot(self.hypo_depth), rjb)
            }
            Geometry::Planes(planes) => {
                let mut rrup = f64::INFINITY;
                let mut rjb = f64::INFINITY;
                for p in planes {
                    let d = [x - p.origin[0], y - p.origin[1], -p.origin[2]];
                    let a = (d[0] * p.u[0] + d[1] * p.u[1]).clamp(0.0, p.length);
                    let b = (d[0] * p.v[0] + d[1] * p.v[1] + d[2] * p.v[2]).clamp(0.0, p.width);
                    let q = [
                        p.origin[0] + a * p.u[0] + b * p.v[0],
                        p.origin[1] + a * p.u[1] + b * p.v[1],
                        p.origin[2] + b * p.v[2],
                    ];
                    let r = ((x - q[0]).powi(2) + (y - q[1]).powi(2) + q[2].powi(2)).sqrt();
                    rrup = rrup.min(r);
                    // Surface projection.
                    let bh = (d[0] * p.vh[0] + d[1] * p.vh[1]).clamp(0.0, p.width_h);
                    let qx = p.origin[0] + a * p.u[0] + bh * p.vh[0];
                    let qy = p.origin[1] + a * p.u[1] + bh * p.vh[1];
                    rjb = rjb.min(((x - qx).powi(2) + (y - qy).powi(2)).sqrt());
                }
                (rrup, rjb)
            }
        }
    }

    /// The ground-motion model input at a site with the given Vs30.
    pub fn gmpe_input(&self, lat: f64, lon: f64, vs30: f64) -> GmpeInput {
        let (rrup, rjb) = self.distances(lat, lon);
        GmpeInput {
            mag: self.mag,
            rake: self.rake,
            hypo_depth: self.hypo_depth,
            rrup,
            rjb,
            vs30,
        }
    }

    /// The site's position (east, north) in km in the rupture's local frame.
    pub fn local_xy(&self, lat: f64, lon: f64) -> (f64, f64) {
        self.to_local(lat, lon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A site `east_km` east of the origin (trace start) and `north_km` north.
    fn site(east_km: f64, north_km: f64) -> (f64, f64) {
        (north_km / KM_PER_DEG, east_km / KM_PER_DEG)
    }

    #[test]
    fn dipping_fault_distances() -> Result<()> {
        // Strike north, dip 45° to the east, top at the surface,
        // 20 km long, width 10√2 km (bottom at 10 km, 10 km east).
        let plane = FaultPlane {
            lat: 0.0,
            lon: 0.0,
            top_depth: 0.0,
            strike: 0.0,
            dip: 45.0,
            length: 20.0,
            width: 10.0 * 2f64.sqrt(),
        };
        let r = Rupture::finite(7.0, 90.0, (0.05, 0.05, 5.0), &[plane])?;
        // Hanging wall, 5 km east, mid-length: above the plane.
        let (la, lo) = site(5.0, 10.0);
        let (rrup, rjb) = r.distances(la, lo);
        assert!(rjb.abs() < 1e-9);
        assert!((rrup - 5.0 * 0.5f64.sqrt()).abs() < 1e-9);
        // Footwall, 5 km west.
        let (la, lo) = site(-5.0, 10.0);
        let (rrup, rjb) = r.distances(la, lo);
        assert!((rjb - 5.0).abs() < 1e-9 && (rrup - 5.0).abs() < 1e-9);
        // 15 km east: the perpendicular foot lies inside the plane.
        let (la, lo) = site(15.0, 10.0);
        let (rrup, rjb) = r.distances(la, lo);
        assert!((rjb - 5.0).abs() < 1e-9);
        assert!((rrup - 15.0 * 0.5f64.sqrt()).abs() < 1e-9);
        // 25 km east: closest to the bottom edge (10 km east, 10 km deep).
        let (la, lo) = site(25.0, 10.0);
        let (rrup, rjb) = r.distances(la, lo);
        assert!((rjb - 15.0).abs() < 1e-9);
        assert!((rrup - 325f64.sqrt()).abs() < 1e-9);
        // Off the end along strike.
        let (la, lo) = site(0.0, 23.0);
        let (rrup, rjb) = r.distances(la, lo);
        assert!((rjb - 3.0).abs() < 1e-9 && (rrup - 3.0).abs() < 1e-9);
        Ok(())
    }

    #[test]
    fn centroid_and_point_source() -> Result<()> {
        let p = FaultPlane::from_centroid(0.0, 0.0, 10.0, 90.0, 90.0, 30.0, 10.0)?;
        assert!((p.top_depth - 5.0).abs() < 1e-9);
        let r = Rupture::finite(7.0, 0.0, (0.0, 0.0, 10.0), &[p])?;
        let (la, lo) = site(0.0, 3.0);
        let (rrup, rjb) = r.distances(la, lo);
        assert!((rjb - 3.0).abs() < 1e-6 && (rrup - 34f64.sqrt()).abs() < 1e-6);
        let pt = Rupture::point(6.0, 0.0, 0.0, 0.0, 10.0)?;
        let (rrup, rjb) = pt.distances(la, lo);
        assert!((rjb - 3.0).abs() < 1e-9 && (rrup - 109f64.sqrt()).abs() < 1e-9);
        assert!(FaultPlane::from_centroid(0.0, 0.0, 2.0, 0.0, 90.0, 30.0, 10.0).is_err());
        Ok(())
    }
}
