//! The catalogue: charter commitments and one entry per check, with French and English texts.
//!
//! It is data, reviewed by non-programmers, and lives in `checks/` at the top of the repository.
//! `build.rs` embeds every file there, so one binary runs anywhere; `--catalogue DIR` may
//! override it from disk. Logic stays in typed Rust under `src/check/`: "checks/ says *what* we
//! check; src/check/ says *how*."

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub mod chatonsinfos_keys;
pub mod software;
pub mod third_parties;
pub mod vocabulary;

/// The embedded files of `checks/`, as (relative path, contents).
pub const EMBEDDED: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/embedded_checks.rs"));

/// A text in both languages of the collective.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Bilingual {
    /// French.
    pub fr: String,
    /// English.
    pub en: String,
}

impl Bilingual {
    /// The text in `lang` (`fr` or anything else for English).
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Fr => &self.fr,
            Lang::En => &self.en,
        }
    }
}

/// The languages of reports and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Français.
    Fr,
    /// English.
    En,
}

impl Lang {
    /// Both languages, French first.
    pub const ALL: [Lang; 2] = [Lang::Fr, Lang::En];

    /// The ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// Picks the language from a locale string such as `fr_FR.UTF-8`; English otherwise.
    pub fn from_locale(locale: &str) -> Self {
        if locale.to_ascii_lowercase().starts_with("fr") {
            Lang::Fr
        } else {
            Lang::En
        }
    }
}

/// Whether the charter requires or recommends a commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// A required criterion.
    Required,
    /// A recommended criterion (weighs half in the member score).
    Recommended,
}

/// One charter commitment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commitment {
    /// Stable ID, e.g. `neutral.encryption`.
    pub id: String,
    /// Required or recommended.
    pub level: Level,
    /// Short title.
    pub title: Bilingual,
    /// What the charter says, paraphrased.
    pub charter: Bilingual,
}

/// How much a failure of a check matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Minor.
    Low,
    /// Significant.
    Medium,
    /// Central to the commitment.
    High,
}

impl Severity {
    /// The weight of a check of this severity in scores (see `docs/scoring.md`).
    pub fn weight(self) -> u32 {
        match self {
            Severity::Low => 1,
            Severity::Medium => 2,
            Severity::High => 3,
        }
    }
}

/// Maturity of a check, as in Scorecard's probe definitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lifecycle {
    /// New; verdicts may still change.
    Experimental,
    /// Settled.
    Stable,
    /// Kept for compatibility; will go.
    Deprecated,
}

/// One check's catalogue entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckEntry {
    /// Stable ID, same as the Rust check's `id()`.
    pub id: String,
    /// The commitment it serves.
    pub commitment: String,
    /// How much a failure matters.
    pub severity: Severity,
    /// Maturity.
    pub lifecycle: Lifecycle,
    /// Version that introduced it.
    pub since: String,
    /// One-line title, phrased as the property the member should have.
    pub title: Bilingual,
    /// Why it matters.
    pub rationale: Bilingual,
    /// How to fix a failure.
    pub remediation: Bilingual,
}

/// The whole catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    /// Commitments in file order.
    pub commitments: Vec<Commitment>,
    /// Check entries by ID.
    pub checks: BTreeMap<String, CheckEntry>,
    /// Where each check entry came from (relative path), for the bijection test.
    pub paths: BTreeMap<String, String>,
}

/// A catalogue file could not be read or is invalid.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file is not valid YAML for its schema.
    #[error("catalogue file {path}: {message}")]
    Invalid {
        /// Relative path of the file.
        path: String,
        /// What is wrong, with line and column.
        message: String,
    },
    /// A file could not be read from disk.
    #[error("catalogue file {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl Catalogue {
    /// The catalogue embedded in the binary.
    pub fn embedded() -> Result<Self, Error> {
        Self::from_files(
            EMBEDDED
                .iter()
                .map(|(path, bytes)| (path.to_string(), bytes.to_vec())),
        )
    }

    /// A catalogue read from a directory laid out like `checks/`.
    pub fn from_dir(dir: &Path) -> Result<Self, Error> {
        let mut files = Vec::new();
        walk(dir, dir, &mut files)?;
        Self::from_files(files)
    }

    fn from_files(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> Result<Self, Error> {
        let mut commitments = Vec::new();
        let mut checks = BTreeMap::new();
        let mut paths = BTreeMap::new();
        for (path, bytes) in files {
            if path.starts_with("data/") || !path.ends_with(".yaml") {
                continue;
            }
            let text = String::from_utf8(bytes).map_err(|_| Error::Invalid {
                path: path.clone(),
                message: "not UTF-8".into(),
            })?;
            let invalid = |e: serde_saphyr::Error| Error::Invalid {
                path: path.clone(),
                message: e.to_string(),
            };
            if path == "commitments.yaml" {
                commitments = serde_saphyr::from_str::<Vec<Commitment>>(&text).map_err(invalid)?;
            } else {
                let entry: CheckEntry = serde_saphyr::from_str(&text).map_err(invalid)?;
                paths.insert(entry.id.clone(), path.clone());
                checks.insert(entry.id.clone(), entry);
            }
        }
        Ok(Self {
            commitments,
            checks,
            paths,
        })
    }

    /// The entry of a check.
    pub fn check(&self, id: &str) -> Option<&CheckEntry> {
        self.checks.get(id)
    }

    /// A commitment by ID.
    pub fn commitment(&self, id: &str) -> Option<&Commitment> {
        self.commitments.iter().find(|c| c.id == id)
    }
}

fn walk(base: &Path, dir: &Path, files: &mut Vec<(String, Vec<u8>)>) -> Result<(), Error> {
    let io = |e: std::io::Error| Error::Io {
        path: dir.display().to_string(),
        source: e,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_dir() {
            walk(base, &path, files)?;
        } else {
            let relative = path
                .strip_prefix(base)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = std::fs::read(&path).map_err(|e| Error::Io {
                path: path.display().to_string(),
                source: e,
            })?;
            files.push((relative, bytes));
        }
    }
    Ok(())
}

/// The contents of an embedded data table under `checks/data/`, by file name.
pub fn data_file(name: &str) -> Option<&'static str> {
    let wanted = format!("data/{name}");
    EMBEDDED
        .iter()
        .find(|(path, _)| *path == wanted)
        .and_then(|(_, bytes)| std::str::from_utf8(bytes).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::ALL;

    #[test]
    fn every_registered_check_has_exactly_one_catalogue_entry_and_back() {
        let catalogue = Catalogue::embedded().expect("embedded catalogue parses");
        let registered: std::collections::BTreeSet<&str> = ALL.iter().map(|c| c.id()).collect();
        assert_eq!(registered.len(), ALL.len(), "duplicate IDs in check::ALL");
        let described: std::collections::BTreeSet<&str> =
            catalogue.checks.keys().map(String::as_str).collect();
        assert_eq!(
            registered, described,
            "check::ALL and checks/ must list the same IDs"
        );
    }

    #[test]
    fn catalogue_file_paths_mirror_check_ids() {
        let catalogue = Catalogue::embedded().expect("embedded catalogue parses");
        for (id, path) in &catalogue.paths {
            let (family, name) = id.split_once('.').expect("IDs are family.name");
            assert_eq!(
                path,
                &format!("{family}/{name}.yaml"),
                "catalogue path of {id}"
            );
        }
    }

    #[test]
    fn every_text_is_present_in_both_languages_and_every_commitment_exists() {
        let catalogue = Catalogue::embedded().expect("embedded catalogue parses");
        assert!(!catalogue.commitments.is_empty());
        for c in &catalogue.commitments {
            for text in [&c.title, &c.charter] {
                assert!(
                    !text.fr.trim().is_empty() && !text.en.trim().is_empty(),
                    "{}",
                    c.id
                );
            }
        }
        for entry in catalogue.checks.values() {
            assert!(
                catalogue.commitment(&entry.commitment).is_some(),
                "{}: unknown commitment",
                entry.id
            );
            for text in [&entry.title, &entry.rationale, &entry.remediation] {
                assert!(
                    !text.fr.trim().is_empty() && !text.en.trim().is_empty(),
                    "{}",
                    entry.id
                );
            }
        }
    }
}
