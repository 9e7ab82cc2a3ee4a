//! Restoration durations and crew dispatch are deterministic and follow the
//! documented priority.

// Test and example code: a failed expectation ends the run with its message.
#![allow(clippy::expect_used, clippy::panic)]

use disaster_scenarios::restoration::{
    Component, Crew, RepairJob, RestorationTable, dispatch, haversine_km,
};
use sim_core::time::{SimDuration, SimTime};

fn job(id: &str, lat: f64, lon: f64, priority: u8, hours: i64) -> RepairJob {
    RepairJob {
        asset_id: id.into(),
        lat,
        lon,
        priority,
        available_at: SimTime::ZERO,
        duration: SimDuration::from_hours(hours),
    }
}

#[test]
fn critical_first_and_travel_time() {
    let crews = vec![Crew {
        id: "c1".into(),
        lat: 0.0,
        lon: 0.0,
        speed_kmh: 50.0,
    }];
    let jobs = vec![
        job("normal-near", 0.0, 0.01, 2, 1),
        job("critical-far", 0.0, 0.5, 0, 2),
        job("essential", 0.0, 0.2, 1, 1),
    ];
    let a = dispatch(&crews, &jobs, SimTime::ZERO, 1.0).expect("dispatch");
    let ids: Vec<&str> = a.iter().map(|x| x.asset_id.as_str()).collect();
    assert_eq!(ids, ["critical-far", "essential", "normal-near"]);
    // 0.5° of longitude at the equator = 55.6 km → 1.112 h at 50 km/h.
    let km = haversine_km(0.0, 0.0, 0.0, 0.5);
    let travel_ms = (km / 50.0 * 3_600_000.0).round() as u64;
    assert_eq!(a[0].start, SimTime::from_millis(travel_ms));
    assert_eq!(a[0].end, a[0].start + SimDuration::from_hours(2));
    assert_eq!(a[1].depart, a[0].end);
}

#[test]
fn two_crews_share_work_deterministically() {
    let crews: Vec<Crew> = (0..2)
        .map(|i| Crew {
            id: format!("c{i}"),
            lat: 32.8,
            lon: 130.7 + 0.1 * i as f64,
            speed_kmh: 30.0,
        })
        .collect();
    let table = RestorationTable::builtin().expect("table");
    let jobs: Vec<RepairJob> = (0..40)
        .map(|i| {
            let mut rng = sim_core::rng::stream(11, &format!("sub-{i}"), "repair");
            let ds = 1 + (i % 4) as u8;
            RepairJob {
                asset_id: format!("sub-{i:02}"),
                lat: 32.7 + 0.005 * i as f64,
                lon: 130.6 + 0.007 * (i % 7) as f64,
                priority: (i % 3) as u8,
                available_at: SimTime::ZERO,
                duration: table
                    .sample(Component::Substation, ds, &mut rng)
                    .expect("duration"),
            }
        })
        .collect();
    let a = dispatch(&crews, &jobs, SimTime::ZERO, 1.4).expect("dispatch");
    let b = dispatch(&crews, &jobs, SimTime::ZERO, 1.4).expect("dispatch");
    assert_eq!(a, b);
    assert_eq!(a.len(), 40);
    assert!(a.iter().any(|x| x.crew == 0) && a.iter().any(|x| x.crew == 1));
    // Critical jobs are dispatched before any other.
    let first_other = a
        .iter()
        .position(|x| {
            jobs.iter()
                .find(|j| j.asset_id == x.asset_id)
                .map(|j| j.priority)
                != Some(0)
        })
        .expect("other");
    assert!(a[..first_other].len() >= 13);
    // No crew works on two jobs at once.
    for c in 0..2 {
        let mine: Vec<_> = a.iter().filter(|x| x.crew == c).collect();
        for w in mine.windows(2) {
            assert!(w[1].depart >= w[0].end && w[1].start >= w[0].end);
        }
    }
}

#[test]
fn restoration_table_and_sampling() {
    let t = RestorationTable::builtin().expect("table");
    let rt = t.get(Component::Substation, 2).expect("moderate");
    assert_eq!((rt.mean_days, rt.sigma_days), (3.0, 1.5));
    // Sample mean of many draws ≈ μ (the 5 % floor barely matters here).
    let mut rng = disaster_scenarios::rng::SplitMix64::new(5);
    let n = 20_000;
    let mean: f64 = (0..n)
        .map(|_| {
            t.sample(Component::Substation, 2, &mut rng)
                .expect("d")
                .as_secs_f64()
                / 86_400.0
        })
        .sum::<f64>()
        / n as f64;
    assert!((mean - 3.0).abs() < 0.06, "{mean}");
    assert_eq!(
        Component::for_class("EPP3"),
        Some(Component::GenerationPlant)
    );
}
