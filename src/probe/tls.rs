//! The raw TLS handshake probe: what a server offers, and whether its chain validates.
//!
//! The handshake always runs to the end, even with a broken chain: a *recording* verifier asks
//! the real WebPKI verifier, keeps its verdict and lets the handshake go on, so the expired or
//! self-signed chain can be recorded as evidence. Nothing but the handshake is ever sent over
//! such a connection.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncWrite};
use x509_parser::oid_registry::OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS;
use x509_parser::prelude::{FromDer, GeneralName, ParsedExtension, X509Certificate};
use x509_parser::public_key::PublicKey;

use crate::net::map_io;
use crate::observation::tls::{Certificate, TlsHandshake, VerificationKind};
use crate::observation::{Observed, ProbeFailure};
use crate::probe::Connect;

/// The handshake time allowed over a stream when the caller gives none.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// Connects to `host:port` through the network layer and records the handshake, with `host`
/// as SNI and as the name the certificate must match, within the network's handshake timeout.
pub async fn observe(net: &dyn Connect, host: &str, port: u16) -> Observed<TlsHandshake> {
    observe_within(net, host, port, net.handshake_timeout()).await
}

/// [`observe`] with an explicit handshake timeout.
pub async fn observe_within(
    net: &dyn Connect,
    host: &str,
    port: u16,
    timeout: Duration,
) -> Observed<TlsHandshake> {
    handshake_over(net.connect(host, port).await, net, host, timeout).await
}

/// Like [`observe`], over IPv6 only: a handshake with one of the host's AAAA addresses, so a
/// service that answers on IPv4 but not on the address it publishes for IPv6 shows.
pub async fn observe_ipv6(net: &dyn Connect, host: &str, port: u16) -> Observed<TlsHandshake> {
    handshake_over(
        net.connect_ipv6(host, port).await,
        net,
        host,
        net.handshake_timeout(),
    )
    .await
}

async fn handshake_over(
    connected: Result<crate::probe::Connection, ProbeFailure>,
    net: &dyn Connect,
    host: &str,
    timeout: Duration,
) -> Observed<TlsHandshake> {
    let connection = match connected {
        Ok(connection) => connection,
        Err(failure) => return Observed::Failed(failure),
    };
    let peer = connection.peer;
    let observed = observe_stream_within(connection.stream, host, net.roots(), timeout).await;
    drop(connection.permits);
    match observed {
        Observed::Seen(mut handshake) => {
            handshake.remote_addr = Some(peer.to_string());
            Observed::Seen(handshake)
        }
        failed => failed,
    }
}

/// Records the handshake over an already-connected stream (e.g. after SMTP `STARTTLS`).
pub async fn observe_stream<S>(
    stream: S,
    server_name: &str,
    roots: Arc<RootCertStore>,
) -> Observed<TlsHandshake>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    observe_stream_within(stream, server_name, roots, DEFAULT_HANDSHAKE_TIMEOUT).await
}

/// [`observe_stream`] with an explicit handshake timeout.
pub async fn observe_stream_within<S>(
    stream: S,
    server_name: &str,
    roots: Arc<RootCertStore>,
    timeout: Duration,
) -> Observed<TlsHandshake>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    match handshake(stream, server_name, roots, timeout).await {
        Ok(handshake) => Observed::Seen(handshake),
        Err(failure) => Observed::Failed(failure),
    }
}

async fn handshake<S>(
    stream: S,
    server_name: &str,
    roots: Arc<RootCertStore>,
    timeout: Duration,
) -> Result<TlsHandshake, ProbeFailure>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let (recorded, _) =
        handshake_keeping_stream(stream, server_name, roots, timeout, WEB_ALPN).await?;
    Ok(recorded)
}

/// ALPN offered to web servers.
const WEB_ALPN: &[&[u8]] = &[b"h2", b"http/1.1"];

/// Records a handshake over `stream` like [`observe_stream_within`], offering `alpn` (empty for
/// mail protocols, where an unexpected ALPN could make a server refuse), and hands back the TLS
/// stream so the caller can close the application protocol politely (e.g. SMTP `QUIT`).
pub async fn handshake_keeping_stream<S>(
    stream: S,
    server_name: &str,
    roots: Arc<RootCertStore>,
    timeout: Duration,
    alpn: &[&[u8]],
) -> Result<(TlsHandshake, tokio_rustls::client::TlsStream<S>), ProbeFailure>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let bare = server_name
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.');
    let name = ServerName::try_from(bare.to_owned()).map_err(|err| ProbeFailure::Other {
        message: format!("{server_name}: not a TLS server name: {err}"),
    })?;
    let provider = crate::net::tls_provider();
    let inner = WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone())
        .build()
        .map_err(|err| ProbeFailure::Other {
            message: format!("internal error: verifier: {err}"),
        })?;
    let recorder = Arc::new(Recording {
        inner,
        chain: Mutex::new(None),
        signature: Mutex::new(None),
    });
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| ProbeFailure::Other {
            message: format!("internal error: TLS config: {err}"),
        })?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tls = match tokio::time::timeout(timeout, connector.connect(name, stream)).await {
        Err(_) => return Err(ProbeFailure::timeout(timeout)),
        Ok(Err(err)) => {
            return Err(match map_io(&err) {
                ProbeFailure::Other { message } => ProbeFailure::Tls { message },
                other => other,
            });
        }
        Ok(Ok(tls)) => tls,
    };
    let (_, connection) = tls.get_ref();
    let protocol = connection
        .protocol_version()
        .map_or_else(|| "unknown".to_owned(), protocol_name);
    let cipher_suite = connection.negotiated_cipher_suite().map_or_else(
        || "unknown".to_owned(),
        |suite| format!("{:?}", suite.suite()),
    );
    let key_exchange = connection
        .negotiated_key_exchange_group()
        .map(|group| format!("{:?}", group.name()));
    let alpn = connection
        .alpn_protocol()
        .map(|alpn| String::from_utf8_lossy(alpn).into_owned());
    let ders = connection.peer_certificates().unwrap_or_default();
    let mut chain: Vec<Certificate> = ders
        .iter()
        .map(|der| parse_certificate(der.as_ref()))
        .collect();
    mark_trust_anchor_issuers(&mut chain, ders, &roots);
    let verdict = recorder.verdict();
    let (verification_error, verification_kind) = match verdict {
        None => (None, None),
        Some(err) => (Some(err.to_string()), Some(classify(&err))),
    };
    let recorded = TlsHandshake {
        server_name: bare.to_owned(),
        remote_addr: None,
        protocol,
        cipher_suite,
        key_exchange,
        alpn,
        chain,
        verification_error,
        verification_kind,
    };
    Ok((recorded, tls))
}

fn protocol_name(version: rustls::ProtocolVersion) -> String {
    match version {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".to_owned(),
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".to_owned(),
        other => format!("{other:?}"),
    }
}

/// Maps a verification error to the kinds checks distinguish.
// The deprecated unit variants are still what older code paths of rustls produce.
#[allow(deprecated)]
pub fn classify(err: &rustls::Error) -> VerificationKind {
    match err {
        rustls::Error::InvalidCertificate(cert) => match cert {
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
            | CertificateError::UnsupportedSignatureAlgorithm
            | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
            | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
                VerificationKind::BadSignature
            }
            _ => VerificationKind::Other,
        },
        _ => VerificationKind::Other,
    }
}

/// A verifier that records the real verifier's verdicts and lets the handshake finish.
#[derive(Debug)]
struct Recording {
    inner: Arc<WebPkiServerVerifier>,
    chain: Mutex<Option<rustls::Error>>,
    signature: Mutex<Option<rustls::Error>>,
}

impl Recording {
    /// The chain's verdict first; a bad handshake signature only matters on a good chain.
    fn verdict(&self) -> Option<rustls::Error> {
        let take = |slot: &Mutex<Option<rustls::Error>>| {
            slot.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take()
        };
        take(&self.chain).or_else(|| take(&self.signature))
    }

    fn keep(slot: &Mutex<Option<rustls::Error>>, err: rustls::Error) {
        let mut slot = slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        slot.get_or_insert(err);
    }
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Err(err) = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Self::keep(&self.chain, err);
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if let Err(err) = self.inner.verify_tls12_signature(message, cert, dss) {
            Self::keep(&self.signature, err);
        }
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if let Err(err) = self.inner.verify_tls13_signature(message, cert, dss) {
            Self::keep(&self.signature, err);
        }
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Parses one certificate; one x509-parser cannot read is still recorded with its digest.
pub fn parse_certificate(der: &[u8]) -> Certificate {
    let sha256 = crate::net::hex(&Sha256::digest(der));
    let Ok((_, cert)) = X509Certificate::from_der(der) else {
        return Certificate {
            subject: "(unparsable certificate)".to_owned(),
            issuer: String::new(),
            subject_alt_names: Vec::new(),
            not_before: String::new(),
            not_after: String::new(),
            not_after_unix: 0,
            not_before_unix: 0,
            key_algorithm: "unknown".to_owned(),
            key_bits: 0,
            signature_algorithm: "unknown".to_owned(),
            is_ca: false,
            self_issued: false,
            sha256,
            spki_sha256: String::new(),
            subject_key_id: None,
            authority_key_id: None,
            ca_issuers: Vec::new(),
            issuer_is_trust_anchor: false,
        };
    };
    let subject_alt_names = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|san| {
            san.value
                .general_names
                .iter()
                .filter_map(|name| match name {
                    GeneralName::DNSName(dns) => Some((*dns).to_owned()),
                    GeneralName::IPAddress(bytes) => ip_from_bytes(bytes),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let validity = cert.validity();
    let not_before_unix = validity.not_before.timestamp();
    let not_after_unix = validity.not_after.timestamp();
    let (key_algorithm, key_bits) = key_facts(&cert);
    let (subject_key_id, authority_key_id, ca_issuers) = key_identifiers(&cert);
    let signature_oid = &cert.signature_algorithm.algorithm;
    let signature_algorithm =
        x509_parser::objects::oid2sn(signature_oid, x509_parser::objects::oid_registry())
            .map_or_else(|_| signature_oid.to_id_string(), str::to_owned);
    Certificate {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        subject_alt_names,
        not_before: rfc3339(not_before_unix),
        not_after: rfc3339(not_after_unix),
        not_after_unix,
        not_before_unix,
        key_algorithm,
        key_bits,
        signature_algorithm,
        is_ca: cert
            .basic_constraints()
            .ok()
            .flatten()
            .is_some_and(|bc| bc.value.ca),
        self_issued: cert.subject().as_raw() == cert.issuer().as_raw(),
        sha256,
        spki_sha256: crate::net::hex(&Sha256::digest(cert.public_key().raw)),
        subject_key_id,
        authority_key_id,
        ca_issuers,
        issuer_is_trust_anchor: false,
    }
}

/// The subject and authority key identifiers (hex) and the caIssuers URLs of `cert`: what
/// links a certificate to its issuer besides names.
fn key_identifiers(cert: &X509Certificate<'_>) -> (Option<String>, Option<String>, Vec<String>) {
    let mut subject_key_id = None;
    let mut authority_key_id = None;
    let mut ca_issuers = Vec::new();
    for extension in cert.extensions() {
        match extension.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(id) => {
                subject_key_id = Some(crate::net::hex(id.0));
            }
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                authority_key_id = aki.key_identifier.as_ref().map(|id| crate::net::hex(id.0));
            }
            ParsedExtension::AuthorityInfoAccess(aia) => {
                for access in aia.iter() {
                    if access.access_method == OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS
                        && let GeneralName::URI(url) = access.access_location
                    {
                        ca_issuers.push(url.to_owned());
                    }
                }
            }
            _ => {}
        }
    }
    (subject_key_id, authority_key_id, ca_issuers)
}

/// Marks each certificate whose issuer's name is the subject of a root in `roots`.
fn mark_trust_anchor_issuers(
    chain: &mut [Certificate],
    ders: &[CertificateDer<'_>],
    roots: &RootCertStore,
) {
    for (cert, der) in chain.iter_mut().zip(ders) {
        let Ok((_, parsed)) = X509Certificate::from_der(der.as_ref()) else {
            continue;
        };
        let issuer = parsed.issuer().as_raw();
        // Trust anchors keep the name's contents, without the SEQUENCE header.
        let contents = der_contents(issuer);
        cert.issuer_is_trust_anchor = roots.roots.iter().any(|anchor| {
            let subject = anchor.subject.as_ref();
            subject == issuer || Some(subject) == contents
        });
    }
}

/// The contents of one DER element (its tag and length stripped), when well formed.
fn der_contents(element: &[u8]) -> Option<&[u8]> {
    let (&first, rest) = element.get(1..)?.split_first()?;
    let (length, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let (bytes, rest) = rest.split_at(count);
        (
            bytes.iter().fold(0usize, |n, &b| (n << 8) | usize::from(b)),
            rest,
        )
    };
    (rest.len() == length).then_some(rest)
}

fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

fn ip_from_bytes(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes)
            .ok()
            .map(|b| std::net::Ipv4Addr::from(b).to_string()),
        16 => <[u8; 16]>::try_from(bytes)
            .ok()
            .map(|b| std::net::Ipv6Addr::from(b).to_string()),
        _ => None,
    }
}

/// The key algorithm's name and size in bits.
fn key_facts(cert: &X509Certificate<'_>) -> (String, u32) {
    let spki = cert.public_key();
    let oid = spki.algorithm.algorithm.to_id_string();
    let bits = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => ("RSA".to_owned(), bits(integer_bits(rsa.modulus))),
        Ok(PublicKey::EC(point)) => ("EC".to_owned(), bits(point.key_size())),
        Ok(PublicKey::DSA(y)) => ("DSA".to_owned(), bits(integer_bits(y))),
        _ => match oid.as_str() {
            "1.3.101.112" => ("Ed25519".to_owned(), 256),
            "1.3.101.113" => ("Ed448".to_owned(), 456),
            _ => (oid, 0),
        },
    }
}

/// Bits of a big-endian unsigned integer, leading zeros ignored.
fn integer_bits(bytes: &[u8]) -> usize {
    let significant: &[u8] = match bytes.iter().position(|&b| b != 0) {
        Some(first) => &bytes[first..],
        None => return 0,
    };
    let leading = significant
        .first()
        .map_or(0, |b| b.leading_zeros() as usize);
    significant.len() * 8 - leading
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_bits_ignore_leading_zeros() {
        assert_eq!(integer_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(integer_bits(&[0x01, 0xff]), 9);
        assert_eq!(integer_bits(&[0x00, 0x00]), 0);
    }

    #[test]
    fn verification_errors_are_classified() {
        let kind = |e: CertificateError| classify(&rustls::Error::InvalidCertificate(e));
        assert_eq!(kind(CertificateError::Expired), VerificationKind::Expired);
        assert_eq!(
            kind(CertificateError::NotValidYet),
            VerificationKind::NotYetValid
        );
        assert_eq!(
            kind(CertificateError::NotValidForName),
            VerificationKind::WrongHost
        );
        assert_eq!(
            kind(CertificateError::UnknownIssuer),
            VerificationKind::UnknownIssuer
        );
        assert_eq!(
            kind(CertificateError::BadSignature),
            VerificationKind::BadSignature
        );
        assert_eq!(kind(CertificateError::Revoked), VerificationKind::Other);
    }

    fn ca(name: &str) -> rcgen::CertifiedIssuer<'static, rcgen::KeyPair> {
        let mut params =
            rcgen::CertificateParams::new(Vec::<String>::new()).expect("internal error: params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        rcgen::CertifiedIssuer::self_signed(
            params,
            rcgen::KeyPair::generate().expect("internal error: key"),
        )
        .expect("internal error: CA")
    }

    #[test]
    fn leaf_records_the_key_identifier_of_its_issuer_and_whether_it_is_a_trusted_root() {
        let root = ca("Test Root");
        let stranger = ca("Stranger Root");
        let mut params = rcgen::CertificateParams::new(vec!["chaton.test".to_owned()])
            .expect("internal error: params");
        params.use_authority_key_identifier_extension = true;
        let key = rcgen::KeyPair::generate().expect("internal error: key");
        let leaf = params
            .signed_by(&key, &*root)
            .expect("internal error: leaf");
        let mut roots = RootCertStore::empty();
        roots.add(root.der().clone()).expect("internal error: root");
        let ders = [leaf.der().clone(), stranger.der().clone()];
        let mut chain: Vec<Certificate> = ders
            .iter()
            .map(|der| parse_certificate(der.as_ref()))
            .collect();
        mark_trust_anchor_issuers(&mut chain, &ders, &roots);
        let root_cert = parse_certificate(root.der().as_ref());
        assert!(root_cert.subject_key_id.is_some());
        assert_eq!(chain[0].authority_key_id, root_cert.subject_key_id);
        assert!(chain[0].issuer_is_trust_anchor);
        assert!(!chain[1].issuer_is_trust_anchor);
    }

    #[test]
    fn der_contents_strips_short_and_long_headers() {
        assert_eq!(
            der_contents(&[0x30, 0x02, 0xaa, 0xbb]),
            Some(&[0xaa, 0xbb][..])
        );
        let mut long = vec![0x30, 0x81, 0x80];
        long.extend(std::iter::repeat_n(0x01, 0x80));
        assert_eq!(der_contents(&long).map(<[u8]>::len), Some(0x80));
        assert_eq!(der_contents(&[0x30, 0x05, 0xaa]), None);
        assert_eq!(der_contents(&[]), None);
    }

    #[test]
    fn garbage_certificate_is_recorded_not_fatal() {
        let cert = parse_certificate(b"not a certificate");
        assert_eq!(cert.key_bits, 0);
        assert_eq!(cert.sha256.len(), 64);
    }
}
