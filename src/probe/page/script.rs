//! Tracker snippets and URL literals in inline scripts.
//!
//! Inline scripts are not run. The well-known tracker snippets (Google Analytics and gtag,
//! Google Tag Manager, the Facebook pixel, Matomo/Piwik, Hotjar, Plausible, Umami…) are
//! recognised by their fixed text, and the script they load is recorded under a canonical URL
//! (built from the tracking ID when the snippet assembles the URL at run time). URL literals in
//! other inline scripts are recorded as not loaded automatically: a string is not a request.

/// Cap on URL literals taken from one inline script.
pub const MAX_LITERALS: usize = 200;

/// A URL found in an inline script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptRef {
    /// The URL as written or built (possibly protocol-relative; the caller resolves it).
    pub url: String,
    /// The snippet recognised, if the script is a known tracker snippet.
    pub snippet: Option<&'static str>,
}

/// Known snippets: (kind, any of these markers).
const SNIPPETS: &[(&str, &[&str])] = &[
    (
        "google-tag-manager",
        &["googletagmanager.com/gtm.js", "gtm.start"],
    ),
    (
        "google-analytics",
        &[
            "gtag(",
            "google-analytics.com/analytics.js",
            "google-analytics.com/ga.js",
            "GoogleAnalyticsObject",
        ],
    ),
    ("facebook-pixel", &["fbq(", "connect.facebook.net"]),
    (
        "matomo",
        &["_paq", "piwik.js", "matomo.js", "matomo.php", "piwik.php"],
    ),
    ("hotjar", &["static.hotjar.com", "_hjSettings"]),
    ("plausible", &["plausible.io/js", "window.plausible"]),
    ("umami", &["umami.is", "data-website-id", "umami.track"]),
    ("microsoft-clarity", &["clarity.ms/tag"]),
    (
        "linkedin-insight",
        &["snap.licdn.com", "_linkedin_partner_id"],
    ),
    ("tiktok-pixel", &["analytics.tiktok.com", "ttq.load"]),
    ("yandex-metrica", &["mc.yandex.ru/metrika"]),
    ("xiti", &["xiti.com", "ATInternet"]),
];

/// Finds the snippets and URL literals in one inline script.
pub fn scan_script(text: &str) -> Vec<ScriptRef> {
    let kinds: Vec<&'static str> = SNIPPETS
        .iter()
        .filter(|(_, markers)| markers.iter().any(|m| text.contains(m)))
        .map(|(kind, _)| *kind)
        .collect();
    let mut refs = Vec::new();
    for kind in &kinds {
        match *kind {
            "google-tag-manager" => {
                for id in ids(text, "GTM-", IdShape::Alnum) {
                    refs.push(canonical(
                        format!("https://www.googletagmanager.com/gtm.js?id={id}"),
                        kind,
                    ));
                }
            }
            "google-analytics" => {
                let mut any = false;
                if text.contains("gtag(") {
                    for prefix in ["G-", "AW-", "UA-"] {
                        let shape = if prefix == "UA-" {
                            IdShape::Ua
                        } else {
                            IdShape::Alnum
                        };
                        for id in ids(text, prefix, shape) {
                            refs.push(canonical(
                                format!("https://www.googletagmanager.com/gtag/js?id={id}"),
                                kind,
                            ));
                            any = true;
                        }
                    }
                }
                if !any {
                    refs.push(canonical(
                        "https://www.google-analytics.com/analytics.js".into(),
                        kind,
                    ));
                }
            }
            "facebook-pixel" => {
                refs.push(canonical(
                    "https://connect.facebook.net/en_US/fbevents.js".into(),
                    kind,
                ));
            }
            _ => {}
        }
    }
    // Literals: in a snippet script they are what the snippet loads (Matomo's tracker base,
    // Hotjar's script…); elsewhere they are only candidates.
    let snippet = kinds.first().copied();
    for literal in url_literals(text).take(MAX_LITERALS) {
        if !refs.iter().any(|r| r.url == literal) {
            refs.push(ScriptRef {
                url: literal.to_owned(),
                snippet,
            });
        }
    }
    refs
}

fn canonical(url: String, kind: &'static str) -> ScriptRef {
    ScriptRef {
        url,
        snippet: Some(kind),
    }
}

#[derive(Clone, Copy)]
enum IdShape {
    /// `G-XXXXXXX`, `GTM-XXXXX`, `AW-123`: upper-case letters and digits.
    Alnum,
    /// `UA-1234-5`: digits, a dash, digits.
    Ua,
}

/// Distinct tracking IDs starting with `prefix` (at most 10).
fn ids<'a>(text: &'a str, prefix: &str, shape: IdShape) -> Vec<&'a str> {
    let mut found: Vec<&str> = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find(prefix) {
        let start = from + at;
        from = start + prefix.len();
        // The prefix must start a token: `XG-1` is not an ID.
        if start > 0 && text.as_bytes()[start - 1].is_ascii_alphanumeric() {
            continue;
        }
        let body = &text.as_bytes()[from..];
        let len = match shape {
            IdShape::Alnum => body
                .iter()
                .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                .count(),
            IdShape::Ua => {
                let first = body.iter().take_while(|b| b.is_ascii_digit()).count();
                let second = if body.get(first) == Some(&b'-') {
                    body[first + 1..]
                        .iter()
                        .take_while(|b| b.is_ascii_digit())
                        .count()
                } else {
                    0
                };
                if first > 0 && second > 0 {
                    first + 1 + second
                } else {
                    0
                }
            }
        };
        if (3..=20).contains(&len) {
            let id = &text[start..from + len];
            if !found.contains(&id) {
                found.push(id);
            }
            if found.len() >= 10 {
                break;
            }
        }
    }
    found
}

/// Quoted strings that look like absolute or protocol-relative URLs.
fn url_literals(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            let quote = bytes[i];
            i += 1;
            if !matches!(quote, b'"' | b'\'' | b'`') {
                continue;
            }
            let start = i;
            let rest = &bytes[start..];
            let looks_like_url = rest.starts_with(b"https://")
                || rest.starts_with(b"http://")
                || (rest.starts_with(b"//")
                    && rest.get(2).is_some_and(|b| b.is_ascii_alphanumeric()));
            if !looks_like_url {
                continue;
            }
            // A URL literal is short and has no whitespace; give up on anything else.
            let end = rest
                .iter()
                .take(2048)
                .position(|&b| b == quote || b.is_ascii_whitespace() || b == b'\\');
            match end {
                Some(len) if rest[len] == quote => {
                    i = start + len + 1;
                    return Some(&text[start..start + len]);
                }
                _ => continue,
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, Option<&'static str>)> {
        scan_script(text)
            .into_iter()
            .map(|r| (r.url, r.snippet))
            .collect()
    }

    #[test]
    fn gtag_snippet_yields_the_tag_url_with_its_measurement_id() {
        let text = "window.dataLayer = window.dataLayer || [];\nfunction gtag(){dataLayer.push(arguments);}\ngtag('js', new Date());\ngtag('config', 'G-AB12CD34EF');";
        assert_eq!(
            found(text),
            vec![(
                "https://www.googletagmanager.com/gtag/js?id=G-AB12CD34EF".into(),
                Some("google-analytics")
            )]
        );
    }

    #[test]
    fn tag_manager_snippet_yields_the_container_url() {
        let text = "(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],j=d.createElement(s);j.async=true;j.src='https://www.googletagmanager.com/gtm.js?id='+i;f.parentNode.insertBefore(j,f);})(window,document,'script','dataLayer','GTM-K9X2ZQ');";
        let refs = found(text);
        assert!(
            refs.contains(&(
                "https://www.googletagmanager.com/gtm.js?id=GTM-K9X2ZQ".into(),
                Some("google-tag-manager")
            )),
            "{refs:?}"
        );
    }

    #[test]
    fn matomo_snippet_yields_its_tracker_base() {
        let text = "var _paq = window._paq = window._paq || [];\n_paq.push(['trackPageView']);\n(function() { var u=\"//stats.other.test/\"; _paq.push(['setTrackerUrl', u+'matomo.php']); })();";
        assert_eq!(
            found(text),
            vec![("//stats.other.test/".into(), Some("matomo"))]
        );
    }

    #[test]
    fn facebook_pixel_snippet_yields_fbevents() {
        let refs = found(
            "!function(f,b,e,v,n,t,s){}(window, document,'script','https://connect.facebook.net/en_US/fbevents.js');fbq('init', '123');",
        );
        assert_eq!(
            refs,
            vec![(
                "https://connect.facebook.net/en_US/fbevents.js".into(),
                Some("facebook-pixel")
            )]
        );
    }

    #[test]
    fn plain_scripts_yield_only_unattributed_literals() {
        assert_eq!(
            found(
                "const api = 'https://api.example.test/v1'; const x = \"not a url\"; let y = 'http://bad url';"
            ),
            vec![("https://api.example.test/v1".into(), None)]
        );
        assert!(found("console.log('G-NOTANID')").is_empty());
    }
}
