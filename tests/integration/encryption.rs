//! Integration tests: the encryption probes against real local servers started by each test.
//!
//! The legacy-protocol detector meets a hand-built TLS 1.0 responder, a rustls server (which
//! refuses legacy versions with an alert), garbage, a stall, a server lying about lengths and
//! one that hangs up; the mail probe meets a tiny SMTP server with and without STARTTLS (rcgen
//! certificates from a test CA), one that stalls and one that sends an endless line. The
//! resulting observations then go through the checks, so probe and judgement agree.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chatons_audit::check::{self, Check, Context};
use chatons_audit::config::Config;
use chatons_audit::declaration::{MailDomain, Member, Origin};
use chatons_audit::finding::Verdict;
use chatons_audit::observation::tls::LegacyOutcome;
use chatons_audit::observation::{Observations, Observed, ProbeFailure};
use chatons_audit::probe::legacy_tls::{self, LegacyVersion, Limits};
use chatons_audit::probe::mail;
use chatons_audit::probe::{BoxFuture, Connect, Connection};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Connects every `(host, port)` to the loopback server registered for that port.
struct Loopback {
    ports: BTreeMap<u16, SocketAddr>,
    roots: Arc<rustls::RootCertStore>,
}

impl Connect for Loopback {
    fn connect<'a>(
        &'a self,
        _host: &'a str,
        port: u16,
    ) -> BoxFuture<'a, Result<Connection, ProbeFailure>> {
        Box::pin(async move {
            let Some(addr) = self.ports.get(&port).copied() else {
                return Err(ProbeFailure::Refused);
            };
            let stream = TcpStream::connect(addr)
                .await
                .map_err(|_| ProbeFailure::Refused)?;
            Ok(Connection {
                stream,
                peer: addr,
                permits: Vec::new(),
            })
        })
    }

    fn connect_ipv6<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> BoxFuture<'a, Result<Connection, ProbeFailure>> {
        // The registered servers stand for every address of a name, whatever the family.
        self.connect(host, port)
    }

    fn handshake_timeout(&self) -> Duration {
        Duration::from_secs(5)
    }

    fn roots(&self) -> Arc<rustls::RootCertStore> {
        self.roots.clone()
    }
}

/// A test CA and a leaf for `names`, as rustls wants them.
struct Pki {
    roots: Arc<rustls::RootCertStore>,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

fn pki(names: &[&str]) -> Pki {
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "Chatons Test CA");
    let ca =
        CertifiedIssuer::self_signed(ca, KeyPair::generate().expect("CA key")).expect("CA cert");
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
        .expect("leaf params")
        .signed_by(&leaf_key, &*ca)
        .expect("leaf cert");
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.der().clone()).expect("root");
    Pki {
        roots: Arc::new(roots),
        chain: vec![leaf.der().clone(), ca.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
    }
}

fn acceptor(pki: &Pki) -> tokio_rustls::TlsAcceptor {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(pki.chain.clone(), pki.key.clone_key())
        .expect("server config");
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

/// Serves at most `connections` connections with `serve`, then stops.
async fn server<F, Fut>(connections: usize, serve: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        for _ in 0..connections {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(serve(stream));
        }
    });
    addr
}

/// Reads the ClientHello record (header + announced length), bounded.
async fn read_client_hello(stream: &mut TcpStream) -> Vec<u8> {
    let mut header = [0u8; 5];
    if stream.read_exact(&mut header).await.is_err() {
        return Vec::new();
    }
    let len = usize::from(u16::from_be_bytes([header[3], header[4]])).min(16 * 1024);
    let mut body = vec![0u8; len];
    let _ = stream.read_exact(&mut body).await;
    [header.to_vec(), body].concat()
}

fn fast() -> Limits {
    Limits {
        total: Duration::from_secs(3),
        read: Duration::from_millis(700),
    }
}

async fn attempt_against(addr: SocketAddr, version: LegacyVersion) -> LegacyOutcome {
    let stream = TcpStream::connect(addr).await.expect("connect");
    legacy_tls::observe_stream_with(stream, "legacy.chaton.test", version, fast())
        .await
        .outcome
}

#[tokio::test]
async fn hand_built_tls10_server_hello_is_accepted() {
    let addr = server(1, |mut stream| async move {
        let hello = read_client_hello(&mut stream).await;
        // A TLS 1.0 server picks AES128-SHA if the client offers TLS 1.0 and that suite.
        assert_eq!(&hello[9..11], &[3, 1], "client_version");
        let answer = legacy_tls::server_hello::build_server_hello(
            0x0301,
            0x002f,
            Some(&[0xff, 0x01, 0x00, 0x01, 0x00]),
        );
        let _ = stream.write_all(&answer).await;
        let _ = stream.flush().await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    })
    .await;
    let outcome = attempt_against(addr, LegacyVersion::Tls10).await;
    assert_eq!(
        outcome,
        LegacyOutcome::Accepted {
            cipher_suite: "0x002f".into()
        }
    );
}

#[tokio::test]
async fn rustls_server_refuses_every_legacy_version_with_an_alert() {
    let pki = pki(&["legacy.chaton.test"]);
    let acceptor = acceptor(&pki);
    let addr = server(3, move |stream| {
        let acceptor = acceptor.clone();
        async move {
            let _ = acceptor.accept(stream).await;
        }
    })
    .await;
    let net = Loopback {
        ports: BTreeMap::from([(443, addr)]),
        roots: pki.roots.clone(),
    };
    let observed = legacy_tls::observe_with(&net, "legacy.chaton.test", 443, fast()).await;
    let Observed::Seen(legacy) = &observed else {
        panic!("expected an observation, got {observed:?}")
    };
    assert_eq!(legacy.attempts.len(), 3);
    for attempt in &legacy.attempts {
        match &attempt.outcome {
            LegacyOutcome::Refused { detail } => {
                assert!(detail.contains("alert"), "{}: {detail}", attempt.version)
            }
            other => panic!("{} not refused: {other:?}", attempt.version),
        }
    }
}

#[tokio::test]
async fn garbage_answer_is_unknown() {
    let addr = server(1, |mut stream| async move {
        let _ = read_client_hello(&mut stream).await;
        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    })
    .await;
    assert!(matches!(
        attempt_against(addr, LegacyVersion::Tls10).await,
        LegacyOutcome::Unknown { .. }
    ));
}

#[tokio::test]
async fn stalling_server_is_unknown_within_the_budget() {
    let addr = server(1, |mut stream| async move {
        let _ = read_client_hello(&mut stream).await;
        tokio::time::sleep(Duration::from_secs(10)).await;
    })
    .await;
    let started = std::time::Instant::now();
    let outcome = attempt_against(addr, LegacyVersion::Tls11).await;
    assert!(
        matches!(outcome, LegacyOutcome::Unknown { .. }),
        "{outcome:?}"
    );
    // Bounded by the limits, not by the server: generous margin, this is not a benchmark.
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn server_hello_lying_about_its_length_is_unknown() {
    let addr = server(1, |mut stream| async move {
        let _ = read_client_hello(&mut stream).await;
        let mut answer = legacy_tls::server_hello::build_server_hello(0x0301, 0x002f, None);
        answer[7] = 0xff; // handshake length now larger than the record can hold
        answer[8] = 0xff;
        let _ = stream.write_all(&answer).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let outcome = attempt_against(addr, LegacyVersion::Tls10).await;
    assert!(
        matches!(outcome, LegacyOutcome::Unknown { .. }),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn server_hanging_up_without_answer_is_refused() {
    let addr = server(1, |mut stream| async move {
        let _ = read_client_hello(&mut stream).await;
        drop(stream);
    })
    .await;
    assert!(matches!(
        attempt_against(addr, LegacyVersion::Ssl3).await,
        LegacyOutcome::Refused { .. }
    ));
}

#[tokio::test]
async fn closed_port_fails_the_whole_legacy_observation() {
    let net = Loopback {
        ports: BTreeMap::new(),
        roots: Arc::new(rustls::RootCertStore::empty()),
    };
    let observed = legacy_tls::observe_with(&net, "legacy.chaton.test", 443, fast()).await;
    assert_eq!(observed, Observed::Failed(ProbeFailure::Refused));
}

// ---- SMTP ----

/// A tiny SMTP server: banner, EHLO (advertising STARTTLS when a TLS acceptor is given),
/// STARTTLS, QUIT. Lines are read with a cap, and the session is bounded.
async fn smtp_server(tls: Option<tokio_rustls::TlsAcceptor>) -> SocketAddr {
    server(2, move |stream| {
        let tls = tls.clone();
        async move {
            let _ =
                tokio::time::timeout(Duration::from_secs(5), smtp_conversation(stream, tls)).await;
        }
    })
    .await
}

async fn smtp_conversation(stream: TcpStream, tls: Option<tokio_rustls::TlsAcceptor>) {
    let mut stream = BufReader::new(stream);
    let _ = stream
        .get_mut()
        .write_all(b"220-mx.chaton.test ESMTP test\r\n220 welcome\r\n")
        .await;
    for _ in 0..10 {
        let mut line = String::new();
        if stream.read_line(&mut line).await.unwrap_or(0) == 0 || line.len() > 1000 {
            return;
        }
        let command = line.trim().to_ascii_uppercase();
        if command.starts_with("EHLO") {
            let starttls = if tls.is_some() {
                "250-STARTTLS\r\n"
            } else {
                ""
            };
            let reply =
                format!("250-mx.chaton.test\r\n250-PIPELINING\r\n{starttls}250 8BITMIME\r\n");
            let _ = stream.get_mut().write_all(reply.as_bytes()).await;
        } else if command == "STARTTLS" {
            let Some(acceptor) = tls.clone() else { return };
            let _ = stream.get_mut().write_all(b"220 go ahead\r\n").await;
            let Ok(mut secure) = acceptor.accept(stream.into_inner()).await else {
                return;
            };
            let mut buf = [0u8; 64];
            if let Ok(n) = secure.read(&mut buf).await
                && buf[..n].starts_with(b"QUIT")
            {
                let _ = secure.write_all(b"221 bye\r\n").await;
                let _ = secure.shutdown().await;
            }
            return;
        } else if command == "QUIT" {
            let _ = stream.get_mut().write_all(b"221 bye\r\n").await;
            return;
        } else {
            let _ = stream.get_mut().write_all(b"502 unknown\r\n").await;
        }
    }
}

fn smtp_limits() -> mail::Limits {
    mail::Limits {
        total: Duration::from_secs(4),
        reply: Duration::from_millis(800),
    }
}

fn member_with_mail(domain: &str) -> Member {
    Member {
        id: "chaton".into(),
        name: "Chaton".into(),
        website: url::Url::parse("https://chaton.test/").expect("url"),
        first_party_domains: Vec::new(),
        contact: None,
        documents: BTreeMap::new(),
        mail_domains: vec![MailDomain {
            domain: domain.into(),
            imap_host: None,
            submission_host: None,
        }],
        services: Vec::new(),
        hosting: None,
        properties_files: Vec::new(),
        origin: Origin::default(),
    }
}

fn judge_mail(
    check: &dyn Check,
    observation: Observed<chatons_audit::observation::MailObservation>,
) -> Verdict {
    let member = member_with_mail("chaton.test");
    let mut observations = Observations::new(time::OffsetDateTime::now_utc());
    observations.mail.insert("chaton.test".into(), observation);
    let config = Config::default();
    let findings = check.judge(&Context::new(check.id(), &member, &observations, &config));
    assert_eq!(findings.len(), 1, "{findings:#?}");
    findings[0].verdict
}

fn find_check(id: &str) -> &'static dyn Check {
    *check::ALL
        .iter()
        .find(|c| c.id() == id)
        .expect("registered check")
}

#[tokio::test]
async fn smtp_with_starttls_records_a_validated_handshake() {
    let pki = pki(&["mx.chaton.test"]);
    let addr = smtp_server(Some(acceptor(&pki))).await;
    let net = Loopback {
        ports: BTreeMap::from([(25, addr)]),
        roots: pki.roots.clone(),
    };
    let session = mail::smtp(&net, "mx.chaton.test", 25, smtp_limits()).await;
    assert_eq!(session.failure, None);
    assert!(
        session
            .banner
            .as_deref()
            .is_some_and(|b| b.contains("ESMTP test") && b.contains("welcome"))
    );
    assert!(session.starttls_offered);
    let Some(Observed::Seen(handshake)) = &session.handshake else {
        panic!("no handshake: {session:?}")
    };
    assert_eq!(handshake.verification_error, None);
    assert!(handshake.protocol == "TLSv1.3" || handshake.protocol == "TLSv1.2");
    assert_eq!(handshake.chain.len(), 2);
    assert!(
        handshake.chain[0]
            .subject_alt_names
            .contains(&"mx.chaton.test".to_owned())
    );
    assert_eq!(handshake.chain[0].key_algorithm, "EC");
    assert_eq!(handshake.chain[0].key_bits, 256);

    let observation = Observed::Seen(chatons_audit::observation::MailObservation {
        exchangers: vec![session],
        ..Default::default()
    });
    assert_eq!(
        judge_mail(find_check("mail.starttls-offered"), observation.clone()),
        Verdict::Pass
    );
    assert_eq!(
        judge_mail(find_check("mail.starttls-certificate-valid"), observation),
        Verdict::Pass
    );
}

#[tokio::test]
async fn smtp_certificate_for_another_name_is_recorded_as_wrong_host() {
    let pki = pki(&["other.chaton.test"]);
    let addr = smtp_server(Some(acceptor(&pki))).await;
    let net = Loopback {
        ports: BTreeMap::from([(25, addr)]),
        roots: pki.roots.clone(),
    };
    let session = mail::smtp(&net, "mx.chaton.test", 25, smtp_limits()).await;
    let Some(Observed::Seen(handshake)) = &session.handshake else {
        panic!("no handshake: {session:?}")
    };
    assert_eq!(
        handshake.verification_kind,
        Some(chatons_audit::observation::tls::VerificationKind::WrongHost)
    );
    let observation = Observed::Seen(chatons_audit::observation::MailObservation {
        exchangers: vec![session],
        ..Default::default()
    });
    assert_eq!(
        judge_mail(find_check("mail.starttls-certificate-valid"), observation),
        Verdict::Warn
    );
}

#[tokio::test]
async fn smtp_without_starttls_is_recorded_and_fails_the_check() {
    let addr = smtp_server(None).await;
    let net = Loopback {
        ports: BTreeMap::from([(25, addr)]),
        roots: Arc::new(rustls::RootCertStore::empty()),
    };
    let session = mail::smtp(&net, "mx.chaton.test", 25, smtp_limits()).await;
    assert_eq!(session.failure, None);
    assert!(!session.starttls_offered);
    assert_eq!(session.handshake, None);
    assert!(session.ehlo_keywords.contains(&"PIPELINING".to_owned()));
    let observation = Observed::Seen(chatons_audit::observation::MailObservation {
        exchangers: vec![session],
        ..Default::default()
    });
    assert_eq!(
        judge_mail(find_check("mail.starttls-offered"), observation),
        Verdict::Fail
    );
}

#[tokio::test]
async fn smtp_server_that_never_greets_times_out_as_a_failure() {
    let addr = server(1, |stream| async move {
        tokio::time::sleep(Duration::from_secs(6)).await;
        drop(stream);
    })
    .await;
    let net = Loopback {
        ports: BTreeMap::from([(25, addr)]),
        roots: Arc::new(rustls::RootCertStore::empty()),
    };
    let session = mail::smtp(&net, "mx.chaton.test", 25, smtp_limits()).await;
    assert!(
        matches!(session.failure, Some(ProbeFailure::Timeout { .. })),
        "{session:?}"
    );
    let observation = Observed::Seen(chatons_audit::observation::MailObservation {
        exchangers: vec![session],
        ..Default::default()
    });
    assert_eq!(
        judge_mail(find_check("mail.starttls-offered"), observation),
        Verdict::Inconclusive
    );
}

#[tokio::test]
async fn smtp_server_sending_an_endless_line_is_a_protocol_failure() {
    let addr = server(1, |mut stream| async move {
        let junk = vec![b'2'; 64 * 1024];
        let _ = stream.write_all(&junk).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
    })
    .await;
    let net = Loopback {
        ports: BTreeMap::from([(25, addr)]),
        roots: Arc::new(rustls::RootCertStore::empty()),
    };
    let session = mail::smtp(&net, "mx.chaton.test", 25, smtp_limits()).await;
    assert!(
        matches!(session.failure, Some(ProbeFailure::Protocol { .. })),
        "{session:?}"
    );
}

#[tokio::test]
async fn imaps_handshake_is_recorded_per_declared_host() {
    let pki = pki(&["imap.chaton.test"]);
    let acceptor = acceptor(&pki);
    let addr = server(1, move |stream| {
        let acceptor = acceptor.clone();
        async move {
            if let Ok(mut tls) = acceptor.accept(stream).await {
                let _ = tls.write_all(b"* OK IMAP ready\r\n").await;
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
    })
    .await;
    let net = Loopback {
        ports: BTreeMap::from([(993, addr)]),
        roots: pki.roots.clone(),
    };
    let endpoint = mail::implicit_tls(&net, "imap.chaton.test", 993, smtp_limits()).await;
    let Observed::Seen(handshake) = &endpoint.handshake else {
        panic!("{endpoint:?}")
    };
    assert_eq!(handshake.verification_error, None);
    // The undeclared submission ports are not probed, and refused ports are recorded.
    let refused = mail::implicit_tls(&net, "smtp.chaton.test", 465, smtp_limits()).await;
    assert_eq!(refused.handshake, Observed::Failed(ProbeFailure::Refused));
}
