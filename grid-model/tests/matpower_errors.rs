//! Malformed MATPOWER files get an error that names the file, the line (and
//! column where it applies) and what was expected. Nothing panics.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use grid_model::{GridError, matpower};

const GOOD: &str = "function mpc = tiny
mpc.version = '2';
mpc.baseMVA = 100;
mpc.bus = [
	1	3	0	0	0	0	1	1	0	345	1	1.1	0.9;
	2	1	90	30	0	0	1	1	0	345	1	1.1	0.9;
];
mpc.gen = [
	1	0	0	300	-300	1.04	100	1	250	10	0	0	0	0	0	0	0	0	0	0	0;
];
mpc.branch = [
	1	2	0.01	0.085	0.176	250	250	250	0	0	1	-360	360;
];
";

fn err(text: &str) -> String {
    match matpower::parse_str(text, "bad.m") {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(GridError::Parse(e)) => e.to_string(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_good_file_parses() {
    let net = matpower::parse_str(GOOD, "good.m").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(net.buses.len(), 2);
    assert_eq!(net.gens.len(), 1);
    assert_eq!(net.branches.len(), 1);
    assert_eq!(net.loads.len(), 1);
}

#[test]
fn empty_file() {
    assert_eq!(
        err(""),
        "bad.m: empty file: expected a MATPOWER case (mpc.baseMVA, mpc.bus, mpc.gen, mpc.branch)"
    );
    assert!(err("% only a comment\n\n").contains("empty file"));
}

#[test]
fn truncated_matrix_at_end_of_file() {
    let cut = &GOOD[..GOOD.find("mpc.branch").unwrap() + 30];
    let e = err(cut);
    assert!(e.starts_with("bad.m:"), "{e}");
    assert!(
        e.contains("matrix mpc.branch started on line 11 is not closed: expected `];`"),
        "{e}"
    );
}

#[test]
fn truncated_matrix_followed_by_next_field() {
    let text = GOOD.replace(
        "\t2\t1\t90\t30\t0\t0\t1\t1\t0\t345\t1\t1.1\t0.9;\n];",
        "\t2\t1\t90\t30\t0\t0\t1\t1\t0\t345\t1\t1.1\t0.9;",
    );
    let e = err(&text);
    assert_eq!(
        e,
        "bad.m:7:1: matrix mpc.bus started on line 4 is not closed: expected `];` before the next field"
    );
}

#[test]
fn wrong_column_count_in_a_row() {
    let text = GOOD.replace(
        "\t2\t1\t90\t30\t0\t0\t1\t1\t0\t345\t1\t1.1\t0.9;",
        "\t2\t1\t90\t30\t0\t0\t1\t1\t0\t345\t1\t1.1;",
    );
    assert_eq!(
        err(&text),
        "bad.m:6: row 2 of mpc.bus has 12 columns, expected 13 like the first row"
    );
}

#[test]
fn too_few_columns() {
    let text = GOOD.replace(
        "\t1\t2\t0.01\t0.085\t0.176\t250\t250\t250\t0\t0\t1\t-360\t360;",
        "\t1\t2\t0.01\t0.085\t0.176\t250\t250\t250\t0\t0;",
    );
    assert_eq!(
        err(&text),
        "bad.m:12: mpc.branch has 10 columns, expected at least 11 (fbus tbus r x b rateA rateB rateC ratio angle status)"
    );
}

#[test]
fn unknown_bus_id_in_branch() {
    let text = GOOD.replace("\t1\t2\t0.01", "\t1\t7\t0.01");
    assert_eq!(
        err(&text),
        "bad.m:12:4: mpc.branch row 1 refers to bus 7, which is not in mpc.bus"
    );
}

#[test]
fn unknown_bus_id_in_gen() {
    let text = GOOD.replace("\t1\t0\t0\t300", "\t9\t0\t0\t300");
    assert_eq!(
        err(&text),
        "bad.m:9:2: mpc.gen row 1 refers to bus 9, which is not in mpc.bus"
    );
}

#[test]
fn non_numeric_cell() {
    let text = GOOD.replace("\t2\t1\t90\t30", "\t2\t1\tabc\t30");
    assert_eq!(
        err(&text),
        "bad.m:6:6: expected a number in mpc.bus, found `abc`"
    );
}

#[test]
fn nan_is_not_a_number_here() {
    let text = GOOD.replace("\t2\t1\t90\t30", "\t2\t1\tNaN\t30");
    assert!(err(&text).contains("expected a number in mpc.bus, found `NaN`"));
}

#[test]
fn infinite_value_where_finite_is_required() {
    let text = GOOD.replace("\t2\t1\t90\t30", "\t2\t1\tInf\t30");
    assert_eq!(
        err(&text),
        "bad.m:6:6: mpc.bus row 2 column 3 (Pd) must be finite, found inf"
    );
}

#[test]
fn infinite_q_limits_are_accepted() {
    let text = GOOD.replace("\t300\t-300\t", "\tInf\t-Inf\t");
    let net = matpower::parse_str(&text, "inf.m").unwrap();
    assert_eq!(net.gens[0].qmax_mvar, f64::INFINITY);
    assert_eq!(net.gens[0].qmin_mvar, f64::NEG_INFINITY);
}

#[test]
fn bad_bus_type() {
    let text = GOOD.replace("\t2\t1\t90", "\t2\t5\t90");
    assert_eq!(
        err(&text),
        "bad.m:6:4: bus 2: type must be 1, 2, 3 or 4, found 5"
    );
}

#[test]
fn duplicate_bus_id() {
    let text = GOOD.replace("\t2\t1\t90", "\t1\t1\t90");
    assert!(err(&text).contains("bus number 1 appears twice in mpc.bus"));
}

#[test]
fn missing_matrices_and_base() {
    assert_eq!(
        err("mpc.baseMVA = 100;\n"),
        "bad.m: missing matrix `mpc.bus = [ ... ];`"
    );
    let nobase = GOOD.replace("mpc.baseMVA = 100;\n", "");
    assert_eq!(err(&nobase), "bad.m: missing `mpc.baseMVA = <number>;`");
    let badbase = GOOD.replace("mpc.baseMVA = 100;", "mpc.baseMVA = hundred;");
    assert_eq!(
        err(&badbase),
        "bad.m:3:15: expected a number for baseMVA, found `hundred`"
    );
}

#[test]
fn garbage_line() {
    let text = GOOD.replace("mpc.version = '2';", "this is not matpower");
    assert!(err(&text).starts_with("bad.m:2:1: expected `mpc.<field> = ...`"));
}

#[test]
fn unsupported_version() {
    let text = GOOD.replace("mpc.version = '2';", "mpc.version = '1';");
    assert!(err(&text).contains("unsupported MATPOWER case format version '1', expected '2'"));
}

#[test]
fn zero_impedance_branch() {
    let text = GOOD.replace("\t0.01\t0.085\t", "\t0\t0\t");
    assert!(err(&text).contains("branch 1 has r = x = 0"));
}

#[test]
fn missing_file_is_an_io_error_naming_the_path() {
    let e = matpower::read_file("/nonexistent/case.m")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("cannot read /nonexistent/case.m:"), "{e}");
}

#[test]
fn continuation_comments_cells_and_extra_columns_are_handled() {
    let text = "function mpc = t
mpc.version = '2'; % comment
mpc.baseMVA = 100;
mpc.bus = [
	10	3	0	0	0	0	1	1	5	345	1	1.1	0.9	7	8; % extra columns
	20	1	90	30 ...
	  0	0	1	1	0	345	1	1.1	0.9	7	8;
];
mpc.gen = [10 0 0 Inf -Inf 1.02 100 1 250 10];
mpc.branch = [10 20 0.01 -0.085 0.176 250 250 250 0 5 1];
mpc.bus_name = {
	'North %1';
	'South';
};
mpc.gentype = {'NG'};
";
    let net = matpower::parse_str(text, "t.m").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(net.buses[1].id, 20);
    assert_eq!(net.buses[0].name.as_deref(), Some("North %1"));
    assert_eq!(net.loads[0].p_mw, 90.0);
    assert_eq!(net.branches[0].x, -0.085);
    assert_eq!(net.branches[0].shift_deg, 5.0);
    assert_eq!(net.bus_index(20), Some(1));
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A cheap stand-in for the fuzz target: mutate the good file at every
    // position and check that parsing returns (Ok or Err) without panicking.
    let bytes = GOOD.as_bytes();
    for i in 0..bytes.len() {
        for rep in [b']', b';', b'[', b'%', b'.', b'x', b'\n', b'-'] {
            let mut m = bytes.to_vec();
            m[i] = rep;
            if let Ok(s) = std::str::from_utf8(&m) {
                let _ = matpower::parse_str(s, "m.m");
            }
            let cut = String::from_utf8_lossy(&bytes[..i]);
            let _ = matpower::parse_str(&cut, "m.m");
        }
    }
}
