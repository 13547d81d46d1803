//! `mail.mta-sts`: the domain publishes an MTA-STS policy in `enforce` mode (RFC 8461), so
//! senders refuse to deliver over unauthenticated or clear-text connections.

use super::{dns, mail_domains, mail_observation, tagged_txt};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject};
use crate::observation::{Observed, ProbeFailure};

/// `_mta-sts` TXT record plus a policy file with `mode: enforce` covering every MX.
pub struct MtaSts;

impl Check for MtaSts {
    fn id(&self) -> &'static str {
        "mail.mta-sts"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Dns, ProbeKind::Mail]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        mail_domains(cx)
            .into_iter()
            .map(|domain| judge_domain(cx, &domain))
            .collect()
    }
}

fn judge_domain(cx: &Context<'_>, domain: &str) -> Finding {
    let subject = Subject::MailDomain(domain.to_owned());
    let name = format!("_mta-sts.{domain}");
    let records = match dns(cx, &name, &subject) {
        Ok(records) => records,
        Err(finding) => return finding,
    };
    let announced = tagged_txt(records, "v=STSv1");
    let Some(record) = announced.first() else {
        return cx.warn(subject, format!("{domain} publishes no MTA-STS record"));
    };
    let observation = match mail_observation(cx, domain, &subject) {
        Ok(observation) => observation,
        Err(finding) => return finding,
    };
    let finding = match &observation.mta_sts_policy {
        None => cx.not_observed(subject, format!("the MTA-STS policy of {domain}")),
        Some(Observed::Failed(
            failure @ (ProbeFailure::Timeout { .. } | ProbeFailure::Blocked { .. }),
        )) => cx.inconclusive(subject, failure),
        Some(Observed::Failed(failure)) => cx
            .warn(
                subject,
                format!("{domain} announces MTA-STS but its policy file cannot be fetched"),
            )
            .evidence("probe.failure", failure.to_string()),
        Some(Observed::Seen(policy)) => {
            let mode = policy.mode.as_deref().unwrap_or("");
            let mx_hosts: Vec<String> = cx
                .observations
                .dns
                .get(domain)
                .and_then(Observed::seen)
                .map(|r| {
                    r.mx.iter()
                        .map(|(_, host)| host.trim_end_matches('.').to_ascii_lowercase())
                        .collect()
                })
                .unwrap_or_default();
            let uncovered: Vec<&String> = mx_hosts
                .iter()
                .filter(|mx| !mx.is_empty() && !policy.mx.iter().any(|p| mx_matches(p, mx)))
                .collect();
            let finding = if policy.status != 200 {
                cx.warn(
                    subject,
                    format!(
                        "the MTA-STS policy of {domain} answers HTTP {}",
                        policy.status
                    ),
                )
            } else if policy.version.as_deref() != Some("STSv1") {
                cx.warn(
                    subject,
                    format!("the MTA-STS policy of {domain} has no valid version line"),
                )
            } else if mode == "enforce" && !uncovered.is_empty() {
                let list: Vec<&str> = uncovered.iter().map(|s| s.as_str()).collect();
                cx.warn(
                    subject,
                    format!(
                        "the MTA-STS policy of {domain} enforces but does not list MX {}",
                        list.join(", ")
                    ),
                )
            } else if mode == "enforce" {
                cx.pass(subject, format!("{domain} enforces MTA-STS"))
            } else if mode == "testing" {
                cx.warn(subject, format!("the MTA-STS policy of {domain} is in testing mode: senders report but still deliver"))
            } else {
                cx.warn(
                    subject,
                    format!(
                        "the MTA-STS policy of {domain} has mode {:?}: not enforced",
                        mode
                    ),
                )
            };
            let finding = finding.evidence_at("mta_sts.mode", mode, policy.url.clone());
            let finding = match policy.max_age {
                Some(age) => finding.evidence("mta_sts.max_age", age.to_string()),
                None => finding,
            };
            policy
                .mx
                .iter()
                .fold(finding, |f, mx| f.evidence("mta_sts.mx", mx.clone()))
        }
    };
    finding.evidence("dns.txt", format!("{name}: {record}"))
}

/// An MX host matches a policy pattern: exact, or `*.` wildcard for exactly one label.
fn mx_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim().trim_end_matches('.').to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(suffix) => host
            .split_once('.')
            .is_some_and(|(label, rest)| !label.is_empty() && rest == suffix),
        None => pattern == host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::mail::test_support::{good_session, mail_world, txt};
    use crate::check::tls::test_support::*;
    use crate::finding::Verdict;
    use crate::observation::DnsRecords;
    use crate::observation::mail::MtaStsPolicy;

    fn verdict_with(policy: Option<Observed<MtaStsPolicy>>) -> Verdict {
        let (m, mut obs) = mail_world(good_session());
        txt(&mut obs, "_mta-sts.chaton.test", &["v=STSv1; id=20261129"]);
        obs.dns.insert(
            "chaton.test".into(),
            Observed::Seen(DnsRecords {
                mx: vec![(10, "mx.chaton.test.".into())],
                ..Default::default()
            }),
        );
        if let Some(Observed::Seen(mail)) = obs.mail.get_mut("chaton.test") {
            mail.mta_sts_policy = policy;
        }
        verdict(&MtaSts, &m, &obs)
    }

    fn policy(mode: &str, mx: &[&str]) -> Option<Observed<MtaStsPolicy>> {
        Some(Observed::Seen(MtaStsPolicy {
            url: "https://mta-sts.chaton.test/.well-known/mta-sts.txt".into(),
            status: 200,
            version: Some("STSv1".into()),
            mode: Some(mode.into()),
            mx: mx.iter().map(|m| (*m).to_owned()).collect(),
            max_age: Some(604_800),
            problems: Vec::new(),
        }))
    }

    #[test]
    fn enforce_covering_the_mx_passes() {
        assert_eq!(
            verdict_with(policy("enforce", &["mx.chaton.test"])),
            Verdict::Pass
        );
        assert_eq!(
            verdict_with(policy("enforce", &["*.chaton.test"])),
            Verdict::Pass
        );
    }

    #[test]
    fn enforce_not_covering_the_mx_warns() {
        assert_eq!(
            verdict_with(policy("enforce", &["mail.other.test"])),
            Verdict::Warn
        );
    }

    #[test]
    fn testing_mode_warns() {
        assert_eq!(
            verdict_with(policy("testing", &["mx.chaton.test"])),
            Verdict::Warn
        );
    }

    #[test]
    fn none_mode_warns() {
        assert_eq!(verdict_with(policy("none", &[])), Verdict::Warn);
    }

    #[test]
    fn announced_policy_that_404s_warns() {
        let mut p = policy("enforce", &["mx.chaton.test"]);
        if let Some(Observed::Seen(p)) = p.as_mut() {
            p.status = 404;
        }
        assert_eq!(verdict_with(p), Verdict::Warn);
    }

    #[test]
    fn unreachable_policy_host_warns_but_timeout_is_inconclusive() {
        assert_eq!(
            verdict_with(Some(Observed::Failed(ProbeFailure::Refused))),
            Verdict::Warn
        );
        assert_eq!(verdict_with(Some(timeout())), Verdict::Inconclusive);
    }

    #[test]
    fn no_record_warns() {
        let (m, mut obs) = mail_world(good_session());
        txt(&mut obs, "_mta-sts.chaton.test", &["unrelated"]);
        assert_eq!(verdict(&MtaSts, &m, &obs), Verdict::Warn);
    }

    #[test]
    fn wildcard_matches_one_label_only() {
        assert!(mx_matches("*.chaton.test", "mx.chaton.test"));
        assert!(!mx_matches("*.chaton.test", "a.mx.chaton.test"));
        assert!(!mx_matches("*.chaton.test", "chaton.test"));
    }
}
