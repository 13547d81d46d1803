//! `dns.caa-present`: CAA records say which authorities may issue certificates for each web
//! host (on the name itself or inherited from a parent, RFC 8659).
//!
//! The relevant record set is the one of the first name, climbing from the host to its
//! registrable domain, that has CAA records (RFC 8659 section 3). A CNAME'd name needs nothing
//! special: the resolver follows the alias, so the records observed for the name are those of
//! its target, as a CA sees them. The set restricts issuance only if it has an `issue`
//! property: `iodef` alone, `issuewild` alone (which concerns wildcard certificates only) or
//! unknown tags leave every authority free (RFC 8659 section 4). A critical flag on a tag no
//! CA knows forbids all issuance, so the next renewal will fail: a warning too.

use super::{lookup_error, records};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Message, Subject, Verdict};
use crate::msg;
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
                        // " (inherited from <parent>)", empty for the host's own set.
                        let inherited = if name == web.host {
                            Message::default()
                        } else {
                            msg!(" (inherited from {name})", " (hérités de {name})")
                        };
                        let finding = judge_set(cx, subject, &web.host, &found.caa, &inherited);
                        return found.caa.iter().fold(finding, |f, caa| {
                            f.evidence("dns.caa", format!("{name}: {caa}"))
                        });
                    }
                    if let Some(error) = lookup_error(found, "CAA") {
                        return cx
                            .finding(
                                subject,
                                Verdict::Inconclusive,
                                msg!(
                                    "the CAA lookup of {name} failed",
                                    "la requête DNS CAA pour {name} a échoué"
                                ),
                            )
                            .evidence("dns.error", error);
                    }
                }
                cx.warn(
                    subject,
                    msg!(
                        "no CAA record applies to {}: any authority may issue certificates for it",
                        "aucun enregistrement CAA ne s'applique à {} : n'importe quelle autorité de certification peut délivrer des certificats pour ce nom",
                        web.host
                    ),
                )
            })
            .collect()
    }
}

/// The verdict on the relevant CAA record set of `host`.
fn judge_set(
    cx: &Context<'_>,
    subject: Subject,
    host: &str,
    records: &[String],
    inherited: &Message,
) -> Finding {
    let Message {
        en: inherited,
        fr: inherited_fr,
    } = inherited;
    let parsed: Vec<Property> = records.iter().map(|r| Property::parse(r)).collect();
    if let Some(critical) = parsed.iter().find(|p| p.critical && !p.is_known()) {
        return cx.warn(
            subject,
            msg!(
                "the CAA records of {host}{inherited} carry a critical tag no authority knows ({}): every authority must refuse to issue, so the next renewal will fail",
                "les enregistrements CAA de {host}{inherited_fr} portent une étiquette critique qu'aucune autorité ne connaît ({}) : toutes les autorités doivent refuser de délivrer un certificat, le prochain renouvellement échouera donc",
                critical.tag
            ),
        );
    }
    if parsed.iter().any(|p| p.tag == "issue") {
        return cx.pass(
            subject,
            msg!(
                "CAA records{inherited} say which authorities may issue certificates for {host}",
                "des enregistrements CAA{inherited_fr} indiquent quelles autorités peuvent délivrer des certificats pour {host}"
            ),
        );
    }
    let (what, what_fr) = if parsed.iter().any(|p| p.tag == "issuewild") {
        (
            "restrict only wildcard certificates (issuewild, no issue)",
            "ne restreignent que les certificats génériques (issuewild, sans issue)",
        )
    } else {
        ("have no issue property", "n'ont pas de propriété issue")
    };
    cx.warn(
        subject,
        msg!(
            "the CAA records of {host}{inherited} {what}: any authority may issue a certificate for it",
            "les enregistrements CAA de {host}{inherited_fr} {what_fr} : n'importe quelle autorité peut délivrer un certificat pour ce nom"
        ),
    )
}

/// One CAA record, `flags tag "value"` as the DNS probe writes it.
struct Property {
    critical: bool,
    /// Lower-case: tags match case-insensitively.
    tag: String,
}

impl Property {
    fn parse(record: &str) -> Self {
        let mut parts = record.split_whitespace();
        let flags = parts.next().and_then(|f| f.parse::<u8>().ok()).unwrap_or(0);
        let tag = parts.next().unwrap_or_default().to_ascii_lowercase();
        Self {
            critical: flags & 0x80 != 0,
            tag,
        }
    }

    /// Tags CAs act on: RFC 8659 (`issue`, `issuewild`, `iodef`), RFC 9495 (`issuemail`),
    /// the CA/Browser Forum contacts and BIMI's `issuevmc`.
    fn is_known(&self) -> bool {
        matches!(
            self.tag.as_str(),
            "issue"
                | "issuewild"
                | "iodef"
                | "issuemail"
                | "issuevmc"
                | "contactemail"
                | "contactphone"
        )
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
    fn an_inherited_set_is_named_in_french_too() {
        let m = member("https://pad.chaton.test/", &[]);
        let mut obs = observations();
        obs.dns.insert(
            "pad.chaton.test".into(),
            Observed::Seen(DnsRecords::default()),
        );
        obs.dns.insert("chaton.test".into(), Observed::Seen(caa()));
        let findings = judge(&CaaPresent, &m, &obs);
        assert_eq!(findings[0].verdict, Verdict::Pass);
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert_eq!(
            fr,
            "des enregistrements CAA (hérités de chaton.test) indiquent quelles autorités peuvent délivrer des certificats pour pad.chaton.test"
        );
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

    fn verdict_for_set(records: &[&str]) -> Verdict {
        let set = DnsRecords {
            caa: records.iter().map(|r| (*r).to_owned()).collect(),
            ..Default::default()
        };
        verdict_with(&[("pad.chaton.test", set)])
    }

    #[test]
    fn issuewild_and_iodef_beside_issue_pass() {
        assert_eq!(
            verdict_for_set(&[
                "0 issue \"letsencrypt.org\"",
                "0 issuewild \";\"",
                "0 iodef \"mailto:security@chaton.test\""
            ]),
            Verdict::Pass
        );
    }

    #[test]
    fn tags_match_case_insensitively() {
        assert_eq!(
            verdict_for_set(&["0 ISSUE \"letsencrypt.org\""]),
            Verdict::Pass
        );
    }

    #[test]
    fn iodef_alone_restricts_nothing_and_warns() {
        assert_eq!(
            verdict_for_set(&["0 iodef \"mailto:security@chaton.test\""]),
            Verdict::Warn
        );
    }

    #[test]
    fn issuewild_alone_leaves_ordinary_certificates_free_and_warns() {
        assert_eq!(
            verdict_for_set(&["0 issuewild \"letsencrypt.org\""]),
            Verdict::Warn
        );
    }

    #[test]
    fn critical_unknown_tag_warns_that_issuance_is_blocked() {
        let m = member("https://pad.chaton.test/", &[]);
        let mut obs = observations();
        obs.dns.insert(
            "pad.chaton.test".into(),
            Observed::Seen(DnsRecords {
                caa: vec![
                    "0 issue \"letsencrypt.org\"".into(),
                    "128 tbs \"unknown\"".into(),
                ],
                ..Default::default()
            }),
        );
        let findings = judge(&CaaPresent, &m, &obs);
        assert_eq!(findings[0].verdict, Verdict::Warn);
        assert!(findings[0].message.contains("critical"));
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(fr.contains("étiquette critique"), "{fr}");
    }

    #[test]
    fn critical_flag_on_a_known_tag_passes() {
        assert_eq!(
            verdict_for_set(&["128 issue \"letsencrypt.org\""]),
            Verdict::Pass
        );
    }

    #[test]
    fn unknown_tag_without_the_critical_flag_is_ignored() {
        assert_eq!(
            verdict_for_set(&["0 issue \"letsencrypt.org\"", "0 future \"x\""]),
            Verdict::Pass
        );
    }

    #[test]
    fn the_closest_set_wins_over_the_parent() {
        // The host's own set (iodef only) is the relevant one, even though the parent's
        // would restrict issuance.
        assert_eq!(
            verdict_with(&[
                (
                    "pad.chaton.test",
                    DnsRecords {
                        caa: vec!["0 iodef \"mailto:a@chaton.test\"".into()],
                        ..Default::default()
                    }
                ),
                ("chaton.test", caa())
            ]),
            Verdict::Warn
        );
    }

    #[test]
    fn climbing_stops_at_the_first_name_with_records() {
        // The parent is never read once the host has records: its absence does not matter.
        assert_eq!(verdict_with(&[("pad.chaton.test", caa())]), Verdict::Pass);
    }

    #[test]
    fn failed_parent_lookup_is_inconclusive_not_a_warning() {
        let servfail = DnsRecords {
            errors: vec![("CAA".into(), "SERVFAIL".into())],
            ..Default::default()
        };
        assert_eq!(
            verdict_with(&[
                ("pad.chaton.test", DnsRecords::default()),
                ("chaton.test", servfail)
            ]),
            Verdict::Inconclusive
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
