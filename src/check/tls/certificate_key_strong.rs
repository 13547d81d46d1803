//! `tls.certificate-key-strong`: no certificate sent by the server has a weak public key.

use super::{for_each_handshake, with_leaf_evidence};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::Finding;
use crate::observation::tls::Certificate;

/// RSA and DSA keys of at least 2048 bits, elliptic-curve keys of at least 256 bits.
pub struct CertificateKeyStrong;

impl Check for CertificateKeyStrong {
    fn id(&self) -> &'static str {
        "tls.certificate-key-strong"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Tls]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        for_each_handshake(cx, |web, subject, handshake| {
            let Some(leaf) = handshake.leaf() else {
                return cx.not_observed(subject, &format!("a certificate from {}", web.endpoint()));
            };
            // Webpki does not reject short keys, so the whole chain sent is looked at here.
            let weak: Vec<String> = handshake
                .chain
                .iter()
                .filter(|cert| is_weak(cert))
                .map(|cert| {
                    format!(
                        "{}: {} {} bits",
                        cert.subject, cert.key_algorithm, cert.key_bits
                    )
                })
                .collect();
            let finding = if weak.is_empty() {
                cx.pass(
                    subject,
                    format!(
                        "{} uses a {} key of {} bits",
                        web.endpoint(),
                        leaf.key_algorithm,
                        leaf.key_bits
                    ),
                )
            } else {
                let mut finding = cx.fail(
                    subject,
                    format!("{} sends a certificate with a weak key", web.endpoint()),
                );
                for line in weak {
                    finding = finding.evidence("certificate.weak_key", line);
                }
                finding
            };
            with_leaf_evidence(
                finding.evidence(
                    "certificate.key",
                    format!("{} {}", leaf.key_algorithm, leaf.key_bits),
                ),
                Some(leaf),
            )
        })
    }
}

/// A key below the minimum for its family. Unknown families (Ed25519…) are not weak.
fn is_weak(cert: &Certificate) -> bool {
    let algorithm = cert.key_algorithm.to_ascii_lowercase();
    let minimum = if algorithm.contains("rsa")
        || (algorithm.contains("dsa") && !algorithm.contains("ecdsa"))
    {
        2048
    } else if algorithm == "ec" || algorithm.contains("ecdsa") || algorithm.contains("ecpublickey")
    {
        256
    } else {
        return false;
    };
    cert.key_bits > 0 && cert.key_bits < minimum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tls::test_support::*;
    use crate::finding::Verdict;
    use crate::observation::Observed;

    fn verdict_with_leaf_key(algorithm: &str, bits: u32) -> Verdict {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        let mut hs = handshake("chaton.test");
        hs.chain[0].key_algorithm = algorithm.into();
        hs.chain[0].key_bits = bits;
        obs.tls.insert("chaton.test:443".into(), Observed::Seen(hs));
        verdict(&CertificateKeyStrong, &m, &obs)
    }

    #[test]
    fn rsa_2048_and_ec_256_pass() {
        assert_eq!(verdict_with_leaf_key("RSA", 2048), Verdict::Pass);
        assert_eq!(verdict_with_leaf_key("EC", 256), Verdict::Pass);
        assert_eq!(verdict_with_leaf_key("Ed25519", 256), Verdict::Pass);
    }

    #[test]
    fn rsa_1024_fails() {
        assert_eq!(verdict_with_leaf_key("RSA", 1024), Verdict::Fail);
    }

    #[test]
    fn ec_224_fails() {
        assert_eq!(verdict_with_leaf_key("EC", 224), Verdict::Fail);
    }

    #[test]
    fn weak_intermediate_fails_too() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        let mut hs = handshake("chaton.test");
        hs.chain[1].key_algorithm = "RSA".into();
        hs.chain[1].key_bits = 1024;
        obs.tls.insert("chaton.test:443".into(), Observed::Seen(hs));
        assert_eq!(verdict(&CertificateKeyStrong, &m, &obs), Verdict::Fail);
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        obs.tls.insert("chaton.test:443".into(), timeout());
        assert_eq!(
            verdict(&CertificateKeyStrong, &m, &obs),
            Verdict::Inconclusive
        );
    }
}
