//! `tls.legacy-protocols-refused`: SSL 3, TLS 1.0 and TLS 1.1 are refused.

use crate::check::tls::targets::web_hosts;
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject, Verdict};
use crate::observation::Observed;
use crate::observation::tls::LegacyOutcome;

/// Each web host refuses every legacy protocol version when it is offered alone.
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
                        return cx
                            .not_observed(subject, &format!("legacy protocols on {endpoint}"));
                    }
                    Some(Observed::Failed(failure)) => {
                        return cx
                            .inconclusive(subject, failure)
                            .evidence("tls.endpoint", endpoint);
                    }
                    Some(Observed::Seen(legacy)) => legacy,
                };
                let mut accepted = Vec::new();
                let mut unknown = Vec::new();
                let mut evidence = Vec::new();
                for attempt in &legacy.attempts {
                    let (label, detail) = match &attempt.outcome {
                        LegacyOutcome::Accepted { cipher_suite } => {
                            accepted.push(attempt.version.clone());
                            ("accepted", format!("cipher suite {cipher_suite}"))
                        }
                        LegacyOutcome::Refused { detail } => ("refused", detail.clone()),
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
                let finding = if !accepted.is_empty() {
                    cx.fail(
                        subject,
                        format!("{endpoint} accepts {}", accepted.join(", ")),
                    )
                } else if legacy.attempts.is_empty() {
                    cx.not_observed(subject, &format!("legacy protocols on {endpoint}"))
                } else if !unknown.is_empty() {
                    cx.finding(
                        subject,
                        Verdict::Inconclusive,
                        format!(
                            "{endpoint} gave no usable answer when offered {}",
                            unknown.join(", ")
                        ),
                    )
                } else {
                    cx.pass(
                        subject,
                        format!("{endpoint} refuses SSL 3, TLS 1.0 and TLS 1.1"),
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

    #[test]
    fn tls10_accepted_fails() {
        let accepted = LegacyOutcome::Accepted {
            cipher_suite: "0x002f".into(),
        };
        assert_eq!(
            verdict_of(vec![refused(), accepted, refused()]),
            Verdict::Fail
        );
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
