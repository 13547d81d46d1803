//! The Java-properties-like syntax of ChatonsInfos files (DOMAIN.md §3.1).
//!
//! Follows `java.util.Properties.load` (comments `#`/`!`, separators `=`, `:` or whitespace,
//! backslash escapes, continuation lines) plus what ChatonsInfos files do in practice:
//! `[Section]` header lines, values wrapped in `'…'` or `"…"`, a UTF-8 BOM, CRLF or CR line
//! ends. Values are trimmed on both sides (Java keeps trailing blanks; ChatonsInfos
//! generators leave them by accident). The parser never fails: odd lines become
//! [`SyntaxIssue`]s and parsing goes on.

use super::PropertiesEntry;

/// A parsed file: entries in file order, `[Section]` headers, and the lines that looked wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedProperties {
    /// `key = value` entries, each with its first line.
    pub entries: Vec<PropertiesEntry>,
    /// `[Section]` names with their line.
    pub sections: Vec<(String, u32)>,
    /// Lines that could be read only approximately.
    pub issues: Vec<SyntaxIssue>,
}

impl ParsedProperties {
    /// The value of the last entry with this key (Java semantics: the last one wins).
    pub fn get(&self, key: &str) -> Option<&PropertiesEntry> {
        self.entries.iter().rev().find(|e| e.key == key)
    }
}

/// A line the parser read approximately (bad `\u` escape, key without value…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxIssue {
    /// 1-based line.
    pub line: u32,
    /// What was odd.
    pub message: String,
}

/// Parses the text of a properties file.
pub fn parse(text: &str) -> ParsedProperties {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = ParsedProperties::default();
    let mut lines = physical_lines(text).peekable();
    while let Some((number, raw)) = lines.next() {
        let trimmed = raw.trim_start_matches([' ', '\t', '\u{c}']);
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('!') {
            continue;
        }
        let right = trimmed.trim_end();
        if right.starts_with('[') && right.ends_with(']') && !right.contains('=') {
            let name = right[1..right.len() - 1].trim().to_owned();
            out.sections.push((name, number));
            continue;
        }
        // Join continuation lines: an odd number of trailing backslashes continues.
        let mut logical = trimmed.to_owned();
        while ends_with_odd_backslashes(&logical) {
            logical.pop();
            match lines.next() {
                Some((_, next)) => logical.push_str(next.trim_start_matches([' ', '\t', '\u{c}'])),
                None => break,
            }
        }
        let (key, value) = split_key_value(&logical);
        let key = unescape(key, number, &mut out.issues);
        let value = unescape(value, number, &mut out.issues);
        let value = unquote(value.trim());
        if key.is_empty() {
            out.issues.push(SyntaxIssue {
                line: number,
                message: "entry without a key".into(),
            });
            continue;
        }
        out.entries.push(PropertiesEntry {
            key,
            value,
            line: number,
        });
    }
    out
}

/// Lines with their 1-based numbers; `\r\n`, `\n` and lone `\r` all end a line.
fn physical_lines(text: &str) -> impl Iterator<Item = (u32, &str)> {
    let mut rest = text;
    let mut number: u32 = 0;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        number = number.saturating_add(1);
        let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
        let line = &rest[..end];
        let after = &rest[end..];
        rest = if let Some(r) = after.strip_prefix("\r\n") {
            r
        } else if after.is_empty() {
            after
        } else {
            &after[1..]
        };
        Some((number, line))
    })
}

fn ends_with_odd_backslashes(s: &str) -> bool {
    s.bytes().rev().take_while(|b| *b == b'\\').count() % 2 == 1
}

/// Splits at the first unescaped `=`, `:` or blank; blanks around the separator go.
fn split_key_value(line: &str) -> (&str, &str) {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'=' | b':' => return (&line[..i], &line[i + 1..]),
            b' ' | b'\t' | b'\x0c' => {
                let key = &line[..i];
                let rest = line[i..].trim_start_matches([' ', '\t', '\u{c}']);
                let rest = rest.strip_prefix(['=', ':']).unwrap_or(rest);
                return (key, rest);
            }
            _ => i += 1,
        }
    }
    (line, "")
}

fn unescape(text: &str, line: u32, issues: &mut Vec<SyntaxIssue>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.clone().take(4).collect();
                match (hex.len() == 4)
                    .then(|| u32::from_str_radix(&hex, 16).ok())
                    .flatten()
                {
                    Some(code) => {
                        for _ in 0..4 {
                            chars.next();
                        }
                        out.push(decode_utf16_unit(code, &mut chars));
                    }
                    None => {
                        issues.push(SyntaxIssue {
                            line,
                            message: format!(
                                "malformed \\u escape `\\u{hex}` (four hex digits expected)"
                            ),
                        });
                        out.push_str("\\u");
                    }
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// A `\uXXXX` unit; a high surrogate pairs with a following `\uXXXX` low surrogate.
fn decode_utf16_unit(code: u32, chars: &mut std::str::Chars<'_>) -> char {
    if (0xD800..0xDC00).contains(&code) {
        let ahead: String = chars.clone().take(6).collect();
        if let Some(low) = ahead
            .strip_prefix("\\u")
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .filter(|low| (0xDC00..0xE000).contains(low))
        {
            for _ in 0..6 {
                chars.next();
            }
            let combined = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
            return char::from_u32(combined).unwrap_or('\u{fffd}');
        }
    }
    char::from_u32(code).unwrap_or('\u{fffd}')
}

/// ChatonsInfos generators write `subs.x = 'https://…'`: one pair of matching quotes goes.
fn unquote(value: &str) -> String {
    for quote in ['\'', '"'] {
        if value.len() >= 2 && value.starts_with(quote) && value.ends_with(quote) {
            return value[1..value.len() - 1].to_owned();
        }
    }
    value.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String, u32)> {
        parse(text)
            .entries
            .into_iter()
            .map(|e| (e.key, e.value, e.line))
            .collect()
    }

    #[test]
    fn separators_equal_colon_and_blank() {
        assert_eq!(
            pairs("a = 1\nb:2\nc 3\nd\t =  4\n"),
            vec![
                ("a".into(), "1".into(), 1),
                ("b".into(), "2".into(), 2),
                ("c".into(), "3".into(), 3),
                ("d".into(), "4".into(), 4)
            ]
        );
    }

    #[test]
    fn escaped_separator_stays_in_key() {
        assert_eq!(
            pairs("a\\=b\\:c = v=w")[0],
            ("a=b:c".into(), "v=w".into(), 1)
        );
    }

    #[test]
    fn continuation_joins_and_keeps_first_line() {
        assert_eq!(
            pairs("# c\nk = one \\\n    two\\\n three\nz=1")[0],
            ("k".into(), "one twothree".into(), 2)
        );
        assert_eq!(
            pairs("k = a\\\\\nz=1").len(),
            2,
            "an even number of backslashes does not continue"
        );
    }

    #[test]
    fn escapes_and_unicode() {
        assert_eq!(
            pairs("k = a\\tb\\nc\\u00e9\\\\\\q\\ud83d\\ude00")[0].1,
            "a\tb\ncé\\q😀"
        );
        let parsed = parse("k = \\u12");
        assert_eq!(parsed.issues.len(), 1);
    }

    #[test]
    fn sections_comments_quotes_bom_crlf() {
        let parsed =
            parse("\u{feff}# x\r\n! y\r\n[Subs]\r\nsubs.pad = 'https://a.test/p'\r\nq = \"x\"\r\n");
        assert_eq!(parsed.sections, vec![("Subs".to_owned(), 3)]);
        assert_eq!(parsed.entries[0].key, "subs.pad");
        assert_eq!(parsed.entries[0].value, "https://a.test/p");
        assert_eq!(parsed.entries[1].value, "x");
        assert_eq!(parsed.entries[1].line, 5);
    }
}
