//! `mail.tls-rpt`: the domain asks senders for TLS failure reports (`_smtp._tls` TXT with
//! `v=TLSRPTv1`, RFC 8460), so the member learns when mail to it falls back to clear text.

use super::{dns, mail_domains, tagged_txt};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject};

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
            .map(|domain| {
                let subject = Subject::MailDomain(domain.clone());
                let name = format!("_smtp._tls.{domain}");
                let records = match dns(cx, &name, &subject) {
                    Ok(records) => records,
                    Err(finding) => return finding,
                };
                match tagged_txt(records, "v=TLSRPTv1").as_slice() {
                    [] => cx.warn(subject, format!("{domain} publishes no TLS-RPT record")),
                    [record] if record.to_ascii_lowercase().contains("rua=") => {
                        cx.pass(subject, format!("{domain} asks for TLS reports")).evidence("dns.txt", format!("{name}: {record}"))
                    }
                    [record] => cx
                        .warn(subject, format!("the TLS-RPT record of {domain} names no report address (rua)"))
                        .evidence("dns.txt", format!("{name}: {record}")),
                    several => several.iter().fold(
                        cx.warn(subject, format!("{domain} publishes several TLS-RPT records: senders ignore them all")),
                        |f, r| f.evidence("dns.txt", format!("{name}: {r}")),
                    ),
                }
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
