//! The network layer: the only code that opens connections.
//!
//! One [`Network`] per run carries every limit (timeouts, body and redirect caps, concurrency
//! bounds per run, per host and per destination address), the overrides (`--dns-server`,
//! `--connect-to`, `--ca-file`) and the private-address guard, and hands probes connections
//! and HTTP exchanges through the [`crate::probe::Connect`] and [`crate::probe::Fetch`] traits.
//! Every failure on the member's side comes back as a [`ProbeFailure`], never a panic.

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::dnssec::TrustAnchors;
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::observation::ProbeFailure;
use crate::probe::{BoxFuture, Connect, Connection};

mod connect_to;
pub mod guard;
mod http;
mod tls;

pub use connect_to::{ConnectTo, ConnectToError};
pub(crate) use http::hex;
pub use tls::{load_roots, provider as tls_provider};

/// The User-Agent every request carries, so a hoster can tell who is knocking and why.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "chatons-audit/",
    env!("CARGO_PKG_VERSION"),
    " (+https://framagit.org/chatons/chatons-audit)"
);

/// How the layer reacts to `429 Too Many Requests` and `503 Service Unavailable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after a 429/503 carrying `Retry-After` (0 disables).
    pub max_retries: u32,
    /// The longest wait honoured; a longer `Retry-After` is cut to this.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 1,
            max_wait: Duration::from_secs(3),
        }
    }
}

/// Every limit and override of the run's network access.
#[derive(Clone)]
pub struct NetSettings {
    /// Time allowed to open one TCP connection.
    pub connect_timeout: Duration,
    /// Time allowed for one TLS handshake.
    pub tls_timeout: Duration,
    /// Time allowed between two reads (response head, body chunks).
    pub read_timeout: Duration,
    /// Time allowed for one fetch once connected, redirects included.
    pub request_budget: Duration,
    /// Bytes of a response body read at most; the rest is not downloaded.
    pub body_cap: u64,
    /// Redirects followed at most.
    pub max_redirects: u32,
    /// Connections open at once, in the whole run.
    pub max_concurrency: usize,
    /// Connections open at once to one host name.
    pub per_host: usize,
    /// Connections open at once to one IP address (many members share one server).
    pub per_ip: usize,
    /// The DNS server to ask instead of the system's (`--dns-server`).
    pub dns_server: Option<SocketAddr>,
    /// Connection overrides (`--connect-to`), first match wins.
    pub connect_to: Vec<ConnectTo>,
    /// PEM files of extra trusted roots (`--ca-file`).
    pub ca_files: Vec<PathBuf>,
    /// Lift the private-address guard (`--allow-private`).
    pub allow_private: bool,
    /// The User-Agent header.
    pub user_agent: String,
    /// Back-off on 429/503.
    pub retry: RetryPolicy,
    /// DNSSEC trust anchors replacing the root's (the fixture world's zone key); `None` uses
    /// the IANA root anchors.
    pub dnssec_trust_anchor: Option<Arc<TrustAnchors>>,
    /// Time allowed for one DNS query.
    pub dns_timeout: Duration,
}

impl Default for NetSettings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            tls_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(10),
            request_budget: Duration::from_secs(20),
            body_cap: 10 * 1024 * 1024,
            max_redirects: 5,
            max_concurrency: 32,
            per_host: 4,
            per_ip: 4,
            dns_server: None,
            connect_to: Vec::new(),
            ca_files: Vec::new(),
            allow_private: false,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            retry: RetryPolicy::default(),
            dnssec_trust_anchor: None,
            dns_timeout: Duration::from_secs(3),
        }
    }
}

impl fmt::Debug for NetSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NetSettings")
            .field("connect_timeout", &self.connect_timeout)
            .field("tls_timeout", &self.tls_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("request_budget", &self.request_budget)
            .field("body_cap", &self.body_cap)
            .field("max_redirects", &self.max_redirects)
            .field("max_concurrency", &self.max_concurrency)
            .field("per_host", &self.per_host)
            .field("per_ip", &self.per_ip)
            .field("dns_server", &self.dns_server)
            .field("connect_to", &self.connect_to)
            .field("ca_files", &self.ca_files)
            .field("allow_private", &self.allow_private)
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .field(
                "dnssec_trust_anchor",
                &self.dnssec_trust_anchor.as_ref().map(|a| a.len()),
            )
            .field("dns_timeout", &self.dns_timeout)
            .finish()
    }
}

/// Why the network layer could not be set up (a fault of the configuration, not of a member).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A `--ca-file` could not be read or holds no usable certificate.
    #[error("CA file {path}: {message}")]
    CaFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The DNS resolver could not be built.
    #[error("DNS resolver: {0}")]
    Resolver(String),
    /// The TLS client configuration could not be built.
    #[error("TLS configuration: {0}")]
    Tls(String),
    /// A DNSSEC trust anchor file could not be read.
    #[error("DNSSEC trust anchor file {path}: {message}")]
    TrustAnchor {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A limit is unusable (zero concurrency, …).
    #[error("network settings: {0}")]
    Settings(String),
}

/// Reads DNSSEC trust anchors from DNSKEY records in zone-file syntax, one per line
/// (`exemple.test. IN DNSKEY 257 3 13 <base64>`), as the fixture world prints them.
pub fn load_trust_anchors(path: &std::path::Path) -> Result<TrustAnchors, Error> {
    let fail = |message: String| Error::TrustAnchor {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|err| fail(err.to_string()))?;
    // hickory counts only root keys in `len`, so check for a record before parsing.
    if !text.to_ascii_uppercase().contains("DNSKEY") {
        return Err(fail("no DNSKEY record found".to_owned()));
    }
    let anchors: TrustAnchors =
        text.parse()
            .map_err(|err: hickory_resolver::proto::serialize::txt::ParseError| {
                fail(err.to_string())
            })?;
    Ok(anchors)
}

/// The run's network access; cheap to share behind an `Arc`.
pub struct Network {
    settings: NetSettings,
    resolver: TokioResolver,
    validating_resolver: TokioResolver,
    roots: Arc<rustls::RootCertStore>,
    http_tls: Arc<rustls::ClientConfig>,
    limits: Limits,
}

impl fmt::Debug for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Network")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Network {
    /// Builds the layer: loads the roots and CA files, builds the resolvers.
    pub fn new(settings: NetSettings) -> Result<Network, Error> {
        if settings.max_concurrency == 0 || settings.per_host == 0 || settings.per_ip == 0 {
            return Err(Error::Settings(
                "concurrency bounds must be at least 1".to_owned(),
            ));
        }
        let roots = Arc::new(load_roots(&settings.ca_files)?);
        let http_tls = Arc::new(tls::http_client_config(roots.clone())?);
        let resolver = build_resolver(&settings, false)?;
        let validating_resolver = build_resolver(&settings, true)?;
        let limits = Limits {
            global: Arc::new(Semaphore::new(settings.max_concurrency)),
            per_host: Mutex::new(HashMap::new()),
            per_ip: Mutex::new(HashMap::new()),
        };
        Ok(Network {
            settings,
            resolver,
            validating_resolver,
            roots,
            http_tls,
            limits,
        })
    }

    /// The settings the layer was built with.
    pub fn settings(&self) -> &NetSettings {
        &self.settings
    }

    /// The resolver every probe shares (no DNSSEC validation, so a broken signature does not
    /// hide the records).
    pub fn resolver(&self) -> &TokioResolver {
        &self.resolver
    }

    /// A resolver that validates DNSSEC against the configured trust anchors: a bogus answer
    /// is an error from it.
    pub fn validating_resolver(&self) -> &TokioResolver {
        &self.validating_resolver
    }

    /// Where a connection to `host:port` really goes: the `--connect-to` substitution, then
    /// resolution, then the guard. Returns the addresses allowed, in order.
    pub async fn destinations(
        &self,
        host: &str,
        port: u16,
    ) -> Result<Vec<SocketAddr>, ProbeFailure> {
        let host = normalise_host(host);
        let (target, port) = self.substitute(&host, port);
        let ips = self.resolve_ips(target).await?;
        self.guarded(&host, target, ips, port)
    }

    /// Where a connection to `host:port` over IPv6 goes. The host's AAAA addresses, unless a
    /// `--connect-to` rule matches: a rule to a name or an IPv6 address is followed (its AAAA
    /// addresses); a rule to an IPv4 address says nothing about IPv6, so the host's own AAAA
    /// addresses are kept and only the rule's port is taken (a proxy or test server listening
    /// on both families on the same port).
    pub async fn destinations_ipv6(
        &self,
        host: &str,
        port: u16,
    ) -> Result<Vec<SocketAddr>, ProbeFailure> {
        let host = normalise_host(host);
        let (substituted, port) = self.substitute(&host, port);
        let target = match substituted.parse::<IpAddr>() {
            Ok(IpAddr::V4(_)) => host.as_str(),
            _ => substituted,
        };
        let ips = match target.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => self.resolve_ipv6(target).await?,
        };
        self.guarded(&host, target, ips, port)
    }

    fn substitute<'a>(&'a self, host: &'a str, port: u16) -> (&'a str, u16) {
        self.settings
            .connect_to
            .iter()
            .find_map(|rule| rule.apply(host, port))
            .unwrap_or((host, port))
    }

    /// The addresses the private-address guard lets through, or why none is left.
    fn guarded(
        &self,
        host: &str,
        target: &str,
        ips: Vec<IpAddr>,
        port: u16,
    ) -> Result<Vec<SocketAddr>, ProbeFailure> {
        let mut allowed = Vec::new();
        let mut refused = Vec::new();
        for ip in ips {
            match guard::non_public_reason(ip) {
                Some(reason) if !self.settings.allow_private => {
                    refused.push(format!("{ip} is {reason}"))
                }
                _ => allowed.push(SocketAddr::new(ip, port)),
            }
        }
        if allowed.is_empty() {
            let reason = if refused.is_empty() {
                format!("{target} has no address")
            } else {
                format!("{host}: {}", refused.join(", "))
            };
            return Err(ProbeFailure::Blocked { reason });
        }
        Ok(allowed)
    }

    async fn resolve_ipv6(&self, target: &str) -> Result<Vec<IpAddr>, ProbeFailure> {
        let lookup = self
            .resolver
            .lookup(
                format!("{}.", target.trim_end_matches('.')),
                hickory_resolver::proto::rr::RecordType::AAAA,
            )
            .await
            .map_err(|err| ProbeFailure::Dns {
                message: format!("{target}: {err}"),
            })?;
        let ips: Vec<IpAddr> = lookup
            .answers()
            .iter()
            .filter_map(|record| match &record.data {
                hickory_resolver::proto::rr::RData::AAAA(aaaa) => Some(IpAddr::V6(aaaa.0)),
                _ => None,
            })
            .collect();
        if ips.is_empty() {
            return Err(ProbeFailure::Dns {
                message: format!("{target}: no AAAA record"),
            });
        }
        Ok(ips)
    }

    async fn resolve_ips(&self, target: &str) -> Result<Vec<IpAddr>, ProbeFailure> {
        if let Ok(ip) = target.parse::<IpAddr>() {
            return Ok(vec![ip]);
        }
        let lookup = self
            .resolver
            .lookup_ip(format!("{}.", target.trim_end_matches('.')))
            .await
            .map_err(|err| ProbeFailure::Dns {
                message: format!("{target}: {err}"),
            })?;
        let ips: Vec<IpAddr> = lookup.iter().collect();
        if ips.is_empty() {
            return Err(ProbeFailure::Dns {
                message: format!("{target}: no A or AAAA record"),
            });
        }
        Ok(ips)
    }

    /// Connects to `host:port` as every probe does (see [`Network::destinations`]).
    async fn connect_host(&self, host: &str, port: u16) -> Result<Connection, ProbeFailure> {
        let addrs = self.destinations(host, port).await?;
        self.connect_to_any(host, addrs).await
    }

    /// Connects to the first of `addrs` that answers (two tried at most), under the host's,
    /// the address's and the run's bounds.
    async fn connect_to_any(
        &self,
        host: &str,
        addrs: Vec<SocketAddr>,
    ) -> Result<Connection, ProbeFailure> {
        let host_permit = self
            .limits
            .host(&normalise_host(host), self.settings.per_host)
            .await?;
        let mut last_error = None;
        // Two addresses at most: enough to get past one dead address family.
        for addr in addrs.into_iter().take(2) {
            let ip_permit = self.limits.ip(addr.ip(), self.settings.per_ip).await?;
            let global = self
                .limits
                .global
                .clone()
                .acquire_owned()
                .await
                .map_err(closed)?;
            match tokio::time::timeout(self.settings.connect_timeout, TcpStream::connect(addr))
                .await
            {
                Ok(Ok(stream)) => {
                    // Requests are small and written at once; waiting for ACKs only adds delay.
                    let _ = stream.set_nodelay(true);
                    return Ok(Connection {
                        stream,
                        peer: addr,
                        permits: vec![host_permit, ip_permit, global],
                    });
                }
                Ok(Err(err)) => last_error = Some(map_io(&err)),
                Err(_) => last_error = Some(ProbeFailure::timeout(self.settings.connect_timeout)),
            }
        }
        Err(last_error.unwrap_or(ProbeFailure::Other {
            message: "no address to connect to".to_owned(),
        }))
    }
}

impl Connect for Network {
    fn connect<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> BoxFuture<'a, Result<Connection, ProbeFailure>> {
        Box::pin(self.connect_host(host, port))
    }

    fn connect_ipv6<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> BoxFuture<'a, Result<Connection, ProbeFailure>> {
        Box::pin(async move {
            let addrs = self.destinations_ipv6(host, port).await?;
            self.connect_to_any(host, addrs).await
        })
    }

    fn handshake_timeout(&self) -> Duration {
        self.settings.tls_timeout
    }

    fn roots(&self) -> Arc<rustls::RootCertStore> {
        self.roots.clone()
    }
}

/// The concurrency bounds: one semaphore for the run, one per host name, one per address.
struct Limits {
    global: Arc<Semaphore>,
    per_host: Mutex<HashMap<String, Arc<Semaphore>>>,
    per_ip: Mutex<HashMap<IpAddr, Arc<Semaphore>>>,
}

impl Limits {
    async fn host(&self, host: &str, bound: usize) -> Result<OwnedSemaphorePermit, ProbeFailure> {
        let semaphore = keyed(&self.per_host, host.to_owned(), bound);
        semaphore.acquire_owned().await.map_err(closed)
    }

    async fn ip(&self, ip: IpAddr, bound: usize) -> Result<OwnedSemaphorePermit, ProbeFailure> {
        let semaphore = keyed(&self.per_ip, ip, bound);
        semaphore.acquire_owned().await.map_err(closed)
    }
}

fn keyed<K: std::hash::Hash + Eq>(
    map: &Mutex<HashMap<K, Arc<Semaphore>>>,
    key: K,
    bound: usize,
) -> Arc<Semaphore> {
    // A poisoned map only means another task panicked while inserting; the map is still usable.
    let mut map = map
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    map.entry(key)
        .or_insert_with(|| Arc::new(Semaphore::new(bound)))
        .clone()
}

fn closed(_: tokio::sync::AcquireError) -> ProbeFailure {
    ProbeFailure::Other {
        message: "internal error: concurrency limiter closed".to_owned(),
    }
}

/// Lower case, no brackets, no trailing dot: the key of a host in maps and rules.
fn normalise_host(host: &str) -> String {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

fn build_resolver(settings: &NetSettings, validate: bool) -> Result<TokioResolver, Error> {
    let config = match settings.dns_server {
        Some(server) => {
            let mut udp = ConnectionConfig::udp();
            udp.port = server.port();
            let mut tcp = ConnectionConfig::tcp();
            tcp.port = server.port();
            ResolverConfig::from_name_servers(vec![NameServerConfig::new(
                server.ip(),
                true,
                vec![udp, tcp],
            )])
        }
        None => match hickory_resolver::system_conf::read_system_conf() {
            Ok((config, _)) => config,
            Err(err) => {
                // Without a system resolver every lookup fails and says so; runs that only use
                // --connect-to or IP addresses still work.
                tracing::warn!("no system DNS configuration ({err}); name lookups will fail");
                ResolverConfig::from_name_servers(Vec::new())
            }
        },
    };
    let mut opts = ResolverOpts::default();
    opts.timeout = settings.dns_timeout;
    opts.attempts = 2;
    opts.use_hosts_file = ResolveHosts::Never;
    opts.validate = validate;
    opts.edns0 = true;
    let mut builder = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
        .with_options(opts);
    if validate && let Some(anchors) = &settings.dnssec_trust_anchor {
        builder = builder.with_trust_anchor(anchors.clone());
    }
    builder
        .build()
        .map_err(|err| Error::Resolver(err.to_string()))
}

/// Classifies an I/O error from a connection or a TLS stream.
pub(crate) fn map_io(err: &std::io::Error) -> ProbeFailure {
    use std::io::ErrorKind;
    if let Some(tls) = err
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        return ProbeFailure::Tls {
            message: tls.to_string(),
        };
    }
    match err.kind() {
        ErrorKind::ConnectionRefused => ProbeFailure::Refused,
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe => {
            ProbeFailure::Reset
        }
        ErrorKind::TimedOut => ProbeFailure::Other {
            message: format!("timed out: {err}"),
        },
        _ => ProbeFailure::Other {
            message: err.to_string(),
        },
    }
}
