//! `mail.mta-sts`: the domain publishes an MTA-STS policy in `enforce` mode (RFC 8461), so
//! senders refuse to deliver over unauthenticated or clear-text connections.
//!
//! Senders use a policy only when exactly one `_mta-sts` TXT record says `v=STSv1` with an
//! `id`, and the policy file comes over HTTPS with a valid certificate, status 200, no
//! redirect, `version: STSv1`, a known `mode` and a `max_age` (section 3). Anything short of
//! that means no policy: a `warn`, like `testing` or `none` modes and an `enforce` policy
//! whose `mx` patterns miss an MX host. A domain with a null MX receives no mail: the check
//! does not apply.

use super::{dns_txt, has_null_mx, mail_domains, mail_observation, tagged_txt};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Message, Subject};
use crate::msg;
use crate::observation::mail::MtaStsPolicy;
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

/// A policy senders would apply, with its mode lower-cased.
pub(crate) struct UsablePolicy<'a> {
    /// The parsed policy file.
    pub policy: &'a MtaStsPolicy,
    /// `enforce`, `testing` or `none`.
    pub mode: String,
}

/// The MTA-STS policy senders would apply for `domain`, if any was observed.
pub(crate) fn usable_policy<'a>(cx: &'a Context<'_>, domain: &str) -> Option<UsablePolicy<'a>> {
    let records = cx
        .observations
        .dns
        .get(&format!("_mta-sts.{domain}"))
        .and_then(Observed::seen)?;
    announcement(&tagged_txt(records, "v=STSv1")).ok()?;
    let subject = Subject::MailDomain(domain.to_owned());
    let policy = mail_observation(cx, domain, &subject)
        .ok()?
        .mta_sts_policy
        .as_ref()?
        .seen()?;
    policy_problem(policy).is_none().then(|| UsablePolicy {
        policy,
        mode: policy.mode.as_deref().unwrap_or("").to_ascii_lowercase(),
    })
}

/// The one `v=STSv1` record with a valid `id` (section 3.1), or why senders see none: the
/// end of a sentence whose subject is the domain.
fn announcement<'a>(records: &[&'a str]) -> Result<&'a str, Message> {
    let record = match records {
        [] => {
            return Err(msg!(
                "publishes no MTA-STS record",
                "ne publie aucun enregistrement MTA-STS"
            ));
        }
        [record] => *record,
        several => {
            return Err(msg!(
                "publishes {} MTA-STS records: senders assume it has no policy",
                "publie {} enregistrements MTA-STS : les expéditeurs considèrent qu'il n'a aucune politique",
                several.len()
            ));
        }
    };
    let id_ok = record.split(';').any(|field| {
        field.trim().split_once('=').is_some_and(|(key, value)| {
            let value = value.trim();
            key.trim() == "id"
                && (1..=32).contains(&value.len())
                && value.chars().all(|c| c.is_ascii_alphanumeric())
        })
    });
    if id_ok {
        Ok(record)
    } else {
        Err(msg!(
            "publishes an MTA-STS record without a valid id: senders assume it has no policy",
            "publie un enregistrement MTA-STS sans id valide : les expéditeurs considèrent qu'il n'a aucune politique"
        ))
    }
}

/// Why senders would not use this policy file (section 3.2 and 3.3), or `None`: the end of
/// a sentence whose subject is the policy file.
fn policy_problem(policy: &MtaStsPolicy) -> Option<Message> {
    let mode = policy.mode.as_deref().unwrap_or("").to_ascii_lowercase();
    let status = policy.status;
    if (300..400).contains(&status) {
        Some(msg!(
            "answers HTTP {status}, a redirect senders do not follow",
            "répond par le code HTTP {status}, une redirection que les expéditeurs ne suivent pas"
        ))
    } else if status != 200 {
        Some(msg!(
            "answers HTTP {status}",
            "répond par le code HTTP {status}"
        ))
    } else if !policy
        .version
        .as_deref()
        .is_some_and(|v| v.eq_ignore_ascii_case("STSv1"))
    {
        Some(msg!(
            "has no version: STSv1 line",
            "n'a pas de ligne version: STSv1"
        ))
    } else if !matches!(mode.as_str(), "enforce" | "testing" | "none") {
        Some(msg!(
            "has no valid mode ({:?})",
            "n'a pas de mode valide ({:?})",
            policy.mode.as_deref().unwrap_or("")
        ))
    } else if policy.max_age.is_none() {
        Some(msg!("has no valid max_age", "n'a pas de max_age valide"))
    } else {
        None
    }
}

fn judge_domain(cx: &Context<'_>, domain: &str) -> Finding {
    let subject = Subject::MailDomain(domain.to_owned());
    if has_null_mx(cx, domain) {
        return cx.not_applicable(
            subject,
            msg!(
                "{domain} publishes a null MX: it accepts no mail, so no transport policy applies",
                "{domain} publie un MX nul : il n'accepte aucun courriel, aucune politique de transport ne s'applique donc"
            ),
        );
    }
    let name = format!("_mta-sts.{domain}");
    let records = match dns_txt(cx, &name, &subject) {
        Ok(records) => records,
        Err(finding) => return finding,
    };
    let announced = tagged_txt(records, "v=STSv1");
    let record = match announcement(&announced) {
        Ok(record) => record,
        Err(why) => {
            let why_en = why.en;
            let why_fr = why.fr;
            let warning = cx.warn(subject, msg!("{domain} {why_en}", "{domain} {why_fr}"));
            return announced.iter().fold(warning, |f, r| {
                f.evidence("dns.txt", format!("{name}: {r}"))
            });
        }
    };
    let observation = match mail_observation(cx, domain, &subject) {
        Ok(observation) => observation,
        Err(finding) => return finding,
    };
    let finding = match &observation.mta_sts_policy {
        None => cx.not_observed(
            subject,
            msg!(
                "the MTA-STS policy of {domain}",
                "politique MTA-STS de {domain}"
            ),
        ),
        Some(Observed::Failed(
            failure @ (ProbeFailure::Timeout { .. }
            | ProbeFailure::Blocked { .. }
            | ProbeFailure::Reset
            | ProbeFailure::Other { .. }),
        )) => cx.inconclusive(subject, failure),
        Some(Observed::Failed(failure)) => cx
            .warn(
                subject,
                msg!(
                    "{domain} announces MTA-STS but its policy file cannot be fetched over valid HTTPS: senders apply no policy",
                    "{domain} annonce MTA-STS, mais son fichier de politique ne peut pas être récupéré en HTTPS avec un certificat valide : les expéditeurs n'appliquent aucune politique"
                ),
            )
            .evidence("probe.failure", failure.to_string()),
        Some(Observed::Seen(policy)) => judge_policy(cx, subject, domain, policy),
    };
    finding.evidence("dns.txt", format!("{name}: {record}"))
}

fn judge_policy(
    cx: &Context<'_>,
    subject: Subject,
    domain: &str,
    policy: &MtaStsPolicy,
) -> Finding {
    let mode = policy.mode.as_deref().unwrap_or("").to_ascii_lowercase();
    let mx_hosts: Vec<String> = cx
        .observations
        .dns
        .get(domain)
        .and_then(Observed::seen)
        .map(|r| {
            r.mx.iter()
                .map(|(_, host)| host.trim_end_matches('.').to_ascii_lowercase())
                .filter(|host| !host.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let uncovered: Vec<&str> = mx_hosts
        .iter()
        .filter(|mx| !policy.mx.iter().any(|p| mx_matches(p, mx)))
        .map(String::as_str)
        .collect();
    let finding = if let Some(problem) = policy_problem(policy) {
        let problem_en = problem.en;
        let problem_fr = problem.fr;
        cx.warn(
            subject,
            msg!(
                "the MTA-STS policy file of {domain} {problem_en}: senders apply no policy",
                "le fichier de politique MTA-STS de {domain} {problem_fr} : les expéditeurs n'appliquent aucune politique"
            ),
        )
    } else if mode == "enforce" && !uncovered.is_empty() {
        cx.warn(
            subject,
            msg!(
                "the MTA-STS policy of {domain} enforces but does not list MX {}: validating senders will not deliver to it",
                "la politique MTA-STS de {domain} est en mode enforce mais ne couvre pas le(s) MX {} : les expéditeurs qui l'appliquent n'y livreront pas le courriel",
                uncovered.join(", ")
            ),
        )
    } else if mode == "enforce" {
        cx.pass(
            subject,
            msg!(
                "{domain} enforces MTA-STS",
                "{domain} applique MTA-STS en mode enforce"
            ),
        )
    } else if mode == "testing" {
        cx.warn(
            subject,
            msg!(
                "the MTA-STS policy of {domain} is in testing mode: senders report but still deliver",
                "la politique MTA-STS de {domain} est en mode testing : les expéditeurs signalent les problèmes mais livrent quand même le courriel"
            ),
        )
    } else {
        cx.warn(
            subject,
            msg!(
                "the MTA-STS policy of {domain} has mode none: not enforced",
                "la politique MTA-STS de {domain} est en mode none : elle n'est pas appliquée"
            ),
        )
    };
    let finding = finding.evidence_at(
        "mta_sts.mode",
        policy.mode.as_deref().unwrap_or(""),
        policy.url.clone(),
    );
    let finding = match policy.max_age {
        Some(age) => finding.evidence("mta_sts.max_age", age.to_string()),
        None => finding,
    };
    let finding = policy
        .problems
        .iter()
        .fold(finding, |f, p| f.evidence("mta_sts.problem", p.clone()));
    policy
        .mx
        .iter()
        .fold(finding, |f, mx| f.evidence("mta_sts.mx", mx.clone()))
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
    fn an_unusable_policy_file_is_explained_in_french_too() {
        let (m, mut obs) = mail_world(good_session());
        txt(&mut obs, "_mta-sts.chaton.test", &["v=STSv1; id=20261129"]);
        let mut p = policy("enforce", &["mx.chaton.test"]);
        if let Some(Observed::Seen(p)) = p.as_mut() {
            p.status = 301;
        }
        if let Some(Observed::Seen(mail)) = obs.mail.get_mut("chaton.test") {
            mail.mta_sts_policy = p;
        }
        let f = judge(&MtaSts, &m, &obs).remove(0);
        assert_eq!(f.verdict, Verdict::Warn);
        assert!(f.message.contains("answers HTTP 301"), "{}", f.message);
        let fr = f.message_fr.as_deref().unwrap_or_default();
        assert!(
            fr.contains("le fichier de politique MTA-STS de chaton.test répond par le code HTTP 301, une redirection"),
            "{fr}"
        );
    }

    #[test]
    fn a_missing_announcement_is_told_in_french_too() {
        let (m, mut obs) = mail_world(good_session());
        txt(&mut obs, "_mta-sts.chaton.test", &[]);
        let f = judge(&MtaSts, &m, &obs).remove(0);
        let fr = f.message_fr.as_deref().unwrap_or_default();
        assert_eq!(fr, "chaton.test ne publie aucun enregistrement MTA-STS");
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
        assert!(mx_matches("MX.Chaton.test.", "mx.chaton.test"));
    }

    #[test]
    fn mode_and_version_are_read_whatever_their_case() {
        let mut p = policy("Enforce", &["mx.chaton.test"]);
        if let Some(Observed::Seen(p)) = p.as_mut() {
            p.version = Some("stsv1".into());
        }
        assert_eq!(verdict_with(p), Verdict::Pass);
    }

    #[test]
    fn policy_without_max_age_is_no_policy_and_warns() {
        let mut p = policy("enforce", &["mx.chaton.test"]);
        if let Some(Observed::Seen(p)) = p.as_mut() {
            p.max_age = None;
        }
        assert_eq!(verdict_with(p), Verdict::Warn);
    }

    #[test]
    fn policy_with_an_unknown_mode_warns() {
        assert_eq!(
            verdict_with(policy("enforcing", &["mx.chaton.test"])),
            Verdict::Warn
        );
    }

    #[test]
    fn policy_behind_an_invalid_certificate_is_no_policy_and_warns() {
        assert_eq!(
            verdict_with(Some(Observed::Failed(ProbeFailure::Tls {
                message: "invalid peer certificate: Expired".into()
            }))),
            Verdict::Warn
        );
    }

    fn verdict_with_txt(records: &[&str]) -> Verdict {
        let (m, mut obs) = mail_world(good_session());
        txt(&mut obs, "_mta-sts.chaton.test", records);
        if let Some(Observed::Seen(mail)) = obs.mail.get_mut("chaton.test") {
            mail.mta_sts_policy = policy("enforce", &["mx.chaton.test"]);
        }
        verdict(&MtaSts, &m, &obs)
    }

    #[test]
    fn two_sts_records_mean_no_policy_and_warn() {
        assert_eq!(verdict_with_txt(&["v=STSv1; id=1"]), Verdict::Pass);
        assert_eq!(
            verdict_with_txt(&["v=STSv1; id=1", "v=STSv1; id=2"]),
            Verdict::Warn
        );
    }

    #[test]
    fn sts_record_without_a_valid_id_warns() {
        assert_eq!(verdict_with_txt(&["v=STSv1;"]), Verdict::Warn);
        assert_eq!(verdict_with_txt(&["v=STSv1; id=2026-11-29"]), Verdict::Warn);
        assert_eq!(
            verdict_with_txt(&["v=STSv1; id=20261129T0000; ext=1"]),
            Verdict::Pass
        );
    }

    #[test]
    fn null_mx_domain_is_not_applicable() {
        let (m, mut obs) = mail_world(good_session());
        obs.dns.insert(
            "chaton.test".into(),
            Observed::Seen(DnsRecords {
                mx: vec![(0, ".".into())],
                ..Default::default()
            }),
        );
        assert_eq!(verdict(&MtaSts, &m, &obs), Verdict::NotApplicable);
    }

    #[test]
    fn failed_txt_lookup_is_inconclusive_not_absent() {
        let (m, mut obs) = mail_world(good_session());
        obs.dns.insert(
            "_mta-sts.chaton.test".into(),
            Observed::Seen(DnsRecords {
                errors: vec![("TXT".into(), "SERVFAIL".into())],
                ..Default::default()
            }),
        );
        assert_eq!(verdict(&MtaSts, &m, &obs), Verdict::Inconclusive);
    }
}
