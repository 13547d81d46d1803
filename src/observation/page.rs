//! Resources a page makes a visitor's browser load or follow.
//!
//! These are facts read from the HTML (and from same-site stylesheets), annotated with the
//! filter-list rule that matched each URL when lists were given, so a replay judges the same
//! way with no list at hand.

use serde::{Deserialize, Serialize};

/// What the HTML scan of one page found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PageResources {
    /// The final URL of the page (after redirects).
    pub url: String,
    /// The page `<title>`, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Every resource reference found, de-duplicated, in document order.
    pub resources: Vec<Resource>,
    /// The per-page cap on resources was reached: references after it were not recorded.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// Same-site stylesheets that were fetched and scanned for `url()` and `@import`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stylesheets_scanned: Vec<String>,
    /// Names of the filter lists every resource was matched against (empty: none given).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filter_lists: Vec<String>,
    /// The `content` of each `<meta http-equiv="Content-Security-Policy">` a browser
    /// enforces, in document order: in the head (before any body content), not inside
    /// `<template>`, `<noscript>` or a comment. Capped in count and length (see `notes`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub meta_csp: Vec<String>,
    /// The `content` of each `<meta name="referrer">` outside `<template>`, `<noscript>` and
    /// comments, in document order (browsers apply the last valid one). When there are too
    /// many, the last ones are kept (see `notes`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub meta_referrer: Vec<String>,
    /// Problems met while scanning (a stylesheet that could not be fetched, markup the parser
    /// gave up on); the resources found before them are kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One reference from a page to a URL.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Resource {
    /// Absolute URL (http or https only).
    pub url: String,
    /// The element or construct it came from, e.g. `script[src]`, `link[rel=stylesheet]`,
    /// `style@import`, `script[inline]`.
    pub element: String,
    /// Whether a browser loads it on its own (`true`) or only on user action, after consent,
    /// or never (`false`). `<noscript>` resources count as loaded: a visitor without
    /// JavaScript loads them.
    pub loads_automatically: bool,
    /// Where the reference sits when that changes whether it loads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<ResourceContext>,
    /// The tracker snippet recognised in an inline script, e.g. `google-analytics`, `matomo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    /// The stylesheet the reference was found in, when not in the page itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_in: Option<String>,
    /// The filter-list rule that matches this URL, when lists were given and one matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_match: Option<FilterMatch>,
}

impl Resource {
    /// A resource with no context, snippet, stylesheet or filter match.
    pub fn new(
        url: impl Into<String>,
        element: impl Into<String>,
        loads_automatically: bool,
    ) -> Self {
        Self {
            url: url.into(),
            element: element.into(),
            loads_automatically,
            context: None,
            snippet: None,
            found_in: None,
            filter_match: None,
        }
    }
}

/// Where a reference sits, when that changes whether (or when) a browser loads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceContext {
    /// Inside an HTML comment: never loaded.
    HtmlComment,
    /// Inside `<template>`: inert until a script clones it.
    Template,
    /// A script disabled until the visitor consents (`type="text/plain"` with consent-manager
    /// attributes, or `data-src`).
    ConsentGated,
    /// Inside `<noscript>`: loaded by visitors without JavaScript.
    Noscript,
    /// A URL written in an inline script, found by recognising a tracker snippet or a URL
    /// literal.
    InlineScript,
}

impl ResourceContext {
    /// The stable kebab-case name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceContext::HtmlComment => "html-comment",
            ResourceContext::Template => "template",
            ResourceContext::ConsentGated => "consent-gated",
            ResourceContext::Noscript => "noscript",
            ResourceContext::InlineScript => "inline-script",
        }
    }
}

/// A filter-list rule matching a resource URL.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FilterMatch {
    /// The list's name (its file name).
    pub list: String,
    /// The rule text as written in the list.
    pub rule: String,
}
