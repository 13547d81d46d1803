//! `mail.dane`: when an MX host publishes TLSA records in a DNSSEC-signed zone, the
//! certificate it presents after STARTTLS matches them (RFC 7672).
//!
//! A mismatch is a `fail`: senders that validate DANE refuse to deliver to that host. TLSA
//! records in an unsigned zone are ignored by senders: a `warn`. No TLSA record: DANE is not
//! used, `not_applicable` (MTA-STS is judged on its own).

use super::for_each_exchanger;
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject};
use crate::observation::Observed;
use crate::observation::tls::Certificate;
use crate::plan::targets::tlsa_name;

/// TLSA records of each MX host match its certificate.
pub struct Dane;

impl Check for Dane {
    fn id(&self) -> &'static str {
        "mail.dane"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Dns, ProbeKind::Mail]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        for_each_exchanger(cx, |_domain, session| {
            let subject = Subject::Host(session.host.clone());
            let name = tlsa_name(&session.host);
            let records = match super::dns(cx, &name, &subject) {
                Ok(records) => records,
                Err(finding) => return finding,
            };
            if records.tlsa.is_empty() {
                return cx.not_applicable(
                    subject,
                    format!(
                        "{} publishes no TLSA record: DANE is not used",
                        session.host
                    ),
                );
            }
            let with_tlsa = |f: Finding| {
                records
                    .tlsa
                    .iter()
                    .fold(f, |f, r| f.evidence("dns.tlsa", format!("{name}: {r}")))
            };
            let status = records.dnssec.as_deref().unwrap_or("indeterminate");
            match status {
                "secure" => {}
                "bogus" => {
                    return with_tlsa(cx.fail(
                        subject,
                        format!(
                            "the TLSA records of {} do not validate (DNSSEC bogus)",
                            session.host
                        ),
                    ));
                }
                "insecure" => {
                    return with_tlsa(cx.warn(
                        subject,
                        format!("{} publishes TLSA records in a zone not signed with DNSSEC: senders ignore them", session.host),
                    ));
                }
                _ => {
                    return with_tlsa(cx.finding(
                        subject,
                        crate::finding::Verdict::Inconclusive,
                        format!("the DNSSEC status of {name} is unknown"),
                    ));
                }
            }
            let handshake = match &session.handshake {
                Some(Observed::Seen(handshake)) => handshake,
                Some(Observed::Failed(failure)) => {
                    return with_tlsa(cx.inconclusive(subject, failure));
                }
                None => {
                    return with_tlsa(cx.not_observed(
                        subject,
                        format!("a STARTTLS certificate from {}", session.host),
                    ));
                }
            };
            let finding = match dane_match(&records.tlsa, &handshake.chain) {
                DaneMatch::Matches(record) => {
                    cx.pass(subject, format!("the certificate of {} matches its TLSA record", session.host)).evidence("dane.matched", record)
                }
                DaneMatch::NoMatch => cx.fail(
                    subject,
                    format!("no TLSA record of {} matches the certificate it presents: DANE senders will not deliver", session.host),
                ),
                DaneMatch::Unverifiable => cx.manual(
                    subject,
                    format!("the TLSA records of {} use a form this tool cannot compare (full data or SHA-512)", session.host),
                ),
            };
            let finding = match handshake.leaf() {
                Some(leaf) => finding
                    .evidence("certificate.sha256", leaf.sha256.clone())
                    .evidence("certificate.spki_sha256", leaf.spki_sha256.clone()),
                None => finding,
            };
            with_tlsa(finding)
        })
    }
}

/// The result of comparing TLSA records with a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DaneMatch {
    /// This record matches.
    Matches(String),
    /// Every record could be compared and none matches.
    NoMatch,
    /// Nothing matched, and some records could not be compared.
    Unverifiable,
}

/// Compares TLSA records (`usage selector matching hex`) with the chain: DANE-EE (3) and
/// PKIX-EE (1) against the leaf, DANE-TA (2) and PKIX-TA (0) against the other certificates.
/// Only SHA-256 digests (matching type 1) can be compared, since the observation keeps digests.
pub(crate) fn dane_match(records: &[String], chain: &[Certificate]) -> DaneMatch {
    let mut unverifiable = false;
    for record in records {
        let fields: Vec<&str> = record.split_whitespace().collect();
        let [usage, selector, matching, data @ ..] = fields.as_slice() else {
            unverifiable = true;
            continue;
        };
        let data: String = data.concat().to_ascii_lowercase();
        if *matching != "1" {
            unverifiable = true;
            continue;
        }
        let candidates: Vec<&Certificate> = match *usage {
            "3" | "1" => chain.first().into_iter().collect(),
            "2" | "0" => chain.iter().skip(1).collect(),
            _ => {
                unverifiable = true;
                continue;
            }
        };
        let digest = |cert: &Certificate| match *selector {
            "0" => Some(cert.sha256.to_ascii_lowercase()),
            "1" => Some(cert.spki_sha256.to_ascii_lowercase()),
            _ => None,
        };
        if candidates
            .iter()
            .any(|cert| digest(cert).is_some_and(|d| d == data))
        {
            return DaneMatch::Matches(record.clone());
        }
        if !matches!(*selector, "0" | "1") {
            unverifiable = true;
        }
    }
    if unverifiable {
        DaneMatch::Unverifiable
    } else {
        DaneMatch::NoMatch
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::mail::test_support::{good_session, mail_world};
    use crate::check::tls::test_support::*;
    use crate::finding::Verdict;
    use crate::observation::DnsRecords;

    fn verdict_with(tlsa: &[&str], dnssec: &str) -> Verdict {
        let (m, mut obs) = mail_world(good_session());
        let records = DnsRecords {
            tlsa: tlsa.iter().map(|t| (*t).to_owned()).collect(),
            dnssec: Some(dnssec.into()),
            ..Default::default()
        };
        obs.dns
            .insert("_25._tcp.mx.chaton.test".into(), Observed::Seen(records));
        verdict(&Dane, &m, &obs)
    }

    fn spki() -> String {
        format!("3 1 1 {:0>64}", "BB")
    }

    #[test]
    fn matching_dane_ee_record_in_signed_zone_passes() {
        assert_eq!(verdict_with(&[spki().as_str()], "secure"), Verdict::Pass);
    }

    #[test]
    fn matching_dane_ta_record_passes() {
        // The intermediate of the test chain has the same digests as the leaf in the fixture.
        assert_eq!(
            verdict_with(&[format!("2 0 1 {:0>64}", "aa").as_str()], "secure"),
            Verdict::Pass
        );
    }

    #[test]
    fn mismatching_record_fails() {
        assert_eq!(
            verdict_with(&[format!("3 1 1 {:0>64}", "cc").as_str()], "secure"),
            Verdict::Fail
        );
    }

    #[test]
    fn sha512_record_that_cannot_be_compared_goes_to_a_human() {
        assert_eq!(verdict_with(&["3 1 2 abcd"], "secure"), Verdict::Manual);
    }

    #[test]
    fn records_in_unsigned_zone_warn() {
        assert_eq!(verdict_with(&[spki().as_str()], "insecure"), Verdict::Warn);
    }

    #[test]
    fn bogus_records_fail() {
        assert_eq!(verdict_with(&[spki().as_str()], "bogus"), Verdict::Fail);
    }

    #[test]
    fn no_tlsa_is_not_applicable() {
        assert_eq!(verdict_with(&[], "secure"), Verdict::NotApplicable);
    }

    #[test]
    fn missing_tlsa_observation_is_inconclusive() {
        let (m, obs) = mail_world(good_session());
        assert_eq!(verdict(&Dane, &m, &obs), Verdict::Inconclusive);
    }
}
