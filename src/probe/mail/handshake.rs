//! A minimal recording TLS handshake for the mail probe: rustls with a verifier that records
//! the chain-validation verdict instead of aborting, so an invalid certificate is observed
//! (and judged later) rather than hiding everything else.
//!
//! This is a local stand-in with the signature of the shared TLS probe's
//! `observe_stream(stream, server_name, roots)`; once that probe lands, the mail probe can
//! call it instead and this file can go.

use std::sync::{Arc, Mutex};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, DigitallySignedStruct, Error as TlsError, RootCertStore, SignatureScheme,
};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::observation::ProbeFailure;
use crate::observation::tls::{Certificate, TlsHandshake, VerificationKind};

/// Runs a TLS handshake over `stream` with SNI `server_name`, recording the negotiated
/// parameters, the chain and the validation verdict against `roots`. Returns the TLS stream
/// too, so the caller can say goodbye in the application protocol.
pub async fn observe_stream<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    server_name: &str,
    roots: Arc<RootCertStore>,
) -> Result<(TlsHandshake, TlsStream<S>), ProbeFailure> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let inner = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
        .build()
        .map_err(|e| ProbeFailure::Other {
            message: format!("trust store unusable: {e}"),
        })?;
    let recording = Arc::new(Recording {
        inner,
        verdict: Mutex::new(None),
    });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ProbeFailure::Other {
            message: format!("TLS configuration: {e}"),
        })?
        .dangerous()
        .with_custom_certificate_verifier(recording.clone())
        .with_no_client_auth();
    let name =
        ServerName::try_from(server_name.trim_end_matches('.').to_owned()).map_err(|_| {
            ProbeFailure::Other {
                message: format!("{server_name} is not a valid TLS server name"),
            }
        })?;
    let tls = TlsConnector::from(Arc::new(config))
        .connect(name, stream)
        .await
        .map_err(|e| ProbeFailure::Tls {
            message: e.to_string(),
        })?;
    let (_, connection) = tls.get_ref();
    let protocol = match connection.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3".to_owned(),
        Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2".to_owned(),
        Some(other) => format!("{other:?}"),
        None => "unknown".to_owned(),
    };
    let cipher_suite = connection
        .negotiated_cipher_suite()
        .map(|s| format!("{:?}", s.suite()))
        .unwrap_or_default();
    let key_exchange = connection
        .negotiated_key_exchange_group()
        .map(|g| format!("{:?}", g.name()));
    let alpn = connection
        .alpn_protocol()
        .map(|p| String::from_utf8_lossy(p).into_owned());
    let chain = connection
        .peer_certificates()
        .unwrap_or_default()
        .iter()
        .map(parse_certificate)
        .collect();
    let verdict = recording.verdict.lock().ok().and_then(|mut v| v.take());
    let (verification_error, verification_kind) = match verdict {
        Some(Ok(())) => (None, None),
        Some(Err(error)) => (Some(error.to_string()), Some(kind_of(&error))),
        None => (
            Some("the chain was not verified".to_owned()),
            Some(VerificationKind::Other),
        ),
    };
    let handshake = TlsHandshake {
        server_name: server_name.to_owned(),
        remote_addr: None,
        protocol,
        cipher_suite,
        key_exchange,
        alpn,
        chain,
        verification_error,
        verification_kind,
    };
    Ok((handshake, tls))
}

#[derive(Debug)]
struct Recording {
    inner: Arc<WebPkiServerVerifier>,
    verdict: Mutex<Option<Result<(), TlsError>>>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        let verdict = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map(|_| ());
        if let Ok(mut slot) = self.verdict.lock() {
            *slot = Some(verdict);
        }
        // Let the handshake finish so the chain and parameters can be recorded. Nothing but
        // the probe's own goodbye is ever sent over this connection.
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

fn kind_of(error: &TlsError) -> VerificationKind {
    match error {
        TlsError::InvalidCertificate(certificate) => match certificate {
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                VerificationKind::Expired
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                VerificationKind::NotYetValid
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                VerificationKind::WrongHost
            }
            CertificateError::UnknownIssuer => VerificationKind::UnknownIssuer,
            CertificateError::BadSignature
            | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
            | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
                VerificationKind::BadSignature
            }
            _ => VerificationKind::Other,
        },
        _ => VerificationKind::Other,
    }
}

/// Parses one DER certificate into the observation's shape; an unparsable certificate is
/// still recorded, with its digest and what went wrong in the subject.
pub fn parse_certificate(der: &CertificateDer<'_>) -> Certificate {
    let sha256 = hex(&Sha256::digest(der.as_ref()));
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der.as_ref()) else {
        return Certificate {
            subject: "(unparsable certificate)".into(),
            issuer: String::new(),
            subject_alt_names: Vec::new(),
            not_before: String::new(),
            not_after: String::new(),
            not_after_unix: 0,
            not_before_unix: 0,
            key_algorithm: "unknown".into(),
            key_bits: 0,
            signature_algorithm: "unknown".into(),
            is_ca: false,
            self_issued: false,
            sha256,
            spki_sha256: String::new(),
        };
    };
    let rfc3339 = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    let validity = cert.validity();
    let mut subject_alt_names = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                x509_parser::extensions::GeneralName::DNSName(dns) => {
                    subject_alt_names.push((*dns).to_owned())
                }
                x509_parser::extensions::GeneralName::IPAddress(bytes) => {
                    subject_alt_names.push(ip_text(bytes))
                }
                _ => {}
            }
        }
    }
    let spki = cert.public_key();
    let (key_algorithm, key_bits) = match spki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => {
            ("RSA".to_owned(), significant_bits(rsa.modulus))
        }
        Ok(x509_parser::public_key::PublicKey::EC(point)) => ("EC".to_owned(), point.key_size()),
        Ok(x509_parser::public_key::PublicKey::DSA(y)) => ("DSA".to_owned(), significant_bits(y)),
        _ => (oid_name(&spki.algorithm.algorithm), 0),
    };
    let key_algorithm = match key_algorithm.as_str() {
        "1.3.101.112" => "Ed25519".to_owned(),
        "1.3.101.113" => "Ed448".to_owned(),
        _ => key_algorithm,
    };
    let subject = cert.subject().to_string();
    let issuer = cert.issuer().to_string();
    Certificate {
        self_issued: subject == issuer,
        subject,
        issuer,
        subject_alt_names,
        not_before: rfc3339(validity.not_before.to_datetime()),
        not_after: rfc3339(validity.not_after.to_datetime()),
        not_after_unix: validity.not_after.timestamp(),
        not_before_unix: validity.not_before.timestamp(),
        key_algorithm,
        key_bits: u32::try_from(key_bits).unwrap_or(0),
        signature_algorithm: oid_name(&cert.signature_algorithm.algorithm),
        is_ca: cert.is_ca(),
        sha256,
        spki_sha256: hex(&Sha256::digest(spki.raw)),
    }
}

fn oid_name(oid: &x509_parser::der_parser::oid::Oid<'_>) -> String {
    x509_parser::objects::oid2sn(oid, x509_parser::objects::oid_registry())
        .map(str::to_owned)
        .unwrap_or_else(|_| oid.to_id_string())
}

/// Bits of a big-endian unsigned integer, leading zeros ignored.
fn significant_bits(bytes: &[u8]) -> usize {
    let trimmed: &[u8] = match bytes.iter().position(|b| *b != 0) {
        Some(start) => &bytes[start..],
        None => return 0,
    };
    trimmed.len() * 8 - usize::try_from(trimmed[0].leading_zeros()).unwrap_or(0)
}

fn ip_text(bytes: &[u8]) -> String {
    match bytes.len() {
        4 => std::net::Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]).to_string(),
        16 => {
            let mut octets = [0u8; 16];
            octets.copy_from_slice(bytes);
            std::net::Ipv6Addr::from(octets).to_string()
        }
        _ => hex(bytes),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
