//! `tls.certificate-valid`: the certificate chain validates to a trusted root for the host
//! name, within its validity window.

use super::{for_each_handshake, with_leaf_evidence};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::Finding;
use crate::msg;
use crate::observation::tls::VerificationKind;

/// The HTTPS certificate of each web host validates (Mozilla roots plus `--ca-file`).
pub struct CertificateValid;

impl Check for CertificateValid {
    fn id(&self) -> &'static str {
        "tls.certificate-valid"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Tls]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        for_each_handshake(cx, |web, subject, handshake| {
            let endpoint = web.endpoint();
            let finding = match (&handshake.verification_error, handshake.verification_kind) {
                (None, _) => {
                    let host = &web.host;
                    cx.pass(
                        subject,
                        msg!(
                            "the certificate of {endpoint} validates for {host}",
                            "le certificat de {endpoint} est valide pour {host}"
                        ),
                    )
                }
                (Some(error), kind) => {
                    let (why_en, why_fr) = match kind {
                        Some(VerificationKind::Expired) => ("has expired", "a expiré"),
                        Some(VerificationKind::NotYetValid) => {
                            ("is not valid yet", "n'est pas encore valide")
                        }
                        Some(VerificationKind::WrongHost) => (
                            "is not valid for this host name",
                            "n'est pas valide pour ce nom d'hôte",
                        ),
                        Some(VerificationKind::UnknownIssuer)
                            if handshake.leaf().is_some_and(|leaf| leaf.self_issued) =>
                        {
                            (
                                "is self-signed: no trusted authority vouches for it",
                                "est auto-signé : aucune autorité de confiance ne le garantit",
                            )
                        }
                        Some(VerificationKind::UnknownIssuer) => (
                            "does not lead to a trusted root (unknown authority or missing intermediate)",
                            "ne remonte pas à une autorité racine de confiance (autorité inconnue ou certificat intermédiaire manquant)",
                        ),
                        Some(VerificationKind::BadSignature) => (
                            "carries an invalid or refused signature",
                            "porte une signature invalide ou refusée",
                        ),
                        Some(VerificationKind::Other) | None => ("was rejected", "a été refusé"),
                    };
                    let message = msg!(
                        "the certificate of {endpoint} {why_en}",
                        "le certificat de {endpoint} {why_fr}"
                    );
                    // `Other` covers causes (an extension our verifier does not support…) where
                    // browsers may disagree with us: a human should look before we accuse.
                    let finding = if matches!(kind, Some(VerificationKind::Other) | None) {
                        cx.manual(subject, message)
                    } else {
                        cx.fail(subject, message)
                    };
                    finding.evidence("tls.verification_error", error.clone())
                }
            };
            with_leaf_evidence(finding.evidence("tls.endpoint", endpoint), handshake.leaf())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tls::test_support::*;
    use crate::finding::Verdict;
    use crate::observation::Observed;

    fn run(observed: Option<Observed<crate::observation::TlsHandshake>>) -> Vec<Finding> {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        if let Some(observed) = observed {
            obs.tls.insert("chaton.test:443".into(), observed);
        }
        judge(&CertificateValid, &m, &obs)
    }

    #[test]
    fn validated_chain_passes_with_issuer_evidence() {
        let findings = run(Some(Observed::Seen(handshake("chaton.test"))));
        assert_eq!(findings[0].verdict, Verdict::Pass);
        assert!(
            findings[0]
                .evidence
                .iter()
                .any(|e| e.label == "certificate.issuer" && e.value == "CN=Test Intermediate")
        );
        assert!(
            findings[0]
                .evidence
                .iter()
                .any(|e| e.label == "certificate.not_after")
        );
    }

    #[test]
    fn expired_wrong_host_and_unknown_issuer_fail() {
        for kind in [
            VerificationKind::Expired,
            VerificationKind::NotYetValid,
            VerificationKind::WrongHost,
            VerificationKind::UnknownIssuer,
            VerificationKind::BadSignature,
        ] {
            let findings = run(Some(Observed::Seen(failing_handshake("chaton.test", kind))));
            assert_eq!(findings[0].verdict, Verdict::Fail, "{kind:?}");
        }
    }

    #[test]
    fn self_signed_leaf_is_named_as_such() {
        let mut hs = failing_handshake("chaton.test", VerificationKind::UnknownIssuer);
        hs.chain = vec![certificate("chaton.test", "chaton.test", 90)];
        let findings = run(Some(Observed::Seen(hs)));
        assert_eq!(findings[0].verdict, Verdict::Fail);
        assert!(
            findings[0].message.contains("self-signed"),
            "{}",
            findings[0].message
        );
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(fr.contains("est auto-signé"), "{fr}");
    }

    #[test]
    fn other_verification_errors_go_to_a_human() {
        let findings = run(Some(Observed::Seen(failing_handshake(
            "chaton.test",
            VerificationKind::Other,
        ))));
        assert_eq!(findings[0].verdict, Verdict::Manual);
    }

    #[test]
    fn probe_failure_is_inconclusive_with_the_reason() {
        let findings = run(Some(timeout()));
        assert_eq!(findings[0].verdict, Verdict::Inconclusive);
        assert!(findings[0].message.contains("timed out"));
    }

    #[test]
    fn missing_observation_is_inconclusive() {
        assert_eq!(run(None)[0].verdict, Verdict::Inconclusive);
    }
}
