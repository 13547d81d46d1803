//! `mail.starttls-offered`: each MX host advertises STARTTLS, so mail can travel encrypted.

use super::for_each_exchanger;
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject};
use crate::msg;

/// EHLO on port 25 of every MX host lists STARTTLS.
pub struct StarttlsOffered;

impl Check for StarttlsOffered {
    fn id(&self) -> &'static str {
        "mail.starttls-offered"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Dns, ProbeKind::Mail]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        for_each_exchanger(cx, |_domain, session| {
            let subject = Subject::Host(session.host.clone());
            let place = format!("{}:{}", session.host, session.port);
            if let Some(failure) = &session.failure {
                return cx
                    .inconclusive(subject, failure)
                    .evidence("smtp.endpoint", place);
            }
            let finding = if session.starttls_offered {
                cx.pass(
                    subject,
                    msg!("{place} offers STARTTLS", "{place} propose STARTTLS"),
                )
            } else {
                cx.fail(
                    subject,
                    msg!(
                        "{place} does not offer STARTTLS: mail to it travels unencrypted",
                        "{place} ne propose pas STARTTLS : le courriel qui lui est adressé circule sans chiffrement"
                    ),
                )
            };
            let finding = match &session.banner {
                Some(banner) => finding.evidence("smtp.banner", banner.clone()),
                None => finding,
            };
            finding.evidence("smtp.ehlo", session.ehlo_keywords.join(" "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::mail::test_support::{good_session, mail_world};
    use crate::check::tls::test_support::*;
    use crate::finding::Verdict;
    use crate::observation::ProbeFailure;

    #[test]
    fn starttls_advertised_passes() {
        let (m, obs) = mail_world(good_session());
        assert_eq!(verdict(&StarttlsOffered, &m, &obs), Verdict::Pass);
    }

    #[test]
    fn no_starttls_fails() {
        let (m, obs) = mail_world(crate::observation::mail::SmtpSession {
            starttls_offered: false,
            handshake: None,
            ehlo_keywords: vec!["PIPELINING".into()],
            ..good_session()
        });
        let f = judge(&StarttlsOffered, &m, &obs).remove(0);
        assert_eq!(f.verdict, Verdict::Fail);
        let fr = f.message_fr.as_deref().unwrap_or_default();
        assert!(fr.contains("ne propose pas STARTTLS"), "{fr}");
    }

    #[test]
    fn session_that_timed_out_is_inconclusive() {
        let (m, obs) = mail_world(crate::observation::mail::SmtpSession {
            starttls_offered: false,
            handshake: None,
            failure: Some(ProbeFailure::Timeout { after_ms: 10_000 }),
            ..good_session()
        });
        assert_eq!(verdict(&StarttlsOffered, &m, &obs), Verdict::Inconclusive);
    }

    #[test]
    fn missing_mail_observation_is_inconclusive() {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        assert_eq!(
            verdict(&StarttlsOffered, &m, &observations()),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn null_mx_domain_is_not_applicable_and_says_it_accepts_no_mail() {
        let (m, mut obs) = mail_world(good_session());
        if let Some(crate::observation::Observed::Seen(mail)) = obs.mail.get_mut("chaton.test") {
            mail.exchangers.clear();
        }
        obs.dns.insert(
            "chaton.test".into(),
            crate::observation::Observed::Seen(crate::observation::DnsRecords {
                mx: vec![(0, ".".into())],
                ..Default::default()
            }),
        );
        let findings = judge(&StarttlsOffered, &m, &obs);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].verdict, Verdict::NotApplicable);
        assert!(findings[0].message.contains("null MX"), "{findings:?}");
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(fr.contains("MX nul"), "{fr}");
    }

    #[test]
    fn shared_mx_is_judged_once() {
        let (mut m, mut obs) = mail_world(good_session());
        m.mail_domains.push(crate::declaration::MailDomain {
            domain: "autre.test".into(),
            imap_host: None,
            submission_host: None,
        });
        let copy = obs.mail["chaton.test"].clone();
        obs.mail.insert("autre.test".into(), copy);
        assert_eq!(judge(&StarttlsOffered, &m, &obs).len(), 1);
    }
}
