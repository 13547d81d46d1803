//! `mail.dmarc`: the domain publishes a DMARC policy that asks receivers to quarantine or
//! reject mail forged in its name.
//!
//! Absence is a `warn`, not a `fail`: mail still flows and stays as encrypted as before;
//! what is missing is the protection of users against forged mail in the member's name, and
//! many small hosters still lack it. `p=none` (monitoring only) is also a `warn`, and so is
//! `p=quarantine` with `pct` below 100 (the rest is delivered); `p=reject` with `pct` below
//! 100 passes, since receivers quarantine what they do not reject (RFC 7489 section 6.6.4).
//! A subdomain without its own record inherits the organisational domain's, found through
//! the Public Suffix List (`sp=` first).

use super::{dns_txt, mail_domains};
use crate::check::http_headers::directives;
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject};
use crate::msg;
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
    let own = match dns_txt(cx, &own_name, &subject) {
        Ok(records) => dmarc_records(&records.txt),
        Err(finding) => return finding,
    };
    // Which record applies, where it was found, and which tag to read. Only an answer
    // without any DMARC record sends receivers to the organisational domain (RFC 7489
    // section 6.6.3); several records end the discovery.
    let (records, name, inherited) = if !own.is_empty() {
        (own, own_name, false)
    } else if let Some(organizational) = dmarc_organizational_domain(domain) {
        let name = format!("_dmarc.{organizational}");
        match dns_txt(cx, &name, &subject) {
            Ok(records) => (dmarc_records(&records.txt), name, true),
            Err(finding) => return finding,
        }
    } else {
        (own, own_name, false)
    };
    let record = match records.as_slice() {
        [] => {
            return cx.warn(
                subject,
                msg!(
                    "{domain} publishes no DMARC policy",
                    "{domain} ne publie aucune politique DMARC"
                ),
            );
        }
        [record] => *record,
        several => {
            return several.iter().fold(
                cx.warn(
                    subject,
                    msg!(
                        "{name} holds {} DMARC records: receivers ignore them all",
                        "{name} contient {} enregistrements DMARC : les serveurs destinataires les ignorent tous",
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
    let valid = |policy: Option<String>| {
        policy.filter(|p| matches!(p.as_str(), "none" | "quarantine" | "reject"))
    };
    let policy = if inherited {
        valid(tag("sp")).or_else(|| valid(tag("p")))
    } else {
        valid(tag("p"))
    };
    let pct = tag("pct")
        .and_then(|p| p.parse::<u8>().ok())
        .filter(|p| *p <= 100)
        .unwrap_or(100);
    let (place, place_fr) = if inherited {
        (
            format!("{domain} (inherited from {name})"),
            format!("{domain} (par héritage de {name})"),
        )
    } else {
        (domain.to_owned(), domain.to_owned())
    };
    let finding = match policy.as_deref() {
        // Mail not sampled by pct gets the next policy down (section 6.6.4): under reject,
        // it is still quarantined.
        Some("reject") if pct < 100 => cx.pass(
            subject,
            msg!(
                "the DMARC policy of {place} rejects {pct}% of forged mail and quarantines the rest",
                "la politique DMARC de {place_fr} rejette {pct} % des courriels usurpant le domaine et met le reste en quarantaine"
            ),
        ),
        Some("quarantine") if pct < 100 => cx.warn(
            subject,
            msg!(
                "the DMARC policy of {place} quarantines {pct}% of forged mail only: the rest is delivered",
                "la politique DMARC de {place_fr} ne met en quarantaine que {pct} % des courriels usurpant le domaine : le reste est distribué"
            ),
        ),
        Some(p @ ("reject" | "quarantine")) => {
            cx.pass(
                subject,
                msg!(
                    "the DMARC policy of {place} is {p}",
                    "la politique DMARC de {place_fr} est p={p}"
                ),
            )
        }
        Some(_) => cx.warn(
            subject,
            msg!(
                "the DMARC policy of {place} is none: forged mail is only reported",
                "la politique DMARC de {place_fr} est p=none : les courriels usurpant le domaine sont seulement signalés, pas écartés"
            ),
        ),
        None => cx.warn(
            subject,
            msg!(
                "the DMARC record of {place} has no valid policy (p=): receivers apply none",
                "l'enregistrement DMARC de {place_fr} n'indique aucune politique valide (p=) : les serveurs destinataires n'en appliquent aucune"
            ),
        ),
    };
    finding.evidence("dns.dmarc", format!("{name}: {record}"))
}

/// The TXT records that are DMARC records: their first tag is `v=DMARC1` (whitespace
/// around `=` and any case accepted, as receivers do).
fn dmarc_records(txt: &[String]) -> Vec<&str> {
    txt.iter()
        .map(String::as_str)
        .filter(|record| {
            directives(record).first().is_some_and(|(key, value)| {
                key == "v"
                    && value
                        .trim_start_matches('=')
                        .trim()
                        .eq_ignore_ascii_case("DMARC1")
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::mail::test_support::txt;
    use crate::check::tls::test_support::*;
    use crate::finding::Verdict;
    use crate::observation::{DnsRecords, Observed};

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
    fn partial_quarantine_warns_but_partial_reject_still_quarantines_the_rest_and_passes() {
        let with = |record: &str| verdict_with("chaton.test", &[("_dmarc.chaton.test", &[record])]);
        assert_eq!(with("v=DMARC1; p=quarantine; pct=10"), Verdict::Warn);
        assert_eq!(with("v=DMARC1; p=reject; pct=10"), Verdict::Pass);
        assert_eq!(with("v=DMARC1; p=quarantine; pct=100"), Verdict::Pass);
    }

    #[test]
    fn tags_are_read_whatever_the_case_and_spacing() {
        let with = |record: &str| verdict_with("chaton.test", &[("_dmarc.chaton.test", &[record])]);
        assert_eq!(
            with("v = DMARC1 ;  p = Reject ; rua=mailto:d@chaton.test"),
            Verdict::Pass
        );
        assert_eq!(with("V=dmarc1;P=QUARANTINE"), Verdict::Pass);
    }

    #[test]
    fn only_records_whose_first_tag_is_the_version_count() {
        let with =
            |records: &[&str]| verdict_with("chaton.test", &[("_dmarc.chaton.test", records)]);
        assert_eq!(with(&["p=reject; v=DMARC1"]), Verdict::Warn);
        assert_eq!(with(&["v=DMARC2; p=reject"]), Verdict::Warn);
        assert_eq!(with(&["v=spf1 -all", "v=DMARC1; p=reject"]), Verdict::Pass);
    }

    #[test]
    fn two_dmarc_records_warn() {
        assert_eq!(
            verdict_with(
                "chaton.test",
                &[(
                    "_dmarc.chaton.test",
                    &["v=DMARC1; p=reject", "v=DMARC1; p=none"]
                )]
            ),
            Verdict::Warn
        );
    }

    #[test]
    fn unknown_policy_value_warns() {
        assert_eq!(
            verdict_with(
                "chaton.test",
                &[("_dmarc.chaton.test", &["v=DMARC1; p=rejet"])]
            ),
            Verdict::Warn
        );
    }

    #[test]
    fn subdomain_with_its_own_record_reads_p_not_sp() {
        let entries: &[(&str, &[&str])] = &[
            ("_dmarc.lists.chaton.test", &["v=DMARC1; p=reject; sp=none"]),
            ("_dmarc.chaton.test", &["v=DMARC1; p=none"]),
        ];
        assert_eq!(verdict_with("lists.chaton.test", entries), Verdict::Pass);
    }

    #[test]
    fn several_records_on_the_subdomain_do_not_fall_back_to_the_organisational_domain() {
        let entries: &[(&str, &[&str])] = &[
            (
                "_dmarc.lists.chaton.test",
                &[
                    "v=DMARC1; p=none",
                    "v=DMARC1; p=none; rua=mailto:x@chaton.test",
                ],
            ),
            ("_dmarc.chaton.test", &["v=DMARC1; p=reject"]),
        ];
        assert_eq!(verdict_with("lists.chaton.test", entries), Verdict::Warn);
    }

    #[test]
    fn failed_txt_lookup_is_inconclusive_not_absent() {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        let mut obs = observations();
        obs.dns.insert(
            "_dmarc.chaton.test".into(),
            Observed::Seen(DnsRecords {
                errors: vec![("TXT".into(), "SERVFAIL".into())],
                ..Default::default()
            }),
        );
        assert_eq!(verdict(&Dmarc, &m, &obs), Verdict::Inconclusive);
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
    fn an_inherited_policy_is_told_in_french_with_its_origin() {
        let m = member_with_mail("https://chaton.test/", "lists.chaton.test");
        let mut obs = observations();
        txt(&mut obs, "_dmarc.lists.chaton.test", &[]);
        txt(&mut obs, "_dmarc.chaton.test", &["v=DMARC1; p=none"]);
        let f = judge(&Dmarc, &m, &obs).remove(0);
        assert_eq!(f.verdict, Verdict::Warn);
        let fr = f.message_fr.as_deref().unwrap_or_default();
        assert!(
            fr.contains("la politique DMARC de lists.chaton.test (par héritage de _dmarc.chaton.test) est p=none"),
            "{fr}"
        );
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        let mut obs = observations();
        obs.dns.insert("_dmarc.chaton.test".into(), timeout());
        assert_eq!(verdict(&Dmarc, &m, &obs), Verdict::Inconclusive);
    }
}
