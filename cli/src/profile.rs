//! `blackstart profile`: asset profiles over time.
//!
//! `blackstart profile pv` writes a clear-sky PV profile, `time,poa_w_m2,ac_kw`,
//! computed as pvlib 0.16 does (see `grid_model::assets::pv`):
//! `solarposition.spa_python` → `clearsky.haurwitz` → `irradiance.erbs` →
//! `irradiance.get_total_irradiance(model='isotropic', albedo=0.2)` →
//! `pvsystem.pvwatts_dc(temp_cell=25, gamma_pdc=-0.004)` →
//! `inverter.pvwatts(eta_inv_nom=0.96)`, the inverter's AC rating equal to the
//! DC capacity unless `--inverter-ac-kw` says otherwise.
//!
//! Times: `--start` and `--end` are RFC 3339 / ISO 8601 instants with a UTC
//! offset (`2024-06-21T00:00:00+09:00`, `...Z`; seconds may be omitted); the
//! profile runs from `--start` to `--end` inclusive every `--step` (`15min`,
//! `1h`, `30s`, `1h30min`, ...: whole seconds). Each row is the instant itself
//! (no shift to mid-interval), printed in RFC 3339 with `--start`'s offset.
//! `poa_w_m2` is printed with 4 decimals, `ac_kw` with 6.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, FixedOffset, SecondsFormat, TimeDelta};
use grid_model::assets::{AssetError, Observer, PvPlant, PvSystem, SunInstant};

use sim_core::time::SimDuration;

use super::CliError;

/// Largest number of rows one `profile pv` run may write.
const MAX_ROWS: i64 = 20_000_000;

/// Arguments of `blackstart profile`.
#[derive(Debug, clap::Args)]
pub struct ProfileArgs {
    /// The kind of profile.
    #[command(subcommand)]
    pub command: ProfileCommand,
}

/// The profiles `blackstart profile` can write.
#[derive(Debug, clap::Subcommand)]
pub enum ProfileCommand {
    /// Clear-sky PV output (time,poa_w_m2,ac_kw), computed as pvlib 0.16 does:
    /// NREL SPA, Haurwitz, Erbs, isotropic transposition, PVWatts DC and
    /// inverter.
    Pv(PvArgs),
}

/// Arguments of `blackstart profile pv`.
#[derive(Debug, Clone, clap::Args)]
pub struct PvArgs {
    /// Latitude, degrees north (−90..90).
    #[arg(long, allow_negative_numbers = true)]
    pub lat: f64,
    /// Longitude, degrees east (−180..180).
    #[arg(long, allow_negative_numbers = true)]
    pub lon: f64,
    /// Array tilt from horizontal, degrees (0..180).
    #[arg(long, allow_negative_numbers = true)]
    pub tilt: f64,
    /// Array azimuth, degrees clockwise from north (180 = facing south).
    #[arg(long, allow_negative_numbers = true)]
    pub azimuth: f64,
    /// DC capacity at 1000 W/m² and 25 °C, kW (PVWatts `pdc0`).
    #[arg(long, allow_negative_numbers = true)]
    pub dc_kw: f64,
    /// First instant, RFC 3339 with an offset, e.g. 2024-06-21T00:00:00+09:00.
    #[arg(long)]
    pub start: String,
    /// Last instant (included when on the step grid), same format.
    #[arg(long)]
    pub end: String,
    /// Time step: an integer with a unit, s / min / h / d (e.g. 15min, 1h, 30s,
    /// 1h30min).
    #[arg(long, default_value = "15min")]
    pub step: String,
    /// Output CSV file (`-` for standard output).
    #[arg(long)]
    pub out: PathBuf,
    /// Site elevation above sea level, m (pvlib `altitude`).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub altitude: f64,
    /// Ground albedo.
    #[arg(long, default_value_t = 0.2, allow_negative_numbers = true)]
    pub albedo: f64,
    /// Cell temperature, °C.
    #[arg(long, default_value_t = 25.0, allow_negative_numbers = true)]
    pub temp_cell: f64,
    /// PVWatts temperature coefficient of power, 1/°C.
    #[arg(long, default_value_t = -0.004, allow_negative_numbers = true)]
    pub gamma_pdc: f64,
    /// Nominal inverter efficiency.
    #[arg(long, default_value_t = 0.96, allow_negative_numbers = true)]
    pub eta_inv_nom: f64,
    /// Inverter AC rating, kW (default: the DC capacity; pvlib's inverter
    /// `pdc0` is this divided by --eta-inv-nom).
    #[arg(long, allow_negative_numbers = true)]
    pub inverter_ac_kw: Option<f64>,
    /// ΔT = TT − UT1 for the solar position, seconds.
    #[arg(long, default_value_t = 67.0, allow_negative_numbers = true)]
    pub delta_t: f64,
    /// Mean air pressure for refraction, Pa.
    #[arg(long, default_value_t = 101_325.0, allow_negative_numbers = true)]
    pub pressure: f64,
    /// Mean air temperature for refraction, °C.
    #[arg(long, default_value_t = 12.0, allow_negative_numbers = true)]
    pub temperature: f64,
}

/// Runs `blackstart profile`.
pub fn run(args: ProfileArgs) -> Result<ExitCode, CliError> {
    match args.command {
        ProfileCommand::Pv(a) => run_pv(&a),
    }
}

/// One row of a PV profile.
#[derive(Debug, Clone, PartialEq)]
struct PvRow {
    time: String,
    poa_w_m2: f64,
    ac_kw: f64,
}

fn run_pv(a: &PvArgs) -> Result<ExitCode, CliError> {
    let rows = pv_profile(a)?;
    let step_s = parse_step(&a.step)?;
    let to_stdout = a.out.as_os_str() == "-";
    let write_err =
        |e: std::io::Error| CliError::Failed(format!("cannot write {}: {e}", a.out.display()));
    if to_stdout {
        let stdout = std::io::stdout();
        write_csv(&mut stdout.lock(), &rows).map_err(write_err)?;
    } else {
        let f = File::create(&a.out)
            .map_err(|e| CliError::BadInput(format!("cannot create {}: {e}", a.out.display())))?;
        let mut w = BufWriter::new(f);
        write_csv(&mut w, &rows)
            .and_then(|()| w.flush())
            .map_err(write_err)?;
    }
    let energy_kwh: f64 = rows.iter().map(|r| r.ac_kw).sum::<f64>() * step_s as f64 / 3600.0;
    let peak = rows.iter().fold(None::<&PvRow>, |m, r| match m {
        Some(p) if p.ac_kw >= r.ac_kw => Some(p),
        _ => Some(r),
    });
    let summary = format!(
        "profile pv: {} rows every {step_s} s; AC energy {energy_kwh:.3} kWh (sum of ac_kw x step); peak {} -> {}",
        rows.len(),
        peak.map_or_else(
            || "-".to_owned(),
            |p| format!("{:.3} kW at {}", p.ac_kw, p.time)
        ),
        if to_stdout {
            "stdout".to_owned()
        } else {
            a.out.display().to_string()
        },
    );
    if to_stdout {
        eprintln!("{summary}");
    } else {
        let _ = writeln!(std::io::stdout().lock(), "{summary}");
    }
    Ok(ExitCode::SUCCESS)
}

fn write_csv<W: Write>(w: &mut W, rows: &[PvRow]) -> std::io::Result<()> {
    writeln!(w, "time,poa_w_m2,ac_kw")?;
    for r in rows {
        // `+ 0.0` turns a negative zero into 0.
        writeln!(w, "{},{:.4},{:.6}", r.time, r.poa_w_m2 + 0.0, r.ac_kw + 0.0)?;
    }
    Ok(())
}

/// Validates the flags and computes the profile.
fn pv_profile(a: &PvArgs) -> Result<Vec<PvRow>, CliError> {
    let (start, use_z) = parse_time("--start", &a.start)?;
    let (end, _) = parse_time("--end", &a.end)?;
    let step_s = parse_step(&a.step)?;
    if end < start {
        return Err(CliError::BadInput(format!(
            "--end {} is before --start {}",
            a.end, a.start
        )));
    }
    let span_s = (end - start).num_seconds();
    let n = span_s / step_s + 1;
    if n > MAX_ROWS {
        return Err(CliError::BadInput(format!(
            "{n} rows from --start to --end every {step_s} s: more than {MAX_ROWS}; use a larger --step"
        )));
    }
    if !a.delta_t.is_finite() || a.delta_t.abs() > 100_000.0 {
        return Err(CliError::BadInput(format!(
            "--delta-t {}: expected seconds in [-100000, 100000]",
            a.delta_t
        )));
    }
    if !(a.pressure.is_finite() && (100.0..=200_000.0).contains(&a.pressure)) {
        return Err(CliError::BadInput(format!(
            "--pressure {}: expected Pa in [100, 200000]",
            a.pressure
        )));
    }
    let observer = Observer::new(a.lat, a.lon)
        .with_elevation(a.altitude)
        .with_atmosphere(a.pressure / 100.0, a.temperature);
    let mut system = PvSystem::new(a.tilt, a.azimuth, a.dc_kw);
    system.inverter_ac_kw = a.inverter_ac_kw.unwrap_or(a.dc_kw);
    system.albedo = a.albedo;
    system.temp_cell_c = a.temp_cell;
    system.gamma_pdc = a.gamma_pdc;
    system.eta_inv_nom = a.eta_inv_nom;
    let plant = PvPlant::new(observer, system).map_err(flag_error)?;

    let offset = *start.offset();
    let mut rows = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
    for k in 0..n {
        let t = start + TimeDelta::seconds(k * step_s);
        let unix = t.timestamp() as f64 + f64::from(t.timestamp_subsec_nanos()) * 1e-9;
        let out = plant.clear_sky_at(&SunInstant::new(unix, a.delta_t));
        rows.push(PvRow {
            time: t
                .with_timezone(&offset)
                .to_rfc3339_opts(SecondsFormat::AutoSi, use_z),
            poa_w_m2: out.poa.global_w_m2,
            ac_kw: out.ac_kw,
        });
    }
    Ok(rows)
}

/// Maps a model parameter error to the flag that set it.
fn flag_error(e: AssetError) -> CliError {
    match e {
        AssetError::OutOfRange {
            name,
            value,
            expected,
        } => {
            let flag = match name {
                "latitude_deg" => "--lat",
                "longitude_deg" => "--lon",
                "elevation_m" => "--altitude",
                "temperature_c" => "--temperature",
                "tilt_deg" => "--tilt",
                "azimuth_deg" => "--azimuth",
                "dc_kw" => "--dc-kw",
                "inverter_ac_kw" => "--inverter-ac-kw",
                "albedo" => "--albedo",
                "temp_cell_c" => "--temp-cell",
                "gamma_pdc" => "--gamma-pdc",
                "eta_inv_nom" => "--eta-inv-nom",
                other => other,
            };
            CliError::BadInput(format!("{flag} {value}: expected {expected}"))
        }
        other => CliError::BadInput(other.to_string()),
    }
}

/// Parses an RFC 3339 instant with an offset; seconds may be omitted.
/// Returns the instant and whether it was written with `Z`.
fn parse_time(flag: &str, s: &str) -> Result<(DateTime<FixedOffset>, bool), CliError> {
    let s = s.trim();
    let use_z = s.ends_with(['Z', 'z']);
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok((t, use_z));
    }
    // `YYYY-MM-DDTHH:MM` followed by an offset: add `:00`.
    let b = s.as_bytes();
    if b.len() > 16
        && b[13] == b':'
        && matches!(b[16], b'Z' | b'z' | b'+' | b'-')
        && s.is_char_boundary(16)
    {
        let with_secs = format!("{}:00{}", &s[..16], &s[16..]);
        if let Ok(t) = DateTime::parse_from_rfc3339(&with_secs) {
            return Ok((t, use_z));
        }
    }
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").is_ok()
        || chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").is_ok();
    Err(CliError::BadInput(if naive {
        format!("{flag} {s}: no UTC offset; add one, e.g. {s}+09:00 or {s}Z")
    } else {
        format!("{flag} {s}: not an RFC 3339 date-time with offset, e.g. 2024-06-21T00:00:00+09:00")
    }))
}

/// Parses a step such as `15min`, `1h`, `30s`, `1h30min` into whole seconds
/// (1 s to 366 days).
fn parse_step(s: &str) -> Result<i64, CliError> {
    let bad = |why: String| {
        CliError::BadInput(format!(
            "--step {s}: {why}; expected a duration, e.g. 15min, 1h, 30s, 1d or 1h30min"
        ))
    };
    // The kernel's duration syntax (sim_core::time), in whole seconds.
    let d: SimDuration = s.trim().parse().map_err(|e| bad(format!("{e}")))?;
    let ms = d.as_millis();
    if ms <= 0 {
        return Err(bad("must be positive".into()));
    }
    if ms % 1000 != 0 {
        return Err(bad("must be a whole number of seconds".into()));
    }
    let secs = ms / 1000;
    if secs > 366 * 86_400 {
        return Err(bad("longer than 366 days".into()));
    }
    Ok(secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn tokyo() -> PvArgs {
        PvArgs {
            lat: 35.6895,
            lon: 139.6917,
            tilt: 30.0,
            azimuth: 180.0,
            dc_kw: 5.0,
            start: "2024-06-21T00:00:00+09:00".into(),
            end: "2024-06-22T00:00:00+09:00".into(),
            step: "15min".into(),
            out: PathBuf::from("-"),
            altitude: 0.0,
            albedo: 0.2,
            temp_cell: 25.0,
            gamma_pdc: -0.004,
            eta_inv_nom: 0.96,
            inverter_ac_kw: None,
            delta_t: 67.0,
            pressure: 101_325.0,
            temperature: 12.0,
        }
    }

    fn bad_input(r: Result<Vec<PvRow>, CliError>) -> String {
        match r {
            Err(CliError::BadInput(m)) => m,
            other => panic!("expected BadInput, got {other:?}"),
        }
    }

    #[test]
    fn steps() {
        assert_eq!(parse_step("15min").ok(), Some(900));
        assert_eq!(parse_step("1h").ok(), Some(3600));
        assert_eq!(parse_step("30s").ok(), Some(30));
        assert_eq!(parse_step("1h30min").ok(), Some(5400));
        assert_eq!(parse_step("1d").ok(), Some(86_400));
        for bad in [
            "",
            "15",
            "min",
            "0min",
            "5 parsecs",
            "-5min",
            "99999999999999999999s",
            "400d",
        ] {
            assert!(parse_step(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times() {
        let (t, z) =
            parse_time("--start", "2024-06-21T00:00:00+09:00").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((t.timestamp(), z), (1_718_895_600, false));
        let (t, z) = parse_time("--start", "2024-06-20T15:00Z").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((t.timestamp(), z), (1_718_895_600, true));
        let Err(CliError::BadInput(m)) = parse_time("--start", "2024-06-21T00:00:00") else {
            panic!("naive time accepted")
        };
        assert!(m.contains("no UTC offset"), "{m}");
        assert!(parse_time("--end", "yesterday").is_err());
        assert!(parse_time("--end", "2024-06-21T00:00é").is_err());
    }

    /// `profile pv` against pvlib 0.16.1 (grid-model/tests/data/pv/cli_tokyo.csv,
    /// written by generate.py next to it, with the same flags).
    #[test]
    fn tokyo_matches_pvlib() {
        let rows = pv_profile(&tokyo()).unwrap_or_else(|e| panic!("{e}"));
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../grid-model/tests/data/pv/cli_tokyo.csv"
        );
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let expected: Vec<_> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .skip(1)
            .collect();
        assert_eq!(rows.len(), expected.len());
        assert_eq!(rows.len(), 97);
        let mut buf = Vec::new();
        write_csv(&mut buf, &rows).unwrap_or_else(|e| panic!("{e}"));
        let written = String::from_utf8(buf).unwrap_or_default();
        let mut lines = written.lines();
        assert_eq!(lines.next(), Some("time,poa_w_m2,ac_kw"));
        for (got, want) in lines.zip(expected) {
            let g: Vec<&str> = got.split(',').collect();
            let w: Vec<&str> = want.split(',').collect();
            assert_eq!(g[0], w[0]);
            let f = |s: &str| s.parse::<f64>().unwrap_or(f64::NAN);
            assert!((f(g[1]) - f(w[1])).abs() < 1e-4, "{got} vs {want}");
            assert!((f(g[2]) - f(w[2])).abs() < 1e-6, "{got} vs {want}");
        }
    }

    #[test]
    fn z_offset_and_odd_grid() {
        let mut a = tokyo();
        a.start = "2024-06-20T15:00:00Z".into();
        a.end = "2024-06-20T16:10:00Z".into();
        a.step = "1h".into();
        let rows = pv_profile(&a).unwrap_or_else(|e| panic!("{e}"));
        let times: Vec<&str> = rows.iter().map(|r| r.time.as_str()).collect();
        assert_eq!(times, ["2024-06-20T15:00:00Z", "2024-06-20T16:00:00Z"]);
    }

    #[test]
    fn bad_flags() {
        let mut a = tokyo();
        a.lat = 95.0;
        assert!(bad_input(pv_profile(&a)).starts_with("--lat 95"));
        let mut a = tokyo();
        a.dc_kw = -1.0;
        assert!(bad_input(pv_profile(&a)).starts_with("--dc-kw"));
        let mut a = tokyo();
        a.end = "2024-06-20T00:00:00+09:00".into();
        assert!(bad_input(pv_profile(&a)).contains("before --start"));
        let mut a = tokyo();
        a.step = "0s".into();
        assert!(bad_input(pv_profile(&a)).starts_with("--step"));
        let mut a = tokyo();
        a.start = "2000-01-01T00:00:00Z".into();
        a.end = "2100-01-01T00:00:00Z".into();
        a.step = "1s".into();
        assert!(bad_input(pv_profile(&a)).contains("rows"));
        let mut a = tokyo();
        a.tilt = f64::NAN;
        assert!(bad_input(pv_profile(&a)).starts_with("--tilt"));
    }

    #[test]
    fn clap_parses_negative_numbers_and_defaults() {
        let cli = super::super::Cli::try_parse_from([
            "blackstart",
            "profile",
            "pv",
            "--lat",
            "-33.45",
            "--lon",
            "-70.67",
            "--tilt",
            "30",
            "--azimuth",
            "0",
            "--dc-kw",
            "5",
            "--start",
            "2024-06-21T00:00:00-04:00",
            "--end",
            "2024-06-21T23:45:00-04:00",
            "--out",
            "x.csv",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        let super::super::Command::Profile(ProfileArgs {
            command: ProfileCommand::Pv(a),
        }) = cli.command
        else {
            panic!("not profile pv")
        };
        assert_eq!(
            (a.lat, a.lon, a.step.as_str(), a.albedo),
            (-33.45, -70.67, "15min", 0.2)
        );
        assert_eq!(pv_profile(&a).map(|r| r.len()).ok(), Some(96));
    }
}
