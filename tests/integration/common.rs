//! Shared helpers: the command under test, and the fixture world started per test.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use chatons_audit::world::RunningWorld;
use serde_json::Value;

/// The `chatons-audit` binary, with a scrubbed environment (English messages, no colours).
pub fn chatons_audit() -> Command {
    let mut cmd = Command::cargo_bin("chatons-audit").expect("the binary is built");
    cmd.env_remove("LC_ALL")
        .env("LANG", "C")
        .env("NO_COLOR", "1");
    cmd
}

/// A path under the repository's `fixtures/`.
pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(relative)
}

/// A multi-threaded runtime for starting servers from synchronous tests.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts")
}

/// Runs `chatons-audit audit` on `members` against `world` with `extra` arguments, writing
/// `results.json` and the saved observations (`observations.json`) into `out`; the CLI must
/// finish with code 0. Returns the parsed `results.json`.
pub fn audit_world(world: &RunningWorld, members: &Path, out: &Path, extra: &[&str]) -> Value {
    std::fs::create_dir_all(out).expect("create the output directory");
    let output = chatons_audit()
        .arg("--quiet")
        .arg("audit")
        .arg(members)
        .args(world.settings().to_flags())
        .args(["--format", "json", "--fail-on", "never"])
        .args(extra)
        .arg("--out")
        .arg(out)
        .arg("--save-observations")
        .arg(out.join("observations.json"))
        // Faulty hosts must not make the audit hang: a generous bound, far above the few
        // seconds a run takes, turns a hang into a test failure.
        .timeout(Duration::from_secs(180))
        .output()
        .expect("the audit runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "the audit finishes with exit code 0; stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    read_json(&out.join("results.json"))
}

/// A JSON file written by the CLI.
pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is JSON: {e}", path.display()))
}
