//! Mail transport facts for one mail domain.

use serde::{Deserialize, Serialize};

use super::Observed;
use super::tls::TlsHandshake;

/// What the mail probe saw for one domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MailObservation {
    /// One entry per MX host.
    #[serde(default)]
    pub exchangers: Vec<SmtpSession>,
}

/// One SMTP session on port 25 of one MX host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpSession {
    /// The MX host.
    pub host: String,
    /// The SMTP banner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banner: Option<String>,
    /// Whether EHLO advertised STARTTLS.
    pub starttls_offered: bool,
    /// The STARTTLS handshake, when attempted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handshake: Option<Observed<TlsHandshake>>,
}
