//! `tls.chain-complete`: the server sends the intermediate certificates its leaf needs.
//!
//! Our verifier, like most non-browser clients, never fetches missing intermediates. When it
//! accepted the chain, or stopped only at the host name (the name is checked after a path to
//! a trusted root was built), the chain is complete. Otherwise the chain is judged from its
//! structure: follow issuers from the leaf through the certificates sent (names, and key
//! identifiers when both sides carry one) until one whose issuer is not sent. That top
//! certificate is complete when it is a root itself (self-issued) or when its issuer is a
//! root of the trust store. When it is not, an intermediate is missing *or* an authority we
//! do not trust signed it directly — the chain alone cannot tell which. Only a positive sign
//! that the issuer is an intermediate (its certificate was seen chaining to a trusted root in
//! another handshake of this run, or the certificate names where its issuer is published)
//! makes that a `warn`; without one a human must look. Extra certificates and a shuffled order
//! are noted as evidence: clients cope with them, and peers (SSL Labs) do not penalise them.

use super::{for_each_handshake, with_leaf_evidence};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Verdict};
use crate::msg;
use crate::observation::Observed;
use crate::observation::tls::{Certificate, TlsHandshake, VerificationKind};

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
            if handshake.chain.is_empty() {
                return cx.not_observed(
                    subject,
                    msg!(
                        "a certificate from {endpoint}",
                        "un certificat de {endpoint}"
                    ),
                );
            }
            let length = handshake.chain.len();
            let path = Path::of(&handshake.chain);
            let top = path.top(&handshake.chain);
            let certificats = certificats(length);
            let certificates = if length == 1 {
                "1 certificate".to_owned()
            } else {
                format!("{length} certificates")
            };
            let finding = match handshake.verification_kind {
                _ if handshake.verification_error.is_none() => cx.pass(
                    subject,
                    msg!(
                        "{endpoint} sends a chain that validates ({certificates})",
                        "{endpoint} envoie une chaîne de certificats valide ({certificats})"
                    ),
                ),
                Some(VerificationKind::WrongHost) => cx.pass(
                    subject,
                    msg!(
                        "{endpoint} sends a chain that leads to a trusted root ({certificates}); the host name it is issued for is judged by tls.certificate-valid",
                        "{endpoint} envoie une chaîne qui remonte à une racine de confiance ({certificats}) ; le nom d'hôte pour lequel le certificat est délivré est jugé par tls.certificate-valid"
                    ),
                ),
                Some(VerificationKind::UnknownIssuer) => {
                    judge_untrusted(cx, subject, &endpoint, handshake, &path, top)
                }
                Some(VerificationKind::Expired | VerificationKind::NotYetValid)
                    if top.self_issued || top.issuer_is_trust_anchor =>
                {
                    let (ending_en, ending_fr) = ending(top);
                    cx.pass(
                        subject,
                        msg!(
                            "{endpoint} sends every certificate up to {ending_en} (judged from the chain itself: validation stopped at the certificate's dates)",
                            "{endpoint} envoie tous les certificats jusqu'à {ending_fr} (jugé d'après la chaîne elle-même : la validation s'est arrêtée aux dates du certificat)"
                        ),
                    )
                }
                Some(VerificationKind::Expired | VerificationKind::NotYetValid) => {
                    match known_intermediate(cx, top) {
                        Some(seen_on) => missing_known_intermediate(
                            cx,
                            subject,
                            &endpoint,
                            &path,
                            top,
                            seen_on,
                        ),
                        None => cx.finding(
                            subject,
                            Verdict::Inconclusive,
                            msg!(
                                "validation of {endpoint} stopped at the certificate's dates, and the chain sent does not show whether it is complete",
                                "la validation de {endpoint} s'est arrêtée aux dates du certificat, et la chaîne envoyée ne permet pas de dire si elle est complète"
                            ),
                        ),
                    }
                }
                _ => cx.finding(
                    subject,
                    Verdict::Inconclusive,
                    msg!(
                        "validation of {endpoint} stopped before the chain could be assessed",
                        "la validation de {endpoint} s'est arrêtée avant que la chaîne puisse être évaluée"
                    ),
                ),
            };
            let finding = match &handshake.verification_error {
                Some(error) => finding.evidence("tls.verification_error", error.clone()),
                None => finding,
            };
            let finding = path
                .notes()
                .into_iter()
                .fold(finding, |f, note| f.evidence("tls.chain_note", note));
            with_leaf_evidence(
                finding.evidence("tls.chain_length", length.to_string()),
                handshake.leaf(),
            )
        })
    }
}

/// The verdict when no path to a trusted root was found (`UnknownIssuer`).
fn judge_untrusted(
    cx: &Context<'_>,
    subject: crate::finding::Subject,
    endpoint: &str,
    handshake: &TlsHandshake,
    path: &Path,
    top: &Certificate,
) -> Finding {
    if top.self_issued {
        return cx.pass(
            subject,
            msg!(
                "{endpoint} sends a chain ending in its own root ({}); whether that root is trusted is judged by tls.certificate-valid",
                "{endpoint} envoie une chaîne qui se termine par sa propre racine ({}) ; c'est tls.certificate-valid qui juge si cette racine est de confiance",
                top.subject
            ),
        );
    }
    if top.issuer_is_trust_anchor {
        return cx.manual(
            subject,
            msg!(
                "{endpoint} sends a chain whose top certificate is issued by {}, a trusted root, yet it does not validate",
                "{endpoint} envoie une chaîne dont le certificat le plus haut est émis par {}, une racine de confiance, et pourtant elle n'est pas validée",
                top.issuer
            ),
        );
    }
    if handshake
        .chain
        .iter()
        .any(|cert| cert.subject == top.issuer)
    {
        return cx.manual(
            subject,
            msg!(
                "{endpoint} sends a certificate named like the issuer {} of its chain's top certificate, yet the chain does not validate",
                "{endpoint} envoie un certificat qui porte le nom de l'émetteur {} du certificat le plus haut de sa chaîne, et pourtant la chaîne n'est pas validée",
                top.issuer
            ),
        );
    }
    if let Some(seen_on) = known_intermediate(cx, top) {
        return missing_known_intermediate(cx, subject, endpoint, path, top, seen_on);
    }
    let (sends, sends_fr) = path.sends();
    if let Some(url) = top.ca_issuers.first() {
        return cx
            .warn(
                subject,
                msg!(
                    "{endpoint} {sends}: its issuer {} is neither sent nor a trusted root, and the certificate says it is published at {url}: the intermediate certificate is probably missing",
                    "{endpoint} {sends_fr} : son émetteur {} n'est ni envoyé ni une racine de confiance, et le certificat indique qu'il est publié à l'adresse {url} : le certificat intermédiaire manque probablement",
                    top.issuer
                ),
            )
            .evidence("tls.missing_issuer", top.issuer.clone())
            .evidence("certificate.ca_issuers", url.clone());
    }
    cx.manual(
        subject,
        msg!(
            "{endpoint} {sends}, issued by {}, which is neither sent nor a trusted root: either an intermediate certificate is missing, or that authority (unknown to this audit) issued it directly",
            "{endpoint} {sends_fr}, émis par {}, qui n'est ni envoyé ni une racine de confiance : soit il manque un certificat intermédiaire, soit cette autorité (inconnue de cet audit) l'a émis directement",
            top.issuer
        ),
    )
    .evidence("tls.missing_issuer", top.issuer.clone())
}

/// The warning for a chain whose top issuer is an intermediate seen in another handshake.
fn missing_known_intermediate(
    cx: &Context<'_>,
    subject: crate::finding::Subject,
    endpoint: &str,
    path: &Path,
    top: &Certificate,
    seen_on: String,
) -> Finding {
    let (sends, sends_fr) = path.sends();
    cx.warn(
        subject,
        msg!(
            "{endpoint} {sends}: the intermediate certificate {} is missing (it chains to a trusted root in the handshake with {seen_on})",
            "{endpoint} {sends_fr} : le certificat intermédiaire {} manque (il remonte à une racine de confiance dans la négociation TLS avec {seen_on})",
            top.issuer
        ),
    )
    .evidence("tls.missing_issuer", top.issuer.clone())
    .evidence("tls.issuer_seen_on", seen_on)
}

/// The host of another handshake of this run where a CA certificate named `top.issuer` (with
/// the key `top` names, when known) was sent and chained to a trusted root.
fn known_intermediate(cx: &Context<'_>, top: &Certificate) -> Option<String> {
    cx.observations
        .tls
        .values()
        .chain(cx.observations.tls_ipv6.values())
        .filter_map(|observed| match observed {
            Observed::Seen(handshake) if handshake.verification_error.is_none() => Some(handshake),
            _ => None,
        })
        .find_map(|handshake| {
            handshake
                .chain
                .iter()
                .skip(1)
                .any(|cert| cert.is_ca && !cert.self_issued && issues(cert, top))
                .then(|| handshake.server_name.clone())
        })
}

/// The endpoint of a complete chain, for messages, in English and French.
fn ending(top: &Certificate) -> (String, String) {
    if top.self_issued {
        (
            format!("its root {}", top.subject),
            format!("sa propre racine {}", top.subject),
        )
    } else {
        (
            format!("the trusted root {}", top.issuer),
            format!("la racine de confiance {}", top.issuer),
        )
    }
}

/// "1 certificat", "3 certificats": a count of certificates in French.
fn certificats(count: usize) -> String {
    if count <= 1 {
        format!("{count} certificat")
    } else {
        format!("{count} certificats")
    }
}

/// Whether `issuer` is the certificate that signed `cert`, as far as names and key
/// identifiers tell.
fn issues(issuer: &Certificate, cert: &Certificate) -> bool {
    issuer.subject == cert.issuer
        && match (&issuer.subject_key_id, &cert.authority_key_id) {
            (Some(ski), Some(aki)) => ski.eq_ignore_ascii_case(aki),
            _ => true,
        }
}

/// The certificates a client would walk from the leaf, as indices into the chain sent.
struct Path {
    certificates: Vec<usize>,
    length: usize,
}

impl Path {
    fn of(chain: &[Certificate]) -> Self {
        let mut certificates = vec![0];
        let mut current = 0;
        while let Some(cert) = chain.get(current) {
            if cert.self_issued {
                break;
            }
            let next =
                (0..chain.len()).find(|&i| !certificates.contains(&i) && issues(&chain[i], cert));
            match next {
                Some(next) => {
                    certificates.push(next);
                    current = next;
                }
                None => break,
            }
        }
        Self {
            certificates,
            length: chain.len(),
        }
    }

    /// What the server sends, for messages, in English and French.
    fn sends(&self) -> (String, String) {
        let count = self.certificates.len();
        if count == 1 {
            (
                "sends only its own certificate".to_owned(),
                "n'envoie que son propre certificat".to_owned(),
            )
        } else {
            (
                format!("sends {count} linked certificates"),
                format!("envoie {count} certificats liés entre eux"),
            )
        }
    }

    /// The last certificate of the path.
    fn top<'c>(&self, chain: &'c [Certificate]) -> &'c Certificate {
        let index = self.certificates.last().copied().unwrap_or(0);
        &chain[index.min(chain.len().saturating_sub(1))]
    }

    /// Remarks on a chain that works but is not tidy: certificates off the path, or the path
    /// sent out of order.
    fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        let extra = self.length.saturating_sub(self.certificates.len());
        if extra > 0 {
            notes.push(format!(
                "{extra} certificate(s) sent that do not belong to the leaf's chain"
            ));
        }
        if self.certificates.iter().enumerate().any(|(i, &c)| i != c) {
            notes.push("certificates sent out of order".to_owned());
        }
        notes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tls::test_support::*;
    use crate::observation::{Observed, TlsHandshake};

    fn verdict_of(hs: TlsHandshake) -> Verdict {
        findings_of(hs).verdict
    }

    fn findings_of(hs: TlsHandshake) -> Finding {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        obs.tls.insert("chaton.test:443".into(), Observed::Seen(hs));
        let mut findings = judge(&ChainComplete, &m, &obs);
        assert_eq!(findings.len(), 1);
        findings.remove(0)
    }

    fn leaf_only(issuer: &str) -> TlsHandshake {
        let mut hs = failing_handshake("chaton.test", VerificationKind::UnknownIssuer);
        hs.chain = vec![certificate("chaton.test", issuer, 90)];
        hs
    }

    #[test]
    fn validated_chain_passes() {
        assert_eq!(verdict_of(handshake("chaton.test")), Verdict::Pass);
    }

    #[test]
    fn validated_chain_out_of_order_passes_with_a_note() {
        let mut hs = handshake("chaton.test");
        hs.chain.push(ca_certificate("Test Root", "Test Root"));
        hs.chain.swap(1, 2);
        let f = findings_of(hs);
        assert_eq!(f.verdict, Verdict::Pass);
        assert!(
            f.evidence
                .iter()
                .any(|e| e.label == "tls.chain_note" && e.value.contains("out of order")),
            "{f:#?}"
        );
    }

    #[test]
    fn wrong_host_still_proves_a_complete_chain() {
        assert_eq!(
            verdict_of(failing_handshake(
                "chaton.test",
                VerificationKind::WrongHost
            )),
            Verdict::Pass
        );
    }

    #[test]
    fn leaf_alone_whose_issuer_is_seen_elsewhere_as_an_intermediate_warns_missing_intermediate() {
        let m = member("https://chaton.test/", &["https://pad.chaton.test/"]);
        let mut obs = observations();
        obs.tls.insert(
            "chaton.test:443".into(),
            Observed::Seen(leaf_only("Test Intermediate")),
        );
        obs.tls.insert(
            "pad.chaton.test:443".into(),
            Observed::Seen(handshake("pad.chaton.test")),
        );
        let findings = judge(&ChainComplete, &m, &obs);
        let leaf_only_finding = findings
            .iter()
            .find(|f| f.subject == crate::finding::Subject::Host("chaton.test".into()))
            .expect("a finding for chaton.test");
        assert_eq!(leaf_only_finding.verdict, Verdict::Warn);
        assert!(leaf_only_finding.message.contains("missing"));
        let fr = leaf_only_finding.message_fr.as_deref().unwrap_or_default();
        assert!(
            fr.contains("n'envoie que son propre certificat : le certificat intermédiaire CN=Test Intermediate manque"),
            "{fr}"
        );
    }

    #[test]
    fn leaf_alone_naming_where_its_issuer_is_published_warns() {
        let mut hs = leaf_only("R11");
        hs.chain[0].ca_issuers = vec!["http://r11.i.lencr.org/".into()];
        assert_eq!(verdict_of(hs), Verdict::Warn);
    }

    #[test]
    fn leaf_alone_from_an_unknown_authority_goes_to_a_human_not_a_missing_intermediate() {
        let f = findings_of(leaf_only("Private Root"));
        assert_eq!(f.verdict, Verdict::Manual);
        assert!(
            f.message.contains("either an intermediate"),
            "{}",
            f.message
        );
    }

    #[test]
    fn intermediate_with_a_different_key_is_not_the_issuer() {
        let m = member("https://chaton.test/", &["https://pad.chaton.test/"]);
        let mut obs = observations();
        let mut lone = leaf_only("Test Intermediate");
        lone.chain[0].authority_key_id = Some("01".into());
        obs.tls
            .insert("chaton.test:443".into(), Observed::Seen(lone));
        let mut other = handshake("pad.chaton.test");
        other.chain[1].subject_key_id = Some("02".into());
        obs.tls
            .insert("pad.chaton.test:443".into(), Observed::Seen(other));
        let findings = judge(&ChainComplete, &m, &obs);
        assert_eq!(findings[0].verdict, Verdict::Manual, "{findings:#?}");
    }

    #[test]
    fn longer_chain_missing_its_top_issuer_is_judged_like_a_lone_leaf() {
        let mut hs = failing_handshake("chaton.test", VerificationKind::UnknownIssuer);
        hs.chain[1] = ca_certificate("Test Intermediate", "Other Intermediate");
        hs.chain[1].ca_issuers = vec!["http://ca.test/other.der".into()];
        assert_eq!(verdict_of(hs), Verdict::Warn);
    }

    #[test]
    fn self_signed_leaf_is_not_a_missing_intermediate() {
        let mut hs = failing_handshake("chaton.test", VerificationKind::UnknownIssuer);
        hs.chain = vec![certificate("chaton.test", "chaton.test", 90)];
        assert_eq!(verdict_of(hs), Verdict::Pass);
    }

    #[test]
    fn chain_ending_under_a_trusted_root_that_fails_goes_to_a_human() {
        let mut hs = failing_handshake("chaton.test", VerificationKind::UnknownIssuer);
        hs.chain[1].issuer_is_trust_anchor = true;
        assert_eq!(verdict_of(hs), Verdict::Manual);
    }

    #[test]
    fn expired_leaf_with_its_intermediate_sent_is_complete() {
        let mut hs = failing_handshake("chaton.test", VerificationKind::Expired);
        hs.chain[1].issuer_is_trust_anchor = true;
        assert_eq!(verdict_of(hs), Verdict::Pass);
    }

    #[test]
    fn expired_leaf_sent_alone_is_inconclusive() {
        let mut hs = failing_handshake("chaton.test", VerificationKind::Expired);
        hs.chain.truncate(1);
        assert_eq!(verdict_of(hs), Verdict::Inconclusive);
    }

    #[test]
    fn expired_leaf_sent_without_an_intermediate_seen_elsewhere_warns() {
        let m = member("https://chaton.test/", &["https://pad.chaton.test/"]);
        let mut obs = observations();
        let mut lone = failing_handshake("chaton.test", VerificationKind::Expired);
        lone.chain.truncate(1);
        obs.tls
            .insert("chaton.test:443".into(), Observed::Seen(lone));
        obs.tls.insert(
            "pad.chaton.test:443".into(),
            Observed::Seen(handshake("pad.chaton.test")),
        );
        assert_eq!(judge(&ChainComplete, &m, &obs)[0].verdict, Verdict::Warn);
    }

    #[test]
    fn bad_signature_is_inconclusive() {
        assert_eq!(
            verdict_of(failing_handshake(
                "chaton.test",
                VerificationKind::BadSignature
            )),
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
