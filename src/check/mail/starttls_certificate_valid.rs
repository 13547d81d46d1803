//! `mail.starttls-certificate-valid`: the certificate each MX host presents after STARTTLS
//! validates for the MX name (or, failing that, is pinned by DANE).
//!
//! Without DANE or MTA-STS, senders encrypt opportunistically and do not validate (RFC 7672
//! section 1.3), so an invalid certificate still protects against passive eavesdroppers: a
//! `warn`. It becomes a `fail` when the domain has a usable MTA-STS policy in `enforce`
//! mode, because then validating senders refuse to deliver. A certificate matched by a
//! DNSSEC-secure DANE-EE record passes whatever PKIX says; a DANE-TA match only excuses an
//! unknown issuer (names and dates are still checked).

use super::dane::{DaneMatch, dane_match, host_addresses_insecure};
use super::mta_sts::{UsablePolicy, usable_policy};
use super::{for_each_exchanger, mail_domains};
use crate::check::tls::with_leaf_evidence;
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject};
use crate::msg;
use crate::observation::tls::VerificationKind;
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
            if let Some(failure) = &session.failure {
                return cx
                    .inconclusive(subject, failure)
                    .evidence("smtp.endpoint", place);
            }
            if !session.starttls_offered {
                return cx.not_applicable(
                    subject,
                    msg!(
                        "{place} does not offer STARTTLS",
                        "{place} ne propose pas STARTTLS"
                    ),
                );
            }
            let handshake = match &session.handshake {
                None => {
                    return cx.not_observed(
                        subject,
                        msg!(
                            "a STARTTLS handshake with {place}",
                            "négociation TLS après STARTTLS avec {place}"
                        ),
                    );
                }
                Some(Observed::Failed(failure @ ProbeFailure::Tls { .. })) => {
                    // The server offered STARTTLS and then could not complete a handshake with
                    // a current client: mail falls back to clear text at most senders.
                    return cx
                        .warn(
                            subject,
                            msg!(
                                "{place} offers STARTTLS but the TLS handshake failed",
                                "{place} propose STARTTLS, mais la négociation TLS a échoué"
                            ),
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
                        msg!(
                            "the certificate of {place} validates for {}",
                            "le certificat de {place} est valide pour {}",
                            session.host
                        ),
                    ),
                    handshake.leaf(),
                );
            };
            let tlsa = cx
                .observations
                .dns
                .get(&tlsa_name(&session.host))
                .and_then(Observed::seen)
                .filter(|records| records.dnssec.as_deref() == Some("secure"))
                .filter(|_| !host_addresses_insecure(cx, &session.host));
            if let Some(records) = tlsa
                && let DaneMatch::Matches { record, usage } =
                    dane_match(&records.tlsa, &handshake.chain, &session.chain_sha512)
                // DANE-TA still checks names and dates: it only replaces the public roots.
                && (usage == 3
                    || handshake.verification_kind == Some(VerificationKind::UnknownIssuer))
            {
                return with_leaf_evidence(
                    cx.pass(subject, msg!("the certificate of {place} does not validate by PKIX but is pinned by DANE", "le certificat de {place} n'est pas valide selon PKIX, mais il est épinglé par DANE"))
                        .evidence("dane.matched", record)
                        .evidence("tls.verification_error", error.clone()),
                    handshake.leaf(),
                );
            }
            let finding = if let Some((enforcing, enforced)) =
                mta_sts_enforced(cx, domain, &session.host)
            {
                cx.fail(subject, msg!("the certificate of {place} does not validate for {}, and the MTA-STS policy of {enforcing} is enforce: validating senders will not deliver", "le certificat de {place} n'est pas valide pour {}, et la politique MTA-STS de {enforcing} est en mode enforce : les expéditeurs qui vérifient les certificats refuseront de livrer le courriel", session.host))
                    .evidence_at("mta_sts.mode", enforced.mode, enforced.policy.url.clone())
            } else {
                cx.warn(subject, msg!("the certificate of {place} does not validate for {}: senders that encrypt without validating (most of them, RFC 7672 section 1.3) still deliver, but nothing authenticates the server", "le certificat de {place} n'est pas valide pour {} : les expéditeurs qui chiffrent sans vérifier le certificat (la plupart, RFC 7672 section 1.3) livrent quand même le courriel, mais rien n'authentifie le serveur", session.host))
            };
            with_leaf_evidence(
                finding.evidence("tls.verification_error", error.clone()),
                handshake.leaf(),
            )
        })
    }
}

/// A mail domain served by `host` (`domain` first: MX hosts shared between domains are
/// judged once) whose MTA-STS policy senders would apply in `enforce` mode.
fn mta_sts_enforced<'a>(
    cx: &'a Context<'_>,
    domain: &str,
    host: &str,
) -> Option<(String, UsablePolicy<'a>)> {
    let host = host.trim_end_matches('.');
    let others = mail_domains(cx).into_iter().filter(|other| {
        other != domain
            && cx
                .observations
                .mail
                .get(other)
                .and_then(Observed::seen)
                .is_some_and(|mail| {
                    mail.exchangers
                        .iter()
                        .any(|s| s.host.trim_end_matches('.').eq_ignore_ascii_case(host))
                })
    });
    std::iter::once(domain.to_owned())
        .chain(others)
        .find_map(|candidate| {
            usable_policy(cx, &candidate)
                .filter(|usable| usable.mode == "enforce")
                .map(|usable| (candidate, usable))
        })
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

    fn with_mta_sts(obs: &mut crate::observation::Observations, status: u16) {
        txt(obs, "_mta-sts.chaton.test", &["v=STSv1; id=2026"]);
        if let Some(Observed::Seen(mail)) = obs.mail.get_mut("chaton.test") {
            mail.mta_sts_policy = Some(Observed::Seen(MtaStsPolicy {
                url: "https://mta-sts.chaton.test/.well-known/mta-sts.txt".into(),
                status,
                version: Some("STSv1".into()),
                mode: Some("enforce".into()),
                mx: vec!["mx.chaton.test".into()],
                max_age: Some(604_800),
                problems: Vec::new(),
            }));
        }
    }

    fn with_tlsa(obs: &mut crate::observation::Observations, record: String, dnssec: &str) {
        let records = DnsRecords {
            tlsa: vec![record],
            dnssec: Some(dnssec.into()),
            ..Default::default()
        };
        obs.dns
            .insert("_25._tcp.mx.chaton.test".into(), Observed::Seen(records));
    }

    #[test]
    fn invalid_certificate_fails_under_enforced_mta_sts() {
        let (m, mut obs) = mail_world(bad_session());
        with_mta_sts(&mut obs, 200);
        let f = judge(&StarttlsCertificateValid, &m, &obs).remove(0);
        assert_eq!(f.verdict, Verdict::Fail);
        let fr = f.message_fr.as_deref().unwrap_or_default();
        assert!(
            fr.contains("la politique MTA-STS de chaton.test est en mode enforce"),
            "{fr}"
        );
    }

    #[test]
    fn invalid_certificate_fails_when_another_domain_sharing_the_mx_enforces_mta_sts() {
        let (mut m, mut obs) = mail_world(bad_session());
        m.mail_domains.insert(
            0,
            crate::declaration::MailDomain {
                domain: "autre.test".into(),
                imap_host: None,
                submission_host: None,
            },
        );
        let copy = obs.mail["chaton.test"].clone();
        obs.mail.insert("autre.test".into(), copy);
        assert_eq!(verdict(&StarttlsCertificateValid, &m, &obs), Verdict::Warn);
        with_mta_sts(&mut obs, 200);
        assert_eq!(verdict(&StarttlsCertificateValid, &m, &obs), Verdict::Fail);
    }

    #[test]
    fn invalid_certificate_only_warns_when_the_enforce_policy_is_not_usable() {
        // A policy file answered with 404 is no policy for senders (RFC 8461 section 3.3).
        let (m, mut obs) = mail_world(bad_session());
        with_mta_sts(&mut obs, 404);
        assert_eq!(verdict(&StarttlsCertificateValid, &m, &obs), Verdict::Warn);
    }

    #[test]
    fn invalid_certificate_pinned_by_dane_ee_passes() {
        let (m, mut obs) = mail_world(bad_session());
        with_tlsa(&mut obs, format!("3 1 1 {:0>64}", "bb"), "secure");
        assert_eq!(verdict(&StarttlsCertificateValid, &m, &obs), Verdict::Pass);
    }

    #[test]
    fn dane_records_in_an_unsigned_zone_pin_nothing() {
        let (m, mut obs) = mail_world(bad_session());
        with_tlsa(&mut obs, format!("3 1 1 {:0>64}", "bb"), "insecure");
        assert_eq!(verdict(&StarttlsCertificateValid, &m, &obs), Verdict::Warn);
    }

    #[test]
    fn dane_ta_match_excuses_an_unknown_issuer_but_not_a_wrong_name() {
        // The fixture's intermediate has SHA-256 aa…: a private CA pinned by 2 0 1.
        let (m, mut obs) = mail_world(bad_session());
        with_tlsa(&mut obs, format!("2 0 1 {:0>64}", "aa"), "secure");
        assert_eq!(verdict(&StarttlsCertificateValid, &m, &obs), Verdict::Pass);
        let (m, mut obs) = mail_world(SmtpSession {
            handshake: Some(Observed::Seen(failing_handshake(
                "mx.chaton.test",
                VerificationKind::WrongHost,
            ))),
            ..good_session()
        });
        with_tlsa(&mut obs, format!("2 0 1 {:0>64}", "aa"), "secure");
        assert_eq!(verdict(&StarttlsCertificateValid, &m, &obs), Verdict::Warn);
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
    fn session_that_never_reached_ehlo_is_inconclusive_not_without_starttls() {
        let (m, obs) = mail_world(SmtpSession {
            starttls_offered: false,
            handshake: None,
            failure: Some(ProbeFailure::Refused),
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
