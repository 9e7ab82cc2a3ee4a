//! MATPOWER case-format (version 2) importer.
//!
//! Reads the `.m` files MATPOWER ships (`mpc.baseMVA`, `mpc.bus`, `mpc.gen`,
//! `mpc.branch`; other fields such as `mpc.gencost`, `mpc.bus_name`,
//! `mpc.gentype` cell arrays are skipped, except `bus_name`, which becomes the
//! bus names). Semantics reproduced (see `../shared/data/pf/README.md` and
//! MATPOWER's `caseformat`):
//!
//! - bus types 1 PQ, 2 PV, 3 ref, 4 isolated (isolated buses are out of
//!   service);
//! - bus `Pd/Qd` become one [`Load`] per bus with a non-zero demand, `Gs/Bs`
//!   one [`Shunt`] (MW / MVAr at 1 p.u.);
//! - generators keep their 1-based row as id, including those out of service
//!   (status <= 0), so output rows can be matched to the case;
//! - branch ratio 0 means 1; a shift with ratio 0 is a pure phase shifter;
//!   negative r and x are accepted; status 0 takes the branch out of service;
//! - bus ids need not be contiguous; extra columns (solved-OPF multipliers)
//!   are ignored; `Inf` / `-Inf` literals are accepted where a limit may be
//!   infinite; `%` comments and `...` continuations are handled.
//!
//! Every malformed input (empty file, unterminated or truncated matrix,
//! ragged rows, too few columns, non-numeric or non-finite cells, unknown bus
//! ids, duplicate bus ids, unknown bus types) is an error that names the
//! file, the line (and column where it applies) and what was expected.

use std::path::Path;

use crate::error::{GridError, ParseError};
use crate::network::{Branch, Bus, BusKind, Gen, Load, Network, Priority, Shunt};

/// A numeric matrix read from the file, each row with its line number and the
/// column (1-based, in characters) of each cell.
#[derive(Debug, Default)]
struct Matrix {
    rows: Vec<Vec<f64>>,
    lines: Vec<usize>,
    cols: Vec<Vec<usize>>,
    start_line: usize,
}

struct Ctx<'a> {
    file: &'a str,
}

impl Ctx<'_> {
    fn err(&self, line: usize, column: Option<usize>, msg: impl Into<String>) -> ParseError {
        ParseError {
            file: self.file.to_string(),
            line,
            column,
            message: msg.into(),
        }
    }
}

/// Reads a MATPOWER case file.
pub fn read_file(path: impl AsRef<Path>) -> Result<Network, GridError> {
    let path = path.as_ref();
    let text = std::fs::read(path).map_err(|source| GridError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let name = path.display().to_string();
    let text = String::from_utf8(text).map_err(|e| {
        GridError::Parse(ParseError {
            file: name.clone(),
            line: 0,
            column: None,
            message: format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        })
    })?;
    parse_str(&text, &name)
}

/// Parses the text of a MATPOWER case; `file` is used in error messages.
pub fn parse_str(text: &str, file: &str) -> Result<Network, GridError> {
    let cx = Ctx { file };
    let raw = scan(text, &cx)?;
    build(raw, &cx)
}

#[derive(Default)]
struct Raw {
    base_mva: Option<(f64, usize)>,
    bus: Option<Matrix>,
    gens: Option<Matrix>,
    branch: Option<Matrix>,
    bus_name: Option<Vec<String>>,
}

/// Strips a `%` comment, ignoring `%` inside single-quoted strings.
fn strip_comment(line: &str) -> &str {
    let mut in_str = false;
    for (i, c) in line.char_indices() {
        match c {
            '\'' => in_str = !in_str,
            '%' | '#' if !in_str => return &line[..i],
            _ => {}
        }
    }
    line
}

fn scan(text: &str, cx: &Ctx) -> Result<Raw, ParseError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut raw = Raw::default();
    let mut i = 0;
    let mut saw_anything = false;
    while i < lines.len() {
        let lno = i + 1;
        let line = strip_comment(lines[i]).trim();
        i += 1;
        if line.is_empty() {
            continue;
        }
        saw_anything = true;
        if line.starts_with("function") {
            continue;
        }
        let Some(rest) = line.strip_prefix("mpc.") else {
            return Err(cx.err(
                lno,
                Some(1),
                format!("expected `mpc.<field> = ...` or `function mpc = ...`, found `{line}`"),
            ));
        };
        let Some(eq) = rest.find('=') else {
            return Err(cx.err(lno, None, format!("expected `=` after `mpc.{rest}`")));
        };
        let field = rest[..eq].trim();
        let value = rest[eq + 1..].trim();
        let value_col = lines[lno - 1].find('=').map_or(1, |p| {
            let after = &lines[lno - 1][p + 1..];
            p + 2 + (after.len() - after.trim_start().len())
        });
        match field {
            "bus" | "gen" | "branch" | "gencost" | "areas" | "bus_geo" | "dcline" => {
                let (m, next) = read_matrix(&lines, lno - 1, value, cx, field)?;
                i = next;
                match field {
                    "bus" => raw.bus = Some(m),
                    "gen" => raw.gens = Some(m),
                    "branch" => raw.branch = Some(m),
                    _ => {}
                }
            }
            "baseMVA" => {
                let v = value.trim_end_matches(';').trim();
                let x = parse_num(v).ok_or_else(|| {
                    cx.err(
                        lno,
                        Some(value_col),
                        format!("expected a number for baseMVA, found `{v}`"),
                    )
                })?;
                raw.base_mva = Some((x, lno));
            }
            "version" => {
                let v = value.trim_end_matches(';').trim().trim_matches('\'');
                if v != "2" {
                    return Err(cx.err(
                        lno,
                        Some(value_col),
                        format!("unsupported MATPOWER case format version '{v}', expected '2'"),
                    ));
                }
            }
            _ => {
                // Other fields: skip a matrix `[...]`, a cell array `{...}` or a
                // single-line value.
                if value.starts_with('[') || value.starts_with('{') {
                    let close = if value.starts_with('[') { ']' } else { '}' };
                    let (cells, next) = read_cells(&lines, lno - 1, value, close, cx, field)?;
                    i = next;
                    if field == "bus_name" {
                        raw.bus_name = Some(cells);
                    }
                }
            }
        }
    }
    if !saw_anything {
        return Err(cx.err(
            0,
            None,
            "empty file: expected a MATPOWER case (mpc.baseMVA, mpc.bus, mpc.gen, mpc.branch)",
        ));
    }
    Ok(raw)
}

/// Parses a MATLAB number, including `Inf`, `-Inf`, `+Inf`.
fn parse_num(s: &str) -> Option<f64> {
    match s {
        "Inf" | "inf" | "+Inf" | "+inf" => Some(f64::INFINITY),
        "-Inf" | "-inf" => Some(f64::NEG_INFINITY),
        _ => {
            let x: f64 = s.parse().ok()?;
            // Rust accepts "NaN", "infinity"; MATLAB case files should not
            // carry NaN, so reject it here.
            if x.is_nan() { None } else { Some(x) }
        }
    }
}

/// Reads the body of `[ ... ]` starting on line index `first` whose text after
/// `=` is `value`. Returns the matrix and the index of the next line.
fn read_matrix(
    lines: &[&str],
    first: usize,
    value: &str,
    cx: &Ctx,
    field: &str,
) -> Result<(Matrix, usize), ParseError> {
    let start_line = first + 1;
    let Some(body) = value.strip_prefix('[') else {
        return Err(cx.err(
            start_line,
            None,
            format!("expected `[` to start matrix mpc.{field}"),
        ));
    };
    let mut m = Matrix {
        start_line,
        ..Default::default()
    };
    let mut cur: Vec<f64> = Vec::new();
    let mut cur_cols: Vec<usize> = Vec::new();
    let mut cur_line = start_line;
    let mut idx = first;
    // Offset of `body` within the original line, for column numbers.
    let orig = lines[first];
    let mut offset = orig.len() - orig.trim_start().len();
    if let Some(p) = orig.find('[') {
        offset = p + 1;
    }
    let mut text: &str = body;
    loop {
        let stripped = strip_comment(text);
        let (content, cont) = match stripped.find("...") {
            Some(p) => (&stripped[..p], true),
            None => (stripped, false),
        };
        let mut closed = false;
        let mut pos = 0usize;
        let bytes = content.as_bytes();
        while pos < bytes.len() {
            let c = bytes[pos];
            if c == b' ' || c == b'\t' || c == b',' || c == b'\r' {
                pos += 1;
                continue;
            }
            if c == b';' {
                if !cur.is_empty() {
                    push_row(&mut m, &mut cur, &mut cur_cols, cur_line);
                }
                pos += 1;
                continue;
            }
            if c == b']' {
                closed = true;
                break;
            }
            let tok_start = pos;
            while pos < bytes.len()
                && !matches!(bytes[pos], b' ' | b'\t' | b',' | b';' | b']' | b'\r')
            {
                pos += 1;
            }
            let tok = &content[tok_start..pos];
            let col = offset + tok_start + 1;
            let line_no = idx + 1;
            let x = parse_num(tok).ok_or_else(|| {
                cx.err(
                    line_no,
                    Some(col),
                    format!("expected a number in mpc.{field}, found `{tok}`"),
                )
            })?;
            if cur.is_empty() {
                cur_line = line_no;
            }
            cur.push(x);
            cur_cols.push(col);
        }
        if closed {
            if !cur.is_empty() {
                push_row(&mut m, &mut cur, &mut cur_cols, cur_line);
            }
            return Ok((m, idx + 1));
        }
        if !cont && !cur.is_empty() {
            // A newline ends a row.
            push_row(&mut m, &mut cur, &mut cur_cols, cur_line);
        }
        idx += 1;
        if idx >= lines.len() {
            return Err(cx.err(
                lines.len(),
                None,
                format!(
                    "matrix mpc.{field} started on line {start_line} is not closed: expected `];` before the end of the file"
                ),
            ));
        }
        let l = lines[idx];
        if l.trim_start().starts_with("mpc.") {
            return Err(cx.err(
                idx + 1,
                Some(1),
                format!("matrix mpc.{field} started on line {start_line} is not closed: expected `];` before the next field"),
            ));
        }
        text = l;
        offset = 0;
    }
}

fn push_row(m: &mut Matrix, cur: &mut Vec<f64>, cols: &mut Vec<usize>, line: usize) {
    m.rows.push(std::mem::take(cur));
    m.cols.push(std::mem::take(cols));
    m.lines.push(line);
}

/// Reads a cell array or skipped matrix up to its closing bracket; returns
/// the quoted strings found (for `bus_name`) and the next line index.
fn read_cells(
    lines: &[&str],
    first: usize,
    value: &str,
    close: char,
    cx: &Ctx,
    field: &str,
) -> Result<(Vec<String>, usize), ParseError> {
    let mut out = Vec::new();
    let mut idx = first;
    let mut text: &str = &value[1..];
    loop {
        let mut in_str = false;
        let mut s = String::new();
        for c in text.chars() {
            if in_str {
                if c == '\'' {
                    in_str = false;
                    out.push(std::mem::take(&mut s));
                } else {
                    s.push(c);
                }
                continue;
            }
            match c {
                '\'' => in_str = true,
                '%' => break,
                c if c == close => return Ok((out, idx + 1)),
                _ => {}
            }
        }
        idx += 1;
        if idx >= lines.len() {
            return Err(cx.err(
                lines.len(),
                None,
                format!(
                    "mpc.{field} started on line {} is not closed: expected `{close}`",
                    first + 1
                ),
            ));
        }
        text = lines[idx];
    }
}

fn check_cols(
    m: &Matrix,
    min: usize,
    field: &str,
    what: &str,
    cx: &Ctx,
) -> Result<usize, ParseError> {
    let Some(first) = m.rows.first() else {
        return Ok(0);
    };
    let n = first.len();
    if n < min {
        return Err(cx.err(
            m.lines[0],
            None,
            format!("mpc.{field} has {n} columns, expected at least {min} ({what})"),
        ));
    }
    for (r, row) in m.rows.iter().enumerate() {
        if row.len() != n {
            return Err(cx.err(
                m.lines[r],
                None,
                format!(
                    "row {} of mpc.{field} has {} columns, expected {n} like the first row",
                    r + 1,
                    row.len()
                ),
            ));
        }
    }
    Ok(n)
}

fn finite(
    m: &Matrix,
    r: usize,
    c: usize,
    field: &str,
    name: &str,
    cx: &Ctx,
) -> Result<f64, ParseError> {
    let x = m.rows[r][c];
    if x.is_finite() {
        Ok(x)
    } else {
        Err(cx.err(
            m.lines[r],
            Some(m.cols[r][c]),
            format!(
                "mpc.{field} row {} column {} ({name}) must be finite, found {x}",
                r + 1,
                c + 1
            ),
        ))
    }
}

fn bus_ref(
    net_ids: &[(u64, usize)],
    m: &Matrix,
    r: usize,
    c: usize,
    field: &str,
    cx: &Ctx,
) -> Result<usize, ParseError> {
    let x = m.rows[r][c];
    let err = || {
        cx.err(
            m.lines[r],
            Some(m.cols[r][c]),
            format!(
                "mpc.{field} row {} refers to bus {x}, which is not in mpc.bus",
                r + 1
            ),
        )
    };
    if x.fract() != 0.0 || x < 0.0 || !x.is_finite() {
        return Err(err());
    }
    let id = x as u64;
    net_ids
        .binary_search_by_key(&id, |&(i, _)| i)
        .map(|k| net_ids[k].1)
        .map_err(|_| err())
}

/// The bus, gen and branch matrices of a case, checked for presence and
/// shape, with the system base.
struct Tables {
    base_mva: f64,
    bus: Matrix,
    gens: Matrix,
    branch: Matrix,
}

/// The buses of a case with the loads and shunts they carry, and the sorted
/// `(bus number, bus index)` table that gen and branch rows are resolved
/// against.
struct BusTable {
    buses: Vec<Bus>,
    loads: Vec<Load>,
    shunts: Vec<Shunt>,
    ids: Vec<(u64, usize)>,
}

/// Turns the scanned fields into a [`Network`]: the header checks, then the
/// buses, the generators and the branches, each failing on its first bad
/// row.
fn build(raw: Raw, cx: &Ctx) -> Result<Network, GridError> {
    let Tables {
        base_mva,
        bus: bm,
        gens: gm,
        branch: brm,
    } = tables(raw.base_mva, raw.bus, raw.gens, raw.branch, cx)?;
    let BusTable {
        buses,
        loads,
        shunts,
        ids,
    } = build_buses(&bm, raw.bus_name.as_deref(), cx)?;
    let gens = build_gens(&gm, &ids, cx)?;
    let branches = build_branches(&brm, &ids, cx)?;
    Network::new(base_mva, buses, branches, gens, loads, shunts, Vec::new())
}

/// Checks that `baseMVA` is a positive number and that the bus, gen and
/// branch matrices are present, the bus matrix non-empty and each with
/// enough columns and no ragged row (in that order).
fn tables(
    base_mva: Option<(f64, usize)>,
    bus: Option<Matrix>,
    gens: Option<Matrix>,
    branch: Option<Matrix>,
    cx: &Ctx,
) -> Result<Tables, GridError> {
    let (base_mva, base_line) =
        base_mva.ok_or_else(|| cx.err(0, None, "missing `mpc.baseMVA = <number>;`"))?;
    if !(base_mva.is_finite() && base_mva > 0.0) {
        return Err(cx
            .err(
                base_line,
                None,
                format!("baseMVA must be a positive number, found {base_mva}"),
            )
            .into());
    }
    let bm = bus.ok_or_else(|| cx.err(0, None, "missing matrix `mpc.bus = [ ... ];`"))?;
    let gm = gens.ok_or_else(|| cx.err(0, None, "missing matrix `mpc.gen = [ ... ];`"))?;
    let brm = branch.ok_or_else(|| cx.err(0, None, "missing matrix `mpc.branch = [ ... ];`"))?;
    if bm.rows.is_empty() {
        return Err(cx
            .err(
                bm.start_line,
                None,
                "mpc.bus has no rows: expected at least one bus",
            )
            .into());
    }
    check_cols(
        &bm,
        13,
        "bus",
        "bus_i type Pd Qd Gs Bs area Vm Va baseKV zone Vmax Vmin",
        cx,
    )?;
    check_cols(
        &gm,
        10,
        "gen",
        "bus Pg Qg Qmax Qmin Vg mBase status Pmax Pmin",
        cx,
    )?;
    check_cols(
        &brm,
        11,
        "branch",
        "fbus tbus r x b rateA rateB rateC ratio angle status",
        cx,
    )?;
    Ok(Tables {
        base_mva,
        bus: bm,
        gens: gm,
        branch: brm,
    })
}

/// Reads the bus rows (number, type, demand, shunt, voltage) in file order,
/// then rejects a bus number that appears twice.
fn build_buses(bm: &Matrix, bus_name: Option<&[String]>, cx: &Ctx) -> Result<BusTable, GridError> {
    let mut buses = Vec::with_capacity(bm.rows.len());
    let mut loads = Vec::new();
    let mut shunts = Vec::new();
    let mut ids: Vec<(u64, usize)> = Vec::with_capacity(bm.rows.len());
    for (r, row) in bm.rows.iter().enumerate() {
        let idv = row[0];
        if !(idv.is_finite() && idv >= 1.0 && idv.fract() == 0.0) {
            return Err(cx
                .err(
                    bm.lines[r],
                    Some(bm.cols[r][0]),
                    format!("bus number must be a positive integer, found {idv}"),
                )
                .into());
        }
        let id = idv as u64;
        let kind = match row[1] {
            1.0 => BusKind::Pq,
            2.0 => BusKind::Pv,
            3.0 => BusKind::Ref,
            4.0 => BusKind::Isolated,
            t => {
                return Err(cx
                    .err(
                        bm.lines[r],
                        Some(bm.cols[r][1]),
                        format!("bus {id}: type must be 1, 2, 3 or 4, found {t}"),
                    )
                    .into());
            }
        };
        let pd = finite(bm, r, 2, "bus", "Pd", cx)?;
        let qd = finite(bm, r, 3, "bus", "Qd", cx)?;
        let gs = finite(bm, r, 4, "bus", "Gs", cx)?;
        let bs = finite(bm, r, 5, "bus", "Bs", cx)?;
        let vm = finite(bm, r, 7, "bus", "Vm", cx)?;
        let va = finite(bm, r, 8, "bus", "Va", cx)?;
        let base_kv = finite(bm, r, 9, "bus", "baseKV", cx)?;
        let bi = buses.len();
        ids.push((id, bi));
        buses.push(Bus {
            id,
            kind,
            vm,
            va_deg: va,
            base_kv,
            in_service: kind != BusKind::Isolated,
            coord: None,
            name: bus_name.and_then(|n| n.get(r).cloned()),
        });
        if pd != 0.0 || qd != 0.0 {
            loads.push(Load {
                id: id.to_string(),
                bus: bi,
                p_mw: pd,
                q_mvar: qd,
                priority: Priority::Normal,
                in_service: true,
            });
        }
        if gs != 0.0 || bs != 0.0 {
            shunts.push(Shunt {
                id: id.to_string(),
                bus: bi,
                g_mw: gs,
                b_mvar: bs,
                in_service: true,
            });
        }
    }
    ids.sort_unstable();
    if let Some(w) = ids.windows(2).find(|w| w[0].0 == w[1].0) {
        let r = w[1].1;
        return Err(cx
            .err(
                bm.lines[r],
                Some(bm.cols[r][0]),
                format!("bus number {} appears twice in mpc.bus", w[0].0),
            )
            .into());
    }
    Ok(BusTable {
        buses,
        loads,
        shunts,
        ids,
    })
}

/// Reads the generator rows; each keeps its 1-based row as id.
fn build_gens(gm: &Matrix, ids: &[(u64, usize)], cx: &Ctx) -> Result<Vec<Gen>, GridError> {
    let mut gens = Vec::with_capacity(gm.rows.len());
    for (r, row) in gm.rows.iter().enumerate() {
        let bus = bus_ref(ids, gm, r, 0, "gen", cx)?;
        let qmax = row[3];
        let qmin = row[4];
        for (c, v) in [(3usize, qmax), (4, qmin)] {
            if v.is_nan() {
                return Err(cx
                    .err(gm.lines[r], Some(gm.cols[r][c]), "Q limit must be a number")
                    .into());
            }
        }
        gens.push(Gen {
            id: (r + 1).to_string(),
            bus,
            pg_mw: finite(gm, r, 1, "gen", "Pg", cx)?,
            qg_mvar: finite(gm, r, 2, "gen", "Qg", cx)?,
            qmax_mvar: qmax,
            qmin_mvar: qmin,
            vg: finite(gm, r, 5, "gen", "Vg", cx)?,
            in_service: finite(gm, r, 7, "gen", "status", cx)? > 0.0,
            pmax_mw: row[8],
            pmin_mw: row[9],
        });
    }
    Ok(gens)
}

/// Reads the branch rows; each keeps its 1-based row as id.
fn build_branches(brm: &Matrix, ids: &[(u64, usize)], cx: &Ctx) -> Result<Vec<Branch>, GridError> {
    let mut branches = Vec::with_capacity(brm.rows.len());
    for r in 0..brm.rows.len() {
        let from = bus_ref(ids, brm, r, 0, "branch", cx)?;
        let to = bus_ref(ids, brm, r, 1, "branch", cx)?;
        let x = finite(brm, r, 3, "branch", "x", cx)?;
        let rr = finite(brm, r, 2, "branch", "r", cx)?;
        let status = finite(brm, r, 10, "branch", "status", cx)?;
        if rr == 0.0 && x == 0.0 && status > 0.0 {
            return Err(cx
                .err(
                    brm.lines[r],
                    Some(brm.cols[r][3]),
                    format!(
                        "branch {} has r = x = 0: expected a non-zero impedance",
                        r + 1
                    ),
                )
                .into());
        }
        branches.push(Branch {
            id: (r + 1).to_string(),
            from,
            to,
            r: rr,
            x,
            b: finite(brm, r, 4, "branch", "b", cx)?,
            rate_a_mva: brm.rows[r][5],
            ratio: finite(brm, r, 8, "branch", "ratio", cx)?,
            shift_deg: finite(brm, r, 9, "branch", "angle", cx)?,
            in_service: status > 0.0,
        });
    }
    Ok(branches)
}
