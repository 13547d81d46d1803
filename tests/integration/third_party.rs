//! Integration tests: third parties and trackers.
//!
//! The fixture pages under `fixtures/pages/` say in a leading comment what they must yield
//! (`EXPECT: host state`, `ABSENT: host`); the extractor is run on each and compared. Hostile
//! inputs check that the scan stays bounded and never panics. The probe is run against a
//! real HTTP server on loopback. Filter-list tests use the real EasyPrivacy and EasyList
//! from `$CHATONS_AUDIT_FILTER_LISTS_DIR` (see `scripts/fetch-filter-lists.sh`) and are
//! skipped, saying so, when it is not set.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use chatons_audit::observation::http::HttpResponse;
use chatons_audit::observation::page::{PageResources, Resource, ResourceContext};
use chatons_audit::observation::{HttpExchange, Observed, ProbeFailure};
use chatons_audit::probe::filters::FilterLists;
use chatons_audit::probe::page::{MAX_RESOURCES, extract, observe};
use chatons_audit::probe::{BoxFuture, Fetch, FetchOptions, Fetched};
use url::Url;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pages")
}

fn page_url() -> Url {
    Url::parse("https://www.chaton.test/").expect("test URL")
}

fn host(resource: &Resource) -> String {
    Url::parse(&resource.url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The state an annotation names, read off a resource.
fn state(resource: &Resource) -> &'static str {
    match (resource.context, resource.loads_automatically) {
        (Some(ResourceContext::HtmlComment), _) => "comment",
        (Some(ResourceContext::Template), _) => "template",
        (Some(ResourceContext::ConsentGated), _) => "consent-gated",
        (Some(ResourceContext::Noscript), true) => "noscript",
        (_, true) => "loaded",
        (_, false) => "not-loaded",
    }
}

#[test]
fn every_fixture_page_yields_exactly_its_annotated_third_parties() {
    let mut checked = 0;
    for entry in std::fs::read_dir(fixtures()).expect("fixtures/pages exists") {
        let path = entry.expect("readable entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("html") {
            continue;
        }
        let body = std::fs::read(&path).expect("fixture readable");
        let page = extract(&body, &page_url(), None);
        let annotations = String::from_utf8_lossy(&body);
        let name = path.display();
        let mut expected = 0;
        for line in annotations.lines() {
            if let Some(rest) = line.trim().strip_prefix("EXPECT:") {
                let (want_host, want_state) =
                    rest.trim().split_once(' ').expect("EXPECT: host state");
                let states: Vec<_> = page
                    .resources
                    .iter()
                    .filter(|r| host(r) == want_host)
                    .map(state)
                    .collect();
                assert!(
                    states.contains(&want_state.trim()),
                    "{name}: expected {want_host} {want_state}, found {states:?} in {:#?}",
                    page.resources
                );
                expected += 1;
            } else if let Some(rest) = line.trim().strip_prefix("ABSENT:") {
                let absent = rest.trim();
                assert!(
                    !page.resources.iter().any(|r| host(r).ends_with(absent)),
                    "{name}: {absent} must not appear: {:#?}",
                    page.resources
                );
            }
        }
        assert!(expected > 0, "{name} has no EXPECT annotation");
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} fixture pages");
}

#[test]
fn base_applies_only_to_what_follows_it_and_only_the_first_counts() {
    let body = std::fs::read(fixtures().join("traps.html")).expect("fixture");
    let page = extract(&body, &page_url(), None);
    let urls: Vec<&str> = page.resources.iter().map(|r| r.url.as_str()).collect();
    assert!(
        urls.contains(&"https://www.chaton.test/before-base.css"),
        "{urls:?}"
    );
    assert!(
        urls.contains(&"https://assets.base.test/v2/logo.png"),
        "{urls:?}"
    );
    assert!(
        urls.contains(&"https://assets.base.test/v2/img/local.png"),
        "{urls:?}"
    );
    assert!(
        !urls.iter().any(|u| u.contains("ignored-second-base")),
        "{urls:?}"
    );
    assert_eq!(page.title.as_deref(), Some("Pièges et chausse-trappes"));
}

#[test]
fn tracker_snippets_are_named_and_entities_decoded() {
    let body = std::fs::read(fixtures().join("trackers.html")).expect("fixture");
    let page = extract(&body, &page_url(), Some("text/html; charset=utf-8"));
    assert_eq!(page.title.as_deref(), Some("Chaton & compagnie"));
    let snippet = |kind: &str| {
        page.resources
            .iter()
            .find(|r| r.snippet.as_deref() == Some(kind))
            .map(|r| r.url.clone())
    };
    assert_eq!(
        snippet("google-analytics").as_deref(),
        Some("https://www.googletagmanager.com/gtag/js?id=G-TEST1234")
    );
    assert_eq!(
        snippet("facebook-pixel").as_deref(),
        Some("https://connect.facebook.net/en_US/fbevents.js")
    );
    assert!(
        page.resources
            .iter()
            .any(|r| r.url == "https://fonts.googleapis.com/css2?family=Roboto&display=swap")
    );
    let form = page
        .resources
        .iter()
        .find(|r| r.element == "form[action]")
        .expect("form recorded");
    assert!(!form.loads_automatically);
}

#[test]
fn charset_from_the_header_wins_over_the_default() {
    let body = b"<img src=\"https://h\xf4te.test/a.png\">";
    let page = extract(body, &page_url(), Some("text/html; charset=ISO-8859-1"));
    assert_eq!(page.resources[0].url, "https://xn--hte-kna.test/a.png");
    // The same bytes read as UTF-8 give a replacement character, which no host may hold:
    // the reference is dropped, and the scan completes.
    let page = extract(body, &page_url(), None);
    assert!(page.resources.is_empty(), "{:?}", page.resources);
}

#[test]
fn utf16_page_with_a_byte_order_mark_is_decoded() {
    let text = "<script src=\"https://utf16.test/x.js\"></script>";
    let mut body = vec![0xFF, 0xFE];
    body.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let page = extract(&body, &page_url(), None);
    assert_eq!(
        page.resources
            .iter()
            .map(|r| r.url.as_str())
            .collect::<Vec<_>>(),
        vec!["https://utf16.test/x.js"]
    );
}

#[test]
fn thousands_of_images_hit_the_cap_and_say_so() {
    let mut html = String::from("<html><body>");
    for i in 0..(MAX_RESOURCES + 500) {
        html.push_str(&format!("<img src=\"https://img{i}.test/a.png\">"));
    }
    let page = extract(html.as_bytes(), &page_url(), None);
    assert_eq!(page.resources.len(), MAX_RESOURCES);
    assert!(page.truncated);
    // Repeats are recorded once and do not reach the cap.
    let repeated = "<img src=\"https://same.test/a.png\">".repeat(20_000);
    let page = extract(repeated.as_bytes(), &page_url(), None);
    assert_eq!(page.resources.len(), 1);
    assert!(!page.truncated);
}

#[test]
fn hundred_thousand_nested_elements_are_scanned_in_bounded_memory() {
    let mut html = "<div><b><i>".repeat(100_000);
    html.push_str("<img src=\"https://deep.test/a.png\">");
    html.push_str(&"</i></b></div>".repeat(100_000));
    let page = extract(html.as_bytes(), &page_url(), None);
    assert!(page.notes.is_empty(), "{:?}", page.notes);
    assert_eq!(page.resources.len(), 1);
    assert!(page.notes.is_empty(), "{:?}", page.notes);
}

#[test]
fn fifty_megabyte_page_is_scanned_without_panic() {
    let chunk = "<p class=\"x\">lorem ipsum <b>dolor</b> <a href=\"/x\">sit</a></p>\n";
    let mut html = String::with_capacity(50 * 1024 * 1024 + 1024);
    while html.len() < 50 * 1024 * 1024 {
        html.push_str(chunk);
    }
    html.push_str("<script src=\"https://end.test/late.js\"></script>");
    let page = extract(html.as_bytes(), &page_url(), None);
    assert_eq!(
        page.resources
            .iter()
            .map(|r| r.url.as_str())
            .collect::<Vec<_>>(),
        vec!["https://end.test/late.js"]
    );
}

#[test]
fn one_huge_attribute_stops_the_parser_with_a_note_not_a_panic() {
    let mut html = String::from("<script src=\"https://first.test/a.js\"></script><img alt=\"");
    html.push_str(&"x".repeat(72 * 1024 * 1024));
    html.push_str("\" src=\"https://after.test/\">");
    let page = extract(html.as_bytes(), &page_url(), None);
    assert_eq!(page.resources[0].url, "https://first.test/a.js");
    assert!(!page.notes.is_empty(), "a parser stop must be noted");
}

#[test]
fn odd_bases_and_schemes_never_yield_non_http_urls() {
    let html = "<base href=\"javascript:alert(1)\"><img src=\"a.png\"><base href=\"data:,\">\
                <img src=\"//ok.test/b.png\"><a href=\"x\"></a><img src=\"blob:https://x.test/1\">\
                <img src=\"about:blank\"><img src=\"  https://spaces.test/c.png  \"><img src=\"http://[::1\">\
                <iframe src=\"ftp://ftp.test/\"></iframe><meta http-equiv=refresh content=\"0;url=https://next.test/\">";
    let page = extract(html.as_bytes(), &page_url(), None);
    let urls: Vec<&str> = page.resources.iter().map(|r| r.url.as_str()).collect();
    assert_eq!(
        urls,
        vec![
            "https://www.chaton.test/a.png",
            "https://ok.test/b.png",
            "https://spaces.test/c.png",
            "https://next.test/"
        ]
    );
}

/// Serves a few paths on loopback with hyper, one task per connection.
async fn serve(routes: BTreeMap<&'static str, (&'static str, Vec<u8>)>) -> SocketAddr {
    use http_body_util::Full;
    use hyper::service::service_fn;
    use hyper_util::rt::TokioIo;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let routes = Arc::new(routes);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let routes = routes.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let found = routes.get(req.uri().path()).cloned();
                    async move {
                        match found {
                            Some((ct, body)) => hyper::Response::builder()
                                .header("content-type", ct)
                                .body(Full::new(Bytes::from(body))),
                            None => hyper::Response::builder()
                                .status(404)
                                .body(Full::new(Bytes::new())),
                        }
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

/// A `Fetch` that sends every request, whatever its host, to one loopback server over
/// plain HTTP (as `--connect-to` would), with hyper's client.
struct Loopback(SocketAddr);

impl Fetch for Loopback {
    fn fetch<'a>(
        &'a self,
        url: &'a Url,
        _options: FetchOptions,
    ) -> BoxFuture<'a, Result<Fetched, ProbeFailure>> {
        Box::pin(async move {
            use http_body_util::{BodyExt, Empty};
            use hyper_util::rt::TokioIo;
            let stream = tokio::net::TcpStream::connect(self.0)
                .await
                .map_err(|_| ProbeFailure::Refused)?;
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| ProbeFailure::Protocol {
                    message: e.to_string(),
                })?;
            tokio::spawn(conn);
            let request = hyper::Request::get(url.path())
                .header("host", url.host_str().unwrap_or_default())
                .body(Empty::<Bytes>::new())
                .map_err(|e| ProbeFailure::Other {
                    message: e.to_string(),
                })?;
            let response =
                sender
                    .send_request(request)
                    .await
                    .map_err(|e| ProbeFailure::Protocol {
                        message: e.to_string(),
                    })?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        v.to_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| ProbeFailure::Protocol {
                    message: e.to_string(),
                })?
                .to_bytes();
            let hop = HttpResponse {
                url: url.to_string(),
                status,
                headers,
                remote_addr: Some(self.0.to_string()),
            };
            let exchange = HttpExchange {
                hops: vec![hop],
                body_bytes: body.len() as u64,
                body_truncated: false,
                body_sha256: None,
            };
            Ok(Fetched { exchange, body })
        })
    }
}

#[tokio::test]
async fn probe_scans_same_site_stylesheets_one_level_deep() {
    let html = b"<html><head><title>Accueil</title><link rel=stylesheet href=\"/site.css\">\
        <link rel=stylesheet href=\"https://cdn.other.test/theirs.css\"></head><body></body></html>".to_vec();
    let css =
        b"@import url('/more.css'); body { background: url(https://fonts.gstatic.com/bg.png) }"
            .to_vec();
    let more = b"body { background: url(https://deeper.test/never.png) }".to_vec();
    let addr = serve(BTreeMap::from([
        ("/", ("text/html; charset=utf-8", html)),
        ("/site.css", ("text/css", css)),
        ("/more.css", ("text/css", more)),
    ]))
    .await;
    let url = Url::parse("http://www.chaton.test/").expect("test URL");
    let Observed::Seen(page) = observe(&Loopback(addr), &url, None).await else {
        panic!("page observed")
    };
    assert_eq!(page.title.as_deref(), Some("Accueil"));
    assert_eq!(
        page.stylesheets_scanned,
        vec!["http://www.chaton.test/site.css"]
    );
    let from_css: Vec<(&str, &str)> = page
        .resources
        .iter()
        .filter(|r| r.found_in.is_some())
        .map(|r| (r.element.as_str(), r.url.as_str()))
        .collect();
    assert_eq!(
        from_css,
        vec![
            ("stylesheet@import", "http://www.chaton.test/more.css"),
            ("stylesheet url()", "https://fonts.gstatic.com/bg.png")
        ]
    );
    // One level deep: the imported sheet is listed, not fetched, and the third-party sheet is
    // never fetched.
    assert!(!page.resources.iter().any(|r| r.url.contains("deeper.test")));
}

#[tokio::test]
async fn probe_records_failures_and_skips_non_html() {
    let addr = serve(BTreeMap::from([(
        "/api",
        (
            "application/json",
            b"{\"url\":\"https://x.test/\"}".to_vec(),
        ),
    )]))
    .await;
    let url = Url::parse("http://svc.chaton.test/api").expect("test URL");
    let Observed::Seen(page) = observe(&Loopback(addr), &url, None).await else {
        panic!("seen")
    };
    assert!(page.resources.is_empty());
    assert!(
        page.notes[0].contains("application/json"),
        "{:?}",
        page.notes
    );
    // A closed port: nothing listens there once the listener is dropped.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr");
    let observed = observe(&Loopback(closed), &url, None).await;
    assert_eq!(observed, Observed::Failed(ProbeFailure::Refused));
}

fn real_lists() -> Option<Vec<PathBuf>> {
    let Some(dir) = std::env::var_os("CHATONS_AUDIT_FILTER_LISTS_DIR") else {
        eprintln!(
            "skipped: set CHATONS_AUDIT_FILTER_LISTS_DIR (see scripts/fetch-filter-lists.sh) to run the filter-list tests"
        );
        return None;
    };
    let dir = PathBuf::from(dir);
    Some(
        ["easyprivacy.txt", "easylist.txt"]
            .iter()
            .map(|f| dir.join(f))
            .collect(),
    )
}

#[test]
fn real_easyprivacy_names_the_rule_that_blocks_google_analytics() {
    let Some(paths) = real_lists() else { return };
    let lists = FilterLists::load(&paths).expect("real lists load");
    let body = std::fs::read(fixtures().join("trackers.html")).expect("fixture");
    let mut page: PageResources = extract(&body, &page_url(), None);
    lists.annotate(&mut page);
    assert_eq!(page.filter_lists, vec!["easyprivacy.txt", "easylist.txt"]);
    let gtag = page
        .resources
        .iter()
        .find(|r| {
            r.url
                .starts_with("https://www.googletagmanager.com/gtag/js")
        })
        .expect("gtag");
    let rule = gtag
        .filter_match
        .as_ref()
        .expect("EasyPrivacy blocks gtag.js");
    assert_eq!(rule.list, "easyprivacy.txt");
    assert!(!rule.rule.is_empty());
    let own = page
        .resources
        .iter()
        .find(|r| r.url == "https://www.chaton.test/static/main.css")
        .expect("own css");
    assert_eq!(own.filter_match, None);
}

#[test]
fn missing_filter_list_file_is_named_in_the_error() {
    let error = FilterLists::load(&[PathBuf::from("/nonexistent/easyprivacy.txt")])
        .expect_err("missing file");
    assert!(
        error.to_string().contains("/nonexistent/easyprivacy.txt"),
        "{error}"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "! only a comment\n[Adblock Plus 2.0]\n").expect("write");
    let error = FilterLists::load(std::slice::from_ref(&empty)).expect_err("no rules");
    assert!(
        error.to_string().contains("empty.txt") && error.to_string().contains("no filter rules"),
        "{error}"
    );
}

#[test]
fn a_small_real_list_matches_through_the_adblock_engine() {
    let lists = FilterLists::from_texts(vec![(
        "mini.txt".into(),
        "! test list\n||tracker.test^$third-party\n@@||tracker.test/allowed.js\n".into(),
    )])
    .expect("list loads");
    let hit = lists
        .check(
            "https://cdn.tracker.test/t.js",
            "https://www.chaton.test/",
            "script",
        )
        .expect("blocked");
    assert_eq!(
        (hit.list.as_str(), hit.rule.as_str()),
        ("mini.txt", "||tracker.test^$third-party")
    );
    assert_eq!(
        lists.check(
            "https://tracker.test/allowed.js",
            "https://www.chaton.test/",
            "script"
        ),
        None
    );
    assert_eq!(
        lists.check(
            "https://www.chaton.test/t.js",
            "https://www.chaton.test/",
            "script"
        ),
        None
    );
}

fn member() -> chatons_audit::declaration::Member {
    serde_json::from_value(serde_json::json!({
        "id": "chaton",
        "name": "Chaton",
        "website": "https://www.chaton.test/",
        "first_party_domains": ["chaton-cdn.test"],
        "origin": {"file": "members.yaml", "line": 1, "column": 1}
    }))
    .expect("test member deserialises")
}

fn judge_fixture(file: &str) -> Vec<(String, chatons_audit::finding::Verdict)> {
    use chatons_audit::check::third_party::{NoThirdPartyResources, NoTrackers};
    let body = std::fs::read(fixtures().join(file)).expect("fixture");
    let page = extract(&body, &page_url(), None);
    let mut observations = chatons_audit::observation::Observations::new(
        time::macros::datetime!(2026-01-01 00:00 UTC),
    );
    observations
        .pages
        .insert(page_url().to_string(), Observed::Seen(page));
    let config = chatons_audit::config::Config::default();
    chatons_audit::check::judge_member(
        &[&NoTrackers, &NoThirdPartyResources],
        &member(),
        &observations,
        &config,
    )
    .into_iter()
    .map(|f| (f.check.to_string(), f.verdict))
    .collect()
}

#[test]
fn fixture_pages_are_judged_end_to_end() {
    use chatons_audit::finding::Verdict;
    assert_eq!(
        judge_fixture("trackers.html"),
        vec![
            ("third-party.no-trackers".to_owned(), Verdict::Fail),
            (
                "third-party.no-third-party-resources".to_owned(),
                Verdict::Fail
            ),
        ]
    );
    assert_eq!(
        judge_fixture("clean.html"),
        vec![
            ("third-party.no-trackers".to_owned(), Verdict::Pass),
            (
                "third-party.no-third-party-resources".to_owned(),
                Verdict::Pass
            ),
        ]
    );
    // Only references a browser never loads, or loads after consent, plus a noscript pixel
    // on an unknown host: no established tracker is loaded.
    let traps = judge_fixture("traps.html");
    assert_eq!(
        traps[0],
        ("third-party.no-trackers".to_owned(), Verdict::Warn),
        "{traps:?}"
    );
}
