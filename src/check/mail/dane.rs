//! `mail.dane`: when an MX host publishes TLSA records in a DNSSEC-signed zone, the
//! certificate it presents after STARTTLS matches them (RFC 7672).
//!
//! Only DANE-TA (2) and DANE-EE (3) records count for SMTP (RFC 7672 section 3.1.3); a host
//! that publishes nothing else gets a `warn` (DANE protects nothing). A mismatch, a host
//! that no longer offers STARTTLS, and TLSA records whose DNSSEC signature is bogus are a
//! `fail`: senders that validate DANE refuse to deliver to that host. A record this tool
//! cannot compare (a trust-anchor key the server does not send) goes to a human (`manual`),
//! and so does a DANE-TA match whose certificate PKIX rejects for its name or dates. TLSA
//! records in an unsigned zone, or of a host whose address records are unsigned, are ignored
//! by senders (RFC 7672 section 2.2.2): a `warn`. No TLSA record: DANE is
//! not used, `not_applicable` (MTA-STS is judged on its own).

use sha2::{Digest, Sha256};

use super::{for_each_exchanger, lookup_error};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject, Verdict};
use crate::msg;
use crate::observation::Observed;
use crate::observation::mail::{Sha512Digests, SmtpSession};
use crate::observation::tls::{Certificate, VerificationKind};
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
        for_each_exchanger(cx, |_domain, session| judge_host(cx, session))
    }
}

fn judge_host(cx: &Context<'_>, session: &SmtpSession) -> Finding {
    let subject = Subject::Host(session.host.clone());
    let host = &session.host;
    let name = tlsa_name(host);
    let records = match super::dns(cx, &name, &subject) {
        Ok(records) => records,
        Err(finding) => return finding,
    };
    if records.tlsa.is_empty() {
        if let Some(finding) = lookup_error(cx, records, "TLSA", &name, &subject) {
            return finding;
        }
        return cx.not_applicable(
            subject,
            msg!(
                "{host} publishes no TLSA record: DANE is not used",
                "{host} ne publie aucun enregistrement TLSA : DANE n'est pas utilisé"
            ),
        );
    }
    let with_tlsa = |f: Finding| {
        records
            .tlsa
            .iter()
            .fold(f, |f, r| f.evidence("dns.tlsa", format!("{name}: {r}")))
    };
    match records.dnssec.as_deref().unwrap_or("indeterminate") {
        "secure" => {}
        "bogus" => {
            return with_tlsa(cx.fail(
                subject,
                msg!("the TLSA records of {host} do not validate (DNSSEC bogus): DANE senders will not deliver", "les enregistrements TLSA de {host} échouent à la validation DNSSEC (statut bogus) : les expéditeurs qui appliquent DANE refuseront de lui livrer le courriel"),
            ));
        }
        "insecure" => {
            return with_tlsa(cx.warn(
                subject,
                msg!("{host} publishes TLSA records in a zone not signed with DNSSEC: senders ignore them", "{host} publie des enregistrements TLSA dans une zone non signée avec DNSSEC : les expéditeurs les ignorent"),
            ));
        }
        _ => {
            return with_tlsa(cx.finding(
                subject,
                Verdict::Inconclusive,
                msg!(
                    "the DNSSEC status of {name} is unknown",
                    "l'état DNSSEC de {name} est inconnu"
                ),
            ));
        }
    }
    if host_addresses_insecure(cx, host) {
        return with_tlsa(cx.warn(
            subject,
            msg!("{host} publishes signed TLSA records, but its own address records are not signed with DNSSEC: senders do not look for them", "{host} publie des enregistrements TLSA signés, mais ses propres enregistrements d'adresse ne sont pas signés avec DNSSEC : les expéditeurs ne vont pas chercher ses enregistrements TLSA"),
        ));
    }
    let handshake = match &session.handshake {
        Some(Observed::Seen(handshake)) => handshake,
        Some(Observed::Failed(failure)) => {
            return with_tlsa(cx.inconclusive(subject, failure));
        }
        None if session.failure.is_none() && !session.starttls_offered => {
            // RFC 7672 section 2.2: with usable TLSA records, STARTTLS is mandatory.
            return with_tlsa(cx.fail(
                subject,
                msg!("{host} publishes TLSA records but does not offer STARTTLS: DANE senders will not deliver", "{host} publie des enregistrements TLSA mais ne propose pas STARTTLS : les expéditeurs qui appliquent DANE refuseront de lui livrer le courriel"),
            ));
        }
        None => {
            let finding = cx.not_observed(
                subject,
                msg!(
                    "a STARTTLS certificate from {host}",
                    "certificat présenté par {host} après STARTTLS"
                ),
            );
            let finding = match &session.failure {
                Some(failure) => finding.evidence("probe.failure", failure.to_string()),
                None => finding,
            };
            return with_tlsa(finding);
        }
    };
    let finding = match dane_match(&records.tlsa, &handshake.chain, &session.chain_sha512) {
        DaneMatch::Matches { record, usage: 2 }
            if matches!(
                handshake.verification_kind,
                Some(VerificationKind::WrongHost | VerificationKind::Expired | VerificationKind::NotYetValid)
            ) =>
        {
            // DANE-TA keeps the name and date checks of PKIX (RFC 7672 section 3.2), but
            // also accepts names PKIX did not try (the next-hop domain).
            cx.manual(
                subject,
                msg!("the chain of {host} matches a DANE-TA record, but its certificate fails a name or date check: whether DANE senders accept it needs a human", "la chaîne de certificats de {host} correspond à un enregistrement DANE-TA, mais son certificat ne passe pas la vérification du nom ou des dates de validité : une personne doit déterminer si les expéditeurs qui appliquent DANE l'acceptent"),
            )
            .evidence("dane.matched", record)
            .evidence(
                "tls.verification_error",
                handshake.verification_error.clone().unwrap_or_default(),
            )
        }
        DaneMatch::Matches { record, .. } => cx
            .pass(subject, msg!("the certificate of {host} matches its TLSA record", "le certificat de {host} correspond à son enregistrement TLSA"))
            .evidence("dane.matched", record),
        DaneMatch::NoMatch => cx.fail(
            subject,
            msg!("no TLSA record of {host} matches the certificate it presents: DANE senders will not deliver", "aucun enregistrement TLSA de {host} ne correspond au certificat qu'il présente : les expéditeurs qui appliquent DANE refuseront de lui livrer le courriel"),
        ),
        DaneMatch::Unverifiable => cx.manual(
            subject,
            msg!("no TLSA record of {host} matched, and some cannot be compared from what was observed (e.g. a trust-anchor key the server does not send): a human must compare them", "aucun enregistrement TLSA de {host} ne correspond, et certains ne peuvent pas être comparés à partir de ce qui a été observé (par exemple la clé d'une ancre de confiance que le serveur n'envoie pas) : une personne doit les comparer"),
        ),
        DaneMatch::Unusable => cx.warn(
            subject,
            msg!("{host} publishes only TLSA records that SMTP senders do not use (PKIX usages 0 and 1, unknown parameters or malformed data): DANE protects nothing", "{host} ne publie que des enregistrements TLSA que les expéditeurs SMTP n'utilisent pas (usages PKIX 0 et 1, paramètres inconnus ou données mal formées) : DANE ne protège rien"),
        ),
    };
    let finding = match handshake.leaf() {
        Some(leaf) => finding
            .evidence("certificate.sha256", leaf.sha256.clone())
            .evidence("certificate.spki_sha256", leaf.spki_sha256.clone()),
        None => finding,
    };
    with_tlsa(finding)
}

/// Whether the MX host's own address records were seen to be DNSSEC-insecure: senders then
/// do not look up its TLSA records (RFC 7672 section 2.2.2), however those are signed, e.g.
/// a TLSA name that is a CNAME to a signed zone.
pub(crate) fn host_addresses_insecure(cx: &Context<'_>, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    cx.observations
        .dns
        .get(&host)
        .and_then(Observed::seen)
        .is_some_and(|records| {
            !(records.a.is_empty() && records.aaaa.is_empty())
                && records.dnssec.as_deref() == Some("insecure")
        })
}

/// The result of comparing TLSA records with a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DaneMatch {
    /// This record matches; `usage` is 2 (DANE-TA) or 3 (DANE-EE).
    Matches {
        /// The record, as published.
        record: String,
        /// Its certificate usage.
        usage: u8,
    },
    /// Every usable record could be compared and none matches.
    NoMatch,
    /// Nothing matched, and some usable records could not be compared.
    Unverifiable,
    /// No record is usable for SMTP: only PKIX usages (0, 1), unknown parameters or
    /// malformed data (RFC 7672 section 3.1.3); senders then use TLS without authentication.
    Unusable,
}

/// One TLSA record as SMTP senders read it: usage, selector, matching type, data.
struct Tlsa {
    usage: u8,
    selector: u8,
    matching: u8,
    data: Vec<u8>,
}

/// Parses `usage selector matching hex`, keeping only what RFC 7672 lets SMTP use: usages
/// DANE-TA (2) and DANE-EE (3), selectors 0 and 1, matching types 0, 1 and 2.
fn usable(record: &str) -> Option<Tlsa> {
    let mut fields = record.split_whitespace();
    let mut number = || fields.next()?.parse::<u8>().ok();
    let (usage, selector, matching) = (number()?, number()?, number()?);
    let hex: String = fields.collect();
    let data = decode_hex(&hex)?;
    let length_ok = match matching {
        0 => !data.is_empty(),
        1 => data.len() == 32,
        2 => data.len() == 64,
        _ => false,
    };
    (matches!(usage, 2 | 3) && matches!(selector, 0 | 1) && length_ok).then_some(Tlsa {
        usage,
        selector,
        matching,
        data,
    })
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(hex.get(at..at + 2)?, 16).ok())
        .collect()
}

/// Compares TLSA records (`usage selector matching hex`) with the chain the server sent,
/// leaf first: DANE-EE (3) against the leaf, DANE-TA (2) against the certificates above it.
/// SHA-256 digests come from the chain, SHA-512 ones from `sha512` (same order), and a
/// full-data record (matching type 0) is compared through the SHA-256 of its data.
pub(crate) fn dane_match(
    records: &[String],
    chain: &[Certificate],
    sha512: &[Sha512Digests],
) -> DaneMatch {
    let mut unverifiable = false;
    let mut any_usable = false;
    for record in records {
        let Some(tlsa) = usable(record) else { continue };
        any_usable = true;
        let positions: Vec<usize> = if tlsa.usage == 3 {
            (0..chain.len().min(1)).collect()
        } else {
            (1..chain.len()).collect()
        };
        let expected = match tlsa.matching {
            0 => crate::net::hex(&Sha256::digest(&tlsa.data)),
            _ => crate::net::hex(&tlsa.data),
        };
        let mut compared_all = true;
        let matched = positions.iter().any(|&at| {
            let digest = match (tlsa.matching, tlsa.selector) {
                (2, 0) => sha512.get(at).map(|d| d.certificate.as_str()),
                (2, _) => sha512.get(at).map(|d| d.spki.as_str()),
                (_, 0) => Some(chain[at].sha256.as_str()),
                (_, _) => Some(chain[at].spki_sha256.as_str()),
            };
            match digest.filter(|d| !d.is_empty()) {
                Some(digest) => digest.eq_ignore_ascii_case(&expected),
                None => {
                    compared_all = false;
                    false
                }
            }
        });
        if matched {
            return DaneMatch::Matches {
                record: record.clone(),
                usage: tlsa.usage,
            };
        }
        // A full trust-anchor key (2 1 0) need not be sent by the server (RFC 7671 section
        // 5.2.2): only checking signatures, which the observation cannot, would tell.
        if !compared_all || (tlsa.usage, tlsa.selector, tlsa.matching) == (2, 1, 0) {
            unverifiable = true;
        }
    }
    if !any_usable {
        DaneMatch::Unusable
    } else if unverifiable {
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
    use crate::observation::DnsRecords;
    use crate::observation::tls::TlsHandshake;
    use crate::probe::mail::sha512_digests;
    use crate::probe::tls::parse_certificate;
    use crate::world::desc::CertProfile;
    use crate::world::pki::Pki;
    use sha2::Sha512;
    use x509_parser::prelude::{FromDer, X509Certificate};

    fn verdict_in(session: SmtpSession, tlsa: &[&str], dnssec: &str) -> Verdict {
        let (m, mut obs) = mail_world(session);
        let records = DnsRecords {
            tlsa: tlsa.iter().map(|t| (*t).to_owned()).collect(),
            dnssec: Some(dnssec.into()),
            ..Default::default()
        };
        obs.dns
            .insert("_25._tcp.mx.chaton.test".into(), Observed::Seen(records));
        verdict(&Dane, &m, &obs)
    }

    fn verdict_with(tlsa: &[&str], dnssec: &str) -> Verdict {
        verdict_in(good_session(), tlsa, dnssec)
    }

    /// A real chain (leaf, intermediate) from the world's PKI, recorded the way the probe
    /// records it, with the DER of each certificate for building records.
    fn real_session() -> (SmtpSession, Vec<Vec<u8>>) {
        let mut pki = Pki::generate().expect("internal error: test PKI");
        let leaf = pki
            .leaf("mx.chaton.test", CertProfile::Valid)
            .expect("internal error: test leaf");
        let ders: Vec<Vec<u8>> = leaf.chain.iter().map(|c| c.to_vec()).collect();
        let handshake = TlsHandshake {
            chain: ders.iter().map(|d| parse_certificate(d)).collect(),
            ..handshake("mx.chaton.test")
        };
        let session = SmtpSession {
            handshake: Some(Observed::Seen(handshake)),
            chain_sha512: ders.iter().map(|d| sha512_digests(d)).collect(),
            ..good_session()
        };
        (session, ders)
    }

    fn spki_der(der: &[u8]) -> Vec<u8> {
        let (_, cert) = X509Certificate::from_der(der).expect("internal error: test cert");
        cert.public_key().raw.to_vec()
    }

    fn hex(bytes: &[u8]) -> String {
        crate::net::hex(bytes)
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
    fn a_mismatch_is_explained_in_french_too() {
        let (m, mut obs) = mail_world(good_session());
        let records = DnsRecords {
            tlsa: vec![format!("3 1 1 {:0>64}", "cc")],
            dnssec: Some("secure".into()),
            ..Default::default()
        };
        obs.dns
            .insert("_25._tcp.mx.chaton.test".into(), Observed::Seen(records));
        let f = judge(&Dane, &m, &obs).remove(0);
        assert_eq!(f.verdict, Verdict::Fail);
        let fr = f.message_fr.as_deref().unwrap_or_default();
        assert!(
            fr.contains("aucun enregistrement TLSA de mx.chaton.test ne correspond"),
            "{fr}"
        );
    }

    #[test]
    fn sha512_records_are_compared_with_the_recorded_digests() {
        let (session, ders) = real_session();
        let leaf_spki = hex(&Sha512::digest(spki_der(&ders[0])));
        let issuer_cert = hex(&Sha512::digest(&ders[1]));
        let good = [format!("3 1 2 {leaf_spki}"), format!("2 0 2 {issuer_cert}")];
        for record in &good {
            assert_eq!(
                verdict_in(session.clone(), &[record.as_str()], "secure"),
                Verdict::Pass,
                "{record}"
            );
        }
        let wrong = format!("3 1 2 {}", hex(&Sha512::digest(b"another key")));
        assert_eq!(
            verdict_in(session, &[wrong.as_str()], "secure"),
            Verdict::Fail
        );
    }

    #[test]
    fn full_data_records_are_compared_whole() {
        let (session, ders) = real_session();
        let full_cert = format!("3 0 0 {}", hex(&ders[0]));
        let full_spki = format!("3 1 0 {}", hex(&spki_der(&ders[0])));
        let full_ta = format!("2 0 0 {}", hex(&ders[1]));
        for record in [&full_cert, &full_spki, &full_ta] {
            assert_eq!(
                verdict_in(session.clone(), &[record.as_str()], "secure"),
                Verdict::Pass
            );
        }
        let other_key = format!("3 1 0 {}", hex(&spki_der(&ders[1])));
        assert_eq!(
            verdict_in(session, &[other_key.as_str()], "secure"),
            Verdict::Fail
        );
    }

    #[test]
    fn sha512_record_without_recorded_sha512_digests_goes_to_a_human_not_a_failure() {
        // An observation made before the probe recorded SHA-512 digests.
        let record = format!("3 1 2 {}", "ab".repeat(64));
        assert_eq!(verdict_with(&[record.as_str()], "secure"), Verdict::Manual);
    }

    #[test]
    fn full_trust_anchor_key_not_sent_by_the_server_goes_to_a_human() {
        let (session, _) = real_session();
        let record = format!("2 1 0 {}", hex(b"a key the server does not send"));
        assert_eq!(
            verdict_in(session, &[record.as_str()], "secure"),
            Verdict::Manual
        );
    }

    #[test]
    fn pkix_usages_are_not_for_smtp_and_warn() {
        // 1 1 1 would match the fixture leaf: SMTP senders ignore it all the same.
        assert_eq!(
            verdict_with(&[format!("1 1 1 {:0>64}", "bb").as_str()], "secure"),
            Verdict::Warn
        );
        assert_eq!(
            verdict_with(&[format!("0 0 1 {:0>64}", "aa").as_str()], "secure"),
            Verdict::Warn
        );
    }

    #[test]
    fn malformed_or_unknown_records_are_unusable_and_only_usable_ones_are_judged() {
        assert_eq!(
            verdict_with(&["3 1 1 abcd", "3 2 1 ff", "4 1 1 00"], "secure"),
            Verdict::Warn
        );
        // A usable mismatch next to an unusable PKIX record still fails.
        let records = [
            format!("1 1 1 {:0>64}", "bb"),
            format!("3 1 1 {:0>64}", "cc"),
        ];
        let records: Vec<&str> = records.iter().map(String::as_str).collect();
        assert_eq!(verdict_with(&records, "secure"), Verdict::Fail);
        // One matching record among stale ones passes (key rollover).
        let records = [format!("3 1 1 {:0>64}", "cc"), spki()];
        let records: Vec<&str> = records.iter().map(String::as_str).collect();
        assert_eq!(verdict_with(&records, "secure"), Verdict::Pass);
    }

    #[test]
    fn dane_ta_match_with_a_wrong_name_goes_to_a_human() {
        let session = SmtpSession {
            handshake: Some(Observed::Seen(failing_handshake(
                "mx.chaton.test",
                VerificationKind::WrongHost,
            ))),
            ..good_session()
        };
        let record = format!("2 0 1 {:0>64}", "aa");
        assert_eq!(
            verdict_in(session.clone(), &[record.as_str()], "secure"),
            Verdict::Manual
        );
        // DANE-EE ignores names and dates (RFC 7672 section 3.1.1).
        assert_eq!(
            verdict_in(session, &[spki().as_str()], "secure"),
            Verdict::Pass
        );
    }

    #[test]
    fn tlsa_without_starttls_fails() {
        let session = SmtpSession {
            starttls_offered: false,
            handshake: None,
            ..good_session()
        };
        assert_eq!(
            verdict_in(session, &[spki().as_str()], "secure"),
            Verdict::Fail
        );
    }

    #[test]
    fn tlsa_with_an_unreachable_host_is_inconclusive() {
        let session = SmtpSession {
            starttls_offered: false,
            handshake: None,
            failure: Some(crate::observation::ProbeFailure::Refused),
            ..good_session()
        };
        assert_eq!(
            verdict_in(session, &[spki().as_str()], "secure"),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn signed_tlsa_of_a_host_in_an_unsigned_zone_warns_instead_of_failing() {
        // A TLSA name CNAMEd to a provider's signed zone, from an unsigned zone.
        let (m, mut obs) = mail_world(good_session());
        let records = DnsRecords {
            tlsa: vec![format!("3 1 1 {:0>64}", "cc")],
            dnssec: Some("secure".into()),
            ..Default::default()
        };
        obs.dns
            .insert("_25._tcp.mx.chaton.test".into(), Observed::Seen(records));
        let host = |dnssec: &str| DnsRecords {
            a: vec!["192.0.2.25".into()],
            dnssec: Some(dnssec.into()),
            ..Default::default()
        };
        obs.dns
            .insert("mx.chaton.test".into(), Observed::Seen(host("insecure")));
        assert_eq!(verdict(&Dane, &m, &obs), Verdict::Warn);
        obs.dns
            .insert("mx.chaton.test".into(), Observed::Seen(host("secure")));
        assert_eq!(verdict(&Dane, &m, &obs), Verdict::Fail);
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
    fn unknown_dnssec_status_is_inconclusive() {
        assert_eq!(
            verdict_with(&[spki().as_str()], "indeterminate"),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn no_tlsa_is_not_applicable() {
        assert_eq!(verdict_with(&[], "secure"), Verdict::NotApplicable);
    }

    #[test]
    fn failed_tlsa_lookup_is_inconclusive_not_absent() {
        let (m, mut obs) = mail_world(good_session());
        obs.dns.insert(
            "_25._tcp.mx.chaton.test".into(),
            Observed::Seen(DnsRecords {
                errors: vec![("TLSA".into(), "SERVFAIL".into())],
                ..Default::default()
            }),
        );
        assert_eq!(verdict(&Dane, &m, &obs), Verdict::Inconclusive);
    }

    #[test]
    fn missing_tlsa_observation_is_inconclusive() {
        let (m, obs) = mail_world(good_session());
        assert_eq!(verdict(&Dane, &m, &obs), Verdict::Inconclusive);
    }
}
