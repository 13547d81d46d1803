//! `dns.dnssec-valid`: the member's names are signed with DNSSEC and validate.

use super::records;
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject, Verdict};
use crate::msg;
use crate::plan::targets::web_hosts;

/// DNS answers for each web host and mail domain validate (`secure`).
pub struct DnssecValid;

impl Check for DnssecValid {
    fn id(&self) -> &'static str {
        "dns.dnssec-valid"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Dns]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        let mut subjects: Vec<(Subject, String)> = web_hosts(cx.member)
            .into_iter()
            .map(|web| (Subject::Host(web.host.clone()), web.host))
            .collect();
        for mail in &cx.member.mail_domains {
            let domain = mail.domain.trim_end_matches('.').to_ascii_lowercase();
            if !subjects.iter().any(|(_, name)| *name == domain) {
                subjects.push((Subject::MailDomain(domain.clone()), domain));
            }
        }
        subjects
            .into_iter()
            .map(|(subject, name)| {
                let found = match records(cx, &name, subject.clone()) {
                    Ok(found) => found,
                    Err(finding) => return finding,
                };
                let status = found.dnssec.as_deref().unwrap_or("indeterminate");
                let finding = match status {
                    "secure" => cx.pass(
                        subject,
                        msg!(
                            "the DNS answers for {name} are signed and validate",
                            "les réponses DNS pour {name} sont signées et valides"
                        ),
                    ),
                    "insecure" => cx.warn(
                        subject,
                        msg!(
                            "{name} is not signed with DNSSEC",
                            "{name} n'est pas signé avec DNSSEC"
                        ),
                    ),
                    "bogus" => cx.fail(
                        subject,
                        msg!(
                            "the DNSSEC signatures of {name} do not validate",
                            "les signatures DNSSEC de {name} ne sont pas valides"
                        ),
                    ),
                    _ => cx.finding(
                        subject,
                        Verdict::Inconclusive,
                        msg!(
                            "the DNSSEC status of {name} could not be determined",
                            "l'état DNSSEC de {name} n'a pas pu être déterminé"
                        ),
                    ),
                };
                finding.evidence("dns.dnssec", status)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tls::test_support::*;
    use crate::observation::{DnsRecords, Observed};

    fn verdict_for(status: Option<&str>) -> Verdict {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        let records = DnsRecords {
            dnssec: status.map(str::to_owned),
            ..Default::default()
        };
        obs.dns
            .insert("chaton.test".into(), Observed::Seen(records));
        verdict(&DnssecValid, &m, &obs)
    }

    #[test]
    fn secure_passes() {
        assert_eq!(verdict_for(Some("secure")), Verdict::Pass);
    }

    #[test]
    fn insecure_warns() {
        assert_eq!(verdict_for(Some("insecure")), Verdict::Warn);
    }

    #[test]
    fn bogus_fails() {
        assert_eq!(verdict_for(Some("bogus")), Verdict::Fail);
    }

    #[test]
    fn an_unsigned_name_is_reported_in_french_too() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        let records = DnsRecords {
            dnssec: Some("insecure".into()),
            ..Default::default()
        };
        obs.dns
            .insert("chaton.test".into(), Observed::Seen(records));
        let findings = judge(&DnssecValid, &m, &obs);
        assert_eq!(
            findings[0].message_fr.as_deref(),
            Some("chaton.test n'est pas signé avec DNSSEC")
        );
    }

    #[test]
    fn unobserved_name_says_so_in_french() {
        let m = member("https://chaton.test/", &[]);
        let findings = judge(&DnssecValid, &m, &observations());
        assert_eq!(
            findings[0].message_fr.as_deref(),
            Some("pas d'observation : enregistrements DNS de chaton.test")
        );
    }

    #[test]
    fn indeterminate_or_unknown_is_inconclusive() {
        assert_eq!(verdict_for(Some("indeterminate")), Verdict::Inconclusive);
        assert_eq!(verdict_for(None), Verdict::Inconclusive);
    }

    #[test]
    fn lookup_errors_without_a_status_are_inconclusive_never_insecure() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        obs.dns.insert(
            "chaton.test".into(),
            Observed::Seen(DnsRecords {
                errors: vec![
                    ("A".into(), "SERVFAIL".into()),
                    ("AAAA".into(), "SERVFAIL".into()),
                ],
                ..Default::default()
            }),
        );
        assert_eq!(verdict(&DnssecValid, &m, &obs), Verdict::Inconclusive);
    }

    #[test]
    fn unobserved_name_is_inconclusive() {
        let m = member("https://chaton.test/", &[]);
        assert_eq!(
            verdict(&DnssecValid, &m, &observations()),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn mail_domain_is_judged_once_when_it_is_also_a_web_host() {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        let mut obs = observations();
        obs.dns.insert(
            "chaton.test".into(),
            Observed::Seen(DnsRecords {
                dnssec: Some("secure".into()),
                ..Default::default()
            }),
        );
        assert_eq!(judge(&DnssecValid, &m, &obs).len(), 1);
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        obs.dns.insert("chaton.test".into(), timeout());
        assert_eq!(verdict(&DnssecValid, &m, &obs), Verdict::Inconclusive);
    }
}
