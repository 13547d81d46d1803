//! HTTP/1.1 GET over the layer's own connections, with hyper's client connection API.
//!
//! One request per connection, so every hop goes through `connect` (guard, `--connect-to`,
//! limits) and the permits are released between hops. Redirects are followed by hand and
//! every hop is recorded; the body is read as a stream and cut at the cap.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http::header::{ACCEPT, ACCEPT_ENCODING, HOST, USER_AGENT};
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use rustls_pki_types::ServerName;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::OwnedSemaphorePermit;
use url::{Position, Url};

use super::{Network, map_io};
use crate::observation::http::HttpResponse;
use crate::observation::{HttpExchange, ProbeFailure};
use crate::probe::{BoxFuture, Fetch, FetchOptions, Fetched};

impl Fetch for Network {
    fn fetch<'a>(
        &'a self,
        url: &'a Url,
        options: FetchOptions,
    ) -> BoxFuture<'a, Result<Fetched, ProbeFailure>> {
        Box::pin(self.fetch_inner(url, options))
    }
}

/// What is left of a fetch's time budget; connecting (which may wait for a permit) is not
/// charged, so a busy shared server does not turn queueing into a member's timeout.
struct Budget {
    total: Duration,
    left: Duration,
}

impl Budget {
    async fn run<T>(
        &mut self,
        work: impl Future<Output = Result<T, ProbeFailure>>,
    ) -> Result<T, ProbeFailure> {
        let start = Instant::now();
        let outcome = tokio::time::timeout(self.left, work).await;
        self.left = self.left.saturating_sub(start.elapsed());
        outcome.unwrap_or_else(|_| Err(ProbeFailure::timeout(self.total)))
    }
}

/// One answered request: the head, the body still to read, and what keeps it alive.
struct Hop {
    record: HttpResponse,
    response: http::Response<Incoming>,
    _permits: Vec<OwnedSemaphorePermit>,
    _driver: AbortOnDrop,
}

/// Stops the connection task when the hop is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

const REDIRECTS: [u16; 5] = [301, 302, 303, 307, 308];

impl Network {
    async fn fetch_inner(&self, url: &Url, options: FetchOptions) -> Result<Fetched, ProbeFailure> {
        let cap = options.body_limit.map_or(self.settings.body_cap, |limit| {
            limit.min(self.settings.body_cap)
        });
        let mut budget = Budget {
            total: self.settings.request_budget,
            left: self.settings.request_budget,
        };
        let mut hops = Vec::new();
        let mut visited = HashSet::from([url.clone()]);
        let mut current = url.clone();
        let mut retries = 0;
        loop {
            let hop = self.request(&current, &mut budget).await?;
            let status = hop.record.status;
            if (status == 429 || status == 503)
                && retries < self.settings.retry.max_retries
                && let Some(wait) = retry_after(&hop.response)
            {
                drop(hop);
                retries += 1;
                tokio::time::sleep(wait.min(self.settings.retry.max_wait)).await;
                continue;
            }
            let next = if options.no_redirects || !REDIRECTS.contains(&status) {
                None
            } else {
                hop.record
                    .location()
                    .and_then(|location| current.join(location).ok())
                    .filter(|next| matches!(next.scheme(), "http" | "https"))
            };
            let Some(next) = next else {
                let record = hop.record.clone();
                let (body, truncated, digest) = budget
                    .run(read_body(hop, cap, self.settings.read_timeout))
                    .await?;
                hops.push(record);
                let exchange = HttpExchange {
                    hops,
                    body_bytes: body.len() as u64,
                    body_truncated: truncated,
                    body_sha256: Some(digest),
                };
                return Ok(Fetched { exchange, body });
            };
            hops.push(hop.record.clone());
            drop(hop);
            let followed = u32::try_from(hops.len()).unwrap_or(u32::MAX);
            if followed > self.settings.max_redirects || !visited.insert(next.clone()) {
                return Err(ProbeFailure::TooManyRedirects { count: followed });
            }
            current = next;
            retries = 0;
        }
    }

    /// Connects, sends one GET and waits for the response head.
    async fn request(&self, url: &Url, budget: &mut Budget) -> Result<Hop, ProbeFailure> {
        let host = url.host_str().ok_or_else(|| ProbeFailure::Other {
            message: format!("{url}: no host"),
        })?;
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            other => {
                return Err(ProbeFailure::Other {
                    message: format!("{url}: unsupported scheme {other}"),
                });
            }
        };
        let port = url
            .port_or_known_default()
            .unwrap_or(if https { 443 } else { 80 });
        let connection = self.connect_host(host, port).await?;
        let peer = connection.peer;
        let host_header = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        let request = http::Request::get(&url[Position::BeforePath..Position::AfterQuery])
            .header(HOST, host_header)
            .header(USER_AGENT, self.settings.user_agent.as_str())
            .header(ACCEPT, "*/*")
            .header(ACCEPT_ENCODING, "identity")
            .body(Empty::<Bytes>::new())
            .map_err(|err| ProbeFailure::Other {
                message: format!("{url}: cannot build request: {err}"),
            })?;
        let stream = connection.stream;
        let (response, driver) = if https {
            let name = ServerName::try_from(
                host.trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_owned(),
            )
            .map_err(|err| ProbeFailure::Other {
                message: format!("{host}: not a TLS server name: {err}"),
            })?;
            let connector = tokio_rustls::TlsConnector::from(self.http_tls.clone());
            let tls_timeout = self.settings.tls_timeout;
            let tls = budget
                .run(async {
                    match tokio::time::timeout(tls_timeout, connector.connect(name, stream)).await {
                        Ok(Ok(tls)) => Ok(tls),
                        Ok(Err(err)) => Err(map_tls_io(&err)),
                        Err(_) => Err(ProbeFailure::timeout(tls_timeout)),
                    }
                })
                .await?;
            budget
                .run(send(tls, request, self.settings.read_timeout))
                .await?
        } else {
            budget
                .run(send(stream, request, self.settings.read_timeout))
                .await?
        };
        let record = HttpResponse {
            url: url.to_string(),
            status: response.status().as_u16(),
            headers: response
                .headers()
                .iter()
                .map(|(name, value)| {
                    (
                        name.as_str().to_ascii_lowercase(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            remote_addr: Some(peer.to_string()),
        };
        Ok(Hop {
            record,
            response,
            _permits: connection.permits,
            _driver: driver,
        })
    }
}

/// HTTP/1.1 handshake over `io`, one request, and the response head within `read_timeout`.
async fn send<T>(
    io: T,
    request: http::Request<Empty<Bytes>>,
    read_timeout: Duration,
) -> Result<(http::Response<Incoming>, AbortOnDrop), ProbeFailure>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::Builder::new()
        .max_buf_size(64 * 1024)
        .handshake(TokioIo::new(io))
        .await
        .map_err(map_hyper)?;
    let driver = AbortOnDrop(tokio::spawn(async move {
        // The error, if any, also surfaces through the response future.
        let _ = connection.await;
    }));
    match tokio::time::timeout(read_timeout, sender.send_request(request)).await {
        Ok(Ok(response)) => Ok((response, driver)),
        Ok(Err(err)) => Err(map_hyper(err)),
        Err(_) => Err(ProbeFailure::timeout(read_timeout)),
    }
}

/// Reads the body up to `cap` bytes, each chunk within `read_timeout`; returns the bytes, whether
/// the body was cut, and the SHA-256 of what was kept.
async fn read_body(
    hop: Hop,
    cap: u64,
    read_timeout: Duration,
) -> Result<(Bytes, bool, String), ProbeFailure> {
    let Hop {
        response,
        _permits,
        _driver,
        ..
    } = hop;
    let mut body = response.into_body();
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    let mut kept = BytesMut::new();
    let mut truncated = false;
    loop {
        let frame = match tokio::time::timeout(read_timeout, body.frame()).await {
            Err(_) => return Err(ProbeFailure::timeout(read_timeout)),
            Ok(None) => break,
            Ok(Some(frame)) => frame.map_err(map_hyper)?,
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let room = cap - kept.len();
        if data.len() > room {
            kept.extend_from_slice(&data[..room]);
            truncated = true;
            break;
        }
        kept.extend_from_slice(&data);
    }
    let digest = hex(&Sha256::digest(&kept));
    Ok((kept.freeze(), truncated, digest))
}

/// `Retry-After` as a delay: delta-seconds or an HTTP date.
fn retry_after(response: &http::Response<Incoming>) -> Option<Duration> {
    let value = response
        .headers()
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let format = time::format_description::well_known::Rfc2822;
    let when = time::OffsetDateTime::parse(value, &format).ok()?;
    let delta = when - time::OffsetDateTime::now_utc();
    Some(Duration::try_from(delta).unwrap_or(Duration::ZERO))
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

/// A TLS handshake's I/O error: a peer that closes or talks nonsense is a TLS failure.
fn map_tls_io(err: &std::io::Error) -> ProbeFailure {
    match map_io(err) {
        ProbeFailure::Other { message } => ProbeFailure::Tls { message },
        other => other,
    }
}

/// Classifies a hyper error by its I/O cause when there is one.
fn map_hyper(err: hyper::Error) -> ProbeFailure {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(&err);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return map_io(io);
        }
        source = cause.source();
    }
    if err.is_parse() || err.is_parse_status() {
        ProbeFailure::Protocol {
            message: format!("invalid HTTP response: {err}"),
        }
    } else if err.is_incomplete_message() {
        ProbeFailure::Protocol {
            message: "connection closed before a complete response".to_owned(),
        }
    } else if err.is_timeout() {
        ProbeFailure::Other {
            message: err.to_string(),
        }
    } else {
        ProbeFailure::Protocol {
            message: err.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::hex;

    #[test]
    fn hex_is_lower_case_and_padded() {
        assert_eq!(hex(&[0x00, 0x0f, 0xab, 0xff]), "000fabff");
    }
}
