//! Integration tests: transparency documents, found and read over loopback HTTP, then judged.
//!
//! A tiny hyper server serves `fixtures/documents/` (plus a 200 MB body and a link farm made on
//! the fly); a small reqwest-based `Fetch` stands in for the network layer, with the same
//! contract: bounded body, truncation flagged.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;

use bytes::Bytes;
use chatons_audit::check::{self, Check};
use chatons_audit::config::Config;
use chatons_audit::declaration::{DocumentKind, Hosting, Member, Origin};
use chatons_audit::finding::{Finding, Verdict};
use chatons_audit::observation::documents::{DocumentObservation, FoundBy, label};
use chatons_audit::observation::http::HttpResponse;
use chatons_audit::observation::{HttpExchange, Observations, ProbeFailure};
use chatons_audit::probe::documents::observe;
use chatons_audit::probe::{BoxFuture, Fetch, FetchOptions, Fetched};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use url::Url;

const TRANSPARENCY: &[&dyn Check] = &[
    &check::transparency::TermsPublished,
    &check::transparency::PrivacyPublished,
    &check::transparency::LegalNoticePublished,
    &check::transparency::EconomicModelPublished,
    &check::transparency::FinancesPublished,
    &check::transparency::ActivityReportPublished,
    &check::transparency::HostingStated,
    &check::transparency::BackupsPublished,
    &check::transparency::LogRetentionPublished,
    &check::transparency::SecurityPublished,
    &check::transparency::InfrastructureDocumented,
];

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/documents")
}

type Body = BoxBody<Bytes, Infallible>;

fn full(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .header("last-modified", "Tue, 14 Jan 2026 10:00:00 GMT")
        .body(Full::new(body.into()).boxed())
        .expect("valid response")
}

async fn serve(request: Request<hyper::body::Incoming>) -> Result<Response<Body>, Infallible> {
    let path = request.uri().path().to_string();
    if path == "/hostile/mentions-legales" {
        // 200 MB of HTML, produced lazily: the client must stop reading at its cap.
        let chunk = Bytes::from(
            "<p>Mentions légales du chaton piégé, encore et encore.</p>\n".repeat(16 * 1024),
        );
        let count = 200 * 1024 * 1024 / chunk.len() + 1;
        let stream = futures_util::stream::iter(
            (0..count).map(move |_| Ok::<_, Infallible>(Frame::data(chunk.clone()))),
        );
        let response = Response::builder()
            .header("content-type", "text/html; charset=utf-8")
            .body(StreamBody::new(stream).boxed())
            .expect("valid response");
        return Ok(response);
    }
    let relative = if path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.clone()
    };
    let file = fixtures().join(relative.trim_start_matches('/'));
    if relative.contains("..") || !file.is_file() {
        return Ok(full(404, "text/html", "<h1>Not found</h1>"));
    }
    let Ok(mut bytes) = std::fs::read(&file) else {
        return Ok(full(500, "text/plain", "read error"));
    };
    let content_type = if path == "/hostile/cgu.pdf" {
        // A PDF that says it is a web page.
        "text/html; charset=utf-8"
    } else if path.ends_with(".pdf") {
        "application/pdf"
    } else {
        "text/html; charset=utf-8"
    };
    if path == "/hostile/" {
        let farm: String = (0..12_000)
            .map(|i| format!("<a href=\"/hostile/farm/{i}\">lien {i}</a>\n"))
            .collect();
        let text = String::from_utf8_lossy(&bytes).replace("<!--FARM-->", &farm);
        bytes = text.into_bytes();
    }
    Ok(full(200, content_type, bytes))
}

/// Starts the fixture server on an ephemeral loopback port.
async fn start_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                break;
            };
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service_fn(serve))
                    .await;
            });
        }
    });
    address
}

/// The network layer's contract over reqwest: follow redirects, read at most the body cap,
/// flag truncation.
struct TestFetch {
    client: reqwest::Client,
}

impl TestFetch {
    fn new() -> Self {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .expect("client builds");
        Self { client }
    }
}

impl Fetch for TestFetch {
    fn fetch<'a>(
        &'a self,
        url: &'a Url,
        options: FetchOptions,
    ) -> BoxFuture<'a, Result<Fetched, ProbeFailure>> {
        Box::pin(async move {
            let cap = options.body_limit.unwrap_or(10 * 1024 * 1024);
            let mut response = self
                .client
                .get(url.as_str())
                .header("accept-encoding", "identity")
                .send()
                .await
                .map_err(|e| {
                    if e.is_connect() {
                        ProbeFailure::Refused
                    } else {
                        ProbeFailure::Other {
                            message: e.to_string(),
                        }
                    }
                })?;
            let hop = HttpResponse {
                url: response.url().to_string(),
                status: response.status().as_u16(),
                headers: response
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
                    .collect(),
                remote_addr: None,
            };
            let mut body = Vec::new();
            let mut truncated = false;
            while let Some(chunk) = response.chunk().await.map_err(|e| ProbeFailure::Other {
                message: e.to_string(),
            })? {
                let room = usize::try_from(cap).unwrap_or(usize::MAX) - body.len();
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    truncated = true;
                    break;
                }
                body.extend_from_slice(&chunk);
            }
            let exchange = HttpExchange {
                hops: vec![hop],
                body_bytes: body.len() as u64,
                body_truncated: truncated,
                body_sha256: None,
            };
            Ok(Fetched {
                exchange,
                body: Bytes::from(body),
            })
        })
    }
}

fn member(id: &str, website: &str) -> Member {
    Member {
        id: id.to_string(),
        name: id.to_string(),
        website: Url::parse(website).expect("valid URL"),
        first_party_domains: Vec::new(),
        contact: None,
        documents: BTreeMap::new(),
        mail_domains: Vec::new(),
        services: Vec::new(),
        hosting: None,
        properties_files: Vec::new(),
        origin: Origin::default(),
    }
}

fn declared_hosting(country: &str, provider: &str) -> Option<Hosting> {
    Some(Hosting {
        provider: Some(provider.into()),
        country_code: Some(country.into()),
        ..Hosting::default()
    })
}

struct Audit {
    documents: Vec<DocumentObservation>,
    findings: Vec<Finding>,
}

impl Audit {
    fn verdict(&self, check: &str) -> Verdict {
        self.finding(check).verdict
    }

    fn finding(&self, check: &str) -> &Finding {
        self.findings
            .iter()
            .find(|f| f.check.as_str() == check)
            .unwrap_or_else(|| panic!("no finding of {check}"))
    }

    fn document(&self, kind: DocumentKind) -> &DocumentObservation {
        self.documents
            .iter()
            .find(|d| d.is(kind))
            .unwrap_or_else(|| panic!("no {kind:?} document"))
    }

    fn statement_values(&self, wanted: &str) -> Vec<String> {
        let mut values: Vec<String> = self
            .documents
            .iter()
            .filter_map(|d| d.reachable())
            .flat_map(|c| {
                c.statements(wanted)
                    .map(|s| s.value.clone())
                    .collect::<Vec<_>>()
            })
            .collect();
        values.sort();
        values.dedup();
        values
    }
}

async fn audit(member: &Member) -> Audit {
    let documents = observe(&TestFetch::new(), member).await;
    let mut observations = Observations::new(time::macros::datetime!(2026-03-01 12:00 UTC));
    observations
        .documents
        .insert(member.id.clone(), documents.clone());
    let findings = check::judge_member(TRANSPARENCY, member, &observations, &Config::default());
    Audit {
        documents,
        findings,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn complete_french_member_passes_every_transparency_check() {
    let address = start_server().await;
    let mut chaton = member("complet", &format!("http://{address}/complet/"));
    chaton.hosting = declared_hosting("FR", "OVH SAS");
    let audit = audit(&chaton).await;
    for check in TRANSPARENCY {
        let finding = audit.finding(check.id());
        assert_eq!(
            finding.verdict,
            Verdict::Pass,
            "{}: {} {:?}",
            check.id(),
            finding.message,
            finding.evidence
        );
    }
    // The off-site link is never followed, the script's text never matched.
    assert!(
        audit
            .documents
            .iter()
            .all(|d| !d.url.contains("ailleurs.example"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facts_are_read_from_html_and_pdf() {
    let address = start_server().await;
    let audit = audit(&member("complet", &format!("http://{address}/complet/"))).await;
    let report = audit
        .document(DocumentKind::ActivityReport)
        .reachable()
        .expect("report read");
    assert_eq!(report.format, "pdf");
    assert_eq!(report.title.as_deref(), Some("Rapport d'activite 2025"));
    assert_eq!(report.heading_years.first(), Some(&2025));
    assert_eq!(report.metadata_dates, vec!["2026-01-15"]);
    assert_eq!(report.language.as_deref(), Some("fr"));
    assert!(
        report
            .statements(label::AMOUNT)
            .any(|s| s.value == "12 345 €"),
        "{:?}",
        report.statements
    );
    let notice = audit
        .document(DocumentKind::LegalNotice)
        .reachable()
        .expect("notice read");
    assert_eq!(
        notice.last_modified.as_deref(),
        Some("Tue, 14 Jan 2026 10:00:00 GMT")
    );
    assert!(
        notice
            .statements(label::PUBLISHER)
            .any(|s| s.value == "Jeanne Martin, présidente")
    );
    assert!(
        notice
            .statements(label::SIRET)
            .any(|s| s.value == "12345678900012")
    );
    assert_eq!(
        audit.statement_values(label::LOG_RETENTION),
        vec!["12 months"]
    );
    assert_eq!(
        audit.statement_values(label::HOSTING_COUNTRY),
        vec!["DE", "FR"]
    );
    assert!(
        audit
            .statement_values(label::HOSTING_PROVIDER)
            .contains(&"OVH".to_string())
    );
    let cgu = audit
        .document(DocumentKind::Terms)
        .reachable()
        .expect("terms read");
    assert_eq!(cgu.dates, vec!["2025-03-12"]);
    assert_eq!(
        audit.document(DocumentKind::Terms).found_by,
        FoundBy::Discovered
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_english_member_gets_fail_warn_and_manual_where_due() {
    let address = start_server().await;
    let audit = audit(&member("partial", &format!("http://{address}/partial/"))).await;
    assert_eq!(audit.verdict("transparency.terms-published"), Verdict::Pass);
    // The privacy clause lives inside the terms: a reviewer decides.
    assert_eq!(
        audit.verdict("transparency.privacy-published"),
        Verdict::Manual
    );
    assert_eq!(
        audit.verdict("transparency.legal-notice-published"),
        Verdict::Fail
    );
    assert_eq!(
        audit.verdict("transparency.economic-model-published"),
        Verdict::Pass
    );
    // Recommended documents: absence warns.
    assert_eq!(
        audit.verdict("transparency.finances-published"),
        Verdict::Warn
    );
    assert_eq!(
        audit.verdict("transparency.activity-report-published"),
        Verdict::Warn
    );
    assert_eq!(audit.verdict("transparency.hosting-stated"), Verdict::Pass);
    assert_eq!(
        audit.verdict("transparency.log-retention-published"),
        Verdict::Pass
    );
    assert_eq!(
        audit.verdict("transparency.backups-published"),
        Verdict::Manual
    );
    assert_eq!(audit.statement_values(label::LOG_RETENTION), vec!["1 year"]);
    assert_eq!(audit.statement_values(label::HOSTING_COUNTRY), vec!["DE"]);
    let terms = audit
        .document(DocumentKind::Terms)
        .reachable()
        .expect("terms read");
    assert_eq!(terms.language.as_deref(), Some("en"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_documents_warn_with_the_year_found_and_disagreements_go_to_a_reviewer() {
    let address = start_server().await;
    let mut chaton = member("stale", &format!("http://{address}/stale/"));
    chaton.hosting = declared_hosting("FR", "OVH");
    let audit = audit(&chaton).await;
    let finances = audit.finding("transparency.finances-published");
    assert_eq!(finances.verdict, Verdict::Warn);
    assert!(finances.message.contains("2018"), "{}", finances.message);
    let report = audit.finding("transparency.activity-report-published");
    assert_eq!(report.verdict, Verdict::Warn);
    assert!(report.message.contains("2019"), "{}", report.message);
    // A dead CGU link: the terms are not reachable.
    assert_eq!(audit.verdict("transparency.terms-published"), Verdict::Fail);
    let hosting = audit.finding("transparency.hosting-stated");
    assert_eq!(hosting.verdict, Verdict::Manual);
    assert!(
        hosting.message.contains("NL") && hosting.message.contains("FR"),
        "{}",
        hosting.message
    );
    assert!(hosting.message.contains("Scaleway") && hosting.message.contains("OVH"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_documents_fail_but_practices_only_go_to_a_reviewer() {
    let address = start_server().await;
    let audit = audit(&member("absent", &format!("http://{address}/absent/"))).await;
    for check in [
        "transparency.terms-published",
        "transparency.privacy-published",
        "transparency.legal-notice-published",
        "transparency.economic-model-published",
    ] {
        assert_eq!(audit.verdict(check), Verdict::Fail, "{check}");
    }
    for check in [
        "transparency.backups-published",
        "transparency.security-published",
        "transparency.hosting-stated",
    ] {
        assert_eq!(audit.verdict(check), Verdict::Manual, "{check}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declared_documents_come_first_and_a_dead_declared_link_is_reported() {
    let address = start_server().await;
    let mut chaton = member("absent", &format!("http://{address}/absent/"));
    chaton.documents.insert(
        DocumentKind::Terms,
        Url::parse(&format!("http://{address}/complet/cgu.html")).expect("url"),
    );
    chaton.documents.insert(
        DocumentKind::Privacy,
        Url::parse(&format!("http://{address}/absent/gone.html")).expect("url"),
    );
    let audit = audit(&chaton).await;
    assert_eq!(audit.verdict("transparency.terms-published"), Verdict::Pass);
    assert_eq!(
        audit.document(DocumentKind::Terms).found_by,
        FoundBy::Declared
    );
    let privacy = audit.finding("transparency.privacy-published");
    assert_eq!(privacy.verdict, Verdict::Fail);
    assert!(privacy.message.contains("declared"), "{}", privacy.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_website_makes_absence_inconclusive() {
    // A port nobody listens on: bind, note the port, close.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    let audit = audit(&member("down", &format!("http://{address}/"))).await;
    for check in TRANSPARENCY {
        assert_eq!(
            audit.verdict(check.id()),
            Verdict::Inconclusive,
            "{}",
            check.id()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_documents_are_bounded_and_recorded_never_a_panic() {
    let address = start_server().await;
    let audit = audit(&member("hostile", &format!("http://{address}/hostile/"))).await;
    let home = audit
        .documents
        .iter()
        .find(|d| d.found_by == FoundBy::Website)
        .expect("home");
    let home = home.reachable().expect("home read");
    assert_eq!(home.links_scanned, 12_005);
    assert!(
        home.notes
            .iter()
            .any(|n| n.contains("only the first 10000")),
        "{:?}",
        home.notes
    );
    assert!(audit.documents.len() <= 30);

    // A PDF served as text/html is sniffed and read as a PDF.
    let cgu = audit
        .document(DocumentKind::Terms)
        .reachable()
        .expect("cgu");
    assert_eq!(cgu.format, "pdf");
    assert!(
        cgu.notes.iter().any(|n| n.contains("body is a PDF")),
        "{:?}",
        cgu.notes
    );
    assert!(
        cgu.statements(label::HOSTING_COUNTRY)
            .any(|s| s.value == "CH")
    );

    // Corrupt and encrypted PDFs: present, unreadable, recorded; the year goes to a reviewer.
    let report = audit
        .document(DocumentKind::ActivityReport)
        .reachable()
        .expect("report");
    assert!(
        report
            .read_error
            .as_deref()
            .is_some_and(|e| e.contains("PDF")),
        "{:?}",
        report.read_error
    );
    assert_eq!(
        audit.verdict("transparency.activity-report-published"),
        Verdict::Manual
    );
    let accounts = audit
        .document(DocumentKind::Finances)
        .reachable()
        .expect("accounts");
    assert!(
        accounts
            .read_error
            .as_deref()
            .is_some_and(|e| e.contains("encrypted")),
        "{:?}",
        accounts.read_error
    );
    assert_eq!(
        audit.verdict("transparency.finances-published"),
        Verdict::Manual
    );

    // 200 MB: read up to the cap, flagged, still judged.
    let notice = audit
        .document(DocumentKind::LegalNotice)
        .reachable()
        .expect("notice");
    assert!(notice.truncated);
    assert_eq!(notice.size, 10 * 1024 * 1024);
    assert_eq!(
        audit.verdict("transparency.legal-notice-published"),
        Verdict::Manual
    );
}
