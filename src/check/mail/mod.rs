//! Checks of the mail family: MX, STARTTLS and its certificate, MTA-STS, TLS-RPT, DANE, SPF,
//! DMARC and the user-facing mail endpoints (see the `tls` module documentation for the
//! observation keys).

mod dane;
mod dmarc;
mod imaps_submission_tls;
mod mta_sts;
mod mx_present;
mod spf;
mod starttls_certificate_valid;
mod starttls_offered;
mod tls_rpt;

pub use dane::Dane;
pub use dmarc::Dmarc;
pub use imaps_submission_tls::ImapsSubmissionTls;
pub use mta_sts::MtaSts;
pub use mx_present::MxPresent;
pub use spf::Spf;
pub use starttls_certificate_valid::StarttlsCertificateValid;
pub use starttls_offered::StarttlsOffered;
pub use tls_rpt::TlsRpt;

use crate::check::Context;
use crate::finding::{Finding, Subject, Verdict};
use crate::msg;
use crate::observation::mail::{MailObservation, SmtpSession};
use crate::observation::{DnsRecords, Observed};

/// The member's mail domains, lower-case without trailing dot, deduplicated.
pub(crate) fn mail_domains(cx: &Context<'_>) -> Vec<String> {
    let mut domains: Vec<String> = Vec::new();
    for mail in &cx.member.mail_domains {
        let domain = mail.domain.trim_end_matches('.').to_ascii_lowercase();
        if !domains.contains(&domain) {
            domains.push(domain);
        }
    }
    domains
}

/// The DNS records of `name`, or the finding about `subject` that says why there are none.
// The error is the finding that explains why there is nothing to judge; it is built once per
// subject and returned at once, so boxing it would buy nothing.
#[allow(clippy::result_large_err)]
pub(crate) fn dns<'a>(
    cx: &'a Context<'_>,
    name: &str,
    subject: &Subject,
) -> Result<&'a DnsRecords, Finding> {
    match cx.observations.dns.get(name) {
        None => Err(cx.not_observed(
            subject.clone(),
            msg!("DNS records of {name}", "enregistrements DNS de {name}"),
        )),
        Some(Observed::Failed(failure)) => Err(cx
            .inconclusive(subject.clone(), failure)
            .evidence("dns.name", name)),
        Some(Observed::Seen(records)) => Ok(records),
    }
}

/// The DNS records of `name` for a check that reads its TXT records: like [`dns`], but a TXT
/// lookup that failed (while another record type answered) is `inconclusive`, not an absent
/// record.
// The error is the finding that explains why there is nothing to judge.
#[allow(clippy::result_large_err)]
pub(crate) fn dns_txt<'a>(
    cx: &'a Context<'_>,
    name: &str,
    subject: &Subject,
) -> Result<&'a DnsRecords, Finding> {
    let records = dns(cx, name, subject)?;
    lookup_error(cx, records, "TXT", name, subject).map_or(Ok(records), Err)
}

/// The `inconclusive` finding about `subject` when the `kind` lookup of `name` failed.
pub(crate) fn lookup_error(
    cx: &Context<'_>,
    records: &DnsRecords,
    kind: &str,
    name: &str,
    subject: &Subject,
) -> Option<Finding> {
    let (_, error) = records
        .errors
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(kind))?;
    Some(
        cx.finding(
            subject.clone(),
            Verdict::Inconclusive,
            msg!(
                "the {kind} lookup of {name} failed",
                "la requête DNS {kind} pour {name} a échoué"
            ),
        )
        .evidence("dns.error", error.clone()),
    )
}

/// Whether `domain` publishes a null MX (`0 .`, RFC 7505): it declares it accepts no mail.
pub(crate) fn has_null_mx(cx: &Context<'_>, domain: &str) -> bool {
    cx.observations
        .dns
        .get(domain)
        .and_then(Observed::seen)
        .is_some_and(|records| is_null_mx(&records.mx))
}

/// A null MX: an MX whose exchange is the root (RFC 7505 section 3).
pub(crate) fn is_null_mx(mx: &[(u16, String)]) -> bool {
    mx.iter()
        .any(|(_, host)| host.trim_end_matches('.').is_empty())
}

/// The TXT records of `name` that start with `tag` (e.g. `v=spf1`), compared
/// case-insensitively and followed by end, `;` or a space.
pub(crate) fn tagged_txt<'a>(records: &'a DnsRecords, tag: &str) -> Vec<&'a str> {
    records
        .txt
        .iter()
        .map(|txt| txt.trim())
        .filter(|txt| {
            txt.len() >= tag.len()
                && txt.is_char_boundary(tag.len())
                && txt[..tag.len()].eq_ignore_ascii_case(tag)
                && matches!(
                    txt[tag.len()..].chars().next(),
                    None | Some(' ' | ';' | '\t')
                )
        })
        .collect()
}

/// The mail observation of `domain`, or the finding that says why there is none.
// The error is the finding that explains why there is nothing to judge; it is built once per
// subject and returned at once, so boxing it would buy nothing.
#[allow(clippy::result_large_err)]
pub(crate) fn mail_observation<'a>(
    cx: &'a Context<'_>,
    domain: &str,
    subject: &Subject,
) -> Result<&'a MailObservation, Finding> {
    match cx.observations.mail.get(domain) {
        None => Err(cx.not_observed(
            subject.clone(),
            msg!(
                "the mail servers of {domain}",
                "serveurs de courriel de {domain}"
            ),
        )),
        Some(Observed::Failed(failure)) => Err(cx
            .inconclusive(subject.clone(), failure)
            .evidence("mail.domain", domain)),
        Some(Observed::Seen(observation)) => Ok(observation),
    }
}

/// For each MX host of each mail domain (deduplicated by host: domains often share MX), the
/// SMTP session observed, judged by `judge(domain, session)`. A domain without MX session or
/// without observation yields one finding about the domain.
pub(crate) fn for_each_exchanger(
    cx: &Context<'_>,
    mut judge: impl FnMut(&str, &SmtpSession) -> Finding,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut seen_hosts: Vec<String> = Vec::new();
    for domain in mail_domains(cx) {
        let subject = Subject::MailDomain(domain.clone());
        let observation = match mail_observation(cx, &domain, &subject) {
            Ok(observation) => observation,
            Err(finding) => {
                findings.push(finding);
                continue;
            }
        };
        if observation.exchangers.is_empty() {
            let message = if has_null_mx(cx, &domain) {
                msg!(
                    "{domain} publishes a null MX: it accepts no mail, so no MX host to probe",
                    "{domain} publie un MX nul : il n'accepte aucun courriel, il n'y a donc aucun serveur MX à sonder"
                )
            } else {
                msg!(
                    "{domain} has no MX host to probe",
                    "{domain} n'a aucun serveur MX à sonder"
                )
            };
            findings.push(cx.not_applicable(subject, message));
            continue;
        }
        for session in &observation.exchangers {
            let host = session.host.trim_end_matches('.').to_ascii_lowercase();
            if seen_hosts.contains(&host) {
                continue;
            }
            seen_hosts.push(host);
            findings.push(judge(&domain, session));
        }
    }
    findings
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::check::tls::test_support::{handshake, member_with_mail, observations};
    use crate::declaration::Member;
    use crate::observation::mail::{MailObservation, SmtpSession};
    use crate::observation::{DnsRecords, Observations, Observed};

    /// A session on `mx.chaton.test` that offered STARTTLS and validated.
    pub fn good_session() -> SmtpSession {
        SmtpSession {
            host: "mx.chaton.test".into(),
            port: 25,
            banner: Some("220 mx.chaton.test ESMTP".into()),
            ehlo_keywords: vec!["PIPELINING".into(), "STARTTLS".into()],
            starttls_offered: true,
            handshake: Some(Observed::Seen(handshake("mx.chaton.test"))),
            chain_sha512: Vec::new(),
            failure: None,
        }
    }

    /// Mail domain `chaton.test` with one MX session.
    pub fn mail_world(session: SmtpSession) -> (Member, Observations) {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        let mut obs = observations();
        obs.mail.insert(
            "chaton.test".into(),
            Observed::Seen(MailObservation {
                exchangers: vec![session],
                ..Default::default()
            }),
        );
        (m, obs)
    }

    /// TXT records for `name`.
    pub fn txt(obs: &mut Observations, name: &str, records: &[&str]) {
        obs.dns.insert(
            name.into(),
            Observed::Seen(DnsRecords {
                txt: records.iter().map(|r| (*r).to_owned()).collect(),
                ..Default::default()
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tls::test_support::{judge, member_with_mail, observations};
    use crate::observation::DnsRecords;

    fn french(findings: &[Finding]) -> &str {
        findings[0].message_fr.as_deref().unwrap_or_default()
    }

    #[test]
    fn missing_dns_records_are_reported_in_french() {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        let findings = judge(&MxPresent, &m, &observations());
        assert_eq!(findings[0].verdict, Verdict::Inconclusive);
        assert_eq!(
            french(&findings),
            "pas d'observation : enregistrements DNS de chaton.test"
        );
    }

    #[test]
    fn a_failed_lookup_is_reported_in_french() {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        let mut obs = observations();
        obs.dns.insert(
            "_smtp._tls.chaton.test".into(),
            Observed::Seen(DnsRecords {
                errors: vec![("TXT".into(), "SERVFAIL".into())],
                ..Default::default()
            }),
        );
        let findings = judge(&TlsRpt, &m, &obs);
        assert_eq!(findings[0].verdict, Verdict::Inconclusive);
        assert_eq!(
            french(&findings),
            "la requête DNS TXT pour _smtp._tls.chaton.test a échoué"
        );
    }

    #[test]
    fn missing_mail_servers_and_missing_mx_are_reported_in_french() {
        let m = member_with_mail("https://chaton.test/", "chaton.test");
        let mut obs = observations();
        let findings = judge(&StarttlsOffered, &m, &obs);
        assert_eq!(
            french(&findings),
            "pas d'observation : serveurs de courriel de chaton.test"
        );
        obs.mail.insert(
            "chaton.test".into(),
            Observed::Seen(MailObservation::default()),
        );
        let findings = judge(&StarttlsOffered, &m, &obs);
        assert_eq!(findings[0].verdict, Verdict::NotApplicable);
        assert_eq!(
            french(&findings),
            "chaton.test n'a aucun serveur MX à sonder"
        );
    }
}
