//! `mail.mx-present`: each declared mail domain publishes MX records that lead somewhere.
//!
//! Without MX, senders fall back to the domain's address records (RFC 5321 section 5.1), so
//! mail may still arrive: a `warn`. A null MX (`0 .`, RFC 7505) says the domain accepts no
//! mail at all, which contradicts the declaration: also a `warn`, with the record as
//! evidence, and an invalid one when mixed with other MX records. MX hosts that have no
//! address, or that are IP addresses instead of names, cannot receive mail: a `warn` naming
//! them (a lookup that failed proves nothing and is left out). An MX host that is an alias
//! (CNAME) breaks RFC 5321 section 5.1, and some senders refuse it: a `warn` too.

use super::{dns, is_null_mx, lookup_error, mail_domains};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject};
use crate::msg;
use crate::observation::Observed;
use crate::plan::targets::is_ip_literal;

/// MX records exist for each mail domain.
pub struct MxPresent;

impl Check for MxPresent {
    fn id(&self) -> &'static str {
        "mail.mx-present"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        // The mail probe's plan brings the lookups of the MX hosts themselves.
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
    let records = match dns(cx, domain, &subject) {
        Ok(records) => records,
        Err(finding) => return finding,
    };
    let evidence: Vec<String> = records
        .mx
        .iter()
        .map(|(pref, host)| format!("{pref} {host}"))
        .collect();
    let hosts: Vec<String> = records
        .mx
        .iter()
        .map(|(_, host)| host.trim_end_matches('.').to_ascii_lowercase())
        .filter(|host| !host.is_empty())
        .collect();
    let literal: Vec<&str> = hosts
        .iter()
        .filter(|h| is_ip_literal(h))
        .map(String::as_str)
        .collect();
    let without_address: Vec<&str> = hosts
        .iter()
        .filter(|h| !is_ip_literal(h) && has_no_address(cx, h))
        .map(String::as_str)
        .collect();
    let aliases: Vec<String> = hosts
        .iter()
        .filter_map(|h| alias_of(cx, h).map(|target| format!("{h} → {target}")))
        .collect();
    let finding = if is_null_mx(&records.mx) && !hosts.is_empty() {
        cx.warn(
            subject,
            msg!(
                "{domain} mixes a null MX with other MX records, which RFC 7505 forbids: senders may bounce its mail",
                "{domain} mêle un MX nul à d'autres enregistrements MX, ce que la RFC 7505 interdit : les expéditeurs risquent de rejeter le courriel qui lui est destiné"
            ),
        )
    } else if is_null_mx(&records.mx) {
        cx.warn(
            subject,
            msg!(
                "{domain} publishes a null MX (RFC 7505): it declares it accepts no mail, though it is declared as a mail domain",
                "{domain} publie un MX nul (RFC 7505) : il annonce n'accepter aucun courriel, alors qu'il est déclaré comme domaine de courriel"
            ),
        )
    } else if records.mx.is_empty() {
        if let Some(finding) = lookup_error(cx, records, "MX", domain, &subject) {
            return finding;
        }
        cx.warn(
            subject,
            msg!(
                "{domain} publishes no MX record: senders fall back to its address",
                "{domain} ne publie aucun enregistrement MX : les expéditeurs se rabattent sur son adresse"
            ),
        )
    } else if !literal.is_empty() {
        cx.warn(
            subject,
            msg!(
                "{domain} has MX records naming IP addresses instead of hosts ({}): many senders refuse them",
                "des enregistrements MX de {domain} désignent des adresses IP au lieu de noms d'hôte ({}) : beaucoup d'expéditeurs les refusent",
                literal.join(", ")
            ),
        )
    } else if !without_address.is_empty() {
        let all = without_address.len() == hosts.len();
        let (none_en, none_fr) = if all {
            (
                " (no MX host can receive mail)",
                " (aucun serveur MX ne peut recevoir de courriel)",
            )
        } else {
            ("", "")
        };
        let listed = without_address.join(", ");
        cx.warn(
            subject,
            msg!(
                "MX host(s) of {domain} without any address: {listed}{none_en}",
                "serveur(s) MX de {domain} sans aucune adresse : {listed}{none_fr}"
            ),
        )
    } else if !aliases.is_empty() {
        let listed = aliases.join(", ");
        cx.warn(
            subject,
            msg!(
                "MX host(s) of {domain} are aliases (CNAME), which RFC 5321 section 5.1 does not allow: {listed}; some senders refuse them",
                "serveur(s) MX de {domain} définis par un alias (CNAME), ce que la RFC 5321 (section 5.1) n'autorise pas : {listed} ; certains expéditeurs les refusent"
            ),
        )
    } else {
        cx.pass(
            subject,
            msg!(
                "{domain} publishes {} MX record(s)",
                "{domain} publie {} enregistrement(s) MX",
                records.mx.len()
            ),
        )
    };
    evidence
        .into_iter()
        .fold(finding, |f, mx| f.evidence("dns.mx", mx))
}

/// Where the MX host's name points when it is an alias (its answers carry a CNAME).
fn alias_of(cx: &Context<'_>, host: &str) -> Option<String> {
    let records = cx.observations.dns.get(host).and_then(Observed::seen)?;
    records
        .cname
        .first()
        .map(|target| target.trim_end_matches('.').to_owned())
}

/// The MX host's address lookups answered, and with neither A nor AAAA.
fn has_no_address(cx: &Context<'_>, host: &str) -> bool {
    cx.observations
        .dns
        .get(host)
        .and_then(Observed::seen)
        .is_some_and(|records| {
            records.a.is_empty()
                && records.aaaa.is_empty()
                && !records.errors.iter().any(|(kind, _)| {
                    kind.eq_ignore_ascii_case("A") || kind.eq_ignore_ascii_case("AAAA")
                })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tls::test_support::*;
    use crate::finding::Verdict;
    use crate::observation::DnsRecords;

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
    fn an_mx_host_that_is_an_alias_warns_naming_its_target() {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        let mut obs = observations();
        obs.dns.insert(
            "chaton.test".into(),
            Observed::Seen(DnsRecords {
                mx: vec![(10, "mx.chaton.test.".into())],
                ..Default::default()
            }),
        );
        obs.dns.insert(
            "mx.chaton.test".into(),
            Observed::Seen(DnsRecords {
                a: vec!["192.0.2.25".into()],
                cname: vec!["mail.hebergeur.test.".into()],
                ..Default::default()
            }),
        );
        let findings = judge(&MxPresent, &m, &obs);
        assert_eq!(findings[0].verdict, Verdict::Warn);
        assert!(
            findings[0]
                .message
                .contains("mx.chaton.test → mail.hebergeur.test"),
            "{findings:?}"
        );
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(fr.contains("alias (CNAME)"), "{fr}");
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
    fn null_mx_mixed_with_other_mx_warns() {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        let mut obs = observations();
        obs.dns.insert(
            "chaton.test".into(),
            Observed::Seen(DnsRecords {
                mx: vec![(0, ".".into()), (10, "mx.chaton.test.".into())],
                ..Default::default()
            }),
        );
        let findings = judge(&MxPresent, &m, &obs);
        assert_eq!(findings[0].verdict, Verdict::Warn);
        assert!(findings[0].message.contains("mixes"), "{findings:?}");
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(fr.contains("mêle un MX nul"), "{fr}");
    }

    fn with_host(host: DnsRecords) -> Verdict {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        let mut obs = observations();
        obs.dns.insert(
            "chaton.test".into(),
            Observed::Seen(DnsRecords {
                mx: vec![(10, "MX.chaton.test.".into())],
                ..Default::default()
            }),
        );
        obs.dns
            .insert("mx.chaton.test".into(), Observed::Seen(host));
        verdict(&MxPresent, &m, &obs)
    }

    #[test]
    fn mx_host_without_address_warns() {
        assert_eq!(with_host(DnsRecords::default()), Verdict::Warn);
    }

    #[test]
    fn mx_host_with_only_an_ipv6_address_passes() {
        assert_eq!(
            with_host(DnsRecords {
                aaaa: vec!["2001:db8::25".into()],
                ..Default::default()
            }),
            Verdict::Pass
        );
    }

    #[test]
    fn mx_host_whose_address_lookup_failed_is_not_accused() {
        assert_eq!(
            with_host(DnsRecords {
                errors: vec![("A".into(), "SERVFAIL".into())],
                ..Default::default()
            }),
            Verdict::Pass
        );
    }

    #[test]
    fn mx_naming_an_ip_address_warns() {
        assert_eq!(
            verdict_with(DnsRecords {
                mx: vec![(10, "192.0.2.25.".into())],
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
