//! Software detected behind a service, what was tried to detect it, and what its declared
//! source URL answered.

use serde::{Deserialize, Serialize};

use super::{Observed, ProbeFailure};
pub use crate::catalogue::software::{Strength, VersionKind};

/// What the software probe saw for one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SoftwareObservation {
    /// Each product recognised, with the evidence.
    #[serde(default)]
    pub detections: Vec<Detection>,
    /// Every request made, in order (bounded by the probe's budget): absence of a detection
    /// means nothing only together with what was tried.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<Attempt>,
    /// Things seen and deliberately not acted on (a NodeInfo link to another host, a loop, a
    /// private address, a body that is not valid JSON).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub anomalies: Vec<String>,
    /// What the declared source URL answered, when one was declared and probed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Observed<SourceCheck>>,
}

impl SoftwareObservation {
    /// The first detection that shows a version, strong ones first: what the service announces
    /// publicly about the version it runs.
    pub fn announced_version(&self) -> Option<&Detection> {
        let shown = |d: &&Detection| d.version.is_some();
        self.detections
            .iter()
            .filter(shown)
            .find(|d| d.strength == Strength::Strong)
            .or_else(|| self.detections.iter().find(shown))
    }
}

/// One product recognised from one signal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detection {
    /// Catalogue name of the product, or the name the service gave when the catalogue does
    /// not know it (see `in_catalogue`).
    pub product: String,
    /// The product is a row of the software catalogue.
    #[serde(default)]
    pub in_catalogue: bool,
    /// Version shown, when shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// What the version counts.
    #[serde(default)]
    pub version_kind: VersionKind,
    /// The URL that showed it.
    pub url: String,
    /// What in the response showed it (a JSON field, a header, a meta tag) and its value.
    pub signal: String,
    /// How much the signal tells.
    #[serde(default)]
    pub strength: Strength,
}

/// One request of the software probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// The URL requested.
    pub url: String,
    /// Why it was requested (`nodeinfo`, `declared`, `home`, `generic`).
    pub reason: String,
    /// The final status, when there was an answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Why there was no usable answer (a network failure, a body too large to be JSON…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<ProbeFailure>,
}

/// What a declared source URL answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceCheck {
    /// The declared URL.
    pub url: String,
    /// The URL that finally answered, after redirects.
    pub final_url: String,
    /// The final status.
    pub status: u16,
    /// The final media type, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
}
