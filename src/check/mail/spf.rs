//! `mail.spf`: the domain publishes one SPF record (RFC 7208) that does not authorise the
//! whole internet (`+all`) to send in its name.
//!
//! Only `+all` (or a bare `all`) is a `fail`: it hands the domain's name to every sender.
//! What merely protects nothing is a `warn`: no record, several records or a syntax error
//! (both a permanent error for receivers, section 4.5 and 4.6), `?all`, and a record with
//! neither `all` nor `redirect=` (the default result is neutral, section 4.7). More than
//! ten lookup terms in the record itself is also a permanent error (section 4.6.4). `~all` and
//! `-all` pass. A `redirect=` is followed one step when the target's records were observed.

use super::{dns_txt, mail_domains};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Message, Subject};
use crate::msg;
use crate::observation::Observed;

/// One SPF record, ending in `-all` or `~all` (or delegating with `redirect=`).
pub struct Spf;

impl Check for Spf {
    fn id(&self) -> &'static str {
        "mail.spf"
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
    let records = match dns_txt(cx, domain, &subject) {
        Ok(records) => records,
        Err(finding) => return finding,
    };
    let spf = spf_records(&records.txt);
    let record = match spf.as_slice() {
        [] => {
            return cx.warn(
                subject,
                msg!(
                    "{domain} publishes no SPF record",
                    "{domain} ne publie aucun enregistrement SPF"
                ),
            );
        }
        [record] => *record,
        several => {
            return several.iter().fold(
                cx.warn(
                    subject,
                    msg!(
                        "{domain} publishes {} SPF records: receivers treat that as a permanent error, which protects nothing",
                        "{domain} publie {} enregistrements SPF : les serveurs destinataires y voient une erreur permanente, ce qui ne protège rien",
                        several.len()
                    ),
                ),
                |f, r| f.evidence("dns.spf", *r),
            );
        }
    };
    let finding = match parse(record) {
        Err(problem) => cx.warn(
            subject,
            msg!(
                "the SPF record of {domain} is invalid ({}): receivers treat it as a permanent error, which protects nothing",
                "l'enregistrement SPF de {domain} est invalide ({}) : les serveurs destinataires le traitent comme une erreur permanente, ce qui ne protège rien";
                problem.en,
                problem.fr,
            ),
        ),
        Ok(policy) => match (policy.all, policy.redirect) {
            (Some(qualifier), _) => judge_all(
                cx,
                subject,
                qualifier,
                &msg!(
                    "the SPF record of {domain}",
                    "l'enregistrement SPF de {domain}"
                ),
            ),
            (None, Some(target)) => judge_redirect(cx, subject, domain, &target),
            (None, None) => cx.warn(
                subject,
                msg!(
                    "the SPF record of {domain} has neither all nor redirect=: mail from any other sender gets a neutral result",
                    "l'enregistrement SPF de {domain} ne contient ni all ni redirect= : le courriel de tout autre expéditeur obtient un résultat neutre"
                ),
            ),
        },
    };
    finding.evidence("dns.spf", record)
}

/// The verdict on the qualifier of the record's `all` mechanism; `whose` names the record
/// or policy, as the subject of the sentence.
fn judge_all(cx: &Context<'_>, subject: Subject, qualifier: char, whose: &Message) -> Finding {
    let whose_fr = whose.fr.as_str();
    let whose = &whose.en;
    match qualifier {
        '+' => cx.fail(
            subject,
            msg!(
                "{whose} ends in +all: anyone may send mail in its name",
                "{whose_fr} se termine par +all : n'importe qui peut envoyer du courriel au nom du domaine"
            ),
        ),
        '?' => cx.warn(
            subject,
            msg!(
                "{whose} ends in ?all (neutral), which protects nothing",
                "{whose_fr} se termine par ?all (neutre), ce qui ne protège rien"
            ),
        ),
        '~' => cx.pass(
            subject,
            msg!(
                "{whose} ends in ~all: other senders soft-fail",
                "{whose_fr} se termine par ~all : les autres expéditeurs obtiennent un échec atténué (softfail)"
            ),
        ),
        _ => cx.pass(
            subject,
            msg!(
                "{whose} ends in -all: other senders fail",
                "{whose_fr} se termine par -all : les autres expéditeurs sont en échec (fail)"
            ),
        ),
    }
}

/// A record without `all` delegates to `target`: judged on the target's record when it was
/// observed, else trusted with the target named (it was not followed).
fn judge_redirect(cx: &Context<'_>, subject: Subject, domain: &str, target: &str) -> Finding {
    let name = target.trim_end_matches('.').to_ascii_lowercase();
    let target_records = cx.observations.dns.get(&name).and_then(Observed::seen);
    let followed = target_records.and_then(|records| match spf_records(&records.txt).as_slice() {
        [record] => parse(record)
            .ok()
            .map(|policy| (policy, (*record).to_owned())),
        _ => None,
    });
    match followed {
        Some((policy, record)) => {
            let whose = msg!(
                "the SPF policy of {domain} (redirected to {name})",
                "la politique SPF de {domain} (redirigée vers {name})"
            );
            let finding = match policy.all {
                Some(qualifier) => judge_all(cx, subject, qualifier, &whose),
                None => cx.pass(
                    subject,
                    msg!(
                        "{domain} delegates its SPF policy to {name} with redirect=",
                        "{domain} délègue sa politique SPF à {name} par redirect="
                    ),
                ),
            };
            finding.evidence("dns.spf", format!("{name}: {record}"))
        }
        None => cx.pass(
            subject,
            msg!(
                "{domain} delegates its SPF policy to {name} with redirect= (the target was not judged)",
                "{domain} délègue sa politique SPF à {name} par redirect= (la cible n'a pas été évaluée)"
            ),
        ),
    }
}

/// The TXT records that are SPF records: they begin with exactly `v=spf1` (any case)
/// followed by a space or nothing (RFC 7208 section 4.5; `v=spf10` is not one).
pub(crate) fn spf_records(txt: &[String]) -> Vec<&str> {
    txt.iter()
        .map(|record| record.trim_end())
        .filter(|record| {
            record.len() >= 6
                && record.is_char_boundary(6)
                && record[..6].eq_ignore_ascii_case("v=spf1")
                && matches!(record.as_bytes().get(6), None | Some(b' '))
        })
        .collect()
}

/// What a syntactically valid SPF record says about other senders.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Policy {
    /// The qualifier of the first `all` mechanism (`+`, `-`, `~` or `?`).
    all: Option<char>,
    /// The `redirect=` target, which only applies when there is no `all`.
    redirect: Option<String>,
}

/// The mechanisms RFC 7208 section 5 defines.
const MECHANISMS: [&str; 8] = ["all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"];

/// Parses the terms after `v=spf1`; the error names the first term receivers reject.
fn parse(record: &str) -> Result<Policy, Message> {
    let mut policy = Policy {
        all: None,
        redirect: None,
    };
    let mut exp_seen = false;
    // Terms that cost a DNS lookup (section 4.6.4); past 10 the result is a permanent
    // error. Only this record's own terms are counted: a lower bound.
    let mut lookups = 0;
    for term in record.split_ascii_whitespace().skip(1) {
        let lower = term.to_ascii_lowercase();
        let delimiter = lower.find([':', '/', '=']);
        if let Some(at) = delimiter.filter(|at| lower.as_bytes()[*at] == b'=') {
            // A modifier (section 6): redirect and exp at most once, unknown ones ignored.
            let (name, value) = (&lower[..at], &term[at + 1..]);
            let valid_name = name.starts_with(|c: char| c.is_ascii_alphabetic())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !valid_name {
                return Err(msg!("unknown term {term:?}", "terme inconnu {term:?}"));
            }
            match name {
                "redirect" if policy.redirect.is_some() => {
                    return Err(msg!(
                        "redirect= appears twice",
                        "redirect= apparaît deux fois"
                    ));
                }
                "redirect" if value.is_empty() => {
                    return Err(msg!(
                        "redirect= names no domain",
                        "redirect= ne désigne aucun domaine"
                    ));
                }
                "redirect" => {
                    lookups += 1;
                    policy.redirect = Some(value.to_owned());
                }
                "exp" if exp_seen => {
                    return Err(msg!("exp= appears twice", "exp= apparaît deux fois"));
                }
                "exp" => exp_seen = true,
                _ => {}
            }
            continue;
        }
        let (qualifier, mechanism) = match lower.chars().next() {
            Some(q @ ('+' | '-' | '~' | '?')) => (q, &lower[1..]),
            _ => ('+', lower.as_str()),
        };
        let name = mechanism.split([':', '/']).next().unwrap_or(mechanism);
        if !MECHANISMS.contains(&name) {
            return Err(msg!(
                "unknown mechanism {term:?}",
                "mécanisme inconnu {term:?}"
            ));
        }
        let argument = &mechanism[name.len()..];
        let needs_domain = matches!(name, "include" | "exists" | "ip4" | "ip6");
        if (name == "all" && !argument.is_empty())
            || (needs_domain && argument.len() < 2)
            || (needs_domain && !argument.starts_with(':'))
        {
            return Err(msg!(
                "malformed mechanism {term:?}",
                "mécanisme mal formé {term:?}"
            ));
        }
        if matches!(name, "include" | "a" | "mx" | "ptr" | "exists") {
            lookups += 1;
        }
        if name == "all" && policy.all.is_none() {
            policy.all = Some(qualifier);
        }
    }
    if lookups > 10 {
        return Err(msg!(
            "{lookups} terms that need a DNS lookup, more than the 10 allowed",
            "{lookups} termes nécessitant une requête DNS, alors que 10 au plus sont autorisés"
        ));
    }
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::mail::test_support::txt;
    use crate::check::tls::test_support::*;
    use crate::finding::Verdict;
    use crate::observation::DnsRecords;

    fn verdict_with(records: &[&str]) -> Verdict {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        let mut obs = observations();
        txt(&mut obs, "chaton.test", records);
        verdict(&Spf, &m, &obs)
    }

    #[test]
    fn hard_and_soft_fail_pass() {
        assert_eq!(verdict_with(&["v=spf1 mx -all"]), Verdict::Pass);
        assert_eq!(
            verdict_with(&["V=SPF1 ip4:192.0.2.0/24 ~ALL"]),
            Verdict::Pass
        );
    }

    #[test]
    fn plus_all_or_bare_all_fails() {
        assert_eq!(verdict_with(&["v=spf1 +all"]), Verdict::Fail);
        assert_eq!(verdict_with(&["v=spf1 mx all"]), Verdict::Fail);
    }

    #[test]
    fn plus_all_behind_a_redirect_is_told_in_french_with_the_target() {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        let mut obs = observations();
        txt(
            &mut obs,
            "chaton.test",
            &["v=spf1 redirect=_spf.hebergeur.test"],
        );
        txt(&mut obs, "_spf.hebergeur.test", &["v=spf1 +all"]);
        let f = judge(&Spf, &m, &obs).remove(0);
        assert_eq!(f.verdict, Verdict::Fail);
        let fr = f.message_fr.as_deref().unwrap_or_default();
        assert!(
            fr.starts_with("la politique SPF de chaton.test (redirigée vers _spf.hebergeur.test) se termine par +all :"),
            "{fr}"
        );
    }

    #[test]
    fn a_syntax_error_is_named_in_french_too() {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        let mut obs = observations();
        txt(&mut obs, "chaton.test", &["v=spf1 mx +al"]);
        let f = judge(&Spf, &m, &obs).remove(0);
        assert!(
            f.message.contains("unknown mechanism \"+al\""),
            "{}",
            f.message
        );
        let fr = f.message_fr.as_deref().unwrap_or_default();
        assert!(fr.contains("(mécanisme inconnu \"+al\")"), "{fr}");
    }

    #[test]
    fn neutral_all_warns() {
        assert_eq!(verdict_with(&["v=spf1 mx ?all"]), Verdict::Warn);
    }

    #[test]
    fn include_only_record_is_neutral_and_warns() {
        assert_eq!(
            verdict_with(&["v=spf1 include:_spf.hebergeur.test"]),
            Verdict::Warn
        );
        assert_eq!(verdict_with(&["v=spf1 mx"]), Verdict::Warn);
    }

    #[test]
    fn redirect_without_all_passes_when_not_followed() {
        assert_eq!(
            verdict_with(&["v=spf1 redirect=_spf.chaton.test"]),
            Verdict::Pass
        );
    }

    #[test]
    fn redirect_is_judged_on_its_target_when_observed() {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        let mut obs = observations();
        txt(
            &mut obs,
            "chaton.test",
            &["v=spf1 redirect=_SPF.hebergeur.test."],
        );
        txt(&mut obs, "_spf.hebergeur.test", &["v=spf1 +all"]);
        assert_eq!(verdict(&Spf, &m, &obs), Verdict::Fail);
        txt(
            &mut obs,
            "_spf.hebergeur.test",
            &["v=spf1 ip4:192.0.2.1 -all"],
        );
        assert_eq!(verdict(&Spf, &m, &obs), Verdict::Pass);
    }

    #[test]
    fn all_takes_precedence_over_redirect() {
        assert_eq!(
            verdict_with(&["v=spf1 ?all redirect=_spf.chaton.test"]),
            Verdict::Warn
        );
    }

    #[test]
    fn only_the_first_all_counts() {
        assert_eq!(verdict_with(&["v=spf1 -all +all"]), Verdict::Pass);
    }

    #[test]
    fn spf10_or_a_version_glued_to_a_semicolon_is_not_an_spf_record() {
        assert_eq!(verdict_with(&["v=spf10 +all"]), Verdict::Warn);
        assert_eq!(verdict_with(&["v=spf1;+all"]), Verdict::Warn);
        assert_eq!(verdict_with(&["google-site-verification=x"]), Verdict::Warn);
    }

    #[test]
    fn two_spf_records_are_a_permanent_error_and_warn() {
        assert_eq!(
            verdict_with(&["v=spf1 +all", "v=spf1 mx -all"]),
            Verdict::Warn
        );
    }

    #[test]
    fn syntax_error_is_a_permanent_error_and_warns_even_with_plus_all() {
        assert_eq!(verdict_with(&["v=spf1 mx +al"]), Verdict::Warn);
        assert_eq!(verdict_with(&["v=spf1 include -all"]), Verdict::Warn);
        assert_eq!(
            verdict_with(&["v=spf1 redirect=a.test redirect=b.test"]),
            Verdict::Warn
        );
        assert_eq!(verdict_with(&["v=spf1 -all:x"]), Verdict::Warn);
    }

    #[test]
    fn more_than_ten_lookups_in_the_record_itself_is_a_permanent_error() {
        let includes: Vec<String> = (0..11).map(|i| format!("include:s{i}.test")).collect();
        let record = format!("v=spf1 {} -all", includes.join(" "));
        assert_eq!(verdict_with(&[record.as_str()]), Verdict::Warn);
        let record = format!("v=spf1 {} -all", includes[..10].join(" "));
        assert_eq!(verdict_with(&[record.as_str()]), Verdict::Pass);
    }

    #[test]
    fn unknown_modifiers_are_ignored() {
        assert_eq!(
            verdict_with(&["v=spf1 mx exp=explain.chaton.test x-note=hello -all"]),
            Verdict::Pass
        );
    }

    #[test]
    fn failed_txt_lookup_is_inconclusive_not_absent() {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        let mut obs = observations();
        obs.dns.insert(
            "chaton.test".into(),
            Observed::Seen(DnsRecords {
                a: vec!["192.0.2.1".into()],
                errors: vec![("TXT".into(), "SERVFAIL".into())],
                ..Default::default()
            }),
        );
        assert_eq!(verdict(&Spf, &m, &obs), Verdict::Inconclusive);
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        let mut obs = observations();
        obs.dns.insert("chaton.test".into(), timeout());
        assert_eq!(verdict(&Spf, &m, &obs), Verdict::Inconclusive);
    }
}
