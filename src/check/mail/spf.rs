//! `mail.spf`: the domain publishes one SPF record that does not authorise the whole
//! internet (`+all`) to send in its name.

use super::{dns, mail_domains, tagged_txt};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject};

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
            .map(|domain| {
                let subject = Subject::MailDomain(domain.clone());
                let records = match dns(cx, &domain, &subject) {
                    Ok(records) => records,
                    Err(finding) => return finding,
                };
                let spf = tagged_txt(records, "v=spf1");
                let record = match spf.as_slice() {
                    [] => return cx.warn(subject, format!("{domain} publishes no SPF record")),
                    [record] => *record,
                    several => {
                        // RFC 7208 section 4.5: more than one record is a permanent error.
                        return several.iter().fold(
                            cx.warn(subject, format!("{domain} publishes {} SPF records: receivers treat that as an error", several.len())),
                            |f, r| f.evidence("dns.spf", *r),
                        );
                    }
                };
                let terms: Vec<String> = record.split_whitespace().skip(1).map(str::to_ascii_lowercase).collect();
                let all = terms.iter().find(|term| term.trim_start_matches(['+', '-', '~', '?']) == "all");
                let finding = match all.map(String::as_str) {
                    Some("all" | "+all") => {
                        cx.fail(subject, format!("the SPF record of {domain} ends in +all: anyone may send mail in its name"))
                    }
                    Some("?all") => cx.warn(subject, format!("the SPF record of {domain} ends in ?all, which protects nothing")),
                    Some(_) => cx.pass(subject, format!("{domain} publishes an SPF record that rejects other senders")),
                    None if terms.iter().any(|t| t.starts_with("redirect=")) => {
                        cx.pass(subject, format!("{domain} delegates its SPF policy with redirect="))
                    }
                    None => cx.warn(subject, format!("the SPF record of {domain} has no final all: other senders are neutral")),
                };
                finding.evidence("dns.spf", record)
            })
            .collect()
    }
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
        txt(&mut obs, "chaton.test", records);
        verdict(&Spf, &m, &obs)
    }

    #[test]
    fn hard_and_soft_fail_pass() {
        assert_eq!(verdict_with(&["v=spf1 mx -all"]), Verdict::Pass);
        assert_eq!(
            verdict_with(&["V=SPF1 ip4:192.0.2.0/24 ~all"]),
            Verdict::Pass
        );
        assert_eq!(
            verdict_with(&["v=spf1 redirect=_spf.chaton.test"]),
            Verdict::Pass
        );
    }

    #[test]
    fn plus_all_fails() {
        assert_eq!(verdict_with(&["v=spf1 +all"]), Verdict::Fail);
        assert_eq!(verdict_with(&["v=spf1 mx all"]), Verdict::Fail);
    }

    #[test]
    fn neutral_all_or_no_all_warns() {
        assert_eq!(verdict_with(&["v=spf1 mx ?all"]), Verdict::Warn);
        assert_eq!(verdict_with(&["v=spf1 mx"]), Verdict::Warn);
    }

    #[test]
    fn absent_or_duplicated_record_warns() {
        assert_eq!(
            verdict_with(&["google-site-verification=x", "v=spf10 nope"]),
            Verdict::Warn
        );
        assert_eq!(
            verdict_with(&["v=spf1 -all", "v=spf1 mx -all"]),
            Verdict::Warn
        );
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        let mut obs = observations();
        obs.dns.insert("chaton.test".into(), timeout());
        assert_eq!(verdict(&Spf, &m, &obs), Verdict::Inconclusive);
    }
}
