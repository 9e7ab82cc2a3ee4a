//! The knowledge graph: an oxigraph store with the GeoSPARQL functions, a
//! named graph of inferred triples, read-only queries and explicit updates.

use std::io::Write;
use std::path::Path;

use oxigraph::io::{RdfFormat, RdfParseError, RdfParser, RdfSerializer};
use oxigraph::model::{GraphName, GraphNameRef, NamedNodeRef, Quad};
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{QueryResults, SparqlEvaluator};
use oxigraph::store::Store;

use crate::{functions, rewrite, vocab};

/// Errors of the knowledge graph. Parse errors carry a 1-based line and
/// column.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OntologyError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Malformed RDF.
    #[error("{}: invalid RDF: {message}", at_line(source_name, *line, *column))]
    Rdf {
        /// File name (or `<input>`).
        source_name: String,
        /// 1-based line (0: the parser did not say).
        line: u64,
        /// 1-based column (0: the parser did not say).
        column: u64,
        /// What is wrong.
        message: String,
    },
    /// The RDF format could not be told from the file name.
    #[error("{0}: unknown RDF format (use .ttl, .nt, .nq, .trig, .rdf/.owl/.xml, .jsonld or .n3)")]
    UnknownFormat(String),
    /// Malformed SPARQL.
    #[error("invalid SPARQL at line {line}, column {column}: {message}")]
    Sparql {
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: u64,
        /// What is wrong.
        message: String,
    },
    /// An update was given where only queries are allowed.
    #[error(
        "this is a SPARQL update; the store is read-only unless updates are allowed (--update)"
    )]
    UpdateNotAllowed,
    /// Query evaluation or store failure.
    #[error("query failed: {0}")]
    Evaluation(String),
    /// Writing results failed.
    #[error("writing results: {0}")]
    Output(#[from] std::io::Error),
}

fn eval_err(e: impl std::fmt::Display) -> OntologyError {
    OntologyError::Evaluation(e.to_string())
}

/// Which entailment the store materialises before queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Entailment {
    /// Only asserted triples.
    None,
    /// RDFS subclass and subproperty entailment (rdfs5, rdfs7, rdfs9, rdfs11)
    /// over the schema triples present in the store.
    #[default]
    Rdfs,
}

/// How a query is run.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueryOptions {
    /// Allow SPARQL UPDATE (otherwise an update is refused).
    pub allow_update: bool,
    /// GeoSPARQL query rewrite (requirement 28 of GeoSPARQL 1.0): triple
    /// patterns with `geo:sf*`, `geo:eh*` and `geo:rcc8*` predicates also
    /// match pairs of features / geometries whose WKT geometries satisfy the
    /// relation. Costs a scan over all geometries per pattern.
    pub geo_rewrite: bool,
}

/// Result output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// SPARQL 1.1 Query Results JSON.
    Json,
    /// SPARQL Query Results XML.
    Xml,
    /// SPARQL 1.1 CSV.
    Csv,
    /// SPARQL 1.1 TSV.
    Tsv,
}

/// What a query or update did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A query's results were written.
    Query,
    /// An update was applied.
    Updated,
}

/// Guesses an RDF format from a file extension.
pub fn format_for_path(path: &Path) -> Option<RdfFormat> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "ttl" | "turtle" => RdfFormat::Turtle,
        "nt" | "ntriples" => RdfFormat::NTriples,
        "nq" | "nquads" => RdfFormat::NQuads,
        "trig" => RdfFormat::TriG,
        "rdf" | "owl" | "xml" => RdfFormat::RdfXml,
        "jsonld" | "json" => RdfFormat::JsonLd {
            profile: oxigraph::io::JsonLdProfileSet::empty(),
        },
        "n3" => RdfFormat::N3,
        _ => return None,
    })
}

/// The knowledge graph.
pub struct KnowledgeGraph {
    store: Store,
}

impl KnowledgeGraph {
    /// An empty in-memory graph.
    pub fn new() -> Result<Self, OntologyError> {
        Ok(KnowledgeGraph {
            store: Store::new().map_err(eval_err)?,
        })
    }

    /// Opens (or creates) an on-disk graph (RocksDB).
    #[cfg(feature = "rocksdb")]
    pub fn open(path: &Path) -> Result<Self, OntologyError> {
        Ok(KnowledgeGraph {
            store: Store::open(path).map_err(eval_err)?,
        })
    }

    /// The underlying oxigraph store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Number of quads (asserted and inferred).
    pub fn len(&self) -> Result<usize, OntologyError> {
        self.store.len().map_err(eval_err)
    }

    /// Whether the store holds no quads.
    pub fn is_empty(&self) -> Result<bool, OntologyError> {
        self.store.is_empty().map_err(eval_err)
    }

    /// Loads an RDF file into the default graph; the format comes from the
    /// extension.
    pub fn load_file(&self, path: &Path) -> Result<(), OntologyError> {
        let name = path.display().to_string();
        let format =
            format_for_path(path).ok_or_else(|| OntologyError::UnknownFormat(name.clone()))?;
        let data = std::fs::read(path).map_err(|source| OntologyError::Io {
            path: name.clone(),
            source,
        })?;
        let base = std::path::absolute(path)
            .ok()
            .map(|p| format!("file://{}", p.display()));
        self.load_bytes(&data, format, &name, base.as_deref())
    }

    /// Loads RDF data into the default graph. `source_name` names the input
    /// in error messages. Nothing is inserted when the data is malformed.
    pub fn load_bytes(
        &self,
        data: &[u8],
        format: RdfFormat,
        source_name: &str,
        base_iri: Option<&str>,
    ) -> Result<(), OntologyError> {
        let mut parser = RdfParser::from_format(format).without_named_graphs();
        if format.supports_datasets() {
            parser = RdfParser::from_format(format);
        }
        if let Some(b) = base_iri {
            parser = parser.with_base_iri(b).map_err(eval_err)?;
        }
        let mut quads = Vec::new();
        for q in parser.rename_blank_nodes().for_slice(data) {
            match q {
                Ok(q) => quads.push(q),
                Err(e) => return Err(rdf_error(source_name, data, e.into())),
            }
        }
        self.store.extend(quads).map_err(eval_err)
    }

    /// Inserts quads.
    pub fn insert_all(&self, quads: impl IntoIterator<Item = Quad>) -> Result<(), OntologyError> {
        self.store.extend(quads).map_err(eval_err)
    }

    /// The SPARQL evaluator with every GeoSPARQL function registered.
    pub fn evaluator() -> SparqlEvaluator {
        functions::register(SparqlEvaluator::new())
    }

    /// Runs a SPARQL query (or, when allowed, an update) and writes the
    /// results to `out`. The default graph of a query is the union of the
    /// asserted default graph and the inferred graph (unless the query names
    /// its own dataset with FROM).
    pub fn run(
        &self,
        sparql: &str,
        opts: QueryOptions,
        format: OutputFormat,
        out: &mut impl Write,
    ) -> Result<Outcome, OntologyError> {
        if is_blank_sparql(sparql) {
            return Err(OntologyError::Sparql {
                line: 1,
                column: 1,
                message: "the query is empty".into(),
            });
        }
        let parsed = spargebra::SparqlParser::new().parse_query(sparql);
        let query = match parsed {
            Ok(q) => q,
            Err(query_err) => {
                if spargebra::SparqlParser::new().parse_update(sparql).is_ok() {
                    if !opts.allow_update {
                        return Err(OntologyError::UpdateNotAllowed);
                    }
                    self.update(sparql)?;
                    return Ok(Outcome::Updated);
                }
                return Err(explain_sparql_error(sparql, sparql_error(&query_err)));
            }
        };
        let query = if opts.geo_rewrite {
            rewrite::rewrite_query(query)
        } else {
            query
        };
        let mut prepared = Self::evaluator().for_query(query);
        if prepared.dataset().is_default_dataset() {
            prepared.dataset_mut().set_default_graph(vec![
                GraphName::DefaultGraph,
                GraphName::NamedNode(vocab::inferred_graph()),
            ]);
        }
        let results = prepared.on_store(&self.store).execute().map_err(eval_err)?;
        write_results(results, format, out)?;
        Ok(Outcome::Query)
    }

    /// Applies a SPARQL update to the store.
    pub fn update(&self, sparql: &str) -> Result<(), OntologyError> {
        let prepared = Self::evaluator()
            .parse_update(sparql)
            .map_err(|e| sparql_error(&e))?;
        prepared.on_store(&self.store).execute().map_err(eval_err)
    }

    /// Removes every inferred triple.
    pub fn clear_inferred(&self) -> Result<(), OntologyError> {
        let g = vocab::inferred_graph();
        self.store
            .clear_graph(GraphNameRef::NamedNode(g.as_ref()))
            .map_err(eval_err)
    }

    /// Whether a quad is asserted in the default graph.
    pub fn contains_asserted(
        &self,
        s: oxigraph::model::NamedOrBlankNodeRef<'_>,
        p: NamedNodeRef<'_>,
        o: oxigraph::model::TermRef<'_>,
    ) -> Result<bool, OntologyError> {
        self.store
            .contains(oxigraph::model::QuadRef::new(
                s,
                p,
                o,
                GraphNameRef::DefaultGraph,
            ))
            .map_err(eval_err)
    }

    /// Writes the whole store (asserted and inferred) as N-Quads.
    pub fn dump_nquads(&self, out: &mut impl Write) -> Result<(), OntologyError> {
        let mut w = RdfSerializer::from_format(RdfFormat::NQuads).for_writer(out);
        for q in self.store.iter() {
            w.serialize_quad(&q.map_err(eval_err)?)?;
        }
        w.finish()?;
        Ok(())
    }
}

fn rdf_error(source_name: &str, data: &[u8], e: RdfParseError) -> OntologyError {
    match e {
        RdfParseError::Syntax(s) => {
            let message = s.to_string();
            let (line, column) = s
                .location()
                .map(|r| (r.start.line + 1, r.start.column + 1))
                .or_else(|| locate_found_tag(data, &message))
                .unwrap_or((0, 0));
            OntologyError::Rdf {
                source_name: source_name.to_owned(),
                line,
                column,
                message,
            }
        }
        RdfParseError::Io(e) => OntologyError::Io {
            path: source_name.to_owned(),
            source: e,
        },
    }
}

/// `name:line:column`, or `name` alone when the position is unknown (0).
fn at_line(name: &str, line: u64, column: u64) -> String {
    if line == 0 {
        name.to_owned()
    } else {
        format!("{name}:{line}:{column}")
    }
}

/// The RDF/XML parser reports a mismatched closing tag without a position:
/// "expected `</a>`, but `</b>` was found". The first `</b>` in the data is
/// where it went wrong.
fn locate_found_tag(data: &[u8], message: &str) -> Option<(u64, u64)> {
    let (_, rest) = message.split_once("but `")?;
    let (tag, _) = rest.split_once("` was found")?;
    let text = std::str::from_utf8(data).ok()?;
    let at = text.find(tag)?;
    let before = &text[..at];
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    Some((line, column))
}

/// True when a SPARQL text holds nothing but white space and comments (an
/// empty update is valid SPARQL, but never what a user meant).
fn is_blank_sparql(q: &str) -> bool {
    q.lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
}

/// Makes the parser's message more useful for two common mistakes: a
/// prefixed name whose prefix is not declared (the parser then fails
/// further on with an unrelated "expected"), and a query that ends early.
fn explain_sparql_error(q: &str, e: OntologyError) -> OntologyError {
    let OntologyError::Sparql {
        line,
        column,
        message,
    } = e
    else {
        return e;
    };
    let (declared, used) = sparql_prefixes(q);
    if let Some((p, l, c)) = used.into_iter().find(|(p, _, _)| !declared.contains(p)) {
        return OntologyError::Sparql {
            line: l as u64,
            column: c as u64,
            message: format!("prefix `{p}:` is not declared (add `PREFIX {p}: <...>`)"),
        };
    }
    // Past the last non-blank character: the query ended early.
    let last = q
        .lines()
        .enumerate()
        .filter(|(_, t)| !t.trim().is_empty())
        .map(|(i, t)| (i as u64 + 1, t.trim_end().chars().count() as u64))
        .last();
    let at_end = last.is_none_or(|(l, c)| line > l || (line == l && column > c));
    let message = if at_end {
        format!("the query ends early ({message})")
    } else {
        message
    };
    OntologyError::Sparql {
        line,
        column,
        message,
    }
}

/// The prefixes a SPARQL text declares, and the prefixed names it uses
/// (prefix, 1-based line, column), skipping IRIs, strings and comments.
fn sparql_prefixes(q: &str) -> (Vec<String>, Vec<(String, usize, usize)>) {
    let mut declared = Vec::new();
    let mut used = Vec::new();
    let mut after_prefix_kw = false;
    for (li, line) in q.lines().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let ch = chars[i];
            match ch {
                '#' => break,
                '<' => {
                    // An IRI (or a comparison: then no `>` follows on the line).
                    match chars[i + 1..].iter().position(|&x| x == '>' || x == ' ') {
                        Some(k) if chars[i + 1 + k] == '>' => i += k + 2,
                        _ => i += 1,
                    }
                }
                '"' | '\'' => {
                    let close = chars[i + 1..].iter().position(|&x| x == ch);
                    i = close.map_or(chars.len(), |k| i + k + 2);
                }
                c if c.is_alphabetic() || c == ':' => {
                    let start = i;
                    while i < chars.len()
                        && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '-' | '.' | ':'))
                    {
                        i += 1;
                    }
                    let tok: String = chars[start..i].iter().collect();
                    if tok.eq_ignore_ascii_case("prefix") {
                        after_prefix_kw = true;
                        continue;
                    }
                    if let Some((p, _)) = tok.split_once(':') {
                        if after_prefix_kw {
                            declared.push(p.to_string());
                        } else if !p.starts_with('_') {
                            used.push((p.to_string(), li + 1, start + 1));
                        }
                    }
                    after_prefix_kw = false;
                }
                '?' | '$' => {
                    // A variable: skip its name.
                    i += 1;
                    while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                        i += 1;
                    }
                }
                _ => i += 1,
            }
        }
    }
    (declared, used)
}

/// Turns a SPARQL syntax error into one with line and column (peg reports
/// "error at L:C: expected ...").
fn sparql_error(e: &oxigraph::sparql::SparqlSyntaxError) -> OntologyError {
    let text = e.to_string();
    let parsed = text.strip_prefix("error at ").and_then(|rest| {
        let (pos, msg) = rest.split_once(": ")?;
        let (l, c) = pos.split_once(':')?;
        Some((l.parse().ok()?, c.parse().ok()?, msg.to_owned()))
    });
    match parsed {
        Some((line, column, message)) => OntologyError::Sparql {
            line,
            column,
            message,
        },
        None => OntologyError::Sparql {
            line: 1,
            column: 1,
            message: text,
        },
    }
}

fn write_results(
    results: QueryResults<'_>,
    format: OutputFormat,
    out: &mut impl Write,
) -> Result<(), OntologyError> {
    let rf = match format {
        OutputFormat::Json => QueryResultsFormat::Json,
        OutputFormat::Xml => QueryResultsFormat::Xml,
        OutputFormat::Csv => QueryResultsFormat::Csv,
        OutputFormat::Tsv => QueryResultsFormat::Tsv,
    };
    match results {
        QueryResults::Boolean(b) => {
            QueryResultsSerializer::from_format(rf).serialize_boolean_to_writer(out, b)?;
        }
        QueryResults::Solutions(solutions) => {
            let mut w = QueryResultsSerializer::from_format(rf)
                .serialize_solutions_to_writer(out, solutions.variables().to_vec())?;
            for s in solutions {
                w.serialize(&s.map_err(eval_err)?)?;
            }
            w.finish()?;
        }
        QueryResults::Graph(triples) => {
            // CONSTRUCT / DESCRIBE: N-Triples whatever the result format.
            let mut w = RdfSerializer::from_format(RdfFormat::NTriples).for_writer(out);
            for t in triples {
                w.serialize_triple(&t.map_err(eval_err)?)?;
            }
            w.finish()?;
        }
    }
    Ok(())
}
