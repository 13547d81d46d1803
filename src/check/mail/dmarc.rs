//! `mail.dmarc`: the domain publishes a DMARC policy that asks receivers to quarantine or
//! reject mail forged in its name.
//!
//! Absence is a `warn`, not a `fail`: mail still flows and stays as encrypted as before;
//! what is missing is the protection of users against forged mail in the member's name, and
//! many small hosters still lack it. `p=none` (monitoring only) is also a `warn`. A
//! subdomain without its own record inherits the organisational domain's (`sp=` first).

use super::{dns, mail_domains, tagged_txt};
use crate::check::http_headers::directives;
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject};
use crate::plan::targets::dmarc_organizational_domain;

/// A DMARC record with `p=quarantine` or `p=reject`.
pub struct Dmarc;

impl Check for Dmarc {
    fn id(&self) -> &'static str {
        "mail.dmarc"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Dns]
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
    let own_name = format!("_dmarc.{domain}");
    let own = match dns(cx, &own_name, &subject) {
        Ok(records) => tagged_txt(records, "v=DMARC1"),
        Err(finding) => return finding,
    };
    // Which record applies, where it was found, and which tag to read.
    let (records, name, inherited) = if !own.is_empty() {
        (own, own_name, false)
    } else if let Some(organizational) = dmarc_organizational_domain(domain) {
        let name = format!("_dmarc.{organizational}");
        match dns(cx, &name, &subject) {
            Ok(records) => (tagged_txt(records, "v=DMARC1"), name, true),
            Err(finding) => return finding,
        }
    } else {
        (own, own_name, false)
    };
    let record = match records.as_slice() {
        [] => return cx.warn(subject, format!("{domain} publishes no DMARC policy")),
        [record] => *record,
        several => {
            return several.iter().fold(
                cx.warn(
                    subject,
                    format!(
                        "{name} holds {} DMARC records: receivers ignore them all",
                        several.len()
                    ),
                ),
                |f, r| f.evidence("dns.dmarc", *r),
            );
        }
    };
    let tags = directives(record);
    let tag = |key: &str| {
        tags.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim_start_matches('=').trim().to_ascii_lowercase())
    };
    let policy = if inherited {
        tag("sp").or_else(|| tag("p"))
    } else {
        tag("p")
    };
    let pct = tag("pct").and_then(|p| p.parse::<u8>().ok()).unwrap_or(100);
    let place = if inherited {
        format!("{domain} (inherited from {name})")
    } else {
        domain.to_owned()
    };
    let finding = match policy.as_deref() {
        Some("reject" | "quarantine") if pct < 100 => cx.warn(
            subject,
            format!("the DMARC policy of {place} applies to {pct}% of forged mail only"),
        ),
        Some(p @ ("reject" | "quarantine")) => {
            cx.pass(subject, format!("the DMARC policy of {place} is {p}"))
        }
        Some("none") => cx.warn(
            subject,
            format!("the DMARC policy of {place} is none: forged mail is only reported"),
        ),
        _ => cx.warn(
            subject,
            format!("the DMARC record of {place} has no valid policy"),
        ),
    };
    finding.evidence("dns.dmarc", format!("{name}: {record}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::mail::test_support::txt;
    use crate::check::tls::test_support::*;
    use crate::finding::Verdict;

    fn verdict_with(domain: &str, entries: &[(&str, &[&str])]) -> Verdict {
        let m = member_with_mail("https://chaton.test/", domain);
        let mut obs = observations();
        for (name, records) in entries {
            txt(&mut obs, name, records);
        }
        verdict(&Dmarc, &m, &obs)
    }

    #[test]
    fn reject_and_quarantine_pass() {
        assert_eq!(
            verdict_with(
                "chaton.test",
                &[(
                    "_dmarc.chaton.test",
                    &["v=DMARC1; p=reject; rua=mailto:d@chaton.test"]
                )]
            ),
            Verdict::Pass
        );
        assert_eq!(
            verdict_with(
                "chaton.test",
                &[("_dmarc.chaton.test", &["v=DMARC1;p=quarantine"])]
            ),
            Verdict::Pass
        );
    }

    #[test]
    fn p_none_warns() {
        assert_eq!(
            verdict_with(
                "chaton.test",
                &[("_dmarc.chaton.test", &["v=DMARC1; p=none"])]
            ),
            Verdict::Warn
        );
    }

    #[test]
    fn partial_pct_warns() {
        assert_eq!(
            verdict_with(
                "chaton.test",
                &[("_dmarc.chaton.test", &["v=DMARC1; p=reject; pct=10"])]
            ),
            Verdict::Warn
        );
    }

    #[test]
    fn absent_policy_warns() {
        assert_eq!(
            verdict_with("chaton.test", &[("_dmarc.chaton.test", &[])]),
            Verdict::Warn
        );
    }

    #[test]
    fn subdomain_inherits_the_organizational_subdomain_policy() {
        let entries: &[(&str, &[&str])] = &[
            ("_dmarc.lists.chaton.test", &[]),
            ("_dmarc.chaton.test", &["v=DMARC1; p=reject; sp=none"]),
        ];
        assert_eq!(verdict_with("lists.chaton.test", entries), Verdict::Warn);
        let entries: &[(&str, &[&str])] = &[
            ("_dmarc.lists.chaton.test", &[]),
            ("_dmarc.chaton.test", &["v=DMARC1; p=reject"]),
        ];
        assert_eq!(verdict_with("lists.chaton.test", entries), Verdict::Pass);
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        let mut obs = observations();
        obs.dns.insert("_dmarc.chaton.test".into(), timeout());
        assert_eq!(verdict(&Dmarc, &m, &obs), Verdict::Inconclusive);
    }
}
