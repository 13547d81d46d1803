//! `dns.ipv6-reachable`: each web host publishes an AAAA record and its HTTPS service answers
//! on it.
//!
//! Reads `observations.dns[host].aaaa` and `observations.tls_ipv6["host:port"]`, a TLS
//! handshake the TLS probe makes to one of the AAAA addresses with the host as SNI. A refused
//! or reset connection is the server's answer and fails, provided some IPv6 handshake of the
//! same run succeeded (proof the auditor itself can speak IPv6; otherwise a local firewall
//! could be refusing). A timeout or an unreachable network may be the auditor's own missing
//! IPv6 route, so it is inconclusive, as is a failed AAAA lookup. A handshake over IPv6 whose certificate does not validate while the IPv4 one does
//! warns: IPv6 visitors reach another server.

use super::{lookup_error, records};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject, Verdict};
use crate::msg;
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
                let host = &web.host;
                let found = match records(cx, &web.host, subject.clone()) {
                    Ok(found) => found,
                    Err(finding) => return finding,
                };
                if found.aaaa.is_empty() {
                    // A failed AAAA lookup is not an absent record.
                    if let Some(error) = lookup_error(found, "AAAA") {
                        return cx
                            .finding(
                                subject,
                                Verdict::Inconclusive,
                                msg!(
                                    "the AAAA lookup of {host} failed",
                                    "la requête DNS AAAA pour {host} a échoué"
                                ),
                            )
                            .evidence("dns.error", error);
                    }
                    return cx.warn(
                        subject,
                        msg!(
                            "{host} has no AAAA record: unreachable over IPv6",
                            "{host} n'a pas d'enregistrement AAAA : injoignable en IPv6"
                        ),
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
                        cx.not_observed(
                            subject,
                            msg!(
                                "HTTPS over IPv6 on {endpoint}",
                                "HTTPS en IPv6 sur {endpoint}"
                            ),
                        ),
                    ),
                    Some(Observed::Seen(handshake)) => {
                        let finding = match (&handshake.verification_error, ipv4_validates(cx, &endpoint)) {
                            // Visitors on IPv6 get a certificate error that IPv4 visitors do
                            // not: the AAAA address points at another server or vhost.
                            (Some(error), true) => cx
                                .warn(
                                    subject,
                                    msg!(
                                        "{endpoint} answers over IPv6 with a certificate that does not validate, unlike over IPv4",
                                        "{endpoint} répond en IPv6 avec un certificat non valide, contrairement à IPv4"
                                    ),
                                )
                                .evidence("tls.verification_error", error.clone()),
                            _ => cx.pass(
                                subject,
                                msg!(
                                    "{endpoint} answers HTTPS over IPv6",
                                    "{endpoint} répond en HTTPS sur IPv6"
                                ),
                            ),
                        };
                        with_addresses(finding.evidence(
                            "tls.remote_addr",
                            handshake.remote_addr.clone().unwrap_or_default(),
                        ))
                    }
                    Some(Observed::Failed(failure))
                        if is_servers_answer(failure) && !auditor_has_ipv6(cx) =>
                    {
                        with_addresses(
                            cx.finding(
                                subject,
                                Verdict::Inconclusive,
                                msg!(
                                    "{host} publishes AAAA records but HTTPS does not answer on them; no IPv6 handshake succeeded in this run, so the auditor's own network may be the cause",
                                    "{host} publie des enregistrements AAAA, mais HTTPS n'y répond pas ; aucune connexion IPv6 n'a abouti pendant cet audit, le réseau de l'auditeur peut donc en être la cause"
                                ),
                            )
                            .evidence("probe.failure", failure.to_string()),
                        )
                    }
                    Some(Observed::Failed(failure)) if is_servers_answer(failure) => with_addresses(
                        cx.fail(
                            subject,
                            msg!(
                                "{host} publishes AAAA records but HTTPS does not answer on them",
                                "{host} publie des enregistrements AAAA, mais HTTPS n'y répond pas"
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

/// A refusal, a reset or a broken handshake comes from whatever listens on the address; a
/// timeout (even one the TLS layer reports) or an unreachable network may be ours.
fn is_servers_answer(failure: &ProbeFailure) -> bool {
    match failure {
        ProbeFailure::Refused | ProbeFailure::Reset => true,
        ProbeFailure::Tls { message } => !message.to_ascii_lowercase().contains("timed out"),
        _ => false,
    }
}

/// Whether some handshake over IPv6 succeeded in this run: then the auditor's IPv6 works and
/// a refusal comes from the member's side.
fn auditor_has_ipv6(cx: &Context<'_>) -> bool {
    cx.observations
        .tls_ipv6
        .values()
        .any(|observed| matches!(observed, Observed::Seen(_)))
}

/// Whether the handshake with `endpoint` over IPv4 (the main TLS observation) validated.
fn ipv4_validates(cx: &Context<'_>, endpoint: &str) -> bool {
    matches!(
        cx.observations.tls.get(endpoint),
        Some(Observed::Seen(handshake)) if handshake.verification_error.is_none()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tls::test_support::*;
    use crate::finding::Verdict;
    use crate::observation::{DnsRecords, Observations};

    /// `chaton.test` with these AAAA records and, when given, this IPv6 handshake.
    fn observed(
        aaaa: &[&str],
        tls6: Option<Observed<crate::observation::TlsHandshake>>,
    ) -> Observations {
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
        obs
    }

    fn chaton() -> crate::declaration::Member {
        member("https://chaton.test/", &[])
    }

    fn verdict_with(
        aaaa: &[&str],
        tls6: Option<Observed<crate::observation::TlsHandshake>>,
    ) -> Verdict {
        let mut obs = observed(aaaa, tls6);
        auditor_speaks_ipv6(&mut obs);
        verdict(&Ipv6Reachable, &chaton(), &obs)
    }

    /// Another host of the run answered over IPv6: the auditor's own IPv6 works.
    fn auditor_speaks_ipv6(obs: &mut Observations) {
        obs.tls_ipv6.insert(
            "ipv6-works.test:443".into(),
            Observed::Seen(handshake("ipv6-works.test")),
        );
    }

    #[test]
    fn a_refusal_is_not_blamed_on_the_member_when_no_ipv6_handshake_succeeded_in_the_run() {
        let m = chaton();
        let mut obs = observed(
            &["2001:db8::1"],
            Some(Observed::Failed(ProbeFailure::Refused)),
        );
        let alone = judge(&Ipv6Reachable, &m, &obs).remove(0);
        assert_eq!(alone.verdict, Verdict::Inconclusive);
        assert!(
            alone.message.contains("auditor's own network"),
            "{}",
            alone.message
        );
        auditor_speaks_ipv6(&mut obs);
        assert_eq!(verdict(&Ipv6Reachable, &m, &obs), Verdict::Fail);
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
    fn refused_https_over_ipv6_is_reported_in_french_too() {
        let m = chaton();
        let mut obs = observed(
            &["2001:db8::1"],
            Some(Observed::Failed(ProbeFailure::Refused)),
        );
        auditor_speaks_ipv6(&mut obs);
        let findings = judge(&Ipv6Reachable, &m, &obs);
        assert_eq!(findings[0].verdict, Verdict::Fail);
        assert_eq!(
            findings[0].message_fr.as_deref(),
            Some("chaton.test publie des enregistrements AAAA, mais HTTPS n'y répond pas")
        );
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
    fn failed_aaaa_lookup_is_inconclusive_not_a_missing_record() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        let records = DnsRecords {
            a: vec!["192.0.2.1".into()],
            errors: vec![("AAAA".into(), "SERVFAIL".into())],
            ..Default::default()
        };
        obs.dns
            .insert("chaton.test".into(), Observed::Seen(records));
        assert_eq!(verdict(&Ipv6Reachable, &m, &obs), Verdict::Inconclusive);
    }

    #[test]
    fn aaaa_with_reset_or_tls_error_fails() {
        assert_eq!(
            verdict_with(
                &["2001:db8::1"],
                Some(Observed::Failed(ProbeFailure::Reset))
            ),
            Verdict::Fail
        );
        assert_eq!(
            verdict_with(
                &["2001:db8::1"],
                Some(Observed::Failed(ProbeFailure::Tls {
                    message: "received corrupt message".into()
                }))
            ),
            Verdict::Fail
        );
    }

    #[test]
    fn tls_layer_timeout_is_inconclusive() {
        assert_eq!(
            verdict_with(
                &["2001:db8::1"],
                Some(Observed::Failed(ProbeFailure::Tls {
                    message: "timed out: connection timed out".into()
                }))
            ),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn unreachable_ipv6_network_is_inconclusive() {
        assert_eq!(
            verdict_with(
                &["2001:db8::1"],
                Some(Observed::Failed(ProbeFailure::Other {
                    message: "Network is unreachable (os error 101)".into()
                }))
            ),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn certificate_failing_only_over_ipv6_warns() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        obs.dns.insert(
            "chaton.test".into(),
            Observed::Seen(DnsRecords {
                aaaa: vec!["2001:db8::1".into()],
                ..Default::default()
            }),
        );
        obs.tls.insert(
            "chaton.test:443".into(),
            Observed::Seen(handshake("chaton.test")),
        );
        obs.tls_ipv6.insert(
            "chaton.test:443".into(),
            Observed::Seen(failing_handshake(
                "chaton.test",
                crate::observation::tls::VerificationKind::WrongHost,
            )),
        );
        assert_eq!(verdict(&Ipv6Reachable, &m, &obs), Verdict::Warn);
    }

    #[test]
    fn certificate_failing_over_both_families_is_not_this_checks_business() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        obs.dns.insert(
            "chaton.test".into(),
            Observed::Seen(DnsRecords {
                aaaa: vec!["2001:db8::1".into()],
                ..Default::default()
            }),
        );
        let expired = || {
            Observed::Seen(failing_handshake(
                "chaton.test",
                crate::observation::tls::VerificationKind::Expired,
            ))
        };
        obs.tls.insert("chaton.test:443".into(), expired());
        obs.tls_ipv6.insert("chaton.test:443".into(), expired());
        assert_eq!(verdict(&Ipv6Reachable, &m, &obs), Verdict::Pass);
    }

    #[test]
    fn dns_failure_is_inconclusive() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        obs.dns.insert("chaton.test".into(), timeout());
        assert_eq!(verdict(&Ipv6Reachable, &m, &obs), Verdict::Inconclusive);
    }
}
