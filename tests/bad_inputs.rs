//! Every file in `tests/bad-inputs/` gets exactly the error message and exit
//! status written beside it (see that folder's README).

#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;
use std::process::Command;

#[test]
fn every_bad_input_gets_its_documented_error() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad-inputs");
    let out = std::env::temp_dir().join(format!("blackstart-bad-{}", std::process::id()));
    let mut checked = 0;
    for folder in ["matpower", "scenario", "gmpe", "track"] {
        let dir = root.join(folder);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| dir.join(format!("{n}.expected")).exists())
            .collect();
        names.sort();
        for name in names {
            let o = out.join(&name).display().to_string();
            let args: Vec<&str> = match folder {
                "matpower" => vec!["pf", &name],
                "scenario" => vec!["run", &name, "--quiet", "--out", &o],
                "gmpe" => vec![
                    "hazard", "gmpe", "--model", "bssa14", "--input", &name, "--out", &o,
                ],
                _ => vec![
                    "hazard",
                    "wind",
                    "--model",
                    "h08",
                    "--track",
                    &name,
                    "--sites",
                    "sites.csv",
                    "--out",
                    &o,
                ],
            };
            let res = Command::new(env!("CARGO_BIN_EXE_blackstart"))
                .args(&args)
                .current_dir(&dir)
                .output()
                .unwrap();
            let got = format!(
                "{}exit {}\n",
                String::from_utf8_lossy(&res.stderr),
                res.status.code().unwrap_or(-1)
            );
            let want = std::fs::read_to_string(dir.join(format!("{name}.expected"))).unwrap();
            assert_eq!(got, want, "{folder}/{name}");
            checked += 1;
        }
    }
    assert_eq!(checked, 14);
    let _ = std::fs::remove_dir_all(out);
}
