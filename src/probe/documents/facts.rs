//! Reading facts out of a document's text: language, dates, years and key statements
//! (hosting country and provider, log retention, amounts, publisher, host, topic mentions).
//!
//! Pure functions over text, driven by the vocabulary; every statement keeps the sentence it
//! came from so a reviewer can judge it.

use std::collections::BTreeSet;

use crate::catalogue::vocabulary::{Vocabulary, contains_term, normalize};
use crate::declaration::DocumentKind;
use crate::observation::documents::{DocumentContent, Statement, label};

/// Text beyond this many bytes is not analysed (the fetch cap bounds it already; PDFs can
/// inflate).
pub const MAX_TEXT_BYTES: usize = 2 * 1024 * 1024;
/// Sentences longer than this are cut in windows (PDF text often has no punctuation).
const MAX_SENTENCE_CHARS: usize = 400;
/// Bounds on what is recorded per document.
const MAX_DATES: usize = 30;
const MAX_YEARS: usize = 30;
const MAX_AMOUNTS: usize = 20;
const MAX_MENTIONS_PER_KIND: usize = 3;
const MAX_EXCERPT_CHARS: usize = 200;
const MAX_STATEMENTS: usize = 200;

/// Fills the text-derived fields of `content` from the document's `text` and its `heading`
/// (title, URL path and link text).
pub fn analyse(vocabulary: &Vocabulary, text: &str, heading: &str, content: &mut DocumentContent) {
    let text = cut(text, MAX_TEXT_BYTES);
    content.language = language(vocabulary, text).map(str::to_string);
    content.years = years(vocabulary, text);
    content.heading_years = years(vocabulary, heading);
    content.dates = dates(vocabulary, text);
    content.statements = statements(vocabulary, text);
}

/// `text` cut to at most `max` bytes on a character boundary.
pub fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// `fr` or `en` when one language's stopwords clearly dominate.
pub fn language(vocabulary: &Vocabulary, text: &str) -> Option<&'static str> {
    let normalized = normalize(cut(text, 200_000));
    let (mut fr, mut en) = (0u32, 0u32);
    for word in normalized.split(' ') {
        if vocabulary.stopwords.fr.iter().any(|w| w == word) {
            fr += 1;
        }
        if vocabulary.stopwords.en.iter().any(|w| w == word) {
            en += 1;
        }
    }
    // Short words are shared ("a", "on"); ask for a clear majority and a few hits.
    if fr >= 3 && fr * 2 > en * 3 {
        Some("fr")
    } else if en >= 3 && en * 2 > fr * 3 {
        Some("en")
    } else {
        None
    }
}

/// Years 1990–2100 written in the text, except those in a copyright notice, most recent first.
pub fn years(vocabulary: &Vocabulary, text: &str) -> Vec<i32> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = BTreeSet::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if i - start != 4 {
            continue;
        }
        let year: i32 = chars[start..i]
            .iter()
            .collect::<String>()
            .parse()
            .unwrap_or(0);
        if !(1990..=2100).contains(&year) {
            continue;
        }
        let before: String = chars[start.saturating_sub(24)..start]
            .iter()
            .collect::<String>()
            .to_lowercase();
        // "© 2016-2024": the second year is in the notice too.
        if vocabulary
            .copyright_markers
            .iter()
            .any(|m| before.contains(m.as_str()))
        {
            continue;
        }
        found.insert(year);
    }
    found.into_iter().rev().take(MAX_YEARS).collect()
}

/// Dates written in the text (ISO, dd/mm/yyyy, "12 mars 2024", "March 12, 2024"), as ISO
/// strings, most recent first.
pub fn dates(vocabulary: &Vocabulary, text: &str) -> Vec<String> {
    let mut found = BTreeSet::new();
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    for word in &words {
        let word = word.trim_matches(|c: char| !c.is_ascii_digit());
        if let Some(date) = iso_date(word).or_else(|| slashed_date(word)) {
            found.insert(date);
        }
    }
    let normalized = normalize(text);
    let tokens: Vec<&str> = normalized.split(' ').collect();
    for window in tokens.windows(3) {
        let [a, b, c] = window else { continue };
        let day_month = vocabulary
            .months
            .get(*b)
            .and_then(|m| day(a).map(|d| (d, *m)));
        let month_day = vocabulary
            .months
            .get(*a)
            .and_then(|m| day(b).map(|d| (d, *m)));
        if let (Some((d, m)), Ok(y)) = (day_month.or(month_day), c.parse::<i32>())
            && let Some(date) = calendar(y, m, d)
        {
            found.insert(date);
        }
    }
    found.into_iter().rev().take(MAX_DATES).collect()
}

fn day(token: &str) -> Option<u8> {
    let token = token.strip_suffix("er").unwrap_or(token);
    token.parse().ok().filter(|d| (1..=31).contains(d))
}

fn calendar(year: i32, month: u8, day: u8) -> Option<String> {
    if !(1990..=2100).contains(&year) {
        return None;
    }
    let month = time::Month::try_from(month).ok()?;
    time::Date::from_calendar_date(year, month, day)
        .ok()
        .map(|d| d.to_string())
}

fn iso_date(word: &str) -> Option<String> {
    let date = word.get(..10)?;
    let mut parts = date.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    calendar(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

fn slashed_date(word: &str) -> Option<String> {
    let mut parts = word.split('/');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || d.len() > 2 || m.len() > 2 {
        return None;
    }
    calendar(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// Splits text into sentences: lines, then `.`, `!` or `?` followed by a space, then windows
/// of at most [`MAX_SENTENCE_CHARS`].
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut current = String::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            current.push(c);
            let ends =
                matches!(c, '.' | '!' | '?') && chars.peek().is_none_or(|n| n.is_whitespace());
            if ends || current.chars().count() >= MAX_SENTENCE_CHARS {
                push_sentence(&mut out, &current);
                current.clear();
            }
        }
        push_sentence(&mut out, &current);
    }
    out
}

fn push_sentence(out: &mut Vec<String>, sentence: &str) {
    let trimmed = sentence.split_whitespace().collect::<Vec<_>>().join(" ");
    if !trimmed.is_empty() {
        out.push(trimmed);
    }
}

fn excerpt(sentence: &str) -> String {
    if sentence.chars().count() <= MAX_EXCERPT_CHARS {
        sentence.to_string()
    } else {
        let mut short: String = sentence.chars().take(MAX_EXCERPT_CHARS).collect();
        short.push('…');
        short
    }
}

/// Every key statement of the text, deduplicated by (label, value), bounded.
pub fn statements(vocabulary: &Vocabulary, text: &str) -> Vec<Statement> {
    let sentences = sentences(text);
    let mut out: Vec<Statement> = Vec::new();
    let push = |out: &mut Vec<Statement>, label: &str, value: String, sentence: &str| {
        if out.len() < MAX_STATEMENTS && !out.iter().any(|s| s.label == label && s.value == value) {
            out.push(Statement {
                label: label.to_string(),
                value,
                excerpt: excerpt(sentence),
            });
        }
    };
    let mut mentions = [0usize; DocumentKind::ALL.len()];
    let mut amounts = 0;
    for (index, sentence) in sentences.iter().enumerate() {
        let norm = normalize(sentence);
        if norm.is_empty() {
            continue;
        }
        for (k, kind) in DocumentKind::ALL.into_iter().enumerate() {
            if mentions[k] < MAX_MENTIONS_PER_KIND
                && vocabulary
                    .terms(kind)
                    .mentions
                    .iter()
                    .any(|t| contains_term(&norm, t))
            {
                mentions[k] += 1;
                let label = format!("{}{}", label::MENTIONS_PREFIX, kind.key());
                // Several sentences per kind: the value keeps them apart.
                push(&mut out, &label, mentions[k].to_string(), sentence);
            }
        }
        let about_hosting = vocabulary
            .hosting_context
            .iter()
            .any(|t| contains_term(&norm, t));
        for hoster in &vocabulary.hosters {
            if (!hoster.context || about_hosting)
                && hoster.aliases.iter().any(|a| contains_term(&norm, a))
            {
                push(
                    &mut out,
                    label::HOSTING_PROVIDER,
                    hoster.name.clone(),
                    sentence,
                );
            }
        }
        if about_hosting {
            for country in &vocabulary.countries {
                if country.names.iter().any(|n| contains_term(&norm, n)) {
                    push(
                        &mut out,
                        label::HOSTING_COUNTRY,
                        country.code.clone(),
                        sentence,
                    );
                }
            }
        }
        if vocabulary
            .log_context
            .iter()
            .any(|t| contains_term(&norm, t))
        {
            for period in durations(vocabulary, &norm) {
                push(&mut out, label::LOG_RETENTION, period, sentence);
            }
        }
        if amounts < MAX_AMOUNTS {
            for amount in euro_amounts(sentence) {
                amounts += 1;
                push(&mut out, label::AMOUNT, amount, sentence);
            }
        }
        let next = sentences.get(index + 1).map(String::as_str);
        if let Some(name) = after_marker(&vocabulary.publisher_markers, sentence, next, 8) {
            push(&mut out, label::PUBLISHER, name, sentence);
        }
        if let Some(host) = after_marker(&vocabulary.host_markers, sentence, next, 12) {
            push(&mut out, label::HOST, host, sentence);
        }
        for (marker, digits) in registry_numbers(&norm) {
            push(&mut out, marker, digits, sentence);
        }
    }
    out
}

/// Retention periods in a normalised sentence: a number (or number word) then a unit.
fn durations(vocabulary: &Vocabulary, norm: &str) -> Vec<String> {
    let tokens: Vec<&str> = norm.split(' ').collect();
    let mut out = Vec::new();
    for pair in tokens.windows(2) {
        let [number, unit] = pair else { continue };
        let Some(unit) = vocabulary.duration_units.get(*unit) else {
            continue;
        };
        let n = if number.len() <= 4 && number.bytes().all(|b| b.is_ascii_digit()) {
            number.parse::<u32>().ok()
        } else {
            vocabulary.number_words.get(*number).copied()
        };
        if let Some(n) = n.filter(|n| *n > 0) {
            let unit = if n == 1 {
                unit.trim_end_matches('s')
            } else {
                unit.as_str()
            };
            out.push(format!("{n} {unit}"));
        }
    }
    out
}

/// Euro amounts, e.g. `12 345,67 €`, `€1,200`, `3 000 euros`, normalised to `<digits> €`.
fn euro_amounts(sentence: &str) -> Vec<String> {
    let lower = sentence.to_lowercase();
    let chars: Vec<char> = lower.chars().collect();
    let is_part =
        |c: char| c.is_ascii_digit() || matches!(c, '.' | ',' | ' ' | '\u{a0}' | '\u{202f}');
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let symbol_len = if chars[i] == '€' {
            1
        } else if chars[i..].starts_with(&['e', 'u', 'r'])
            && (i == 0 || !chars[i - 1].is_alphabetic())
        {
            let word: String = chars[i..]
                .iter()
                .take_while(|c| c.is_alphabetic())
                .collect();
            if matches!(word.as_str(), "eur" | "euro" | "euros") {
                word.chars().count()
            } else {
                0
            }
        } else {
            0
        };
        if symbol_len == 0 {
            i += 1;
            continue;
        }
        let mut start = i;
        while start > 0 && is_part(chars[start - 1]) {
            start -= 1;
        }
        let mut number: String = chars[start..i].iter().collect();
        if !number.chars().any(|c| c.is_ascii_digit()) {
            let mut end = i + symbol_len;
            while end < chars.len() && is_part(chars[end]) {
                end += 1;
            }
            number = chars[i + symbol_len..end].iter().collect();
        }
        let number = number
            .trim_matches(|c: char| !c.is_ascii_digit())
            .replace(['\u{a0}', '\u{202f}'], " ");
        if number.chars().any(|c| c.is_ascii_digit()) {
            out.push(format!("{number} €"));
        }
        i += symbol_len;
    }
    out
}

/// The words after a marker ("Directeur de la publication : Jeanne Martin"), or the start of
/// the next sentence when the marker ends its own (a heading).
fn after_marker(
    markers: &[String],
    sentence: &str,
    next: Option<&str>,
    max_words: usize,
) -> Option<String> {
    let words: Vec<&str> = sentence.split_whitespace().collect();
    // Normalised tokens, each with the index of the raw word it came from ("d’utilisation"
    // gives two tokens of one word).
    let tokens: Vec<(String, usize)> = words
        .iter()
        .enumerate()
        .flat_map(|(i, w)| {
            normalize(w)
                .split(' ')
                .filter(|t| !t.is_empty())
                .map(|t| (t.to_string(), i))
                .collect::<Vec<_>>()
        })
        .collect();
    for marker in markers {
        let marker_words: Vec<&str> = marker.split(' ').collect();
        let Some(position) = tokens
            .windows(marker_words.len())
            .position(|window| window.iter().zip(&marker_words).all(|((t, _), m)| t == m))
        else {
            continue;
        };
        let (_, last_word) = tokens[position + marker_words.len() - 1];
        let rest: Vec<&str> = words[last_word + 1..]
            .iter()
            .copied()
            .skip_while(|w| {
                matches!(
                    normalize(w).as_str(),
                    "" | "est" | "is" | "par" | "by" | "du" | "site"
                )
            })
            .take(max_words)
            .collect();
        let value = rest
            .join(" ")
            .trim_matches(|c: char| c == ',' || c == ';' || c == '.')
            .to_string();
        if !value.is_empty() {
            return Some(value);
        }
        if let Some(next) = next {
            let value: Vec<&str> = next.split_whitespace().take(max_words).collect();
            if !value.is_empty() {
                return Some(value.join(" ").trim_end_matches('.').to_string());
            }
        }
    }
    None
}

/// SIRET/SIREN numbers after the word, and RNA numbers (`W` + 9 digits).
fn registry_numbers(norm: &str) -> Vec<(&'static str, String)> {
    let tokens: Vec<&str> = norm.split(' ').collect();
    let mut out = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if matches!(*token, "siret" | "siren") {
            let digits: String = tokens[i + 1..]
                .iter()
                .skip_while(|t| matches!(**t, "n" | "no" | "numero" | "number"))
                .take_while(|t| t.bytes().all(|b| b.is_ascii_digit()))
                .copied()
                .collect();
            if digits.len() == 14 || digits.len() == 9 {
                out.push((label::SIRET, digits));
            }
        }
        if token.len() == 10
            && token.starts_with('w')
            && token[1..].bytes().all(|b| b.is_ascii_digit())
        {
            out.push((label::RNA, token.to_uppercase()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::vocabulary::vocabulary;

    fn values(text: &str, wanted: &str) -> Vec<String> {
        statements(vocabulary(), text)
            .into_iter()
            .filter(|s| s.label == wanted)
            .map(|s| s.value)
            .collect()
    }

    #[test]
    fn french_and_english_are_told_apart() {
        let v = vocabulary();
        assert_eq!(
            language(
                v,
                "Nous hébergeons les données de nos membres dans une salle à Nantes et pour le collectif."
            ),
            Some("fr")
        );
        assert_eq!(
            language(
                v,
                "We host the data of our members in a room in Nantes and we are proud of it for the collective."
            ),
            Some("en")
        );
        assert_eq!(language(v, "OVH 2024"), None);
    }

    #[test]
    fn copyright_years_are_not_coverage() {
        assert_eq!(
            years(
                vocabulary(),
                "Rapport d'activité 2023, publié en 2024. © 2016-2025 Chaton"
            ),
            vec![2024, 2023]
        );
    }

    #[test]
    fn dates_in_several_notations_become_iso() {
        let found = dates(
            vocabulary(),
            "Mis à jour le 12 mars 2024, puis 2024-05-01 et 03/06/2024; updated March 7, 2025.",
        );
        assert_eq!(
            found,
            vec!["2025-03-07", "2024-06-03", "2024-05-01", "2024-03-12"]
        );
    }

    #[test]
    fn hosting_country_and_provider_are_read_in_hosting_sentences() {
        let text =
            "Nos serveurs sont hébergés chez OVH à Roubaix, en France.\nFree software is great.";
        assert_eq!(values(text, label::HOSTING_COUNTRY), vec!["FR"]);
        assert_eq!(values(text, label::HOSTING_PROVIDER), vec!["OVH"]);
    }

    #[test]
    fn ambiguous_hoster_names_need_a_hosting_sentence() {
        assert!(values("Free software for a free society.", label::HOSTING_PROVIDER).is_empty());
        assert_eq!(
            values(
                "Our server is hosted at home on a Free fibre line.",
                label::HOSTING_PROVIDER
            ),
            vec!["Free"]
        );
    }

    #[test]
    fn log_retention_periods_are_read_with_their_unit() {
        assert_eq!(
            values(
                "Les journaux de connexion sont conservés 12 mois.",
                label::LOG_RETENTION
            ),
            vec!["12 months"]
        );
        assert_eq!(
            values("Access logs are kept for one year.", label::LOG_RETENTION),
            vec!["1 year"]
        );
        assert_eq!(
            values(
                "Les logs sont supprimés après 365 jours",
                label::LOG_RETENTION
            ),
            vec!["365 days"]
        );
        assert!(values("Le collectif existe depuis 12 ans.", label::LOG_RETENTION).is_empty());
    }

    #[test]
    fn euro_amounts_in_both_notations() {
        assert_eq!(
            values(
                "Total des produits : 12 345,67 € ; dons €1,200 et 3 000 euros.",
                label::AMOUNT
            ),
            vec!["12 345,67 €", "1,200 €", "3 000 €"]
        );
    }

    #[test]
    fn legal_notice_publisher_host_and_numbers() {
        let text = "Directeur de la publication : Jeanne Martin, présidente.\nHébergeur : OVH SAS, 2 rue Kellermann, 59100 Roubaix.\nSIRET 123 456 789 00012 — RNA W751234567";
        assert_eq!(
            values(text, label::PUBLISHER),
            vec!["Jeanne Martin, présidente"]
        );
        assert_eq!(
            values(text, label::HOST),
            vec!["OVH SAS, 2 rue Kellermann, 59100 Roubaix"]
        );
        assert_eq!(values(text, label::SIRET), vec!["12345678900012"]);
        assert_eq!(values(text, label::RNA), vec!["W751234567"]);
    }

    #[test]
    fn a_marker_as_heading_takes_the_next_line() {
        assert_eq!(
            values("Publisher\nThe Kitten Association", label::PUBLISHER),
            vec!["The Kitten Association"]
        );
    }

    #[test]
    fn topics_are_mentioned_with_their_sentence() {
        let found = statements(
            vocabulary(),
            "Des sauvegardes quotidiennes sont faites sur un second site.",
        );
        let mention = found
            .iter()
            .find(|s| s.label == "mentions.backups")
            .expect("backup mention");
        assert!(mention.excerpt.contains("sauvegardes quotidiennes"));
    }
}
