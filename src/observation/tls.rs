//! TLS handshakes as recorded by the raw handshake probe.

use serde::{Deserialize, Serialize};

/// What one TLS handshake showed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsHandshake {
    /// The name sent in SNI and checked against the certificate.
    pub server_name: String,
    /// The peer address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_addr: Option<String>,
    /// Negotiated protocol version, e.g. `TLSv1.3`.
    pub protocol: String,
    /// Negotiated cipher suite, e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher_suite: String,
    /// Negotiated key exchange group, e.g. `X25519MLKEM768`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_exchange: Option<String>,
    /// Negotiated ALPN protocol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpn: Option<String>,
    /// The chain as sent by the server, leaf first.
    pub chain: Vec<Certificate>,
    /// The verdict of chain validation against the trust store (Mozilla roots plus
    /// `--ca-file`) for `server_name`: `None` when it validated, else the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_error: Option<String>,
    /// Which kind of verification error, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_kind: Option<VerificationKind>,
}

/// The kinds of chain-validation failure a check distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationKind {
    /// notAfter is in the past.
    Expired,
    /// notBefore is in the future.
    NotYetValid,
    /// The certificate is not valid for the name.
    WrongHost,
    /// No path to a trusted root (self-signed, unknown root, missing intermediate).
    UnknownIssuer,
    /// A signature in the chain is invalid or uses a refused algorithm.
    BadSignature,
    /// Revoked, unsupported extension, or anything else.
    Other,
}

/// One certificate of a chain, as parsed by x509-parser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// Subject distinguished name.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// DNS names and IP addresses in subjectAltName.
    #[serde(default)]
    pub subject_alt_names: Vec<String>,
    /// notBefore, RFC 3339.
    pub not_before: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
    /// notAfter, seconds since the Unix epoch (for arithmetic).
    pub not_after_unix: i64,
    /// notBefore, seconds since the Unix epoch.
    pub not_before_unix: i64,
    /// Public key algorithm: `RSA`, `EC`, `Ed25519`…
    pub key_algorithm: String,
    /// Public key size in bits.
    pub key_bits: u32,
    /// Signature algorithm, e.g. `sha256WithRSAEncryption`, `ecdsa-with-SHA256`.
    pub signature_algorithm: String,
    /// The certificate is a CA (basicConstraints cA).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_ca: bool,
    /// Subject equals issuer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub self_issued: bool,
    /// SHA-256 of the DER, hex.
    pub sha256: String,
    /// SHA-256 of the SubjectPublicKeyInfo DER, hex (for DANE 3 1 1).
    pub spki_sha256: String,
    /// The subjectKeyIdentifier extension, hex, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_key_id: Option<String>,
    /// The keyIdentifier of the authorityKeyIdentifier extension, hex, when present: the
    /// subject key identifier of the certificate that signed this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority_key_id: Option<String>,
    /// The caIssuers URLs of the authorityInfoAccess extension: where the issuer's
    /// certificate is published, a mark of a certificate issued under an intermediate of a
    /// public authority.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ca_issuers: Vec<String>,
    /// The issuer's name is the subject of a root of the trust store the handshake was
    /// verified against (set by the handshake probe; `false` when unknown).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub issuer_is_trust_anchor: bool,
}

/// Which legacy protocol versions a server accepted when offered alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LegacyProtocols {
    /// One entry per version tried.
    pub attempts: Vec<LegacyAttempt>,
}

/// The outcome of offering one legacy version alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegacyAttempt {
    /// `SSLv3`, `TLSv1.0` or `TLSv1.1`.
    pub version: String,
    /// What the server did.
    pub outcome: LegacyOutcome,
}

/// What the server answered to a ClientHello offering only one legacy version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LegacyOutcome {
    /// A ServerHello selecting that version.
    Accepted {
        /// The cipher suite the server picked, as a hex code.
        cipher_suite: String,
    },
    /// An alert, a ServerHello with another version, or a closed connection.
    Refused {
        /// What was seen.
        detail: String,
    },
    /// No usable answer (timeout, garbage).
    Unknown {
        /// What was seen.
        detail: String,
    },
}

impl TlsHandshake {
    /// The server's own certificate, when the chain is not empty.
    pub fn leaf(&self) -> Option<&Certificate> {
        self.chain.first()
    }
}
