//! Benchmark baseline: raw rustls handshakes per second against the world's TLS server, the
//! ceiling any TLS probe of the auditor can reach on this machine.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::RootCertStore;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::task::JoinSet;
use tokio_rustls::TlsConnector;

use super::Error;

/// What a baseline run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct HandshakeStats {
    /// Handshakes that completed.
    pub completed: usize,
    /// Handshakes that failed (connect, TLS or timeout).
    pub failed: usize,
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl HandshakeStats {
    /// Completed handshakes per second of wall time.
    pub fn per_second(&self) -> f64 {
        self.completed as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

/// Runs `count` full TLS handshakes (new TCP connection each, no session resumption) to
/// `addr` with SNI `server_name`, trusting `roots`, `concurrency` at a time.
pub async fn handshake_baseline(
    addr: SocketAddr,
    server_name: &str,
    roots: &[CertificateDer<'static>],
    count: usize,
    concurrency: usize,
) -> Result<HandshakeStats, Error> {
    let mut store = RootCertStore::empty();
    for root in roots {
        store
            .add(root.clone())
            .map_err(|e| Error::Pki(format!("root certificate: {e}")))?;
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| Error::Pki(e.to_string()))?
    .with_root_certificates(store)
    .with_no_client_auth();
    config.resumption = rustls::client::Resumption::disabled();
    let connector = TlsConnector::from(Arc::new(config));
    let name = ServerName::try_from(server_name.to_owned())
        .map_err(|e| Error::Description(format!("server name `{server_name}`: {e}")))?;
    let start = Instant::now();
    let (mut completed, mut failed, mut launched) = (0, 0, 0);
    let mut running = JoinSet::new();
    while completed + failed < count {
        while launched < count && running.len() < concurrency.max(1) {
            launched += 1;
            let (connector, name) = (connector.clone(), name.clone());
            running.spawn(async move {
                let attempt = async {
                    let tcp = tokio::net::TcpStream::connect(addr).await.ok()?;
                    connector.connect(name, tcp).await.ok()
                };
                matches!(
                    tokio::time::timeout(Duration::from_secs(10), attempt).await,
                    Ok(Some(_))
                )
            });
        }
        match running.join_next().await {
            Some(Ok(true)) => completed += 1,
            Some(_) => failed += 1,
            None => break,
        }
    }
    Ok(HandshakeStats {
        completed,
        failed,
        elapsed: start.elapsed(),
    })
}

/// The baseline and the audit's own TLS probe, measured against the same listener of one
/// generated world: how close the probe (recording verifier, x509 parsing, the network
/// layer's guard and bounds) comes to bare rustls.
pub struct ProbeComparison {
    /// Bare rustls handshakes.
    pub baseline: HandshakeStats,
    /// `probe::tls::observe` through `net::Network`.
    pub probe: HandshakeStats,
}

/// Starts a one-host generated world and measures [`handshake_baseline`] and then the TLS
/// probe, `count` handshakes each with `concurrency` in flight. The network layer's per-host
/// and per-address politeness bounds are raised to `concurrency` for the measurement, since
/// they limit how hard we knock, not how fast the probe is.
pub async fn probe_against_baseline(
    count: usize,
    concurrency: usize,
) -> Result<ProbeComparison, Error> {
    use futures_util::StreamExt;

    let (description, members) = super::generate(1, 1);
    let world = super::World::start_description(description, super::Members::Text(members)).await?;
    let result = async {
        let settings = world.settings().clone();
        let addr = world
            .address_of("s0.m0.test", 443)
            .ok_or_else(|| Error::Description("generated host s0.m0.test missing".into()))?;
        let pem = std::fs::read(&settings.ca_file).map_err(|source| Error::Io {
            path: settings.ca_file.clone(),
            source,
        })?;
        let roots: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut pem.as_slice())
            .filter_map(Result::ok)
            .collect();
        let baseline = handshake_baseline(addr, "s0.m0.test", &roots, count, concurrency).await?;

        let net_settings = crate::net::NetSettings {
            dns_server: Some(settings.dns_server),
            connect_to: settings
                .connect_to
                .iter()
                .filter_map(|rule| rule.parse().ok())
                .collect(),
            ca_files: vec![settings.ca_file.clone()],
            allow_private: true,
            max_concurrency: concurrency.max(1),
            per_host: concurrency.max(1),
            per_ip: concurrency.max(1),
            ..crate::net::NetSettings::default()
        };
        let net = crate::net::Network::new(net_settings)
            .map_err(|e| Error::Description(format!("network layer: {e}")))?;
        let start = Instant::now();
        let outcomes: Vec<bool> = futures_util::stream::iter(0..count)
            .map(|_| async {
                crate::probe::tls::observe(&net, "s0.m0.test", 443)
                    .await
                    .seen()
                    .is_some()
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
        let completed = outcomes.iter().filter(|ok| **ok).count();
        let probe = HandshakeStats {
            completed,
            failed: outcomes.len() - completed,
            elapsed: start.elapsed(),
        };
        Ok(ProbeComparison { baseline, probe })
    }
    .await;
    world.shutdown().await;
    result
}
