//! `tls.protocol-modern`: the handshake negotiates TLS 1.3 or 1.2. Either passes: TLS 1.2 alone
//! is what Mozilla's "intermediate" profile asks, and a server negotiating 1.3 tells nothing
//! about 1.2, which this check does not need. A server that refuses both versions fails. Whether
//! a post-quantum hybrid key exchange (X25519MLKEM768) was used is recorded as evidence, not
//! judged.

use super::{for_each_handshake, with_leaf_evidence};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject};
use crate::msg;
use crate::observation::{Observed, ProbeFailure};
use crate::plan::targets::web_hosts;

/// Each web host negotiates a current TLS version.
pub struct ProtocolModern;

impl Check for ProtocolModern {
    fn id(&self) -> &'static str {
        "tls.protocol-modern"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Tls]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        let mut findings = for_each_handshake(cx, |web, subject, handshake| {
            let endpoint = web.endpoint();
            let protocol = handshake.protocol.as_str();
            let finding = match normalise(protocol).as_str() {
                "tls1.3" | "tls1.2" => cx.pass(
                    subject,
                    msg!(
                        "{endpoint} negotiates {protocol}",
                        "{endpoint} négocie {protocol}"
                    ),
                ),
                // Our client only offers 1.2 and 1.3, so anything else is a recording oddity.
                _ => cx.manual(
                    subject,
                    msg!(
                        "{endpoint} negotiated an unexpected protocol {protocol}",
                        "{endpoint} a négocié un protocole inattendu, {protocol}"
                    ),
                ),
            };
            let key_exchange = handshake.key_exchange.as_deref().unwrap_or("unknown");
            let post_quantum = key_exchange.to_ascii_uppercase().contains("MLKEM");
            let finding = finding
                .evidence("tls.protocol", protocol)
                .evidence("tls.cipher_suite", handshake.cipher_suite.clone())
                .evidence("tls.key_exchange", key_exchange)
                .evidence("tls.post_quantum", if post_quantum { "yes" } else { "no" });
            with_leaf_evidence(finding, handshake.leaf())
        });
        // A handshake that failed because the server refused TLS 1.2 and 1.3 as versions is
        // the server's answer, not a failure to observe.
        for (web, finding) in web_hosts(cx.member).iter().zip(findings.iter_mut()) {
            let endpoint = web.endpoint();
            if let Some(Observed::Failed(ProbeFailure::Tls { message })) =
                cx.observations.tls.get(&endpoint)
                && refuses_modern_versions(message)
            {
                *finding = cx
                    .fail(
                        Subject::Host(web.host.clone()),
                        msg!(
                            "{endpoint} refuses TLS 1.2 and TLS 1.3",
                            "{endpoint} refuse TLS 1.2 et TLS 1.3"
                        ),
                    )
                    .evidence("tls.endpoint", endpoint)
                    .evidence("probe.failure", message.clone());
            }
        }
        findings
    }
}

/// Whether a handshake error says the server speaks neither TLS 1.2 nor 1.3: a
/// `protocol_version` alert in answer to our offer of both, or a ServerHello choosing an
/// older version.
fn refuses_modern_versions(message: &str) -> bool {
    message.contains("received fatal alert: ProtocolVersion")
        || message.contains("ServerDoesNotSupportTls12Or13")
}

/// `TLSv1.3`, `TLSv1_3`, `TLS 1.3` all become `tls1.3`.
fn normalise(protocol: &str) -> String {
    protocol
        .to_ascii_lowercase()
        .replace(['_', ' '], ".")
        .replace("tlsv", "tls")
        .replace("tls.", "tls")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tls::test_support::*;
    use crate::finding::Verdict;
    use crate::observation::Observed;

    fn findings_for(protocol: &str, kx: &str) -> Vec<Finding> {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        let mut hs = handshake("chaton.test");
        hs.protocol = protocol.into();
        hs.key_exchange = Some(kx.into());
        obs.tls.insert("chaton.test:443".into(), Observed::Seen(hs));
        judge(&ProtocolModern, &m, &obs)
    }

    #[test]
    fn tls13_and_tls12_pass_in_any_spelling() {
        for p in ["TLSv1.3", "TLSv1_3", "TLSv1.2", "TLSv1_2"] {
            assert_eq!(findings_for(p, "X25519")[0].verdict, Verdict::Pass, "{p}");
        }
    }

    #[test]
    fn post_quantum_key_exchange_is_evidence() {
        let f = findings_for("TLSv1.3", "X25519MLKEM768");
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.label == "tls.post_quantum" && e.value == "yes")
        );
        let f = findings_for("TLSv1.3", "X25519");
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.label == "tls.post_quantum" && e.value == "no")
        );
    }

    #[test]
    fn a_pass_reads_in_french_too() {
        let f = findings_for("TLSv1.3", "X25519");
        let fr = f[0].message_fr.as_deref().unwrap_or_default();
        assert_eq!(fr, "chaton.test:443 négocie TLSv1.3");
    }

    #[test]
    fn unexpected_protocol_goes_to_a_human() {
        assert_eq!(
            findings_for("TLSv1.0", "X25519")[0].verdict,
            Verdict::Manual
        );
    }

    fn verdict_of_failure(message: &str) -> Verdict {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        obs.tls.insert(
            "chaton.test:443".into(),
            Observed::Failed(ProbeFailure::Tls {
                message: message.into(),
            }),
        );
        verdict(&ProtocolModern, &m, &obs)
    }

    #[test]
    fn server_refusing_tls12_and_tls13_fails() {
        assert_eq!(
            verdict_of_failure("received fatal alert: ProtocolVersion"),
            Verdict::Fail
        );
        assert_eq!(
            verdict_of_failure("peer is incompatible: ServerDoesNotSupportTls12Or13"),
            Verdict::Fail
        );
    }

    #[test]
    fn other_handshake_failures_are_inconclusive() {
        assert_eq!(
            verdict_of_failure("received fatal alert: HandshakeFailure"),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        obs.tls.insert("chaton.test:443".into(), timeout());
        assert_eq!(verdict(&ProtocolModern, &m, &obs), Verdict::Inconclusive);
    }
}
