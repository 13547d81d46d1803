//! `mail.tls-rpt`: the domain asks senders for TLS failure reports (`_smtp._tls` TXT with
//! `v=TLSRPTv1`, RFC 8460), so the member learns when mail to it falls back to clear text.
//!
//! Senders keep only records that begin with `v=TLSRPTv1` and use one only when exactly one
//! remains (section 3); it must name at least one report address, `mailto:` or `https:`,
//! in `rua`. A domain with a null MX receives no mail: the check does not apply.

use super::{dns_txt, has_null_mx, mail_domains, tagged_txt};
use crate::check::http_headers::directives;
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject};
use crate::msg;

/// A TLS-RPT record exists for each mail domain.
pub struct TlsRpt;

impl Check for TlsRpt {
    fn id(&self) -> &'static str {
        "mail.tls-rpt"
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
    if has_null_mx(cx, domain) {
        return cx.not_applicable(
            subject,
            msg!(
                "{domain} publishes a null MX: it accepts no mail, so there is nothing to report on",
                "{domain} publie un MX nul : il n'accepte aucun courriel, il n'y a donc rien à signaler"
            ),
        );
    }
    let name = format!("_smtp._tls.{domain}");
    let records = match dns_txt(cx, &name, &subject) {
        Ok(records) => records,
        Err(finding) => return finding,
    };
    match tagged_txt(records, "v=TLSRPTv1").as_slice() {
        [] => cx.warn(
            subject,
            msg!(
                "{domain} publishes no TLS-RPT record",
                "{domain} ne publie aucun enregistrement TLS-RPT"
            ),
        ),
        [record] => {
            let finding = if report_addresses(record) > 0 {
                cx.pass(
                    subject,
                    msg!(
                        "{domain} asks for TLS reports",
                        "{domain} demande des rapports TLS"
                    ),
                )
            } else {
                cx.warn(
                    subject,
                    msg!(
                        "the TLS-RPT record of {domain} names no valid report address (rua=mailto: or https:)",
                        "l'enregistrement TLS-RPT de {domain} ne donne aucune adresse de rapport valide (rua=mailto: ou https:)"
                    ),
                )
            };
            finding.evidence("dns.txt", format!("{name}: {record}"))
        }
        several => several.iter().fold(
            cx.warn(
                subject,
                msg!(
                    "{domain} publishes several TLS-RPT records: senders ignore them all",
                    "{domain} publie plusieurs enregistrements TLS-RPT : les expéditeurs les ignorent tous"
                ),
            ),
            |f, r| f.evidence("dns.txt", format!("{name}: {r}")),
        ),
    }
}

/// How many `rua` URIs are `mailto:` or `https:` (RFC 8460 section 3).
fn report_addresses(record: &str) -> usize {
    directives(record)
        .iter()
        .filter(|(key, _)| key == "rua")
        .flat_map(|(_, value)| value.trim_start_matches('=').split(','))
        .map(|uri| uri.trim().to_ascii_lowercase())
        .filter(|uri| {
            uri.strip_prefix("mailto:").is_some_and(|a| a.contains('@'))
                || uri.strip_prefix("https:").is_some_and(|a| a.len() > 2)
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::mail::test_support::txt;
    use crate::check::tls::test_support::*;
    use crate::finding::Verdict;

    fn verdict_with(records: &[&str]) -> Verdict {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        let mut obs = observations();
        txt(&mut obs, "_smtp._tls.chaton.test", records);
        verdict(&TlsRpt, &m, &obs)
    }

    #[test]
    fn record_with_rua_passes() {
        assert_eq!(
            verdict_with(&["v=TLSRPTv1; rua=mailto:tls@chaton.test"]),
            Verdict::Pass
        );
    }

    #[test]
    fn absent_record_warns() {
        assert_eq!(verdict_with(&["v=spf1 -all"]), Verdict::Warn);
    }

    #[test]
    fn record_without_rua_warns() {
        assert_eq!(verdict_with(&["v=TLSRPTv1;"]), Verdict::Warn);
    }

    #[test]
    fn absent_record_is_told_in_french_too() {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        let mut obs = observations();
        txt(&mut obs, "_smtp._tls.chaton.test", &[]);
        let f = judge(&TlsRpt, &m, &obs).remove(0);
        let fr = f.message_fr.as_deref().unwrap_or_default();
        assert!(
            fr.contains("ne publie aucun enregistrement TLS-RPT"),
            "{fr}"
        );
    }

    #[test]
    fn https_and_several_report_addresses_pass() {
        assert_eq!(
            verdict_with(&["v=TLSRPTv1;rua=https://reports.chaton.test/tlsrpt"]),
            Verdict::Pass
        );
        assert_eq!(
            verdict_with(&["v=TLSRPTv1; rua=mailto:a@chaton.test,mailto:b@x.test"]),
            Verdict::Pass
        );
    }

    #[test]
    fn report_address_of_another_scheme_or_in_another_tag_warns() {
        assert_eq!(
            verdict_with(&["v=TLSRPTv1; rua=http://reports.chaton.test/"]),
            Verdict::Warn
        );
        assert_eq!(
            verdict_with(&["v=TLSRPTv1; ruf=mailto:a@chaton.test"]),
            Verdict::Warn
        );
    }

    #[test]
    fn version_prefix_must_be_exact() {
        assert_eq!(
            verdict_with(&["v=TLSRPTv10; rua=mailto:a@chaton.test"]),
            Verdict::Warn
        );
    }

    #[test]
    fn null_mx_domain_is_not_applicable() {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        let mut obs = observations();
        txt(&mut obs, "_smtp._tls.chaton.test", &[]);
        obs.dns.insert(
            "chaton.test".into(),
            crate::observation::Observed::Seen(crate::observation::DnsRecords {
                mx: vec![(0, ".".into())],
                ..Default::default()
            }),
        );
        assert_eq!(verdict(&TlsRpt, &m, &obs), Verdict::NotApplicable);
    }

    #[test]
    fn two_records_warn() {
        assert_eq!(
            verdict_with(&[
                "v=TLSRPTv1; rua=mailto:a@x.test",
                "v=TLSRPTv1; rua=mailto:b@x.test"
            ]),
            Verdict::Warn
        );
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        let mut obs = observations();
        obs.dns.insert("_smtp._tls.chaton.test".into(), timeout());
        assert_eq!(verdict(&TlsRpt, &m, &obs), Verdict::Inconclusive);
    }
}
