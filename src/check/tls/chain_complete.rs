//! `tls.chain-complete`: the server sends the intermediate certificates its leaf needs.
//!
//! Our verifier, like most non-browser clients, never fetches missing intermediates: a chain
//! that lacks one fails with `UnknownIssuer`. The same error comes from a self-signed
//! certificate or an untrusted root, so the shape of the chain sent tells them apart: a
//! self-issued top certificate means an untrusted root (not this check's business); a top
//! certificate whose issuer is absent from the chain means an issuer is missing — or an
//! unknown authority signed it directly, which the chain alone cannot rule out. That is why a
//! missing issuer is a `warn` here: `tls.certificate-valid` already fails the chain.

use super::{for_each_handshake, with_leaf_evidence};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Verdict};
use crate::observation::tls::VerificationKind;

/// The chain sent by each web host is complete up to a trusted root.
pub struct ChainComplete;

impl Check for ChainComplete {
    fn id(&self) -> &'static str {
        "tls.chain-complete"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Tls]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        for_each_handshake(cx, |web, subject, handshake| {
            let endpoint = web.endpoint();
            let Some(top) = handshake.chain.last() else {
                return cx.not_observed(subject, &format!("a certificate from {endpoint}"));
            };
            let length = handshake.chain.len();
            let finding = match (&handshake.verification_error, handshake.verification_kind) {
                (None, _) => cx.pass(
                    subject,
                    format!("{endpoint} sends a chain that validates ({length} certificates)"),
                ),
                (Some(_), Some(VerificationKind::UnknownIssuer)) => {
                    let issuer_sent = handshake
                        .chain
                        .iter()
                        .any(|cert| cert.subject == top.issuer);
                    if top.self_issued || top.subject == top.issuer {
                        cx.pass(subject, format!("{endpoint} sends a chain ending in its own root ({}); whether that root is trusted is judged by tls.certificate-valid", top.subject))
                    } else if issuer_sent {
                        cx.manual(subject, format!("{endpoint} sends a chain whose top certificate's issuer is in the chain, yet it does not validate"))
                    } else if length == 1 {
                        cx.warn(subject, format!("{endpoint} sends only its own certificate, issued by {}, which is not a trusted root: the intermediate certificate is probably missing", top.issuer))
                    } else {
                        cx.warn(subject, format!("{endpoint} sends {length} certificates; the issuer {} of the last one is neither sent nor a trusted root: an intermediate is probably missing", top.issuer))
                    }
                }
                (Some(error), _) => cx
                    .finding(
                        subject,
                        Verdict::Inconclusive,
                        format!(
                            "validation of {endpoint} stopped before the chain could be assessed"
                        ),
                    )
                    .evidence("tls.verification_error", error.clone()),
            };
            with_leaf_evidence(
                finding.evidence("tls.chain_length", length.to_string()),
                handshake.leaf(),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tls::test_support::*;
    use crate::observation::{Observed, TlsHandshake};

    fn verdict_of(hs: TlsHandshake) -> Verdict {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        obs.tls.insert("chaton.test:443".into(), Observed::Seen(hs));
        verdict(&ChainComplete, &m, &obs)
    }

    #[test]
    fn validated_chain_passes() {
        assert_eq!(verdict_of(handshake("chaton.test")), Verdict::Pass);
    }

    #[test]
    fn leaf_alone_with_unknown_issuer_warns_missing_intermediate() {
        let mut hs = failing_handshake("chaton.test", VerificationKind::UnknownIssuer);
        hs.chain.truncate(1);
        assert_eq!(verdict_of(hs), Verdict::Warn);
    }

    #[test]
    fn longer_chain_missing_its_top_issuer_warns() {
        let mut hs = failing_handshake("chaton.test", VerificationKind::UnknownIssuer);
        hs.chain[1] = ca_certificate("Test Intermediate", "Other Intermediate");
        assert_eq!(verdict_of(hs), Verdict::Warn);
    }

    #[test]
    fn self_signed_leaf_is_not_a_missing_intermediate() {
        let mut hs = failing_handshake("chaton.test", VerificationKind::UnknownIssuer);
        hs.chain = vec![certificate("chaton.test", "chaton.test", 90)];
        assert_eq!(verdict_of(hs), Verdict::Pass);
    }

    #[test]
    fn chain_with_its_issuer_present_that_fails_goes_to_a_human() {
        let mut hs = failing_handshake("chaton.test", VerificationKind::UnknownIssuer);
        hs.chain
            .push(ca_certificate("Test Root", "Test Intermediate"));
        assert_eq!(verdict_of(hs), Verdict::Manual);
    }

    #[test]
    fn other_verification_errors_are_inconclusive() {
        assert_eq!(
            verdict_of(failing_handshake("chaton.test", VerificationKind::Expired)),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        obs.tls.insert("chaton.test:443".into(), timeout());
        assert_eq!(verdict(&ChainComplete, &m, &obs), Verdict::Inconclusive);
    }
}
