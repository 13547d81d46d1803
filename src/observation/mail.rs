//! Mail transport facts for one mail domain: SMTP sessions on each MX, the user-facing mail
//! endpoints when declared (IMAPS, submission), and the MTA-STS policy file.

use serde::{Deserialize, Serialize};

use super::tls::TlsHandshake;
use super::{Observed, ProbeFailure};

/// What the mail probe saw for one domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MailObservation {
    /// One entry per MX host, in MX preference order.
    #[serde(default)]
    pub exchangers: Vec<SmtpSession>,
    /// IMAPS (port 993, implicit TLS) on the declared IMAP host, when one is declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imaps: Option<TlsEndpoint>,
    /// Submission with implicit TLS (port 465) on the declared submission host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submissions: Option<TlsEndpoint>,
    /// Submission with STARTTLS (port 587) on the declared submission host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submission: Option<SmtpSession>,
    /// The MTA-STS policy file `https://mta-sts.<domain>/.well-known/mta-sts.txt`, fetched
    /// only when the `_mta-sts.<domain>` TXT record announces a policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mta_sts_policy: Option<Observed<MtaStsPolicy>>,
}

/// One SMTP session (port 25 on an MX, or 587 on a submission host).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpSession {
    /// The host connected to.
    pub host: String,
    /// The TCP port.
    #[serde(default = "smtp_port")]
    pub port: u16,
    /// The SMTP banner (all lines of the 220 greeting, joined by newlines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banner: Option<String>,
    /// The EHLO keywords advertised (upper-cased first word of each line, e.g. `STARTTLS`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ehlo_keywords: Vec<String>,
    /// Whether EHLO advertised STARTTLS.
    pub starttls_offered: bool,
    /// The STARTTLS handshake, when attempted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handshake: Option<Observed<TlsHandshake>>,
    /// SHA-512 digests of the STARTTLS chain, leaf first, for DANE records of matching type 2
    /// (the handshake keeps SHA-256 only). Empty when there was no handshake.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chain_sha512: Vec<Sha512Digests>,
    /// Why the session stopped before STARTTLS could be judged (connection, banner or EHLO
    /// failure). `None` when EHLO was answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<ProbeFailure>,
}

/// SHA-512 digests of one certificate (RFC 6698 matching type 2), lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Sha512Digests {
    /// SHA-512 of the certificate DER (selector 0).
    pub certificate: String,
    /// SHA-512 of the SubjectPublicKeyInfo DER (selector 1); empty if unparsable.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub spki: String,
}

fn smtp_port() -> u16 {
    25
}

/// An implicit-TLS endpoint (IMAPS, submissions) and its handshake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsEndpoint {
    /// The host connected to.
    pub host: String,
    /// The TCP port.
    pub port: u16,
    /// The handshake, or why there is none.
    pub handshake: Observed<TlsHandshake>,
}

/// An MTA-STS policy file (RFC 8461 section 3.2), as parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MtaStsPolicy {
    /// Where it was fetched from.
    pub url: String,
    /// The HTTP status of the answer.
    pub status: u16,
    /// `version` (must be `STSv1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `mode`: `enforce`, `testing` or `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// `mx` patterns, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mx: Vec<String>,
    /// `max_age` in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<u64>,
    /// Lines that could not be read as `key: value`, or unknown values, with their line number.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}
