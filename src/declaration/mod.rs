//! What members say about themselves, after validation.
//!
//! Three input formats end up here: our YAML members file (`yaml`), the collective's
//! ChatonsInfos properties files (`properties`, `chatonsinfos`) and the Librehosters
//! `librehost.json` (`librehost`). Loaders parse raw shapes exactly once into these types and
//! report every problem they find, each with its place (file, line, column) and a hint.
//! Code downstream never re-validates.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use url::Url;

pub mod chatonsinfos;
pub mod librehost;
pub mod properties;
pub mod yaml;

/// Everything declared for one run: the members that could be loaded, and the problems met
/// while loading the others (one broken member file never hides the rest).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Declarations {
    /// Members ready to audit, in declaration order.
    pub members: Vec<Member>,
    /// Problems that kept a member (or part of one) out of the run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

/// One member ("chaton"): an organisation and the services it declares.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Member {
    /// Stable identifier, lower-case letters, digits and dashes (used in file names and URLs).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Main website.
    pub website: Url,
    /// Extra registrable domains the member declares as its own (first party).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub first_party_domains: Vec<String>,
    /// Contact address or URL, as declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// Transparency documents, by kind.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub documents: BTreeMap<DocumentKind, Url>,
    /// Mail domains the member runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mail_domains: Vec<MailDomain>,
    /// Declared services.
    #[serde(default)]
    pub services: Vec<Service>,
    /// Where the hardware and data are, when declared (ChatonsInfos `host.*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosting: Option<Hosting>,
    /// The ChatonsInfos files this member was read from, kept for the properties-quality check.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub properties_files: Vec<PropertiesFile>,
    /// Where the member was declared.
    pub origin: Origin,
}

/// One declared service.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Service {
    /// Identifier, unique within the member.
    pub id: String,
    /// What kind of service (pad, cloud, video…), lower-case.
    pub kind: String,
    /// Where users reach it.
    pub url: Url,
    /// The software behind it, when declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software: Option<Software>,
    /// Hosting facts of this service, when declared (ChatonsInfos `host.*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosting: Option<Hosting>,
    /// Terms of use of this service, when declared (ChatonsInfos `service.legal.url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_url: Option<Url>,
    /// Where the service was declared.
    pub origin: Origin,
}

/// Software as declared by the member.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Software {
    /// Product name as written by the member (matched against the catalogue's aliases).
    pub name: String,
    /// Version, when declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Licence as an SPDX expression (already parsed once by the loader), when declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// Source repository or archive, when declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Url>,
    /// The member declares this component proprietary (a charter exception, listed publicly).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub proprietary: bool,
}

/// One mail domain and the optional user-facing mail endpoints.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct MailDomain {
    /// The domain in users' addresses.
    pub domain: String,
    /// IMAPS host (port 993), when declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imap_host: Option<String>,
    /// Submission host (ports 465 and 587), when declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submission_host: Option<String>,
}

/// Hosting facts (ChatonsInfos `host.*`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct Hosting {
    /// Name of the hardware hoster (`host.name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// ISO 3166-1 alpha-2 country code where the data lives (`host.country.code`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// `host.provider.type`: HOME, HOSTEDBAY, HOSTEDSERVER, OUTSOURCED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_type: Option<String>,
    /// `host.server.type`: NANO, PHYSICAL, VIRTUAL, SHARED, CLOUD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_type: Option<String>,
}

/// The kinds of transparency documents the charter asks for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentKind {
    /// Terms of use (CGU).
    Terms,
    /// Personal data and privacy policy.
    Privacy,
    /// Legal notice (mentions légales).
    LegalNotice,
    /// Published accounts / finances.
    Finances,
    /// Activity report (rapport d'activité).
    ActivityReport,
    /// Economic model page (pricing, membership, donations).
    EconomicModel,
    /// The member's page about the CHATONS charter.
    Charter,
    /// Where data and backups are hosted, and by whom.
    Hosting,
    /// Backup practice.
    Backups,
    /// Log retention.
    LogRetention,
    /// Security practices.
    Security,
    /// Infrastructure documentation.
    Infrastructure,
    /// Public list of proprietary exceptions (charter, 2023).
    ProprietaryExceptions,
    /// Anonymised usage statistics.
    Statistics,
}

impl DocumentKind {
    /// Every kind, in report order.
    pub const ALL: [DocumentKind; 14] = [
        DocumentKind::Terms,
        DocumentKind::Privacy,
        DocumentKind::LegalNotice,
        DocumentKind::Finances,
        DocumentKind::ActivityReport,
        DocumentKind::EconomicModel,
        DocumentKind::Charter,
        DocumentKind::Hosting,
        DocumentKind::Backups,
        DocumentKind::LogRetention,
        DocumentKind::Security,
        DocumentKind::Infrastructure,
        DocumentKind::ProprietaryExceptions,
        DocumentKind::Statistics,
    ];

    /// The kebab-case key used in members files and outputs.
    pub fn key(self) -> &'static str {
        match self {
            DocumentKind::Terms => "terms",
            DocumentKind::Privacy => "privacy",
            DocumentKind::LegalNotice => "legal-notice",
            DocumentKind::Finances => "finances",
            DocumentKind::ActivityReport => "activity-report",
            DocumentKind::EconomicModel => "economic-model",
            DocumentKind::Charter => "charter",
            DocumentKind::Hosting => "hosting",
            DocumentKind::Backups => "backups",
            DocumentKind::LogRetention => "log-retention",
            DocumentKind::Security => "security",
            DocumentKind::Infrastructure => "infrastructure",
            DocumentKind::ProprietaryExceptions => "proprietary-exceptions",
            DocumentKind::Statistics => "statistics",
        }
    }

    /// Parses a kebab-case key.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.key() == key)
    }
}

/// A ChatonsInfos file as read: its location and its entries with line numbers.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PropertiesFile {
    /// Path or URL the file was read from.
    pub location: String,
    /// `file.class` or the role it was read in: federation, organization, service.
    pub class: String,
    /// Entries in file order.
    pub entries: Vec<PropertiesEntry>,
}

/// One `key = value` line of a properties file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PropertiesEntry {
    /// Key as written.
    pub key: String,
    /// Value after unescaping and unquoting.
    pub value: String,
    /// 1-based line where the entry starts.
    pub line: u32,
}

/// A place in an input: file (path or URL), 1-based line and column (0 when unknown).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct Origin {
    /// Path or URL of the input.
    pub file: String,
    /// 1-based line, 0 when unknown.
    pub line: u32,
    /// 1-based column, 0 when unknown.
    pub column: u32,
}

impl Origin {
    /// A place in a file.
    pub fn new(file: impl Into<String>, line: u32, column: u32) -> Self {
        Self { file: file.into(), line, column }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (0, _) => f.write_str(&self.file),
            (line, 0) => write!(f, "{}:{line}", self.file),
            (line, column) => write!(f, "{}:{line}:{column}", self.file),
        }
    }
}

/// One problem in an input, with its place and, when we can guess, a hint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Problem {
    /// Where.
    pub origin: Origin,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when we can tell (e.g. the nearest known key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.origin, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

/// Loading failed: every problem found, in input order.
#[derive(Debug, thiserror::Error)]
#[error("{} problem(s) in the declarations:\n{}", problems.len(), render(problems))]
pub struct Error {
    /// Every problem, each with its place.
    pub problems: Vec<Problem>,
}

fn render(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
}
