//! `tls.certificate-key-strong`: no certificate sent by the server has a weak public key.

use super::{for_each_handshake, with_leaf_evidence};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::Finding;
use crate::msg;
use crate::observation::tls::Certificate;

/// RSA keys of at least 2048 bits, elliptic-curve keys of at least 256 bits, Ed25519 or
/// Ed448; DSA is obsolete (a warning) and weak at 1024 bits.
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
            let endpoint = web.endpoint();
            let Some(leaf) = handshake.leaf() else {
                return cx.not_observed(
                    subject,
                    msg!(
                        "a certificate from {endpoint}",
                        "un certificat de {endpoint}"
                    ),
                );
            };
            // Webpki does not reject short keys, so the chain sent is looked at here: the leaf
            // and the intermediates. A root sent along is not what the client trusts (it uses
            // its own copy), so its key is left out, as SSL Labs does.
            let mut weak = Vec::new();
            let mut obsolete = Vec::new();
            let mut unknown = Vec::new();
            for (index, cert) in handshake.chain.iter().enumerate() {
                if index > 0 && cert.self_issued {
                    continue;
                }
                let line = format!(
                    "{}: {} {} bits",
                    cert.subject, cert.key_algorithm, cert.key_bits
                );
                match strength(cert) {
                    KeyStrength::Strong => {}
                    KeyStrength::Weak => weak.push(line),
                    KeyStrength::Obsolete => obsolete.push(line),
                    KeyStrength::Unknown => unknown.push(line),
                }
            }
            let (finding, label, lines) = if !weak.is_empty() {
                (
                    cx.fail(
                        subject,
                        msg!(
                            "{endpoint} sends a certificate with a weak key",
                            "{endpoint} présente un certificat dont la clé est trop faible"
                        ),
                    ),
                    "certificate.weak_key",
                    weak,
                )
            } else if !unknown.is_empty() {
                (
                    cx.manual(
                        subject,
                        msg!(
                            "{endpoint} sends a certificate whose key this audit cannot size",
                            "{endpoint} présente un certificat dont cet audit ne sait pas mesurer la clé"
                        ),
                    ),
                    "certificate.unknown_key",
                    unknown,
                )
            } else if !obsolete.is_empty() {
                (
                    cx.warn(
                        subject,
                        msg!(
                            "{endpoint} sends a certificate with a DSA key, an obsolete algorithm current clients no longer accept",
                            "{endpoint} présente un certificat à clé DSA, un algorithme obsolète que les clients actuels n'acceptent plus"
                        ),
                    ),
                    "certificate.obsolete_key",
                    obsolete,
                )
            } else {
                (
                    cx.pass(
                        subject,
                        msg!(
                            "{endpoint} uses a {} key of {} bits",
                            "{endpoint} utilise une clé {} de {} bits",
                            leaf.key_algorithm,
                            leaf.key_bits
                        ),
                    ),
                    "",
                    Vec::new(),
                )
            };
            let finding = lines
                .into_iter()
                .fold(finding, |f, line| f.evidence(label, line));
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

/// How a public key fares (Mozilla's server-side TLS guidelines: RSA of 2048 bits or more,
/// ECDSA on P-256 or larger; Ed25519 and Ed448 are strong by construction).
#[derive(Debug, PartialEq, Eq)]
enum KeyStrength {
    Strong,
    /// RSA below 2048 bits, an elliptic curve below 256 bits, DSA of 1024 bits or fewer.
    Weak,
    /// DSA above 1024 bits: not broken, but withdrawn (FIPS 186-5) and refused by current
    /// TLS clients.
    Obsolete,
    /// An algorithm we do not know, or a size we could not read.
    Unknown,
}

fn strength(cert: &Certificate) -> KeyStrength {
    let bits = cert.key_bits;
    match cert.key_algorithm.to_ascii_lowercase().as_str() {
        _ if bits == 0 => KeyStrength::Unknown,
        "rsa" | "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => {
            if bits < 2048 {
                KeyStrength::Weak
            } else {
                KeyStrength::Strong
            }
        }
        "ec" | "1.2.840.10045.2.1" => {
            if bits < 256 {
                KeyStrength::Weak
            } else {
                KeyStrength::Strong
            }
        }
        "ed25519" | "ed448" | "1.3.101.112" | "1.3.101.113" => KeyStrength::Strong,
        // The probe sizes a DSA key by its public value, which can be a few bits shorter than
        // the modulus: only a value no longer than 1024 bits proves a small modulus.
        "dsa" | "1.2.840.10040.4.1" => {
            if bits <= 1024 {
                KeyStrength::Weak
            } else {
                KeyStrength::Obsolete
            }
        }
        _ => KeyStrength::Unknown,
    }
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
    fn a_weak_key_is_reported_in_french_too() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        let mut hs = handshake("chaton.test");
        hs.chain[0].key_algorithm = "RSA".into();
        hs.chain[0].key_bits = 1024;
        obs.tls.insert("chaton.test:443".into(), Observed::Seen(hs));
        let findings = judge(&CertificateKeyStrong, &m, &obs);
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(fr.contains("clé est trop faible"), "{fr}");
    }

    #[test]
    fn ec_224_fails() {
        assert_eq!(verdict_with_leaf_key("EC", 224), Verdict::Fail);
    }

    #[test]
    fn ec_p384_p521_and_ed448_pass() {
        assert_eq!(verdict_with_leaf_key("EC", 384), Verdict::Pass);
        assert_eq!(verdict_with_leaf_key("EC", 528), Verdict::Pass);
        assert_eq!(verdict_with_leaf_key("Ed448", 456), Verdict::Pass);
    }

    #[test]
    fn rsa_2047_bits_fails() {
        assert_eq!(verdict_with_leaf_key("RSA", 2047), Verdict::Fail);
    }

    #[test]
    fn dsa_1024_fails_and_larger_dsa_warns_as_obsolete() {
        assert_eq!(verdict_with_leaf_key("DSA", 1024), Verdict::Fail);
        assert_eq!(verdict_with_leaf_key("DSA", 2047), Verdict::Warn);
    }

    #[test]
    fn unknown_algorithm_or_unreadable_key_goes_to_a_human() {
        assert_eq!(
            verdict_with_leaf_key("1.2.643.7.1.1.1.1", 512),
            Verdict::Manual
        );
        assert_eq!(verdict_with_leaf_key("unknown", 0), Verdict::Manual);
        assert_eq!(verdict_with_leaf_key("RSA", 0), Verdict::Manual);
    }

    #[test]
    fn weak_key_on_a_sent_root_is_ignored() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        let mut hs = handshake("chaton.test");
        let mut root = ca_certificate("Test Root", "Test Root");
        root.key_algorithm = "RSA".into();
        root.key_bits = 1024;
        hs.chain.push(root);
        obs.tls.insert("chaton.test:443".into(), Observed::Seen(hs));
        assert_eq!(verdict(&CertificateKeyStrong, &m, &obs), Verdict::Pass);
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
