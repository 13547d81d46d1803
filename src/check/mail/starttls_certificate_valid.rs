//! `mail.starttls-certificate-valid`: the certificate each MX host presents after STARTTLS
//! validates for the MX name (or, failing that, is pinned by DANE).
//!
//! Most senders deliver over TLS without validating, so an invalid certificate still encrypts
//! against passive eavesdroppers: a `warn`. It becomes a `fail` when the domain's MTA-STS
//! policy is `enforce`, because then validating senders refuse to deliver.

use super::dane::{DaneMatch, dane_match};
use super::{for_each_exchanger, mail_observation, tagged_txt};
use crate::check::tls::with_leaf_evidence;
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject};
use crate::observation::{Observed, ProbeFailure};
use crate::plan::targets::tlsa_name;

/// The STARTTLS certificate of each MX host validates for its name.
pub struct StarttlsCertificateValid;

impl Check for StarttlsCertificateValid {
    fn id(&self) -> &'static str {
        "mail.starttls-certificate-valid"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Dns, ProbeKind::Mail]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        for_each_exchanger(cx, |domain, session| {
            let subject = Subject::Host(session.host.clone());
            let place = format!("{}:{}", session.host, session.port);
            if !session.starttls_offered {
                return cx.not_applicable(subject, format!("{place} does not offer STARTTLS"));
            }
            let handshake = match &session.handshake {
                None => {
                    return cx.not_observed(subject, format!("a STARTTLS handshake with {place}"));
                }
                Some(Observed::Failed(failure @ ProbeFailure::Tls { .. })) => {
                    // The server offered STARTTLS and then could not complete a handshake with
                    // a current client: mail falls back to clear text at most senders.
                    return cx
                        .warn(
                            subject,
                            format!("{place} offers STARTTLS but the TLS handshake failed"),
                        )
                        .evidence("probe.failure", failure.to_string());
                }
                Some(Observed::Failed(failure)) => {
                    return cx
                        .inconclusive(subject, failure)
                        .evidence("smtp.endpoint", place);
                }
                Some(Observed::Seen(handshake)) => handshake,
            };
            let Some(error) = &handshake.verification_error else {
                return with_leaf_evidence(
                    cx.pass(
                        subject,
                        format!("the certificate of {place} validates for {}", session.host),
                    ),
                    handshake.leaf(),
                );
            };
            let tlsa = cx
                .observations
                .dns
                .get(&tlsa_name(&session.host))
                .and_then(Observed::seen)
                .filter(|records| records.dnssec.as_deref() == Some("secure"));
            if let Some(records) = tlsa
                && let DaneMatch::Matches(record) = dane_match(&records.tlsa, &handshake.chain)
            {
                return with_leaf_evidence(
                    cx.pass(subject, format!("the certificate of {place} does not validate by PKIX but is pinned by DANE"))
                        .evidence("dane.matched", record)
                        .evidence("tls.verification_error", error.clone()),
                    handshake.leaf(),
                );
            }
            let enforced = mta_sts_enforced(cx, domain);
            let message = format!(
                "the certificate of {place} does not validate for {}",
                session.host
            );
            let finding = if enforced {
                cx.fail(subject, format!("{message}, and the MTA-STS policy of {domain} is enforce: validating senders will not deliver"))
            } else {
                cx.warn(subject, message)
            };
            with_leaf_evidence(
                finding.evidence("tls.verification_error", error.clone()),
                handshake.leaf(),
            )
        })
    }
}

/// The domain announces MTA-STS and its fetched policy says `enforce`.
fn mta_sts_enforced(cx: &Context<'_>, domain: &str) -> bool {
    let announced = cx
        .observations
        .dns
        .get(&format!("_mta-sts.{domain}"))
        .and_then(Observed::seen)
        .is_some_and(|records| !tagged_txt(records, "v=STSv1").is_empty());
    let subject = Subject::MailDomain(domain.to_owned());
    let policy_enforces = mail_observation(cx, domain, &subject)
        .ok()
        .and_then(|observation| observation.mta_sts_policy.as_ref())
        .and_then(Observed::seen)
        .is_some_and(|policy| policy.mode.as_deref() == Some("enforce"));
    announced && policy_enforces
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::mail::test_support::{good_session, mail_world, txt};
    use crate::check::tls::test_support::*;
    use crate::finding::Verdict;
    use crate::observation::DnsRecords;
    use crate::observation::mail::{MtaStsPolicy, SmtpSession};
    use crate::observation::tls::VerificationKind;

    fn bad_session() -> SmtpSession {
        SmtpSession {
            handshake: Some(Observed::Seen(failing_handshake(
                "mx.chaton.test",
                VerificationKind::UnknownIssuer,
            ))),
            ..good_session()
        }
    }

    #[test]
    fn valid_certificate_passes() {
        let (m, obs) = mail_world(good_session());
        assert_eq!(verdict(&StarttlsCertificateValid, &m, &obs), Verdict::Pass);
    }

    #[test]
    fn invalid_certificate_warns_without_mta_sts() {
        let (m, obs) = mail_world(bad_session());
        assert_eq!(verdict(&StarttlsCertificateValid, &m, &obs), Verdict::Warn);
    }

    #[test]
    fn invalid_certificate_fails_under_enforced_mta_sts() {
        let (m, mut obs) = mail_world(bad_session());
        txt(&mut obs, "_mta-sts.chaton.test", &["v=STSv1; id=2026"]);
        if let Some(Observed::Seen(mail)) = obs.mail.get_mut("chaton.test") {
            mail.mta_sts_policy = Some(Observed::Seen(MtaStsPolicy {
                mode: Some("enforce".into()),
                ..Default::default()
            }));
        }
        assert_eq!(verdict(&StarttlsCertificateValid, &m, &obs), Verdict::Fail);
    }

    #[test]
    fn invalid_certificate_pinned_by_dane_passes() {
        let (m, mut obs) = mail_world(bad_session());
        let records = DnsRecords {
            tlsa: vec![format!("3 1 1 {:0>64}", "bb")],
            dnssec: Some("secure".into()),
            ..Default::default()
        };
        obs.dns
            .insert("_25._tcp.mx.chaton.test".into(), Observed::Seen(records));
        assert_eq!(verdict(&StarttlsCertificateValid, &m, &obs), Verdict::Pass);
    }

    #[test]
    fn failed_handshake_warns() {
        let (m, obs) = mail_world(SmtpSession {
            handshake: Some(Observed::Failed(ProbeFailure::Tls {
                message: "no shared cipher".into(),
            })),
            ..good_session()
        });
        assert_eq!(verdict(&StarttlsCertificateValid, &m, &obs), Verdict::Warn);
    }

    #[test]
    fn handshake_timeout_is_inconclusive() {
        let (m, obs) = mail_world(SmtpSession {
            handshake: Some(timeout()),
            ..good_session()
        });
        assert_eq!(
            verdict(&StarttlsCertificateValid, &m, &obs),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn no_starttls_is_not_applicable() {
        let (m, obs) = mail_world(SmtpSession {
            starttls_offered: false,
            handshake: None,
            ..good_session()
        });
        assert_eq!(
            verdict(&StarttlsCertificateValid, &m, &obs),
            Verdict::NotApplicable
        );
    }
}
