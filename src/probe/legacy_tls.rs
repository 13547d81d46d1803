//! The legacy-protocol probe: does a server still accept SSL 3, TLS 1.0 or TLS 1.1?
//!
//! rustls cannot speak these versions, so the probe sends a hand-built ClientHello offering
//! one version alone ([`hello`]) and reads the answer with a small bounded parser
//! ([`server_hello`]): a ServerHello for that version is `Accepted`, an alert or another
//! version is `Refused`, anything else (garbage, lying lengths, silence) is `Unknown`. The
//! probe never completes a handshake: it closes the connection after the first answer.

use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::{Instant, timeout_at};

use crate::observation::tls::{LegacyAttempt, LegacyOutcome, LegacyProtocols};
use crate::observation::{Observed, ProbeFailure};
use crate::probe::Connect;

pub mod hello;
pub mod server_hello;

pub use hello::{LegacyVersion, client_hello};
pub use server_hello::{Progress, parse_response};

/// Time and size limits of one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Budget for the whole attempt (write, then read until decided).
    pub total: Duration,
    /// Maximum wait for each read.
    pub read: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self::for_handshake(Duration::from_secs(5))
    }
}

impl Limits {
    /// Limits for a network whose TLS handshakes may take `handshake`: each read may take
    /// that long, the whole attempt twice as long.
    pub fn for_handshake(handshake: Duration) -> Self {
        Self {
            total: handshake.saturating_mul(2),
            read: handshake,
        }
    }
}

/// Offers `version` alone on `stream` and records what the server answered.
pub async fn observe_stream<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    server_name: &str,
    version: LegacyVersion,
) -> LegacyAttempt {
    observe_stream_with(stream, server_name, version, Limits::default()).await
}

/// [`observe_stream`] with explicit limits.
pub async fn observe_stream_with<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    server_name: &str,
    version: LegacyVersion,
    limits: Limits,
) -> LegacyAttempt {
    let outcome = exchange(&mut stream, server_name, version, limits).await;
    // Best effort: the server may already be gone.
    let _ = tokio::time::timeout(Duration::from_millis(200), stream.shutdown()).await;
    LegacyAttempt {
        version: version.label().to_owned(),
        outcome,
    }
}

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    server_name: &str,
    version: LegacyVersion,
    limits: Limits,
) -> LegacyOutcome {
    let deadline = Instant::now() + limits.total;
    let hello = client_hello(server_name, version, client_random(server_name));
    match timeout_at(deadline, stream.write_all(&hello)).await {
        Err(_) => {
            return LegacyOutcome::Unknown {
                detail: "timed out sending the ClientHello".into(),
            };
        }
        Ok(Err(error)) => return io_outcome(&error, "sending the ClientHello"),
        Ok(Ok(())) => {}
    }
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        let read_deadline = deadline.min(Instant::now() + limits.read);
        let read = match timeout_at(read_deadline, stream.read(&mut chunk)).await {
            Err(_) => {
                return LegacyOutcome::Unknown {
                    detail: format!(
                        "no complete answer within {} ms ({} bytes received)",
                        limits.read.min(limits.total).as_millis(),
                        buf.len()
                    ),
                };
            }
            Ok(Err(error)) if buf.is_empty() => return io_outcome(&error, "reading the answer"),
            Ok(Err(error)) => {
                return LegacyOutcome::Unknown {
                    detail: format!("read failed after {} bytes: {error}", buf.len()),
                };
            }
            Ok(Ok(read)) => read,
        };
        if read == 0 {
            return server_hello::at_end_of_stream(&buf, version);
        }
        let room = server_hello::MAX_RESPONSE_BYTES.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..read.min(room)]);
        if let Progress::Done(outcome) = parse_response(&buf, version) {
            return outcome;
        }
    }
}

/// A reset or abort in answer to the hello is how many stacks (and middleboxes) refuse an old
/// version; other I/O errors say nothing.
fn io_outcome(error: &std::io::Error, doing: &str) -> LegacyOutcome {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe => {
            LegacyOutcome::Refused {
                detail: format!("connection reset while {doing}"),
            }
        }
        _ => LegacyOutcome::Unknown {
            detail: format!("I/O error while {doing}: {error}"),
        },
    }
}

/// 32 bytes that differ per attempt. A probe's ClientHello random needs uniqueness, not
/// secrecy: no session is ever completed.
fn client_random(server_name: &str) -> [u8; 32] {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut hasher = Sha256::new();
    hasher.update(nanos.to_be_bytes());
    hasher.update(server_name.as_bytes());
    hasher.finalize().into()
}

/// Tries each legacy version on its own connection to `host:port`.
///
/// If the first connection cannot be opened, the whole observation is `Failed` with why; a
/// later connection failure makes only that attempt `Unknown`.
pub async fn observe(net: &dyn Connect, host: &str, port: u16) -> Observed<LegacyProtocols> {
    observe_with(
        net,
        host,
        port,
        Limits::for_handshake(net.handshake_timeout()),
    )
    .await
}

/// The longest wait for a connection. The network layer bounds the TCP connect itself; what
/// this adds is the wait for a per-host or per-address slot behind other probes of the same
/// server (a chaton often serves everything from one address), which must not be mistaken
/// for the server's silence when a legacy version is offered.
const CONNECTION_WAIT: Duration = Duration::from_secs(120);

/// [`observe`] with explicit limits.
pub async fn observe_with(
    net: &dyn Connect,
    host: &str,
    port: u16,
    limits: Limits,
) -> Observed<LegacyProtocols> {
    let mut attempts = Vec::with_capacity(LegacyVersion::ALL.len());
    for version in LegacyVersion::ALL {
        let connecting = net.connect(host, port);
        let connection = match tokio::time::timeout(CONNECTION_WAIT, connecting).await {
            Ok(Ok(connection)) => connection,
            Ok(Err(failure)) if attempts.is_empty() => return Observed::Failed(failure),
            Err(_) if attempts.is_empty() => {
                return Observed::Failed(ProbeFailure::timeout(CONNECTION_WAIT));
            }
            Ok(Err(failure)) => {
                attempts.push(LegacyAttempt {
                    version: version.label().to_owned(),
                    outcome: LegacyOutcome::Unknown {
                        detail: format!("could not connect: {failure}"),
                    },
                });
                continue;
            }
            Err(_) => {
                attempts.push(LegacyAttempt {
                    version: version.label().to_owned(),
                    outcome: LegacyOutcome::Unknown {
                        detail: "connection timed out".into(),
                    },
                });
                continue;
            }
        };
        attempts.push(observe_stream_with(connection.stream, host, version, limits).await);
    }
    Observed::Seen(LegacyProtocols { attempts })
}
