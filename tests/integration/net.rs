//! Integration tests: the network layer and the basic probes, against servers started here on
//! loopback (HTTP and HTTPS with rcgen certificates, misbehaving raw TCP servers, a
//! hickory-server authoritative for `exemple.test`).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use chatons_audit::net::{NetSettings, Network};
use chatons_audit::observation::tls::VerificationKind;
use chatons_audit::observation::{Observed, ProbeFailure};
use chatons_audit::probe::{self, Fetch, FetchOptions};
use hickory_resolver::proto::dnssec::TrustAnchors;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::ServerConfig;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

// ---------------------------------------------------------------------------------------------
// Certificates

/// A test certificate authority.
struct Ca {
    issuer: Issuer<'static, KeyPair>,
    der: CertificateDer<'static>,
    pem: String,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().expect("CA key");
        let cert = params.self_signed(&key).expect("CA certificate");
        Ca {
            der: cert.der().clone(),
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A leaf for `names`, valid from `from` to `until` days relative to now.
    fn leaf(
        &self,
        names: &[&str],
        from: i64,
        until: i64,
    ) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
        let mut params =
            CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
                .expect("leaf params");
        params.distinguished_name.push(DnType::CommonName, names[0]);
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now + time::Duration::days(from);
        params.not_after = now + time::Duration::days(until);
        let key = KeyPair::generate().expect("leaf key");
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("leaf certificate");
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        (vec![cert.der().clone(), self.der.clone()], key)
    }

    /// The CA as a PEM file, for `--ca-file`.
    fn pem_file(&self) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        std::io::Write::write_all(&mut file, self.pem.as_bytes()).expect("write CA");
        file
    }
}

fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Arc<ServerConfig> {
    let mut config = ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .expect("server certificate");
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

// ---------------------------------------------------------------------------------------------
// An HTTP(S) server with a few behaviours, chosen by path

type Body = UnsyncBoxBody<Bytes, Infallible>;

#[derive(Default)]
struct ServerState {
    active: AtomicUsize,
    max_active: AtomicUsize,
    busy_hits: AtomicUsize,
}

fn full(text: impl Into<Bytes>) -> Body {
    Full::new(text.into()).boxed_unsync()
}

fn redirect(status: u16, location: &str) -> http::Response<Body> {
    http::Response::builder()
        .status(status)
        .header("Location", location)
        .body(full(""))
        .expect("response")
}

async fn handle(
    request: http::Request<Incoming>,
    state: Arc<ServerState>,
) -> Result<http::Response<Body>, Infallible> {
    let path = request.uri().path().to_owned();
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let response = if path == "/" {
        http::Response::builder()
            .header("X-Seen-User-Agent", header("user-agent"))
            .header("X-Seen-Accept-Encoding", header("accept-encoding"))
            .header("X-Seen-Host", header("host"))
            .header("Set-Cookie", "a=1")
            .header("Set-Cookie", "b=2")
            .body(full("bonjour"))
            .expect("response")
    } else if let Some(n) = path.strip_prefix("/to/") {
        match n.parse::<u32>() {
            Ok(0) | Err(_) => http::Response::new(full("arrived")),
            Ok(n) => redirect(302, &format!("/to/{}", n - 1)),
        }
    } else if path == "/loop/a" {
        redirect(302, "/loop/b")
    } else if path == "/loop/b" {
        redirect(301, "/loop/a")
    } else if path == "/upgrade" {
        redirect(301, "https://pad.exemple.test/")
    } else if path == "/endless" {
        let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
        let stream = futures_util::stream::repeat_with(move || {
            Ok::<_, Infallible>(Frame::data(chunk.clone()))
        });
        http::Response::new(StreamBody::new(stream).boxed_unsync())
    } else if path == "/drip" {
        let stream = futures_util::stream::unfold((), |()| async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            Some((
                Ok::<_, Infallible>(Frame::data(Bytes::from_static(b"."))),
                (),
            ))
        });
        http::Response::new(StreamBody::new(stream).boxed_unsync())
    } else if path == "/slow" {
        // Counted while the request is being served; decremented before the response leaves,
        // so a client that releases its permit afterwards cannot be counted twice.
        let now = state.active.fetch_add(1, Ordering::SeqCst) + 1;
        state.max_active.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(80)).await;
        state.active.fetch_sub(1, Ordering::SeqCst);
        http::Response::new(full("slow"))
    } else if path == "/busy" {
        if state.busy_hits.fetch_add(1, Ordering::SeqCst) == 0 {
            http::Response::builder()
                .status(503)
                .header("Retry-After", "0")
                .body(full("busy"))
                .expect("response")
        } else {
            http::Response::new(full("ready"))
        }
    } else {
        http::Response::builder()
            .status(404)
            .body(full("not found"))
            .expect("response")
    };
    Ok(response)
}

/// Starts the HTTP server, over TLS when a configuration is given.
async fn serve_http(tls: Option<Arc<ServerConfig>>) -> (SocketAddr, Arc<ServerState>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let state = Arc::new(ServerState::default());
    let shared = state.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let state = shared.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| handle(req, state.clone()));
                let builder = hyper::server::conn::http1::Builder::new();
                match tls {
                    Some(config) => {
                        if let Ok(stream) =
                            tokio_rustls::TlsAcceptor::from(config).accept(tcp).await
                        {
                            let _ = builder
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        }
                    }
                    None => {
                        let _ = builder.serve_connection(TokioIo::new(tcp), service).await;
                    }
                }
            });
        }
    });
    (addr, state)
}

/// What a misbehaving raw server does with each connection.
#[derive(Clone, Copy)]
enum Misbehaviour {
    /// Accepts and never says anything.
    Stall,
    /// Reads the first bytes, then resets the connection.
    Reset,
    /// Answers anything with text that is neither TLS nor HTTP.
    Garbage,
}

async fn serve_raw(behaviour: Misbehaviour) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            let Ok((mut tcp, _)) = listener.accept().await else {
                return;
            };
            match behaviour {
                Misbehaviour::Stall => held.push(tcp),
                Misbehaviour::Reset => {
                    tokio::spawn(async move {
                        let mut buf = [0u8; 16];
                        let _ = tcp.read(&mut buf).await;
                        let _ = tcp.set_zero_linger();
                        drop(tcp);
                    });
                }
                Misbehaviour::Garbage => {
                    tokio::spawn(async move {
                        let mut buf = [0u8; 512];
                        let _ = tcp.read(&mut buf).await;
                        let _ = tcp
                            .write_all(b"garbage garbage garbage garbage\r\n\r\n")
                            .await;
                        tokio::time::sleep(Duration::from_secs(2)).await;
                    });
                }
            }
        }
    });
    addr
}

// ---------------------------------------------------------------------------------------------
// The network under test

/// Short limits so failures show in well under a second or two.
fn settings(rules: &[String], ca_files: &[PathBuf]) -> NetSettings {
    NetSettings {
        connect_timeout: Duration::from_millis(800),
        tls_timeout: Duration::from_millis(800),
        read_timeout: Duration::from_millis(500),
        request_budget: Duration::from_millis(1500),
        connect_to: rules
            .iter()
            .map(|r| r.parse().expect("connect-to rule"))
            .collect(),
        ca_files: ca_files.to_vec(),
        allow_private: true,
        retry: chatons_audit::net::RetryPolicy {
            max_retries: 1,
            max_wait: Duration::from_millis(200),
        },
        dns_timeout: Duration::from_millis(800),
        // Tests never ask the machine's resolver: a name that slips past the overrides is
        // asked of a loopback port where nothing answers.
        dns_server: Some(NOWHERE_DNS.parse().expect("an address")),
        ..NetSettings::default()
    }
}

const NOWHERE_DNS: &str = "127.0.0.1:9";

fn network(settings: NetSettings) -> Network {
    Network::new(settings).expect("network")
}

fn url(text: &str) -> Url {
    Url::parse(text).expect("test URL")
}

/// An HTTPS server for pad.exemple.test signed by a fresh CA, and a network trusting that CA
/// that sends pad.exemple.test:443 to it.
struct Https {
    net: Network,
    addr: SocketAddr,
    state: Arc<ServerState>,
    _ca_file: tempfile::NamedTempFile,
}

async fn https_world(tune: impl FnOnce(&mut NetSettings)) -> Https {
    let ca = Ca::new("Autorité de test");
    let (chain, key) = ca.leaf(&["pad.exemple.test"], -1, 30);
    let (addr, state) = serve_http(Some(server_config(chain, key))).await;
    let ca_file = ca.pem_file();
    let mut settings = settings(
        &[format!("pad.exemple.test:443:127.0.0.1:{}", addr.port())],
        &[ca_file.path().to_path_buf()],
    );
    tune(&mut settings);
    Https {
        net: network(settings),
        addr,
        state,
        _ca_file: ca_file,
    }
}

fn failure<T: std::fmt::Debug>(observed: Observed<T>) -> ProbeFailure {
    match observed {
        Observed::Failed(failure) => failure,
        Observed::Seen(seen) => panic!("expected a failure, saw {seen:?}"),
    }
}

fn seen<T>(observed: Observed<T>) -> T {
    match observed {
        Observed::Seen(seen) => seen,
        Observed::Failed(failure) => panic!("expected an observation, failed: {failure}"),
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP

#[tokio::test]
async fn https_fetch_goes_through_connect_to_and_trusts_the_ca_file() {
    let world = https_world(|_| {}).await;
    let fetched = world
        .net
        .fetch(&url("https://pad.exemple.test/"), FetchOptions::default())
        .await
        .expect("fetch");
    let exchange = &fetched.exchange;
    assert_eq!(exchange.hops.len(), 1);
    let hop = &exchange.hops[0];
    assert_eq!(hop.status, 200);
    assert_eq!(hop.url, "https://pad.exemple.test/");
    assert_eq!(
        hop.remote_addr.as_deref(),
        Some(world.addr.to_string().as_str())
    );
    assert_eq!(&fetched.body[..], b"bonjour");
    assert_eq!(exchange.body_bytes, 7);
    assert!(!exchange.body_truncated);
    let digest: String = Sha256::digest(b"bonjour")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(exchange.body_sha256.as_deref(), Some(digest.as_str()));
    // What the server saw: our User-Agent, no compression, the name (not the address) as Host.
    assert!(
        hop.header("x-seen-user-agent")
            .is_some_and(|ua| ua.starts_with("chatons-audit/"))
    );
    assert_eq!(hop.header("x-seen-accept-encoding"), Some("identity"));
    assert_eq!(hop.header("x-seen-host"), Some("pad.exemple.test"));
    assert_eq!(
        hop.header_all("set-cookie").collect::<Vec<_>>(),
        ["a=1", "b=2"]
    );
    assert!(
        hop.headers
            .iter()
            .all(|(name, _)| name == &name.to_ascii_lowercase())
    );
}

#[tokio::test]
async fn https_without_the_ca_file_is_a_tls_failure() {
    let world = https_world(|s| s.ca_files.clear()).await;
    let observed = probe::http::observe(&world.net, &url("https://pad.exemple.test/")).await;
    match failure(observed) {
        ProbeFailure::Tls { message } => {
            assert!(message.to_lowercase().contains("issuer"), "{message}")
        }
        other => panic!("expected a TLS failure, got {other:?}"),
    }
}

#[tokio::test]
async fn redirects_are_followed_and_every_hop_recorded() {
    let world = https_world(|_| {}).await;
    let exchange =
        seen(probe::http::observe(&world.net, &url("https://pad.exemple.test/to/3")).await);
    let statuses: Vec<u16> = exchange.hops.iter().map(|h| h.status).collect();
    assert_eq!(statuses, [302, 302, 302, 200]);
    assert_eq!(exchange.hops[1].url, "https://pad.exemple.test/to/2");
    assert_eq!(exchange.final_url(), Some("https://pad.exemple.test/to/0"));
    assert_eq!(exchange.hops[0].location(), Some("/to/2"));
}

#[tokio::test]
async fn redirects_beyond_the_cap_are_too_many() {
    let world = https_world(|s| s.max_redirects = 2).await;
    let ok = seen(probe::http::observe(&world.net, &url("https://pad.exemple.test/to/2")).await);
    assert_eq!(ok.hops.len(), 3);
    let failed =
        failure(probe::http::observe(&world.net, &url("https://pad.exemple.test/to/3")).await);
    assert_eq!(failed, ProbeFailure::TooManyRedirects { count: 3 });
}

#[tokio::test]
async fn redirect_loop_is_too_many_redirects() {
    let world = https_world(|_| {}).await;
    let failed =
        failure(probe::http::observe(&world.net, &url("https://pad.exemple.test/loop/a")).await);
    assert_eq!(failed, ProbeFailure::TooManyRedirects { count: 2 });
}

#[tokio::test]
async fn no_redirect_returns_the_first_response() {
    let world = https_world(|_| {}).await;
    let exchange = seen(
        probe::http::observe_no_redirect(&world.net, &url("https://pad.exemple.test/to/2")).await,
    );
    assert_eq!(exchange.hops.len(), 1);
    assert_eq!(exchange.hops[0].status, 302);
    assert_eq!(exchange.hops[0].location(), Some("/to/1"));
}

#[tokio::test]
async fn plain_http_redirect_to_https_is_followed() {
    let ca = Ca::new("Autorité de test");
    let (chain, key) = ca.leaf(&["pad.exemple.test"], -1, 30);
    let (tls_addr, _) = serve_http(Some(server_config(chain, key))).await;
    let (plain_addr, _) = serve_http(None).await;
    let ca_file = ca.pem_file();
    let net = network(settings(
        &[
            format!("pad.exemple.test:443:127.0.0.1:{}", tls_addr.port()),
            format!("pad.exemple.test:80:127.0.0.1:{}", plain_addr.port()),
        ],
        &[ca_file.path().to_path_buf()],
    ));
    let first =
        seen(probe::http::observe_no_redirect(&net, &url("http://pad.exemple.test/upgrade")).await);
    assert_eq!(first.hops[0].location(), Some("https://pad.exemple.test/"));
    assert_eq!(
        first.hops[0].remote_addr.as_deref(),
        Some(plain_addr.to_string().as_str())
    );
    let followed = seen(probe::http::observe(&net, &url("http://pad.exemple.test/upgrade")).await);
    let statuses: Vec<u16> = followed.hops.iter().map(|h| h.status).collect();
    assert_eq!(statuses, [301, 200]);
    assert_eq!(
        followed.hops[1].remote_addr.as_deref(),
        Some(tls_addr.to_string().as_str())
    );
}

#[tokio::test]
async fn body_cap_truncates_an_endless_body() {
    let world = https_world(|s| s.body_cap = 100_000).await;
    let fetched = world
        .net
        .fetch(
            &url("https://pad.exemple.test/endless"),
            FetchOptions::default(),
        )
        .await
        .expect("fetch");
    assert!(fetched.exchange.body_truncated);
    assert_eq!(fetched.exchange.body_bytes, 100_000);
    assert_eq!(fetched.body.len(), 100_000);
    assert!(fetched.body.iter().all(|&b| b == b'x'));
    let digest: String = Sha256::digest(&fetched.body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(fetched.exchange.body_sha256, Some(digest));
}

#[tokio::test]
async fn a_smaller_body_limit_applies_per_fetch() {
    let world = https_world(|_| {}).await;
    let pad = url("https://pad.exemple.test/");
    let cut = world
        .net
        .fetch(
            &pad,
            FetchOptions {
                body_limit: Some(3),
                ..FetchOptions::default()
            },
        )
        .await
        .expect("fetch");
    assert_eq!(&cut.body[..], b"bon");
    assert!(cut.exchange.body_truncated);
    let whole = world
        .net
        .fetch(
            &pad,
            FetchOptions {
                body_limit: Some(7),
                ..FetchOptions::default()
            },
        )
        .await
        .expect("fetch");
    assert_eq!(&whole.body[..], b"bonjour");
    assert!(!whole.exchange.body_truncated);
}

#[tokio::test]
async fn retry_after_on_503_is_honoured_once() {
    let world = https_world(|_| {}).await;
    let exchange =
        seen(probe::http::observe(&world.net, &url("https://pad.exemple.test/busy")).await);
    assert_eq!(exchange.last().map(|h| h.status), Some(200));
    assert_eq!(world.state.busy_hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn stalling_server_times_out() {
    let addr = serve_raw(Misbehaviour::Stall).await;
    let net = network(settings(&[], &[]));
    let plain = failure(
        probe::http::observe(&net, &url(&format!("http://127.0.0.1:{}/", addr.port()))).await,
    );
    assert!(matches!(plain, ProbeFailure::Timeout { .. }), "{plain:?}");
    let tls = failure(
        probe::http::observe(&net, &url(&format!("https://127.0.0.1:{}/", addr.port()))).await,
    );
    assert!(
        matches!(tls, ProbeFailure::Timeout { after_ms: 800 }),
        "{tls:?}"
    );
}

#[tokio::test]
async fn dripping_body_ends_with_the_budget() {
    let world = https_world(|_| {}).await;
    let failed =
        failure(probe::http::observe(&world.net, &url("https://pad.exemple.test/drip")).await);
    // Each byte comes well within the read timeout; only the whole-request budget stops it.
    assert_eq!(failed, ProbeFailure::Timeout { after_ms: 1500 });
}

#[tokio::test]
async fn reset_connection_is_reset() {
    let addr = serve_raw(Misbehaviour::Reset).await;
    let net = network(settings(&[], &[]));
    let failed = failure(
        probe::http::observe(&net, &url(&format!("http://127.0.0.1:{}/", addr.port()))).await,
    );
    assert_eq!(failed, ProbeFailure::Reset);
}

#[tokio::test]
async fn closed_port_is_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let net = network(settings(&[], &[]));
    let failed =
        failure(probe::http::observe(&net, &url(&format!("http://127.0.0.1:{port}/"))).await);
    assert_eq!(failed, ProbeFailure::Refused);
}

#[tokio::test]
async fn garbage_instead_of_tls_is_a_tls_or_protocol_failure() {
    let addr = serve_raw(Misbehaviour::Garbage).await;
    let net = network(settings(
        &[format!("pad.exemple.test:443:127.0.0.1:{}", addr.port())],
        &[],
    ));
    let https = failure(probe::http::observe(&net, &url("https://pad.exemple.test/")).await);
    assert!(
        matches!(
            https,
            ProbeFailure::Tls { .. } | ProbeFailure::Protocol { .. }
        ),
        "{https:?}"
    );
    let raw = failure(probe::tls::observe(&net, "pad.exemple.test", 443).await);
    assert!(
        matches!(
            raw,
            ProbeFailure::Tls { .. } | ProbeFailure::Protocol { .. }
        ),
        "{raw:?}"
    );
    let plain = failure(
        probe::http::observe(&net, &url(&format!("http://127.0.0.1:{}/", addr.port()))).await,
    );
    assert!(matches!(plain, ProbeFailure::Protocol { .. }), "{plain:?}");
}

#[tokio::test]
async fn guard_refuses_loopback_unless_allowed() {
    let (addr, _) = serve_http(None).await;
    let direct = url(&format!("http://127.0.0.1:{}/", addr.port()));
    let rule = format!("pad.exemple.test:80:127.0.0.1:{}", addr.port());
    let guarded = network(NetSettings {
        allow_private: false,
        ..settings(std::slice::from_ref(&rule), &[])
    });
    match failure(probe::http::observe(&guarded, &direct).await) {
        ProbeFailure::Blocked { reason } => {
            assert!(
                reason.contains("127.0.0.1") && reason.contains("loopback"),
                "{reason}"
            )
        }
        other => panic!("expected Blocked, got {other:?}"),
    }
    // --connect-to cannot be used to slip past the guard either.
    let via_rule = failure(probe::http::observe(&guarded, &url("http://pad.exemple.test/")).await);
    assert!(
        matches!(via_rule, ProbeFailure::Blocked { .. }),
        "{via_rule:?}"
    );
    let raw = failure(probe::tls::observe(&guarded, "pad.exemple.test", 80).await);
    assert!(matches!(raw, ProbeFailure::Blocked { .. }), "{raw:?}");

    let allowed = network(settings(&[rule], &[]));
    assert_eq!(
        seen(probe::http::observe(&allowed, &direct).await).hops[0].status,
        200
    );
    assert_eq!(
        seen(probe::http::observe(&allowed, &url("http://pad.exemple.test/")).await).hops[0].status,
        200
    );
}

#[tokio::test]
async fn bad_ca_file_is_an_error_naming_the_file() {
    let mut garbage = tempfile::NamedTempFile::new().expect("temp file");
    std::io::Write::write_all(&mut garbage, b"this is not a certificate\n").expect("write");
    let err =
        Network::new(settings(&[], &[garbage.path().to_path_buf()])).expect_err("garbage CA file");
    assert!(
        err.to_string()
            .contains(&garbage.path().display().to_string()),
        "{err}"
    );

    let Err(err) = chatons_audit::net::load_trust_anchors(garbage.path()) else {
        panic!("garbage accepted as a trust anchor");
    };
    assert!(
        err.to_string()
            .contains(&garbage.path().display().to_string()),
        "{err}"
    );

    let missing = PathBuf::from("/nonexistent/chatons-ca.pem");
    let err = Network::new(settings(&[], &[missing])).expect_err("missing CA file");
    assert!(
        err.to_string().contains("/nonexistent/chatons-ca.pem"),
        "{err}"
    );
}

#[tokio::test]
async fn per_ip_bound_limits_simultaneous_connections() {
    let (addr, state) = serve_http(None).await;
    // Eight different names, one server address: only the per-address bound can hold them.
    let net = network(NetSettings {
        per_ip: 2,
        per_host: 100,
        request_budget: Duration::from_secs(5),
        ..settings(&[format!(":80:127.0.0.1:{}", addr.port())], &[])
    });
    let urls: Vec<Url> = (0..8)
        .map(|i| url(&format!("http://membre{i}.exemple.test/slow")))
        .collect();
    let results =
        futures_util::future::join_all(urls.iter().map(|u| probe::http::observe(&net, u))).await;
    for result in results {
        assert_eq!(seen(result).hops[0].status, 200);
    }
    let max = state.max_active.load(Ordering::SeqCst);
    assert!((1..=2).contains(&max), "{max} connections at once");
}

#[tokio::test]
async fn per_host_bound_limits_simultaneous_connections() {
    let (addr, state) = serve_http(None).await;
    let net = network(NetSettings {
        per_host: 1,
        request_budget: Duration::from_secs(5),
        ..settings(
            &[format!("pad.exemple.test:80:127.0.0.1:{}", addr.port())],
            &[],
        )
    });
    let slow = url("http://pad.exemple.test/slow");
    let results =
        futures_util::future::join_all((0..4).map(|_| probe::http::observe(&net, &slow))).await;
    assert!(results.iter().all(|r| r.seen().is_some()));
    assert_eq!(state.max_active.load(Ordering::SeqCst), 1);
}

// ---------------------------------------------------------------------------------------------
// TLS probe

#[tokio::test]
async fn tls_probe_records_a_valid_chain() {
    let world = https_world(|_| {}).await;
    let handshake = seen(probe::tls::observe(&world.net, "pad.exemple.test", 443).await);
    assert_eq!(handshake.verification_error, None);
    assert_eq!(handshake.verification_kind, None);
    assert_eq!(handshake.server_name, "pad.exemple.test");
    assert_eq!(
        handshake.remote_addr.as_deref(),
        Some(world.addr.to_string().as_str())
    );
    assert_eq!(handshake.protocol, "TLSv1.3");
    assert!(
        handshake.cipher_suite.starts_with("TLS13_"),
        "{}",
        handshake.cipher_suite
    );
    assert_eq!(handshake.key_exchange.as_deref(), Some("X25519MLKEM768"));
    assert_eq!(handshake.alpn.as_deref(), Some("http/1.1"));
    assert_eq!(handshake.chain.len(), 2);
    let leaf = &handshake.chain[0];
    assert_eq!(leaf.subject_alt_names, ["pad.exemple.test"]);
    assert!(
        leaf.subject.contains("pad.exemple.test"),
        "{}",
        leaf.subject
    );
    assert!(leaf.issuer.contains("Autorité de test"), "{}", leaf.issuer);
    assert_eq!((leaf.key_algorithm.as_str(), leaf.key_bits), ("EC", 256));
    assert_eq!(leaf.signature_algorithm, "ecdsa-with-SHA256");
    assert!(!leaf.is_ca && !leaf.self_issued);
    assert!(leaf.not_after_unix > leaf.not_before_unix);
    assert!(leaf.not_after.ends_with('Z'), "{}", leaf.not_after);
    assert_eq!((leaf.sha256.len(), leaf.spki_sha256.len()), (64, 64));
    let root = &handshake.chain[1];
    assert!(root.is_ca && root.self_issued);
}

async fn tls_verdict(
    ca: &Ca,
    trusted: &Ca,
    names: &[&str],
    days: (i64, i64),
    probed: &str,
) -> Option<VerificationKind> {
    let (chain, key) = ca.leaf(names, days.0, days.1);
    let (addr, _) = serve_http(Some(server_config(chain, key))).await;
    let ca_file = trusted.pem_file();
    let net = network(settings(
        &[format!("::127.0.0.1:{}", addr.port())],
        &[ca_file.path().to_path_buf()],
    ));
    let handshake = seen(probe::tls::observe(&net, probed, 443).await);
    assert_eq!(
        handshake.chain.len(),
        2,
        "the chain is recorded even when it does not validate"
    );
    assert_eq!(
        handshake.verification_error.is_some(),
        handshake.verification_kind.is_some()
    );
    handshake.verification_kind
}

#[tokio::test]
async fn tls_probe_records_expired_wrong_host_and_unknown_root() {
    let ca = Ca::new("Autorité de test");
    let rogue = Ca::new("Autorité inconnue");
    let good = tls_verdict(
        &ca,
        &ca,
        &["pad.exemple.test"],
        (-1, 30),
        "pad.exemple.test",
    )
    .await;
    assert_eq!(good, None);
    let expired = tls_verdict(
        &ca,
        &ca,
        &["pad.exemple.test"],
        (-30, -1),
        "pad.exemple.test",
    )
    .await;
    assert_eq!(expired, Some(VerificationKind::Expired));
    let early = tls_verdict(&ca, &ca, &["pad.exemple.test"], (2, 30), "pad.exemple.test").await;
    assert_eq!(early, Some(VerificationKind::NotYetValid));
    let wrong = tls_verdict(
        &ca,
        &ca,
        &["pad.exemple.test"],
        (-1, 30),
        "mail.exemple.test",
    )
    .await;
    assert_eq!(wrong, Some(VerificationKind::WrongHost));
    let unknown = tls_verdict(
        &rogue,
        &ca,
        &["pad.exemple.test"],
        (-1, 30),
        "pad.exemple.test",
    )
    .await;
    assert_eq!(unknown, Some(VerificationKind::UnknownIssuer));
}

#[tokio::test]
async fn tls_probe_over_a_stalling_server_times_out() {
    let addr = serve_raw(Misbehaviour::Stall).await;
    let net = network(settings(&[format!("::127.0.0.1:{}", addr.port())], &[]));
    let failed = failure(
        probe::tls::observe_within(&net, "pad.exemple.test", 443, Duration::from_millis(300)).await,
    );
    assert_eq!(failed, ProbeFailure::Timeout { after_ms: 300 });
}

// ---------------------------------------------------------------------------------------------
// DNS probe

const ZONE: &str = r#"
$ORIGIN exemple.test.
$TTL 300
@       IN SOA   ns.exemple.test. hostmaster.exemple.test. 1 3600 600 86400 300
@       IN NS    ns
@       IN A     192.0.2.10
@       IN AAAA  2001:db8::10
@       IN MX    10 mail
@       IN MX    5 mx2
@       IN TXT   "v=spf1 mx -all"
@       IN TXT   "chatons-verification=" "deux morceaux"
@       IN CAA   0 issue "letsencrypt.org"
ns      IN A     127.0.0.1
pad     IN A     127.0.0.1
v6      IN A     127.0.0.1
v6      IN AAAA  ::1
alias   IN CNAME pad
_443._tcp.pad IN TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
_dmarc  IN TXT   "v=DMARC1; p=reject"
"#;

async fn serve_dns() -> SocketAddr {
    serve_zone(false).await.0
}

/// The zone key of a signed zone as a trust anchor file line, as the fixture world prints it.
fn anchor_line(public: &hickory_server::proto::dnssec::PublicKeyBuf) -> String {
    let dnskey = hickory_server::proto::dnssec::rdata::DNSKEY::from_key(public);
    format!("exemple.test. IN DNSKEY {dnskey}")
}

/// Serves `ZONE`, signed with a fresh P-256 key when `signed`; returns the address and the
/// trust anchor for that key.
async fn serve_zone(signed: bool) -> (SocketAddr, TrustAnchors, String) {
    use hickory_server::net::runtime::TokioRuntimeProvider;
    use hickory_server::proto::dnssec::crypto::EcdsaSigningKey;
    use hickory_server::proto::dnssec::rdata::DNSKEY;
    use hickory_server::proto::dnssec::{Algorithm, DnssecSigner, SigningKey};
    use hickory_server::proto::rr::LowerName;
    use hickory_server::store::in_memory::InMemoryZoneHandler;
    use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneType};

    let (origin, records) = hickory_server::proto::serialize::txt::Parser::new(ZONE, None, None)
        .parse()
        .expect("zone text");
    let mut zone = InMemoryZoneHandler::<TokioRuntimeProvider>::new(
        origin.clone(),
        records,
        ZoneType::Primary,
        AxfrPolicy::Deny,
        Some(hickory_server::dnssec::NxProofKind::Nsec),
    )
    .expect("zone");
    let pkcs8 = EcdsaSigningKey::generate_pkcs8(Algorithm::ECDSAP256SHA256).expect("zone key");
    let key = EcdsaSigningKey::from_pkcs8(&pkcs8, Algorithm::ECDSAP256SHA256).expect("zone key");
    let public = key.to_public_key().expect("zone public key");
    let mut anchors = TrustAnchors::empty();
    anchors.insert_with_name(&public, LowerName::new(&origin));
    let line = anchor_line(&public);
    if signed {
        let signer = DnssecSigner::new(
            DNSKEY::from_key(&public),
            Box::new(key),
            origin.clone(),
            Duration::from_secs(86400),
        );
        zone.add_zone_signing_key_mut(signer).expect("signing key");
        zone.secure_zone_mut().expect("sign zone");
    }
    let mut catalog = Catalog::new();
    catalog.upsert(LowerName::new(&origin), vec![Arc::new(zone)]);
    let (udp, tcp, addr) = udp_and_tcp_on_one_port().await;
    let mut server = hickory_server::Server::new(catalog);
    server.register_socket(udp);
    server.register_listener(tcp, Duration::from_secs(2), 4096);
    tokio::spawn(async move {
        let _ = server.block_until_done().await;
    });
    (addr, anchors, line)
}

#[tokio::test]
async fn dnssec_status_is_secure_with_the_right_anchor_and_bogus_with_another() {
    let (dns, _, line) = serve_zone(true).await;
    // The anchor as the fixture world hands it over: a file of DNSKEY records.
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    std::io::Write::write_all(&mut file, format!("{line}\n").as_bytes()).expect("write anchor");
    let anchors = chatons_audit::net::load_trust_anchors(file.path()).expect("anchor file");
    let net = network(NetSettings {
        dns_server: Some(dns),
        dnssec_trust_anchor: Some(Arc::new(anchors)),
        ..settings(&[], &[])
    });
    let records = seen(probe::dns::observe(&net, "exemple.test").await);
    assert_eq!(records.dnssec.as_deref(), Some("secure"));
    assert_eq!(records.a, ["192.0.2.10"]);
    let tlsa = seen(probe::dns::observe_tlsa(&net, "pad.exemple.test", 443).await);
    assert_eq!(tlsa.dnssec.as_deref(), Some("secure"));

    // Another zone's key as anchor: the signatures do not chain to it. The records are still
    // recorded (the evidence), the status says bogus.
    let (_, other_anchors, _) = serve_zone(false).await;
    let wrong = network(NetSettings {
        dns_server: Some(dns),
        dnssec_trust_anchor: Some(Arc::new(other_anchors)),
        ..settings(&[], &[])
    });
    let records = seen(probe::dns::observe(&wrong, "exemple.test").await);
    assert_eq!(records.a, ["192.0.2.10"]);
    assert_eq!(records.dnssec.as_deref(), Some("bogus"));
}

#[tokio::test]
async fn dnssec_status_of_an_unsigned_zone_is_not_secure() {
    let (dns, anchors, _) = serve_zone(false).await;
    let net = network(NetSettings {
        dns_server: Some(dns),
        dnssec_trust_anchor: Some(Arc::new(anchors)),
        ..settings(&[], &[])
    });
    let records = seen(probe::dns::observe(&net, "exemple.test").await);
    assert_eq!(records.a, ["192.0.2.10"]);
    // No DNSKEY and no DS anywhere: unsigned, which is a fact (insecure), not an attack
    // (bogus), even though no trust anchor covers the name.
    assert_eq!(
        records.dnssec.as_deref(),
        Some("insecure"),
        "{:?}",
        records.dnssec
    );
}

#[tokio::test]
async fn dns_probe_reads_the_records_of_a_name() {
    let dns = serve_dns().await;
    let net = network(NetSettings {
        dns_server: Some(dns),
        ..settings(&[], &[])
    });
    let records = seen(probe::dns::observe(&net, "exemple.test").await);
    assert_eq!(records.a, ["192.0.2.10"]);
    assert_eq!(records.aaaa, ["2001:db8::10"]);
    assert_eq!(
        records.mx,
        [
            (5, "mx2.exemple.test.".to_owned()),
            (10, "mail.exemple.test.".to_owned())
        ]
    );
    assert_eq!(
        records.txt,
        ["chatons-verification=deux morceaux", "v=spf1 mx -all"]
    );
    assert_eq!(records.caa, ["0 issue \"letsencrypt.org\""]);
    assert!(records.errors.is_empty(), "{:?}", records.errors);

    let tlsa = seen(probe::dns::observe_tlsa(&net, "pad.exemple.test", 443).await);
    assert_eq!(tlsa.tlsa.len(), 1);
    assert!(tlsa.tlsa[0].starts_with("3 1 1 "), "{}", tlsa.tlsa[0]);
    let dmarc = seen(probe::dns::observe(&net, "_dmarc.exemple.test").await);
    assert_eq!(dmarc.txt, ["v=DMARC1; p=reject"]);

    // An alias: its target's address, and the alias itself recorded once.
    let alias = seen(probe::dns::observe(&net, "alias.exemple.test").await);
    assert_eq!(alias.a, ["127.0.0.1"]);
    assert_eq!(alias.cname, ["pad.exemple.test."]);
    assert!(records.cname.is_empty(), "the apex is no alias");
}

#[tokio::test]
async fn dns_probe_missing_name_is_empty_and_refused_zone_fails() {
    let dns = serve_dns().await;
    let net = network(NetSettings {
        dns_server: Some(dns),
        ..settings(&[], &[])
    });
    let missing = seen(probe::dns::observe(&net, "absent.exemple.test").await);
    assert!(missing.a.is_empty() && missing.mx.is_empty() && missing.txt.is_empty());
    assert!(missing.errors.is_empty(), "{:?}", missing.errors);
    assert_eq!(missing.dnssec, None);
    // The server is not authoritative for this name and refuses: nothing could be learnt.
    let elsewhere = failure(probe::dns::observe(&net, "ailleurs.example").await);
    assert!(
        matches!(elsewhere, ProbeFailure::Dns { .. }),
        "{elsewhere:?}"
    );
}

#[tokio::test]
async fn connections_resolve_names_through_the_dns_server() {
    let dns = serve_dns().await;
    let (addr, _) = serve_http(None).await;
    let net = network(NetSettings {
        dns_server: Some(dns),
        ..settings(&[], &[])
    });
    let exchange = seen(
        probe::http::observe(
            &net,
            &url(&format!("http://pad.exemple.test:{}/", addr.port())),
        )
        .await,
    );
    assert_eq!(
        exchange.hops[0].remote_addr.as_deref(),
        Some(addr.to_string().as_str())
    );
    let unknown = failure(probe::http::observe(&net, &url("http://absent.exemple.test/")).await);
    assert!(matches!(unknown, ProbeFailure::Dns { .. }), "{unknown:?}");
}

/// A listener on the IPv6 loopback, or `None` (with a message) on a machine without one.
async fn ipv6_listener() -> Option<(TcpListener, u16)> {
    match TcpListener::bind("[::1]:0").await {
        Ok(listener) => {
            let port = listener.local_addr().expect("local address").port();
            Some((listener, port))
        }
        Err(e) => {
            eprintln!("skipped: this machine cannot listen on [::1] ({e})");
            None
        }
    }
}

#[tokio::test]
async fn ipv6_connections_go_to_the_hosts_aaaa_address_on_the_rules_port() {
    let Some((listener, port)) = ipv6_listener().await else {
        return;
    };
    let dns = serve_dns().await;
    // The rule names an IPv4 address: it says where IPv4 goes, and which port the service
    // really uses; over IPv6 the host's own AAAA address is kept.
    let rule = format!("v6.exemple.test:443:127.0.0.1:{port}");
    let net = network(NetSettings {
        dns_server: Some(dns),
        ..settings(&[rule], &[])
    });
    assert_eq!(
        net.destinations("v6.exemple.test", 443).await,
        Ok(vec![SocketAddr::from(([127, 0, 0, 1], port))])
    );
    let v6: SocketAddr = format!("[::1]:{port}").parse().expect("address");
    assert_eq!(
        net.destinations_ipv6("v6.exemple.test", 443).await,
        Ok(vec![v6])
    );
    let accepted = tokio::spawn(async move { listener.accept().await.map(|(_, from)| from) });
    let connection = probe::Connect::connect_ipv6(&net, "v6.exemple.test", 443)
        .await
        .expect("connects over IPv6");
    assert_eq!(connection.peer, v6);
    let from = accepted.await.expect("accept task").expect("accepted");
    assert!(from.is_ipv6(), "the server saw an IPv6 client: {from}");
}

#[tokio::test]
async fn ipv6_rule_to_an_ipv6_address_is_followed_and_a_name_without_aaaa_fails_in_dns() {
    let dns = serve_dns().await;
    let net = network(NetSettings {
        dns_server: Some(dns),
        ..settings(&["v6.exemple.test:443:[::1]:8443".to_owned()], &[])
    });
    assert_eq!(
        net.destinations_ipv6("v6.exemple.test", 443).await,
        Ok(vec!["[::1]:8443".parse().expect("address")])
    );
    let missing = net
        .destinations_ipv6("pad.exemple.test", 443)
        .await
        .expect_err("pad has no AAAA record");
    assert!(matches!(missing, ProbeFailure::Dns { .. }), "{missing:?}");
}

#[tokio::test]
async fn ipv6_destinations_pass_the_private_address_guard() {
    let dns = serve_dns().await;
    let net = network(NetSettings {
        dns_server: Some(dns),
        allow_private: false,
        ..settings(&[], &[])
    });
    let blocked = net
        .destinations_ipv6("v6.exemple.test", 443)
        .await
        .expect_err("::1 is loopback");
    assert!(
        matches!(&blocked, ProbeFailure::Blocked { reason } if reason.contains("::1")),
        "{blocked:?}"
    );
}

/// A UDP socket and a TCP listener on the same free loopback port: the UDP port is picked by
/// the system, and another process may hold the same TCP port, so try a few.
async fn udp_and_tcp_on_one_port() -> (tokio::net::UdpSocket, TcpListener, SocketAddr) {
    for _ in 0..20 {
        let udp = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("bind udp");
        let addr = udp.local_addr().expect("udp addr");
        if let Ok(tcp) = TcpListener::bind(addr).await {
            return (udp, tcp, addr);
        }
    }
    panic!("no loopback port free for both UDP and TCP after 20 tries");
}
