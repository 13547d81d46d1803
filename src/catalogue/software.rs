//! The software catalogue: free-software products members commonly run, their licences,
//! source repositories, and the rules that recognise a running instance from outside.
//!
//! Two data files under `checks/data/`, parsed once:
//! - `software.tsv`: one product per row (licence, source, homepage, NodeInfo name, free-text
//!   detection hints with their sources). See the comments at its top.
//! - `software-detection.yaml`: the same detection hints in a structured form the probe
//!   interprets (endpoint, selector, pattern, strength), and the patterns that make a URL look
//!   like a source repository or archive.
//!
//! Code here knows no product by name: adding a product is a row and, when it can be recognised,
//! a rule.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// One product of `software.tsv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Product {
    /// Row key, e.g. `Nextcloud`.
    pub name: String,
    /// Names a declaration may use (matched case-insensitively), the name itself included.
    pub aliases: Vec<String>,
    /// SPDX expression of the server component as distributed, when known.
    pub spdx_license: Option<String>,
    /// Where the licence is stated.
    pub license_source_url: Option<String>,
    /// Canonical source repository.
    pub source_repository_url: Option<String>,
    /// Project site.
    pub homepage: Option<String>,
    /// `software.name` reported in NodeInfo, when the product speaks NodeInfo.
    pub nodeinfo_name: Option<String>,
    /// Free-text detection hint: the endpoint.
    pub detect_endpoint: Option<String>,
    /// Free-text detection hint: what to read there.
    pub detect_field: Option<String>,
    /// Free-text detection hint: other markers.
    pub detect_markers: Option<String>,
    /// Code or documentation showing the detection hints.
    pub detect_source_url: Option<String>,
    /// Caveats.
    pub note: Option<String>,
}

impl Product {
    /// The row's licence is flagged as not checked against a primary source: it may support a
    /// `warn`, never a `fail`.
    pub fn licence_unverified(&self) -> bool {
        self.note
            .as_deref()
            .is_some_and(|n| n.to_ascii_lowercase().contains("licence unverified"))
    }

    /// The name matches this product (name, alias or NodeInfo name), case-insensitively.
    pub fn is_named(&self, name: &str) -> bool {
        let name = name.trim();
        self.name.eq_ignore_ascii_case(name)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
            || self
                .nodeinfo_name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
    }
}

/// A data file of the software catalogue is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("checks/data/{file}:{line}: {message}")]
pub struct Error {
    /// File name under `checks/data/`.
    pub file: String,
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

const TSV: &str = "software.tsv";
const RULES: &str = "software-detection.yaml";
const COLUMNS: [&str; 12] = [
    "name",
    "aliases",
    "spdx_license",
    "license_source_url",
    "source_repository_url",
    "homepage",
    "fediverse_nodeinfo_name",
    "detect_endpoint",
    "detect_field",
    "detect_markers",
    "detect_source_url",
    "note",
];

/// Parses the text of `software.tsv`.
pub fn parse_products(text: &str) -> Result<Vec<Product>, Error> {
    let error = |line: usize, message: String| Error {
        file: TSV.into(),
        line,
        message,
    };
    let mut rows = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty());
    let (header_line, header) = rows
        .next()
        .ok_or_else(|| error(0, "no header line".into()))?;
    let names: Vec<&str> = header.split('\t').collect();
    if names != COLUMNS {
        return Err(error(
            header_line,
            format!("header must be {}", COLUMNS.join(" ")),
        ));
    }
    let mut products = Vec::new();
    for (line, row) in rows {
        let cells: Vec<&str> = row.split('\t').collect();
        if cells.len() != COLUMNS.len() {
            return Err(error(
                line,
                format!("{} cells, expected {}", cells.len(), COLUMNS.len()),
            ));
        }
        let cell = |i: usize| {
            let value = cells[i].trim();
            (value != "-" && !value.is_empty()).then(|| value.to_string())
        };
        let name = cell(0).ok_or_else(|| error(line, "empty name".into()))?;
        let mut aliases: Vec<String> = cell(1)
            .map(|a| {
                a.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if !aliases.iter().any(|a| a.eq_ignore_ascii_case(&name)) {
            aliases.insert(0, name.clone());
        }
        products.push(Product {
            name,
            aliases,
            spdx_license: cell(2),
            license_source_url: cell(3),
            source_repository_url: cell(4),
            homepage: cell(5),
            nodeinfo_name: cell(6),
            detect_endpoint: cell(7),
            detect_field: cell(8),
            detect_markers: cell(9),
            detect_source_url: cell(10),
            note: cell(11),
        });
    }
    Ok(products)
}

/// How much a detection tells about the product.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Strength {
    /// A generic marker (meta tag, asset name, header, shared API shape): a hint.
    #[default]
    Weak,
    /// The product names itself explicitly at a product-specific endpoint or in NodeInfo.
    Strong,
}

/// What a version string counts: a release (comparable with a declared version) or a build
/// number (Jitsi builds, Roundcube's integer), which is shown but not compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum VersionKind {
    /// A release version such as `30.0.4`.
    #[default]
    Release,
    /// A build or encoded number, not comparable with release versions.
    Build,
}

/// Where to read one value in a response. Exactly one selector is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Matcher {
    /// Dotted path into a JSON body (`server.version`, `items.0.name`; empty for the root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<String>,
    /// A response header name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// A `<meta>` `name` or `property` (e.g. `generator`, `og:platform`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<String>,
    /// A substring of a `script src` or `link href` path; the value read is the whole
    /// attribute, query string included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
    /// The body as text.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub body: bool,
    /// Pattern the value must contain, case-insensitively; `{version}` captures a version
    /// token (letters, digits, `.`, `-`, `_`, `~`). No pattern: the value only has to exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

impl Matcher {
    /// A short description such as `json:server.version` or `meta:generator`.
    pub fn describe(&self) -> String {
        match (&self.json, &self.header, &self.meta, &self.asset) {
            (Some(path), ..) => format!("json:{path}"),
            (_, Some(name), ..) => format!("header:{name}"),
            (_, _, Some(name), _) => format!("meta:{name}"),
            (_, _, _, Some(asset)) => format!("asset:{asset}"),
            _ => "body".into(),
        }
    }

    fn selector_count(&self) -> usize {
        usize::from(self.json.is_some())
            + usize::from(self.header.is_some())
            + usize::from(self.meta.is_some())
            + usize::from(self.asset.is_some())
            + usize::from(self.body)
    }
}

/// One detection rule: fetch `path` under the service URL and read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectionRule {
    /// The catalogue product recognised; absent when `name` reads it from the response.
    #[serde(default)]
    pub product: Option<String>,
    /// Path relative to the service URL; `/` is the service URL itself.
    pub path: String,
    /// Conditions that must all hold.
    #[serde(default)]
    pub when: Vec<Matcher>,
    /// Conditions none of which may hold.
    #[serde(default)]
    pub unless: Vec<Matcher>,
    /// Where the response names the product (looked up in the catalogue).
    #[serde(default)]
    pub name: Option<Matcher>,
    /// Where the version is.
    #[serde(default)]
    pub version: Option<Matcher>,
    /// What the version counts.
    #[serde(default)]
    pub version_kind: VersionKind,
    /// How much a match tells.
    pub strength: Strength,
    /// Also tried when the declared product is another one or none, budget permitting.
    #[serde(default)]
    pub generic: bool,
    /// Code or documentation showing the signal.
    pub source: String,
}

impl DetectionRule {
    /// Every matcher of the rule.
    pub fn matchers(&self) -> impl Iterator<Item = &Matcher> {
        self.when
            .iter()
            .chain(&self.unless)
            .chain(&self.name)
            .chain(&self.version)
    }
}

/// URL shapes of source repositories and archives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SourcePatterns {
    /// Forge hosts: a host matches when equal or a subdomain.
    pub hosts: Vec<String>,
    /// Host name prefixes of self-hosted forges (`git.`, `gitlab.`).
    pub host_prefixes: Vec<String>,
    /// Path fragments typical of repository browsers (`/-/tree/`, `/src/branch/`).
    pub path_fragments: Vec<String>,
    /// Path suffixes of source archives (`.tar.gz`, `.zip`).
    pub archive_suffixes: Vec<String>,
}

/// The structured detection data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DetectionData {
    /// Rules, tried in file order for each product.
    pub rules: Vec<DetectionRule>,
    /// What a source URL looks like.
    pub source_patterns: SourcePatterns,
}

/// Parses and validates the text of `software-detection.yaml` against the products.
pub fn parse_detection(text: &str, products: &[Product]) -> Result<DetectionData, Error> {
    let error = |message: String| Error {
        file: RULES.into(),
        line: 0,
        message,
    };
    let data: DetectionData = serde_saphyr::from_str(text).map_err(|e| error(e.to_string()))?;
    for (i, rule) in data.rules.iter().enumerate() {
        let at = format!("rule {} ({})", i + 1, rule.path);
        match &rule.product {
            Some(p) if !products.iter().any(|x| &x.name == p) => {
                return Err(error(format!("{at}: product {p:?} is not a row of {TSV}")));
            }
            None if rule.name.is_none() => {
                return Err(error(format!("{at}: needs a product or a name matcher")));
            }
            _ => {}
        }
        if !rule.path.starts_with('/') {
            return Err(error(format!("{at}: path must start with /")));
        }
        if rule.when.is_empty() && rule.name.is_none() && rule.version.is_none() {
            return Err(error(format!("{at}: nothing to match")));
        }
        for m in rule.matchers() {
            if m.selector_count() != 1 {
                return Err(error(format!(
                    "{at}: each matcher needs exactly one selector"
                )));
            }
            if let Some(p) = &m.pattern {
                if p.is_empty() || p.matches("{version}").count() > 1 {
                    return Err(error(format!(
                        "{at}: pattern {p:?} is empty or has two {{version}}"
                    )));
                }
            }
        }
    }
    Ok(data)
}

struct Tables {
    products: Vec<Product>,
    detection: DetectionData,
    error: Option<Error>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let load = || -> Result<(Vec<Product>, DetectionData), Error> {
            let missing = |file: &str| Error {
                file: file.into(),
                line: 0,
                message: "not embedded".into(),
            };
            let products = parse_products(super::data_file(TSV).ok_or_else(|| missing(TSV))?)?;
            let detection = parse_detection(
                super::data_file(RULES).ok_or_else(|| missing(RULES))?,
                &products,
            )?;
            Ok((products, detection))
        };
        match load() {
            Ok((products, detection)) => Tables {
                products,
                detection,
                error: None,
            },
            // A broken embedded table is a build defect the tests catch; at run time the
            // probe and checks then see an empty catalogue and say "unknown product".
            Err(e) => Tables {
                products: Vec::new(),
                detection: DetectionData::default(),
                error: Some(e),
            },
        }
    })
}

/// Every product of the embedded catalogue, in file order.
pub fn products() -> &'static [Product] {
    &tables().products
}

/// The embedded detection rules and source patterns.
pub fn detection() -> &'static DetectionData {
    &tables().detection
}

/// Why the embedded tables could not be loaded, if they could not.
pub fn load_error() -> Option<&'static Error> {
    tables().error.as_ref()
}

/// The product a declaration or a response names: by name or alias, then by NodeInfo name,
/// case-insensitively.
pub fn lookup(name: &str) -> Option<&'static Product> {
    let name = name.trim();
    let products = products();
    products
        .iter()
        .find(|p| {
            p.name.eq_ignore_ascii_case(name)
                || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
        })
        .or_else(|| lookup_nodeinfo(name))
}

/// The product whose NodeInfo `software.name` is `name`, case-insensitively.
pub fn lookup_nodeinfo(name: &str) -> Option<&'static Product> {
    let name = name.trim();
    products().iter().find(|p| {
        p.nodeinfo_name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    })
}

/// Why a URL looks like a source repository or archive, if it does.
pub fn source_shape(url: &url::Url) -> Option<String> {
    let patterns = &detection().source_patterns;
    let host = url.host_str()?.to_ascii_lowercase();
    let path = url.path().to_ascii_lowercase();
    if let Some(suffix) = patterns
        .archive_suffixes
        .iter()
        .find(|s| path.ends_with(s.as_str()))
    {
        return Some(format!("archive ({suffix})"));
    }
    if let Some(h) = patterns
        .hosts
        .iter()
        .find(|h| host == **h || host.ends_with(&format!(".{h}")))
    {
        // A forge's home page is not a repository: want at least owner/name.
        if path
            .trim_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .count()
            >= 2
        {
            return Some(format!("forge host {h}"));
        }
        return None;
    }
    if let Some(p) = patterns
        .host_prefixes
        .iter()
        .find(|p| host.starts_with(p.as_str()))
    {
        return Some(format!("forge host prefix {p}"));
    }
    if let Some(f) = patterns
        .path_fragments
        .iter()
        .find(|f| path.contains(f.as_str()))
    {
        return Some(format!("repository path {f}"));
    }
    let upstream = products()
        .iter()
        .filter_map(|p| p.source_repository_url.as_deref());
    for repo in upstream {
        if let Ok(repo) = url::Url::parse(repo) {
            if repo
                .host_str()
                .is_some_and(|h| h.eq_ignore_ascii_case(&host))
            {
                return Some(format!("host of an upstream repository ({host})"));
            }
        }
    }
    None
}

/// Names and aliases that appear in more than one product (should be none).
pub fn duplicate_names(products: &[Product]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut dups = Vec::new();
    for p in products {
        let mut own = BTreeSet::new();
        for a in &p.aliases {
            own.insert(a.to_lowercase());
        }
        for a in own {
            if !seen.insert(a.clone()) {
                dups.push(a);
            }
        }
    }
    dups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn embedded() -> &'static [Product] {
        assert_eq!(load_error(), None, "embedded software tables load");
        products()
    }

    #[test]
    fn embedded_table_parses_with_at_least_forty_products() {
        let products = embedded();
        assert!(products.len() >= 40, "{} products", products.len());
        for wanted in [
            "Nextcloud",
            "Etherpad",
            "Framadate",
            "Mastodon",
            "PeerTube",
            "Mobilizon",
            "Jitsi Meet",
            "BigBlueButton",
            "Lufi",
            "Lutim",
            "PrivateBin",
            "Gitea",
            "Forgejo",
            "GitLab CE",
            "Discourse",
            "Synapse",
            "Element Web",
            "Prosody",
            "HedgeDoc",
            "CryptPad",
            "Collabora Online",
            "Sympa",
            "Roundcube",
            "SOGo",
            "SearXNG",
            "WordPress",
            "YunoHost",
            "Funkwhale",
            "Pixelfed",
            "Akkoma",
            "Matomo",
            "Zammad",
            "Wallabag",
            "Vaultwarden",
            "Kanboard",
            "Paheko",
        ] {
            assert!(lookup(wanted).is_some(), "{wanted} is in the catalogue");
        }
    }

    #[test]
    fn every_licence_is_a_valid_spdx_expression() {
        for p in embedded() {
            if let Some(expr) = &p.spdx_license {
                spdx::Expression::parse(expr).unwrap_or_else(|e| panic!("{}: {expr}: {e}", p.name));
            }
        }
    }

    #[test]
    fn no_name_or_alias_names_two_products() {
        assert_eq!(duplicate_names(embedded()), Vec::<String>::new());
    }

    #[test]
    fn lookup_is_case_insensitive_and_knows_aliases_and_nodeinfo_names() {
        embedded();
        assert_eq!(
            lookup("framapad").map(|p| p.name.as_str()),
            Some("Etherpad")
        );
        assert_eq!(
            lookup("  NEXTCLOUD ").map(|p| p.name.as_str()),
            Some("Nextcloud")
        );
        assert_eq!(
            lookup_nodeinfo("mobilizon").map(|p| p.name.as_str()),
            Some("Mobilizon")
        );
        assert_eq!(
            lookup("peertube").map(|p| p.name.as_str()),
            Some("PeerTube")
        );
        assert!(lookup("Definitely Not Software").is_none());
    }

    #[test]
    fn every_detection_rule_names_a_product_and_a_cited_source() {
        embedded();
        let data = detection();
        assert!(data.rules.len() >= 30, "{} rules", data.rules.len());
        for rule in &data.rules {
            assert!(rule.source.starts_with("https://"), "{rule:?}");
        }
    }

    #[test]
    fn a_rule_for_an_unknown_product_is_rejected_with_its_place() {
        let products = embedded();
        let text = "rules:\n  - product: Nope\n    path: /x\n    version: {json: v}\n    strength: weak\n    source: https://example.org\nsource_patterns: {hosts: [], host_prefixes: [], path_fragments: [], archive_suffixes: []}\n";
        let err = parse_detection(text, products).expect_err("unknown product");
        assert!(err.to_string().contains("rule 1 (/x)"), "{err}");
        let two = text
            .replace("version: {json: v}", "version: {json: v, header: x}")
            .replace("Nope", "Gitea");
        assert!(parse_detection(&two, products).is_err());
    }

    #[test]
    fn a_malformed_tsv_row_names_its_line() {
        let text = format!("# c\n{}\nA\tB\n", COLUMNS.join("\t"));
        let err = parse_products(&text).expect_err("short row");
        assert_eq!(err.line, 3);
    }

    #[test]
    fn source_shapes_are_recognised_from_data() {
        embedded();
        let shape = |u: &str| source_shape(&url::Url::parse(u).expect("test URL"));
        assert!(shape("https://framagit.org/framasoft/framadate/framadate").is_some());
        assert!(shape("https://github.com/nextcloud/server").is_some());
        assert!(shape("https://git.example.org/chaton/etherpad").is_some());
        assert!(shape("https://example.org/files/nextcloud-30.0.4.tar.gz").is_some());
        assert!(shape("https://example.org/forge/x/-/tree/main").is_some());
        assert!(
            shape("https://github.com/").is_none(),
            "a forge home page is not a repository"
        );
        assert!(shape("https://example.org/about").is_none());
    }

    #[test]
    fn unverified_licences_are_flagged() {
        embedded();
        assert!(lookup("Zammad").is_some_and(Product::licence_unverified));
        assert!(!lookup("Nextcloud").is_some_and(Product::licence_unverified));
    }
}
