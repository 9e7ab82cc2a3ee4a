//! Every file in `tests/bad-inputs/` gets exactly the error message (and,
//! for the CLI, the exit status) written beside it (see that folder's
//! README).

#![allow(clippy::unwrap_used, missing_docs, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// How many cases the catalogue holds: a file without its `.expected`
/// sibling, or a folder the test does not know, would otherwise be skipped
/// silently.
const CASES: usize = 79;

/// The cases of one folder: files with a `NAME.expected` beside them.
fn cases(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".expected") && dir.join(format!("{n}.expected")).exists())
        .collect();
    names.sort();
    names
}

/// Runs the CLI from `dir`; returns its standard error and exit status in
/// the `.expected` format.
fn cli(dir: &Path, args: &[String]) -> String {
    let res = Command::new(env!("CARGO_BIN_EXE_blackstart"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    format!(
        "{}exit {}\n",
        String::from_utf8_lossy(&res.stderr),
        res.status.code().unwrap_or(-1)
    )
}

/// A library parser's error message for a file of folder `kind`.
fn api(kind: &str, path: &Path) -> String {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let bytes = std::fs::read(path).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    use disaster_scenarios::flood::AsciiGrid;
    use disaster_scenarios::formats::{quakeml::QuakeMlEvent, shakemap::ShakeMapGrid};
    let err = match kind {
        "quakeml" => QuakeMlEvent::parse(&text, &name)
            .err()
            .map(|e| e.to_string()),
        "shakemap" => ShakeMapGrid::parse(&text, &name)
            .err()
            .map(|e| e.to_string()),
        "flood-grid" => AsciiGrid::parse(&text, &name).err().map(|e| e.to_string()),
        "telemetry" => hw_bridge::Telemetry::parse(&bytes)
            .err()
            .map(|e| e.to_string()),
        "command" => hw_bridge::CommandMsg::parse(&bytes)
            .err()
            .map(|e| e.to_string()),
        "profile-csv" => scenario::profiles::parse_profile(&text, &name, "kw")
            .err()
            .map(|e| e.to_string()),
        "profile-parquet" => scenario::profiles::parse_parquet_profile(&bytes, &name, "kw")
            .err()
            .map(|e| e.to_string()),
        other => panic!("tests/bad-inputs/{other}: no command.txt and no parser for it"),
    };
    format!("{}\n", err.unwrap_or_else(|| "accepted".into()))
}

#[test]
fn every_bad_input_gets_its_documented_error() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("tests/bad-inputs");
    let out = std::env::temp_dir().join(format!("blackstart-bad-{}", std::process::id()));
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    let mut checked = 0;
    let mut failures = Vec::new();
    for dir in folders {
        let folder = dir.file_name().unwrap().to_string_lossy().into_owned();
        let command = std::fs::read_to_string(dir.join("command.txt")).ok();
        let names = cases(&dir);
        assert!(!names.is_empty(), "{folder}: no cases");
        for name in names {
            let o = out.join(&name).display().to_string();
            let got = if folder == "flags" {
                // One argument per line.
                let args: Vec<String> = std::fs::read_to_string(dir.join(&name))
                    .unwrap()
                    .lines()
                    .map(|l| l.replace("{out}", &o))
                    .collect();
                cli(&dir, &args)
            } else if let Some(cmd) = &command {
                let args: Vec<String> = cmd
                    .split_whitespace()
                    .map(|a| a.replace("{name}", &name).replace("{out}", &o))
                    .collect();
                cli(&dir, &args)
            } else {
                api(&folder, &dir.join(&name))
            };
            let expected = dir.join(format!("{name}.expected"));
            if std::env::var_os("BLACKSTART_BLESS").is_some() {
                // Writes what the code says now: read every change before
                // committing it.
                std::fs::write(&expected, &got).unwrap();
            }
            let want = std::fs::read_to_string(&expected).unwrap();
            if got != want {
                failures.push(format!("{folder}/{name}:\n  want {want:?}\n  got  {got:?}"));
            }
            checked += 1;
        }
    }
    let _ = std::fs::remove_dir_all(out);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(checked, CASES, "cases in the catalogue");
}
