//! `mail.imaps-submission-tls`: the declared IMAP and submission hosts, where users type their
//! password, only talk TLS with a valid certificate.
//!
//! Here an invalid certificate is a `fail`, unlike on MX hosts: mail clients validate, so
//! users are trained to accept a warning in front of their password. A submission port 587
//! that does not offer STARTTLS invites clear-text passwords: also a `fail`.

use super::{mail_domains, mail_observation};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject, Verdict};
use crate::msg;
use crate::observation::mail::SmtpSession;
use crate::observation::tls::TlsHandshake;
use crate::observation::{Observed, ProbeFailure};

/// IMAPS (993) and submission (465 implicit TLS, 587 STARTTLS) with valid certificates.
pub struct ImapsSubmissionTls;

impl Check for ImapsSubmissionTls {
    fn id(&self) -> &'static str {
        "mail.imaps-submission-tls"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Mail]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        let mut findings = Vec::new();
        let mut seen: Vec<Subject> = Vec::new();
        for domain in mail_domains(cx) {
            let declared = cx
                .member
                .mail_domains
                .iter()
                .find(|m| m.domain.trim_end_matches('.').eq_ignore_ascii_case(&domain));
            let Some(declared) = declared else { continue };
            if declared.imap_host.is_none() && declared.submission_host.is_none() {
                continue;
            }
            let domain_subject = Subject::MailDomain(domain.clone());
            let observation = match mail_observation(cx, &domain, &domain_subject) {
                Ok(observation) => observation,
                Err(finding) => {
                    findings.push(finding);
                    continue;
                }
            };
            if let Some(host) = &declared.imap_host {
                let subject = Subject::Url(format!("imaps://{host}:993"));
                if !seen.contains(&subject) {
                    seen.push(subject.clone());
                    findings.push(match &observation.imaps {
                        None => cx.not_observed(
                            subject,
                            msg!("IMAPS on {host}:993", "IMAPS sur {host}:993"),
                        ),
                        Some(endpoint) => judge_parts(
                            cx,
                            subject,
                            &[implicit(&endpoint.handshake, &format!("{host}:993"))],
                        ),
                    });
                }
            }
            if let Some(host) = &declared.submission_host {
                let subject = Subject::Url(format!("submission://{host}"));
                if !seen.contains(&subject) {
                    seen.push(subject.clone());
                    let mut parts = Vec::new();
                    if let Some(endpoint) = &observation.submissions {
                        parts.push(implicit(&endpoint.handshake, &format!("{host}:465")));
                    }
                    if let Some(session) = &observation.submission {
                        parts.push(starttls(session));
                    }
                    findings.push(if parts.is_empty() {
                        cx.not_observed(
                            subject,
                            msg!(
                                "submission on {host}",
                                "soumission de courriel (ports 465 et 587) sur {host}"
                            ),
                        )
                    } else {
                        judge_parts(cx, subject, &parts)
                    });
                }
            }
        }
        findings
    }
}

/// What one port showed.
enum Part {
    /// TLS with a certificate that validates.
    Good(String),
    /// Clear text offered, or a certificate that does not validate.
    Bad(String),
    /// Nothing listens (refused) or the handshake failed.
    Absent(String),
    /// Could not observe.
    Unknown(String, ProbeFailure),
}

fn implicit(handshake: &Observed<TlsHandshake>, place: &str) -> Part {
    match handshake {
        Observed::Seen(h) => certificate_part(h, place),
        Observed::Failed(ProbeFailure::Refused) => {
            Part::Absent(format!("{place}: connection refused"))
        }
        Observed::Failed(failure @ ProbeFailure::Tls { .. }) => {
            Part::Absent(format!("{place}: {failure}"))
        }
        Observed::Failed(failure) => Part::Unknown(format!("{place}: {failure}"), failure.clone()),
    }
}

fn starttls(session: &SmtpSession) -> Part {
    let place = format!("{}:{}", session.host, session.port);
    if let Some(failure) = &session.failure {
        return match failure {
            ProbeFailure::Refused => Part::Absent(format!("{place}: connection refused")),
            other => Part::Unknown(format!("{place}: {other}"), other.clone()),
        };
    }
    if !session.starttls_offered {
        return Part::Bad(format!(
            "{place} accepts sessions without offering STARTTLS"
        ));
    }
    match &session.handshake {
        Some(handshake) => implicit(handshake, &place),
        None => Part::Unknown(
            format!("{place}: STARTTLS not attempted"),
            ProbeFailure::Other {
                message: "STARTTLS not attempted".into(),
            },
        ),
    }
}

fn certificate_part(handshake: &TlsHandshake, place: &str) -> Part {
    match &handshake.verification_error {
        None => Part::Good(format!(
            "{place}: {} with a valid certificate",
            handshake.protocol
        )),
        Some(error) => Part::Bad(format!("{place}: certificate does not validate ({error})")),
    }
}

fn judge_parts(cx: &Context<'_>, subject: Subject, parts: &[Part]) -> Finding {
    let bad = parts.iter().any(|p| matches!(p, Part::Bad(_)));
    let good = parts.iter().any(|p| matches!(p, Part::Good(_)));
    let unknown = parts.iter().find_map(|p| match p {
        Part::Unknown(_, failure) => Some(failure),
        _ => None,
    });
    let finding = if bad {
        cx.fail(
            subject,
            msg!(
                "a mail endpoint where users log in accepts clear text or presents an invalid certificate",
                "un point d'accès de courriel où les utilisateurs saisissent leur mot de passe accepte des échanges en clair ou présente un certificat invalide"
            ),
        )
    } else if good {
        cx.pass(
            subject,
            msg!(
                "the mail endpoint only talks TLS, with a valid certificate",
                "le point d'accès de courriel ne communique qu'en TLS, avec un certificat valide"
            ),
        )
    } else if let Some(failure) = unknown {
        cx.inconclusive(subject, failure)
    } else {
        cx.finding(
            subject,
            Verdict::Warn,
            msg!(
                "the declared mail endpoint does not answer with TLS",
                "le point d'accès de courriel déclaré ne répond pas en TLS"
            ),
        )
    };
    parts.iter().fold(finding, |f, part| {
        let line = match part {
            Part::Good(l) | Part::Bad(l) | Part::Absent(l) | Part::Unknown(l, _) => l.clone(),
        };
        f.evidence("mail.endpoint", line)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::mail::test_support::{good_session, mail_world};
    use crate::check::tls::test_support::*;
    use crate::observation::mail::TlsEndpoint;
    use crate::observation::tls::VerificationKind;

    fn world(
        imaps: Option<Observed<TlsHandshake>>,
        s465: Option<Observed<TlsHandshake>>,
        s587: Option<SmtpSession>,
    ) -> Vec<Finding> {
        let (mut m, mut obs) = mail_world(good_session());
        m.mail_domains[0].imap_host = imaps.as_ref().map(|_| "imap.chaton.test".into());
        m.mail_domains[0].submission_host =
            (s465.is_some() || s587.is_some()).then(|| "smtp.chaton.test".into());
        if let Some(Observed::Seen(mail)) = obs.mail.get_mut("chaton.test") {
            mail.imaps = imaps.map(|handshake| TlsEndpoint {
                host: "imap.chaton.test".into(),
                port: 993,
                handshake,
            });
            mail.submissions = s465.map(|handshake| TlsEndpoint {
                host: "smtp.chaton.test".into(),
                port: 465,
                handshake,
            });
            mail.submission = s587;
        }
        judge(&ImapsSubmissionTls, &m, &obs)
    }

    fn valid() -> Observed<TlsHandshake> {
        Observed::Seen(handshake("imap.chaton.test"))
    }

    fn invalid() -> Observed<TlsHandshake> {
        Observed::Seen(failing_handshake(
            "imap.chaton.test",
            VerificationKind::Expired,
        ))
    }

    fn verdicts(findings: &[Finding]) -> Vec<Verdict> {
        findings.iter().map(|f| f.verdict).collect()
    }

    #[test]
    fn valid_imaps_and_submission_pass() {
        let s587 = SmtpSession {
            host: "smtp.chaton.test".into(),
            port: 587,
            ..good_session()
        };
        assert_eq!(
            verdicts(&world(Some(valid()), Some(valid()), Some(s587))),
            vec![Verdict::Pass, Verdict::Pass]
        );
    }

    #[test]
    fn expired_imaps_certificate_fails() {
        let findings = world(Some(invalid()), None, None);
        assert_eq!(verdicts(&findings), vec![Verdict::Fail]);
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(fr.contains("présente un certificat invalide"), "{fr}");
    }

    #[test]
    fn submission_587_without_starttls_fails_even_if_465_is_fine() {
        let s587 = SmtpSession {
            host: "smtp.chaton.test".into(),
            port: 587,
            starttls_offered: false,
            handshake: None,
            ..good_session()
        };
        assert_eq!(
            verdicts(&world(None, Some(valid()), Some(s587))),
            vec![Verdict::Fail]
        );
    }

    #[test]
    fn only_465_answering_passes() {
        let s587 = SmtpSession {
            failure: Some(ProbeFailure::Refused),
            starttls_offered: false,
            handshake: None,
            ..good_session()
        };
        assert_eq!(
            verdicts(&world(None, Some(valid()), Some(s587))),
            vec![Verdict::Pass]
        );
    }

    #[test]
    fn nothing_answering_warns_and_timeouts_are_inconclusive() {
        assert_eq!(
            verdicts(&world(
                Some(Observed::Failed(ProbeFailure::Refused)),
                None,
                None
            )),
            vec![Verdict::Warn]
        );
        assert_eq!(
            verdicts(&world(Some(timeout()), None, None)),
            vec![Verdict::Inconclusive]
        );
    }

    #[test]
    fn undeclared_endpoints_give_no_finding() {
        assert!(world(None, None, None).is_empty());
    }
}
