//! `dns.caa-present`: CAA records say which authorities may issue certificates for each web
//! host (on the name itself or inherited from a parent, RFC 8659).

use super::{lookup_error, records};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject, Verdict};
use crate::plan::targets::{caa_chain, web_hosts};

/// A CAA record set applies to each web host.
pub struct CaaPresent;

impl Check for CaaPresent {
    fn id(&self) -> &'static str {
        "dns.caa-present"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Dns]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        web_hosts(cx.member)
            .into_iter()
            .map(|web| {
                let subject = Subject::Host(web.host.clone());
                // Climb from the host to its registrable domain; the first name with CAA
                // records is the relevant set.
                for name in caa_chain(&web.host) {
                    let found = match records(cx, &name, subject.clone()) {
                        Ok(found) => found,
                        Err(finding) => return finding,
                    };
                    if !found.caa.is_empty() {
                        let message = if name == web.host {
                            format!("{} publishes CAA records", web.host)
                        } else {
                            format!("{} inherits the CAA records of {name}", web.host)
                        };
                        return found.caa.iter().fold(cx.pass(subject, message), |f, caa| {
                            f.evidence("dns.caa", format!("{name}: {caa}"))
                        });
                    }
                    if let Some(error) = lookup_error(found, "CAA") {
                        return cx
                            .finding(
                                subject,
                                Verdict::Inconclusive,
                                format!("the CAA lookup of {name} failed"),
                            )
                            .evidence("dns.error", error);
                    }
                }
                cx.warn(
                    subject,
                    format!(
                        "no CAA record applies to {}: any authority may issue certificates for it",
                        web.host
                    ),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tls::test_support::*;
    use crate::observation::{DnsRecords, Observed};

    fn verdict_with(entries: &[(&str, DnsRecords)]) -> Verdict {
        let m = member("https://pad.chaton.test/", &[]);
        let mut obs = observations();
        for (name, records) in entries {
            obs.dns
                .insert((*name).into(), Observed::Seen(records.clone()));
        }
        verdict(&CaaPresent, &m, &obs)
    }

    fn caa() -> DnsRecords {
        DnsRecords {
            caa: vec!["0 issue \"letsencrypt.org\"".into()],
            ..Default::default()
        }
    }

    #[test]
    fn caa_on_the_host_passes() {
        assert_eq!(verdict_with(&[("pad.chaton.test", caa())]), Verdict::Pass);
    }

    #[test]
    fn caa_inherited_from_the_parent_passes() {
        assert_eq!(
            verdict_with(&[
                ("pad.chaton.test", DnsRecords::default()),
                ("chaton.test", caa())
            ]),
            Verdict::Pass
        );
    }

    #[test]
    fn no_caa_anywhere_warns() {
        assert_eq!(
            verdict_with(&[
                ("pad.chaton.test", DnsRecords::default()),
                ("chaton.test", DnsRecords::default())
            ]),
            Verdict::Warn
        );
    }

    #[test]
    fn unobserved_parent_is_inconclusive() {
        assert_eq!(
            verdict_with(&[("pad.chaton.test", DnsRecords::default())]),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn failed_caa_lookup_is_inconclusive() {
        let servfail = DnsRecords {
            errors: vec![("CAA".into(), "SERVFAIL".into())],
            ..Default::default()
        };
        assert_eq!(
            verdict_with(&[("pad.chaton.test", servfail)]),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        obs.dns.insert("chaton.test".into(), timeout());
        assert_eq!(verdict(&CaaPresent, &m, &obs), Verdict::Inconclusive);
    }
}
