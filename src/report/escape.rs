//! Escaping of untrusted text: member names, URLs, messages and evidence all come from the
//! outside (declarations, scraped pages) and must never become markup in a report.

/// Escapes text for HTML and XML (elements and quoted attributes).
pub fn html(text: &str) -> String {
    handlebars::html_escape(text)
}

/// Escapes text for Markdown (CommonMark and GitHub flavour) so it renders as the same
/// literal text: punctuation that could start emphasis, links, code, headings, tables or
/// lists is backslash-escaped, `<`, `>` and `&` become entities so no raw HTML passes, and
/// line breaks become spaces so no new block can start. Punctuation that only means something
/// inside a link (`(`, `)`, quotes) stays as it is, since with `[`, `]` and `<` escaped no
/// link can form; so does `:`, so an `http(s)` address may become a GitHub autolink to
/// exactly what the text says (never `javascript:`, which is not autolinked). The text stays
/// readable in raw form, which matters in French, full of apostrophes and colons.
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => out.push(' '),
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '#' | '+' | '!' | '|' | '~' | '='
            | '-' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The link target for an untrusted URL: the normalised URL when it is absolute `http` or
/// `https`, nothing otherwise (`javascript:`, `data:`, relative and malformed URLs are
/// shown as text, never linked).
pub fn safe_href(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

/// A file-name-safe form of a member or commitment ID: ASCII letters, digits, `-`, `_`
/// and `.` kept, anything else turned into `_`; never empty, never starting with a dot.
pub fn slug(id: &str) -> String {
    let mut out: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with('.') {
        out.insert(0, '_');
    }
    out.truncate(100);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escaping_neutralises_links_html_and_blocks() {
        let hostile = "[click](javascript:alert(1)) <script>x</script>\n# title | *b*";
        let escaped = markdown(hostile);
        assert!(!escaped.contains("<script"));
        assert!(!escaped.contains('\n'));
        // The brackets are escaped, so what follows them cannot be a link target.
        assert!(escaped.contains("\\[click\\](javascript:alert(1))"));
        assert!(escaped.contains("\\# title \\| \\*b\\*"));
    }

    #[test]
    fn markdown_escaping_leaves_french_punctuation_readable() {
        assert_eq!(
            markdown("L'audit du 29 : voir (ici) « https://exemple.org/ »"),
            "L'audit du 29 : voir (ici) « https://exemple.org/ »"
        );
    }

    #[test]
    fn only_http_and_https_urls_become_links() {
        assert_eq!(
            safe_href("https://a.example/x?y=1").as_deref(),
            Some("https://a.example/x?y=1")
        );
        assert_eq!(
            safe_href(" http://a.example").as_deref(),
            Some("http://a.example/")
        );
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,x",
            "/relative",
            "vbscript:x",
            "",
        ] {
            assert_eq!(safe_href(bad), None, "{bad}");
        }
    }

    #[test]
    fn slugs_cannot_escape_a_directory() {
        assert_eq!(slug("../../etc/passwd"), "_.._.._etc_passwd");
        assert_eq!(slug(""), "_");
        assert_eq!(slug("chaton-1"), "chaton-1");
    }
}
