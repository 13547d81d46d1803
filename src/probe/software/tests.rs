//! Probe logic over an in-memory `Fetch` serving `fixtures/software/<case>/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use bytes::Bytes;
use url::Url;

use super::*;
use crate::observation::HttpExchange;
use crate::observation::http::HttpResponse;
use crate::probe::BoxFuture;

/// Serves fixed responses by URL and logs every request.
#[derive(Default)]
pub(crate) struct MapFetch {
    routes: BTreeMap<String, (u16, Vec<(String, String)>, Vec<u8>)>,
    pub(crate) log: Mutex<Vec<String>>,
}

impl MapFetch {
    pub(crate) fn route(
        mut self,
        url: &str,
        status: u16,
        headers: &[(&str, &str)],
        body: impl Into<Vec<u8>>,
    ) -> Self {
        let headers = headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
            .collect();
        self.routes
            .insert(url.to_string(), (status, headers, body.into()));
        self
    }

    /// Every file of a fixture case, served under `origin` (`https://host`).
    pub(crate) fn case(case: &str, origin: &str) -> Self {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/software")
            .join(case);
        let mut fetch = Self::default();
        let mut files = Vec::new();
        walk(&dir, &mut files);
        let mut extra: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        if let Ok(text) = std::fs::read_to_string(dir.join("_headers")) {
            for line in text.lines() {
                if let Some((path, header)) = line.split_once('\t') {
                    if let Some((k, v)) = header.split_once(':') {
                        extra
                            .entry(path.to_string())
                            .or_default()
                            .push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
                    }
                }
            }
        }
        for file in files {
            let relative = file
                .strip_prefix(&dir)
                .expect("walked under dir")
                .to_string_lossy()
                .replace('\\', "/");
            if relative == "_headers" {
                continue;
            }
            let path = match relative.as_str() {
                "index.html" | "_index" => "/".to_string(),
                r => format!(
                    "/{}",
                    r.trim_end_matches("/index.html")
                        .trim_end_matches("/_index")
                ),
            };
            let body = std::fs::read(&file).expect("fixture readable");
            let mut headers = extra.get(&path).cloned().unwrap_or_default();
            let kind = if relative.ends_with(".html") {
                "text/html"
            } else if body.first().is_some_and(|b| *b == b'{' || *b == b'[') {
                "application/json"
            } else {
                "text/plain"
            };
            headers.push(("content-type".into(), kind.into()));
            fetch
                .routes
                .insert(format!("{origin}{path}"), (200, headers, body));
        }
        fetch
    }

    pub(crate) fn requested(&self) -> Vec<String> {
        self.log.lock().expect("log lock").clone()
    }
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("fixture dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, files)
        } else {
            files.push(path)
        }
    }
}

impl Fetch for MapFetch {
    fn fetch<'a>(
        &'a self,
        url: &'a Url,
        options: FetchOptions,
    ) -> BoxFuture<'a, Result<Fetched, ProbeFailure>> {
        Box::pin(async move {
            self.log.lock().expect("log lock").push(url.to_string());
            let (status, headers, body) = self.routes.get(url.as_str()).cloned().unwrap_or((
                404,
                Vec::new(),
                b"not found".to_vec(),
            ));
            let limit =
                usize::try_from(options.body_limit.unwrap_or(u64::MAX)).unwrap_or(usize::MAX);
            let truncated = body.len() > limit;
            let body = Bytes::from(body.into_iter().take(limit).collect::<Vec<u8>>());
            Ok(Fetched {
                exchange: HttpExchange {
                    hops: vec![HttpResponse {
                        url: url.to_string(),
                        status,
                        headers,
                        remote_addr: None,
                    }],
                    body_bytes: body.len() as u64,
                    body_truncated: truncated,
                    body_sha256: None,
                },
                body,
            })
        })
    }
}

pub(crate) fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

const ORIGIN: &str = "https://svc.chaton.test";

fn run_case(case: &str, declared: Option<&str>) -> (SoftwareObservation, Vec<String>) {
    let fetch = MapFetch::case(case, ORIGIN);
    let url = Url::parse(&format!("{ORIGIN}/")).expect("url");
    let observed = block_on(observe(&fetch, &url, declared));
    let seen = observed
        .seen()
        .cloned()
        .unwrap_or_else(|| panic!("{case}: {observed:?}"));
    (seen, fetch.requested())
}

fn products(obs: &SoftwareObservation) -> Vec<(String, Option<String>, Strength)> {
    obs.detections
        .iter()
        .map(|d| (d.product.clone(), d.version.clone(), d.strength))
        .collect()
}

fn has(
    obs: &SoftwareObservation,
    product: &str,
    version: Option<&str>,
    strength: Strength,
) -> bool {
    products(obs).contains(&(product.to_string(), version.map(str::to_string), strength))
}

#[test]
fn every_fixture_product_is_recognised_with_its_version() {
    let cases: &[(&str, Option<&str>, &str, Option<&str>, Strength)] = &[
        (
            "nextcloud",
            Some("Nextcloud"),
            "Nextcloud",
            Some("30.0.4"),
            Strength::Strong,
        ),
        (
            "mastodon",
            Some("Mastodon"),
            "Mastodon",
            Some("4.3.2"),
            Strength::Strong,
        ),
        (
            "peertube",
            Some("PeerTube"),
            "PeerTube",
            Some("6.3.3"),
            Strength::Strong,
        ),
        (
            "gitea",
            Some("Gitea"),
            "Gitea",
            Some("1.22.3"),
            Strength::Weak,
        ),
        (
            "forgejo",
            Some("Forgejo"),
            "Forgejo",
            Some("9.0.3"),
            Strength::Strong,
        ),
        (
            "synapse",
            Some("Synapse"),
            "Synapse",
            Some("1.120.2"),
            Strength::Strong,
        ),
        (
            "etherpad",
            Some("Etherpad"),
            "Etherpad",
            Some("2.2.6"),
            Strength::Strong,
        ),
        (
            "discourse",
            Some("Discourse"),
            "Discourse",
            Some("3.3.2"),
            Strength::Weak,
        ),
        (
            "privatebin",
            Some("PrivateBin"),
            "PrivateBin",
            Some("1.7.5"),
            Strength::Weak,
        ),
        (
            "jitsi",
            Some("Jitsi Meet"),
            "Jitsi Meet",
            Some("7882"),
            Strength::Weak,
        ),
        (
            "wordpress",
            Some("WordPress"),
            "WordPress",
            Some("6.6.2"),
            Strength::Weak,
        ),
        (
            "mobilizon",
            Some("Mobilizon"),
            "Mobilizon",
            Some("5.1.0"),
            Strength::Strong,
        ),
        (
            "pixelfed",
            Some("Pixelfed"),
            "Pixelfed",
            Some("0.12.4"),
            Strength::Strong,
        ),
    ];
    for (case, declared, product, version, strength) in cases {
        let (obs, requested) = run_case(case, *declared);
        assert!(
            has(&obs, product, *version, *strength),
            "{case}: {:?} after {requested:?}",
            products(&obs)
        );
        assert!(requested.len() <= MAX_REQUESTS, "{case}: {requested:?}");
    }
}

#[test]
fn products_are_found_without_a_declaration_through_generic_endpoints() {
    for (case, product) in [
        ("nextcloud", "Nextcloud"),
        ("synapse", "Synapse"),
        ("privatebin", "PrivateBin"),
    ] {
        let (obs, requested) = run_case(case, None);
        assert!(
            obs.detections.iter().any(|d| d.product == product),
            "{case}: {:?} after {requested:?}",
            products(&obs)
        );
    }
}

#[test]
fn nodeinfo_follows_the_highest_schema_on_the_same_host() {
    let (obs, requested) = run_case("mobilizon", Some("Mobilizon"));
    assert!(
        requested.contains(&format!("{ORIGIN}/.well-known/nodeinfo/2.1")),
        "{requested:?}"
    );
    assert!(
        !requested.contains(&format!("{ORIGIN}/.well-known/nodeinfo/2.0")),
        "{requested:?}"
    );
    // The declared product showed itself with its version: nothing more is requested.
    assert_eq!(requested.len(), 2, "{requested:?}");
    assert!(obs.detections[0].signal.contains("Mobilizon"));
}

#[test]
fn a_lying_service_shows_the_product_it_really_runs() {
    let (obs, requested) = run_case("liar", Some("Etherpad"));
    assert!(
        requested.contains(&format!("{ORIGIN}/health")),
        "declared endpoints first: {requested:?}"
    );
    assert!(
        has(&obs, "Nextcloud", Some("29.0.9"), Strength::Strong),
        "{:?}",
        products(&obs)
    );
    assert!(!obs.detections.iter().any(|d| d.product == "Etherpad"));
}

#[test]
fn nodeinfo_links_to_another_host_a_private_address_or_a_loop_are_recorded_not_followed() {
    for (case, expected) in [
        ("nodeinfo-other-host", "another host (elsewhere.example)"),
        ("nodeinfo-private", "private or loopback address (10.0.0.5)"),
        ("nodeinfo-loop", "loop"),
    ] {
        let (obs, requested) = run_case(case, None);
        assert!(
            obs.anomalies.iter().any(|a| a.contains(expected)),
            "{case}: {:?}",
            obs.anomalies
        );
        assert!(
            requested.iter().all(|u| u.starts_with(ORIGIN)),
            "{case}: {requested:?}"
        );
        assert_eq!(
            requested.iter().filter(|u| u.contains("nodeinfo")).count(),
            1,
            "{case}: {requested:?}"
        );
        assert!(requested.len() <= MAX_REQUESTS);
    }
}

#[test]
fn hostile_json_is_recorded_as_a_failure_without_panicking() {
    let (obs, _) = run_case("deep-json", Some("Nextcloud"));
    assert!(obs.detections.is_empty());
    assert!(
        obs.anomalies
            .iter()
            .any(|a| a.contains("status.php") && a.contains("invalid JSON")),
        "{:?}",
        obs.anomalies
    );

    let huge = format!(
        "{{\"productname\":\"Nextcloud\",\"pad\":\"{}\"}}",
        "x".repeat(2 * JSON_BODY_LIMIT as usize)
    );
    let fetch = MapFetch::default().route(&format!("{ORIGIN}/status.php"), 200, &[], huge);
    let obs = block_on(observe(
        &fetch,
        &Url::parse(ORIGIN).expect("url"),
        Some("Nextcloud"),
    ));
    let obs = obs.seen().expect("seen");
    assert!(obs.detections.is_empty());
    assert!(
        obs.anomalies
            .iter()
            .any(|a| a.contains("larger than the cap")),
        "{:?}",
        obs.anomalies
    );
}

#[test]
fn an_unreachable_service_is_a_failure_and_the_probe_gives_up_quickly() {
    let url = Url::parse(ORIGIN).expect("url");
    let fetch = FailingFetch(ProbeFailure::Refused);
    let observed = block_on(observe(&fetch, &url, Some("Nextcloud")));
    assert_eq!(observed.failure(), Some(&ProbeFailure::Refused));
}

struct FailingFetch(ProbeFailure);

impl Fetch for FailingFetch {
    fn fetch<'a>(
        &'a self,
        _: &'a Url,
        _: FetchOptions,
    ) -> BoxFuture<'a, Result<Fetched, ProbeFailure>> {
        Box::pin(async move { Err(self.0.clone()) })
    }
}

#[test]
fn rules_resolve_under_a_service_path() {
    let fetch = MapFetch::case("nextcloud", "https://chaton.test/cloud");
    let url = Url::parse("https://chaton.test/cloud").expect("url");
    let obs = block_on(observe(&fetch, &url, Some("Nextcloud")));
    assert!(
        fetch
            .requested()
            .contains(&"https://chaton.test/cloud/status.php".to_string()),
        "{:?}",
        fetch.requested()
    );
    assert!(
        obs.seen()
            .is_some_and(|o| o.detections.iter().any(|d| d.product == "Nextcloud"))
    );
}

#[test]
fn the_request_budget_holds_when_nothing_answers_usefully() {
    let fetch = MapFetch::default().route(
        &format!("{ORIGIN}/"),
        200,
        &[("content-type", "text/html")],
        "<p>hello</p>",
    );
    let obs = block_on(observe(&fetch, &Url::parse(ORIGIN).expect("url"), None));
    let obs = obs.seen().expect("seen");
    assert!(obs.detections.is_empty());
    let mut generic: Vec<&str> = catalogue::detection()
        .rules
        .iter()
        .filter(|r| r.generic && r.path != "/")
        .map(|r| r.path.as_str())
        .collect();
    generic.dedup();
    // NodeInfo, the home page, then every generic endpoint until the budget runs out.
    let expected = (2 + generic.len()).min(MAX_REQUESTS);
    assert_eq!(fetch.requested().len(), expected, "{:?}", fetch.requested());
    assert_eq!(obs.attempts.len(), expected);

    // Etherpad brings two endpoints of its own: nine candidates, eight requests.
    let many = MapFetch::default();
    let obs = block_on(observe(
        &many,
        &Url::parse(ORIGIN).expect("url"),
        Some("Etherpad"),
    ));
    assert!(obs.seen().is_some());
    assert_eq!(
        many.requested().len(),
        MAX_REQUESTS,
        "{:?}",
        many.requested()
    );
}

#[test]
fn the_declared_source_is_probed_and_kept_even_when_the_service_is_down() {
    let service = Service {
        id: "pad".into(),
        kind: "pad".into(),
        url: Url::parse("https://down.chaton.test/").expect("url"),
        software: Some(crate::declaration::Software {
            name: "Etherpad".into(),
            source: Some(Url::parse("https://github.com/ether/etherpad-lite").expect("url")),
            ..Default::default()
        }),
        hosting: None,
        legal_url: None,
        origin: Default::default(),
    };
    struct Split(MapFetch);
    impl Fetch for Split {
        fn fetch<'a>(
            &'a self,
            url: &'a Url,
            o: FetchOptions,
        ) -> BoxFuture<'a, Result<Fetched, ProbeFailure>> {
            if url.host_str() == Some("down.chaton.test") {
                Box::pin(async { Err(ProbeFailure::Timeout { after_ms: 10_000 }) })
            } else {
                self.0.fetch(url, o)
            }
        }
    }
    let fetch = Split(MapFetch::default().route(
        "https://github.com/ether/etherpad-lite",
        200,
        &[("content-type", "text/html")],
        "repo",
    ));
    let observed = block_on(observe_service(&fetch, &service));
    let obs = observed.seen().expect("kept as seen for the source");
    assert!(obs.attempts.iter().all(|a| a.status.is_none()));
    let source = obs
        .source
        .as_ref()
        .and_then(|s| s.seen())
        .expect("source seen");
    assert_eq!(source.status, 200);
    assert_eq!(source.content_type.as_deref(), Some("text/html"));
}

#[test]
fn follow_target_accepts_only_the_same_host() {
    let wk = Url::parse("https://a.test/.well-known/nodeinfo").expect("url");
    assert!(follow_target(&wk, "/nodeinfo/2.0").is_ok());
    assert!(follow_target(&wk, "https://a.test/nodeinfo/2.1").is_ok());
    assert!(follow_target(&wk, "https://a.test:8443/x").is_err());
    assert!(follow_target(&wk, "https://b.test/x").is_err());
    assert!(follow_target(&wk, "http://[::1]/x").is_err_and(|e| e.contains("private")));
    assert!(follow_target(&wk, "file:///etc/passwd").is_err());
    assert!(
        follow_target(&wk, "https://a.test/.well-known/nodeinfo#x")
            .is_err_and(|e| e.contains("loop"))
    );
}
