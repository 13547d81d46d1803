//! A small, bounded SMTP server (banner, EHLO with or without STARTTLS, the TLS upgrade,
//! QUIT) and the implicit-TLS greeters for submissions (465) and IMAPS (993).

use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

/// Commands per session before we hang up.
const MAX_COMMANDS: usize = 50;
/// Longest command line we read.
const MAX_LINE: usize = 1024;
/// Idle time before we hang up.
const IDLE: Duration = Duration::from_secs(30);

/// What one SMTP listener does.
#[derive(Clone)]
pub struct SmtpHost {
    /// Host name in the banner and EHLO answer.
    pub name: String,
    /// TLS configuration when STARTTLS is offered.
    pub starttls: Option<Arc<ServerConfig>>,
}

enum Next {
    Close,
    StartTls,
}

/// One SMTP connection on port 25/587.
pub async fn smtp_connection(tcp: TcpStream, host: Arc<SmtpHost>) {
    let mut plain = BufReader::new(tcp);
    let banner = format!("220 {} ESMTP chatons-world\r\n", host.name);
    if plain.get_mut().write_all(banner.as_bytes()).await.is_err() {
        return;
    }
    let offer = host.starttls.is_some();
    if let Next::StartTls = session(&mut plain, &host.name, offer).await {
        let Some(config) = host.starttls.clone() else {
            return;
        };
        let tcp = plain.into_inner();
        let accept = TlsAcceptor::from(config).accept(tcp);
        if let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(10), accept).await {
            let mut tls = BufReader::new(tls);
            let _ = session(&mut tls, &host.name, false).await;
        }
    }
}

/// One implicit-TLS connection: handshake, then an SMTP (465) or IMAP (993) greeting.
pub async fn implicit_tls_connection(
    tcp: TcpStream,
    name: String,
    config: Arc<ServerConfig>,
    imap: bool,
) {
    let accept = TlsAcceptor::from(config).accept(tcp);
    let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(10), accept).await else {
        return;
    };
    let mut tls = BufReader::new(tls);
    if imap {
        let greeting = format!("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] {name} ready\r\n");
        if tls.get_mut().write_all(greeting.as_bytes()).await.is_ok() {
            imap_session(&mut tls).await;
        }
    } else {
        let banner = format!("220 {name} ESMTP chatons-world\r\n");
        if tls.get_mut().write_all(banner.as_bytes()).await.is_ok() {
            let _ = session(&mut tls, &name, false).await;
        }
    }
}

async fn read_line<S: AsyncRead + Unpin>(stream: &mut BufReader<S>) -> Option<String> {
    let mut line = Vec::new();
    let read = async {
        let mut limited = (&mut *stream).take(MAX_LINE as u64);
        limited.read_until(b'\n', &mut line).await
    };
    match tokio::time::timeout(IDLE, read).await {
        Ok(Ok(n)) if n > 0 => Some(String::from_utf8_lossy(&line).trim_end().to_owned()),
        _ => None,
    }
}

async fn session<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut BufReader<S>,
    name: &str,
    offer_starttls: bool,
) -> Next {
    for _ in 0..MAX_COMMANDS {
        let Some(line) = read_line(stream).await else {
            return Next::Close;
        };
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let (reply, next) = match verb.as_str() {
            "EHLO" => {
                let mut r = format!("250-{name}\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n");
                if offer_starttls {
                    r.push_str("250-STARTTLS\r\n");
                }
                r.push_str("250 8BITMIME\r\n");
                (r, None)
            }
            "HELO" => (format!("250 {name}\r\n"), None),
            "STARTTLS" if offer_starttls => (
                "220 2.0.0 Ready to start TLS\r\n".to_owned(),
                Some(Next::StartTls),
            ),
            "NOOP" | "RSET" => ("250 2.0.0 OK\r\n".to_owned(), None),
            "QUIT" => ("221 2.0.0 Bye\r\n".to_owned(), Some(Next::Close)),
            _ => ("502 5.5.2 Command not implemented\r\n".to_owned(), None),
        };
        if stream.get_mut().write_all(reply.as_bytes()).await.is_err() {
            return Next::Close;
        }
        if let Some(next) = next {
            return next;
        }
    }
    Next::Close
}

async fn imap_session<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut BufReader<S>) {
    for _ in 0..MAX_COMMANDS {
        let Some(line) = read_line(stream).await else {
            return;
        };
        let mut words = line.split_whitespace();
        let tag = words.next().unwrap_or("*").to_owned();
        let command = words.next().unwrap_or_default().to_ascii_uppercase();
        let reply = match command.as_str() {
            "LOGOUT" => format!("* BYE logging out\r\n{tag} OK LOGOUT completed\r\n"),
            "CAPABILITY" => {
                format!("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n{tag} OK CAPABILITY completed\r\n")
            }
            "NOOP" => format!("{tag} OK NOOP completed\r\n"),
            _ => format!("{tag} BAD not implemented in the fixture world\r\n"),
        };
        if stream.get_mut().write_all(reply.as_bytes()).await.is_err() || command == "LOGOUT" {
            return;
        }
    }
}
