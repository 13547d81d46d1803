//! Verdicts end to end: every certificate profile, protocol setting, header set, DNS zone,
//! mail server and faulty host of the fixture world, audited by the real CLI, gets the
//! verdict a careful human auditor would give. One world and one audit per test; the
//! assertions read `results.json`.

use std::path::Path;

use chatons_audit::world::desc::ZoneDesc;
use chatons_audit::world::{HostDesc, Members, RunningWorld, World, WorldDescription};
use serde_json::Value;

use crate::common::{audit_world, fixture, read_json, runtime};

/// Profiles the fixture world lacks, added for these tests only: mail domains whose MX
/// offers STARTTLS with a self-signed certificate (with and without an enforced MTA-STS
/// policy), a DMARC `p=none` domain and a short HSTS.
const EXTRA_ZONES: &str = r#"
- name: starttls-bad.test
  records: ["@ IN MX 10 starttls-bad.pki.test."]
- name: dmarc-none.test
  records:
    - "@ IN MX 10 mail.exemple.test."
    - "_dmarc IN TXT \"v=DMARC1; p=none\""
- name: starttls-enforced.test
  records:
    - "@ IN MX 10 starttls-bad.pki.test."
    - "_mta-sts IN TXT \"v=STSv1; id=1\""
- name: verdicts.test
- name: mx-alias.test
  records:
    - "@ IN MX 10 mx.mx-alias.test."
    - "mx IN CNAME mail.exemple.test."
- name: spf-redirect.test
  records:
    - "@ IN MX 10 mail.exemple.test."
    - "@ IN TXT \"v=spf1 redirect=_spf.spf-redirect.test\""
    - "_spf IN TXT \"v=spf1 a mx +all\""
"#;
const EXTRA_HOSTS: &str = r#"
- name: short-hsts.verdicts.test
  https:
    headers: { strict-transport-security: "max-age=300" }
    routes: [{ path: /, body: "<!doctype html><title>Court</title>" }]
- name: login-hsts.verdicts.test
  https:
    headers:
      content-security-policy: "default-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
      x-content-type-options: "nosniff, nosniff"
      x-frame-options: "ALLOW-FROM https://www.exemple.test/"
    routes:
      - path: /
        redirect: /login
        headers:
          strict-transport-security: "max-age=31536000"
          set-cookie: "PHPSESSID=1; Secure; SameSite=Lax"
      - { path: /login, body: "<!doctype html><title>Connexion</title>" }
- name: twice-hsts.verdicts.test
  https:
    headers:
      strict-transport-security: "max-age=31536000"
      content-security-policy: "script-src 'nonce-r4nd0m' 'unsafe-inline' 'strict-dynamic' https:; object-src 'none'"
      x-frame-options: "ALLOW-FROM https://www.exemple.test/"
    routes:
      - path: /
        headers: { strict-transport-security: "max-age=31536000" }
        body: "<!doctype html><title>Deux fois</title>"
- name: meta-policies.verdicts.test
  https:
    headers: { strict-transport-security: "max-age=31536000" }
    routes:
      - path: /
        body: |
          <!doctype html>
          <html><head>
          <meta charset="utf-8">
          <META HTTP-EQUIV="Content-Security-Policy" content="default-src 'self'; frame-ancestors 'none'">
          <meta name="referrer" content="unsafe-url">
          <title>Politiques en méta</title>
          </head><body><p>Politiques posées par des éléments meta.</p>
          <template><meta name="referrer" content="no-referrer"></template>
          </body></html>
- name: plain.verdicts.test
  https:
    headers: { strict-transport-security: "max-age=31536000" }
    routes: [{ path: /, body: "<!doctype html><title>Clair</title>" }]
- name: mta-sts.starttls-enforced.test
  https:
    routes:
      - path: /.well-known/mta-sts.txt
        content_type: text/plain
        body: "version: STSv1\nmode: enforce\nmx: starttls-bad.pki.test\nmax_age: 604800\n"
"#;

/// Members of the world that `members.yaml` does not declare: one service per PKI profile
/// host, the extra mail domains and the short-HSTS host.
const PKI_MEMBERS: &str = r#"schema_version: 1
members:
  - id: pki
    name: PKI profiles
    website: https://valid.pki.test/
    mail_domains:
      - domain: starttls-bad.test
      - domain: dmarc-none.test
      - domain: spf-redirect.test
      - domain: mx-alias.test
    services:
      - { id: tls12, kind: pad, url: "https://tls12.pki.test/" }
      - { id: tls13, kind: pad, url: "https://tls13.pki.test/" }
      - { id: expired, kind: pad, url: "https://expired.pki.test/" }
      - { id: not-yet-valid, kind: pad, url: "https://not-yet-valid.pki.test/" }
      - { id: expiring-soon, kind: pad, url: "https://expiring-soon.pki.test/" }
      - { id: wrong-host, kind: pad, url: "https://wrong-host.pki.test/" }
      - { id: self-signed, kind: pad, url: "https://self-signed.pki.test/" }
      - { id: unknown-root, kind: pad, url: "https://unknown-root.pki.test/" }
      - { id: missing-intermediate, kind: pad, url: "https://missing-intermediate.pki.test/" }
      - { id: weak, kind: pad, url: "https://weak.pki.test/" }
      - { id: legacy, kind: pad, url: "https://legacy.pki.test/" }
      - { id: short-hsts, kind: pad, url: "https://short-hsts.verdicts.test/" }
  - id: enforced
    name: MTA-STS enforce over a bad STARTTLS certificate
    website: https://valid.pki.test/
    mail_domains:
      - domain: starttls-enforced.test
"#;

/// A member whose hosts send header sets that only a browser-faithful reading judges right.
const HEADERS_MEMBER: &str = r#"schema_version: 1
members:
  - id: headers
    name: En-têtes délicats
    website: https://login-hsts.verdicts.test/
    services:
      - { id: twice, kind: pad, url: "https://twice-hsts.verdicts.test/" }
      - { id: plain, kind: pad, url: "http://plain.verdicts.test/" }
      - { id: meta, kind: pad, url: "https://meta-policies.verdicts.test/" }
"#;

/// A member made only of the faulty hosts of `20-faults.yaml` (appended to `members.yaml`).
const FAULTS_MEMBER: &str = r#"
  - id: faults
    name: Faulty hosts
    website: https://stall.faults.test/
    services:
      - { id: reset, kind: pad, url: "https://reset.faults.test/" }
      - { id: garbage, kind: pad, url: "https://garbage.faults.test/" }
      - { id: loop, kind: pad, url: "https://loop.faults.test/" }
      - { id: endless, kind: pad, url: "https://endless.faults.test/" }
      - { id: drip, kind: pad, url: "https://drip.faults.test/" }
      - { id: huge, kind: pad, url: "https://huge.faults.test/" }
      - { id: deep, kind: pad, url: "https://deep.faults.test/" }
      - { id: invalid-utf8, kind: pad, url: "https://invalid-utf8.faults.test/" }
      - { id: servfail, kind: pad, url: "https://www.servfail.test/" }
      - { id: silent, kind: pad, url: "https://www.silent.test/" }
"#;

/// Starts the fixture world plus the extra zones and hosts above.
fn start_world(rt: &tokio::runtime::Runtime) -> RunningWorld {
    let mut description =
        WorldDescription::load(&fixture("world")).expect("the fixture world description loads");
    let zones: Vec<ZoneDesc> = serde_saphyr::from_str(EXTRA_ZONES).expect("extra zones parse");
    let hosts: Vec<HostDesc> = serde_saphyr::from_str(EXTRA_HOSTS).expect("extra hosts parse");
    description.zones.extend(zones);
    description.hosts.extend(hosts);
    rt.block_on(World::start_description(
        description,
        Members::File(fixture("world/members.yaml")),
    ))
    .expect("the fixture world starts")
}

/// The findings of one audit run.
struct Audit {
    findings: Vec<Value>,
}

impl Audit {
    /// Runs `chatons-audit audit` on `members` against `world`; the CLI must finish.
    fn run(world: &RunningWorld, members: &Path, out: &Path) -> Audit {
        let results = audit_world(world, members, out, &["--timeout", "3"]);
        let findings = results["members"]
            .as_array()
            .expect("members is an array")
            .iter()
            .flat_map(|m| m["findings"].as_array().cloned().unwrap_or_default())
            .collect();
        Audit { findings }
    }

    /// The findings of one member, in report order.
    fn of_member(&self, member: &str) -> Vec<&Value> {
        self.findings
            .iter()
            .filter(|f| f["member"] == member)
            .collect()
    }

    /// The finding of `check` on `subject` (its id; "" for the member itself).
    fn finding(&self, member: &str, check: &str, subject: &str) -> &Value {
        self.findings
            .iter()
            .find(|f| {
                f["member"] == member
                    && f["check"] == check
                    && f["subject"]["id"].as_str().unwrap_or("") == subject
            })
            .unwrap_or_else(|| panic!("no finding for {member} / {check} / {subject:?}"))
    }

    /// Asserts the verdict of `check` on `subject`, showing the message when it differs.
    fn expect(&self, member: &str, check: &str, subject: &str, verdict: &str) {
        let f = self.finding(member, check, subject);
        assert_eq!(
            f["verdict"], verdict,
            "{member} / {check} / {subject}: {}",
            f["message"]
        );
    }

    /// Asserts that no finding of `member` is a `fail`.
    fn expect_no_fail(&self, member: &str) {
        for f in self.of_member(member) {
            assert_ne!(f["verdict"], "fail", "{member}: unexpected fail: {f}");
        }
    }
}

/// Findings without what depends on the clock: the days a certificate has left and the
/// verification time in a refused handshake's message are counted from each run's start,
/// so every digit is masked; the verdicts, subjects, evidence labels and words remain.
fn without_clock(findings: Vec<&Value>) -> Vec<Value> {
    fn mask(value: &mut Value) {
        match value {
            Value::String(s) => {
                *s = s
                    .chars()
                    .map(|c| if c.is_ascii_digit() { '#' } else { c })
                    .collect();
            }
            Value::Array(items) => items.iter_mut().for_each(mask),
            Value::Object(map) => map.values_mut().for_each(mask),
            _ => {}
        }
    }
    findings
        .into_iter()
        .map(|f| {
            let mut f = f.clone();
            mask(&mut f);
            f
        })
        .collect()
}

/// The value of the first evidence item labelled `label` ("" when none).
fn evidence<'a>(finding: &'a Value, label: &str) -> &'a str {
    finding["evidence"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|item| item["label"] == label)
        .and_then(|item| item["value"].as_str())
        .unwrap_or("")
}

fn openssl_available() -> bool {
    std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_demo_members_get_the_verdicts_their_profiles_call_for() {
    let rt = runtime();
    let world = start_world(&rt);
    let dir = tempfile::tempdir().expect("temp dir");
    let audit = Audit::run(&world, &world.settings().members_file, dir.path());
    let ipv6_unavailable = world.ipv6_unavailable().map(str::to_owned);
    rt.block_on(world.shutdown());

    // Every finding speaks French too: the collective's reports are read in French first.
    for f in &audit.findings {
        let fr = f["message_fr"].as_str().unwrap_or("");
        assert!(!fr.is_empty(), "a finding without its French message: {f}");
    }

    // Exemple Libre: exemplary everywhere it can be observed.
    for host in ["www", "pad", "cloud", "agenda", "git"] {
        let host = format!("{host}.exemple.test");
        for check in [
            "tls.certificate-valid",
            "tls.certificate-not-expiring",
            "tls.certificate-key-strong",
            "tls.certificate-signature-strong",
            "tls.chain-complete",
            "tls.protocol-modern",
            "tls.legacy-protocols-refused",
            "http-headers.hsts",
            "http-headers.http-redirects-to-https",
            "http-headers.content-security-policy",
            "http-headers.referrer-policy",
            "http-headers.nosniff",
            "http-headers.frame-protection",
            "http-headers.cookies-secure",
            "dns.caa-present",
            "dns.dnssec-valid",
        ] {
            audit.expect("exemple", check, &host, "pass");
        }
    }
    // Signed zone: secure; mail with STARTTLS, DANE, DMARC reject, MTA-STS, TLS-RPT, SPF.
    for check in [
        "dns.dnssec-valid",
        "mail.mx-present",
        "mail.spf",
        "mail.dmarc",
        "mail.mta-sts",
        "mail.tls-rpt",
    ] {
        audit.expect("exemple", check, "exemple.test", "pass");
    }
    for check in [
        "mail.starttls-offered",
        "mail.starttls-certificate-valid",
        "mail.dane",
    ] {
        audit.expect("exemple", check, "mail.exemple.test", "pass");
    }
    audit.expect(
        "exemple",
        "mail.imaps-submission-tls",
        "imaps://mail.exemple.test:993",
        "pass",
    );
    audit.expect("exemple", "third-party.no-trackers", "", "pass");
    // IPv6: hosts without AAAA warn; hosts with one answer HTTPS on it (the world serves them
    // on [::1] too) unless this machine has no IPv6 loopback, which must not accuse anyone.
    audit.expect(
        "exemple",
        "dns.ipv6-reachable",
        "agenda.exemple.test",
        "warn",
    );
    audit.expect("exemple", "dns.ipv6-reachable", "git.exemple.test", "warn");
    let ipv6_verdict = match &ipv6_unavailable {
        None => "pass",
        Some(why) => {
            eprintln!("IPv6 verdicts checked as inconclusive: {why}");
            "inconclusive"
        }
    };
    for host in ["www", "pad", "cloud"] {
        let host = format!("{host}.exemple.test");
        audit.expect("exemple", "dns.ipv6-reachable", &host, ipv6_verdict);
        let f = audit.finding("exemple", "dns.ipv6-reachable", &host);
        if ipv6_verdict == "pass" {
            assert!(
                evidence(f, "tls.remote_addr").starts_with("[::1]:"),
                "{host}: the handshake went over IPv6: {f}"
            );
        }
    }
    // The forges the world stands in for answer for the declared repositories.
    for service in ["pad", "cloud", "agenda", "git"] {
        audit.expect("exemple", "software.source-reachable", service, "pass");
    }
    audit.expect_no_fail("exemple");

    // Chaton Périmé: expired certificate on the cloud; its website and mail are fine.
    audit.expect(
        "perime",
        "tls.certificate-valid",
        "cloud.perime.test",
        "fail",
    );
    audit.expect(
        "perime",
        "tls.certificate-not-expiring",
        "cloud.perime.test",
        "fail",
    );
    audit.expect("perime", "tls.certificate-valid", "www.perime.test", "pass");
    // What sits behind a refused certificate could not be observed: never a guess.
    audit.expect(
        "perime",
        "http-headers.hsts",
        "cloud.perime.test",
        "inconclusive",
    );
    // …but the handshake shows why visitors cannot use it: the expired certificate.
    audit.expect("perime", "web.https-reachable", "cloud", "warn");
    let unreachable = audit.finding("perime", "web.https-reachable", "cloud");
    assert!(
        unreachable["message"]
            .as_str()
            .unwrap_or("")
            .contains("expired certificate"),
        "{unreachable}"
    );
    audit.expect(
        "perime",
        "mail.starttls-offered",
        "mail.perime.test",
        "pass",
    );
    audit.expect("perime", "mail.dmarc", "perime.test", "warn");
    // Unsigned zone: insecure (a warning), not bogus (a failure).
    audit.expect("perime", "dns.dnssec-valid", "perime.test", "warn");
    audit.expect("perime", "dns.dnssec-valid", "www.perime.test", "warn");

    // Les Sans-Entêtes: no HSTS, no security headers, plain HTTP served, bare cookies.
    for host in ["www.sansentetes.test", "pad.sansentetes.test"] {
        audit.expect("sansentetes", "http-headers.hsts", host, "warn");
        audit.expect(
            "sansentetes",
            "http-headers.http-redirects-to-https",
            host,
            "fail",
        );
        audit.expect("sansentetes", "tls.certificate-valid", host, "pass");
    }
    let cookies = audit.finding(
        "sansentetes",
        "http-headers.cookies-secure",
        "www.sansentetes.test",
    );
    assert!(
        cookies["verdict"] == "warn" || cookies["verdict"] == "fail",
        "a cookie without Secure/HttpOnly is reported: {cookies}"
    );

    // Chaton Pisteur: Google Analytics on its home page.
    audit.expect("pisteur", "third-party.no-trackers", "", "fail");
    audit.expect("pisteur", "http-headers.hsts", "www.pisteur.test", "pass");

    // Ancien TLS: TLS 1.0/1.1 accepted besides 1.2/1.3.
    audit.expect(
        "ancientls",
        "tls.legacy-protocols-refused",
        "www.ancientls.test",
        "fail",
    );
    audit.expect(
        "ancientls",
        "tls.protocol-modern",
        "www.ancientls.test",
        "pass",
    );

    // Courriel en Clair: no STARTTLS, SPF +all.
    audit.expect(
        "sanstls",
        "mail.starttls-offered",
        "mail.sanstls.test",
        "fail",
    );
    audit.expect("sanstls", "mail.spf", "sanstls.test", "fail");
    audit.expect("sanstls", "mail.mx-present", "sanstls.test", "pass");

    // Chaton Bancal: expiring soon, wrong host on the pad, TLS 1.2 only, port 80 sends
    // visitors to another site.
    audit.expect(
        "bancal",
        "tls.certificate-not-expiring",
        "www.bancal.test",
        "warn",
    );
    audit.expect("bancal", "tls.certificate-valid", "www.bancal.test", "pass");
    audit.expect("bancal", "tls.protocol-modern", "www.bancal.test", "pass");
    audit.expect("bancal", "tls.certificate-valid", "pad.bancal.test", "fail");
    audit.expect("bancal", "web.https-reachable", "pad", "warn");
    // Its declared source repository does not exist on the forge (404).
    audit.expect("bancal", "software.source-reachable", "pad", "fail");
    // The pad publishes an AAAA record where nothing answers: refused over IPv6.
    let dead_ipv6 = if ipv6_unavailable.is_none() {
        "fail"
    } else {
        "inconclusive"
    };
    audit.expect("bancal", "dns.ipv6-reachable", "pad.bancal.test", dead_ipv6);
    audit.expect(
        "bancal",
        "http-headers.http-redirects-to-https",
        "www.bancal.test",
        "warn",
    );
    audit.expect("bancal", "http-headers.hsts", "www.bancal.test", "warn");

    // Members whose problems are elsewhere (documents, software) are clean here.
    for member in ["vieux", "sansmentions", "finances"] {
        for f in audit.of_member(member) {
            let check = f["check"].as_str().unwrap_or("");
            if check.starts_with("tls.") {
                assert_eq!(f["verdict"], "pass", "{member}: {f}");
            }
        }
    }
}

#[test]
fn every_certificate_and_protocol_profile_gets_its_verdict() {
    let rt = runtime();
    let world = start_world(&rt);
    let dir = tempfile::tempdir().expect("temp dir");
    let members = dir.path().join("pki.yaml");
    std::fs::write(&members, PKI_MEMBERS).expect("write members");
    let audit = Audit::run(&world, &members, &dir.path().join("out"));
    rt.block_on(world.shutdown());

    let m = "pki";
    // Healthy profiles, with each protocol setting.
    for host in ["valid", "tls12", "tls13"] {
        let host = format!("{host}.pki.test");
        for check in [
            "tls.certificate-valid",
            "tls.certificate-not-expiring",
            "tls.certificate-key-strong",
            "tls.certificate-signature-strong",
            "tls.chain-complete",
            "tls.protocol-modern",
            "tls.legacy-protocols-refused",
        ] {
            audit.expect(m, check, &host, "pass");
        }
    }
    let tls12 = audit.finding(m, "tls.protocol-modern", "tls12.pki.test");
    assert!(
        tls12["message"].as_str().unwrap_or("").contains("TLSv1.2"),
        "{tls12}"
    );

    audit.expect(m, "tls.certificate-valid", "expired.pki.test", "fail");
    audit.expect(
        m,
        "tls.certificate-not-expiring",
        "expired.pki.test",
        "fail",
    );
    audit.expect(m, "tls.certificate-valid", "not-yet-valid.pki.test", "fail");
    audit.expect(m, "tls.certificate-valid", "expiring-soon.pki.test", "pass");
    audit.expect(
        m,
        "tls.certificate-not-expiring",
        "expiring-soon.pki.test",
        "warn",
    );
    audit.expect(m, "tls.certificate-valid", "wrong-host.pki.test", "fail");
    audit.expect(m, "tls.certificate-valid", "self-signed.pki.test", "fail");
    audit.expect(m, "tls.certificate-valid", "unknown-root.pki.test", "fail");
    audit.expect(
        m,
        "tls.certificate-valid",
        "missing-intermediate.pki.test",
        "fail",
    );
    audit.expect(
        m,
        "tls.chain-complete",
        "missing-intermediate.pki.test",
        "warn",
    );
    // A self-signed leaf is a complete chain (of one): its trust is judged elsewhere.
    audit.expect(m, "tls.chain-complete", "self-signed.pki.test", "pass");
    // A leaf sent alone by an authority nobody else uses: a missing intermediate or a private
    // authority signing directly, which the chain cannot tell apart — a human looks.
    audit.expect(m, "tls.chain-complete", "unknown-root.pki.test", "manual");
    // The verifier checks the name after building the path, and the expired leaf's
    // intermediate is sent: both chains are complete.
    audit.expect(m, "tls.chain-complete", "wrong-host.pki.test", "pass");
    audit.expect(m, "tls.chain-complete", "expired.pki.test", "pass");
    audit.expect(
        m,
        "tls.certificate-not-expiring",
        "not-yet-valid.pki.test",
        "fail",
    );
    // Key and signature of every non-weak profile are strong (EC P-256, SHA-256).
    for host in [
        "expired",
        "not-yet-valid",
        "expiring-soon",
        "wrong-host",
        "self-signed",
        "unknown-root",
        "missing-intermediate",
        "legacy",
    ] {
        let host = format!("{host}.pki.test");
        audit.expect(m, "tls.certificate-key-strong", &host, "pass");
        audit.expect(m, "tls.certificate-signature-strong", &host, "pass");
    }
    // Legacy TLS accepted.
    audit.expect(m, "tls.legacy-protocols-refused", "legacy.pki.test", "fail");
    audit.expect(m, "tls.certificate-valid", "legacy.pki.test", "pass");

    // RSA-1024 signed with SHA-1 (served by `openssl s_server`).
    if openssl_available() {
        audit.expect(m, "tls.certificate-key-strong", "weak.pki.test", "fail");
        audit.expect(
            m,
            "tls.certificate-signature-strong",
            "weak.pki.test",
            "fail",
        );
        audit.expect(m, "tls.certificate-valid", "weak.pki.test", "fail");
        // OpenSSL at security level 0 still accepts TLS 1.0 and 1.1, though not SSL 3.
        audit.expect(m, "tls.legacy-protocols-refused", "weak.pki.test", "fail");
    } else {
        eprintln!("skipping the weak-key profile: `openssl` is not installed");
    }

    // Headers behind a certificate the client refuses cannot be observed.
    for host in ["expired", "wrong-host", "self-signed", "unknown-root"] {
        let host = format!("{host}.pki.test");
        audit.expect(m, "http-headers.hsts", &host, "inconclusive");
    }
    // HSTS: none on the PKI hosts, a five-minute one on the short-HSTS host.
    audit.expect(m, "http-headers.hsts", "valid.pki.test", "warn");
    audit.expect(m, "http-headers.hsts", "short-hsts.verdicts.test", "warn");

    // STARTTLS with a self-signed certificate: opportunistic TLS still stops passive
    // eavesdroppers (warn), but under an enforced MTA-STS policy senders refuse it (fail).
    audit.expect(m, "mail.starttls-offered", "starttls-bad.pki.test", "pass");
    audit.expect(
        m,
        "mail.starttls-certificate-valid",
        "starttls-bad.pki.test",
        "warn",
    );
    audit.expect(
        "enforced",
        "mail.starttls-certificate-valid",
        "starttls-bad.pki.test",
        "fail",
    );
    // DMARC p=none.
    audit.expect(m, "mail.dmarc", "dmarc-none.test", "warn");
    audit.expect(m, "mail.mx-present", "dmarc-none.test", "pass");
    // An SPF record that delegates with redirect= is judged on the target's policy, which the
    // auditor looks up once it has read the record: here `+all`.
    audit.expect(m, "mail.spf", "spf-redirect.test", "fail");
    // An MX host that is an alias (CNAME) is against RFC 5321.
    audit.expect(m, "mail.mx-present", "mx-alias.test", "warn");
    let spf = audit.finding(m, "mail.spf", "spf-redirect.test");
    assert!(
        evidence(spf, "dns.spf").starts_with("_spf.spf-redirect.test:"),
        "the target's record is the evidence: {spf}"
    );
}

#[test]
fn security_headers_are_read_through_the_real_stack_as_browsers_read_them() {
    let rt = runtime();
    let world = start_world(&rt);
    let dir = tempfile::tempdir().expect("temp dir");
    let members = dir.path().join("headers.yaml");
    std::fs::write(&members, HEADERS_MEMBER).expect("write members");
    let audit = Audit::run(&world, &members, &dir.path().join("out"));
    rt.block_on(world.shutdown());
    let m = "headers";

    // HSTS and a session cookie set only by the same-host redirect to the login page count;
    // the final page's CSP allows inline scripts; frame-ancestors overrides ALLOW-FROM; a
    // nosniff sent twice still protects.
    let host = "login-hsts.verdicts.test";
    audit.expect(m, "http-headers.hsts", host, "pass");
    audit.expect(m, "http-headers.cookies-secure", host, "warn");
    let cookies = audit.finding(m, "http-headers.cookies-secure", host);
    assert_eq!(
        evidence(cookies, "http.cookie"),
        "PHPSESSID: session cookie lacks HttpOnly",
        "{cookies}"
    );
    audit.expect(m, "http-headers.content-security-policy", host, "warn");
    audit.expect(m, "http-headers.frame-protection", host, "pass");
    audit.expect(m, "http-headers.nosniff", host, "pass");
    audit.expect(m, "http-headers.http-redirects-to-https", host, "pass");

    // Two HSTS headers in one response: a warning that says so; a nonce with
    // 'strict-dynamic' makes the loose sources inert; ALLOW-FROM alone protects nothing.
    let host = "twice-hsts.verdicts.test";
    audit.expect(m, "http-headers.hsts", host, "warn");
    let hsts = audit.finding(m, "http-headers.hsts", host);
    assert!(
        hsts["message"]
            .as_str()
            .unwrap_or("")
            .contains("2 Strict-Transport-Security headers"),
        "{hsts}"
    );
    audit.expect(m, "http-headers.content-security-policy", host, "pass");
    audit.expect(m, "http-headers.frame-protection", host, "warn");
    audit.expect(m, "http-headers.cookies-secure", host, "not_applicable");

    // No CSP or Referrer-Policy header, but <meta> elements in the page: a strict CSP (its
    // frame-ancestors, which a <meta> cannot set, dropped) passes; the referrer <meta>
    // (the one in <template> is inert) sends full URLs to other sites.
    let host = "meta-policies.verdicts.test";
    audit.expect(m, "http-headers.content-security-policy", host, "pass");
    let csp = audit.finding(m, "http-headers.content-security-policy", host);
    assert!(
        csp["message"]
            .as_str()
            .unwrap_or("")
            .contains("in a <meta> element of the page"),
        "{csp}"
    );
    assert_eq!(
        evidence(csp, "html.meta-csp"),
        "default-src 'self'; frame-ancestors 'none'",
        "{csp}"
    );
    audit.expect(m, "http-headers.referrer-policy", host, "warn");
    let referrer = audit.finding(m, "http-headers.referrer-policy", host);
    assert!(
        referrer["message"]
            .as_str()
            .unwrap_or("")
            .contains("unsafe-url in a <meta name=\"referrer\"> element"),
        "{referrer}"
    );
    // frame-ancestors in a <meta> protects nothing: the page can be framed.
    audit.expect(m, "http-headers.frame-protection", host, "warn");

    // Declared as http:// while its host answers over HTTPS: the declaration is at fault,
    // not the encryption.
    audit.expect(m, "web.https-reachable", "plain", "warn");
    audit.expect(
        m,
        "http-headers.http-redirects-to-https",
        "plain.verdicts.test",
        "pass",
    );
    // Nothing here is a breach of encryption (the member lacks documents, which is not
    // looked at here).
    for f in audit.of_member(m) {
        let check = f["check"].as_str().unwrap_or("");
        if check.starts_with("http-headers.") || check.starts_with("web.") {
            assert_ne!(f["verdict"], "fail", "{f}");
        }
    }
}

#[test]
fn faulty_hosts_are_inconclusive_and_leave_healthy_members_unchanged() {
    let rt = runtime();
    let world = start_world(&rt);
    let dir = tempfile::tempdir().expect("temp dir");
    let plain = world.settings().members_file.clone();
    let with_faults = dir.path().join("with-faults.yaml");
    let text = std::fs::read_to_string(&plain).expect("members.yaml");
    std::fs::write(&with_faults, format!("{text}{FAULTS_MEMBER}")).expect("write members");

    let started = std::time::Instant::now();
    let alone = Audit::run(&world, &plain, &dir.path().join("alone"));
    let mixed = Audit::run(&world, &with_faults, &dir.path().join("mixed"));
    eprintln!("two audits in {:?}", started.elapsed());
    rt.block_on(world.shutdown());

    // Transport faults: nothing could be observed, so nothing is judged.
    let f = "faults";
    mixed.expect(f, "web.https-reachable", "", "inconclusive"); // stall
    for (service, host) in [
        ("reset", "reset.faults.test"),
        ("garbage", "garbage.faults.test"),
    ] {
        mixed.expect(f, "web.https-reachable", service, "inconclusive");
        mixed.expect(f, "tls.certificate-valid", host, "inconclusive");
        mixed.expect(f, "http-headers.hsts", host, "inconclusive");
    }
    mixed.expect(
        f,
        "tls.certificate-valid",
        "stall.faults.test",
        "inconclusive",
    );
    // HTTP faults after a sound handshake: TLS is judged, the page is not.
    for (service, host) in [("loop", "loop.faults.test"), ("drip", "drip.faults.test")] {
        mixed.expect(f, "tls.certificate-valid", host, "pass");
        mixed.expect(f, "web.https-reachable", service, "inconclusive");
        mixed.expect(f, "third-party.no-trackers", service, "inconclusive");
    }
    // Bodies that never end, are huge, deeply nested or not UTF-8: the status line came,
    // the bounded reader stops and nothing crashes.
    for service in ["endless", "huge", "deep", "invalid-utf8"] {
        mixed.expect(f, "web.https-reachable", service, "pass");
    }
    // DNS failures: SERVFAIL and silence are inconclusive, never a fail.
    for (service, host) in [
        ("servfail", "www.servfail.test"),
        ("silent", "www.silent.test"),
    ] {
        mixed.expect(f, "web.https-reachable", service, "inconclusive");
        mixed.expect(f, "dns.dnssec-valid", host, "inconclusive");
        mixed.expect(f, "tls.certificate-valid", host, "inconclusive");
    }
    // A faulty server never gets a member accused.
    mixed.expect_no_fail(f);

    // Every other member's findings are the same with or without the faulty member.
    let members: Vec<&str> = alone
        .findings
        .iter()
        .filter_map(|f| f["member"].as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(members.contains(&"exemple"), "{members:?}");
    for member in members {
        assert_eq!(
            without_clock(alone.of_member(member)),
            without_clock(mixed.of_member(member)),
            "the findings of {member} changed when faulty hosts were audited too"
        );
    }
}

#[test]
fn a_service_whose_name_does_not_resolve_is_not_judged_on_its_page() {
    let rt = runtime();
    let world = start_world(&rt);
    let dir = tempfile::tempdir().expect("temp dir");
    let members = dir.path().join("ghost.yaml");
    std::fs::write(
        &members,
        "schema_version: 1\nmembers:\n  - id: ghost\n    name: Ghost\n    website: https://valid.pki.test/\n    services:\n      - { id: ghost, kind: pad, url: \"https://ghost.faults.test/\" }\n",
    )
    .expect("write members");
    let audit = Audit::run(&world, &members, &dir.path().join("out"));
    rt.block_on(world.shutdown());
    let f = audit.finding("ghost", "web.https-reachable", "ghost");
    assert!(
        (f["verdict"] == "fail" || f["verdict"] == "inconclusive")
            && f["message"].as_str().unwrap_or("").contains("DNS"),
        "the name does not exist in DNS; the finding should say so: {f}"
    );
}

/// The software products the world serves from `fixtures/software/<case>/` (hosts in
/// `fixtures/world/hosts/30-software.yaml`), with the name a member would declare.
const SOFTWARE_CASES: &[(&str, &str)] = &[
    ("nextcloud", "Nextcloud"),
    ("mastodon", "Mastodon"),
    ("peertube", "PeerTube"),
    ("gitea", "Gitea"),
    ("forgejo", "Forgejo"),
    ("synapse", "Synapse"),
    ("etherpad", "Etherpad"),
    ("discourse", "Discourse"),
    ("wordpress", "WordPress"),
    ("privatebin", "PrivateBin"),
    ("jitsi", "Jitsi Meet"),
    ("mobilizon", "Mobilizon"),
    ("pixelfed", "Pixelfed"),
];

#[test]
fn each_software_product_served_by_the_world_is_recognised_end_to_end() {
    let rt = runtime();
    let world = start_world(&rt);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut members = String::from(
        "schema_version: 1\nmembers:\n  - id: logiciels\n    name: Logiciels\n    website: https://nextcloud.logiciels.test/\n    services:\n",
    );
    for (case, product) in SOFTWARE_CASES {
        members.push_str(&format!(
            "      - {{ id: {case}, kind: web, url: \"https://{case}.logiciels.test/\", software: {{ name: {product} }} }}\n"
        ));
    }
    // Declared as Etherpad, answers as Nextcloud; declared as an older Mastodon than it runs.
    members.push_str("      - { id: liar, kind: pad, url: \"https://liar.logiciels.test/\", software: { name: Etherpad } }\n");
    members.push_str("      - { id: outdated, kind: social, url: \"https://outdated.logiciels.test/\", software: { name: Mastodon, version: \"4.1.0\" } }\n");
    let file = dir.path().join("logiciels.yaml");
    std::fs::write(&file, members).expect("write members");
    let audit = Audit::run(&world, &file, &dir.path().join("out"));
    rt.block_on(world.shutdown());

    for (case, _) in SOFTWARE_CASES {
        audit.expect(
            "logiciels",
            "software.detected-matches-declared",
            case,
            "pass",
        );
    }
    audit.expect(
        "logiciels",
        "software.detected-matches-declared",
        "liar",
        "fail",
    );
    audit.expect(
        "logiciels",
        "software.detected-matches-declared",
        "outdated",
        "warn",
    );
    let liar = audit.finding("logiciels", "software.detected-matches-declared", "liar");
    assert!(
        liar["message"].as_str().unwrap_or("").contains("Nextcloud"),
        "the evidence names what really answers: {liar}"
    );
}

#[test]
fn a_proprietary_service_needs_its_public_exceptions_page() {
    let rt = runtime();
    let world = start_world(&rt);
    let dir = tempfile::tempdir().expect("temp dir");
    let member = |id: &str, host: &str, exceptions: Option<&str>| {
        let documents = exceptions
            .map(|url| format!("    documents: {{ proprietary-exceptions: \"{url}\" }}\n"))
            .unwrap_or_default();
        format!(
            "  - id: {id}\n    name: {id}\n    website: https://{host}/\n{documents}    services:\n      - {{ id: visio, kind: visio, url: \"https://{host}/\", software: {{ name: Visio Pro, license: LicenseRef-Proprietary, proprietary: true }} }}\n"
        )
    };
    let members = format!(
        "schema_version: 1\nmembers:\n{}{}{}",
        // Lists its exceptions on a page that answers.
        member(
            "transparent",
            "proprietary-listed.logiciels.test",
            Some("https://proprietary-listed.logiciels.test/exceptions.html")
        ),
        // Declares a page that does not exist.
        member(
            "broken-link",
            "proprietary-unlisted.logiciels.test",
            Some("https://proprietary-unlisted.logiciels.test/exceptions.html")
        ),
        // Declares no page at all: a reviewer must look for the list.
        member("silent", "proprietary-unlisted.logiciels.test", None),
    );
    let file = dir.path().join("proprietary.yaml");
    std::fs::write(&file, members).expect("write members");
    let audit = Audit::run(&world, &file, &dir.path().join("out"));
    rt.block_on(world.shutdown());

    let check = "software.proprietary-exceptions-listed";
    // The finding is about the member: the list of exceptions is the member's page.
    audit.expect("transparent", check, "", "pass");
    audit.expect("broken-link", check, "", "fail");
    audit.expect("silent", check, "", "manual");
}

/// How a resource of a saved page observation is loaded, in the words of the `EXPECT:`
/// annotations of `fixtures/pages/*.html`.
fn load_state(resource: &Value) -> &'static str {
    let automatic = resource["loads_automatically"].as_bool().unwrap_or(false);
    match (resource["context"].as_str(), automatic) {
        (Some("html-comment"), _) => "comment",
        (Some("template"), _) => "template",
        (Some("consent-gated"), _) => "consent-gated",
        (Some("noscript"), true) => "noscript",
        (_, true) => "loaded",
        (_, false) => "not-loaded",
    }
}

#[test]
fn the_world_pages_yield_their_annotated_third_parties_and_verdicts() {
    let rt = runtime();
    let world = start_world(&rt);
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("pages.yaml");
    std::fs::write(
        &file,
        "schema_version: 1\nmembers:\n  - id: pages\n    name: Pages\n    website: https://www.chaton.test/clean.html\n    first_party_domains: [chaton-cdn.test]\n    services:\n      - { id: trackers, kind: web, url: \"https://www.chaton.test/trackers.html\" }\n      - { id: traps, kind: web, url: \"https://www.chaton.test/traps.html\" }\n      - { id: latin1, kind: web, url: \"https://www.chaton.test/latin1.html\" }\n",
    )
    .expect("write members");
    let out = dir.path().join("out");
    let audit = Audit::run(&world, &file, &out);
    rt.block_on(world.shutdown());

    // What the pages make a browser load, as observed through the real network layer, matches
    // the annotations written in each page.
    let saved = read_json(&out.join("observations.json"));
    for page in ["clean", "trackers", "traps", "latin1"] {
        let url = format!("https://www.chaton.test/{page}.html");
        let resources = saved["observations"]["pages"][&url]["seen"]["resources"]
            .as_array()
            .unwrap_or_else(|| {
                panic!(
                    "{url} was observed: {}",
                    saved["observations"]["pages"][&url]
                )
            });
        let html = std::fs::read_to_string(fixture(&format!("pages/{page}.html")))
            .or_else(|_| {
                std::fs::read(fixture(&format!("pages/{page}.html")))
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
            })
            .expect("fixture page");
        let host_of = |r: &Value| {
            url::Url::parse(r["url"].as_str().unwrap_or(""))
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_default()
        };
        for line in html.lines() {
            if let Some(rest) = line.trim().strip_prefix("EXPECT:") {
                let (host, state) = rest.trim().split_once(' ').expect("EXPECT: host state");
                let states: Vec<&str> = resources
                    .iter()
                    .filter(|r| host_of(r) == host)
                    .map(load_state)
                    .collect();
                assert!(
                    states.contains(&state.trim()),
                    "{page}: expected {host} {state}, found {states:?}"
                );
            } else if let Some(absent) = line.trim().strip_prefix("ABSENT:") {
                assert!(
                    !resources
                        .iter()
                        .any(|r| host_of(r).ends_with(absent.trim())),
                    "{page}: {} must not appear",
                    absent.trim()
                );
            }
        }
    }

    // A charter-abiding page passes; the big-tech page fails both commitments; trackers that
    // only sit in comments, templates or behind consent are not accused (warn, with evidence);
    // an unknown third party (the Latin-1 page's café.other.test) is a warn, never a fail.
    for (subject, trackers, third_parties) in [
        ("", "pass", "pass"),
        ("latin1", "pass", "warn"),
        ("trackers", "fail", "fail"),
        ("traps", "warn", "warn"),
    ] {
        audit.expect("pages", "third-party.no-trackers", subject, trackers);
        audit.expect(
            "pages",
            "third-party.no-third-party-resources",
            subject,
            third_parties,
        );
    }
}

#[test]
fn transparency_documents_are_found_read_and_judged_through_the_world() {
    let rt = runtime();
    let world = start_world(&rt);
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("documents.yaml");
    std::fs::write(
        &file,
        "schema_version: 1\nmembers:\n\
         \x20 - { id: complet, name: Complet, website: \"https://www.documents.test/complet/\", hosting: { provider: OVH SAS, country_code: FR } }\n\
         \x20 - { id: partial, name: Partial, website: \"https://www.documents.test/partial/\" }\n\
         \x20 - { id: stale, name: Stale, website: \"https://www.documents.test/stale/\", hosting: { provider: OVH, country_code: FR } }\n\
         \x20 - { id: absent, name: Absent, website: \"https://www.documents.test/absent/\" }\n\
         \x20 - { id: scripts, name: Scripts, website: \"https://www.documents.test/scripts/\" }\n",
    )
    .expect("write members");
    let out = dir.path().join("out");
    let audit = Audit::run(&world, &file, &out);
    rt.block_on(world.shutdown());

    // Complete, in French, HTML and PDF: every transparency commitment is met.
    for check in [
        "transparency.terms-published",
        "transparency.privacy-published",
        "transparency.legal-notice-published",
        "transparency.economic-model-published",
        "transparency.finances-published",
        "transparency.activity-report-published",
        "transparency.hosting-stated",
        "transparency.backups-published",
        "transparency.log-retention-published",
        "transparency.security-published",
        "transparency.infrastructure-documented",
    ] {
        audit.expect("complet", check, "", "pass");
    }
    // Partial, in English: the legal notice is missing (fail), the privacy clause hides in the
    // terms (a reviewer decides), recommended documents are absent (warn).
    audit.expect("partial", "transparency.terms-published", "", "pass");
    audit.expect("partial", "transparency.privacy-published", "", "manual");
    audit.expect("partial", "transparency.legal-notice-published", "", "fail");
    audit.expect("partial", "transparency.finances-published", "", "warn");
    audit.expect(
        "partial",
        "transparency.log-retention-published",
        "",
        "pass",
    );
    // Stale: old accounts warn and say which year was found; the declared hosting disagrees
    // with the site, so a reviewer decides.
    audit.expect("stale", "transparency.finances-published", "", "warn");
    let finances = audit.finding("stale", "transparency.finances-published", "");
    assert!(
        finances["message"].as_str().unwrap_or("").contains("2018"),
        "{finances}"
    );
    audit.expect("stale", "transparency.hosting-stated", "", "manual");
    // Missing: required documents fail, practices only go to a reviewer.
    for check in [
        "transparency.terms-published",
        "transparency.privacy-published",
        "transparency.legal-notice-published",
    ] {
        audit.expect("absent", check, "", "fail");
    }
    audit.expect("absent", "transparency.backups-published", "", "manual");
    // A home page built by scripts arrives without links: nothing could be looked for, so
    // nothing is declared missing.
    for check in [
        "transparency.terms-published",
        "transparency.privacy-published",
        "transparency.legal-notice-published",
    ] {
        audit.expect("scripts", check, "", "inconclusive");
    }

    // The facts read on the way: the year of the PDF activity report, the hosting country and
    // the log-retention period of the English site.
    let saved = read_json(&out.join("observations.json"));
    let documents = |member: &str| -> Vec<Value> {
        saved["observations"]["documents"][member]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let report = documents("complet")
        .into_iter()
        .find(|d| {
            d["url"]
                .as_str()
                .is_some_and(|u| u.ends_with("rapport-activite-2025.pdf"))
        })
        .expect("the PDF activity report was read");
    assert_eq!(report["content"]["seen"]["format"], "pdf", "{report}");
    assert!(
        report["content"]["seen"].to_string().contains("2025"),
        "the year 2025 is among the facts: {report}"
    );
    let partial = serde_json::to_string(&documents("partial")).expect("JSON");
    assert!(
        partial.contains("1 year"),
        "log retention of one year: {partial}"
    );
    assert!(partial.contains("\"DE\""), "hosting country DE: {partial}");
}
