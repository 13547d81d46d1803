//! Judgement: pure, synchronous checks, one per file, registered in [`ALL`].
//!
//! A check reads the member's declaration and the run's observations and returns findings. It
//! never touches the network (this module imports neither `net` nor `probe`), never reads the
//! wall clock (use [`Context::now`], the run's start time) and cannot fail: missing data is an
//! `inconclusive` finding, an inapplicable subject is `not_applicable`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::config::Config;
use crate::declaration::Member;
use crate::finding::{Finding, Message, Subject, Verdict};
use crate::observation::{Observations, ProbeFailure};
pub use crate::plan::ProbeKind;

pub mod dns;
pub mod http_headers;
pub mod mail;
pub mod properties;
pub mod software;
pub mod third_party;
pub mod tls;
pub mod transparency;
pub mod web;

/// Every check, in report order. Adding a check is one line here and one YAML file under
/// `checks/`; a test enforces that the two lists match.
pub const ALL: &[&dyn Check] = &[
    &web::HttpsReachable,
    &tls::CertificateValid,
    &tls::CertificateNotExpiring,
    &tls::CertificateKeyStrong,
    &tls::CertificateSignatureStrong,
    &tls::ChainComplete,
    &tls::ProtocolModern,
    &tls::LegacyProtocolsRefused,
    &http_headers::HttpRedirectsToHttps,
    &http_headers::Hsts,
    &http_headers::ContentSecurityPolicy,
    &http_headers::ReferrerPolicy,
    &http_headers::Nosniff,
    &http_headers::FrameProtection,
    &http_headers::CookiesSecure,
    &dns::CaaPresent,
    &dns::DnssecValid,
    &dns::Ipv6Reachable,
    &mail::MxPresent,
    &mail::StarttlsOffered,
    &mail::StarttlsCertificateValid,
    &mail::MtaSts,
    &mail::TlsRpt,
    &mail::Dane,
    &mail::Spf,
    &mail::Dmarc,
    &mail::ImapsSubmissionTls,
    &third_party::NoTrackers,
    &third_party::NoThirdPartyResources,
    &software::LicenseFree,
    &software::LicenseMatchesCatalogue,
    &software::DetectedMatchesDeclared,
    &software::SourceReachable,
    &software::ProprietaryExceptionsListed,
    &software::VersionDisclosed,
    &transparency::TermsPublished,
    &transparency::PrivacyPublished,
    &transparency::LegalNoticePublished,
    &transparency::EconomicModelPublished,
    &transparency::FinancesPublished,
    &transparency::ActivityReportPublished,
    &transparency::HostingStated,
    &transparency::BackupsPublished,
    &transparency::LogRetentionPublished,
    &transparency::SecurityPublished,
    &transparency::InfrastructureDocumented,
    &properties::WellFormed,
    &properties::Fresh,
];

/// A judgement of one charter commitment. Implementors are unit structs, one per file.
pub trait Check: Sync {
    /// Stable ID, also the catalogue key, e.g. `tls.certificate-valid`.
    fn id(&self) -> &'static str;
    /// Which observations this check reads; the planner probes only these.
    fn needs(&self) -> &'static [ProbeKind];
    /// Judges one member. Pure: no I/O, no wall clock, no randomness.
    fn judge(&self, cx: &Context<'_>) -> Vec<Finding>;
}

/// A check's stable identifier, e.g. `tls.certificate-valid`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CheckId(String);

impl CheckId {
    /// Wraps an identifier.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a check may read, and constructors for findings already stamped with its ID.
pub struct Context<'a> {
    /// The member being judged.
    pub member: &'a Member,
    /// Everything the run observed.
    pub observations: &'a Observations,
    /// Thresholds and settings of the run.
    pub config: &'a Config,
    check: &'static str,
}

impl<'a> Context<'a> {
    /// A context for `check` judging `member`.
    pub fn new(
        check: &'static str,
        member: &'a Member,
        observations: &'a Observations,
        config: &'a Config,
    ) -> Self {
        Self {
            member,
            observations,
            config,
            check,
        }
    }

    /// The run's start time: the only clock a check may read.
    pub fn now(&self) -> OffsetDateTime {
        self.observations.started_at
    }

    /// A finding with any verdict.
    pub fn finding(
        &self,
        subject: Subject,
        verdict: Verdict,
        message: impl Into<Message>,
    ) -> Finding {
        let message = message.into();
        Finding {
            check: CheckId::new(self.check),
            member: self.member.id.clone(),
            subject,
            verdict,
            message: message.en,
            message_fr: Some(message.fr),
            evidence: Vec::new(),
        }
    }

    /// A `pass` finding.
    pub fn pass(&self, subject: Subject, message: impl Into<Message>) -> Finding {
        self.finding(subject, Verdict::Pass, message)
    }

    /// A `warn` finding.
    pub fn warn(&self, subject: Subject, message: impl Into<Message>) -> Finding {
        self.finding(subject, Verdict::Warn, message)
    }

    /// A `fail` finding.
    pub fn fail(&self, subject: Subject, message: impl Into<Message>) -> Finding {
        self.finding(subject, Verdict::Fail, message)
    }

    /// A `manual` finding: a human must look.
    pub fn manual(&self, subject: Subject, message: impl Into<Message>) -> Finding {
        self.finding(subject, Verdict::Manual, message)
    }

    /// A `not_applicable` finding.
    pub fn not_applicable(&self, subject: Subject, message: impl Into<Message>) -> Finding {
        self.finding(subject, Verdict::NotApplicable, message)
    }

    /// An `inconclusive` finding explained by a probe failure.
    pub fn inconclusive(&self, subject: Subject, failure: &ProbeFailure) -> Finding {
        self.finding(
            subject,
            Verdict::Inconclusive,
            Message::new(
                format!("could not observe: {failure}"),
                format!("observation impossible : {}", failure.in_french()),
            ),
        )
        .evidence("probe.failure", failure.to_string())
    }

    /// An `inconclusive` finding because nothing was observed at all (the probe did not run
    /// for this subject, e.g. in a replay of a run that did not need it). `what` names what is
    /// missing, e.g. `msg!("HTTPS on {host}", "HTTPS sur {host}")`.
    pub fn not_observed(&self, subject: Subject, what: impl Into<Message>) -> Finding {
        let what = what.into();
        let message = Message {
            fr: format!("pas d'observation : {}", what.fr),
            en: format!("no observation of {}", what.en),
        };
        self.finding(subject, Verdict::Inconclusive, message)
    }
}

/// Runs every check of `checks` on `member`, findings in (check, subject) order.
pub fn judge_member(
    checks: &[&dyn Check],
    member: &Member,
    observations: &Observations,
    config: &Config,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for check in checks {
        let cx = Context::new(check.id(), member, observations, config);
        let mut found = check.judge(&cx);
        found.sort_by(|a, b| a.subject.cmp(&b.subject));
        findings.extend(found);
    }
    findings
}
