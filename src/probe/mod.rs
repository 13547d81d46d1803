//! Probes: the only async code, and the only code (with `net`) that touches the network.
//!
//! Each probe records what it saw into an observation, failures included, and knows no charter
//! and no verdict. Probes reach the network only through the two traits below, which
//! `net::Network` implements with every limit, override and guard of the run; tests may
//! implement them over local servers.

pub mod dns;
pub mod documents;
pub mod http;
pub mod tls;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use url::Url;

use crate::observation::{HttpExchange, ProbeFailure};

pub mod filters;
pub mod legacy_tls;
pub mod mail;
pub mod page;
pub mod run;
pub mod software;

/// A boxed future, so the traits stay object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Limits of one fetch; `Default` takes the run's settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FetchOptions {
    /// Follow redirects (up to the run's cap). When false, the first response is returned.
    pub no_redirects: bool,
    /// A smaller body cap than the run's, in bytes (e.g. for JSON endpoints).
    pub body_limit: Option<u64>,
}

/// A response: the recorded exchange and the (bounded) body bytes of the last hop.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Hops, status, headers, body size and digest.
    pub exchange: HttpExchange,
    /// The body of the final response, at most the body cap.
    pub body: Bytes,
}

/// HTTP(S) GET through the run's network layer.
pub trait Fetch: Send + Sync {
    /// Fetches `url`; any failure on the member's side is a `ProbeFailure`.
    fn fetch<'a>(
        &'a self,
        url: &'a Url,
        options: FetchOptions,
    ) -> BoxFuture<'a, Result<Fetched, ProbeFailure>>;
}

/// A TCP connection opened through the run's network layer (guard, `--connect-to`, limits).
pub struct Connection {
    /// The stream.
    pub stream: tokio::net::TcpStream,
    /// The address actually connected to.
    pub peer: SocketAddr,
    /// Held for the connection's lifetime: per-host and per-address concurrency permits.
    pub permits: Vec<tokio::sync::OwnedSemaphorePermit>,
}

/// Raw TCP connections and the trust store, for TLS, legacy-TLS and SMTP probes.
pub trait Connect: Send + Sync {
    /// Opens a TCP connection to `host:port`.
    fn connect<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> BoxFuture<'a, Result<Connection, ProbeFailure>>;

    /// Opens a TCP connection to `host:port` over IPv6 only, to one of the host's AAAA
    /// addresses: whether the service answers there, not just somewhere.
    fn connect_ipv6<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> BoxFuture<'a, Result<Connection, ProbeFailure>>;

    /// How long a TLS handshake (or a legacy-protocol read) may take.
    fn handshake_timeout(&self) -> std::time::Duration;

    /// The roots a certificate chain must lead to: Mozilla's (webpki-roots) plus `--ca-file`.
    fn roots(&self) -> Arc<rustls::RootCertStore>;
}
