//! `blackstart query`: SPARQL (with GeoSPARQL) over RDF files and/or the
//! knowledge graph of a scenario.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use engine::kg::GraphError;
use ontology::graph::Outcome;
use ontology::{Entailment, KnowledgeGraph, OutputFormat, QueryOptions};

use super::CliError;

/// Result format.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// SPARQL 1.1 Query Results JSON.
    Json,
    /// SPARQL 1.1 CSV.
    Csv,
    /// SPARQL 1.1 TSV.
    Tsv,
    /// SPARQL Query Results XML.
    Xml,
}

/// Entailment applied before the query.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum EntailmentArg {
    /// Only asserted triples (plus the blackstart rules).
    None,
    /// RDFS subclass and subproperty entailment.
    Rdfs,
}

/// Arguments of `blackstart query`.
#[derive(Debug, clap::Args)]
pub struct QueryArgs {
    /// RDF files to load (Turtle .ttl, N-Triples .nt, N-Quads .nq, TriG,
    /// RDF/XML .rdf/.owl/.xml, JSON-LD .jsonld); repeatable.
    #[arg(long = "data", num_args = 1..)]
    pub data: Vec<PathBuf>,
    /// Build the graph of this scenario file (network, microgrids, sites,
    /// loads, hazard footprint) and add it.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// With --scenario: the simulation time (seconds from the start) whose
    /// state (damaged, energised) is added, from one replica's run.
    #[arg(long, requires = "scenario")]
    pub at: Option<f64>,
    /// A file holding the SPARQL query.
    #[arg(long, conflicts_with = "sparql")]
    pub query: Option<PathBuf>,
    /// The SPARQL query text.
    pub sparql: Option<String>,
    /// Result format.
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
    /// Allow SPARQL UPDATE (the store is read-only otherwise). Changes are
    /// made to the in-memory graph only; files are never written.
    #[arg(long)]
    pub update: bool,
    /// Entailment materialised before the query.
    #[arg(long, value_enum, default_value = "rdfs")]
    pub entailment: EntailmentArg,
    /// GeoSPARQL query rewrite: geo:sf*/eh*/rcc8* triple patterns also
    /// match geometries that satisfy the relation (scans all geometries).
    #[arg(long)]
    pub geo_rewrite: bool,
}

/// Runs `blackstart query`.
pub fn run(args: QueryArgs) -> Result<ExitCode, CliError> {
    let bad = |e: ontology::OntologyError| CliError::BadInput(e.to_string());
    let sparql = match (&args.query, &args.sparql) {
        (Some(p), _) => std::fs::read_to_string(p)
            .map_err(|e| CliError::BadInput(format!("{}: {e}", p.display())))?,
        (None, Some(s)) => s.clone(),
        (None, None) => {
            return Err(CliError::BadInput(
                "give a query: --query FILE.rq or the SPARQL text".into(),
            ));
        }
    };
    if args.data.is_empty() && args.scenario.is_none() {
        return Err(CliError::BadInput(
            "nothing to query: give --data FILE... and/or --scenario S.toml".into(),
        ));
    }
    let kg = KnowledgeGraph::new().map_err(|e| CliError::Failed(e.to_string()))?;
    for path in &args.data {
        kg.load_file(path).map_err(bad)?;
    }
    if let Some(path) = &args.scenario {
        let loaded = engine::load(path).map_err(CliError::of_scenario)?;
        engine::scenario_graph::build(&kg, &loaded, args.at, &gnn::strategies()).map_err(|e| {
            match e {
                GraphError::Scenario(s) => CliError::of_scenario(s),
                GraphError::BadTime(t) => {
                    CliError::BadInput(format!("--at must be a time in seconds >= 0, got {t}"))
                }
                other => CliError::Failed(other.to_string()),
            }
        })?;
    }
    let entailment = match args.entailment {
        EntailmentArg::None => Entailment::None,
        EntailmentArg::Rdfs => Entailment::Rdfs,
    };
    ontology::rules::refresh(&kg, entailment).map_err(|e| CliError::Failed(e.to_string()))?;
    let format = match args.format {
        Format::Json => OutputFormat::Json,
        Format::Csv => OutputFormat::Csv,
        Format::Tsv => OutputFormat::Tsv,
        Format::Xml => OutputFormat::Xml,
    };
    let opts = QueryOptions {
        allow_update: args.update,
        geo_rewrite: args.geo_rewrite,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let outcome = kg
        .run(&sparql, opts, format, &mut out)
        .map_err(|e| match e {
            ontology::OntologyError::Evaluation(m) => CliError::Failed(m),
            other => CliError::BadInput(other.to_string()),
        })?;
    if outcome == Outcome::Updated {
        let n = kg.len().map_err(|e| CliError::Failed(e.to_string()))?;
        eprintln!("update applied; the in-memory graph now holds {n} quads");
    }
    out.flush()
        .map_err(|e| CliError::Failed(format!("writing results: {e}")))?;
    Ok(ExitCode::SUCCESS)
}
