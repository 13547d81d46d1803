//! Trust store and TLS client configuration shared by the layer's HTTPS fetches.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::crypto::CryptoProvider;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use super::Error;

/// The crypto provider every TLS client of the tool uses (aws-lc-rs, which offers the
/// post-quantum X25519MLKEM768 group by default).
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Mozilla's roots (webpki-roots) plus every certificate of the given PEM files.
///
/// A file that cannot be read, holds no certificate or holds one rustls refuses is an error
/// naming the file.
pub fn load_roots(ca_files: &[PathBuf]) -> Result<RootCertStore, Error> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for path in ca_files {
        let fail = |message: String| Error::CaFile {
            path: path.clone(),
            message,
        };
        let bytes = std::fs::read(path).map_err(|err| fail(err.to_string()))?;
        let mut count = 0usize;
        for cert in CertificateDer::pem_slice_iter(&bytes) {
            let cert = cert.map_err(|err| fail(format!("not a PEM certificate: {err}")))?;
            roots
                .add(cert)
                .map_err(|err| fail(format!("certificate #{} refused: {err}", count + 1)))?;
            count += 1;
        }
        if count == 0 {
            return Err(fail(
                "no PEM certificate (-----BEGIN CERTIFICATE-----) found".to_owned(),
            ));
        }
    }
    Ok(roots)
}

/// The verifying client configuration of HTTPS fetches: HTTP/1.1 only.
pub(super) fn http_client_config(roots: Arc<RootCertStore>) -> Result<rustls::ClientConfig, Error> {
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|err| Error::Tls(err.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}
