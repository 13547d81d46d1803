//! Free-software disclosure: the software probe against loopback HTTP servers serving
//! `fixtures/software/<case>/`, then the software checks on what it observed.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use chatons_audit::check::{self, software as checks};
use chatons_audit::config::Config;
use chatons_audit::declaration::{DocumentKind, Member, Service, Software};
use chatons_audit::finding::{Finding, Verdict};
use chatons_audit::observation::http::{HttpExchange, HttpResponse};
use chatons_audit::observation::{Observations, Observed, ProbeFailure};
use chatons_audit::probe::software::{MAX_REQUESTS, observe, observe_service};
use chatons_audit::probe::{BoxFuture, Fetch, FetchOptions, Fetched};
use http_body_util::Full;
use hyper::{Request, Response, StatusCode};
use url::Url;

/// Serves one fixture case over plain HTTP on 127.0.0.1, as the README of the fixtures says.
async fn serve(case: &str) -> SocketAddr {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/software")
        .join(case);
    assert!(dir.is_dir(), "fixture case {case}");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        // Bounded: a test makes at most a few dozen connections.
        for _ in 0..64 {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let dir = dir.clone();
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                        let dir = dir.clone();
                        async move { Ok::<_, Infallible>(answer(&dir, req.uri().path())) }
                    });
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            });
        }
    });
    addr
}

fn answer(dir: &Path, path: &str) -> Response<Full<Bytes>> {
    let relative = path.trim_start_matches('/');
    let safe = !relative.split('/').any(|s| s == "..");
    let mut file = dir.join(relative);
    if file.is_dir() {
        file = if file.join("index.html").is_file() {
            file.join("index.html")
        } else {
            file.join("_index")
        };
    }
    let body = if safe && !relative.starts_with('_') {
        std::fs::read(&file).ok()
    } else {
        None
    };
    let Some(body) = body else {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Full::new(Bytes::from_static(b"not found")))
            .expect("response");
    };
    let kind = if file.extension().is_some_and(|e| e == "html") {
        "text/html"
    } else if body.first().is_some_and(|b| *b == b'{' || *b == b'[') {
        "application/json"
    } else {
        "text/plain"
    };
    let mut builder = Response::builder().header("content-type", kind);
    for (name, value) in extra_headers(dir, path) {
        builder = builder.header(name, value);
    }
    builder
        .body(Full::new(Bytes::from(body)))
        .expect("response")
}

fn extra_headers(dir: &Path, path: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(dir.join("_headers")).unwrap_or_default();
    text.lines()
        .filter_map(|line| line.split_once('\t'))
        .filter(|(p, _)| *p == path)
        .filter_map(|(_, h)| h.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// A small `Fetch` over reqwest for loopback tests: follows redirects, caps the body.
struct LoopbackFetch(reqwest::Client);

impl LoopbackFetch {
    fn new() -> Self {
        Self(
            reqwest::Client::builder()
                .no_proxy()
                .timeout(std::time::Duration::from_secs(5))
                .build()
                .expect("client"),
        )
    }
}

impl Fetch for LoopbackFetch {
    fn fetch<'a>(
        &'a self,
        url: &'a Url,
        options: FetchOptions,
    ) -> BoxFuture<'a, Result<Fetched, ProbeFailure>> {
        Box::pin(async move {
            let host = url.host_str().unwrap_or("");
            if host != "127.0.0.1" {
                return Err(ProbeFailure::Blocked {
                    reason: format!("{host} is not loopback in this test"),
                });
            }
            let response =
                self.0
                    .get(url.as_str())
                    .send()
                    .await
                    .map_err(|e| ProbeFailure::Other {
                        message: e.to_string(),
                    })?;
            let status = response.status().as_u16();
            let final_url = response.url().to_string();
            let headers = response
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_ascii_lowercase(),
                        v.to_str().unwrap_or("").to_string(),
                    )
                })
                .collect();
            let body = response.bytes().await.map_err(|e| ProbeFailure::Other {
                message: e.to_string(),
            })?;
            let limit =
                usize::try_from(options.body_limit.unwrap_or(u64::MAX)).unwrap_or(usize::MAX);
            let truncated = body.len() > limit;
            let body = body.slice(..body.len().min(limit));
            Ok(Fetched {
                exchange: HttpExchange {
                    hops: vec![HttpResponse {
                        url: final_url,
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

fn service(id: &str, addr: SocketAddr, software: Option<Software>) -> Service {
    Service {
        id: id.into(),
        kind: id.into(),
        url: Url::parse(&format!("http://{addr}/")).expect("url"),
        software,
        hosting: None,
        legal_url: None,
        origin: Default::default(),
    }
}

fn software(
    name: &str,
    version: Option<&str>,
    license: Option<&str>,
    source: Option<&str>,
) -> Software {
    Software {
        name: name.into(),
        version: version.map(str::to_string),
        license: license.map(str::to_string),
        source: source.map(|s| Url::parse(s).expect("url")),
        proprietary: false,
    }
}

#[tokio::test]
async fn each_fixture_product_is_detected_over_http() {
    let fetch = LoopbackFetch::new();
    for (case, declared, product, version) in [
        ("nextcloud", "Nextcloud", "Nextcloud", Some("30.0.4")),
        ("peertube", "PeerTube", "PeerTube", Some("6.3.3")),
        ("forgejo", "Forgejo", "Forgejo", Some("9.0.3")),
        ("synapse", "Synapse", "Synapse", Some("1.120.2")),
        ("privatebin", "PrivateBin", "PrivateBin", Some("1.7.5")),
        ("mobilizon", "Mobilizon", "Mobilizon", Some("5.1.0")),
    ] {
        let addr = serve(case).await;
        let url = Url::parse(&format!("http://{addr}/")).expect("url");
        let observed = observe(&fetch, &url, Some(declared)).await;
        let obs = observed
            .seen()
            .unwrap_or_else(|| panic!("{case}: {observed:?}"));
        assert!(
            obs.detections
                .iter()
                .any(|d| d.product == product && d.version.as_deref() == version),
            "{case}: {:?}",
            obs.detections
        );
        assert!(obs.attempts.len() <= MAX_REQUESTS);
    }
}

#[tokio::test]
async fn a_peertube_instance_shows_itself_in_nodeinfo_and_in_home_page_headers() {
    let addr = serve("peertube").await;
    let url = Url::parse(&format!("http://{addr}/")).expect("url");
    // A declared name the catalogue does not know: NodeInfo first, then the home page.
    let obs = observe(&LoopbackFetch::new(), &url, Some("Something Else")).await;
    let obs = obs.seen().expect("seen");
    let signals: Vec<&str> = obs
        .detections
        .iter()
        .filter(|d| d.product == "PeerTube")
        .map(|d| d.signal.as_str())
        .collect();
    assert!(
        signals.iter().any(|s| s.contains("nodeinfo")),
        "{signals:?}"
    );
    assert!(
        signals.iter().any(|s| s.contains("header:x-powered-by")),
        "{signals:?}"
    );
}

#[tokio::test]
async fn an_absolute_nodeinfo_link_to_another_host_is_not_followed() {
    let addr = serve("nodeinfo-other-host").await;
    let url = Url::parse(&format!("http://{addr}/")).expect("url");
    let obs = observe(&LoopbackFetch::new(), &url, None).await;
    let obs = obs.seen().expect("seen");
    assert!(
        obs.attempts
            .iter()
            .all(|a| a.url.starts_with(&format!("http://{addr}/"))),
        "{:?}",
        obs.attempts
    );
    assert!(
        obs.anomalies
            .iter()
            .any(|a| a.contains("elsewhere.example")),
        "{:?}",
        obs.anomalies
    );
}

fn judge(member: &Member, obs: &Observations) -> BTreeMap<(String, String), Verdict> {
    let software_checks: Vec<&dyn check::Check> = check::ALL
        .iter()
        .copied()
        .filter(|c| c.id().starts_with("software."))
        .collect();
    let findings: Vec<Finding> =
        check::judge_member(&software_checks, member, obs, &Config::default());
    findings
        .into_iter()
        .map(|f| {
            (
                (f.check.as_str().to_string(), f.subject.to_string()),
                f.verdict,
            )
        })
        .collect()
}

#[tokio::test]
async fn a_member_is_judged_end_to_end_from_what_its_services_show() {
    let fetch = LoopbackFetch::new();
    let (pad, cloud, social, visio, forge) = (
        serve("liar").await,
        serve("nextcloud").await,
        serve("outdated").await,
        serve("proprietary-listed").await,
        serve("forgejo").await,
    );
    let exceptions = format!("http://{visio}/exceptions.html");
    let mut visio_software = software("Visio Pro", None, Some("LicenseRef-VisioPro-EULA"), None);
    visio_software.proprietary = true;
    let member = Member {
        id: "chaton".into(),
        name: "Chaton".into(),
        website: Url::parse(&format!("http://{cloud}/")).expect("url"),
        first_party_domains: Vec::new(),
        contact: None,
        documents: [(
            DocumentKind::ProprietaryExceptions,
            Url::parse(&exceptions).expect("url"),
        )]
        .into(),
        mail_domains: Vec::new(),
        services: vec![
            service(
                "pad",
                pad,
                Some(software("Etherpad", None, Some("Apache-2.0"), None)),
            ),
            service(
                "cloud",
                cloud,
                Some(software(
                    "Nextcloud",
                    Some("30.0.4"),
                    Some("AGPL-3.0"),
                    Some(&format!("http://{forge}/api/v1/version")),
                )),
            ),
            service(
                "social",
                social,
                Some(software(
                    "Mastodon",
                    Some("4.1.0"),
                    Some("AGPL-3.0-or-later"),
                    None,
                )),
            ),
            service("visio", visio, Some(visio_software)),
        ],
        hosting: None,
        properties_files: Vec::new(),
        origin: Default::default(),
    };
    let mut obs = Observations::new(time::OffsetDateTime::UNIX_EPOCH);
    for s in &member.services {
        obs.software
            .insert(s.url.to_string(), observe_service(&fetch, s).await);
    }
    let page = fetch
        .fetch(
            &Url::parse(&exceptions).expect("url"),
            FetchOptions::default(),
        )
        .await
        .expect("page");
    obs.http
        .insert(exceptions.clone(), Observed::Seen(page.exchange));

    let verdicts = judge(&member, &obs);
    let v = |check: &str, subject: &str| {
        verdicts
            .get(&(check.to_string(), subject.to_string()))
            .copied()
    };
    assert_eq!(
        v("software.detected-matches-declared", "service pad"),
        Some(Verdict::Fail),
        "{verdicts:#?}"
    );
    assert_eq!(
        v("software.detected-matches-declared", "service cloud"),
        Some(Verdict::Pass)
    );
    assert_eq!(
        v("software.detected-matches-declared", "service social"),
        Some(Verdict::Warn)
    );
    assert_eq!(
        v("software.detected-matches-declared", "service visio"),
        Some(Verdict::Manual)
    );
    assert_eq!(
        v("software.license-free", "service cloud"),
        Some(Verdict::Pass)
    );
    assert_eq!(
        v("software.license-free", "service visio"),
        Some(Verdict::NotApplicable)
    );
    assert_eq!(
        v("software.license-matches-catalogue", "service cloud"),
        Some(Verdict::Pass)
    );
    // The declared source answers 2xx but is a loopback JSON endpoint, not a forge or archive.
    assert_eq!(
        v("software.source-reachable", "service cloud"),
        Some(Verdict::Manual)
    );
    assert_eq!(
        v("software.source-reachable", "service pad"),
        Some(Verdict::Warn)
    );
    assert_eq!(
        v("software.proprietary-exceptions-listed", "member"),
        Some(Verdict::Pass)
    );
    assert_eq!(
        v("software.version-disclosed", "service cloud"),
        Some(Verdict::NotApplicable)
    );
}

#[tokio::test]
async fn a_proprietary_service_without_its_exceptions_page_is_caught() {
    let fetch = LoopbackFetch::new();
    let visio = serve("proprietary-unlisted").await;
    let exceptions = format!("http://{visio}/exceptions.html");
    let mut sw = software("Visio Pro", None, None, None);
    sw.proprietary = true;
    let member = Member {
        id: "chaton".into(),
        name: "Chaton".into(),
        website: Url::parse(&format!("http://{visio}/")).expect("url"),
        first_party_domains: Vec::new(),
        contact: None,
        documents: [(
            DocumentKind::ProprietaryExceptions,
            Url::parse(&exceptions).expect("url"),
        )]
        .into(),
        mail_domains: Vec::new(),
        services: vec![service("visio", visio, Some(sw))],
        hosting: None,
        properties_files: Vec::new(),
        origin: Default::default(),
    };
    let mut obs = Observations::new(time::OffsetDateTime::UNIX_EPOCH);
    let page = fetch
        .fetch(
            &Url::parse(&exceptions).expect("url"),
            FetchOptions::default(),
        )
        .await
        .expect("page");
    obs.http.insert(exceptions, Observed::Seen(page.exchange));
    let verdicts = judge(&member, &obs);
    assert_eq!(
        verdicts.get(&(
            "software.proprietary-exceptions-listed".to_string(),
            "member".to_string()
        )),
        Some(&Verdict::Fail)
    );
    let _ = checks::VersionDisclosed;
}
