//! The command line end to end: validate, audit against the fixture world, replay, the
//! private-address guard and exit codes.

use std::path::Path;

use predicates::prelude::*;

use crate::common::{chatons_audit, fixture, runtime};

#[test]
fn validate_accepts_the_commented_example_members_file() {
    chatons_audit()
        .args(["validate"])
        .arg(fixture("members/example.yaml"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("valid"));
}

#[test]
fn validate_reports_every_problem_with_line_and_column_and_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("members.yaml");
    std::fs::write(
        &file,
        "schema_version: 1\nmembers:\n  - id: a\n    name: A\n    websit: https://a.example/\n    services:\n      - id: pad\n        kind: pad\n        url: not a url\n",
    )
    .expect("write");
    let output = chatons_audit()
        .arg("validate")
        .arg(&file)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The misspelt key, with its place and the nearest known key.
    assert!(stdout.contains("members.yaml:5:5"), "{stdout}");
    assert!(stdout.contains("website"), "{stdout}");
    // The bad URL, on its own line and column, in the same run.
    assert!(stdout.contains("members.yaml:9:14"), "{stdout}");
}

#[test]
fn a_missing_input_file_is_a_tool_error_with_exit_code_2() {
    chatons_audit()
        .args(["audit", "/nonexistent/members.yaml", "--out"])
        .arg(tempfile::tempdir().expect("temp dir").path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/members.yaml"));
}

#[test]
fn explain_prints_both_the_rationale_and_the_remediation_in_french() {
    chatons_audit()
        .args(["--lang", "fr", "explain", "web.https-reachable"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Comment corriger :"))
        .stdout(predicate::str::contains("Gravité : élevée"));
}

#[test]
fn output_cut_short_by_its_reader_ends_quietly_without_a_panic() {
    use std::io::Read as _;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("chatons-audit"))
        .arg("checks")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    // The reader hangs up before the first line, as `| head -0` would: every write fails.
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("stderr readable");
    let status = child.wait().expect("exits");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(status.code(), Some(0), "{stderr}");
}

#[test]
fn explain_suggests_the_nearest_check_for_a_typo() {
    chatons_audit()
        .args(["explain", "web.https-reachble"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("web.https-reachable"));
}

#[test]
fn the_private_address_guard_refuses_a_loopback_service_without_allow_private() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("members.yaml");
    std::fs::write(
        &file,
        "schema_version: 1\nmembers:\n  - id: local\n    name: Local\n    website: https://127.0.0.1:9/\n",
    )
    .expect("write");
    let out = dir.path().join("out");
    chatons_audit()
        .args([
            "--quiet",
            "audit",
            "--only",
            "web.https-reachable",
            "--fail-on",
            "never",
        ])
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .args(["--format", "json"])
        .assert()
        .code(0);
    let results = std::fs::read_to_string(out.join("results.json")).expect("results written");
    assert!(results.contains("inconclusive"), "{results}");
    assert!(results.contains("private-address guard"), "{results}");
}

/// Audits the fixture world's members with `extra` arguments; returns the output directory.
fn audit_world(extra: &[&str], out: &Path) -> (std::process::Output, tempfile::TempDir) {
    let rt = runtime();
    let world = rt
        .block_on(chatons_audit::world::World::start(&fixture("world")))
        .expect("the fixture world starts");
    let settings = world.settings().clone();
    let keep = tempfile::tempdir().expect("temp dir");
    let output = chatons_audit()
        .arg("--quiet")
        .arg("audit")
        .arg(&settings.members_file)
        .args(settings.to_flags())
        .arg("--out")
        .arg(out)
        .args(["--format", "json"])
        // Into a folder that does not exist yet: the audit creates it.
        .arg("--save-observations")
        .arg(keep.path().join("saved/observations.json"))
        .args(extra)
        .output()
        .expect("runs");
    rt.block_on(world.shutdown());
    (output, keep)
}

#[test]
fn audit_then_replay_gives_byte_identical_results() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = dir.path().join("first");
    let (output, saved) = audit_world(&["--fail-on", "never"], &first);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let second = dir.path().join("second");
    chatons_audit()
        .args(["--quiet", "audit", "--replay"])
        .arg(saved.path().join("saved/observations.json"))
        .arg("--out")
        .arg(&second)
        .args(["--format", "json", "--fail-on", "never"])
        .assert()
        .code(0);
    let a = std::fs::read(first.join("results.json")).expect("first results");
    let b = std::fs::read(second.join("results.json")).expect("second results");
    assert!(!a.is_empty());
    assert!(a == b, "replayed results differ from the original run");
}

#[test]
fn exit_code_is_1_when_a_verdict_reaches_fail_on_and_0_when_it_does_not() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (failing, _) = audit_world(&["--fail-on", "fail"], &dir.path().join("a"));
    assert_eq!(
        failing.status.code(),
        Some(1),
        "the world has members that fail"
    );
    let (never, _) = audit_world(&["--fail-on", "never"], &dir.path().join("b"));
    assert_eq!(never.status.code(), Some(0));
}

#[test]
fn replay_refuses_a_file_that_is_not_saved_observations() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("obs.json");
    std::fs::write(&file, "{\"hello\": 1}").expect("write");
    chatons_audit()
        .args(["audit", "--replay"])
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a saved observations file"));
}
