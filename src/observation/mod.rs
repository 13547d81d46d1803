//! The observation record: everything the probes saw during one run, as plain data.
//!
//! Failing to observe is data too (`Observed::Failed`), so a member whose server timed out still
//! gets a report, full of `inconclusive` findings that say why. The record is serialisable:
//! `--save-observations` writes it and `--replay` judges it again with no network, as of the
//! original run's start time. Maps are `BTreeMap`s so the output is deterministic.
//!
//! One submodule per probe family holds that family's types.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub mod dns;
pub mod documents;
pub mod http;
pub mod mail;
pub mod page;
pub mod software;
pub mod tls;

pub use dns::DnsRecords;
pub use documents::DocumentObservation;
pub use http::HttpExchange;
pub use mail::MailObservation;
pub use page::PageResources;
pub use software::SoftwareObservation;
pub use tls::{LegacyProtocols, TlsHandshake};

/// Version of the observation record's layout; bumped when a replay of an older file would
/// mean something different.
pub const OBSERVATIONS_VERSION: u32 = 1;

/// Everything the probes saw during one run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Observations {
    /// Layout version, see [`OBSERVATIONS_VERSION`].
    pub version: u32,
    /// When the run started: the clock every check uses, so a replay judges as of then.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// DNS answers per name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dns: BTreeMap<String, Observed<DnsRecords>>,
    /// TLS handshakes per `host:port`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tls: BTreeMap<String, Observed<TlsHandshake>>,
    /// TLS handshakes per `host:port` made to one of the host's IPv6 (AAAA) addresses, for
    /// the IPv6 reachability check. Recorded only for hosts that publish AAAA records.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tls_ipv6: BTreeMap<String, Observed<TlsHandshake>>,
    /// Legacy protocol versions (SSL 3, TLS 1.0, 1.1) accepted per `host:port`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub legacy_tls: BTreeMap<String, Observed<LegacyProtocols>>,
    /// HTTP exchanges per requested URL (redirects followed and recorded).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub http: BTreeMap<String, Observed<HttpExchange>>,
    /// Resources a page makes a browser load, per page URL.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pages: BTreeMap<String, Observed<PageResources>>,
    /// Mail transport facts per mail domain.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub mail: BTreeMap<String, Observed<MailObservation>>,
    /// Software detected per service base URL.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub software: BTreeMap<String, Observed<SoftwareObservation>>,
    /// Transparency documents found and read, per member id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub documents: BTreeMap<String, Vec<DocumentObservation>>,
}

impl Observations {
    /// An empty record for a run starting at `started_at`.
    pub fn new(started_at: OffsetDateTime) -> Self {
        Self {
            version: OBSERVATIONS_VERSION,
            started_at,
            dns: BTreeMap::new(),
            tls: BTreeMap::new(),
            tls_ipv6: BTreeMap::new(),
            legacy_tls: BTreeMap::new(),
            http: BTreeMap::new(),
            pages: BTreeMap::new(),
            mail: BTreeMap::new(),
            software: BTreeMap::new(),
            documents: BTreeMap::new(),
        }
    }
}

/// A measurement, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Observed<T> {
    /// What was seen.
    Seen(T),
    /// Why nothing could be seen.
    Failed(ProbeFailure),
}

impl<T> Observed<T> {
    /// The measurement, if there is one.
    pub fn seen(&self) -> Option<&T> {
        match self {
            Observed::Seen(value) => Some(value),
            Observed::Failed(_) => None,
        }
    }

    /// The failure, if there is one.
    pub fn failure(&self) -> Option<&ProbeFailure> {
        match self {
            Observed::Seen(_) => None,
            Observed::Failed(failure) => Some(failure),
        }
    }
}

/// Why a probe could not observe: a fact about the member's side (or about the private-address
/// guard), never a fault of the tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProbeFailure {
    /// The target resolves to a loopback, private or otherwise non-public address and
    /// `--allow-private` was not given.
    #[error("refused by the private-address guard: {reason}")]
    Blocked {
        /// Which address and why.
        reason: String,
    },
    /// The name could not be resolved.
    #[error("DNS resolution failed: {message}")]
    Dns {
        /// The resolver's message (NXDOMAIN, SERVFAIL, timeout…).
        message: String,
    },
    /// The connection was refused.
    #[error("connection refused")]
    Refused,
    /// The connection was reset by the peer.
    #[error("connection reset by peer")]
    Reset,
    /// No answer within the budget.
    #[error("timed out after {after_ms} ms")]
    Timeout {
        /// The budget that ran out, in milliseconds.
        after_ms: u64,
    },
    /// The TLS handshake failed.
    #[error("TLS handshake failed: {message}")]
    Tls {
        /// What the TLS stack said.
        message: String,
    },
    /// The response was larger than the cap.
    #[error("response larger than {limit_bytes} bytes")]
    TooLarge {
        /// The cap, in bytes.
        limit_bytes: u64,
    },
    /// More redirects than allowed, or a loop.
    #[error("too many redirects ({count})")]
    TooManyRedirects {
        /// Redirects followed before giving up.
        count: u32,
    },
    /// The peer spoke, but not the expected protocol.
    #[error("protocol error: {message}")]
    Protocol {
        /// What was wrong.
        message: String,
    },
    /// Anything else on the member's side, with the message.
    #[error("{message}")]
    Other {
        /// What happened.
        message: String,
    },
}

impl ProbeFailure {
    /// The failure in French, for French reports. What a resolver, TLS stack or server said is
    /// quoted as it was said.
    pub fn in_french(&self) -> String {
        match self {
            ProbeFailure::Blocked { reason } => {
                format!("refusé par la protection des adresses privées : {reason}")
            }
            ProbeFailure::Dns { message } => format!("échec de la résolution DNS : {message}"),
            ProbeFailure::Refused => "connexion refusée".to_owned(),
            ProbeFailure::Reset => "connexion réinitialisée par le serveur".to_owned(),
            ProbeFailure::Timeout { after_ms } => {
                format!("pas de réponse au bout de {after_ms} ms")
            }
            ProbeFailure::Tls { message } => format!("échec de la négociation TLS : {message}"),
            ProbeFailure::TooLarge { limit_bytes } => {
                format!("réponse de plus de {limit_bytes} octets")
            }
            ProbeFailure::TooManyRedirects { count } => {
                format!("trop de redirections ({count})")
            }
            ProbeFailure::Protocol { message } => format!("erreur de protocole : {message}"),
            ProbeFailure::Other { message } => message.clone(),
        }
    }

    /// A timeout failure from a duration.
    pub fn timeout(after: Duration) -> Self {
        ProbeFailure::Timeout {
            after_ms: u64::try_from(after.as_millis()).unwrap_or(u64::MAX),
        }
    }
}
