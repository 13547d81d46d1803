//! `tls.legacy-protocols-refused`: SSL 3, TLS 1.0 and TLS 1.1 are refused.

use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject, Verdict};
use crate::msg;
use crate::observation::Observed;
use crate::observation::tls::LegacyOutcome;
use crate::plan::targets::web_hosts;

/// Each web host refuses every legacy protocol version when it is offered alone: any of
/// SSL 3, TLS 1.0 or TLS 1.1 accepted fails, no usable answer is inconclusive.
pub struct LegacyProtocolsRefused;

impl Check for LegacyProtocolsRefused {
    fn id(&self) -> &'static str {
        "tls.legacy-protocols-refused"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::LegacyTls]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        web_hosts(cx.member)
            .into_iter()
            .map(|web| {
                let subject = Subject::Host(web.host.clone());
                let endpoint = web.endpoint();
                let legacy = match cx.observations.legacy_tls.get(&endpoint) {
                    None => {
                        return cx.not_observed(
                            subject,
                            msg!(
                                "legacy protocols on {endpoint}",
                                "protocoles obsolètes sur {endpoint}"
                            ),
                        );
                    }
                    Some(Observed::Failed(failure)) => {
                        return cx
                            .inconclusive(subject, failure)
                            .evidence("tls.endpoint", endpoint);
                    }
                    Some(Observed::Seen(legacy)) => legacy,
                };
                let mut accepted = Vec::new();
                let mut refused = Vec::new();
                let mut unknown = Vec::new();
                let mut evidence = Vec::new();
                for attempt in &legacy.attempts {
                    let (label, detail) = match &attempt.outcome {
                        LegacyOutcome::Accepted { cipher_suite } => {
                            accepted.push(attempt.version.clone());
                            ("accepted", format!("cipher suite {cipher_suite}"))
                        }
                        LegacyOutcome::Refused { detail } => {
                            refused.push(attempt.version.clone());
                            ("refused", detail.clone())
                        }
                        LegacyOutcome::Unknown { detail } => {
                            unknown.push(attempt.version.clone());
                            ("unknown", detail.clone())
                        }
                    };
                    evidence.push((
                        format!("tls.legacy.{}", attempt.version),
                        format!("{label}: {detail}"),
                    ));
                }
                let (untold, untold_fr) = if unknown.is_empty() {
                    (String::new(), String::new())
                } else {
                    let versions = unknown.join(", ");
                    (
                        format!(" (no usable answer for {versions})"),
                        format!(" (pas de réponse exploitable pour {versions})"),
                    )
                };
                // Every legacy version accepted fails: SSL 3 is broken (POODLE), TLS 1.0 and 1.1
                // are prohibited by RFC 8996, and a server accepting them lets an active
                // attacker who can interfere with the handshake pull clients that still speak
                // them down to CBC-era suites. The charter asks for encryption done properly.
                let finding = if !accepted.is_empty() {
                    cx.fail(
                        subject,
                        msg!(
                            "{endpoint} accepts {}, prohibited by RFC 8996{untold}",
                            "{endpoint} accepte {}, que la RFC 8996 interdit{untold_fr}",
                            accepted.join(", ")
                        ),
                    )
                } else if legacy.attempts.is_empty() {
                    cx.not_observed(
                        subject,
                        msg!(
                            "legacy protocols on {endpoint}",
                            "protocoles obsolètes sur {endpoint}"
                        ),
                    )
                } else if !unknown.is_empty() {
                    cx.finding(
                        subject,
                        Verdict::Inconclusive,
                        msg!(
                            "{endpoint} gave no usable answer when offered {}",
                            "{endpoint} n'a pas donné de réponse exploitable quand on lui a proposé {}",
                            unknown.join(", ")
                        ),
                    )
                } else {
                    cx.pass(
                        subject,
                        msg!(
                            "{endpoint} refuses {}",
                            "{endpoint} refuse {}",
                            refused.join(", ")
                        ),
                    )
                };
                evidence
                    .into_iter()
                    .fold(finding.evidence("tls.endpoint", endpoint), |f, (l, v)| {
                        f.evidence(l, v)
                    })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tls::test_support::*;
    use crate::observation::tls::{LegacyAttempt, LegacyProtocols};

    fn verdict_of(outcomes: Vec<LegacyOutcome>) -> Verdict {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        let attempts = ["SSLv3", "TLSv1.0", "TLSv1.1"]
            .iter()
            .zip(outcomes)
            .map(|(v, outcome)| LegacyAttempt {
                version: (*v).into(),
                outcome,
            })
            .collect();
        obs.legacy_tls.insert(
            "chaton.test:443".into(),
            Observed::Seen(LegacyProtocols { attempts }),
        );
        verdict(&LegacyProtocolsRefused, &m, &obs)
    }

    fn refused() -> LegacyOutcome {
        LegacyOutcome::Refused {
            detail: "alert protocol_version".into(),
        }
    }

    #[test]
    fn all_refused_passes() {
        assert_eq!(
            verdict_of(vec![refused(), refused(), refused()]),
            Verdict::Pass
        );
    }

    fn accepted() -> LegacyOutcome {
        LegacyOutcome::Accepted {
            cipher_suite: "0x002f".into(),
        }
    }

    fn unknown() -> LegacyOutcome {
        LegacyOutcome::Unknown {
            detail: "timed out".into(),
        }
    }

    #[test]
    fn sslv3_accepted_fails() {
        assert_eq!(
            verdict_of(vec![accepted(), refused(), refused()]),
            Verdict::Fail
        );
    }

    #[test]
    fn tls10_or_tls11_accepted_fails_as_prohibited_by_rfc_8996() {
        assert_eq!(
            verdict_of(vec![refused(), accepted(), refused()]),
            Verdict::Fail
        );
        assert_eq!(
            verdict_of(vec![refused(), refused(), accepted()]),
            Verdict::Fail
        );
    }

    #[test]
    fn tls10_accepted_fails_even_when_sslv3_got_no_usable_answer() {
        assert_eq!(
            verdict_of(vec![unknown(), accepted(), refused()]),
            Verdict::Fail
        );
    }

    #[test]
    fn unknown_outcome_is_never_a_pass() {
        assert_eq!(
            verdict_of(vec![unknown(), refused(), refused()]),
            Verdict::Inconclusive
        );
        assert_eq!(
            verdict_of(vec![unknown(), unknown(), unknown()]),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn pass_names_only_the_versions_tried() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        let attempts = vec![LegacyAttempt {
            version: "TLSv1.0".into(),
            outcome: refused(),
        }];
        obs.legacy_tls.insert(
            "chaton.test:443".into(),
            Observed::Seen(LegacyProtocols { attempts }),
        );
        let findings = judge(&LegacyProtocolsRefused, &m, &obs);
        assert_eq!(findings[0].verdict, Verdict::Pass);
        assert!(
            findings[0].message.ends_with("refuses TLSv1.0"),
            "{}",
            findings[0].message
        );
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(fr.ends_with("refuse TLSv1.0"), "{fr}");
    }

    #[test]
    fn garbage_answer_without_acceptance_is_inconclusive() {
        let unknown = LegacyOutcome::Unknown {
            detail: "not a TLS record".into(),
        };
        assert_eq!(
            verdict_of(vec![refused(), unknown, refused()]),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        obs.legacy_tls.insert("chaton.test:443".into(), timeout());
        assert_eq!(
            verdict(&LegacyProtocolsRefused, &m, &obs),
            Verdict::Inconclusive
        );
    }
}
