//! Hand-built members and observations for the software checks' unit tests.

use time::macros::datetime;
use url::Url;

use crate::check::{Check, Context};
use crate::config::Config;
use crate::declaration::{Member, Service, Software};
use crate::finding::{Finding, Verdict};
use crate::observation::software::{
    Attempt, Detection, SoftwareObservation, Strength, VersionKind,
};
use crate::observation::{Observations, Observed, ProbeFailure};

pub(crate) const SERVICE_URL: &str = "https://pad.chaton.test/";

pub(crate) fn url(text: &str) -> Url {
    Url::parse(text).expect("test URL")
}

pub(crate) fn software(name: &str) -> Software {
    Software {
        name: name.into(),
        ..Default::default()
    }
}

pub(crate) fn member(software: Option<Software>) -> Member {
    Member {
        id: "chaton".into(),
        name: "Chaton".into(),
        website: url("https://chaton.test/"),
        first_party_domains: Vec::new(),
        contact: None,
        documents: Default::default(),
        mail_domains: Vec::new(),
        services: vec![Service {
            id: "pad".into(),
            kind: "pad".into(),
            url: url(SERVICE_URL),
            software,
            hosting: None,
            legal_url: None,
            origin: Default::default(),
        }],
        hosting: None,
        properties_files: Vec::new(),
        origin: Default::default(),
    }
}

pub(crate) fn observations() -> Observations {
    Observations::new(datetime!(2026-11-29 03:00 UTC))
}

pub(crate) fn with_software(obs: SoftwareObservation) -> Observations {
    let mut all = observations();
    all.software.insert(SERVICE_URL.into(), Observed::Seen(obs));
    all
}

pub(crate) fn failed(failure: ProbeFailure) -> Observations {
    let mut all = observations();
    all.software
        .insert(SERVICE_URL.into(), Observed::Failed(failure));
    all
}

pub(crate) fn detection(product: &str, version: Option<&str>, strength: Strength) -> Detection {
    Detection {
        product: product.into(),
        in_catalogue: crate::catalogue::software::lookup(product).is_some(),
        version: version.map(str::to_string),
        version_kind: VersionKind::Release,
        url: format!("{SERVICE_URL}x"),
        signal: "test signal".into(),
        strength,
    }
}

pub(crate) fn attempt(path: &str, status: u16) -> Attempt {
    Attempt {
        url: format!("{SERVICE_URL}{path}"),
        reason: "declared".into(),
        status: Some(status),
        failure: None,
    }
}

pub(crate) fn judge(
    check: &'static dyn Check,
    member: &Member,
    obs: &Observations,
) -> Vec<Finding> {
    let config = Config::default();
    let cx = Context::new(check.id(), member, obs, &config);
    check.judge(&cx)
}

/// The single finding's verdict, with the finding shown on failure.
pub(crate) fn verdict(
    check: &'static dyn Check,
    member: &Member,
    obs: &Observations,
) -> (Verdict, Finding) {
    let findings = judge(check, member, obs);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let finding = findings.into_iter().next().expect("one finding");
    (finding.verdict, finding)
}
