//! Resources a page makes a visitor's browser load or follow.

use serde::{Deserialize, Serialize};

/// What the HTML scan of one page found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PageResources {
    /// The final URL of the page (after redirects).
    pub url: String,
    /// The page `<title>`, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Every resource reference found.
    pub resources: Vec<Resource>,
}

/// One reference from a page to a URL.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Resource {
    /// Absolute URL.
    pub url: String,
    /// The element or construct it came from, e.g. `script[src]`, `link[rel=stylesheet]`.
    pub element: String,
    /// Whether a browser loads it on its own (`true`) or only on user action.
    pub loads_automatically: bool,
    /// A note on context: inside `<noscript>`, `<template>`, a consent-gated script…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
}
