//! Small text helpers for attribute values: entities, `srcset`, `meta refresh`.
//!
//! lol_html hands attribute values over as written, entities included, so `?a=1&amp;b=2`
//! must be decoded before it is a URL.

/// Decodes the character references that occur in URLs and titles: the five XML entities,
/// `&nbsp;` and numeric references. Unknown references stay as written.
pub fn decode_entities(raw: &str) -> String {
    if !raw.contains('&') {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        // A reference is short: look at most 12 bytes ahead for the semicolon.
        let window = rest
            .char_indices()
            .take(12)
            .find(|&(_, c)| c == ';')
            .map(|(i, _)| i);
        let decoded = window.and_then(|end| decode_one(&rest[1..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn decode_one(name: &str) -> Option<char> {
    match name {
        "amp" | "AMP" => Some('&'),
        "lt" | "LT" => Some('<'),
        "gt" | "GT" => Some('>'),
        "quot" | "QUOT" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some('\u{a0}'),
        "sol" => Some('/'),
        "colon" => Some(':'),
        "period" => Some('.'),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse::<u32>().ok()?,
            };
            char::from_u32(code).filter(|&c| c != '\0')
        }
    }
}

/// The URLs of a `srcset` attribute, following the HTML parsing algorithm closely enough
/// that commas inside URLs and descriptors with parentheses do not split wrongly.
pub fn srcset_urls(srcset: &str) -> Vec<&str> {
    let mut urls = Vec::new();
    let bytes = srcset.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b',') {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let url = srcset[start..i].trim_end_matches(',');
        let ended_with_comma = srcset[start..i].ends_with(',');
        if !url.is_empty() {
            urls.push(url);
        }
        if ended_with_comma {
            continue;
        }
        // Skip the descriptors up to the next comma outside parentheses.
        let mut depth = 0u32;
        while i < bytes.len() {
            match bytes[i] {
                b'(' => depth = depth.saturating_add(1),
                b')' => depth = depth.saturating_sub(1),
                b',' if depth == 0 => break,
                _ => {}
            }
            i += 1;
        }
    }
    urls
}

/// The target of a `<meta http-equiv="refresh" content="5; url=…">`, if any.
pub fn refresh_target(content: &str) -> Option<&str> {
    let content = content.trim_start();
    let after_delay = content.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    let rest =
        after_delay.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == ';' || c == ',');
    if rest.is_empty() {
        return None;
    }
    let rest = if rest.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("url")) {
        let after = rest[3..].trim_start();
        after.strip_prefix('=').map(str::trim_start).unwrap_or(rest)
    } else {
        rest
    };
    let target = match rest.chars().next() {
        Some(q @ ('"' | '\'')) => {
            let inner = &rest[1..];
            inner.find(q).map_or(inner, |end| &inner[..end])
        }
        _ => rest,
    };
    let target = target.trim();
    (!target.is_empty()).then_some(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ampersands_in_urls_are_decoded() {
        assert_eq!(
            decode_entities("/a?x=1&amp;y=2&#38;z=&#x33;"),
            "/a?x=1&y=2&z=3"
        );
        assert_eq!(
            decode_entities("a & b &unknown; &#0;"),
            "a & b &unknown; &#0;"
        );
    }

    #[test]
    fn srcset_keeps_commas_inside_urls_and_skips_descriptors() {
        assert_eq!(
            srcset_urls("a.png 1x, https://cdn.test/b,c.png 2x,d.png"),
            vec!["a.png", "https://cdn.test/b,c.png", "d.png"]
        );
        assert_eq!(srcset_urls(" , ,"), Vec::<&str>::new());
        assert_eq!(
            srcset_urls("x.png (max-width: 10px, 2x), y.png"),
            vec!["x.png", "y.png"]
        );
    }

    #[test]
    fn refresh_targets_are_found_with_or_without_url_prefix() {
        assert_eq!(
            refresh_target("0; url=https://a.test/"),
            Some("https://a.test/")
        );
        assert_eq!(refresh_target("5;URL='/next'"), Some("/next"));
        assert_eq!(refresh_target("3"), None);
        assert_eq!(
            refresh_target("1, https://b.test/x"),
            Some("https://b.test/x")
        );
    }
}
