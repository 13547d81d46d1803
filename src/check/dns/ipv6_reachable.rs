//! `dns.ipv6-reachable`: each web host publishes an AAAA record and its HTTPS service answers
//! on it.
//!
//! Reads `observations.dns[host].aaaa` and `observations.tls_ipv6["host:port"]`, a TLS
//! handshake the TLS probe makes to one of the AAAA addresses with the host as SNI. A refused
//! or reset connection is the server's answer and fails; a timeout or an unreachable network
//! may be the auditor's own missing IPv6 route, so it is inconclusive.

use super::records;
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject};
use crate::observation::{Observed, ProbeFailure};
use crate::plan::targets::web_hosts;

/// AAAA present and HTTPS answering over IPv6.
pub struct Ipv6Reachable;

impl Check for Ipv6Reachable {
    fn id(&self) -> &'static str {
        "dns.ipv6-reachable"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Dns, ProbeKind::TlsIpv6]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        web_hosts(cx.member)
            .into_iter()
            .map(|web| {
                let subject = Subject::Host(web.host.clone());
                let found = match records(cx, &web.host, subject.clone()) {
                    Ok(found) => found,
                    Err(finding) => return finding,
                };
                if found.aaaa.is_empty() {
                    return cx.warn(
                        subject,
                        format!("{} has no AAAA record: unreachable over IPv6", web.host),
                    );
                }
                let endpoint = web.endpoint();
                let with_addresses = |f: Finding| {
                    found
                        .aaaa
                        .iter()
                        .fold(f, |f, address| f.evidence("dns.aaaa", address.clone()))
                };
                match cx.observations.tls_ipv6.get(&endpoint) {
                    None => with_addresses(
                        cx.not_observed(subject, &format!("HTTPS over IPv6 on {endpoint}")),
                    ),
                    Some(Observed::Seen(handshake)) => with_addresses(
                        cx.pass(subject, format!("{endpoint} answers HTTPS over IPv6"))
                            .evidence(
                                "tls.remote_addr",
                                handshake.remote_addr.clone().unwrap_or_default(),
                            ),
                    ),
                    Some(Observed::Failed(
                        failure @ (ProbeFailure::Refused
                        | ProbeFailure::Reset
                        | ProbeFailure::Tls { .. }),
                    )) => with_addresses(
                        cx.fail(
                            subject,
                            format!(
                                "{} publishes AAAA records but HTTPS does not answer on them",
                                web.host
                            ),
                        )
                        .evidence("probe.failure", failure.to_string()),
                    ),
                    Some(Observed::Failed(failure)) => {
                        with_addresses(cx.inconclusive(subject, failure))
                    }
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tls::test_support::*;
    use crate::finding::Verdict;
    use crate::observation::DnsRecords;

    fn verdict_with(
        aaaa: &[&str],
        tls6: Option<Observed<crate::observation::TlsHandshake>>,
    ) -> Verdict {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        let records = DnsRecords {
            aaaa: aaaa.iter().map(|a| (*a).to_owned()).collect(),
            ..Default::default()
        };
        obs.dns
            .insert("chaton.test".into(), Observed::Seen(records));
        if let Some(tls6) = tls6 {
            obs.tls_ipv6.insert("chaton.test:443".into(), tls6);
        }
        verdict(&Ipv6Reachable, &m, &obs)
    }

    #[test]
    fn aaaa_and_https_over_ipv6_passes() {
        assert_eq!(
            verdict_with(
                &["2001:db8::1"],
                Some(Observed::Seen(handshake("chaton.test")))
            ),
            Verdict::Pass
        );
    }

    #[test]
    fn no_aaaa_warns() {
        assert_eq!(verdict_with(&[], None), Verdict::Warn);
    }

    #[test]
    fn aaaa_with_refused_https_fails() {
        assert_eq!(
            verdict_with(
                &["2001:db8::1"],
                Some(Observed::Failed(ProbeFailure::Refused))
            ),
            Verdict::Fail
        );
    }

    #[test]
    fn aaaa_with_timeout_is_inconclusive() {
        assert_eq!(
            verdict_with(&["2001:db8::1"], Some(timeout())),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn aaaa_without_ipv6_observation_is_inconclusive() {
        assert_eq!(verdict_with(&["2001:db8::1"], None), Verdict::Inconclusive);
    }

    #[test]
    fn dns_failure_is_inconclusive() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        obs.dns.insert("chaton.test".into(), timeout());
        assert_eq!(verdict(&Ipv6Reachable, &m, &obs), Verdict::Inconclusive);
    }
}
