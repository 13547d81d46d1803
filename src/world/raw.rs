//! Hosts that misbehave below HTTP: stall, reset, garbage instead of a ServerHello, and the
//! legacy-TLS responder that accepts TLS 1.0/1.1 ClientHellos with a hand-built ServerHello
//! (rustls cannot speak them) and hands TLS 1.2/1.3 clients over to rustls.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use super::desc::Fault;
use super::web::{Scheme, Site, serve_stream};

/// One connection to a host with a transport fault.
pub async fn fault_connection(mut tcp: TcpStream, fault: Fault) {
    match fault {
        // Hold the socket open, read nothing, answer nothing, until shutdown.
        Fault::Stall => std::future::pending::<()>().await,
        Fault::Reset => {
            let mut buf = [0u8; 512];
            let _ = tokio::time::timeout(Duration::from_secs(2), tcp.read(&mut buf)).await;
            // A zero linger makes the close an RST. It does not block (the usual concern
            // with SO_LINGER), since nothing is left to flush.
            #[allow(deprecated)]
            let _ = tcp.set_linger(Some(Duration::ZERO));
            drop(tcp);
        }
        Fault::Garbage => {
            let mut buf = [0u8; 512];
            let _ = tokio::time::timeout(Duration::from_secs(2), tcp.read(&mut buf)).await;
            let _ = tcp
                .write_all(b"\x00\x07this is not a ServerHello\r\n\xff\xfe\xfd garbage garbage\r\n")
                .await;
            let _ = tcp.shutdown().await;
        }
        _ => {}
    }
}

/// Maximum size of a ClientHello record we read.
const MAX_RECORD: usize = 16_384 + 5;

/// What a ClientHello asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hello {
    /// `client_version` (0x0301 = TLS 1.0, 0x0302 = 1.1, 0x0303 = 1.2).
    pub version: u16,
    /// Whether a `supported_versions` extension offers TLS 1.2 or later.
    pub modern: bool,
    /// Offered cipher suites.
    pub suites: Vec<u16>,
    /// The session ID to echo.
    pub session_id: Vec<u8>,
}

/// Parses a TLS record holding a ClientHello (only the fields we need). `None` when it is
/// not one.
pub fn parse_client_hello(record: &[u8]) -> Option<Hello> {
    let body = record.get(5..)?;
    if record.first() != Some(&0x16) || body.first() != Some(&0x01) {
        return None;
    }
    let mut p = 4; // handshake type + 24-bit length
    let version = u16::from_be_bytes([*body.get(p)?, *body.get(p + 1)?]);
    p += 2 + 32;
    let sid_len = usize::from(*body.get(p)?);
    let session_id = body.get(p + 1..p + 1 + sid_len)?.to_vec();
    p += 1 + sid_len;
    let suites_len = usize::from(u16::from_be_bytes([*body.get(p)?, *body.get(p + 1)?]));
    let suites = body
        .get(p + 2..p + 2 + suites_len)?
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    p += 2 + suites_len;
    let comp_len = usize::from(*body.get(p)?);
    p += 1 + comp_len;
    let mut modern = version >= 0x0303;
    if let (Some(a), Some(b)) = (body.get(p), body.get(p + 1)) {
        let ext_end = p + 2 + usize::from(u16::from_be_bytes([*a, *b]));
        p += 2;
        while p + 4 <= ext_end.min(body.len()) {
            let kind = u16::from_be_bytes([body[p], body[p + 1]]);
            let len = usize::from(u16::from_be_bytes([body[p + 2], body[p + 3]]));
            let data = body.get(p + 4..p + 4 + len)?;
            if kind == 0x002b {
                modern |= data
                    .get(1..)
                    .unwrap_or_default()
                    .chunks_exact(2)
                    .any(|v| u16::from_be_bytes([v[0], v[1]]) >= 0x0303);
            }
            p += 4 + len;
        }
    }
    Some(Hello {
        version,
        modern,
        suites,
        session_id,
    })
}

// Suites a TLS 1.0 server would pick, in preference order.
const LEGACY_SUITES: [u16; 6] = [0xc013, 0xc014, 0x002f, 0x0035, 0x000a, 0x0005];

/// Builds ServerHello + Certificate + ServerHelloDone for a legacy ClientHello.
pub fn legacy_server_hello(hello: &Hello, chain: &[Vec<u8>]) -> Vec<u8> {
    let suite = LEGACY_SUITES
        .iter()
        .copied()
        .find(|s| hello.suites.contains(s))
        .or_else(|| {
            hello
                .suites
                .iter()
                .copied()
                .find(|s| *s != 0x00ff && *s != 0x5600)
        })
        .unwrap_or(0x002f);
    let mut sh = Vec::new();
    sh.extend_from_slice(&hello.version.to_be_bytes());
    sh.extend((0u8..32).map(|i| i.wrapping_mul(37).wrapping_add(11))); // server random
    sh.push(hello.session_id.len() as u8);
    sh.extend_from_slice(&hello.session_id);
    sh.extend_from_slice(&suite.to_be_bytes());
    sh.push(0); // null compression
    let mut certs = Vec::new();
    for der in chain {
        certs.extend_from_slice(&u24(der.len()));
        certs.extend_from_slice(der);
    }
    let mut cert_msg = u24(certs.len()).to_vec();
    cert_msg.extend(certs);
    let mut handshakes = handshake(2, &sh);
    handshakes.extend(handshake(11, &cert_msg));
    handshakes.extend(handshake(14, &[]));
    let mut out = Vec::new();
    for chunk in handshakes.chunks(16_384) {
        out.push(0x16);
        out.extend_from_slice(&hello.version.to_be_bytes());
        out.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

fn u24(n: usize) -> [u8; 3] {
    [(n >> 16) as u8, (n >> 8) as u8, n as u8]
}

fn handshake(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![kind];
    out.extend_from_slice(&u24(body.len()));
    out.extend_from_slice(body);
    out
}

/// One connection to a legacy host.
pub async fn legacy_connection(mut tcp: TcpStream, site: Arc<Site>, chain: Arc<Vec<Vec<u8>>>) {
    let mut record = vec![0u8; 5];
    let read_header = tokio::time::timeout(Duration::from_secs(10), tcp.read_exact(&mut record));
    if !matches!(read_header.await, Ok(Ok(_))) {
        return;
    }
    let len = usize::from(u16::from_be_bytes([record[3], record[4]]));
    if record[0] != 0x16 || len + 5 > MAX_RECORD {
        return;
    }
    record.resize(5 + len, 0);
    let read_body = tokio::time::timeout(Duration::from_secs(10), tcp.read_exact(&mut record[5..]));
    if !matches!(read_body.await, Ok(Ok(_))) {
        return;
    }
    let Some(hello) = parse_client_hello(&record) else {
        return;
    };
    if hello.modern {
        let Some(config) = site.tls.clone() else {
            return;
        };
        let replay = Prefixed {
            prefix: record,
            pos: 0,
            inner: tcp,
        };
        if let Ok(Ok(tls)) = tokio::time::timeout(
            Duration::from_secs(10),
            TlsAcceptor::from(config).accept(replay),
        )
        .await
        {
            serve_stream(tls, site, Scheme::Https).await;
        }
        return;
    }
    let _ = tcp.write_all(&legacy_server_hello(&hello, &chain)).await;
    // Wait for the client to give up (it cannot finish: we have no legacy key exchange).
    let mut sink = [0u8; 1024];
    let _ = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut sink)).await;
}

/// A stream that first replays bytes already read, then reads from the inner stream.
struct Prefixed {
    prefix: Vec<u8>,
    pos: usize,
    inner: TcpStream,
}

impl AsyncRead for Prefixed {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.pos < self.prefix.len() {
            let n = buf.remaining().min(self.prefix.len() - self.pos);
            let start = self.pos;
            buf.put_slice(&self.prefix[start..start + n]);
            self.pos += n;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Prefixed {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A minimal TLS 1.0 ClientHello (tests and the legacy probe's own tests can reuse it).
pub fn tls10_client_hello(server_name: &str) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&[0x03, 0x01]);
    body.extend_from_slice(&[7u8; 32]);
    body.push(0); // no session id
    let suites: [u16; 4] = [0xc014, 0xc013, 0x0035, 0x002f];
    body.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[1, 0]); // null compression
    let name = server_name.as_bytes();
    let mut sni = Vec::new();
    sni.extend_from_slice(&((name.len() + 3) as u16).to_be_bytes());
    sni.push(0);
    sni.extend_from_slice(&(name.len() as u16).to_be_bytes());
    sni.extend_from_slice(name);
    let mut ext = vec![0, 0];
    ext.extend_from_slice(&(sni.len() as u16).to_be_bytes());
    ext.extend(sni);
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend(ext);
    let hs = handshake(1, &body);
    let mut out = vec![0x16, 0x03, 0x01];
    out.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    out.extend(hs);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls10_hello_is_parsed_as_legacy() {
        let hello = parse_client_hello(&tls10_client_hello("old.exemple.test"))
            .expect("internal error: our own hello parses");
        assert_eq!(hello.version, 0x0301);
        assert!(!hello.modern);
        assert_eq!(hello.suites, vec![0xc014, 0xc013, 0x0035, 0x002f]);
    }

    #[test]
    fn legacy_server_hello_echoes_version_and_picks_an_offered_suite() {
        let hello = parse_client_hello(&tls10_client_hello("old.exemple.test"))
            .expect("internal error: our own hello parses");
        let out = legacy_server_hello(&hello, &[vec![1, 2, 3]]);
        assert_eq!(&out[..3], &[0x16, 0x03, 0x01]);
        assert_eq!(out[5], 2, "first handshake is a ServerHello");
        assert_eq!(&out[9..11], &[0x03, 0x01]);
        // version(2) + random(32) + sid len(1) → suite at 9+2+32+1 = 44
        assert_eq!(u16::from_be_bytes([out[44], out[45]]), 0xc013);
    }

    #[test]
    fn truncated_hello_is_refused() {
        let hello = tls10_client_hello("x.test");
        assert_eq!(parse_client_hello(&hello[..20]), None);
    }
}
