//! `@import` and `url()` references in CSS, found by a linear scan (no CSS parser: the
//! references are all we need, and a hand-written scan is bounded and cannot blow up).

use url::Url;

/// Cap on references taken from one stylesheet or style block.
pub const MAX_CSS_REFS: usize = 2_000;

/// How a stylesheet refers to a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CssRefKind {
    /// `@import`: another stylesheet.
    Import,
    /// `url(…)`: an image, a font, a cursor…
    Url,
}

/// One reference found in CSS, resolved against the stylesheet's base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CssRef {
    /// Absolute http(s) URL.
    pub url: Url,
    /// `@import` or `url()`.
    pub kind: CssRefKind,
}

/// Every `@import` and `url()` of `css` that resolves to an http(s) URL against `base`, in
/// order, at most [`MAX_CSS_REFS`]. Comments are skipped; `data:` URLs are dropped.
pub fn extract_css(css: &str, base: &Url) -> Vec<CssRef> {
    let bytes = css.as_bytes();
    let mut refs = Vec::new();
    let mut i = 0;
    while i < bytes.len() && refs.len() < MAX_CSS_REFS {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = css[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |end| i + 2 + end + 2);
            }
            b'"' | b'\'' => {
                // A string outside url()/@import (e.g. `content: "url(x)"`) is not a reference.
                let (_, next) = read_string(css, i);
                i = next;
            }
            b'@' if starts_with_ci(&bytes[i + 1..], b"import") => {
                let mut j = skip_ws(bytes, i + 7);
                let (target, next) = if starts_with_ci(&bytes[j..], b"url(") {
                    read_url_function(css, j + 4)
                } else if matches!(bytes.get(j), Some(b'"' | b'\'')) {
                    read_string(css, j)
                } else {
                    (None, j.max(i + 1))
                };
                j = next;
                push(&mut refs, target, base, CssRefKind::Import);
                i = j;
            }
            b'u' | b'U' if starts_with_ci(&bytes[i..], b"url(") && !is_ident_byte(bytes, i) => {
                let (target, next) = read_url_function(css, i + 4);
                push(&mut refs, target, base, CssRefKind::Url);
                i = next;
            }
            _ => i += 1,
        }
    }
    refs
}

fn push(refs: &mut Vec<CssRef>, target: Option<String>, base: &Url, kind: CssRefKind) {
    let Some(target) = target else { return };
    if let Some(url) = super::resolve(base, &target) {
        refs.push(CssRef { url, kind });
    }
}

/// Whether the byte before `i` is part of an identifier (so `xurl(` is not `url(`).
fn is_ident_byte(bytes: &[u8], i: usize) -> bool {
    i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'-' || bytes[i - 1] == b'_')
}

fn starts_with_ci(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.len() >= needle.len() && haystack[..needle.len()].eq_ignore_ascii_case(needle)
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// Reads a quoted string starting at the quote at `start`; returns its contents (escapes
/// of the quote honoured) and the index after the closing quote.
fn read_string(css: &str, start: usize) -> (Option<String>, usize) {
    let bytes = css.as_bytes();
    let quote = bytes[start];
    let mut out = String::new();
    let mut i = start + 1;
    let mut from = i;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                out.push_str(&css[from..i]);
                i += 1;
                from = i;
                if i < bytes.len() {
                    i += 1;
                }
            }
            b'\n' => return (None, i),
            b if b == quote => {
                out.push_str(&css[from..i]);
                return (Some(out), i + 1);
            }
            _ => i += 1,
        }
    }
    (None, bytes.len())
}

/// Reads the argument of `url(` whose opening parenthesis ends just before `start`.
fn read_url_function(css: &str, start: usize) -> (Option<String>, usize) {
    let bytes = css.as_bytes();
    let i = skip_ws(bytes, start);
    if matches!(bytes.get(i), Some(b'"' | b'\'')) {
        let (value, next) = read_string(css, i);
        let close = css[next..]
            .find(')')
            .map_or(bytes.len(), |end| next + end + 1);
        return (value, close);
    }
    match css[i..].find(')') {
        Some(end) => (Some(css[i..i + end].trim().to_owned()), i + end + 1),
        None => (None, bytes.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(css: &str) -> Vec<(String, CssRefKind)> {
        let base = Url::parse("https://site.test/css/main.css").expect("test URL");
        extract_css(css, &base)
            .into_iter()
            .map(|r| (r.url.to_string(), r.kind))
            .collect()
    }

    #[test]
    fn imports_and_urls_are_resolved_against_the_stylesheet() {
        let found = urls(
            "@import url(\"https://fonts.googleapis.com/css?family=Roboto\");\n\
             @import 'local.css';\n\
             body { background: URL( ../img/bg.png ) }\n\
             @font-face { src: url('//fonts.gstatic.com/s/x.woff2') format('woff2') }",
        );
        assert_eq!(
            found,
            vec![
                (
                    "https://fonts.googleapis.com/css?family=Roboto".into(),
                    CssRefKind::Import
                ),
                ("https://site.test/css/local.css".into(), CssRefKind::Import),
                ("https://site.test/img/bg.png".into(), CssRefKind::Url),
                (
                    "https://fonts.gstatic.com/s/x.woff2".into(),
                    CssRefKind::Url
                ),
            ]
        );
    }

    #[test]
    fn comments_strings_and_data_urls_are_not_references() {
        let found = urls(
            "/* url(https://commented.test/x.png) */ a::after { content: \"url(https://str.test/)\" }\
             b { background: url(data:image/png;base64,AAAA) } c { background: url(https://ok.test/y.png) }",
        );
        assert_eq!(
            found,
            vec![("https://ok.test/y.png".into(), CssRefKind::Url)]
        );
    }

    #[test]
    fn unterminated_constructs_end_the_scan_without_panicking() {
        assert!(urls("a { background: url(https://x.test/").is_empty());
        assert!(urls("@import \"unterminated").is_empty());
        assert!(urls("/* never closed url(https://x.test/)").is_empty());
        assert!(urls("@import").is_empty());
        assert!(urls("é@importé url(").is_empty());
    }
}
