//! The loopback fixture world: a simulated collective of hosters that runs entirely on
//! 127.0.0.1 (and `[::1]` for hosts that answer over IPv6), with no root and no internet, for the demo command, the integration tests and
//! the benchmarks. Nothing in the audit path imports this module.
//!
//! A world is described by YAML files (`fixtures/world/hosts/*.yaml`, format in [`desc`]) and
//! started in-process with [`World::start`]. It runs:
//! - a private PKI ([`pki`]): root, intermediate, a leaf per host and certificate profile;
//!   the root PEM is written to a temp dir for `--ca-file`;
//! - an authoritative DNS server for the `.test` zones ([`dns`]), one zone family signed
//!   with DNSSEC, and zones that answer SERVFAIL or never answer;
//! - one HTTPS listener shared by ordinary hosts (certificate and TLS versions per SNI) and
//!   one plain-HTTP listener ([`web`]); hosts with transport faults or legacy TLS get their
//!   own listeners ([`raw`]); the weak-key host is `openssl s_server` ([`weak`]);
//! - SMTP with or without STARTTLS, submissions and IMAPS greeters ([`smtp`]).
//!
//! [`RunningWorld::settings`] gives what the auditor needs (`--dns-server`, `--connect-to`,
//! `--ca-file`, `--allow-private`); [`RunningWorld::shutdown`] stops every task, child
//! process and port.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::Child;
use tokio::task::{JoinHandle, JoinSet};

pub mod bench;
pub mod desc;
pub mod dns;
pub mod generate;
pub mod pki;
pub mod raw;
pub mod smtp;
pub mod weak;
pub mod web;

pub use desc::{CertProfile, Fault, HostDesc, Ipv6, TlsVersions, WorldDescription, ZoneBehaviour};
pub use dns::TrustAnchor;
pub use generate::generate;

/// Why the world could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The world description is invalid.
    #[error("invalid world description:\n{0}")]
    Description(String),
    /// Certificate generation or TLS configuration failed.
    #[error("PKI: {0}")]
    Pki(String),
    /// The DNS server could not be set up.
    #[error("DNS: {0}")]
    Dns(String),
    /// A loopback port could not be bound.
    #[error("cannot bind a loopback port: {0}")]
    Bind(String),
    /// The `openssl` command failed.
    #[error("{0}")]
    Openssl(String),
}

/// What the auditor needs to reach the world.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// The world's DNS server (UDP and TCP).
    pub dns_server: SocketAddr,
    /// curl-style overrides `HOST:PORT:127.0.0.1:REALPORT`, one per (host, role port).
    pub connect_to: Vec<String>,
    /// PEM file of the world's root CA.
    pub ca_file: PathBuf,
    /// Always true: every server is on loopback.
    pub allow_private: bool,
    /// Public key of the signed zones, when any.
    pub dnssec_trust_anchor: Option<TrustAnchor>,
    /// The same anchor as DNSKEY records in a file, for `--dnssec-trust-anchor`.
    pub dnssec_trust_anchor_file: Option<PathBuf>,
    /// The members file describing the world's chatons.
    pub members_file: PathBuf,
}

impl Settings {
    /// The auditor's command-line flags for this world.
    pub fn to_flags(&self) -> Vec<String> {
        let mut flags = vec!["--dns-server".to_owned(), self.dns_server.to_string()];
        for c in &self.connect_to {
            flags.push("--connect-to".to_owned());
            flags.push(c.clone());
        }
        flags.push("--ca-file".to_owned());
        flags.push(self.ca_file.display().to_string());
        if let Some(anchor) = &self.dnssec_trust_anchor_file {
            flags.push("--dnssec-trust-anchor".to_owned());
            flags.push(anchor.display().to_string());
        }
        if self.allow_private {
            flags.push("--allow-private".to_owned());
        }
        flags
    }

    /// The flags as one shell-ready line (every argument single-quoted when needed).
    pub fn to_shell(&self) -> String {
        self.to_flags()
            .iter()
            .map(|f| {
                if f.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:=@".contains(c))
                {
                    f.clone()
                } else {
                    format!("'{}'", f.replace('\'', r"'\''"))
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Where the members file of a world comes from.
#[derive(Debug, Clone)]
pub enum Members {
    /// An existing file (e.g. `fixtures/world/members.yaml`).
    File(PathBuf),
    /// Text written to the world's temp dir as `members.yaml` (generated worlds).
    Text(String),
}

/// Entry points.
pub struct World;

impl World {
    /// Loads `dir/hosts/*.yaml` and starts the world; the members file is `dir/members.yaml`.
    pub async fn start(dir: &Path) -> Result<RunningWorld, Error> {
        let description = WorldDescription::load(dir)?;
        Self::start_description(description, Members::File(dir.join("members.yaml"))).await
    }

    /// Starts a world from a description (e.g. from [`generate()`]).
    pub async fn start_description(
        description: WorldDescription,
        members: Members,
    ) -> Result<RunningWorld, Error> {
        let temp = make_temp_dir()?;
        let mut world = RunningWorld {
            settings: None,
            tasks: Vec::new(),
            dns: None,
            children: Vec::new(),
            temp: temp.clone(),
            ports: Vec::new(),
            skipped: Vec::new(),
            ipv6_unavailable: None,
        };
        match build(&description, members, &mut world).await {
            Ok(settings) => {
                world.settings = Some(settings);
                Ok(world)
            }
            Err(e) => {
                world.shutdown().await;
                Err(e)
            }
        }
    }
}

/// A started world. Call [`RunningWorld::shutdown`] to stop it.
pub struct RunningWorld {
    settings: Option<Settings>,
    tasks: Vec<JoinHandle<()>>,
    dns: Option<dns::DnsServer>,
    children: Vec<Child>,
    temp: PathBuf,
    ports: Vec<u16>,
    skipped: Vec<String>,
    ipv6_unavailable: Option<String>,
}

impl RunningWorld {
    /// What the auditor needs.
    pub fn settings(&self) -> &Settings {
        self.settings
            .as_ref()
            .expect("internal error: a returned world always has settings")
    }

    /// Every loopback port the world listens on (TCP; the DNS port also on UDP).
    pub fn ports(&self) -> &[u16] {
        &self.ports
    }

    /// Hosts that could not be started, with the reason (e.g. no `openssl` command).
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }

    /// Why hosts with `ipv6: true` answer on IPv4 only, when `[::1]` could not be bound (a
    /// machine without an IPv6 loopback); `None` when they answer on both.
    pub fn ipv6_unavailable(&self) -> Option<&str> {
        self.ipv6_unavailable.as_deref()
    }

    /// The real address serving `host` on role `port` (from the connect-to table).
    pub fn address_of(&self, host: &str, port: u16) -> Option<SocketAddr> {
        let prefix = format!("{}:{port}:", host.to_ascii_lowercase());
        self.settings()
            .connect_to
            .iter()
            .find_map(|c| c.strip_prefix(&prefix))
            .and_then(|rest| rest.parse().ok())
    }

    /// Stops every task, closes every port, kills child processes, removes the temp dir.
    pub async fn shutdown(mut self) {
        for task in &self.tasks {
            task.abort();
        }
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
        if let Some(dns) = self.dns.take() {
            dns.shutdown().await;
        }
        for mut child in self.children.drain(..) {
            let _ = child.kill().await;
        }
        let _ = std::fs::remove_dir_all(&self.temp);
    }
}

fn make_temp_dir() -> Result<PathBuf, Error> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("chatons-world-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
        path: dir.clone(),
        source,
    })?;
    Ok(dir)
}

async fn bind() -> Result<(TcpListener, u16), Error> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| Error::Bind(e.to_string()))?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::Bind(e.to_string()))?
        .port();
    Ok((listener, port))
}

/// Listeners on one port number: 127.0.0.1 always, `[::1]` too when `ipv6` is asked and the
/// machine has an IPv6 loopback. The same number on both, because the auditor's `--connect-to`
/// rules name an IPv4 address and a port, and its IPv6 probe keeps the port (see
/// `Network::destinations_ipv6`).
struct Bound {
    listeners: Vec<TcpListener>,
    port: u16,
}

/// Attempts at finding a port free on both loopbacks before giving up.
const DUAL_BIND_ATTEMPTS: usize = 64;

async fn bind_for(ipv6: bool, running: &mut RunningWorld) -> Result<Bound, Error> {
    if !ipv6 || running.ipv6_unavailable.is_some() {
        let (listener, port) = bind().await?;
        return Ok(Bound {
            listeners: vec![listener],
            port,
        });
    }
    let mut last_error = None;
    for _ in 0..DUAL_BIND_ATTEMPTS {
        let (v4, port) = bind().await?;
        match TcpListener::bind((std::net::Ipv6Addr::LOCALHOST, port)).await {
            Ok(v6) => {
                return Ok(Bound {
                    listeners: vec![v4, v6],
                    port,
                });
            }
            // Someone holds this port on ::1: try another number.
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => last_error = Some(e),
            Err(e) => {
                let why =
                    format!("IPv6: cannot listen on [::1] ({e}); every host answers on IPv4 only");
                eprintln!("world: {why}");
                running.skipped.push(why.clone());
                running.ipv6_unavailable = Some(why);
                return Ok(Bound {
                    listeners: vec![v4],
                    port,
                });
            }
        }
    }
    Err(Error::Bind(format!(
        "no port free on both 127.0.0.1 and [::1] after {DUAL_BIND_ATTEMPTS} attempts: {}",
        last_error.map_or_else(String::new, |e| e.to_string())
    )))
}

/// One shared listener (per role) for the `hosts` that do, or do not, answer over IPv6;
/// records where each host's `role` port went.
async fn serve_shared<F, Fut>(
    (hosts, role): (&[(String, bool)], u16),
    serves_ipv6: bool,
    running: &mut RunningWorld,
    connect_to: &mut Vec<(String, u16, u16)>,
    handler: F,
) -> Result<(), Error>
where
    F: Fn(TcpStream) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let names: Vec<&String> = hosts
        .iter()
        .filter(|(_, v6)| *v6 == serves_ipv6)
        .map(|(name, _)| name)
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    let bound = bind_for(serves_ipv6, running).await?;
    let port = serve(bound, running, handler);
    connect_to.extend(names.into_iter().map(|name| (name.clone(), role, port)));
    Ok(())
}

/// Serves every listener of `bound` with `handler`; returns the port.
fn serve<F, Fut>(bound: Bound, running: &mut RunningWorld, handler: F) -> u16
where
    F: Fn(TcpStream) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    running.ports.push(bound.port);
    for listener in bound.listeners {
        running
            .tasks
            .push(spawn_accept_loop(listener, handler.clone()));
    }
    bound.port
}

/// Accepts connections until aborted. Connection tasks live in a `JoinSet` owned by this
/// loop, so aborting the loop also aborts every open connection.
fn spawn_accept_loop<F, Fut>(listener: TcpListener, handler: F) -> JoinHandle<()>
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        let _ = stream.set_nodelay(true);
                        connections.spawn(handler(stream));
                    }
                    // Out of descriptors and the like: back off instead of spinning.
                    Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
    })
}

/// The role ports the auditor asks for.
const HTTPS: u16 = 443;
const HTTP: u16 = 80;
const SMTP: u16 = 25;
const SUBMISSION: u16 = 587;
const SUBMISSIONS: u16 = 465;
const IMAPS: u16 = 993;

async fn build(
    world: &WorldDescription,
    members: Members,
    running: &mut RunningWorld,
) -> Result<Settings, Error> {
    world.validate()?;
    let temp = running.temp.clone();
    let mut pki = pki::Pki::generate()?;
    let ca_file = temp.join("world-ca.pem");
    std::fs::write(&ca_file, pki.root_pem()).map_err(|source| Error::Io {
        path: ca_file.clone(),
        source,
    })?;
    let members_file = match members {
        Members::File(path) => path,
        Members::Text(text) => {
            let path = temp.join("members.yaml");
            std::fs::write(&path, text).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            path
        }
    };

    let mut connect_to: Vec<(String, u16, u16)> = Vec::new();
    // Zone lines per zone, from hosts.
    let mut zone_lines: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut shared_sites: HashMap<String, Arc<web::Site>> = HashMap::new();
    // Hosts served by the shared HTTPS and HTTP listeners, with whether they answer on IPv6.
    let mut shared_https: Vec<(String, bool)> = Vec::new();
    let mut shared_http: Vec<(String, bool)> = Vec::new();
    let openssl = weak::openssl_available().await;

    for host in &world.hosts {
        let name = host.name.to_ascii_lowercase();
        let zone = world.zone_of(&name);
        let lines = zone_lines.entry(zone).or_default();
        if !host.no_dns {
            lines.push(format!("{name}. IN A 127.0.0.1"));
            if host.ipv6.published() {
                lines.push(format!("{name}. IN AAAA ::1"));
            }
        }
        let weak_key = host.cert == CertProfile::WeakRsa1024Sha1;
        let leaf = if weak_key {
            // Only used by other roles (SMTP…) of the weak host: they get a valid leaf.
            pki.leaf(&name, CertProfile::Valid)?
        } else {
            pki.leaf(&name, host.cert)?
        };
        let versions = host.https.as_ref().map(|h| h.tls).unwrap_or_default();
        let tls = web::tls_config(&leaf, versions)?;
        if host.tlsa && host.https.is_some() {
            lines.push(format!(
                "_443._tcp.{name}. IN TLSA 3 1 1 {}",
                pki::hex(&leaf.spki_sha256)
            ));
        }
        let serves_ipv6 = host.ipv6 == Ipv6::Serving;
        let site_tls = host.https.as_ref().map(|_| tls.clone());
        let site = Arc::new(web::Site::build(world, host, site_tls)?);
        if host.http.is_some() {
            shared_http.push((name.clone(), serves_ipv6));
        }
        if let Some(https) = &host.https {
            match (https.fault.filter(|f| f.is_transport()), https.tls) {
                _ if weak_key => {
                    if !openssl {
                        let why = format!(
                            "{name}: skipped (weak-rsa1024-sha1 needs the `openssl` command, not found)"
                        );
                        eprintln!("world: {why}");
                        running.skipped.push(why);
                    } else {
                        let (child, addr) = weak::start(&name, &pki, &temp).await?;
                        running.children.push(child);
                        running.ports.push(addr.port());
                        connect_to.push((name.clone(), HTTPS, addr.port()));
                    }
                }
                (Some(fault), _) => {
                    let bound = bind_for(serves_ipv6, running).await?;
                    let port = serve(bound, running, move |tcp| raw::fault_connection(tcp, fault));
                    connect_to.push((name.clone(), HTTPS, port));
                }
                (None, TlsVersions::Legacy) => {
                    let chain: Arc<Vec<Vec<u8>>> =
                        Arc::new(leaf.chain.iter().map(|c| c.to_vec()).collect());
                    let site = site.clone();
                    let bound = bind_for(serves_ipv6, running).await?;
                    let port = serve(bound, running, move |tcp| {
                        raw::legacy_connection(tcp, site.clone(), chain.clone())
                    });
                    connect_to.push((name.clone(), HTTPS, port));
                }
                (None, _) => shared_https.push((name.clone(), serves_ipv6)),
            }
        }
        shared_sites.insert(name.clone(), site);

        if let Some(smtp_desc) = &host.smtp {
            let cert = smtp_desc.cert.unwrap_or(if weak_key {
                CertProfile::Valid
            } else {
                host.cert
            });
            let smtp_leaf = pki.leaf(&name, cert)?;
            if host.tlsa {
                lines.push(format!(
                    "_25._tcp.{name}. IN TLSA 3 1 1 {}",
                    pki::hex(&smtp_leaf.spki_sha256)
                ));
            }
            let smtp_host = Arc::new(smtp::SmtpHost {
                name: name.clone(),
                starttls: if smtp_desc.starttls {
                    Some(web::tls_config(&smtp_leaf, TlsVersions::Both)?)
                } else {
                    None
                },
            });
            let bound = bind_for(serves_ipv6, running).await?;
            let port = serve(bound, running, move |tcp| {
                smtp::smtp_connection(tcp, smtp_host.clone())
            });
            connect_to.push((name.clone(), SMTP, port));
            connect_to.push((name.clone(), SUBMISSION, port));
        }
        for (enabled, role, imap) in [
            (host.submissions, SUBMISSIONS, false),
            (host.imaps, IMAPS, true),
        ] {
            if !enabled {
                continue;
            }
            let (name2, tls2) = (name.clone(), tls.clone());
            let bound = bind_for(serves_ipv6, running).await?;
            let port = serve(bound, running, move |tcp| {
                smtp::implicit_tls_connection(tcp, name2.clone(), tls2.clone(), imap)
            });
            connect_to.push((name.clone(), role, port));
        }
    }

    let sites: web::Sites = Arc::new(shared_sites);
    // Hosts that answer on IPv6 share a listener bound on both loopbacks; the others share
    // one on 127.0.0.1 only, so an IPv6 connection to them is refused.
    for serves_ipv6 in [true, false] {
        let https_sites = sites.clone();
        let https = (shared_https.as_slice(), HTTPS);
        serve_shared(https, serves_ipv6, running, &mut connect_to, move |tcp| {
            web::https_connection(tcp, https_sites.clone())
        })
        .await?;
        let http_sites = sites.clone();
        let http = (shared_http.as_slice(), HTTP);
        serve_shared(http, serves_ipv6, running, &mut connect_to, move |tcp| {
            web::http_connection(tcp, http_sites.clone())
        })
        .await?;
    }

    let mut zones: Vec<dns::ZoneSpec> = world
        .zones
        .iter()
        .map(|z| {
            let name = z.name.to_ascii_lowercase();
            let mut lines = zone_lines.remove(&name).unwrap_or_default();
            lines.extend(z.records.iter().cloned());
            dns::ZoneSpec {
                name,
                dnssec: z.dnssec,
                lines,
                behaviour: z.behaviour,
            }
        })
        .collect();
    zones.extend(zone_lines.into_iter().map(|(name, lines)| dns::ZoneSpec {
        name,
        dnssec: false,
        lines,
        behaviour: ZoneBehaviour::Answer,
    }));
    let dns = dns::start(zones).await?;
    running.ports.push(dns.addr.port());
    let dnssec_trust_anchor_file = match &dns.anchor {
        Some(anchor) => {
            let path = ca_file.with_file_name("world-dnssec-anchor.txt");
            let text = anchor.dnskey_records().join("\n") + "\n";
            std::fs::write(&path, text).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            Some(path)
        }
        None => None,
    };
    // A host kept out of DNS gets no override either: an override would let the auditor reach
    // it without resolving the name, which is exactly what the fault is meant to prevent.
    let unpublished: Vec<String> = world
        .hosts
        .iter()
        .filter(|h| h.no_dns)
        .map(|h| h.name.to_ascii_lowercase())
        .collect();
    let settings = Settings {
        dns_server: dns.addr,
        connect_to: connect_to
            .iter()
            .filter(|(host, _, _)| !unpublished.contains(host))
            .map(|(host, role, port)| format!("{host}:{role}:127.0.0.1:{port}"))
            .collect(),
        ca_file,
        allow_private: true,
        dnssec_trust_anchor: dns.anchor.clone(),
        dnssec_trust_anchor_file,
        members_file,
    };
    running.dns = Some(dns);
    Ok(settings)
}

/// `chatons-audit world serve`: starts the world in `dir`, prints the auditor's flags and
/// the members file, and waits for Ctrl-C.
pub async fn serve_until_ctrl_c(dir: &Path) -> Result<(), Error> {
    let world = World::start(dir).await?;
    serve_running(world, None).await
}

/// Like [`serve_until_ctrl_c`] for a description (e.g. from [`generate()`]). When
/// `settings_dir` is given, also writes there `flags` (the auditor's flags, one per line) and
/// `members-file` (the members file's path), for scripts such as `bench/run.sh`.
pub async fn serve_description_until_ctrl_c(
    description: WorldDescription,
    members: Members,
    settings_dir: Option<&Path>,
) -> Result<(), Error> {
    let world = World::start_description(description, members).await?;
    serve_running(world, settings_dir).await
}

fn write_settings(settings: &Settings, dir: &Path) -> Result<(), Error> {
    let mut flags = settings.to_flags().join("\n");
    flags.push('\n');
    // `members-file` last: scripts wait for it, so `flags` is complete by then.
    for (name, text) in [
        ("flags", flags),
        (
            "members-file",
            format!("{}\n", settings.members_file.display()),
        ),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|source| Error::Io { path, source })?;
    }
    Ok(())
}

async fn serve_running(world: RunningWorld, settings_dir: Option<&Path>) -> Result<(), Error> {
    let settings = world.settings().clone();
    println!("# fixture world running; audit it with:");
    println!(
        "chatons-audit audit {} {}",
        settings.members_file.display(),
        settings.to_shell()
    );
    if let Some(anchor) = &settings.dnssec_trust_anchor {
        for record in anchor.dnskey_records() {
            println!("# DNSSEC trust anchor: {record}");
        }
    }
    for why in world.skipped() {
        println!("# skipped: {why}");
    }
    if let Some(dir) = settings_dir
        && let Err(e) = write_settings(&settings, dir)
    {
        world.shutdown().await;
        return Err(e);
    }
    println!("# press Ctrl-C to stop");
    let _ = tokio::signal::ctrl_c().await;
    world.shutdown().await;
    Ok(())
}
