//! `blackstart hazard`: ground motion, tropical-cyclone wind and fragility
//! from the command line (models in the `disaster-scenarios` crate).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use disaster_scenarios::HazardError;
use disaster_scenarios::fragility::{FragilityLibrary, HazardKind};
use disaster_scenarios::gmpe::{csvio, model_by_name};
use disaster_scenarios::sites::read_sites;
use disaster_scenarios::wind::{Track, WindField, WindModel};

use super::CliError;

/// Arguments of `blackstart hazard`.
#[derive(Debug, clap::Args)]
pub struct HazardArgs {
    #[command(subcommand)]
    command: HazardCommand,
}

#[derive(Debug, clap::Subcommand)]
enum HazardCommand {
    /// Ground motion (PGA, PGV and their ln standard deviations) for each row
    /// of a CSV in OpenQuake's verification-table layout.
    Gmpe(GmpeArgs),
    /// Maximum tropical-cyclone wind at sites along a best track (Holland).
    Wind(WindArgs),
    /// Probability of reaching or exceeding each damage state of an asset
    /// class at a given intensity.
    Fragility(FragilityArgs),
}

#[derive(Debug, clap::Args)]
struct GmpeArgs {
    /// Model: sm99-crustal, sm99-interface, sm99-slab or bssa14.
    #[arg(long)]
    model: String,
    /// BSSA14 regional variant: global, japan (Italy/Japan low Q) or
    /// china-turkey (high Q).
    #[arg(long, default_value = "global")]
    region: String,
    /// Input CSV with columns rup_mag, rup_rake, rup_hypo_depth, dist_rrup,
    /// dist_rjb, site_vs30 (those the model needs).
    #[arg(long)]
    input: PathBuf,
    /// Output CSV: the input columns, then pga_g, pga_sigma_*_ln, pgv_cms,
    /// pgv_sigma_*_ln (empty where the model does not define a value).
    #[arg(long)]
    out: PathBuf,
    /// Vs30 (m/s) to use when the input has no site_vs30 column.
    #[arg(long)]
    vs30: Option<f64>,
}

#[derive(Debug, clap::Args)]
struct WindArgs {
    /// Wind model: h08 (Holland 2008, CLIMADA's default) or h80 (Holland 1980).
    #[arg(long, default_value = "h08")]
    model: String,
    /// Best track CSV (columns of CLIMADA's test track: cgps_lat, cgps_lon,
    /// isotime, pcen, penv, rmax, vmax).
    #[arg(long)]
    track: PathBuf,
    /// Sites CSV with columns id, lat, lon.
    #[arg(long)]
    sites: PathBuf,
    /// Output CSV: id, lat, lon, max_wind_ms.
    #[arg(long)]
    out: PathBuf,
    /// Resampling step of the track, hours.
    #[arg(long, default_value_t = 1.0)]
    step_h: f64,
    /// Winds below this value (m/s) are written as 0 (CLIMADA uses 17.5).
    #[arg(long, default_value_t = disaster_scenarios::wind::CLIMADA_INTENSITY_THRESHOLD)]
    threshold: f64,
    /// Factor applied to the 1-min sustained wind (1 = sustained; a gust
    /// factor gives a peak gust).
    #[arg(long, default_value_t = 1.0)]
    gust_factor: f64,
}

#[derive(Debug, clap::Args)]
struct FragilityArgs {
    /// Asset class id (e.g. ESS1, EDC2, EPP3, PW, TOWER, FSUB).
    #[arg(long)]
    class: String,
    /// Peak ground acceleration, g (earthquake classes).
    #[arg(long, conflicts_with_all = ["wind", "depth"])]
    pga: Option<f64>,
    /// Peak gust, m/s (wind classes).
    #[arg(long, conflicts_with_all = ["pga", "depth"])]
    wind: Option<f64>,
    /// Flood depth above the asset base, m (flood classes).
    #[arg(long, conflicts_with_all = ["pga", "wind"])]
    depth: Option<f64>,
    /// Extra fragility CSV to load (same columns as the built-in files).
    #[arg(long)]
    curves: Option<PathBuf>,
}

/// Maps a library error to the CLI's: input problems exit 2.
fn bad(e: HazardError) -> CliError {
    CliError::BadInput(e.to_string())
}

/// Runs `blackstart hazard`.
pub fn run(args: HazardArgs) -> Result<ExitCode, CliError> {
    match args.command {
        HazardCommand::Gmpe(a) => run_gmpe(a),
        HazardCommand::Wind(a) => run_wind(a),
        HazardCommand::Fragility(a) => run_fragility(a),
    }
}

fn run_gmpe(a: GmpeArgs) -> Result<ExitCode, CliError> {
    let model = model_by_name(&a.model, &a.region).map_err(bad)?;
    if let Some(v) = a.vs30
        && !(v.is_finite() && v > 0.0)
    {
        return Err(CliError::BadInput(format!(
            "--vs30 must be positive (got {v})"
        )));
    }
    let n = csvio::compute_table(model.as_ref(), &a.input, &a.out, a.vs30).map_err(bad)?;
    eprintln!("{}: {n} rows written to {}", model.name(), a.out.display());
    Ok(ExitCode::SUCCESS)
}

fn run_wind(a: WindArgs) -> Result<ExitCode, CliError> {
    let model = WindModel::from_name(&a.model).map_err(bad)?;
    if !(a.step_h.is_finite() && a.step_h > 0.0) {
        return Err(CliError::BadInput(format!(
            "--step-h must be positive (got {})",
            a.step_h
        )));
    }
    if !(a.gust_factor.is_finite() && a.gust_factor > 0.0) {
        return Err(CliError::BadInput(format!(
            "--gust-factor must be positive (got {})",
            a.gust_factor
        )));
    }
    let track = Track::read_csv(&a.track).map_err(bad)?;
    let si = track
        .resample(a.step_h)
        .and_then(|t| t.to_si())
        .map_err(|e| CliError::BadInput(format!("{}: {e}", a.track.display())))?;
    let sites = read_sites(&a.sites).map_err(bad)?;
    let coords: Vec<(f64, f64)> = sites.iter().map(|s| (s.lat, s.lon)).collect();
    let field = WindField::new(si, model);
    let winds = field.max_wind(&coords, 0.0);
    let file = std::fs::File::create(&a.out)
        .map_err(|e| CliError::BadInput(format!("{}: {e}", a.out.display())))?;
    let mut w = std::io::BufWriter::new(file);
    let io = |e: std::io::Error| CliError::Failed(format!("{}: {e}", a.out.display()));
    writeln!(w, "id,lat,lon,max_wind_ms").map_err(io)?;
    for (s, v) in sites.iter().zip(&winds) {
        let v = if *v < a.threshold {
            0.0
        } else {
            v * a.gust_factor
        };
        writeln!(w, "{},{},{},{v:.6}", s.id, s.lat, s.lon).map_err(io)?;
    }
    w.flush().map_err(io)?;
    eprintln!("{} sites written to {}", sites.len(), a.out.display());
    Ok(ExitCode::SUCCESS)
}

fn run_fragility(a: FragilityArgs) -> Result<ExitCode, CliError> {
    let mut lib = FragilityLibrary::builtin().map_err(|e| CliError::Failed(e.to_string()))?;
    if let Some(p) = &a.curves {
        lib.load_file(p).map_err(bad)?;
    }
    let class = lib.require(&a.class).map_err(bad)?;
    let (x, flag) = match (a.pga, a.wind, a.depth) {
        (Some(x), None, None) => (x, HazardKind::Earthquake),
        (None, Some(x), None) => (x, HazardKind::Wind),
        (None, None, Some(x)) => (x, HazardKind::Flood),
        _ => {
            return Err(CliError::BadInput(
                "give exactly one of --pga, --wind or --depth".into(),
            ));
        }
    };
    if !(x.is_finite() && x >= 0.0) {
        return Err(CliError::BadInput(format!(
            "the intensity must be a finite, non-negative number (got {x})"
        )));
    }
    if flag != class.hazard {
        let want = match class.hazard {
            HazardKind::Earthquake => "--pga",
            HazardKind::Wind => "--wind",
            HazardKind::Flood => "--depth",
        };
        return Err(CliError::BadInput(format!(
            "class {} is a {:?} class: give its intensity with {want}",
            class.id, class.hazard
        )));
    }
    println!(
        "{} ({}), {} = {x} {} [{}]",
        class.id, class.description, class.im, class.unit, class.status
    );
    println!("damage_state,p_exceed");
    for (s, p) in class.states.iter().zip(class.exceedance(x)) {
        println!("{},{p:.4}", s.name);
    }
    Ok(ExitCode::SUCCESS)
}
