//! The mail probe: for one mail domain, an SMTP session on port 25 of each MX host (banner,
//! EHLO, STARTTLS, a recorded TLS handshake, QUIT), the declared IMAPS (993) and submission
//! (465 implicit TLS, 587 STARTTLS) endpoints, and the MTA-STS policy file.
//!
//! Every read is bounded in time and length: a server that stalls, sends endless lines or
//! answers out of protocol ends its session with a recorded failure, never a hang.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::{Instant, timeout_at};
use url::Url;

use crate::declaration::MailDomain;
use crate::observation::mail::{
    MailObservation, MtaStsPolicy, Sha512Digests, SmtpSession, TlsEndpoint,
};
use crate::observation::{Observed, ProbeFailure};
use crate::probe::{Connect, Fetch, FetchOptions, tls};

/// The name the probe gives in EHLO: a syntactically valid FQDN that cannot exist.
pub const EHLO_NAME: &str = "probe.chatons-audit.invalid";
/// At most this many MX hosts are probed per domain.
pub const MAX_MX_HOSTS: usize = 5;
/// RFC 5321 caps a reply line at 512 octets; some servers exceed it, so allow slack.
const MAX_LINE: usize = 2048;
/// At most this many lines in one reply.
const MAX_REPLY_LINES: usize = 100;
/// Cap on the MTA-STS policy body (RFC 8461 suggests 64 KiB).
const MTA_STS_BODY_LIMIT: u64 = 64 * 1024;

/// Time limits of one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Budget for the whole session, handshake included.
    pub total: Duration,
    /// Maximum wait for each reply (servers may delay the banner on purpose).
    pub reply: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            total: Duration::from_secs(60),
            reply: Duration::from_secs(20),
        }
    }
}

/// One SMTP reply: the code and the text of each line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit code.
    pub code: u16,
    /// The text after the code and separator, one entry per line.
    pub lines: Vec<String>,
}

/// Reads CRLF-terminated lines with caps, keeping what it has read ahead.
struct LineReader {
    buf: Vec<u8>,
}

impl LineReader {
    fn new() -> Self {
        Self { buf: Vec::new() }
    }

    async fn line<S: AsyncRead + Unpin>(
        &mut self,
        stream: &mut S,
        deadline: Instant,
    ) -> Result<String, ProbeFailure> {
        loop {
            if let Some(end) = self.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=end).collect();
                let text = String::from_utf8_lossy(&line);
                return Ok(text.trim_end_matches(['\r', '\n']).to_owned());
            }
            if self.buf.len() > MAX_LINE {
                return Err(ProbeFailure::Protocol {
                    message: format!("reply line longer than {MAX_LINE} bytes"),
                });
            }
            let mut chunk = [0u8; 1024];
            let read = match timeout_at(deadline, stream.read(&mut chunk)).await {
                Err(_) => return Err(ProbeFailure::Timeout { after_ms: 0 }),
                Ok(Err(error)) => return Err(io_failure(&error)),
                Ok(Ok(read)) => read,
            };
            if read == 0 {
                return Err(ProbeFailure::Protocol {
                    message: "connection closed in the middle of a reply".into(),
                });
            }
            self.buf.extend_from_slice(&chunk[..read]);
        }
    }

    /// Reads one (possibly multi-line) reply.
    async fn reply<S: AsyncRead + Unpin>(
        &mut self,
        stream: &mut S,
        limits: Limits,
        session_deadline: Instant,
    ) -> Result<Reply, ProbeFailure> {
        let deadline = session_deadline.min(Instant::now() + limits.reply);
        let mut lines = Vec::new();
        let mut code = None;
        loop {
            let line = self
                .line(stream, deadline)
                .await
                .map_err(|failure| match failure {
                    ProbeFailure::Timeout { .. } => ProbeFailure::timeout(limits.reply),
                    other => other,
                })?;
            let (line_code, last, text) = parse_reply_line(&line)?;
            if *code.get_or_insert(line_code) != line_code {
                return Err(ProbeFailure::Protocol {
                    message: format!("reply mixes codes {} and {line_code}", code.unwrap_or(0)),
                });
            }
            lines.push(text);
            if last {
                return Ok(Reply {
                    code: line_code,
                    lines,
                });
            }
            if lines.len() >= MAX_REPLY_LINES {
                return Err(ProbeFailure::Protocol {
                    message: format!("reply longer than {MAX_REPLY_LINES} lines"),
                });
            }
        }
    }
}

/// Splits `250-text` / `250 text` / `250` into (code, is last line, text).
fn parse_reply_line(line: &str) -> Result<(u16, bool, String), ProbeFailure> {
    let bytes = line.as_bytes();
    let code_ok = bytes.len() >= 3 && bytes[..3].iter().all(u8::is_ascii_digit);
    if !code_ok {
        let shown: String = line.chars().take(40).collect();
        return Err(ProbeFailure::Protocol {
            message: format!("not an SMTP reply: {shown:?}"),
        });
    }
    let code = line[..3]
        .parse::<u16>()
        .map_err(|_| ProbeFailure::Protocol {
            message: "bad reply code".into(),
        })?;
    match bytes.get(3) {
        None => Ok((code, true, String::new())),
        Some(b' ') => Ok((code, true, line[4..].to_owned())),
        Some(b'-') => Ok((code, false, line[4..].to_owned())),
        Some(_) => Err(ProbeFailure::Protocol {
            message: format!("bad separator after reply code {code}"),
        }),
    }
}

fn io_failure(error: &std::io::Error) -> ProbeFailure {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe => {
            ProbeFailure::Reset
        }
        ErrorKind::ConnectionRefused => ProbeFailure::Refused,
        _ => ProbeFailure::Other {
            message: error.to_string(),
        },
    }
}

async fn send<S: AsyncWrite + Unpin>(
    stream: &mut S,
    command: &str,
    deadline: Instant,
) -> Result<(), ProbeFailure> {
    match timeout_at(
        deadline,
        stream.write_all(format!("{command}\r\n").as_bytes()),
    )
    .await
    {
        Err(_) => Err(ProbeFailure::Protocol {
            message: format!("timed out sending {command}"),
        }),
        Ok(Err(error)) => Err(io_failure(&error)),
        Ok(Ok(())) => Ok(()),
    }
}

/// Runs an SMTP session on `stream` (already connected to `host:port`): banner, EHLO, and
/// STARTTLS with a recorded handshake when offered, then QUIT.
pub async fn smtp_session<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    host: &str,
    port: u16,
    roots: Arc<rustls::RootCertStore>,
    limits: Limits,
) -> SmtpSession {
    let mut session = SmtpSession {
        host: host.to_owned(),
        port,
        banner: None,
        ehlo_keywords: Vec::new(),
        starttls_offered: false,
        handshake: None,
        chain_sha512: Vec::new(),
        failure: None,
    };
    let deadline = Instant::now() + limits.total;
    let mut reader = LineReader::new();
    let fail = |mut session: SmtpSession, failure: ProbeFailure| {
        session.failure = Some(failure);
        session
    };
    let banner = match reader.reply(&mut stream, limits, deadline).await {
        Ok(reply) => reply,
        Err(failure) => return fail(session, failure),
    };
    session.banner = Some(
        banner
            .lines
            .iter()
            .map(|l| format!("{} {l}", banner.code))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    if banner.code != 220 {
        return fail(
            session,
            ProbeFailure::Protocol {
                message: format!("greeting with code {} instead of 220", banner.code),
            },
        );
    }
    if let Err(failure) = send(&mut stream, &format!("EHLO {EHLO_NAME}"), deadline).await {
        return fail(session, failure);
    }
    let ehlo = match reader.reply(&mut stream, limits, deadline).await {
        Ok(reply) => reply,
        Err(failure) => return fail(session, failure),
    };
    match ehlo.code {
        250 => {}
        // A temporary refusal (rate limit, greylisting) says nothing about STARTTLS.
        400..=499 => {
            return fail(
                session,
                ProbeFailure::Protocol {
                    message: format!("EHLO answered {} {}", ehlo.code, ehlo.lines.join(" ")),
                },
            );
        }
        // A permanent refusal may be aimed at this client (its EHLO name, its address)
        // rather than at senders in general: it shows nothing about STARTTLS either.
        _ => {
            quit(&mut stream, &mut reader, limits, deadline).await;
            return fail(
                session,
                ProbeFailure::Protocol {
                    message: format!("EHLO refused: {} {}", ehlo.code, ehlo.lines.join(" ")),
                },
            );
        }
    }
    session.ehlo_keywords = ehlo
        .lines
        .iter()
        .skip(1)
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_ascii_uppercase)
        .collect();
    session.starttls_offered = session.ehlo_keywords.iter().any(|k| k == "STARTTLS");
    if !session.starttls_offered {
        quit(&mut stream, &mut reader, limits, deadline).await;
        return session;
    }
    if let Err(failure) = send(&mut stream, "STARTTLS", deadline).await {
        session.handshake = Some(Observed::Failed(failure));
        return session;
    }
    let ready = match reader.reply(&mut stream, limits, deadline).await {
        Ok(reply) => reply,
        Err(failure) => {
            session.handshake = Some(Observed::Failed(failure));
            return session;
        }
    };
    if ready.code != 220 {
        session.handshake = Some(Observed::Failed(ProbeFailure::Protocol {
            message: format!("STARTTLS answered {} {}", ready.code, ready.lines.join(" ")),
        }));
        quit(&mut stream, &mut reader, limits, deadline).await;
        return session;
    }
    if !reader.buf.is_empty() {
        // Bytes sent before the handshake would be injected into the TLS session
        // (CVE-2011-0411 style): refuse to go on.
        session.handshake = Some(Observed::Failed(ProbeFailure::Protocol {
            message: "server sent data after its STARTTLS answer, before the handshake".into(),
        }));
        return session;
    }
    let handshake = timeout_at(
        deadline,
        tls::handshake_keeping_stream(stream, host, roots, limits.total, &[]),
    )
    .await;
    session.handshake = Some(match handshake {
        Err(_) => Observed::Failed(ProbeFailure::timeout(limits.total)),
        Ok(Err(failure)) => Observed::Failed(failure),
        Ok(Ok((recorded, mut tls))) => {
            session.chain_sha512 = tls
                .get_ref()
                .1
                .peer_certificates()
                .unwrap_or_default()
                .iter()
                .map(|der| sha512_digests(der))
                .collect();
            let mut tls_reader = LineReader::new();
            quit(&mut tls, &mut tls_reader, limits, deadline).await;
            Observed::Seen(recorded)
        }
    });
    session
}

/// The SHA-512 digests DANE matching type 2 compares (RFC 6698 section 2.1.3).
pub fn sha512_digests(der: &[u8]) -> Sha512Digests {
    use sha2::{Digest, Sha512};
    use x509_parser::prelude::{FromDer, X509Certificate};
    let spki = X509Certificate::from_der(der)
        .map(|(_, cert)| crate::net::hex(&Sha512::digest(cert.public_key().raw)))
        .unwrap_or_default();
    Sha512Digests {
        certificate: crate::net::hex(&Sha512::digest(der)),
        spki,
    }
}

/// Says goodbye, briefly: the answer does not matter.
async fn quit<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    reader: &mut LineReader,
    limits: Limits,
    deadline: Instant,
) {
    let short = deadline.min(Instant::now() + Duration::from_secs(2));
    if send(stream, "QUIT", short).await.is_ok() {
        let quick = Limits {
            reply: limits.reply.min(Duration::from_secs(2)),
            ..limits
        };
        let _ = reader.reply(stream, quick, short).await;
    }
    let _ = timeout_at(short, stream.shutdown()).await;
}

/// Connects to `host:port` and runs an SMTP session; a connection failure is recorded in the
/// session.
pub async fn smtp(net: &dyn Connect, host: &str, port: u16, limits: Limits) -> SmtpSession {
    match tokio::time::timeout(limits.total, net.connect(host, port)).await {
        Ok(Ok(connection)) => {
            smtp_session(connection.stream, host, port, net.roots(), limits).await
        }
        Ok(Err(failure)) => failed_session(host, port, failure),
        Err(_) => failed_session(host, port, ProbeFailure::timeout(limits.total)),
    }
}

fn failed_session(host: &str, port: u16, failure: ProbeFailure) -> SmtpSession {
    SmtpSession {
        host: host.to_owned(),
        port,
        banner: None,
        ehlo_keywords: Vec::new(),
        starttls_offered: false,
        handshake: None,
        chain_sha512: Vec::new(),
        failure: Some(failure),
    }
}

/// Connects to `host:port` and records an implicit-TLS handshake (IMAPS, submissions).
pub async fn implicit_tls(net: &dyn Connect, host: &str, port: u16, limits: Limits) -> TlsEndpoint {
    let handshake = async {
        let connection = net.connect(host, port).await?;
        let (recorded, mut tls) =
            tls::handshake_keeping_stream(connection.stream, host, net.roots(), limits.total, &[])
                .await?;
        let _ = tokio::time::timeout(Duration::from_secs(1), tls.shutdown()).await;
        Ok::<_, ProbeFailure>(recorded)
    };
    let handshake = match tokio::time::timeout(limits.total, handshake).await {
        Ok(Ok(recorded)) => Observed::Seen(recorded),
        Ok(Err(failure)) => Observed::Failed(failure),
        Err(_) => Observed::Failed(ProbeFailure::timeout(limits.total)),
    };
    TlsEndpoint {
        host: host.to_owned(),
        port,
        handshake,
    }
}

/// Parses an MTA-STS policy body (RFC 8461 section 3.2): `key: value` lines.
pub fn parse_mta_sts_policy(url: &str, status: u16, body: &str) -> MtaStsPolicy {
    let mut policy = MtaStsPolicy {
        url: url.to_owned(),
        status,
        ..Default::default()
    };
    for (number, line) in body.lines().take(1000).enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            policy
                .problems
                .push(format!("line {}: not a key: value pair", number + 1));
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        match key {
            "version" => policy.version = Some(value.to_owned()),
            "mode" => {
                // ABNF literals are case-insensitive (RFC 5234 section 2.3).
                if !["enforce", "testing", "none"]
                    .iter()
                    .any(|mode| value.eq_ignore_ascii_case(mode))
                {
                    policy
                        .problems
                        .push(format!("line {}: unknown mode {value:?}", number + 1));
                }
                policy.mode = Some(value.to_owned());
            }
            "mx" => policy.mx.push(value.to_owned()),
            "max_age" => match value.parse::<u64>() {
                Ok(age) => policy.max_age = Some(age),
                Err(_) => policy.problems.push(format!(
                    "line {}: max_age {value:?} is not a number",
                    number + 1
                )),
            },
            _ => {} // extensions are allowed and ignored
        }
    }
    policy
}

/// Fetches and parses `https://mta-sts.<domain>/.well-known/mta-sts.txt`, without following
/// redirects (RFC 8461 section 3.3).
pub async fn mta_sts_policy(fetch: &dyn Fetch, domain: &str) -> Observed<MtaStsPolicy> {
    let address = format!("https://mta-sts.{domain}/.well-known/mta-sts.txt");
    let Ok(url) = Url::parse(&address) else {
        return Observed::Failed(ProbeFailure::Other {
            message: format!("{address} is not a valid URL"),
        });
    };
    let options = FetchOptions {
        no_redirects: true,
        body_limit: Some(MTA_STS_BODY_LIMIT),
    };
    match fetch.fetch(&url, options).await {
        Err(failure) => Observed::Failed(failure),
        Ok(fetched) => {
            let status = fetched.exchange.last().map_or(0, |hop| hop.status);
            let body = String::from_utf8_lossy(&fetched.body);
            let mut policy = parse_mta_sts_policy(&address, status, &body);
            if let Some(kind) = fetched
                .exchange
                .last()
                .and_then(|hop| hop.header("content-type"))
                && !kind.trim().to_ascii_lowercase().starts_with("text/plain")
            {
                policy
                    .problems
                    .push(format!("content type {kind:?} instead of text/plain"));
            }
            Observed::Seen(policy)
        }
    }
}

/// Everything the mail probe records for one domain. `mx_hosts` come from the DNS
/// observation of the domain, in preference order (a null MX `.` is skipped);
/// `mta_sts_txt` are the TXT records of `_mta-sts.<domain>`: the policy file is fetched only
/// if one announces `v=STSv1`.
pub async fn observe(
    net: &dyn Connect,
    fetch: &dyn Fetch,
    domain: &MailDomain,
    mx_hosts: &[String],
    mta_sts_txt: &[String],
) -> Observed<MailObservation> {
    observe_with(net, fetch, domain, mx_hosts, mta_sts_txt, Limits::default()).await
}

/// [`observe`] with explicit limits.
pub async fn observe_with(
    net: &dyn Connect,
    fetch: &dyn Fetch,
    domain: &MailDomain,
    mx_hosts: &[String],
    mta_sts_txt: &[String],
    limits: Limits,
) -> Observed<MailObservation> {
    let mut observation = MailObservation::default();
    let hosts = mx_hosts
        .iter()
        .map(|h| h.trim_end_matches('.'))
        .filter(|h| !h.is_empty())
        .take(MAX_MX_HOSTS);
    for host in hosts {
        observation
            .exchangers
            .push(smtp(net, host, 25, limits).await);
    }
    if let Some(host) = &domain.imap_host {
        observation.imaps = Some(implicit_tls(net, host, 993, limits).await);
    }
    if let Some(host) = &domain.submission_host {
        observation.submissions = Some(implicit_tls(net, host, 465, limits).await);
        observation.submission = Some(smtp(net, host, 587, limits).await);
    }
    let announced = mta_sts_txt
        .iter()
        .any(|txt| txt.trim().to_ascii_lowercase().starts_with("v=stsv1"));
    if announced {
        let name = domain.domain.trim_end_matches('.').to_ascii_lowercase();
        observation.mta_sts_policy = Some(mta_sts_policy(fetch, &name).await);
    }
    Observed::Seen(observation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_lines_are_split_into_code_and_text() {
        assert_eq!(
            parse_reply_line("250-STARTTLS").ok(),
            Some((250, false, "STARTTLS".into()))
        );
        assert_eq!(
            parse_reply_line("250 OK").ok(),
            Some((250, true, "OK".into()))
        );
        assert_eq!(
            parse_reply_line("220").ok(),
            Some((220, true, String::new()))
        );
        assert!(parse_reply_line("HTTP/1.1 200 OK").is_err());
        assert!(parse_reply_line("250_x").is_err());
        assert!(parse_reply_line("2é0 x").is_err());
    }

    /// Plays the server side of an SMTP session on `stream`: banner, then `ehlo_reply` to
    /// EHLO, then STARTTLS with `tls` when given.
    async fn serve(
        stream: tokio::io::DuplexStream,
        ehlo_reply: &'static str,
        tls: Option<tokio_rustls::TlsAcceptor>,
    ) {
        use tokio::io::{AsyncBufReadExt, BufReader};
        let mut stream = BufReader::new(stream);
        let _ = stream
            .get_mut()
            .write_all(b"220 mx.chaton.test ESMTP\r\n")
            .await;
        for _ in 0..5 {
            let mut line = String::new();
            if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let command = line.trim().to_ascii_uppercase();
            if command.starts_with("EHLO") {
                let _ = stream.get_mut().write_all(ehlo_reply.as_bytes()).await;
            } else if command == "STARTTLS" {
                let Some(acceptor) = tls.clone() else { return };
                let _ = stream.get_mut().write_all(b"220 go ahead\r\n").await;
                if let Ok(mut secure) = acceptor.accept(stream.into_inner()).await {
                    let mut buf = [0u8; 64];
                    let _ = secure.read(&mut buf).await;
                    let _ = secure.write_all(b"221 bye\r\n").await;
                }
                return;
            } else {
                let _ = stream.get_mut().write_all(b"221 bye\r\n").await;
                return;
            }
        }
    }

    fn quick() -> Limits {
        Limits {
            total: Duration::from_secs(5),
            reply: Duration::from_secs(2),
        }
    }

    #[tokio::test]
    async fn permanently_refused_ehlo_is_a_failure_not_a_missing_starttls() {
        let (client, server) = tokio::io::duplex(4096);
        let server = tokio::spawn(serve(server, "554 5.7.1 go away\r\n", None));
        let roots = Arc::new(rustls::RootCertStore::empty());
        let session = smtp_session(client, "mx.chaton.test", 25, roots, quick()).await;
        let _ = server.await;
        assert!(!session.starttls_offered);
        assert!(
            matches!(&session.failure, Some(ProbeFailure::Protocol { message }) if message.contains("554")),
            "{session:?}"
        );
    }

    #[tokio::test]
    async fn starttls_session_records_sha512_digests_of_the_chain() {
        use crate::world::desc::CertProfile;
        use crate::world::pki::Pki;
        use sha2::{Digest, Sha512};
        let mut pki = Pki::generate().expect("internal error: test PKI");
        let leaf = pki
            .leaf("mx.chaton.test", CertProfile::Valid)
            .expect("internal error: test leaf");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("internal error: versions")
        .with_no_client_auth()
        .with_single_cert(leaf.chain.clone(), leaf.key())
        .expect("internal error: server config");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(pki.root_der())
            .expect("internal error: test root");
        let (client, server) = tokio::io::duplex(64 * 1024);
        let server = tokio::spawn(serve(
            server,
            "250-mx.chaton.test\r\n250 STARTTLS\r\n",
            Some(acceptor),
        ));
        let session = smtp_session(client, "mx.chaton.test", 25, Arc::new(roots), quick()).await;
        let _ = server.await;
        assert!(
            matches!(session.handshake, Some(Observed::Seen(_))),
            "{session:?}"
        );
        assert_eq!(session.chain_sha512.len(), leaf.chain.len());
        assert_eq!(
            session.chain_sha512[0].certificate,
            crate::net::hex(&Sha512::digest(&leaf.chain[0]))
        );
        assert_eq!(session.chain_sha512[0].spki.len(), 128);
    }

    #[test]
    fn mta_sts_policy_is_parsed_with_problems_noted() {
        let body = "version: STSv1\r\nmode: enforce\r\nmx: mx.chaton.test\nmx: *.chaton.test\nmax_age: 604800\nnonsense\nmax_age: soon\n";
        let policy = parse_mta_sts_policy(
            "https://mta-sts.chaton.test/.well-known/mta-sts.txt",
            200,
            body,
        );
        assert_eq!(policy.version.as_deref(), Some("STSv1"));
        assert_eq!(policy.mode.as_deref(), Some("enforce"));
        assert_eq!(policy.mx, vec!["mx.chaton.test", "*.chaton.test"]);
        assert_eq!(policy.max_age, Some(604_800));
        assert_eq!(policy.problems.len(), 2);
    }
}
