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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
        Self {
            file: file.into(),
            line,
            column,
        }
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
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Error {
    /// One problem, for failures that stop a loader before it can look further.
    pub fn single(origin: Origin, message: impl Into<String>, hint: Option<String>) -> Self {
        Self {
            problems: vec![Problem {
                origin,
                message: message.into(),
                hint,
            }],
        }
    }
}

/// Loads declarations from any supported source, chosen by the name's ending: `.yaml`/`.yml`
/// (our members file, local only), `.json` (librehost.json or directory.json), anything
/// else as ChatonsInfos properties (federation or organisation). `fetch` serves remote
/// (`https://`) sources and `subs.*`; without it, remote files are problems.
pub async fn load(
    source: &str,
    fetch: Option<&dyn crate::probe::Fetch>,
) -> Result<Declarations, Error> {
    let lower = source.to_ascii_lowercase();
    let path = lower.split(['?', '#']).next().unwrap_or_default();
    if path.ends_with(".yaml") || path.ends_with(".yml") {
        yaml::load_yaml_file(std::path::Path::new(source))
    } else if path.ends_with(".json") {
        librehost::load_librehost(source, fetch).await
    } else {
        chatonsinfos::load_properties(source, fetch).await
    }
}

/// The known word nearest to `word`, when it is close enough to be a plausible typo.
pub(crate) fn nearest<'a>(word: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    known
        .map(|k| (strsim::levenshtein(&lower, &k.to_lowercase()), k))
        .filter(|(distance, k)| *distance <= 2.max(k.len() / 3))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}

/// Ids are lower-case letters, digits and single inner dashes; the error is a hint.
pub(crate) fn check_id(id: &str) -> Result<(), String> {
    let valid = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--");
    if valid {
        return Ok(());
    }
    let slug = slugify(id);
    Err(if slug.is_empty() {
        "use lower-case letters, digits and dashes, e.g. `my-chaton`".to_owned()
    } else {
        format!("for example `{slug}`")
    })
}

/// A valid id made from free text: accents folded, other characters turned into dashes.
pub fn slugify(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let folded = match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' | 'À' | 'Á' | 'Â' | 'Ä' => "a",
            'ç' | 'Ç' => "c",
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => "e",
            'ì' | 'í' | 'î' | 'ï' | 'Î' | 'Ï' => "i",
            'ñ' => "n",
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' | 'Ô' | 'Ö' => "o",
            'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Û' | 'Ü' => "u",
            'ÿ' => "y",
            'œ' | 'Œ' => "oe",
            'æ' | 'Æ' => "ae",
            c if c.is_ascii_alphanumeric() => {
                out.push(c.to_ascii_lowercase());
                continue;
            }
            _ => "-",
        };
        out.push_str(folded);
    }
    let mut slug = String::with_capacity(out.len());
    for part in out.split('-').filter(|p| !p.is_empty()) {
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(part);
    }
    slug.truncate(64);
    slug.trim_end_matches('-').to_owned()
}

/// An absolute `http`/`https` URL with a host, or (message, hint).
pub(crate) fn parse_web_url(text: &str) -> Result<Url, (String, Option<String>)> {
    match Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(url),
        Ok(url) => Err((
            format!("`{text}` is not a web address (scheme `{}`)", url.scheme()),
            Some("use an https:// URL".to_owned()),
        )),
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            // `chaton.test/cgu` lacks only the scheme; `cgu` or `/cgu` lacks the site too.
            let bare = text.trim_start_matches('/');
            let hint = if bare
                .split('/')
                .next()
                .is_some_and(|host| host.contains('.'))
            {
                format!("write the full address, e.g. https://{bare}")
            } else {
                "write the full address, starting with https://".to_owned()
            };
            Err((
                format!("bad URL `{text}`: relative URL without a base"),
                Some(hint),
            ))
        }
        Err(err) => Err((format!("bad URL `{text}`: {err}"), None)),
    }
}

/// A bare DNS name (lower-cased), or (message, hint).
pub(crate) fn check_host(text: &str) -> Result<String, (String, Option<String>)> {
    if text.contains("://") || text.contains('/') {
        let bare = Url::parse(text)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned));
        return Err((
            format!("`{text}` is not a bare domain name"),
            Some(bare.map_or_else(
                || "write only the domain".to_owned(),
                |b| format!("write `{b}`"),
            )),
        ));
    }
    match url::Host::parse(text) {
        Ok(url::Host::Domain(domain)) if domain.contains('.') => Ok(domain),
        _ => Err((format!("`{text}` is not a valid domain name"), None)),
    }
}

/// Checks a licence as a strict SPDX expression; returns it as written, or (message, hint).
pub(crate) fn check_strict_license(text: &str) -> Result<String, (String, Option<String>)> {
    let err = match spdx::Expression::parse(text) {
        Ok(_) => return Ok(text.to_owned()),
        Err(err) => err,
    };
    let hint = match spdx::Expression::canonicalize(text) {
        Ok(Some(canonical)) if spdx::Expression::parse(&canonical).is_ok() => {
            Some(format!("did you mean `{canonical}`?"))
        }
        _ => spdx::imprecise_license_id(text)
            .map(|(id, _)| format!("did you mean `{}`?", id.name))
            .or_else(|| {
                nearest(text, spdx::identifiers::LICENSES.iter().map(|l| l.name))
                    .map(|near| format!("did you mean `{near}`?"))
            }),
    };
    Err((
        format!(
            "`{text}` is not a valid SPDX licence expression: {}",
            err.reason
        ),
        hint,
    ))
}

/// A licence as members write it in ChatonsInfos (`AGPL-3.0`, `GPL v3`…): the lax parse,
/// canonicalised, or `None` when even that fails.
pub(crate) fn lax_license(text: &str) -> Option<String> {
    let canonical = match spdx::Expression::canonicalize(text) {
        Ok(Some(canonical)) => canonical,
        Ok(None) => text.to_owned(),
        Err(_) => return None,
    };
    spdx::Expression::parse_mode(&canonical, spdx::ParseMode::LAX)
        .ok()
        .map(|_| canonical)
}

#[cfg(test)]
mod helper_tests {
    use super::*;

    #[test]
    fn slugify_folds_accents_and_spaces() {
        assert_eq!(slugify("Le Petit Chaton (Lyon)"), "le-petit-chaton-lyon");
        assert_eq!(slugify("Réseau Libéré"), "reseau-libere");
    }

    #[test]
    fn nearest_finds_typos_only() {
        assert_eq!(nearest("ulr", ["kind", "url"].into_iter()), Some("url"));
        assert_eq!(nearest("zzzzzz", ["kind", "url"].into_iter()), None);
    }

    #[test]
    fn license_hints() {
        assert!(check_strict_license("AGPL-3.0-or-later OR MIT").is_ok());
        let (_, hint) = check_strict_license("AGPL-3.0").expect_err("deprecated id rejected");
        assert_eq!(hint.as_deref(), Some("did you mean `AGPL-3.0-only`?"));
        assert_eq!(lax_license("AGPL-3.0").as_deref(), Some("AGPL-3.0-only"));
    }
}
