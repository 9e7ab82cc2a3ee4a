//! Exporters: the network as GeoJSON (RFC 7946) for GIS tools.
//!
//! Buses with coordinates become `Point` features; branches and switches
//! between two such buses become `LineString` features. Properties carry the
//! element kind, id, name, status and (for buses) the number. Elements
//! without coordinates are left out. Coordinates are `[lon, lat]` (WGS 84),
//! as RFC 7946 requires.

use serde_json::{Value, json};

use crate::network::{BusKind, Network};

/// The network as a GeoJSON `FeatureCollection`.
pub fn to_geojson(net: &Network) -> Value {
    let mut features = Vec::new();
    for b in &net.buses {
        let Some(c) = b.coord else { continue };
        let kind = match b.kind {
            BusKind::Pq => "pq",
            BusKind::Pv => "pv",
            BusKind::Ref => "ref",
            BusKind::Isolated => "isolated",
        };
        features.push(json!({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
            "properties": {
                "element": "bus",
                "id": b.id,
                "name": b.name,
                "bus_type": kind,
                "base_kv": b.base_kv,
                "in_service": b.in_service,
            },
        }));
    }
    let line = |f: usize, t: usize| match (net.buses[f].coord, net.buses[t].coord) {
        (Some(a), Some(b)) => {
            Some(json!({"type": "LineString", "coordinates": [[a.lon, a.lat], [b.lon, b.lat]]}))
        }
        _ => None,
    };
    for br in &net.branches {
        let Some(g) = line(br.from, br.to) else {
            continue;
        };
        features.push(json!({
            "type": "Feature",
            "geometry": g,
            "properties": {
                "element": if br.is_transformer() { "transformer" } else { "line" },
                "id": br.id,
                "from_bus": net.buses[br.from].id,
                "to_bus": net.buses[br.to].id,
                "r_pu": br.r,
                "x_pu": br.x,
                "in_service": br.in_service,
            },
        }));
    }
    for s in &net.switches {
        let Some(g) = line(s.from, s.to) else {
            continue;
        };
        features.push(json!({
            "type": "Feature",
            "geometry": g,
            "properties": {
                "element": "switch",
                "id": s.id,
                "from_bus": net.buses[s.from].id,
                "to_bus": net.buses[s.to].id,
                "closed": s.closed,
                "in_service": s.in_service,
            },
        }));
    }
    json!({"type": "FeatureCollection", "features": features})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{Branch, Bus, Coord, Switch};

    fn bus(id: u64, lon: Option<f64>) -> Bus {
        Bus {
            id,
            kind: BusKind::Pq,
            vm: 1.0,
            va_deg: 0.0,
            base_kv: 6.6,
            in_service: true,
            coord: lon.map(|lon| Coord { lon, lat: 35.0 }),
            name: None,
        }
    }

    #[test]
    fn points_and_lines_in_lon_lat_order_and_uncoordinated_elements_left_out() {
        let br = |f, t| Branch {
            id: format!("{f}-{t}"),
            from: f,
            to: t,
            r: 0.01,
            x: 0.1,
            b: 0.0,
            rate_a_mva: 0.0,
            ratio: 0.0,
            shift_deg: 0.0,
            in_service: true,
        };
        let sw = Switch {
            id: "s".into(),
            from: 0,
            to: 1,
            closed: false,
            in_service: true,
        };
        let net = Network::new(
            1.0,
            vec![bus(1, Some(139.0)), bus(2, Some(139.1)), bus(3, None)],
            vec![br(0, 1), br(1, 2)],
            vec![],
            vec![],
            vec![],
            vec![sw],
        )
        .expect("valid network");
        let g = to_geojson(&net);
        let f = g["features"].as_array().expect("features");
        // 2 buses with coordinates, 1 branch between them, 1 switch.
        assert_eq!(f.len(), 4);
        assert_eq!(f[0]["geometry"]["coordinates"], json!([139.0, 35.0]));
        assert_eq!(
            f[2]["geometry"]["coordinates"],
            json!([[139.0, 35.0], [139.1, 35.0]])
        );
        assert_eq!(f[3]["properties"]["element"], "switch");
        assert_eq!(f[3]["properties"]["closed"], false);
    }
}
