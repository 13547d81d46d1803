//! The world's private PKI, generated at start with rcgen: a root CA (the one the auditor
//! trusts with `--ca-file`), an intermediate that signs the leaves, and an unknown root that
//! the auditor does not trust. No key ever touches the repository.

use std::collections::HashMap;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, PublicKeyData,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use super::Error;
use super::desc::CertProfile;

/// A certificate chain and its key, ready for a rustls server.
#[derive(Debug)]
pub struct Leaf {
    /// Leaf first, then whatever intermediates the profile serves.
    pub chain: Vec<CertificateDer<'static>>,
    /// PKCS#8 DER of the leaf key.
    key_pkcs8: Vec<u8>,
    /// SHA-256 of the leaf's SubjectPublicKeyInfo (TLSA `3 1 1`).
    pub spki_sha256: [u8; 32],
}

impl Leaf {
    /// The private key, for a rustls `ServerConfig`.
    pub fn key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_pkcs8.clone()))
    }
}

/// The CAs and every leaf issued so far (one per host and profile).
pub struct Pki {
    root: CertifiedIssuer<'static, KeyPair>,
    intermediate: CertifiedIssuer<'static, KeyPair>,
    unknown_root: CertifiedIssuer<'static, KeyPair>,
    leaves: HashMap<(String, CertProfile), Arc<Leaf>>,
}

fn rc(e: rcgen::Error) -> Error {
    Error::Pki(e.to_string())
}

fn ca_params(common_name: &str) -> Result<CertificateParams, Error> {
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(rc)?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    // Public CAs always name their issuer's key; strict validators (e.g. the one sslyze uses)
    // refuse a chain without it, and the world must look like the real thing.
    params.use_authority_key_identifier_extension = true;
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "chatons-audit fixture world");
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(365);
    params.not_after = now + Duration::days(3650);
    Ok(params)
}

impl Pki {
    /// Generates the three CAs (ECDSA P-256).
    pub fn generate() -> Result<Self, Error> {
        let root = CertifiedIssuer::self_signed(
            ca_params("chatons-audit world root CA")?,
            KeyPair::generate().map_err(rc)?,
        )
        .map_err(rc)?;
        let intermediate = CertifiedIssuer::signed_by(
            ca_params("chatons-audit world intermediate CA")?,
            KeyPair::generate().map_err(rc)?,
            &*root,
        )
        .map_err(rc)?;
        let unknown_root = CertifiedIssuer::self_signed(
            ca_params("Unknown rogue root CA")?,
            KeyPair::generate().map_err(rc)?,
        )
        .map_err(rc)?;
        Ok(Self {
            root,
            intermediate,
            unknown_root,
            leaves: HashMap::new(),
        })
    }

    /// PEM of the trusted root, for `--ca-file`.
    pub fn root_pem(&self) -> String {
        self.root.pem()
    }

    /// DER of the trusted root.
    pub fn root_der(&self) -> CertificateDer<'static> {
        self.root.der().clone()
    }

    /// PEM of the intermediate (the weak-key leaf made with `openssl` is signed by it).
    pub fn intermediate_pem(&self) -> String {
        self.intermediate.pem()
    }

    /// PEM of the intermediate's private key, written only to the world's temp dir for
    /// `openssl x509 -req`.
    pub fn intermediate_key_pem(&self) -> String {
        self.intermediate.key().serialize_pem()
    }

    /// The leaf for `host` with `profile`, generated once.
    pub fn leaf(&mut self, host: &str, profile: CertProfile) -> Result<Arc<Leaf>, Error> {
        let key = (host.to_ascii_lowercase(), profile);
        if let Some(leaf) = self.leaves.get(&key) {
            return Ok(leaf.clone());
        }
        let leaf = Arc::new(self.issue(host, profile)?);
        self.leaves.insert(key, leaf.clone());
        Ok(leaf)
    }

    fn issue(&self, host: &str, profile: CertProfile) -> Result<Leaf, Error> {
        let san = match profile {
            CertProfile::WrongHost => "www.ailleurs.test".to_owned(),
            _ => host.to_owned(),
        };
        let mut params = CertificateParams::new(vec![san.clone()]).map_err(rc)?;
        params.distinguished_name.push(DnType::CommonName, san);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.use_authority_key_identifier_extension = true;
        let now = OffsetDateTime::now_utc();
        (params.not_before, params.not_after) = match profile {
            CertProfile::Expired => (now - Duration::days(90), now - Duration::days(1)),
            CertProfile::NotYetValid => (now + Duration::days(10), now + Duration::days(100)),
            CertProfile::ExpiringSoon => (now - Duration::days(85), now + Duration::days(5)),
            _ => (now - Duration::days(1), now + Duration::days(89)),
        };
        let key = KeyPair::generate().map_err(rc)?;
        let spki_sha256: [u8; 32] = Sha256::digest(key.subject_public_key_info()).into();
        let chain = match profile {
            CertProfile::SelfSigned => vec![params.self_signed(&key).map_err(rc)?.der().clone()],
            CertProfile::UnknownRoot => vec![
                params
                    .signed_by(&key, &*self.unknown_root)
                    .map_err(rc)?
                    .der()
                    .clone(),
            ],
            CertProfile::MissingIntermediate => vec![
                params
                    .signed_by(&key, &*self.intermediate)
                    .map_err(rc)?
                    .der()
                    .clone(),
            ],
            _ => vec![
                params
                    .signed_by(&key, &*self.intermediate)
                    .map_err(rc)?
                    .der()
                    .clone(),
                self.intermediate.der().clone(),
            ],
        };
        Ok(Leaf {
            chain,
            key_pkcs8: key.serialize_der(),
            spki_sha256,
        })
    }
}

/// Lower-case hex of some bytes (TLSA data, fingerprints).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
