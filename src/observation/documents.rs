//! Transparency documents found and read.

use serde::{Deserialize, Serialize};

use super::Observed;
use crate::declaration::DocumentKind;

/// One document of one kind, found by declaration or discovery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentObservation {
    /// What kind of document it is meant to be.
    pub kind: DocumentKind,
    /// Where it is.
    pub url: String,
    /// How it was found: `declared` or `discovered`.
    pub found_by: String,
    /// What reading it gave.
    pub content: Observed<DocumentContent>,
}

/// What was read in one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct DocumentContent {
    /// HTTP status of the final response.
    pub status: u16,
    /// Media type as served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Size in bytes.
    pub size: u64,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Years mentioned in the text, most recent first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub years: Vec<i32>,
    /// Key statements found, as (label, text).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<(String, String)>,
}
