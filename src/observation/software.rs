//! Software detected behind a service.

use serde::{Deserialize, Serialize};

/// What the software probe saw for one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SoftwareObservation {
    /// Each product recognised, with the evidence.
    #[serde(default)]
    pub detections: Vec<Detection>,
}

/// One product recognised from one signal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detection {
    /// Catalogue name of the product.
    pub product: String,
    /// Version shown, when shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The URL that showed it.
    pub url: String,
    /// What in the response showed it (a JSON field, a header, a meta tag).
    pub signal: String,
}
