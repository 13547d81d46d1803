//! Integration tests: the fixture world, seen from a client. Each test starts the world from
//! `fixtures/world/`, observes it like the auditor would (rustls, hickory-resolver, reqwest,
//! raw sockets), and shuts it down. Every client operation has a short timeout.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chatons_audit::world::{RunningWorld, World};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

const SHORT: Duration = Duration::from_secs(3);

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/world")
}

async fn start() -> RunningWorld {
    World::start(&fixtures())
        .await
        .expect("the fixture world starts")
}

fn root(world: &RunningWorld) -> CertificateDer<'static> {
    let pem = std::fs::read(&world.settings().ca_file).expect("CA file written");
    rustls_pemfile::certs(&mut pem.as_slice())
        .next()
        .expect("one certificate")
        .expect("valid PEM")
}

fn addr(world: &RunningWorld, host: &str, port: u16) -> SocketAddr {
    world
        .address_of(host, port)
        .unwrap_or_else(|| panic!("{host}:{port} is in the connect-to table"))
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// A client that trusts the world root only.
fn strict_client(
    world: &RunningWorld,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    roots.add(root(world)).expect("root accepted");
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(versions)
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

/// A client that accepts any certificate, so the chain can be looked at.
#[derive(Debug)]
struct AcceptAnything;

impl ServerCertVerifier for AcceptAnything {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

fn lenient_client() -> TlsConnector {
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnything))
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

type Tls = tokio_rustls::client::TlsStream<TcpStream>;

async fn handshake(connector: &TlsConnector, to: SocketAddr, sni: &str) -> std::io::Result<Tls> {
    let tcp = tokio::time::timeout(SHORT, TcpStream::connect(to)).await??;
    let name = ServerName::try_from(sni.to_owned()).expect("valid name");
    tokio::time::timeout(SHORT, connector.connect(name, tcp)).await?
}

/// The rustls error inside an I/O error, as text.
fn tls_error(result: std::io::Result<Tls>) -> String {
    match result {
        Ok(_) => "handshake succeeded".to_owned(),
        Err(e) => match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
            Some(tls) => format!("{tls:?}"),
            None => format!("io: {e:?}"),
        },
    }
}

async fn strict(world: &RunningWorld, host: &str) -> std::io::Result<Tls> {
    let connector = strict_client(world, rustls::DEFAULT_VERSIONS);
    handshake(&connector, addr(world, host, 443), host).await
}

#[tokio::test]
async fn certificate_profiles_are_seen_by_a_strict_client() {
    let world = start().await;
    let ok = strict(&world, "valid.pki.test")
        .await
        .expect("valid chain verifies");
    assert_eq!(ok.get_ref().1.peer_certificates().map(<[_]>::len), Some(2));
    assert!(tls_error(strict(&world, "expired.pki.test").await).contains("Expired"));
    assert!(tls_error(strict(&world, "not-yet-valid.pki.test").await).contains("NotValidYet"));
    assert!(tls_error(strict(&world, "wrong-host.pki.test").await).contains("NotValidForName"));
    for host in [
        "self-signed.pki.test",
        "unknown-root.pki.test",
        "missing-intermediate.pki.test",
    ] {
        let err = tls_error(strict(&world, host).await);
        assert!(err.contains("UnknownIssuer"), "{host}: {err}");
    }
    let soon = strict(&world, "expiring-soon.pki.test")
        .await
        .expect("still valid");
    let leaf = soon.get_ref().1.peer_certificates().expect("chain")[0].clone();
    let (_, cert) = x509_parser::parse_x509_certificate(&leaf).expect("leaf parses");
    let left =
        cert.validity().not_after.timestamp() - time::OffsetDateTime::now_utc().unix_timestamp();
    assert!(
        (4 * 86_400..6 * 86_400).contains(&left),
        "expires in {left} s"
    );
    world.shutdown().await;
}

#[tokio::test]
async fn missing_intermediate_serves_the_leaf_alone() {
    let world = start().await;
    let host = "missing-intermediate.pki.test";
    let tls = handshake(&lenient_client(), addr(&world, host, 443), host)
        .await
        .expect("handshake");
    assert_eq!(tls.get_ref().1.peer_certificates().map(<[_]>::len), Some(1));
    world.shutdown().await;
}

#[tokio::test]
async fn protocol_versions_follow_the_description() {
    let world = start().await;
    let only13 = strict_client(&world, &[&rustls::version::TLS13]);
    let only12 = strict_client(&world, &[&rustls::version::TLS12]);
    let tls12 = addr(&world, "tls12.pki.test", 443);
    let tls13 = addr(&world, "tls13.pki.test", 443);
    assert!(handshake(&only13, tls12, "tls12.pki.test").await.is_err());
    let v = handshake(&only12, tls12, "tls12.pki.test")
        .await
        .expect("1.2 accepted");
    assert_eq!(
        v.get_ref().1.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_2)
    );
    assert!(handshake(&only12, tls13, "tls13.pki.test").await.is_err());
    let v = handshake(&only13, tls13, "tls13.pki.test")
        .await
        .expect("1.3 accepted");
    assert_eq!(
        v.get_ref().1.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_3)
    );
    world.shutdown().await;
}

#[tokio::test]
async fn weak_host_serves_rsa_1024_signed_with_sha1() {
    let world = start().await;
    let host = "weak.pki.test";
    let Some(to) = world.address_of(host, 443) else {
        assert!(
            !world.skipped().is_empty(),
            "weak host neither served nor reported skipped"
        );
        eprintln!("skipped: {:?}", world.skipped());
        world.shutdown().await;
        return;
    };
    let tls = handshake(&lenient_client(), to, host)
        .await
        .expect("handshake with openssl");
    let leaf = tls.get_ref().1.peer_certificates().expect("chain")[0].clone();
    let (_, cert) = x509_parser::parse_x509_certificate(&leaf).expect("leaf parses");
    let key = cert.public_key().parsed().expect("key parses");
    assert_eq!(key.key_size(), 1024);
    // ecdsa-with-SHA1
    assert_eq!(
        cert.signature_algorithm.algorithm.to_id_string(),
        "1.2.840.10045.4.1"
    );
    drop(tls);
    world.shutdown().await;
}

#[tokio::test]
async fn legacy_host_answers_a_tls10_hello_and_still_speaks_modern_tls() {
    let world = start().await;
    let host = "legacy.pki.test";
    let to = addr(&world, host, 443);
    let mut tcp = TcpStream::connect(to).await.expect("connect");
    tcp.write_all(&chatons_audit::world::raw::tls10_client_hello(host))
        .await
        .expect("send hello");
    let mut head = [0u8; 11];
    tokio::time::timeout(SHORT, tcp.read_exact(&mut head))
        .await
        .expect("in time")
        .expect("read");
    assert_eq!(head[0], 0x16, "a handshake record");
    assert_eq!(&head[1..3], &[0x03, 0x01], "record version TLS 1.0");
    assert_eq!(head[5], 2, "ServerHello");
    assert_eq!(&head[9..11], &[0x03, 0x01], "ServerHello selects TLS 1.0");
    let modern = strict(&world, host)
        .await
        .expect("TLS 1.2/1.3 handed over to rustls");
    assert!(modern.get_ref().1.protocol_version().is_some());
    world.shutdown().await;
}

fn resolver(world: &RunningWorld, validate: bool) -> hickory_resolver::TokioResolver {
    use hickory_resolver::config::{
        ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
    };
    use hickory_resolver::net::runtime::TokioRuntimeProvider;
    let dns = world.settings().dns_server;
    let mut udp = ConnectionConfig::udp();
    udp.port = dns.port();
    let mut tcp = ConnectionConfig::tcp();
    tcp.port = dns.port();
    let config = ResolverConfig::from_name_servers(vec![NameServerConfig::new(
        dns.ip(),
        true,
        vec![udp, tcp],
    )]);
    let mut opts = ResolverOpts::default();
    opts.cache_size = 0;
    opts.attempts = 1;
    opts.timeout = Duration::from_secs(1);
    opts.use_hosts_file = ResolveHosts::Never;
    opts.validate = validate;
    let mut builder =
        hickory_resolver::Resolver::builder_with_config(config, TokioRuntimeProvider::default())
            .with_options(opts);
    if validate {
        use hickory_resolver::proto::dnssec::{Algorithm, PublicKeyBuf, TrustAnchors};
        use hickory_resolver::proto::rr::{LowerName, Name};
        let anchor = world
            .settings()
            .dnssec_trust_anchor
            .clone()
            .expect("a signed zone");
        let mut anchors = TrustAnchors::empty();
        for zone in &anchor.zones {
            let key = PublicKeyBuf::new(anchor.public_key.clone(), Algorithm::ECDSAP256SHA256);
            let name = Name::from_ascii(format!("{zone}.")).expect("zone name");
            anchors.insert_with_name(&key, LowerName::new(&name));
        }
        builder = builder.with_trust_anchor(Arc::new(anchors));
    }
    builder.build().expect("resolver builds")
}

async fn records(
    r: &hickory_resolver::TokioResolver,
    name: &str,
    kind: hickory_resolver::proto::rr::RecordType,
) -> Vec<String> {
    let lookup = tokio::time::timeout(SHORT, r.lookup(name, kind))
        .await
        .expect("bounded")
        .expect("answer");
    lookup
        .answers()
        .iter()
        .filter(|rec| rec.record_type() == kind)
        .map(|rec| rec.data.to_string())
        .collect()
}

#[tokio::test]
async fn dns_answers_address_mail_and_policy_records() {
    use hickory_resolver::proto::rr::RecordType;
    let world = start().await;
    let r = resolver(&world, false);
    assert_eq!(
        records(&r, "www.exemple.test.", RecordType::A).await,
        vec!["127.0.0.1"]
    );
    assert_eq!(
        records(&r, "www.exemple.test.", RecordType::AAAA).await,
        vec!["::1"]
    );
    assert_eq!(
        records(&r, "exemple.test.", RecordType::MX).await,
        vec!["10 mail.exemple.test."]
    );
    let txt = records(&r, "_dmarc.exemple.test.", RecordType::TXT).await;
    assert!(txt[0].contains("v=DMARC1; p=reject"), "{txt:?}");
    let caa = records(&r, "exemple.test.", RecordType::CAA).await;
    assert!(caa.iter().any(|c| c.contains("letsencrypt.org")), "{caa:?}");
    // TLSA 3 1 1 matches the SPKI the server really presents.
    let tlsa = records(&r, "_443._tcp.www.exemple.test.", RecordType::TLSA).await;
    let tls = strict(&world, "www.exemple.test").await.expect("valid");
    let leaf = tls.get_ref().1.peer_certificates().expect("chain")[0].clone();
    let (_, cert) = x509_parser::parse_x509_certificate(&leaf).expect("leaf parses");
    use sha2::Digest;
    let digest = sha2::Sha256::digest(cert.public_key().raw);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(tlsa.len(), 1);
    assert!(
        tlsa[0]
            .to_ascii_lowercase()
            .replace(' ', "")
            .ends_with(&hex),
        "{tlsa:?} vs {hex}"
    );
    assert!(tlsa[0].starts_with("3 1 1"), "{tlsa:?}");
    world.shutdown().await;
}

#[tokio::test]
async fn dns_failures_servfail_nxdomain_and_silence() {
    use hickory_resolver::proto::rr::RecordType;
    let world = start().await;
    let r = resolver(&world, false);
    let nx = tokio::time::timeout(SHORT, r.lookup("ghost.faults.test.", RecordType::A))
        .await
        .expect("bounded");
    assert!(nx.as_ref().is_err_and(|e| e.is_nx_domain()), "{nx:?}");
    let servfail = tokio::time::timeout(SHORT, r.lookup("www.servfail.test.", RecordType::A))
        .await
        .expect("bounded");
    assert!(format!("{servfail:?}").contains("ServFail"), "{servfail:?}");
    let silent = tokio::time::timeout(
        Duration::from_secs(8),
        r.lookup("www.silent.test.", RecordType::A),
    )
    .await
    .expect("resolver gives up by itself");
    let text = format!("{silent:?}");
    assert!(
        silent.is_err() && text.to_ascii_lowercase().contains("time"),
        "{text}"
    );
    world.shutdown().await;
}

#[tokio::test]
async fn signed_zone_validates_with_the_published_anchor() {
    use hickory_resolver::proto::dnssec::Proof;
    use hickory_resolver::proto::rr::RecordType;
    let world = start().await;
    let r = resolver(&world, true);
    let lookup = tokio::time::timeout(SHORT, r.lookup("www.exemple.test.", RecordType::A))
        .await
        .expect("bounded")
        .expect("answer");
    let a = lookup
        .answers()
        .iter()
        .find(|rec| rec.record_type() == RecordType::A)
        .expect("an A record");
    assert_eq!(a.proof, Proof::Secure);
    world.shutdown().await;
}

fn http_client(world: &RunningWorld, host: &str, port: u16) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_der(&root(world)).expect("root")])
        .resolve(host, addr(world, host, port))
        .redirect(reqwest::redirect::Policy::limited(5))
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

async fn get(world: &RunningWorld, url: &str) -> reqwest::Result<reqwest::Response> {
    let parsed = url::Url::parse(url).expect("url");
    let host = parsed.host_str().expect("host");
    let port = parsed.port_or_known_default().expect("port");
    http_client(world, host, port).get(url).send().await
}

#[tokio::test]
async fn web_hosts_serve_headers_routes_documents_and_redirects() {
    let world = start().await;
    let home = get(&world, "https://www.exemple.test/")
        .await
        .expect("home");
    assert_eq!(home.status(), 200);
    assert!(
        home.headers()["strict-transport-security"]
            .to_str()
            .expect("ascii")
            .contains("max-age=63072000")
    );
    assert!(
        home.text()
            .await
            .expect("body")
            .contains("Mentions légales")
    );
    let status = get(&world, "https://cloud.exemple.test/status.php")
        .await
        .expect("status.php");
    assert_eq!(status.headers()["content-type"], "application/json");
    let json: serde_json::Value = status.json().await.expect("json");
    assert_eq!(json["versionstring"], "30.0.4");
    let pdf = get(
        &world,
        "https://www.exemple.test/documents/rapport-financier-2025.pdf",
    )
    .await
    .expect("pdf");
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.expect("body").starts_with(b"%PDF-"));
    let missing = get(
        &world,
        "https://www.sansmentions.test/mentions-legales.html",
    )
    .await
    .expect("answer");
    assert_eq!(missing.status(), 404);
    let no_hsts = get(&world, "https://www.sansentetes.test/")
        .await
        .expect("home");
    assert!(no_hsts.headers().get("strict-transport-security").is_none());
    // Port 80: redirect to HTTPS, serve in clear, or send elsewhere.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .resolve("www.exemple.test", addr(&world, "www.exemple.test", 80))
        .resolve(
            "www.sansentetes.test",
            addr(&world, "www.sansentetes.test", 80),
        )
        .resolve("www.bancal.test", addr(&world, "www.bancal.test", 80))
        .timeout(SHORT)
        .build()
        .expect("client");
    let r = client
        .get("http://www.exemple.test/cgu.html")
        .send()
        .await
        .expect("http");
    assert_eq!(r.status(), 301);
    assert_eq!(r.headers()["location"], "https://www.exemple.test/cgu.html");
    let r = client
        .get("http://www.sansentetes.test/")
        .send()
        .await
        .expect("http");
    assert_eq!(r.status(), 200);
    let r = client
        .get("http://www.bancal.test/")
        .send()
        .await
        .expect("http");
    assert_eq!(r.headers()["location"], "https://www.exemple.test/");
    world.shutdown().await;
}

#[tokio::test]
async fn faulty_transports_stall_reset_and_send_garbage() {
    let world = start().await;
    let lenient = lenient_client();
    let stall = tokio::time::timeout(Duration::from_millis(800), async {
        let tcp = TcpStream::connect(addr(&world, "stall.faults.test", 443)).await?;
        lenient
            .connect(
                ServerName::try_from("stall.faults.test").expect("name"),
                tcp,
            )
            .await
    })
    .await;
    assert!(stall.is_err(), "the stalled handshake must not finish");
    let reset = tls_error(
        handshake(
            &lenient,
            addr(&world, "reset.faults.test", 443),
            "reset.faults.test",
        )
        .await,
    );
    assert!(
        reset.contains("ConnectionReset") || reset.contains("UnexpectedEof"),
        "{reset}"
    );
    let garbage = tls_error(
        handshake(
            &lenient,
            addr(&world, "garbage.faults.test", 443),
            "garbage.faults.test",
        )
        .await,
    );
    assert!(
        garbage.contains("InvalidMessage")
            || garbage.contains("InvalidContentType")
            || garbage.contains("corrupt"),
        "{garbage}"
    );
    world.shutdown().await;
}

#[tokio::test]
async fn faulty_bodies_loop_never_end_drip_are_huge_deep_or_not_utf8() {
    let world = start().await;
    let looped = get(&world, "https://loop.faults.test/").await;
    assert!(looped.is_err_and(|e| e.is_redirect()));

    let mut endless = get(&world, "https://endless.faults.test/")
        .await
        .expect("headers");
    let mut seen = 0usize;
    while seen < 1 << 20 {
        let chunk = endless.chunk().await.expect("more").expect("never ends");
        seen += chunk.len();
    }
    drop(endless);

    let huge = get(&world, "https://huge.faults.test/")
        .await
        .expect("headers");
    assert_eq!(huge.content_length(), Some(1 << 30));
    drop(huge);

    let mut drip = get(&world, "https://drip.faults.test/")
        .await
        .expect("headers");
    let mut dripped = 0usize;
    let _ = tokio::time::timeout(Duration::from_millis(2500), async {
        while let Ok(Some(chunk)) = drip.chunk().await {
            dripped += chunk.len();
        }
    })
    .await;
    assert!(
        (1..=3).contains(&dripped),
        "about one byte per second, got {dripped}"
    );

    let deep = get(&world, "https://deep.faults.test/")
        .await
        .expect("deep")
        .text()
        .await
        .expect("body");
    assert_eq!(deep.matches("<div>").count(), 100_000);

    let bytes = get(&world, "https://invalid-utf8.faults.test/")
        .await
        .expect("page")
        .bytes()
        .await
        .expect("body");
    assert!(std::str::from_utf8(&bytes).is_err());
    world.shutdown().await;
}

async fn smtp_ehlo(to: SocketAddr) -> (BufReader<TcpStream>, String) {
    let tcp = TcpStream::connect(to).await.expect("connect");
    let mut smtp = BufReader::new(tcp);
    let mut banner = String::new();
    tokio::time::timeout(SHORT, smtp.read_line(&mut banner))
        .await
        .expect("bounded")
        .expect("banner");
    assert!(banner.starts_with("220 "), "{banner}");
    smtp.get_mut()
        .write_all(b"EHLO auditor.test\r\n")
        .await
        .expect("ehlo");
    let mut ehlo = String::new();
    loop {
        let mut line = String::new();
        tokio::time::timeout(SHORT, smtp.read_line(&mut line))
            .await
            .expect("bounded")
            .expect("line");
        ehlo.push_str(&line);
        if line.len() < 4 || line.as_bytes()[3] == b' ' {
            break;
        }
    }
    (smtp, ehlo)
}

async fn starttls(world: &RunningWorld, host: &str) -> std::io::Result<Tls> {
    let (mut smtp, ehlo) = smtp_ehlo(addr(world, host, 25)).await;
    assert!(ehlo.contains("STARTTLS"), "{ehlo}");
    smtp.get_mut()
        .write_all(b"STARTTLS\r\n")
        .await
        .expect("starttls");
    let mut ready = String::new();
    smtp.read_line(&mut ready).await.expect("ready");
    assert!(ready.starts_with("220"), "{ready}");
    let connector = strict_client(world, rustls::DEFAULT_VERSIONS);
    let name = ServerName::try_from(host.to_owned()).expect("name");
    tokio::time::timeout(SHORT, connector.connect(name, smtp.into_inner())).await?
}

#[tokio::test]
async fn smtp_offers_starttls_or_not_with_good_or_bad_certificates() {
    let world = start().await;
    let mut tls = starttls(&world, "mail.exemple.test")
        .await
        .expect("good certificate after STARTTLS");
    tls.write_all(b"QUIT\r\n").await.expect("quit");
    let mut bye = String::new();
    BufReader::new(tls).read_line(&mut bye).await.expect("bye");
    assert!(bye.starts_with("221"), "{bye}");
    let bad = tls_error(starttls(&world, "starttls-bad.pki.test").await);
    assert!(bad.contains("UnknownIssuer"), "{bad}");
    let (_, ehlo) = smtp_ehlo(addr(&world, "mail.sanstls.test", 25)).await;
    assert!(!ehlo.contains("STARTTLS"), "{ehlo}");
    // Implicit TLS: IMAPS greets after the handshake.
    let connector = strict_client(&world, rustls::DEFAULT_VERSIONS);
    let tls = handshake(
        &connector,
        addr(&world, "mail.exemple.test", 993),
        "mail.exemple.test",
    )
    .await
    .expect("imaps");
    let mut greeting = String::new();
    tokio::time::timeout(SHORT, BufReader::new(tls).read_line(&mut greeting))
        .await
        .expect("bounded")
        .expect("greeting");
    assert!(greeting.starts_with("* OK"), "{greeting}");
    world.shutdown().await;
}

#[tokio::test]
async fn settings_give_the_auditor_flags_and_shutdown_closes_every_port() {
    let world = start().await;
    let settings = world.settings().clone();
    assert!(settings.allow_private);
    assert!(settings.ca_file.exists());
    assert!(settings.members_file.ends_with("members.yaml"));
    assert!(
        settings
            .connect_to
            .iter()
            .any(|c| c.starts_with("www.exemple.test:443:127.0.0.1:"))
    );
    assert!(
        settings
            .connect_to
            .iter()
            .any(|c| c.starts_with("mail.exemple.test:25:127.0.0.1:"))
    );
    let flags = settings.to_flags();
    assert_eq!(flags[0], "--dns-server");
    assert!(flags.contains(&"--allow-private".to_owned()));
    let ports = world.ports().to_vec();
    assert!(ports.len() > 5);
    for port in &ports {
        assert!(
            TcpStream::connect(("127.0.0.1", *port)).await.is_ok(),
            "port {port} open while running"
        );
    }
    world.shutdown().await;
    for port in ports {
        assert!(
            TcpStream::connect(("127.0.0.1", port)).await.is_err(),
            "port {port} still open after shutdown"
        );
    }
    assert!(!settings.ca_file.exists(), "temp dir removed");
}

#[tokio::test]
async fn description_typo_is_an_error_naming_file_and_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("hosts")).expect("mkdir");
    std::fs::write(
        dir.path().join("hosts/bad.yaml"),
        "hosts:\n  - name: a.test\n    htps: {}\n",
    )
    .expect("write");
    let err = World::start(dir.path()).await.err().expect("typo refused");
    let text = err.to_string();
    assert!(text.contains("bad.yaml") && text.contains("htps"), "{text}");
}

#[tokio::test]
async fn demo_members_file_lists_ten_chatons_with_world_urls() {
    let text = std::fs::read_to_string(fixtures().join("members.yaml")).expect("members file");
    let value: serde_json::Value = serde_saphyr::from_str(&text).expect("valid YAML");
    assert_eq!(value["schema_version"], 1);
    let members = value["members"].as_array().expect("list");
    assert_eq!(members.len(), 10);
    let description =
        chatons_audit::world::WorldDescription::load(&fixtures()).expect("world loads");
    // Every declared service is served by some host of the world.
    for member in members {
        for service in member["services"].as_array().into_iter().flatten() {
            let url = url::Url::parse(service["url"].as_str().expect("url")).expect("valid url");
            let host = url.host_str().expect("host");
            assert!(
                description.hosts.iter().any(|h| h.name == host),
                "{host} is not in the world"
            );
        }
    }
}

#[tokio::test]
async fn generated_world_serves_every_service_on_one_listener() {
    let (description, members) = chatons_audit::world::generate(3, 2);
    let world = World::start_description(description, chatons_audit::world::Members::Text(members))
        .await
        .expect("generated world starts");
    assert!(world.settings().members_file.exists());
    let https: std::collections::BTreeSet<String> = world
        .settings()
        .connect_to
        .iter()
        .filter(|c| c.contains(":443:"))
        .map(|c| c.rsplit(':').next().expect("port").to_owned())
        .collect();
    assert_eq!(https.len(), 1, "one shared SNI listener");
    let ok = get(&world, "https://s1.m2.test/")
        .await
        .expect("service answers");
    assert_eq!(ok.status(), 200);
    let to = addr(&world, "s0.m0.test", 443);
    let stats =
        chatons_audit::world::bench::handshake_baseline(to, "s0.m0.test", &[root(&world)], 8, 4)
            .await
            .expect("baseline runs");
    assert_eq!((stats.completed, stats.failed), (8, 0));
    world.shutdown().await;
}
