//! QuakeML 1.2 (BED) events: preferred origin, preferred magnitude and the
//! first focal mechanism's nodal planes.
//!
//! QuakeML carries no finite-fault geometry. [`QuakeMlEvent::rupture`]
//! therefore builds a plane on nodal plane 1 centred on the hypocentre with
//! Wells & Coppersmith (1994, BSSA 84:974–1002, Table 2A, all slip types)
//! dimensions, log10 L = −2.44 + 0.59 M (subsurface length, km) and
//! log10 W = −1.01 + 0.32 M (down-dip width, km), shifted down if it would
//! breach the surface: an assumption that a user should replace with a
//! published fault model where one exists. Without a mechanism it is a point
//! source.

use std::path::Path;

use super::xml::{Node, parse};
use crate::error::{HazardError, Result};
use crate::rupture::{FaultPlane, Rupture};

/// A nodal plane (degrees).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NodalPlane {
    /// Strike.
    pub strike: f64,
    /// Dip.
    pub dip: f64,
    /// Rake.
    pub rake: f64,
}

/// An earthquake read from QuakeML.
#[derive(Debug, Clone, PartialEq)]
pub struct QuakeMlEvent {
    /// The event's publicID.
    pub public_id: String,
    /// Origin time as written (ISO 8601).
    pub time: String,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Depth, km (QuakeML stores metres).
    pub depth_km: f64,
    /// Magnitude value.
    pub mag: f64,
    /// Magnitude type (e.g. `Mw`).
    pub mag_type: String,
    /// Nodal planes of the first focal mechanism.
    pub nodal_planes: Vec<NodalPlane>,
}

fn value(n: &Node, path: &[&str], file: &str, what: &str) -> Result<f64> {
    let v = n.path(path).ok_or_else(|| HazardError::Missing {
        file: file.to_string(),
        name: format!("{what}/{}", path.join("/")),
    })?;
    let t = v.text.trim();
    t.parse().map_err(|_| {
        HazardError::parse(
            file,
            0,
            format!("{what}/{}", path.join("/")),
            format!("`{t}` is not a number"),
        )
    })
}

fn find_by_id<'a>(parent: &'a Node, tag: &'a str, id: Option<&str>) -> Option<&'a Node> {
    let mut it = parent.children_named(tag);
    match id {
        Some(id) => parent
            .children_named(tag)
            .find(|n| n.attr("publicID") == Some(id))
            .or_else(|| it.next()),
        None => it.next(),
    }
}

impl QuakeMlEvent {
    /// Reads the first event of a QuakeML file.
    pub fn read(path: &Path) -> Result<QuakeMlEvent> {
        let text = std::fs::read_to_string(path).map_err(|e| HazardError::io(path, e))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses QuakeML text; `name` names it in errors.
    pub fn parse(text: &str, name: &str) -> Result<QuakeMlEvent> {
        let root = parse(text, name)?;
        let missing = |what: &str| HazardError::Missing {
            file: name.to_string(),
            name: what.to_string(),
        };
        let qml = root.child("quakeml").ok_or_else(|| missing("quakeml"))?;
        let ep = qml
            .child("eventParameters")
            .ok_or_else(|| missing("eventParameters"))?;
        let ev = ep.child("event").ok_or_else(|| missing("event"))?;
        let pref_o = ev
            .child("preferredOriginID")
            .map(|n| n.text.trim().to_string());
        let pref_m = ev
            .child("preferredMagnitudeID")
            .map(|n| n.text.trim().to_string());
        let origin =
            find_by_id(ev, "origin", pref_o.as_deref()).ok_or_else(|| missing("origin"))?;
        let mag =
            find_by_id(ev, "magnitude", pref_m.as_deref()).ok_or_else(|| missing("magnitude"))?;
        let mut nodal_planes = Vec::new();
        if let Some(np) = ev.path(&["focalMechanism", "nodalPlanes"]) {
            for tag in ["nodalPlane1", "nodalPlane2"] {
                if let Some(p) = np.child(tag) {
                    nodal_planes.push(NodalPlane {
                        strike: value(p, &["strike", "value"], name, tag)?,
                        dip: value(p, &["dip", "value"], name, tag)?,
                        rake: value(p, &["rake", "value"], name, tag)?,
                    });
                }
            }
        }
        let lat = value(origin, &["latitude", "value"], name, "origin")?;
        let lon = value(origin, &["longitude", "value"], name, "origin")?;
        if lat.abs() > 90.0 {
            return Err(HazardError::parse(
                name,
                0,
                "origin/latitude",
                format!("{lat} is outside −90..90"),
            ));
        }
        Ok(QuakeMlEvent {
            public_id: ev.attr("publicID").unwrap_or("").to_string(),
            time: origin
                .path(&["time", "value"])
                .map(|n| n.text.trim().to_string())
                .unwrap_or_default(),
            lat,
            lon,
            depth_km: value(origin, &["depth", "value"], name, "origin")? / 1000.0,
            mag: value(mag, &["mag", "value"], name, "magnitude")?,
            mag_type: mag
                .child("type")
                .map(|n| n.text.trim().to_string())
                .unwrap_or_default(),
            nodal_planes,
        })
    }

    /// The rupture (see the module documentation).
    pub fn rupture(&self) -> Result<Rupture> {
        let hypo = (self.lat, self.lon, self.depth_km);
        let Some(np) = self.nodal_planes.first() else {
            return Rupture::point(self.mag, 0.0, self.lat, self.lon, self.depth_km);
        };
        let length = 10f64.powf(-2.44 + 0.59 * self.mag);
        let width = 10f64.powf(-1.01 + 0.32 * self.mag);
        let half_vert = 0.5 * width * np.dip.to_radians().sin();
        let depth = self.depth_km.max(half_vert);
        let plane =
            FaultPlane::from_centroid(self.lat, self.lon, depth, np.strike, np.dip, length, width)?;
        Rupture::finite(self.mag, np.rake, hypo, &[plane])
    }
}
