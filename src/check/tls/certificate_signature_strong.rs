//! `tls.certificate-signature-strong`: no certificate below the root is signed with SHA-1 or
//! MD5.

use super::{for_each_handshake, with_leaf_evidence};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::Finding;
use crate::observation::tls::Certificate;

/// Signatures on the leaf and intermediates use a collision-resistant hash.
pub struct CertificateSignatureStrong;

impl Check for CertificateSignatureStrong {
    fn id(&self) -> &'static str {
        "tls.certificate-signature-strong"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Tls]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        for_each_handshake(cx, |web, subject, handshake| {
            if handshake.chain.is_empty() {
                return cx.not_observed(subject, &format!("a certificate from {}", web.endpoint()));
            }
            // A root's own signature is never checked by clients, so a SHA-1 self-signed root
            // sent along is harmless.
            let weak: Vec<String> = handshake
                .chain
                .iter()
                .filter(|cert| !cert.self_issued && is_weak_signature(cert))
                .map(|cert| format!("{}: {}", cert.subject, cert.signature_algorithm))
                .collect();
            let finding = if weak.is_empty() {
                cx.pass(
                    subject,
                    format!(
                        "the certificates of {} are signed with strong algorithms",
                        web.endpoint()
                    ),
                )
            } else {
                let mut finding = cx.fail(
                    subject,
                    format!(
                        "{} sends a certificate signed with SHA-1 or MD5",
                        web.endpoint()
                    ),
                );
                for line in weak {
                    finding = finding.evidence("certificate.weak_signature", line);
                }
                finding
            };
            with_leaf_evidence(finding, handshake.leaf())
        })
    }
}

/// SHA-1, MD5 or MD2, by name or by OID (x509-parser prints unknown algorithms as OIDs).
fn is_weak_signature(cert: &Certificate) -> bool {
    let name = cert
        .signature_algorithm
        .to_ascii_lowercase()
        .replace(['-', '_'], "");
    const WEAK_OIDS: [&str; 6] = [
        "1.2.840.113549.1.1.5", // sha1WithRSAEncryption
        "1.2.840.113549.1.1.4", // md5WithRSAEncryption
        "1.2.840.113549.1.1.2", // md2WithRSAEncryption
        "1.2.840.10045.4.1",    // ecdsa-with-SHA1
        "1.2.840.10040.4.3",    // dsa-with-sha1
        "1.3.14.3.2.29",        // sha1WithRSASignature (OIW)
    ];
    name.contains("sha1")
        || name.contains("md5")
        || name.contains("md2")
        || WEAK_OIDS.contains(&cert.signature_algorithm.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tls::test_support::*;
    use crate::finding::Verdict;
    use crate::observation::Observed;

    fn verdict_with(index: usize, algorithm: &str, self_issued: bool) -> Verdict {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        let mut hs = handshake("chaton.test");
        hs.chain.push(ca_certificate("Test Root", "Test Root"));
        hs.chain[index].signature_algorithm = algorithm.into();
        hs.chain[index].self_issued = self_issued;
        obs.tls.insert("chaton.test:443".into(), Observed::Seen(hs));
        verdict(&CertificateSignatureStrong, &m, &obs)
    }

    #[test]
    fn sha256_passes() {
        assert_eq!(
            verdict_with(0, "sha256WithRSAEncryption", false),
            Verdict::Pass
        );
    }

    #[test]
    fn sha1_leaf_fails() {
        assert_eq!(
            verdict_with(0, "sha1WithRSAEncryption", false),
            Verdict::Fail
        );
        assert_eq!(verdict_with(0, "ecdsa-with-SHA1", false), Verdict::Fail);
        assert_eq!(
            verdict_with(0, "1.2.840.113549.1.1.5", false),
            Verdict::Fail
        );
    }

    #[test]
    fn md5_intermediate_fails() {
        assert_eq!(
            verdict_with(1, "md5WithRSAEncryption", false),
            Verdict::Fail
        );
    }

    #[test]
    fn sha1_self_signed_root_is_ignored() {
        assert_eq!(
            verdict_with(2, "sha1WithRSAEncryption", true),
            Verdict::Pass
        );
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        obs.tls.insert("chaton.test:443".into(), timeout());
        assert_eq!(
            verdict(&CertificateSignatureStrong, &m, &obs),
            Verdict::Inconclusive
        );
    }
}
