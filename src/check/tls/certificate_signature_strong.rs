//! `tls.certificate-signature-strong`: no certificate a client relies on (the leaf and the
//! intermediates, not a root's self-signature) is signed with SHA-1 or MD5.

use super::{for_each_handshake, with_leaf_evidence};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::Finding;
use crate::msg;
use crate::observation::tls::Certificate;

/// Signatures on the leaf and intermediates use a collision-resistant hash; an unknown
/// algorithm goes to a human.
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
            let endpoint = web.endpoint();
            if handshake.chain.is_empty() {
                return cx.not_observed(
                    subject,
                    msg!(
                        "a certificate from {endpoint}",
                        "un certificat de {endpoint}"
                    ),
                );
            }
            // A client checks the signatures on the leaf and on the intermediates, never the
            // self-signature of a root (the trust anchor is trusted as such), so a SHA-1
            // self-signed root sent along is harmless — as SSL Labs also judges.
            let relied_on: Vec<&Certificate> = handshake
                .chain
                .iter()
                .enumerate()
                .filter(|(index, cert)| *index == 0 || !cert.self_issued)
                .map(|(_, cert)| cert)
                .collect();
            let mut weak = Vec::new();
            let mut unknown = Vec::new();
            for cert in relied_on {
                let line = format!("{}: {}", cert.subject, cert.signature_algorithm);
                match strength(cert) {
                    Strength::Strong => {}
                    Strength::Weak => weak.push(line),
                    Strength::Unknown => unknown.push(line),
                }
            }
            let finding = if !weak.is_empty() {
                let finding = cx.fail(
                    subject,
                    msg!(
                        "{endpoint} sends a certificate signed with SHA-1 or MD5",
                        "{endpoint} présente un certificat signé avec SHA-1 ou MD5"
                    ),
                );
                weak.into_iter().fold(finding, |f, line| {
                    f.evidence("certificate.weak_signature", line)
                })
            } else if !unknown.is_empty() {
                let finding = cx.manual(
                    subject,
                    msg!(
                        "{endpoint} sends a certificate signed with an algorithm this audit does not recognise",
                        "{endpoint} présente un certificat signé avec un algorithme que cet audit ne reconnaît pas"
                    ),
                );
                unknown.into_iter().fold(finding, |f, line| {
                    f.evidence("certificate.unknown_signature", line)
                })
            } else {
                cx.pass(
                    subject,
                    msg!(
                        "the certificates of {endpoint} are signed with strong algorithms",
                        "les certificats de {endpoint} sont signés avec des algorithmes robustes"
                    ),
                )
            };
            let finding = finding.evidence(
                "certificate.signature",
                handshake
                    .leaf()
                    .map(|leaf| leaf.signature_algorithm.clone())
                    .unwrap_or_default(),
            );
            with_leaf_evidence(finding, handshake.leaf())
        })
    }
}

/// How a signature algorithm fares.
#[derive(Debug, PartialEq, Eq)]
enum Strength {
    /// SHA-2 with RSA (PKCS #1 or PSS) or ECDSA, Ed25519, Ed448.
    Strong,
    /// SHA-1, MD5 or MD2: collisions can be forged.
    Weak,
    /// An algorithm we do not know, or a certificate we could not read.
    Unknown,
}

/// Judges a signature algorithm by the names x509-parser prints, or by OID (it prints
/// algorithms it does not name as OIDs).
fn strength(cert: &Certificate) -> Strength {
    let raw = cert.signature_algorithm.as_str();
    let name = raw.to_ascii_lowercase().replace(['-', '_'], "");
    const WEAK_OIDS: [&str; 7] = [
        "1.2.840.113549.1.1.5", // sha1WithRSAEncryption
        "1.2.840.113549.1.1.4", // md5WithRSAEncryption
        "1.2.840.113549.1.1.2", // md2WithRSAEncryption
        "1.2.840.10045.4.1",    // ecdsa-with-SHA1
        "1.2.840.10040.4.3",    // dsa-with-sha1
        "1.3.14.3.2.29",        // sha1WithRSASignature (OIW)
        "1.3.14.3.2.25",        // md5WithRSASignature (OIW)
    ];
    const STRONG_OIDS: [&str; 12] = [
        "1.2.840.113549.1.1.11", // sha256WithRSAEncryption
        "1.2.840.113549.1.1.12", // sha384WithRSAEncryption
        "1.2.840.113549.1.1.13", // sha512WithRSAEncryption
        "1.2.840.113549.1.1.14", // sha224WithRSAEncryption
        // RSASSA-PSS: the hash is in the parameters; WebPKI verifiers accept only SHA-256,
        // 384 and 512 there, so a SHA-1 PSS signature shows in tls.certificate-valid.
        "1.2.840.113549.1.1.10",
        "1.2.840.10045.4.3.1",    // ecdsa-with-SHA224
        "1.2.840.10045.4.3.2",    // ecdsa-with-SHA256
        "1.2.840.10045.4.3.3",    // ecdsa-with-SHA384
        "1.2.840.10045.4.3.4",    // ecdsa-with-SHA512
        "1.3.101.112",            // Ed25519
        "1.3.101.113",            // Ed448
        "2.16.840.1.101.3.4.3.2", // dsa-with-sha256
    ];
    if name.contains("sha1")
        || name.contains("md5")
        || name.contains("md2")
        || WEAK_OIDS.contains(&raw)
    {
        Strength::Weak
    } else if STRONG_OIDS.contains(&raw)
        || [
            "sha224",
            "sha256",
            "sha384",
            "sha512",
            "rsassapss",
            "ed25519",
            "ed448",
        ]
        .iter()
        .any(|strong| name.contains(strong))
    {
        Strength::Strong
    } else {
        Strength::Unknown
    }
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
    fn a_sha1_signature_is_reported_in_french_too() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        let mut hs = handshake("chaton.test");
        hs.chain[0].signature_algorithm = "sha1WithRSAEncryption".into();
        obs.tls.insert("chaton.test:443".into(), Observed::Seen(hs));
        let findings = judge(&CertificateSignatureStrong, &m, &obs);
        assert_eq!(findings[0].verdict, Verdict::Fail);
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(fr.contains("signé avec SHA-1 ou MD5"), "{fr}");
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
    fn rsa_pss_ecdsa_and_eddsa_names_from_x509_parser_pass() {
        for algorithm in [
            "rsassa-pss",
            "ecdsa-with-SHA384",
            "ed25519",
            "ed448",
            "sha512WithRSAEncryption",
            "1.2.840.113549.1.1.10",
        ] {
            assert_eq!(
                verdict_with(0, algorithm, false),
                Verdict::Pass,
                "{algorithm}"
            );
            assert_eq!(
                verdict_with(1, algorithm, false),
                Verdict::Pass,
                "{algorithm}"
            );
        }
    }

    #[test]
    fn sha1_self_signed_leaf_still_fails() {
        assert_eq!(
            verdict_with(0, "sha1WithRSAEncryption", true),
            Verdict::Fail
        );
    }

    #[test]
    fn unrecognised_algorithm_goes_to_a_human() {
        assert_eq!(verdict_with(1, "1.2.3.4.5", false), Verdict::Manual);
        assert_eq!(verdict_with(0, "unknown", false), Verdict::Manual);
    }

    #[test]
    fn unrecognised_algorithm_on_a_sent_root_is_ignored() {
        assert_eq!(verdict_with(2, "1.2.3.4.5", true), Verdict::Pass);
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
