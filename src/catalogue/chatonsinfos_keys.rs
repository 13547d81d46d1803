//! The ChatonsInfos key table (`checks/data/chatonsinfos-keys.tsv`): which keys exist, what
//! type their values have, and which are mandatory, as data so upstream's exact rules can be
//! dropped in later.

use std::sync::OnceLock;

/// The type of a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueType {
    /// Any text.
    String,
    /// An absolute `http`/`https` URL.
    Url,
    /// An e-mail address.
    Email,
    /// `YYYY-MM-DD`.
    Date,
    /// `YYYY-MM-DDTHH:MM[:SS]`, optionally with fractions and an offset.
    DateTime,
    /// ISO 3166-1 alpha-2 (two letters).
    CountryCode,
    /// Decimal degrees, e.g. `47.2184`.
    DecimalDegree,
    /// A number.
    Numeric,
    /// One of the listed values (compared case-insensitively).
    Enum(Vec<String>),
}

impl ValueType {
    /// Whether `value` has this type.
    pub fn accepts(&self, value: &str) -> bool {
        let value = value.trim();
        match self {
            ValueType::String => true,
            ValueType::Url => url::Url::parse(value)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some()),
            ValueType::Email => is_email(value),
            ValueType::Date => is_date(value),
            ValueType::DateTime => is_datetime(value),
            ValueType::CountryCode => {
                value.len() == 2 && value.bytes().all(|b| b.is_ascii_uppercase())
            }
            ValueType::DecimalDegree => {
                value
                    .parse::<f64>()
                    .is_ok_and(|d| d.is_finite() && (-180.0..=180.0).contains(&d))
                    && !value.contains(['°', '\'', '"'])
            }
            ValueType::Numeric => value.parse::<f64>().is_ok_and(f64::is_finite),
            ValueType::Enum(values) => values.iter().any(|v| v.eq_ignore_ascii_case(value)),
        }
    }

    /// A short description for messages, e.g. `one of ACTIVE, IDLE, AWAY`.
    pub fn describe(&self) -> String {
        match self {
            ValueType::String => "text".into(),
            ValueType::Url => "an http(s) URL".into(),
            ValueType::Email => "an e-mail address".into(),
            ValueType::Date => "a date YYYY-MM-DD".into(),
            ValueType::DateTime => "a date-time YYYY-MM-DDTHH:MM:SS".into(),
            ValueType::CountryCode => "an ISO 3166-1 alpha-2 country code (e.g. FR)".into(),
            ValueType::DecimalDegree => "decimal degrees (e.g. 47.2184)".into(),
            ValueType::Numeric => "a number".into(),
            ValueType::Enum(values) => format!("one of {}", values.join(", ")),
        }
    }
}

fn is_email(value: &str) -> bool {
    let value = value.strip_prefix("mailto:").unwrap_or(value);
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.contains(char::is_whitespace)
        && !domain.contains('@')
}

/// `YYYY-MM-DD` with a real calendar date.
pub fn parse_date(value: &str) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(value.trim(), format).ok()
}

fn is_date(value: &str) -> bool {
    parse_date(value).is_some()
}

/// `YYYY-MM-DDTHH:MM[:SS[.fff]]` with an optional offset (or `Z`), or a space instead of `T`;
/// read as UTC when there is no offset.
pub fn parse_datetime(value: &str) -> Option<time::OffsetDateTime> {
    let value = value.trim();
    if let Ok(t) =
        time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
    {
        return Some(t);
    }
    let (date, rest) = value.split_at_checked(10)?;
    let date = parse_date(date)?;
    let rest = rest.strip_prefix(['T', ' '])?;
    let clock: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ':')
        .collect();
    let mut parts = clock.split(':').map(str::parse::<u8>);
    let hour = parts.next()?.ok()?;
    let minute = parts.next()?.ok()?;
    let second = match parts.next() {
        Some(s) => s.ok()?,
        None => 0,
    };
    let time = time::Time::from_hms(hour, minute, second).ok()?;
    let tail = &rest[clock.len()..];
    let tail = tail.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    if !(tail.is_empty() || tail == "Z") {
        return None;
    }
    Some(time::PrimitiveDateTime::new(date, time).assume_utc())
}

fn is_datetime(value: &str) -> bool {
    parse_datetime(value).is_some()
}

/// How much a key is expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyLevel {
    /// Must be present.
    Mandatory,
    /// Should be present.
    Recommended,
    /// May be present.
    Optional,
}

/// One line of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRule {
    /// The pattern as written (`organization.socialnetworks.*`).
    pub pattern: String,
    /// File class the level applies to: organization, service, federation or any.
    pub class: String,
    /// Value type.
    pub value_type: ValueType,
    /// Mandatory, recommended or optional.
    pub level: KeyLevel,
    /// Read in a source (true) or from memory (false): unverified rules never fail.
    pub verified: bool,
    /// Where the rule comes from.
    pub note: String,
    /// 1-based line in the table, for messages.
    pub line: usize,
}

impl KeyRule {
    /// Whether `key` matches this rule's pattern.
    pub fn matches(&self, key: &str) -> bool {
        pattern_matches(&self.pattern, key)
    }

    /// Whether the pattern is a literal key (no wildcard).
    pub fn is_literal(&self) -> bool {
        !self.pattern.contains('*')
    }

    /// Whether the rule's level applies to files of `class`.
    pub fn applies_to(&self, class: &str) -> bool {
        self.class == "any" || self.class.eq_ignore_ascii_case(class)
    }
}

fn pattern_matches(pattern: &str, key: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('.').collect();
    let key: Vec<&str> = key.split('.').collect();
    if pattern.last() == Some(&"**") {
        let fixed = &pattern[..pattern.len() - 1];
        return key.len() > fixed.len() && segments_match(fixed, &key[..fixed.len()]);
    }
    pattern.len() == key.len() && segments_match(&pattern, &key)
}

fn segments_match(pattern: &[&str], key: &[&str]) -> bool {
    pattern
        .iter()
        .zip(key)
        .all(|(p, k)| *p == "*" && !k.is_empty() || p == k)
}

/// The whole table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyTable {
    /// Rules in file order (first match wins).
    pub rules: Vec<KeyRule>,
}

/// The table could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The embedded file is missing.
    #[error("checks/data/chatonsinfos-keys.tsv is missing from the catalogue")]
    Missing,
    /// A line is malformed.
    #[error("checks/data/chatonsinfos-keys.tsv:{line}: {message}")]
    Invalid {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

impl KeyTable {
    /// Parses the TSV table (comment lines start with `#`; the first other line is the header).
    pub fn parse(text: &str) -> Result<Self, Error> {
        let mut rules = Vec::new();
        let mut header_seen = false;
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            if raw.trim().is_empty() || raw.starts_with('#') {
                continue;
            }
            if !header_seen {
                header_seen = true;
                continue;
            }
            let invalid = |message: String| Error::Invalid { line, message };
            let cells: Vec<&str> = raw.split('\t').collect();
            let [pattern, class, kind, values, level, status, note] = cells[..] else {
                return Err(invalid(format!(
                    "expected 7 tab-separated cells, found {}",
                    cells.len()
                )));
            };
            let value_type = match kind {
                "STRING" => ValueType::String,
                "URL" => ValueType::Url,
                "EMAIL" => ValueType::Email,
                "DATE" => ValueType::Date,
                "DATETIME" => ValueType::DateTime,
                "COUNTRY_CODE" => ValueType::CountryCode,
                "DECIMAL_DEGREE" => ValueType::DecimalDegree,
                "NUMERIC" => ValueType::Numeric,
                "ENUM" if !values.trim().is_empty() => {
                    ValueType::Enum(values.split(',').map(|v| v.trim().to_string()).collect())
                }
                other => {
                    return Err(invalid(format!(
                        "unknown type `{other}` (ENUM needs values)"
                    )));
                }
            };
            let level = match level {
                "mandatory" => KeyLevel::Mandatory,
                "recommended" => KeyLevel::Recommended,
                "optional" => KeyLevel::Optional,
                other => return Err(invalid(format!("unknown level `{other}`"))),
            };
            let verified = match status {
                "verified" => true,
                "unverified" => false,
                other => return Err(invalid(format!("unknown status `{other}`"))),
            };
            if !matches!(class, "any" | "organization" | "service" | "federation") {
                return Err(invalid(format!("unknown class `{class}`")));
            }
            if pattern.split('.').any(str::is_empty)
                || pattern.contains("**") && !pattern.ends_with(".**")
            {
                return Err(invalid(format!("bad pattern `{pattern}`")));
            }
            rules.push(KeyRule {
                pattern: pattern.to_string(),
                class: class.to_string(),
                value_type,
                level,
                verified,
                note: note.to_string(),
                line,
            });
        }
        Ok(Self { rules })
    }

    /// The table embedded in the binary.
    pub fn embedded() -> Result<Self, Error> {
        Self::parse(super::data_file("chatonsinfos-keys.tsv").ok_or(Error::Missing)?)
    }

    /// The first rule matching `key`.
    pub fn rule(&self, key: &str) -> Option<&KeyRule> {
        self.rules.iter().find(|r| r.matches(key))
    }

    /// The known literal key closest to an unknown `key` (Levenshtein), when close enough.
    pub fn nearest(&self, key: &str) -> Option<&str> {
        self.rules
            .iter()
            .filter(|r| r.is_literal())
            .map(|r| (strsim::levenshtein(&r.pattern, key), r.pattern.as_str()))
            .filter(|(distance, _)| *distance <= (key.len() / 4).max(2))
            .min_by_key(|(distance, _)| *distance)
            .map(|(_, pattern)| pattern)
    }
}

/// The embedded table, parsed once.
pub fn key_table() -> &'static KeyTable {
    static CELL: OnceLock<KeyTable> = OnceLock::new();
    CELL.get_or_init(|| {
        KeyTable::embedded()
            .expect("internal error: the embedded chatonsinfos-keys.tsv is valid (unit-tested)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_parses_with_the_verified_keys() {
        let table = KeyTable::embedded().expect("table parses");
        let rule = table
            .rule("organization.name")
            .expect("organization.name known");
        assert_eq!(rule.level, KeyLevel::Mandatory);
        assert!(rule.verified);
        assert!(!table.rule("file.class").expect("file.class known").verified);
    }

    #[test]
    fn wildcards_match_one_segment_and_double_star_many() {
        let table = key_table();
        assert_eq!(
            table
                .rule("organization.socialnetworks.mastodon")
                .map(|r| r.pattern.as_str()),
            Some("organization.socialnetworks.*")
        );
        assert!(table.rule("organization.socialnetworks").is_none());
        assert_eq!(
            table
                .rule("metrics.http.hits.2023.months")
                .map(|r| r.pattern.as_str()),
            Some("metrics.**")
        );
        assert_eq!(
            table
                .rule("organization.memberof.chatons.startdate")
                .map(|r| r.verified),
            Some(true)
        );
    }

    #[test]
    fn value_types_accept_and_reject() {
        assert!(ValueType::Url.accepts("https://example.org/x"));
        assert!(!ValueType::Url.accepts("example.org"));
        assert!(ValueType::Email.accepts("contact@example.org"));
        assert!(!ValueType::Email.accepts("contact at example.org"));
        assert!(ValueType::Date.accepts("2024-02-29"));
        assert!(!ValueType::Date.accepts("2023-02-29"));
        assert!(ValueType::DateTime.accepts("2024-01-31T12:00:00"));
        assert!(ValueType::DateTime.accepts("2024-01-31T12:00:00+01:00"));
        assert!(!ValueType::DateTime.accepts("31/01/2024 12:00"));
        assert!(ValueType::CountryCode.accepts("FR"));
        assert!(!ValueType::CountryCode.accepts("France"));
        assert!(ValueType::DecimalDegree.accepts("47.2184"));
        assert!(!ValueType::DecimalDegree.accepts("47°13'"));
        assert!(ValueType::Enum(vec!["ACTIVE".into()]).accepts("active"));
        assert!(!ValueType::Enum(vec!["ACTIVE".into()]).accepts("SLEEPING"));
    }

    #[test]
    fn nearest_known_key_suggests_a_fix_for_typos() {
        assert_eq!(
            key_table().nearest("organisation.name"),
            Some("organization.name")
        );
        assert_eq!(key_table().nearest("completely.different.thing"), None);
    }

    #[test]
    fn malformed_lines_name_their_line() {
        let error = KeyTable::parse(
            "pattern\tclass\ttype\tvalues\tlevel\tstatus\tnote\na.b\tany\tSTRING\n",
        )
        .expect_err("short line");
        assert!(error.to_string().contains(":2:"), "{error}");
    }
}
