//! Transparency documents found and read.
//!
//! One [`DocumentObservation`] per URL fetched for a member: the home page of its website
//! (`found_by: website`, no kinds, the starting point of discovery), every declared document
//! and every document discovered from the home page's links. A page may serve several kinds at
//! once (a page "CGU et données personnelles"), so kinds are a list.

use serde::{Deserialize, Serialize};

use super::Observed;
use crate::declaration::DocumentKind;

/// One URL fetched for a member, the kinds it is meant to be, and what reading it gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentObservation {
    /// What kinds of document it is meant to be (empty for the website's home page).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<DocumentKind>,
    /// Where it is (the URL requested).
    pub url: String,
    /// How it was found.
    pub found_by: FoundBy,
    /// For a discovered document: the link text and the vocabulary term that matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<String>,
    /// What reading it gave.
    pub content: Observed<DocumentContent>,
}

impl DocumentObservation {
    /// Whether this document is meant to be of `kind`.
    pub fn is(&self, kind: DocumentKind) -> bool {
        self.kinds.contains(&kind)
    }

    /// The content, when the document answered with a success status (2xx).
    pub fn reachable(&self) -> Option<&DocumentContent> {
        self.content
            .seen()
            .filter(|c| (200..300).contains(&c.status))
    }
}

/// How a document was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FoundBy {
    /// The member's website home page, where discovery starts.
    Website,
    /// Declared by the member (members file, ChatonsInfos, librehost.json).
    Declared,
    /// Found from a link of the home page whose text or path matched the vocabulary.
    Discovered,
}

impl FoundBy {
    /// The stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            FoundBy::Website => "website",
            FoundBy::Declared => "declared",
            FoundBy::Discovered => "discovered",
        }
    }
}

/// What was read in one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct DocumentContent {
    /// HTTP status of the final response.
    pub status: u16,
    /// The final URL, after redirects, when it differs from the requested one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_url: Option<String>,
    /// Media type as served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// What the body turned out to be after sniffing: `html`, `pdf`, `text` or `other`.
    pub format: String,
    /// Size in bytes of the body read (bounded by the cap).
    pub size: u64,
    /// The body was cut at the size cap.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// Title (`<title>`, or the PDF's Title metadata).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Language guessed from stopwords: `fr` or `en`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The `Last-Modified` header, as served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// Dates from the document's metadata (PDF CreationDate/ModDate), ISO 8601.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metadata_dates: Vec<String>,
    /// Dates written in the text, ISO 8601 (`YYYY-MM-DD`), most recent first, bounded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<String>,
    /// Years mentioned in the text (copyright notices left out), most recent first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub years: Vec<i32>,
    /// Years in the title, the URL or the link text: what the document says it covers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub heading_years: Vec<i32>,
    /// Key statements found, each with the sentence it came from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<Statement>,
    /// Number of links scanned in the page (bounded).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub links_scanned: u32,
    /// Why the text could not be read, when it could not (corrupt or encrypted PDF, unknown
    /// format, time budget exceeded). The document still exists; its facts are unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_error: Option<String>,
    /// Limits that were hit while reading (link cap, size cap…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl DocumentContent {
    /// Statements with this label.
    pub fn statements<'a>(&'a self, label: &'a str) -> impl Iterator<Item = &'a Statement> + 'a {
        self.statements.iter().filter(move |s| s.label == label)
    }
}

/// One fact read in a document, e.g. `hosting.country` = `FR`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Statement {
    /// What kind of fact, one of the `label` constants below.
    pub label: String,
    /// The fact, normalised (a country code, a hoster's canonical name, `12 months`…).
    pub value: String,
    /// The sentence it was read in, shortened.
    pub excerpt: String,
}

/// Labels of statements.
pub mod label {
    /// A country where data is hosted (ISO 3166-1 alpha-2).
    pub const HOSTING_COUNTRY: &str = "hosting.country";
    /// A hardware hosting provider's canonical name.
    pub const HOSTING_PROVIDER: &str = "hosting.provider";
    /// A log retention period, e.g. `12 months`.
    pub const LOG_RETENTION: &str = "logs.retention";
    /// A currency amount, e.g. `12 345 €`.
    pub const AMOUNT: &str = "finances.amount";
    /// The publication director or publisher named in a legal notice.
    pub const PUBLISHER: &str = "legal.publisher";
    /// A SIRET or SIREN number.
    pub const SIRET: &str = "legal.siret";
    /// An RNA number (French associations register).
    pub const RNA: &str = "legal.rna";
    /// A legal-notice statement naming the host ("hébergeur : …").
    pub const HOST: &str = "legal.host";
    /// Prefix of topic mentions: `mentions.<document kind key>` (e.g. `mentions.backups`)
    /// when a sentence of the text uses that kind's vocabulary.
    pub const MENTIONS_PREFIX: &str = "mentions.";
}
