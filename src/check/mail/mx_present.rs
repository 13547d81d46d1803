//! `mail.mx-present`: each declared mail domain publishes MX records.
//!
//! Without MX, senders fall back to the domain's address records (RFC 5321 section 5.1), so
//! mail may still arrive: a `warn`. A null MX (`0 .`, RFC 7505) says the domain takes no mail
//! at all, which contradicts the declaration: also a `warn`, with the record as evidence.

use super::{dns, mail_domains};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject, Verdict};

/// MX records exist for each mail domain.
pub struct MxPresent;

impl Check for MxPresent {
    fn id(&self) -> &'static str {
        "mail.mx-present"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Dns]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        mail_domains(cx)
            .into_iter()
            .map(|domain| {
                let subject = Subject::MailDomain(domain.clone());
                let records = match dns(cx, &domain, &subject) {
                    Ok(records) => records,
                    Err(finding) => return finding,
                };
                let hosts: Vec<String> = records
                    .mx
                    .iter()
                    .map(|(pref, host)| format!("{pref} {host}"))
                    .collect();
                let finding = if records
                    .mx
                    .iter()
                    .any(|(_, host)| host.trim_end_matches('.').is_empty())
                {
                    cx.warn(
                        subject,
                        format!("{domain} publishes a null MX: it declares it receives no mail"),
                    )
                } else if !records.mx.is_empty() {
                    cx.pass(
                        subject,
                        format!("{domain} publishes {} MX record(s)", records.mx.len()),
                    )
                } else if let Some((_, error)) = records
                    .errors
                    .iter()
                    .find(|(kind, _)| kind.eq_ignore_ascii_case("MX"))
                {
                    return cx
                        .finding(
                            subject,
                            Verdict::Inconclusive,
                            format!("the MX lookup of {domain} failed"),
                        )
                        .evidence("dns.error", error.clone());
                } else {
                    cx.warn(subject, format!("{domain} publishes no MX record"))
                };
                hosts
                    .into_iter()
                    .fold(finding, |f, mx| f.evidence("dns.mx", mx))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tls::test_support::*;
    use crate::observation::{DnsRecords, Observed};

    fn verdict_with(records: DnsRecords) -> Verdict {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        let mut obs = observations();
        obs.dns
            .insert("chaton.test".into(), Observed::Seen(records));
        verdict(&MxPresent, &m, &obs)
    }

    #[test]
    fn mx_record_passes() {
        assert_eq!(
            verdict_with(DnsRecords {
                mx: vec![(10, "mx.chaton.test".into())],
                ..Default::default()
            }),
            Verdict::Pass
        );
    }

    #[test]
    fn no_mx_warns() {
        assert_eq!(verdict_with(DnsRecords::default()), Verdict::Warn);
    }

    #[test]
    fn null_mx_warns() {
        assert_eq!(
            verdict_with(DnsRecords {
                mx: vec![(0, ".".into())],
                ..Default::default()
            }),
            Verdict::Warn
        );
    }

    #[test]
    fn failed_mx_lookup_is_inconclusive() {
        let records = DnsRecords {
            errors: vec![("MX".into(), "SERVFAIL".into())],
            ..Default::default()
        };
        assert_eq!(verdict_with(records), Verdict::Inconclusive);
    }

    #[test]
    fn member_without_mail_domain_gets_no_finding() {
        let m = member("https://chaton.test/", &[]);
        assert!(judge(&MxPresent, &m, &observations()).is_empty());
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        let mut obs = observations();
        obs.dns.insert("chaton.test".into(), timeout());
        assert_eq!(verdict(&MxPresent, &m, &obs), Verdict::Inconclusive);
    }
}
