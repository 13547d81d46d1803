//! Vocabularies for finding and reading transparency documents (`checks/data/vocabulary.yaml`).
//!
//! The words live in data, reviewed by people who speak the languages; this module only loads
//! them and offers accent- and case-insensitive whole-word matching.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::declaration::DocumentKind;

/// Terms of one document kind.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindTerms {
    /// Terms looked for in home-page links (text, title, path).
    pub links: Vec<String>,
    /// Terms looked for in the sentences of fetched documents.
    pub mentions: Vec<String>,
}

/// A hardware hosting provider.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hoster {
    /// Canonical name, as reported.
    pub name: String,
    /// Names that count, normalised.
    pub aliases: Vec<String>,
    /// The name is also an ordinary word: count it only in a sentence about hosting.
    #[serde(default)]
    pub context: bool,
}

/// A country and its names.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code.
    pub code: String,
    /// Names in French and English.
    pub names: Vec<String>,
}

/// Stopwords of the two languages.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stopwords {
    /// French.
    pub fr: Vec<String>,
    /// English.
    pub en: Vec<String>,
}

/// The whole vocabulary file. Every term is normalised with [`normalize`] at load time.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vocabulary {
    /// Terms per document kind key (`terms`, `privacy`, …).
    kinds: BTreeMap<String, KindTerms>,
    /// Hardware hosting providers.
    pub hosters: Vec<Hoster>,
    /// Countries.
    pub countries: Vec<Country>,
    /// Words that make a sentence about hosting.
    pub hosting_context: Vec<String>,
    /// Words that make a sentence about logs.
    pub log_context: Vec<String>,
    /// Duration words to canonical units (`days`, `weeks`, `months`, `years`).
    pub duration_units: BTreeMap<String, String>,
    /// Number words to numbers.
    pub number_words: BTreeMap<String, u32>,
    /// Words introducing a legal notice's publisher.
    pub publisher_markers: Vec<String>,
    /// Words introducing a legal notice's host.
    pub host_markers: Vec<String>,
    /// Markers of a copyright notice (matched on lower-cased raw text).
    pub copyright_markers: Vec<String>,
    /// Month names to month numbers.
    pub months: BTreeMap<String, u8>,
    /// Stopwords per language.
    pub stopwords: Stopwords,
}

/// The vocabulary file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The embedded file is missing.
    #[error("checks/data/vocabulary.yaml is missing from the catalogue")]
    Missing,
    /// The file is not valid for the schema.
    #[error("checks/data/vocabulary.yaml: {0}")]
    Invalid(String),
    /// A kind key is not a document kind.
    #[error("checks/data/vocabulary.yaml: unknown document kind `{0}`")]
    UnknownKind(String),
}

impl Vocabulary {
    /// Parses a vocabulary file and normalises every term.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let mut vocabulary: Vocabulary =
            serde_saphyr::from_str(text).map_err(|e| Error::Invalid(e.to_string()))?;
        for key in vocabulary.kinds.keys() {
            if DocumentKind::from_key(key).is_none() {
                return Err(Error::UnknownKind(key.clone()));
            }
        }
        let norm_all = |terms: &mut Vec<String>| {
            for term in terms.iter_mut() {
                *term = normalize(term);
            }
            terms.retain(|t| !t.is_empty());
        };
        for terms in vocabulary.kinds.values_mut() {
            norm_all(&mut terms.links);
            norm_all(&mut terms.mentions);
        }
        for hoster in &mut vocabulary.hosters {
            norm_all(&mut hoster.aliases);
        }
        for country in &mut vocabulary.countries {
            norm_all(&mut country.names);
        }
        norm_all(&mut vocabulary.hosting_context);
        norm_all(&mut vocabulary.log_context);
        norm_all(&mut vocabulary.publisher_markers);
        norm_all(&mut vocabulary.host_markers);
        norm_all(&mut vocabulary.stopwords.fr);
        norm_all(&mut vocabulary.stopwords.en);
        vocabulary.duration_units = vocabulary
            .duration_units
            .into_iter()
            .map(|(k, v)| (normalize(&k), v))
            .collect();
        vocabulary.number_words = vocabulary
            .number_words
            .into_iter()
            .map(|(k, v)| (normalize(&k), v))
            .collect();
        vocabulary.months = vocabulary
            .months
            .into_iter()
            .map(|(k, v)| (normalize(&k), v))
            .collect();
        for marker in &mut vocabulary.copyright_markers {
            *marker = marker.to_lowercase();
        }
        Ok(vocabulary)
    }

    /// The vocabulary embedded in the binary.
    pub fn embedded() -> Result<Self, Error> {
        Self::parse(super::data_file("vocabulary.yaml").ok_or(Error::Missing)?)
    }

    /// The terms of one kind (empty when the file has none).
    pub fn terms(&self, kind: DocumentKind) -> &KindTerms {
        static EMPTY: OnceLock<KindTerms> = OnceLock::new();
        self.kinds
            .get(kind.key())
            .unwrap_or_else(|| EMPTY.get_or_init(KindTerms::default))
    }

    /// The kinds whose link terms match `normalized` text, each with the first term matched.
    pub fn link_kinds(&self, normalized: &str) -> Vec<(DocumentKind, &str)> {
        DocumentKind::ALL
            .into_iter()
            .filter_map(|kind| {
                let terms = self.terms(kind);
                terms
                    .links
                    .iter()
                    .find(|t| contains_term(normalized, t))
                    .map(|t| (kind, t.as_str()))
            })
            .collect()
    }
}

/// The embedded vocabulary, parsed once.
pub fn vocabulary() -> &'static Vocabulary {
    static CELL: OnceLock<Vocabulary> = OnceLock::new();
    CELL.get_or_init(|| {
        Vocabulary::embedded()
            .expect("internal error: the embedded vocabulary.yaml is valid (unit-tested)")
    })
}

/// Lower-cases, folds accents and turns every run of non-alphanumeric characters into one
/// space; no leading or trailing space.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text.chars().flat_map(char::to_lowercase) {
        let folded = fold(c);
        if folded.is_empty() {
            if !space {
                out.push(' ');
                space = true;
            }
        } else {
            out.push_str(folded);
            space = false;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The ASCII letters a lower-case character folds to, or "" for a separator.
fn fold(c: char) -> &'static str {
    // Letters outside this table that are still alphanumeric (Greek, Cyrillic…) become
    // separators: the vocabularies are French and English.
    const ASCII: [&str; 36] = [
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f", "g", "h",
        "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z",
    ];
    match c {
        '0'..='9' => ASCII[(c as usize) - ('0' as usize)],
        'a'..='z' => ASCII[10 + (c as usize) - ('a' as usize)],
        'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => "a",
        'ç' => "c",
        'é' | 'è' | 'ê' | 'ë' => "e",
        'î' | 'ï' | 'í' | 'ì' => "i",
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' | 'ø' => "o",
        'ù' | 'û' | 'ü' | 'ú' => "u",
        'ÿ' | 'ý' => "y",
        'ñ' => "n",
        'œ' => "oe",
        'æ' => "ae",
        'ß' => "ss",
        _ => "",
    }
}

/// Whether the normalised `haystack` contains the normalised `term` as whole words.
pub fn contains_term(haystack: &str, term: &str) -> bool {
    find_term(haystack, term).is_some()
}

/// The byte offset of the first whole-word occurrence of `term` in `haystack` (both normalised).
pub fn find_term(haystack: &str, term: &str) -> Option<usize> {
    if term.is_empty() {
        return None;
    }
    let bytes = haystack.as_bytes();
    let mut from = 0;
    while let Some(pos) = haystack.get(from..).and_then(|rest| rest.find(term)) {
        let start = from + pos;
        let end = start + term.len();
        let before_ok = start == 0 || bytes.get(start - 1) == Some(&b' ');
        let after_ok = end == bytes.len() || bytes.get(end) == Some(&b' ');
        if before_ok && after_ok {
            return Some(start);
        }
        from = start + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_vocabulary_parses_and_covers_every_kind() {
        let vocabulary = Vocabulary::embedded().expect("vocabulary parses");
        for kind in DocumentKind::ALL {
            assert!(
                !vocabulary.terms(kind).links.is_empty(),
                "no link terms for {}",
                kind.key()
            );
        }
        assert!(vocabulary.hosters.iter().any(|h| h.name == "OVH"));
    }

    #[test]
    fn normalisation_folds_accents_case_and_punctuation() {
        assert_eq!(
            normalize("  Mentions-LÉGALES.html "),
            "mentions legales html"
        );
        assert_eq!(
            normalize("Politique de confidentialité & données"),
            "politique de confidentialite donnees"
        );
        assert_eq!(
            normalize("Conditions générales d’utilisation"),
            "conditions generales d utilisation"
        );
        assert_eq!(normalize("Œuvre"), "oeuvre");
    }

    #[test]
    fn terms_match_whole_words_only() {
        assert!(contains_term("nos cgu", "cgu"));
        assert!(!contains_term("cguide", "cgu"));
        assert!(contains_term(
            "rapport d activite 2024",
            "rapport d activite"
        ));
        assert!(!contains_term("dons", "don"));
    }

    #[test]
    fn links_are_classified_by_text_or_path() {
        let vocabulary = vocabulary();
        let kinds: Vec<_> = vocabulary
            .link_kinds(&normalize("/mentions-legales"))
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(kinds, vec![DocumentKind::LegalNotice]);
        let kinds: Vec<_> = vocabulary
            .link_kinds(&normalize("Privacy policy"))
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(kinds, vec![DocumentKind::Privacy]);
        assert!(vocabulary.link_kinds(&normalize("Accueil")).is_empty());
    }

    #[test]
    fn an_unknown_kind_is_rejected_with_its_name() {
        let text = "kinds: {nonsense: {links: [a], mentions: []}}\nhosters: []\ncountries: []\nhosting_context: []\nlog_context: []\nduration_units: {}\nnumber_words: {}\npublisher_markers: []\nhost_markers: []\ncopyright_markers: []\nmonths: {}\nstopwords: {fr: [], en: []}\n";
        let error = Vocabulary::parse(text).expect_err("unknown kind");
        assert!(error.to_string().contains("nonsense"), "{error}");
    }
}
