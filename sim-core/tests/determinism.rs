//! Tests that pin the clauses of `DETERMINISM.md`.

// Test and example code: a failed expectation ends the run with its message.
#![allow(clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;

use sim_core::phold::{self, PholdConfig};
use sim_core::prelude::*;
use sim_core::resource::{Request, Ticket};
use sim_core::rng::{replica_seed, siphash24};

// ---------------------------------------------------------------------------
// A small stochastic model exercising every kernel feature: failures with
// random times, repairs by a crew resource, a periodic control process,
// cancellations and a recorder.
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Ev {
    Fail(u32),
    CrewArrives(u32, Ticket),
    Repaired(u32, Ticket),
    Control,
}

struct Toy {
    up: Vec<bool>,
    fail_rng: Vec<Stream>,
    repair_rng: Vec<Stream>,
    crews: Resource<u32>,
    rec: Recorder,
    next_fail: Vec<Option<EventId>>,
}

impl Toy {
    fn new(replica: u32, seed: u64, assets: u32) -> Self {
        let names: Vec<String> = (0..assets).map(|i| format!("asset-{i}")).collect();
        Toy {
            up: vec![true; assets as usize],
            fail_rng: names.iter().map(|n| stream(seed, n, "failure")).collect(),
            repair_rng: names.iter().map(|n| stream(seed, n, "repair")).collect(),
            crews: Resource::new("crews", 2),
            rec: Recorder::new(replica),
            next_fail: vec![None; assets as usize],
        }
    }

    fn schedule_failure(&mut self, s: &mut Scheduler<Ev>, i: u32) -> Result<(), SimError> {
        let hours = self.fail_rng[i as usize].exponential(1.0 / 20.0);
        let d = SimDuration::from_millis((hours * 3.6e6) as i64);
        self.next_fail[i as usize] = Some(s.schedule_in(d, 1, Ev::Fail(i))?);
        Ok(())
    }
}

impl Model for Toy {
    type Event = Ev;

    fn handle(&mut self, s: &mut Scheduler<Ev>, ev: Ev) -> Result<(), SimError> {
        match ev {
            Ev::Fail(i) => {
                self.up[i as usize] = false;
                self.next_fail[i as usize] = None;
                self.rec
                    .log_event(s.now(), &format!("asset-{i}"), "AssetFailed", "");
                // Priority: even assets are critical (0), odd normal (1).
                match self.crews.request(s.now(), (i % 2) as i32, i) {
                    Request::Granted(g) => {
                        s.schedule_in(SimDuration::from_mins(30), 1, Ev::CrewArrives(i, g.ticket))?;
                    }
                    Request::Queued(_) => {}
                }
            }
            Ev::CrewArrives(i, t) => {
                let hours = self.repair_rng[i as usize].exponential(1.0 / 3.0);
                let d = SimDuration::from_millis((hours * 3.6e6) as i64);
                s.schedule_in(d, 1, Ev::Repaired(i, t))?;
            }
            Ev::Repaired(i, t) => {
                self.up[i as usize] = true;
                self.rec.log_event(
                    s.now(),
                    &format!("asset-{i}"),
                    "AssetRepaired",
                    format!("ticket {}", t.seq()),
                );
                if let Some(g) = self.crews.release(s.now(), t).map_err(SimError::model)? {
                    s.schedule_in(
                        SimDuration::from_mins(30),
                        1,
                        Ev::CrewArrives(g.tag, g.ticket),
                    )?;
                }
                self.schedule_failure(s, i)?;
            }
            Ev::Control => {
                let up = self.up.iter().filter(|u| **u).count();
                self.rec.record(s.now(), "grid", "assets_up", up as f64);
                self.rec
                    .record(s.now(), "crews", "queue", self.crews.queue_len() as f64);
                // A control action that cancels and re-draws asset 0's failure.
                if let Some(id) = self.next_fail[0].take()
                    && s.cancel(id)
                {
                    self.schedule_failure(s, 0)?;
                }
            }
        }
        Ok(())
    }
}

fn run_toy(replica: u32, seed: u64) -> Recorder {
    let assets = 12;
    let mut sim = Simulation::new(Toy::new(replica, seed, assets));
    for i in 0..assets {
        let (m, s) = sim.parts_mut();
        m.schedule_failure(s, i).expect("schedule");
    }
    sim.schedule_periodic(SimTime::ZERO, SimDuration::from_mins(15), 2, Ev::Control)
        .expect("periodic");
    sim.run_until(SimTime::ZERO + SimDuration::from_days(7))
        .expect("run");
    sim.into_model().rec
}

fn output_bytes(threads: usize, seed: u64) -> Vec<u8> {
    let recs = run_replicas_with_threads(8, seed, threads, run_toy).expect("replicas");
    let all = Recorder::concat(&recs);
    let mut out = Vec::new();
    all.write_parquet_to(&mut out).expect("parquet");
    all.write_csv_to(&mut out).expect("csv");
    all.write_events_parquet_to(&mut out)
        .expect("events parquet");
    all.write_events_csv_to(&mut out).expect("events csv");
    out
}

#[test]
fn same_seed_same_bytes_with_1_2_4_threads() {
    let one = output_bytes(1, 7);
    assert!(one.len() > 10_000, "the toy model must record something");
    assert_eq!(one, output_bytes(2, 7), "2 threads");
    assert_eq!(one, output_bytes(4, 7), "4 threads");
    assert_eq!(one, output_bytes(1, 7), "second run");
    assert_ne!(one, output_bytes(1, 8), "another seed gives another output");
}

/// Child half of `rayon_num_threads_does_not_change_bytes`: runs only when
/// started by it (ignored otherwise).
#[test]
#[ignore = "child process of rayon_num_threads_does_not_change_bytes"]
fn child_write_output_bytes() {
    if let Ok(path) = std::env::var("SIM_CORE_CHILD_OUT") {
        // threads = 0: Rayon's global pool, sized by RAYON_NUM_THREADS.
        std::fs::write(path, output_bytes(0, 7)).expect("write");
    }
}

#[test]
fn rayon_num_threads_does_not_change_bytes() {
    let exe = std::env::current_exe().expect("test binary");
    let dir = std::env::temp_dir().join(format!("sim-core-threads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let mut outputs = Vec::new();
    for t in ["1", "2", "4"] {
        let path: PathBuf = dir.join(format!("out-{t}.bin"));
        let out = Command::new(&exe)
            .args([
                "--exact",
                "child_write_output_bytes",
                "--ignored",
                "--test-threads=1",
            ])
            .env("RAYON_NUM_THREADS", t)
            .env("POLARS_MAX_THREADS", t)
            .env("SIM_CORE_CHILD_OUT", &path)
            .output()
            .expect("spawn child");
        assert!(
            out.status.success(),
            "child with {t} threads failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        outputs.push(std::fs::read(&path).expect("read child output"));
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);
    assert_eq!(
        outputs[0],
        output_bytes(3, 7),
        "and in-process with 3 threads"
    );
}

#[test]
fn simultaneous_events_run_in_phase_then_insertion_order() {
    let mut log: Vec<(u64, u16, &'static str)> = Vec::new();
    let mut sim = Simulation::from_fn(|s: &mut Scheduler<&'static str>, e: &'static str| {
        log.push((s.now().as_millis(), s.current_phase(), e));
        // An event scheduled at `now` in an earlier phase runs next.
        if e == "b2" {
            s.schedule_now(0, "late-phase0");
            s.schedule_now(3, "after-d3");
        }
        Ok(())
    });
    let t = SimTime::from_secs(60);
    for (phase, name) in [
        (2, "a2"),
        (1, "a1"),
        (2, "b2"),
        (0, "a0"),
        (1, "b1"),
        (3, "d3"),
    ] {
        sim.schedule_at(t, phase, name).expect("schedule");
    }
    sim.schedule_at(SimTime::from_secs(59), 9, "earlier")
        .expect("schedule");
    sim.run().expect("run");
    drop(sim);
    let names: Vec<&str> = log.iter().map(|x| x.2).collect();
    assert_eq!(
        names,
        [
            "earlier",
            "a0",
            "a1",
            "b1",
            "a2",
            "b2",
            "late-phase0",
            "d3",
            "after-d3"
        ]
    );
}

#[test]
fn cancel_removes_exactly_that_event() {
    let mut log = Vec::new();
    let mut sim = Simulation::from_fn(|_s: &mut Scheduler<u32>, e: u32| {
        log.push(e);
        Ok(())
    });
    let t = SimTime::from_secs(1);
    let ids: Vec<EventId> = (0..6)
        .map(|i| sim.schedule_at(t, 0, i).expect("s"))
        .collect();
    assert!(sim.cancel(ids[2]));
    assert!(!sim.cancel(ids[2]), "second cancel is a no-op");
    assert_eq!(sim.scheduler().pending(), 5);
    // A new event reuses slot 2; the old id must not cancel it.
    let reused = sim.schedule_at(t, 0, 100).expect("s");
    assert!(!sim.cancel(ids[2]));
    assert!(sim.scheduler().is_pending(reused));
    sim.run().expect("run");
    assert!(!sim.cancel(ids[0]), "an event that ran cannot be cancelled");
    drop(sim);
    assert_eq!(log, vec![0, 1, 3, 4, 5, 100]);
}

#[test]
fn cancel_and_reschedule_inside_handlers_and_periodic() {
    let mut log = Vec::new();
    let mut periodic: Option<EventId> = None;
    let mut sim = Simulation::from_fn(|s: &mut Scheduler<u32>, e: u32| {
        log.push((s.now().as_millis(), e));
        if e == 7 && s.now() >= SimTime::from_millis(30) {
            // The periodic process cancels itself.
            if let Some(id) = s.current() {
                assert!(s.cancel(id));
            }
        }
        Ok(())
    });
    periodic.replace(
        sim.schedule_periodic(SimTime::from_millis(10), SimDuration::from_millis(10), 0, 7)
            .expect("periodic"),
    );
    let moved = sim.schedule_at(SimTime::from_millis(5), 0, 1).expect("s");
    assert!(
        sim.scheduler_mut()
            .reschedule(moved, SimTime::from_millis(25))
            .expect("r")
    );
    assert_eq!(
        sim.scheduler().scheduled_time(moved),
        Some(SimTime::from_millis(25))
    );
    sim.run().expect("run");
    let p = periodic.expect("id");
    assert!(!sim.scheduler().is_pending(p));
    drop(sim);
    assert_eq!(log, vec![(10, 7), (20, 7), (25, 1), (30, 7)]);
}

#[test]
fn resource_requests_are_served_in_documented_order() {
    let mut r: Resource<&str> = Resource::new("crews", 2);
    let t = |s| SimTime::from_secs(s);
    let a = match r.request(t(0), 5, "a") {
        Request::Granted(g) => g,
        Request::Queued(_) => panic!("a must be granted"),
    };
    let b = match r.request(t(1), 5, "b") {
        Request::Granted(g) => g,
        Request::Queued(_) => panic!("b must be granted"),
    };
    // All units busy: these wait.
    for (i, (p, tag)) in [(5, "c"), (1, "d"), (5, "e"), (1, "f"), (-3, "g"), (5, "h")]
        .into_iter()
        .enumerate()
    {
        assert!(matches!(
            r.request(t(2 + i as u64), p, tag),
            Request::Queued(_)
        ));
    }
    let order: Vec<&str> = r.waiting().map(|(_, t)| *t).collect();
    assert_eq!(order, ["g", "d", "f", "c", "e", "h"]);
    // Withdraw one; release serves the rest in that order.
    let e_ticket = r
        .waiting()
        .find(|(_, t)| **t == "e")
        .map(|(k, _)| k)
        .expect("e waits");
    assert_eq!(r.withdraw(e_ticket), Some("e"));
    let mut served = Vec::new();
    let mut held = vec![a.ticket, b.ticket];
    let mut now = 100;
    while let Some(tk) = held.pop() {
        now += 1;
        if let Some(g) = r.release(t(now), tk).expect("release") {
            assert_eq!(g.granted_at, t(now));
            served.push(g.tag);
            held.insert(0, g.ticket);
        }
    }
    assert_eq!(served, ["g", "d", "f", "c", "h"]);
    assert_eq!(r.in_use(), 0);
    assert!(
        r.release(t(now), a.ticket).is_err(),
        "double release is an error"
    );
    // Growing the capacity serves the queue at once.
    let mut r2: Resource<u32> = Resource::new("trucks", 0);
    for i in 0..3 {
        assert!(matches!(r2.request(t(0), 0, i), Request::Queued(_)));
    }
    let grants = r2.set_capacity(t(5), 2);
    assert_eq!(grants.iter().map(|g| g.tag).collect::<Vec<_>>(), [0, 1]);
    assert_eq!(r2.queue_len(), 1);
}

#[test]
fn adding_an_unrelated_entity_does_not_change_draws() {
    // Model: each entity draws a delay from its own stream and records it.
    fn run(entities: &[&str]) -> Vec<(String, u64, f64)> {
        struct M {
            names: Vec<String>,
            rngs: Vec<Stream>,
            out: Vec<(String, u64, f64)>,
        }
        impl Model for M {
            type Event = usize;
            fn handle(&mut self, s: &mut Scheduler<usize>, i: usize) -> Result<(), SimError> {
                let x = self.rngs[i].exponential(1.0);
                self.out
                    .push((self.names[i].clone(), s.now().as_millis(), x));
                s.schedule_in_ms((x * 1000.0) as u64 + 1, 0, i)?;
                Ok(())
            }
        }
        let m = M {
            names: entities.iter().map(|s| s.to_string()).collect(),
            rngs: entities.iter().map(|e| stream(99, e, "delay")).collect(),
            out: Vec::new(),
        };
        let mut sim = Simulation::new(m);
        for i in 0..entities.len() {
            sim.schedule_at(SimTime::ZERO, 0, i).expect("s");
        }
        sim.run_until(SimTime::from_secs(200)).expect("run");
        sim.into_model().out
    }
    let only = |v: &[(String, u64, f64)], name: &str| -> Vec<(u64, u64)> {
        v.iter()
            .filter(|x| x.0 == name)
            .map(|x| (x.1, x.2.to_bits()))
            .collect()
    };
    let base = run(&["bus-1", "bus-2"]);
    let more = run(&["new-feeder", "bus-1", "pv-9", "bus-2"]);
    assert!(only(&base, "bus-1").len() > 50);
    assert_eq!(only(&base, "bus-1"), only(&more, "bus-1"));
    assert_eq!(only(&base, "bus-2"), only(&more, "bus-2"));
    // And at the stream level: other streams in between change nothing.
    let mut a = stream(5, "x", "p");
    let first: Vec<u64> = (0..10).map(|_| a.next_bits()).collect();
    let _other = stream(5, "y", "p").next_bits();
    let mut again = stream(5, "x", "p");
    assert_eq!(
        first,
        (0..10).map(|_| again.next_bits()).collect::<Vec<_>>()
    );
}

#[test]
fn golden_values() {
    // These constants are part of the contract (DETERMINISM.md, clauses 5,
    // 6, 7 and 9): they must be identical on every platform.
    let mut s = stream(42, "lp/0", "phold");
    let bits = [s.next_bits(), s.next_bits(), s.next_bits()];
    let u = s.uniform();
    let e = s.exponential(0.5);
    let z = s.standard_normal();
    let below = s.below(1000);
    let got = (
        bits,
        u.to_bits(),
        e.to_bits(),
        z.to_bits(),
        below,
        replica_seed(42, 3),
    );
    println!("golden: {got:x?}");
    assert_eq!(got, GOLDEN_STREAM);

    // The ziggurat exponential: the first draw, and a hash of 100,000 draws
    // (which take the wedge and tail paths too).
    let mut s = stream(42, "lp/0", "ziggurat");
    let first = s.standard_exponential().to_bits();
    let mut bytes = Vec::with_capacity(800_000);
    for _ in 0..100_000 {
        bytes.extend_from_slice(&s.standard_exponential().to_bits().to_le_bytes());
    }
    let zig = (first, siphash24(0, 0, &bytes));
    println!("golden ziggurat: {zig:x?}");
    assert_eq!(zig, GOLDEN_ZIGGURAT);

    let cfg = PholdConfig {
        lps: 100,
        events: 100_000,
        seed: 42,
        ..PholdConfig::default()
    };
    let o = phold::run(&cfg).expect("phold");
    println!("golden phold: {o:x?}");
    assert_eq!(
        (o.events, o.final_time.as_millis(), o.checksum),
        GOLDEN_PHOLD
    );
}

type Golden = ([u64; 3], u64, u64, u64, u64, u64);
const GOLDEN_STREAM: Golden = (
    [
        0x5c83_0c79_362f_9f10,
        0x87e6_7d24_5209_9c61,
        0xab60_c900_f974_369d,
    ],
    0x3fef_b5c2_b180_6efe, // uniform()
    0x4013_91d7_7f27_d388, // exponential(0.5)
    0xbfe4_e282_3e2c_9198, // standard_normal()
    0x35a,                 // below(1000) = 858
    0xadb7_c3cf_64ac_5640, // replica_seed(42, 3)
);
const GOLDEN_ZIGGURAT: (u64, u64) = (0x3ff7_95a4_7904_350f, 0x9400_d3c9_7c2a_3183);
const GOLDEN_PHOLD: (u64, u64, u64) = (100_000, 1_099_343, 0xbe7c_967d_ade7_122e);
