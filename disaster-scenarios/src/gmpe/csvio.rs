//! Reading and writing ground-motion tables in OpenQuake's verification-table
//! layout (columns `rup_mag`, `rup_rake`, `rup_hypo_depth`, `dist_rrup`,
//! `dist_rjb`, `site_vs30`).

use std::io::{Read, Write};
use std::path::Path;

use super::{GmpeInput, GmpeParam, GroundMotion, GroundMotionModel, Imt};
use crate::error::{HazardError, Result};

/// The output columns appended by [`compute_table`].
pub const OUTPUT_COLUMNS: [&str; 8] = [
    "pga_g",
    "pga_sigma_total_ln",
    "pga_sigma_inter_ln",
    "pga_sigma_intra_ln",
    "pgv_cms",
    "pgv_sigma_total_ln",
    "pgv_sigma_inter_ln",
    "pgv_sigma_intra_ln",
];

const PARAMS: [GmpeParam; 6] = [
    GmpeParam::Mag,
    GmpeParam::Rake,
    GmpeParam::HypoDepth,
    GmpeParam::Rrup,
    GmpeParam::Rjb,
    GmpeParam::Vs30,
];

/// One parsed input row.
#[derive(Debug, Clone)]
pub struct InputRow {
    /// 1-based line number in the file.
    pub line: u64,
    /// The raw fields of the row.
    pub fields: Vec<String>,
    /// The parsed model input (absent columns are NaN).
    pub input: GmpeInput,
}

/// A parsed input table.
#[derive(Debug, Clone)]
pub struct InputTable {
    /// The header.
    pub header: Vec<String>,
    /// The rows.
    pub rows: Vec<InputRow>,
}

impl InputTable {
    /// Index of a column by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

fn set(input: &mut GmpeInput, p: GmpeParam, v: f64) {
    match p {
        GmpeParam::Mag => input.mag = v,
        GmpeParam::Rake => input.rake = v,
        GmpeParam::HypoDepth => input.hypo_depth = v,
        GmpeParam::Rrup => input.rrup = v,
        GmpeParam::Rjb => input.rjb = v,
        GmpeParam::Vs30 => input.vs30 = v,
    }
}

/// Reads a table from `reader`; `name` names the source in errors. Fields may
/// be padded with spaces. `default_vs30` fills Vs30 when the file has no
/// `site_vs30` column.
pub fn read_table<R: Read>(reader: R, name: &str, default_vs30: Option<f64>) -> Result<InputTable> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(reader);
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| csv_error(name, &e))?
        .iter()
        .map(str::to_string)
        .collect();
    let cols: Vec<(GmpeParam, usize)> = PARAMS
        .iter()
        .filter_map(|p| header.iter().position(|h| h == p.column()).map(|i| (*p, i)))
        .collect();
    if !cols.iter().any(|(p, _)| *p == GmpeParam::Mag) {
        return Err(HazardError::Missing {
            file: name.to_string(),
            name: "rup_mag".into(),
        });
    }
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_error(name, &e))?;
        let line = rec.position().map_or(0, |p| p.line());
        let mut input = GmpeInput::default();
        if let Some(v) = default_vs30 {
            input.vs30 = v;
        }
        for (p, i) in &cols {
            let raw = rec.get(*i).unwrap_or("");
            if raw.is_empty() {
                continue;
            }
            let v: f64 = raw.parse().map_err(|_| {
                HazardError::parse(name, line, p.column(), format!("`{raw}` is not a number"))
            })?;
            set(&mut input, *p, v);
        }
        rows.push(InputRow {
            line,
            fields: rec.iter().map(str::to_string).collect(),
            input,
        });
    }
    Ok(InputTable { header, rows })
}

/// The header row of a CSV file, for looking columns up by name.
pub(crate) struct Header {
    names: Vec<String>,
    file: String,
}

impl Header {
    /// Reads the header row of `rdr`; `name` names the file in errors.
    pub(crate) fn read<R: Read>(rdr: &mut csv::Reader<R>, name: &str) -> Result<Header> {
        let names = rdr
            .headers()
            .map_err(|e| csv_error(name, &e))?
            .iter()
            .map(str::to_string)
            .collect();
        Ok(Header {
            names,
            file: name.to_string(),
        })
    }

    /// The index of column `c`, if present.
    pub(crate) fn get(&self, c: &str) -> Option<usize> {
        self.names.iter().position(|h| h == c)
    }

    /// The index of column `c`, or a `Missing` error naming the file.
    pub(crate) fn require(&self, c: &str) -> Result<usize> {
        self.get(c).ok_or_else(|| HazardError::Missing {
            file: self.file.clone(),
            name: c.to_string(),
        })
    }
}

pub(crate) fn csv_error(name: &str, e: &csv::Error) -> HazardError {
    let line = e.position().map_or(0, |p| p.line());
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => HazardError::parse(
            name,
            line,
            "(row)",
            format!("expected {expected_len} fields, found {len}"),
        ),
        csv::ErrorKind::Utf8 { err, .. } => HazardError::parse(
            name,
            line,
            format!("column {}", err.field() + 1),
            "invalid UTF-8",
        ),
        _ => HazardError::parse(name, line, "(file)", e.to_string()),
    }
}

/// Computes PGA and PGV for every row of `table` with `model`. Errors name
/// the file and line.
pub fn compute_rows(
    model: &dyn GroundMotionModel,
    table: &InputTable,
    name: &str,
) -> Result<Vec<(GroundMotion, GroundMotion)>> {
    table
        .rows
        .iter()
        .map(|r| {
            let wrap = |e: HazardError| match e {
                HazardError::InvalidInput(m) => HazardError::parse(name, r.line, "(row)", m),
                other => other,
            };
            let pga = model.compute(&r.input, Imt::Pga).map_err(wrap)?;
            let pgv = model.compute(&r.input, Imt::Pgv).map_err(wrap)?;
            Ok((pga, pgv))
        })
        .collect()
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.10e}")).unwrap_or_default()
}

/// Reads `input`, computes PGA and PGV with `model` and writes `output`: the
/// input columns (`rup_*`, `dist_*`, `site_*`) repeated, then
/// [`OUTPUT_COLUMNS`] (empty where the model does not define a value).
/// Returns the number of rows written.
pub fn compute_table(
    model: &dyn GroundMotionModel,
    input: &Path,
    output: &Path,
    default_vs30: Option<f64>,
) -> Result<usize> {
    let name = input.display().to_string();
    let file = std::fs::File::open(input).map_err(|e| HazardError::io(input, e))?;
    let table = read_table(file, &name, default_vs30)?;
    for p in model.required() {
        let has_col = table.column(p.column()).is_some();
        let has_default = *p == GmpeParam::Vs30 && default_vs30.is_some();
        if !has_col && !has_default {
            return Err(HazardError::Missing {
                file: name,
                name: p.column().to_string(),
            });
        }
    }
    let results = compute_rows(model, &table, &name)?;
    let keep: Vec<usize> = table
        .header
        .iter()
        .enumerate()
        .filter(|(_, h)| h.starts_with("rup_") || h.starts_with("dist_") || h.starts_with("site_"))
        .map(|(i, _)| i)
        .collect();
    let out = std::fs::File::create(output).map_err(|e| HazardError::io(output, e))?;
    let mut w = std::io::BufWriter::new(out);
    let io = |e: std::io::Error| HazardError::io(output, e);
    let mut head: Vec<&str> = keep.iter().map(|i| table.header[*i].as_str()).collect();
    head.extend(OUTPUT_COLUMNS);
    writeln!(w, "{}", head.join(",")).map_err(io)?;
    for (row, (pga, pgv)) in table.rows.iter().zip(&results) {
        let mut f: Vec<String> = keep.iter().map(|i| row.fields[*i].clone()).collect();
        for gm in [pga, pgv] {
            f.push(format!("{:.10e}", gm.median));
            f.push(format!("{:.10e}", gm.sigma_total));
            f.push(fmt_opt(gm.sigma_inter));
            f.push(fmt_opt(gm.sigma_intra));
        }
        writeln!(w, "{}", f.join(",")).map_err(io)?;
    }
    w.flush().map_err(io)?;
    Ok(results.len())
}
