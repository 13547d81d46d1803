//! Agreement with a respected peer: sslyze, the TLS scanner many auditors run, scans every
//! certificate and protocol profile of the fixture world, and what chatons-audit observed and
//! judged there must agree with it: the same leaf certificate, the same key size, the same
//! answer to "does the chain validate for this name", the same SHA-1 finding and the same
//! protocol versions accepted.
//!
//! Runs when `CHATONS_AUDIT_SSLYZE` names an sslyze executable (`.ci/run` installs one in a
//! virtual environment) or `sslyze` is on the PATH; otherwise it says so and passes.

use std::path::{Path, PathBuf};
use std::process::Command;

use chatons_audit::world::{RunningWorld, World};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::{audit_world, fixture, read_json, runtime};

/// The profiles sslyze can judge: each a host of the world's `pki.test` zone. The
/// legacy-TLS host is left out on purpose: it answers old ClientHellos with a hand-made
/// ServerHello and no real handshake, which sslyze (rightly) cannot complete.
const PROFILES: &[&str] = &[
    "valid",
    "tls12",
    "tls13",
    "expired",
    "not-yet-valid",
    "expiring-soon",
    "wrong-host",
    "self-signed",
    "unknown-root",
    "missing-intermediate",
    "weak",
];

/// sslyze's names of the versions the legacy probe tries, with chatons-audit's.
const LEGACY_VERSIONS: &[(&str, &str)] = &[
    ("ssl_3_0_cipher_suites", "SSLv3"),
    ("tls_1_0_cipher_suites", "TLSv1.0"),
    ("tls_1_1_cipher_suites", "TLSv1.1"),
];

fn sslyze() -> Option<PathBuf> {
    let candidate = std::env::var_os("CHATONS_AUDIT_SSLYZE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("sslyze"));
    let works = Command::new(&candidate)
        .arg("--help")
        .output()
        .is_ok_and(|o| o.status.success());
    works.then_some(candidate)
}

fn members_file(dir: &Path, hosts: &[String]) -> PathBuf {
    let mut text = String::from(
        "schema_version: 1\nmembers:\n  - id: pki\n    name: PKI profiles\n    website: https://valid.pki.test/\n    services:\n",
    );
    for host in hosts {
        let id = host.trim_end_matches(".pki.test");
        text.push_str(&format!(
            "      - {{ id: {id}, kind: pad, url: \"https://{host}/\" }}\n"
        ));
    }
    let path = dir.join("pki.yaml");
    std::fs::write(&path, text).expect("write the members file");
    path
}

/// Runs the audit (TLS checks only) and returns (results, saved observations).
fn audit(world: &RunningWorld, members: &Path, out: &Path) -> (Value, Value) {
    let results = audit_world(world, members, out, &["--only", "tls.*"]);
    (results, read_json(&out.join("observations.json")))
}

/// Runs sslyze on every host (each at its real loopback address, with its name as SNI) and
/// returns its scan results by host name.
fn scan(sslyze: &Path, world: &RunningWorld, hosts: &[String], out: &Path) -> Vec<(String, Value)> {
    let json = out.join("sslyze.json");
    let targets: Vec<String> = hosts
        .iter()
        .map(|host| {
            let addr = world
                .address_of(host, 443)
                .unwrap_or_else(|| panic!("{host} has an HTTPS listener"));
            format!("{host}:{}{{{}}}", addr.port(), addr.ip())
        })
        .collect();
    let output = Command::new(sslyze)
        .args([
            "--quiet",
            "--sslv3",
            "--tlsv1",
            "--tlsv1_1",
            "--tlsv1_2",
            "--tlsv1_3",
            "--certinfo",
        ])
        .arg("--certinfo_ca_file")
        .arg(&world.settings().ca_file)
        .arg("--json_out")
        .arg(&json)
        .args(&targets)
        .output()
        .expect("sslyze runs");
    assert!(
        output.status.success(),
        "sslyze failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&json).expect("sslyze's JSON");
    let report: Value = serde_json::from_str(&text).expect("sslyze's JSON parses");
    report["server_scan_results"]
        .as_array()
        .expect("server_scan_results")
        .iter()
        .map(|r| {
            let host = r["server_location"]["hostname"]
                .as_str()
                .expect("hostname")
                .to_owned();
            (host, r["scan_result"].clone())
        })
        .collect()
}

fn verdict<'a>(results: &'a Value, check: &str, host: &str) -> &'a str {
    results["members"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["check"] == check && f["subject"]["id"] == host)
        .and_then(|f| f["verdict"].as_str())
        .unwrap_or_else(|| panic!("no {check} finding for {host}"))
}

/// How many cipher suites sslyze saw accepted for one version, or `None` when it could not
/// tell (an error of the scan, not an answer of the server).
fn accepted(scan: &Value, version: &str) -> Option<usize> {
    let result = &scan[version];
    (result["status"] == "COMPLETED").then(|| {
        result["result"]["accepted_cipher_suites"]
            .as_array()
            .map_or(0, Vec::len)
    })
}

fn sha256_of_pem(pem: &str) -> String {
    let der = rustls_pemfile::certs(&mut pem.as_bytes())
        .next()
        .expect("one certificate")
        .expect("PEM parses");
    Sha256::digest(der.as_ref())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn sslyze_agrees_with_the_tls_probe_and_checks_on_every_profile() {
    let Some(sslyze) = sslyze() else {
        eprintln!("skipped: sslyze not found (set CHATONS_AUDIT_SSLYZE or put it on the PATH)");
        return;
    };
    let rt = runtime();
    let world = rt
        .block_on(World::start(&fixture("world")))
        .expect("the fixture world starts");
    let hosts: Vec<String> = PROFILES
        .iter()
        .map(|p| format!("{p}.pki.test"))
        .filter(|h| world.address_of(h, 443).is_some())
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let members = members_file(dir.path(), &hosts);
    let (results, saved) = audit(&world, &members, &dir.path().join("out"));
    let scans = scan(&sslyze, &world, &hosts, dir.path());
    rt.block_on(world.shutdown());

    assert_eq!(scans.len(), hosts.len(), "sslyze scanned every host");
    let observations = &saved["observations"];
    for (host, scan) in &scans {
        let ours = &observations["tls"][format!("{host}:443")]["seen"];
        assert!(ours.is_object(), "{host}: the TLS probe saw a handshake");
        let deployment = &scan["certificate_info"]["result"]["certificate_deployments"][0];
        let leaf = &deployment["received_certificate_chain"][0];

        // The same certificate, with the same key size.
        assert_eq!(
            sha256_of_pem(leaf["as_pem"].as_str().expect("PEM")),
            ours["chain"][0]["sha256"].as_str().expect("our digest"),
            "{host}: both saw the same leaf"
        );
        assert_eq!(
            leaf["public_key"]["key_size"].as_u64(),
            ours["chain"][0]["key_bits"].as_u64(),
            "{host}: key size"
        );

        // Does the chain validate for this name against the world's CA?
        let theirs_valid = deployment["path_validation_results"]
            .as_array()
            .expect("path validation results")
            .iter()
            .find(|p| p["trust_store"]["name"] == "Supplied CA file")
            .map(|p| p["was_validation_successful"] == true)
            .expect("a result for the supplied CA file");
        let ours_valid = verdict(&results, "tls.certificate-valid", host) == "pass";
        assert_eq!(
            ours_valid, theirs_valid,
            "{host}: certificate valid (sslyze: {theirs_valid})"
        );

        // A SHA-1 signature on the leaf.
        let theirs_sha1 = leaf["signature_hash_algorithm"]["name"] == "sha1";
        let ours_sha1 = verdict(&results, "tls.certificate-signature-strong", host) == "fail";
        assert_eq!(ours_sha1, theirs_sha1, "{host}: SHA-1 signature");

        // The highest version: chatons-audit negotiates, sslyze enumerates.
        let highest = if accepted(scan, "tls_1_3_cipher_suites").unwrap_or(0) > 0 {
            "TLSv1.3"
        } else {
            "TLSv1.2"
        };
        assert_eq!(ours["protocol"], highest, "{host}: negotiated version");

        // Legacy versions: accepted by the server for sslyze exactly when for the legacy probe.
        let mut any_legacy = false;
        for (their_name, our_name) in LEGACY_VERSIONS {
            let Some(count) = accepted(scan, their_name) else {
                continue;
            };
            let attempt = observations["legacy_tls"][format!("{host}:443")]["seen"]["attempts"]
                .as_array()
                .and_then(|a| a.iter().find(|t| t["version"] == *our_name))
                .unwrap_or_else(|| panic!("{host}: a legacy attempt for {our_name}"));
            let ours_accepted = attempt["outcome"]["kind"] == "accepted";
            assert_eq!(
                ours_accepted,
                count > 0,
                "{host}: {our_name} accepted (sslyze saw {count} suites): {attempt}"
            );
            any_legacy |= count > 0;
        }
        let refused = verdict(&results, "tls.legacy-protocols-refused", host);
        assert_eq!(
            refused == "fail",
            any_legacy,
            "{host}: legacy-protocols-refused is {refused}"
        );
    }
}
