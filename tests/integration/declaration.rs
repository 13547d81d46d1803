//! Integration tests: declaration loaders (YAML members file, ChatonsInfos, librehost.json).
//!
//! All fixtures are synthetic (see `fixtures/chatonsinfos/README.md`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chatons_audit::declaration::chatonsinfos::{Limits, load_properties, load_properties_with};
use chatons_audit::declaration::librehost::load_librehost;
use chatons_audit::declaration::yaml::{load_yaml_file, parse_yaml};
use chatons_audit::declaration::{DocumentKind, Error, properties};
use chatons_audit::observation::ProbeFailure;
use chatons_audit::observation::http::{HttpExchange, HttpResponse};
use chatons_audit::probe::{BoxFuture, Fetch, FetchOptions, Fetched};
use proptest::prelude::*;
use url::Url;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

fn messages(err: &Error) -> Vec<String> {
    err.problems.iter().map(ToString::to_string).collect()
}

/// Problems rendered relative to the fixtures directory, so assertions read like output.
fn relative(problems: &[chatons_audit::declaration::Problem]) -> Vec<String> {
    let root = fixture("").display().to_string();
    problems
        .iter()
        .map(|p| p.to_string().replace(&root, ""))
        .collect()
}

// ---------------------------------------------------------------- YAML members file

#[test]
fn commented_example_parses_to_the_expected_model() {
    let declarations = load_yaml_file(&fixture("members/example.yaml")).expect("example is valid");
    assert!(declarations.problems.is_empty());
    let ids: Vec<&str> = declarations.members.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["chaton-exemple", "petit-chaton"]);
    let member = &declarations.members[0];
    assert_eq!(member.website.as_str(), "https://chaton-exemple.test/");
    assert_eq!(member.first_party_domains, ["exemple-cdn.test"]);
    assert_eq!(member.documents.len(), 4);
    assert_eq!(
        member.documents[&DocumentKind::LegalNotice].as_str(),
        "https://chaton-exemple.test/mentions-legales"
    );
    assert_eq!(
        member.mail_domains[0].imap_host.as_deref(),
        Some("imap.chaton-exemple.test")
    );
    let hosting = member.hosting.as_ref().expect("hosting declared");
    assert_eq!(hosting.provider_type.as_deref(), Some("HOSTEDBAY"));
    assert_eq!(member.services.len(), 2);
    let pad = &member.services[0];
    let software = pad.software.as_ref().expect("software declared");
    assert_eq!(
        (software.name.as_str(), software.version.as_deref()),
        ("Etherpad", Some("2.2.6"))
    );
    assert_eq!(software.license.as_deref(), Some("Apache-2.0"));
    assert_eq!(pad.origin.line, 48);
    assert!(pad.origin.file.ends_with("example.yaml"));
    assert_eq!(
        member.services[1]
            .hosting
            .as_ref()
            .and_then(|h| h.country_code.as_deref()),
        Some("DE")
    );
    assert!(declarations.members[1].services.is_empty());
}

#[test]
fn four_mistakes_give_four_problems_with_line_column_and_hint() {
    let text =
        std::fs::read_to_string(fixture("members/broken-four-mistakes.yaml")).expect("fixture");
    let err = parse_yaml(&text, "members.yaml").expect_err("four mistakes");
    assert_eq!(
        messages(&err),
        [
            "members.yaml:10:9: unknown key `ulr` in a service (hint: did you mean `url`?)",
            "members.yaml:13:14: `url`: bad URL `cloud.chaton-a.test`: relative URL without a base (hint: write the full address, e.g. https://cloud.chaton-a.test)",
            "members.yaml:16:20: `AGPL-3.0` is not a valid SPDX licence expression: a deprecated license identifier was used (hint: did you mean `AGPL-3.0-only`?)",
            "members.yaml:17:13: duplicate service id `cloud` (hint: first declared at line 11)",
        ]
    );
}

#[test]
fn missing_keys_bad_ids_duplicates_and_unknown_kinds_are_all_reported() {
    let err = load_yaml_file(&fixture("members/broken-missing-and-ids.yaml")).expect_err("broken");
    assert_eq!(
        relative(&err.problems),
        [
            "members/broken-missing-and-ids.yaml:4:9: `id` `Chaton_B` is not a valid id (lower-case letters, digits and dashes) (hint: for example `chaton-b`)",
            "members/broken-missing-and-ids.yaml:7:5: missing required key `name` in a member",
            "members/broken-missing-and-ids.yaml:10:7: unknown key `privacy-policy` in documents (hint: known keys: terms, privacy, legal-notice, finances, activity-report, economic-model, charter, hosting, backups, log-retention, security, infrastructure, proprietary-exceptions, statistics)",
            "members/broken-missing-and-ids.yaml:11:9: duplicate member id `chaton-c` (hint: first declared at line 7)",
        ]
    );
}

#[test]
fn yaml_syntax_error_names_the_place() {
    let err = load_yaml_file(&fixture("members/broken-syntax.yaml")).expect_err("syntax error");
    assert_eq!(
        relative(&err.problems),
        ["members/broken-syntax.yaml:4:3: YAML: \"-\" is only valid inside a block"]
    );
}

#[test]
fn unsupported_schema_version_is_refused() {
    let err =
        load_yaml_file(&fixture("members/broken-schema-version.yaml")).expect_err("version 2");
    assert_eq!(
        relative(&err.problems),
        [
            "members/broken-schema-version.yaml:2:17: unsupported schema_version 2 (hint: this version of chatons-audit reads schema_version 1)"
        ]
    );
}

#[test]
fn alias_bomb_is_refused_by_the_budget() {
    let err = load_yaml_file(&fixture("members/alias-bomb.yaml")).expect_err("alias bomb");
    assert_eq!(err.problems.len(), 1);
    assert!(
        err.problems[0].message.starts_with("YAML:"),
        "{}",
        err.problems[0]
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let text = "[".repeat(100_000);
    let err = parse_yaml(&text, "deep.yaml").expect_err("deep nesting");
    assert_eq!(err.problems.len(), 1);
}

#[test]
fn fifty_megabyte_file_is_refused_before_parsing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("huge.yaml");
    let line = "# padding padding padding padding padding padding padding padding\n";
    let text = line.repeat(50 * 1024 * 1024 / line.len());
    std::fs::write(&path, &text).expect("write");
    let err = load_yaml_file(&path).expect_err("too large");
    assert_eq!(err.problems.len(), 1);
    assert!(
        err.problems[0].message.starts_with("file too large: 52428")
            && err.problems[0]
                .message
                .ends_with("the limit is 10485760 bytes"),
        "{}",
        err.problems[0]
    );
    let err = parse_yaml(&text, "huge.yaml").expect_err("too large in memory too");
    assert!(err.problems[0].message.starts_with("file too large"));
}

#[test]
fn binary_garbage_and_invalid_utf8_give_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("garbage.yaml");
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&path, &garbage).expect("write");
    assert!(load_yaml_file(&path).is_err());
    std::fs::write(&path, b"schema_version: 1\nmembers:\n  - id: \xff\xfe\n").expect("write");
    let err = load_yaml_file(&path).expect_err("invalid utf-8");
    assert_eq!(err.problems[0].origin.line, 3);
    assert_eq!(err.problems[0].origin.column, 9);
    assert_eq!(err.problems[0].message, "invalid UTF-8 at byte 35");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn yaml_loader_never_panics(text in "\\PC{0,300}") {
        let _ = parse_yaml(&text, "fuzz.yaml");
    }

    #[test]
    fn yaml_loader_never_panics_on_yamlish_input(
        text in "(schema_version: 1\nmembers:\n)?([ -]{0,6}(id|name|website|url|services|software|license|documents|[a-z]{1,5})?: ?([a-z:/.\\[\\]{}&*!\"'-]{0,12})\n){0,12}"
    ) {
        let _ = parse_yaml(&text, "fuzz.yaml");
    }

    #[test]
    fn properties_parser_never_panics(text in "\\PC{0,400}") {
        let parsed = properties::parse(&text);
        for entry in parsed.entries {
            prop_assert!(entry.line >= 1);
        }
    }

    #[test]
    fn properties_parser_never_panics_on_escape_soup(text in "([a-z.]{0,4}[ =:\\\\u0-9a-fA-F'\"\r\n#!\\[\\]]{0,6}){0,40}") {
        let _ = properties::parse(&text);
    }
}

// ---------------------------------------------------------------- properties syntax

#[test]
fn properties_syntax_cases() {
    let text = "\u{feff}# comment\r\n! other comment\r\n[Organization]\r\norganization.name = Chaton \\u00c9t\\u00e9\r\n\
                organization.description: a \\\r\n    continued \\\r\n  line\r\nkey\\ with\\=sep  value\r\n\
                quoted = 'https://x.test/'\r\ndouble=\"two words\"\r\ntabbed\\tkey = a\\tb\\nc\r\nempty =\r\n";
    let parsed = properties::parse(text);
    let got: Vec<(&str, &str, u32)> = parsed
        .entries
        .iter()
        .map(|e| (e.key.as_str(), e.value.as_str(), e.line))
        .collect();
    assert_eq!(
        got,
        [
            ("organization.name", "Chaton Été", 4),
            ("organization.description", "a continued line", 5),
            ("key with=sep", "value", 8),
            ("quoted", "https://x.test/", 9),
            ("double", "two words", 10),
            ("tabbed\tkey", "a\tb\nc", 11),
            ("empty", "", 12),
        ]
    );
    assert_eq!(parsed.sections, [("Organization".to_owned(), 3)]);
    assert!(parsed.issues.is_empty());
}

// ---------------------------------------------------------------- ChatonsInfos loader

/// An in-memory `Fetch`: the network layer is built elsewhere; this checks that remote
/// `subs.*` go through the trait and resolve relative to their URL.
struct MapFetch(HashMap<String, Vec<u8>>);

impl Fetch for MapFetch {
    fn fetch<'a>(
        &'a self,
        url: &'a Url,
        _: FetchOptions,
    ) -> BoxFuture<'a, Result<Fetched, ProbeFailure>> {
        Box::pin(async move {
            let (status, body) = match self.0.get(url.as_str()) {
                Some(body) => (200, body.clone()),
                None => (404, b"not found".to_vec()),
            };
            let exchange = HttpExchange {
                hops: vec![HttpResponse {
                    url: url.to_string(),
                    status,
                    headers: Vec::new(),
                    remote_addr: None,
                }],
                body_bytes: body.len() as u64,
                body_truncated: false,
                body_sha256: None,
            };
            Ok(Fetched {
                exchange,
                body: body.into(),
            })
        })
    }
}

fn chat_service_fetch() -> MapFetch {
    let mut files = HashMap::new();
    files.insert(
        "https://chat.beta.test/.well_known/chatonsinfos/chat.properties".to_owned(),
        b"file.class = service\nservice.name = Chat\nservice.website = https://chat.beta.test/\nservice.legal.url = https://chat.beta.test/cgu\nsoftware.name = Element\n".to_vec(),
    );
    MapFetch(files)
}

#[tokio::test]
async fn federation_loads_organisations_and_services_through_relative_paths() {
    let start = fixture("chatonsinfos/federation/federation.properties");
    let fetch = chat_service_fetch();
    let declarations = load_properties(&start.display().to_string(), Some(&fetch))
        .await
        .expect("federation loads");
    let ids: Vec<&str> = declarations.members.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["chaton-alpha", "chaton-beta", "chaton-gamma"]);
    let services = |i: usize| -> Vec<(String, String, String)> {
        declarations.members[i]
            .services
            .iter()
            .map(|s| (s.id.clone(), s.kind.clone(), s.url.to_string()))
            .collect()
    };
    assert_eq!(
        services(0),
        [
            (
                "pad".into(),
                "etherpad".into(),
                "https://pad.alpha.test/".into()
            ),
            (
                "cloud".into(),
                "nextcloud".into(),
                "https://cloud.alpha.test/".into()
            ),
            (
                "video".into(),
                "peertube".into(),
                "https://video.alpha.test/".into()
            ),
        ]
    );
    assert_eq!(
        services(1),
        [
            (
                "mail".into(),
                "roundcube".into(),
                "https://mail.beta.test/".into()
            ),
            (
                "chat".into(),
                "element".into(),
                "https://chat.beta.test/".into()
            ),
        ]
    );
    assert_eq!(services(2).len(), 2);

    let alpha = &declarations.members[0];
    assert_eq!(alpha.name, "Chaton Alpha");
    assert_eq!(alpha.contact.as_deref(), Some("contact@alpha.test"));
    assert_eq!(
        alpha.documents[&DocumentKind::LegalNotice].as_str(),
        "https://alpha.test/mentions-legales"
    );
    assert_eq!(
        alpha.documents[&DocumentKind::Infrastructure].as_str(),
        "https://alpha.test/technique"
    );
    assert_eq!(
        alpha.documents[&DocumentKind::EconomicModel].as_str(),
        "https://liberapay.test/alpha"
    );
    let pad = &alpha.services[0];
    let software = pad.software.as_ref().expect("software");
    assert_eq!(software.license.as_deref(), Some("Apache-2.0"));
    assert_eq!(software.version.as_deref(), Some("2.2.6"));
    let hosting = pad.hosting.as_ref().expect("host.*");
    assert_eq!(
        (
            hosting.provider_type.as_deref(),
            hosting.server_type.as_deref(),
            hosting.country_code.as_deref()
        ),
        (Some("HOME"), Some("NANO"), Some("FR"))
    );
    assert_eq!(
        pad.legal_url.as_ref().map(Url::as_str),
        Some("https://alpha.test/cgu")
    );
    // `AGPL-3.0` as members write it is read leniently.
    assert_eq!(
        alpha.services[1]
            .software
            .as_ref()
            .and_then(|s| s.license.as_deref()),
        Some("AGPL-3.0-only")
    );
    // The organisation file and its three service files are kept for the quality check.
    assert_eq!(alpha.properties_files.len(), 4);
    assert_eq!(alpha.properties_files[0].class, "organization");
    assert!(
        alpha.properties_files[0]
            .entries
            .iter()
            .any(|e| e.key == "organization.description"
                && e.value == "Un chaton synthétique pour les tests"
                && e.line == 6)
    );
    // Beta has a BOM and CRLF; its remote service's relative legal URL resolves against its URL.
    let beta = &declarations.members[1];
    assert_eq!(beta.name, "Chaton Bêta");
    assert_eq!(beta.contact.as_deref(), Some("https://beta.test/contact"));
    assert_eq!(
        beta.services[1].legal_url.as_ref().map(Url::as_str),
        Some("https://chat.beta.test/cgu")
    );
    assert_eq!(relative(&declarations.problems), Vec::<String>::new());
}

#[tokio::test]
async fn remote_subs_without_network_are_a_problem_not_a_failure() {
    let start = fixture("chatonsinfos/federation/federation.properties");
    let declarations = load_properties(&start.display().to_string(), None)
        .await
        .expect("loads");
    assert_eq!(declarations.members.len(), 3);
    assert_eq!(declarations.members[1].services.len(), 1);
    assert_eq!(
        relative(&declarations.problems),
        [
            "chatonsinfos/federation/orgs/beta/organization.properties:8: `subs.chat` (https://chat.beta.test/.well_known/chatonsinfos/chat.properties): remote file but no network access in this mode"
        ]
    );
}

#[tokio::test]
async fn subs_loop_is_reported_once_per_entry_and_not_followed() {
    let start = fixture("chatonsinfos/loop/federation.properties");
    let declarations = load_properties(&start.display().to_string(), None)
        .await
        .expect("loads");
    assert_eq!(declarations.members.len(), 1);
    assert_eq!(declarations.members[0].services.len(), 1);
    assert_eq!(
        relative(&declarations.problems),
        [
            "chatonsinfos/loop/org.properties:5: `subs.back` points to chatonsinfos/loop/federation.properties, which is already loaded (loop or duplicate); not followed",
            "chatonsinfos/loop/org.properties:6: `subs.self` points to chatonsinfos/loop/./org.properties, which is already loaded (loop or duplicate); not followed",
        ]
    );
}

#[tokio::test]
async fn broken_organisation_does_not_hide_the_others() {
    let start = fixture("chatonsinfos/broken/federation.properties");
    let declarations = load_properties(&start.display().to_string(), None)
        .await
        .expect("loads");
    let ids: Vec<&str> = declarations.members.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["chaton-bon", "chaton-bon-2"]);
    assert_eq!(
        relative(&declarations.problems),
        [
            "chatonsinfos/broken/good.properties:5: `organization.legal.url`: bad URL `mentions-legales`: relative URL without a base (hint: write the full address, starting with https://)",
            "chatonsinfos/broken/nameless.properties: missing `organization.name` (hint: the name is mandatory)",
            "chatonsinfos/broken/nameless.properties: organization left out (1 problem(s) above)",
            "chatonsinfos/broken/federation.properties:5: `subs.missing` (chatonsinfos/broken/does-not-exist.properties): cannot open the file: No such file or directory (os error 2)",
        ]
    );
    // The good organisation keeps what was valid in it.
    assert_eq!(
        declarations.members[0].website.as_str(),
        "https://bon.test/"
    );
}

#[tokio::test]
async fn ten_thousand_subs_are_bounded_by_the_file_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut org = String::from(
        "file.class = organization\norganization.name = Gros Chaton\norganization.website = https://gros.test/\n",
    );
    for i in 0..10_000 {
        org.push_str(&format!("subs.s{i} = s{i}.properties\n"));
        std::fs::write(
            dir.path().join(format!("s{i}.properties")),
            format!("service.name = S{i}\nservice.website = https://s{i}.gros.test/\n"),
        )
        .expect("write");
    }
    let start = dir.path().join("organization.properties");
    std::fs::write(&start, org).expect("write");
    let declarations = load_properties(&start.display().to_string(), None)
        .await
        .expect("loads");
    assert_eq!(declarations.members[0].services.len(), 1_999);
    assert_eq!(declarations.problems.len(), 1);
    assert_eq!(
        declarations.problems[0].message,
        "stopped following subs: the limit of 2000 files per run is reached"
    );
    assert_eq!(declarations.problems[0].origin.line, 2003);
}

#[tokio::test]
async fn oversized_and_garbage_properties_files_are_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("big.properties");
    std::fs::write(&big, "# x\n".repeat(50 * 1024 * 1024 / 4)).expect("write");
    let err = load_properties(&big.display().to_string(), None)
        .await
        .expect_err("too large");
    assert!(
        err.problems[0].message.starts_with("file too large"),
        "{}",
        err.problems[0]
    );

    let garbage = dir.path().join("garbage.properties");
    let bytes: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&garbage, bytes).expect("write");
    assert!(
        load_properties(&garbage.display().to_string(), None)
            .await
            .is_err()
    );

    let limits = Limits {
        max_file_bytes: 64,
        ..Limits::default()
    };
    let fed = fixture("chatonsinfos/federation/federation.properties");
    let err = load_properties_with(&fed.display().to_string(), None, limits)
        .await
        .expect_err("start too large");
    assert!(err.problems[0].message.starts_with("file too large"));
}

// ---------------------------------------------------------------- librehost.json

#[tokio::test]
async fn librehost_directory_loads_good_entries_and_reports_broken_ones() {
    let start = fixture("librehost/directory.json");
    let declarations = load_librehost(&start.display().to_string(), None)
        .await
        .expect("directory loads");
    assert_eq!(declarations.members.len(), 1);
    let member = &declarations.members[0];
    assert_eq!(member.id, "librehost-alpha-synthetic");
    assert_eq!(
        member.documents[&DocumentKind::Privacy].as_str(),
        "https://lh-alpha.test/privacy"
    );
    assert_eq!(
        member.documents[&DocumentKind::Terms].as_str(),
        "https://lh-alpha.test/terms"
    );
    assert_eq!(
        relative(&declarations.problems),
        [
            "librehost/members/broken.json: `homeUrl`: bad URL `lh-broken.test`: relative URL without a base (hint: write the full address, e.g. https://lh-broken.test)",
            "librehost/members/missing.json: cannot open the file: No such file or directory (os error 2)",
        ]
    );
}

#[tokio::test]
async fn properties_syntax_issues_become_problems_with_their_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let start = dir.path().join("organization.properties");
    std::fs::write(
        &start,
        "organization.name = Chaton\norganization.website = https://chaton.test/\norganization.description = caf\\u00\n",
    )
    .expect("write");
    let declarations = load_properties(&start.display().to_string(), None)
        .await
        .expect("loads");
    assert_eq!(declarations.members.len(), 1);
    assert_eq!(declarations.problems.len(), 1);
    assert_eq!(declarations.problems[0].origin.line, 3);
    assert_eq!(
        declarations.problems[0].message,
        "malformed \\u escape `\\u00` (four hex digits expected)"
    );
}

#[tokio::test]
async fn load_dispatches_on_the_file_name() {
    use chatons_audit::declaration::load;
    let yaml = load(&fixture("members/example.yaml").display().to_string(), None)
        .await
        .expect("yaml");
    assert_eq!(yaml.members.len(), 2);
    let json = load(
        &fixture("librehost/members/alpha.json")
            .display()
            .to_string(),
        None,
    )
    .await
    .expect("json");
    assert_eq!(json.members[0].website.as_str(), "https://lh-alpha.test/");
    let props = load(
        &fixture("chatonsinfos/loop/org.properties")
            .display()
            .to_string(),
        None,
    )
    .await
    .expect("properties");
    assert_eq!(props.members[0].id, "chaton-boucle");
}
