//! Every output file of every preset, and of `blackstart compare` on two
//! presets, byte for byte: the SHA-256 of each file is kept in
//! `tests/golden-outputs.sha256` (recorded before the architecture change of
//! issue 18, on the code at edaecfc).
//!
//! Work that changes outputs on purpose updates the checksums in the same
//! commit and says why: run this test with `BLACKSTART_BLESS=1` to rewrite
//! the file, then review the diff.
//!
//! `scenario.resolved.toml` names files by absolute path; the repository's
//! root is replaced with `<ROOT>` before hashing, so the checksums do not
//! depend on where the clone is.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

const PRESETS: [&str; 4] = ["kumamoto-2016", "hokkaido-2018", "faxai-2019", "ahr-2021"];
const COMPARED: [&str; 2] = ["kumamoto-2016", "faxai-2019"];
const POLICIES: [&str; 5] = ["none", "priority", "optimal", "market", "gnn"];

/// The repository's root (the folder with `examples/scenarios`).
fn repo_root() -> PathBuf {
    let mut d = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    while !d.join("examples/scenarios").is_dir() {
        assert!(d.pop(), "no examples/scenarios above the manifest");
    }
    d
}

fn checksums_file() -> PathBuf {
    repo_root().join("tests/golden-outputs.sha256")
}

fn run(args: &[&str], out: &Path) {
    let st = Command::new(env!("CARGO_BIN_EXE_blackstart"))
        .args(args)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "blackstart {args:?}: {}",
        String::from_utf8_lossy(&st.stderr)
    );
}

/// SHA-256 of every file under `dir`, keyed `tag/relative/path`.
fn hash_dir(tag: &str, dir: &Path, root: &str, into: &mut BTreeMap<String, String>) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for p in files {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let mut bytes = std::fs::read(&p).unwrap();
        if name.ends_with(".toml") {
            let text = String::from_utf8(bytes).unwrap();
            bytes = text.replace(root, "<ROOT>").into_bytes();
        }
        let digest = Sha256::digest(&bytes);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        into.insert(format!("{tag}/{name}"), hex);
    }
}

#[test]
fn every_preset_and_compare_output_is_byte_for_byte_unchanged() {
    let root = repo_root();
    let root_text = std::fs::canonicalize(&root).unwrap().display().to_string();
    let base = std::env::temp_dir().join(format!("blackstart-golden-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let mut got = BTreeMap::new();
    for p in PRESETS {
        let out = base.join(format!("run-{p}"));
        let scenario = format!("examples/scenarios/{p}.toml");
        run(&["run", &scenario, "--replicas", "8", "--seed", "1"], &out);
        hash_dir(&format!("run-{p}"), &out, &root_text, &mut got);
    }
    for p in COMPARED {
        let out = base.join(format!("compare-{p}"));
        let scenario = format!("examples/scenarios/{p}.toml");
        let mut args = vec![
            "compare",
            scenario.as_str(),
            "--replicas",
            "8",
            "--seed",
            "1",
        ];
        for pol in POLICIES {
            args.extend(["--policy", pol]);
        }
        run(&args, &out);
        hash_dir(&format!("compare-{p}"), &out, &root_text, &mut got);
    }
    let _ = std::fs::remove_dir_all(&base);
    let text: String = got.iter().map(|(k, v)| format!("{v}  {k}\n")).collect();
    if std::env::var_os("BLACKSTART_BLESS").is_some() {
        std::fs::write(checksums_file(), &text).unwrap();
        return;
    }
    let want = std::fs::read_to_string(checksums_file()).unwrap();
    let want: BTreeMap<&str, &str> = want
        .lines()
        .filter_map(|l| l.split_once("  ").map(|(h, k)| (k, h)))
        .collect();
    let mut diffs = Vec::new();
    for (k, h) in &want {
        match got.get(*k) {
            None => diffs.push(format!("{k}: missing")),
            Some(g) if g != h => diffs.push(format!("{k}: {g} (want {h})")),
            Some(_) => {}
        }
    }
    for k in got.keys() {
        if !want.contains_key(k.as_str()) {
            diffs.push(format!("{k}: new file"));
        }
    }
    assert!(
        diffs.is_empty(),
        "outputs changed ({} files):\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}
