//! Hand-made members and observations for the unit tests of the encryption checks.

use time::OffsetDateTime;
use time::macros::datetime;
use url::Url;

use crate::check::{Check, Context};
use crate::config::Config;
use crate::declaration::{MailDomain, Member, Origin, Service};
use crate::finding::{Finding, Verdict};
use crate::observation::tls::{Certificate, TlsHandshake, VerificationKind};
use crate::observation::{Observations, Observed, ProbeFailure};

/// The run's clock in every test.
pub const NOW: OffsetDateTime = datetime!(2026-11-29 00:00 UTC);

/// A member with a website and services at these URLs.
pub fn member(website: &str, services: &[&str]) -> Member {
    Member {
        id: "chaton".into(),
        name: "Chaton".into(),
        website: Url::parse(website).expect("internal error: test URL"),
        first_party_domains: Vec::new(),
        contact: None,
        documents: Default::default(),
        mail_domains: Vec::new(),
        services: services
            .iter()
            .enumerate()
            .map(|(i, url)| Service {
                id: format!("s{i}"),
                kind: "pad".into(),
                url: Url::parse(url).expect("internal error: test URL"),
                software: None,
                hosting: None,
                legal_url: None,
                origin: Origin::default(),
            })
            .collect(),
        hosting: None,
        properties_files: Vec::new(),
        origin: Origin::default(),
    }
}

/// A member with one mail domain.
pub fn member_with_mail(website: &str, domain: &str) -> Member {
    let mut m = member(website, &[]);
    m.mail_domains.push(MailDomain {
        domain: domain.into(),
        imap_host: None,
        submission_host: None,
    });
    m
}

/// Empty observations at [`NOW`].
pub fn observations() -> Observations {
    Observations::new(NOW)
}

/// Runs `check` on `member` with `observations` and the default config.
pub fn judge(check: &dyn Check, member: &Member, observations: &Observations) -> Vec<Finding> {
    let config = Config::default();
    let cx = Context::new(check.id(), member, observations, &config);
    check.judge(&cx)
}

/// Runs `check` and returns the only finding's verdict (panics if there is not exactly one).
pub fn verdict(check: &dyn Check, member: &Member, observations: &Observations) -> Verdict {
    let findings = judge(check, member, observations);
    assert_eq!(findings.len(), 1, "expected one finding, got {findings:#?}");
    findings[0].verdict
}

/// A certificate for `name` issued by `issuer`, valid from 60 days before [`NOW`] for
/// `days_left` days after it, with an EC P-256 key and an SHA-256 signature.
pub fn certificate(name: &str, issuer: &str, days_left: i64) -> Certificate {
    let not_before = NOW - time::Duration::days(60);
    let not_after = NOW + time::Duration::days(days_left);
    let rfc = |t: OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .expect("internal error: test date")
    };
    Certificate {
        subject: format!("CN={name}"),
        issuer: format!("CN={issuer}"),
        subject_alt_names: vec![name.to_owned()],
        not_before: rfc(not_before),
        not_after: rfc(not_after),
        not_after_unix: not_after.unix_timestamp(),
        not_before_unix: not_before.unix_timestamp(),
        key_algorithm: "EC".into(),
        key_bits: 256,
        signature_algorithm: "ecdsa-with-SHA256".into(),
        is_ca: false,
        self_issued: name == issuer,
        sha256: format!("{:0>64}", "aa"),
        spki_sha256: format!("{:0>64}", "bb"),
        subject_key_id: None,
        authority_key_id: None,
        ca_issuers: Vec::new(),
        issuer_is_trust_anchor: false,
    }
}

/// A CA certificate `name` issued by `issuer`.
pub fn ca_certificate(name: &str, issuer: &str) -> Certificate {
    Certificate {
        is_ca: true,
        ..certificate(name, issuer, 1000)
    }
}

/// A TLS 1.3 handshake with `name` that validated, chain leaf + intermediate (issued by a
/// root of the trust store).
pub fn handshake(name: &str) -> TlsHandshake {
    TlsHandshake {
        server_name: name.into(),
        remote_addr: Some("192.0.2.1:443".into()),
        protocol: "TLSv1.3".into(),
        cipher_suite: "TLS13_AES_256_GCM_SHA384".into(),
        key_exchange: Some("X25519".into()),
        alpn: None,
        chain: vec![
            certificate(name, "Test Intermediate", 90),
            Certificate {
                issuer_is_trust_anchor: true,
                ..ca_certificate("Test Intermediate", "Test Root")
            },
        ],
        verification_error: None,
        verification_kind: None,
    }
}

/// `handshake` with a verification error of `kind`.
pub fn failing_handshake(name: &str, kind: VerificationKind) -> TlsHandshake {
    TlsHandshake {
        verification_error: Some(format!("invalid peer certificate: {kind:?}")),
        verification_kind: Some(kind),
        ..handshake(name)
    }
}

/// A probe failure.
pub fn timeout<T>() -> Observed<T> {
    Observed::Failed(ProbeFailure::Timeout { after_ms: 10_000 })
}
