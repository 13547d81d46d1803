//! The third-party table (`checks/data/third-parties.tsv`): who owns a domain a page loads,
//! what kind of service it is, and whether it tracks visitors.
//!
//! The table is parsed once from the embedded copy; lookups take the longest `domain` that
//! the host equals or ends with (`.` + domain), so `analytics.google.com` beats `google.com`.
//! [`site_of`] gives the party a host belongs to under the Public Suffix List.

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The categories a row may have (see `checks/data/README` in the shared data).
pub const CATEGORIES: &[&str] = &[
    "advertising",
    "analytics",
    "tag-manager",
    "social",
    "fonts",
    "cdn",
    "captcha",
    "video",
    "audio",
    "maps",
    "comments",
    "payment",
    "consent",
    "monitoring",
    "ab-testing",
    "chat",
    "session-recording",
    "search",
    "other",
];

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThirdParty {
    /// Host or suffix matched.
    pub domain: String,
    /// eTLD+1 of `domain`, `None` when `domain` is itself a public suffix (each subdomain is
    /// then a separate party, a customer of the service).
    pub registrable_domain: Option<String>,
    /// Owner, brand in parentheses.
    pub company: String,
    /// ISO 3166-1 alpha-2 of the owner's headquarters, when known.
    pub company_country: Option<String>,
    /// One of [`CATEGORIES`].
    pub category: String,
    /// Whether the service tracks visitors in its default setup.
    pub tracker: bool,
    /// Public page showing the domain serves the product.
    pub source_url: Option<String>,
    /// Caveats; starts with `unverified` when there is no source.
    pub note: String,
}

impl ThirdParty {
    /// The row has no source yet: it may support a `warn`, never a `fail`.
    pub fn unverified(&self) -> bool {
        self.note.starts_with("unverified") || self.source_url.is_none()
    }
}

/// A line of the table is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("third-parties.tsv line {line}: {message}")]
pub struct TableError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The parsed table, domains unique.
#[derive(Debug, Clone, Default)]
pub struct ThirdPartyTable {
    rows: BTreeMap<String, ThirdParty>,
}

impl ThirdPartyTable {
    /// Parses the TSV text: a header line, `#` comments, 8 tab-separated columns per row.
    pub fn parse(text: &str) -> Result<Self, TableError> {
        let mut rows = BTreeMap::new();
        let mut header_seen = false;
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            let error = |message: String| TableError {
                line: number,
                message,
            };
            if !header_seen {
                header_seen = true;
                if fields.first() != Some(&"domain") {
                    return Err(error("the first line must be the column header".into()));
                }
                continue;
            }
            let [
                domain,
                registrable,
                company,
                country,
                category,
                tracker,
                source,
                note,
            ] = fields[..]
            else {
                return Err(error(format!(
                    "expected 8 tab-separated columns, found {}",
                    fields.len()
                )));
            };
            let domain = domain.trim().to_ascii_lowercase();
            if domain.is_empty() || domain.contains(['/', ' ', ':']) {
                return Err(error(format!("invalid domain {domain:?}")));
            }
            if !CATEGORIES.contains(&category) {
                return Err(error(format!("unknown category {category:?}")));
            }
            let tracker = match tracker {
                "yes" => true,
                "no" => false,
                other => return Err(error(format!("tracker must be yes or no, not {other:?}"))),
            };
            let dash = |v: &str| (v != "-" && !v.is_empty()).then(|| v.to_owned());
            let row = ThirdParty {
                domain: domain.clone(),
                registrable_domain: dash(registrable),
                company: company.to_owned(),
                company_country: dash(country),
                category: category.to_owned(),
                tracker,
                source_url: dash(source),
                note: note.to_owned(),
            };
            if rows.insert(domain.clone(), row).is_some() {
                return Err(error(format!("duplicate domain {domain}")));
            }
        }
        Ok(Self { rows })
    }

    /// The table embedded in the binary, parsed once.
    pub fn embedded() -> &'static ThirdPartyTable {
        static TABLE: OnceLock<ThirdPartyTable> = OnceLock::new();
        TABLE.get_or_init(|| {
            // The embedded table is checked by a unit test; should it still be broken, no row
            // is better than a panic in an audit.
            super::data_file("third-parties.tsv")
                .and_then(|text| Self::parse(text).ok())
                .unwrap_or_default()
        })
    }

    /// The row with the longest domain that `host` equals or is a subdomain of.
    pub fn lookup(&self, host: &str) -> Option<&ThirdParty> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let mut candidate = host.as_str();
        loop {
            if let Some(row) = self.rows.get(candidate) {
                return Some(row);
            }
            candidate = candidate.split_once('.')?.1;
        }
    }

    /// Every row, by domain.
    pub fn rows(&self) -> impl Iterator<Item = &ThirdParty> {
        self.rows.values()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// The party a host belongs to: its registrable domain under the Public Suffix List (private
/// section included), or the host itself when it is an IP address, a public suffix or a
/// single label.
pub fn site_of(host: &str) -> String {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return host;
    }
    psl::domain_str(&host).map_or_else(|| host.clone(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_parses_with_unique_domains_and_known_categories() {
        let text = crate::catalogue::data_file("third-parties.tsv").expect("table embedded");
        let table = ThirdPartyTable::parse(text).expect("embedded table parses");
        assert!(table.len() >= 150, "only {} rows", table.len());
        assert_eq!(ThirdPartyTable::embedded().len(), table.len());
        for row in table.rows() {
            assert!(
                CATEGORIES.contains(&row.category.as_str()),
                "{}",
                row.domain
            );
            assert_eq!(
                row.source_url.is_none(),
                row.note.starts_with("unverified"),
                "{}: a row without a source must say unverified, and only then",
                row.domain
            );
        }
    }

    #[test]
    fn registrable_domains_in_the_table_agree_with_the_public_suffix_list() {
        for row in ThirdPartyTable::embedded().rows() {
            match &row.registrable_domain {
                Some(registrable) => {
                    assert_eq!(&site_of(&row.domain), registrable, "{}", row.domain)
                }
                None => assert!(
                    psl::suffix_str(&row.domain) == Some(row.domain.as_str()),
                    "{} is not a public suffix",
                    row.domain
                ),
            }
        }
    }

    #[test]
    fn longest_suffix_wins() {
        let table = ThirdPartyTable::embedded();
        assert_eq!(
            table
                .lookup("analytics.google.com")
                .map(|r| r.domain.as_str()),
            Some("analytics.google.com")
        );
        assert_eq!(
            table.lookup("www.google.com").map(|r| r.domain.as_str()),
            Some("google.com")
        );
        assert_eq!(
            table
                .lookup("FONTS.googleapis.com.")
                .map(|r| r.category.as_str()),
            Some("fonts")
        );
        assert_eq!(
            table
                .lookup("d1234.cloudfront.net")
                .map(|r| r.domain.as_str()),
            Some("cloudfront.net")
        );
        assert!(table.lookup("notgoogle.com").is_none());
        assert!(table.lookup("chaton.test").is_none());
    }

    #[test]
    fn sites_follow_the_public_suffix_list_private_section() {
        assert_eq!(site_of("www.google-analytics.com"), "google-analytics.com");
        assert_eq!(site_of("d1234.cloudfront.net"), "d1234.cloudfront.net");
        assert_eq!(site_of("someone.github.io"), "someone.github.io");
        assert_eq!(site_of("pad.chaton.fr"), "chaton.fr");
        assert_eq!(site_of("127.0.0.1"), "127.0.0.1");
    }

    #[test]
    fn malformed_rows_are_reported_with_their_line() {
        let header = "domain\tregistrable_domain\tcompany\tcompany_country\tcategory\ttracker\tsource_url\tnote\n";
        let err = ThirdPartyTable::parse(&format!(
            "{header}a.test\ta.test\tA\t-\tspying\tyes\t-\tunverified\n"
        ))
        .expect_err("bad category");
        assert_eq!(err.line, 2);
        let err = ThirdPartyTable::parse(&format!("{header}# c\na.test\ta.test\tA\n"))
            .expect_err("short row");
        assert_eq!(err.line, 3);
        let dup = "a.test\ta.test\tA\t-\tcdn\tno\t-\tunverified\n";
        assert!(ThirdPartyTable::parse(&format!("{header}{dup}{dup}")).is_err());
    }
}
