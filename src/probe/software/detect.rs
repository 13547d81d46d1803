//! The generic interpreters of detection rules: pure functions from one response to the
//! detections its rules allow. No product is named here; the rules are data
//! (`checks/data/software-detection.yaml`).

use lol_html::{HtmlRewriter, Settings, element};
use serde_json::Value;

use crate::catalogue::software::{self as catalogue, DetectionRule, Matcher, Strength};
use crate::observation::software::Detection;

/// Longest value kept from a response (version, product name, signal), in characters: hostile
/// servers may send megabytes where a version belongs.
pub const MAX_VALUE_CHARS: usize = 80;
/// Most `<meta>` tags and assets kept from one page.
const MAX_HTML_ITEMS: usize = 512;

/// One response, as the interpreters see it.
#[derive(Debug, Clone, Copy)]
pub struct Response<'a> {
    /// The URL requested.
    pub url: &'a str,
    /// Final status.
    pub status: u16,
    /// Final headers, names lower-cased.
    pub headers: &'a [(String, String)],
    /// The (capped) body.
    pub body: &'a [u8],
    /// The body was cut at the cap.
    pub truncated: bool,
}

/// Facts read from an HTML page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HtmlFacts {
    /// `<meta>` tags as (`name` or `property`, lower-cased; `content`).
    pub metas: Vec<(String, String)>,
    /// `script src` and `link href` values.
    pub assets: Vec<String>,
}

/// Reads `<meta>` tags and asset references with a streaming tokenizer (bounded memory on
/// hostile HTML).
pub fn scan_html(body: &[u8]) -> Result<HtmlFacts, String> {
    let facts = std::cell::RefCell::new(HtmlFacts::default());
    {
        let mut rewriter = HtmlRewriter::new(
            Settings::new()
                .append_element_content_handler(element!("meta[content]", |el| {
                    let mut f = facts.borrow_mut();
                    if f.metas.len() < MAX_HTML_ITEMS {
                        let key = el
                            .get_attribute("name")
                            .or_else(|| el.get_attribute("property"));
                        if let (Some(key), Some(content)) = (key, el.get_attribute("content")) {
                            f.metas.push((key.to_ascii_lowercase(), content));
                        }
                    }
                    Ok(())
                }))
                .append_element_content_handler(element!("script[src], link[href]", |el| {
                    let mut f = facts.borrow_mut();
                    if f.assets.len() < MAX_HTML_ITEMS {
                        if let Some(v) =
                            el.get_attribute("src").or_else(|| el.get_attribute("href"))
                        {
                            f.assets.push(v);
                        }
                    }
                    Ok(())
                })),
            |_: &[u8]| {},
        );
        for chunk in body.chunks(64 * 1024) {
            rewriter
                .write(chunk)
                .map_err(|e| format!("HTML could not be read: {e}"))?;
        }
        rewriter
            .end()
            .map_err(|e| format!("HTML could not be read: {e}"))?;
    }
    Ok(facts.into_inner())
}

/// Parses a JSON body defensively: a truncated or invalid body is an error message (serde_json
/// also bounds nesting depth), never a panic.
pub fn parse_json(body: &[u8], truncated: bool) -> Result<Value, String> {
    if truncated {
        return Err("JSON body larger than the cap, not parsed".into());
    }
    serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))
}

/// The value at a dotted path (`server.version`, `links.0.href`; empty for the root).
pub fn json_at<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    if path.is_empty() {
        return Some(value);
    }
    path.split('.').try_fold(value, |v, key| match v {
        Value::Object(map) => map.get(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

/// A JSON value as text: strings as they are, numbers and booleans printed; containers exist
/// but have no text (empty string); null is absent.
pub fn json_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(_) | Value::Object(_) => Some(String::new()),
    }
}

fn is_version_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '~')
}

/// Matches `pattern` in `value`, ASCII case-insensitively. `None`: no match. `Some(None)`:
/// matched, no version captured. `Some(Some(v))`: matched and captured `{version}`. No pattern
/// matches any value.
pub fn match_pattern(pattern: Option<&str>, value: &str) -> Option<Option<String>> {
    let Some(pattern) = pattern else {
        return Some(None);
    };
    let haystack = value.to_ascii_lowercase();
    let Some((prefix, suffix)) = pattern.split_once("{version}") else {
        return haystack
            .contains(&pattern.to_ascii_lowercase())
            .then_some(None);
    };
    let (prefix, suffix) = (prefix.to_ascii_lowercase(), suffix.to_ascii_lowercase());
    let mut from = 0;
    while from <= haystack.len() {
        let start = if prefix.is_empty() {
            // Only try at the start of a token, so the search stays linear.
            let rest = &haystack[from..];
            let offset = rest.find(is_version_char)?;
            let at = from + offset;
            if at > 0
                && haystack[..at]
                    .chars()
                    .next_back()
                    .is_some_and(is_version_char)
            {
                from = at
                    + rest[offset..]
                        .find(|c| !is_version_char(c))
                        .unwrap_or(rest.len() - offset);
                continue;
            }
            at
        } else {
            from + haystack[from..].find(&prefix)? + prefix.len()
        };
        let token_len = haystack[start..]
            .find(|c| !is_version_char(c))
            .unwrap_or(haystack.len() - start);
        let end = start + token_len;
        if token_len > 0 && haystack[end..].starts_with(&suffix) {
            // ASCII lower-casing keeps byte offsets, so the original casing can be returned.
            return Some(Some(clip(&value[start..end])));
        }
        from = if prefix.is_empty() {
            end.max(start + 1)
        } else {
            start
        };
        while from < haystack.len() && !haystack.is_char_boundary(from) {
            from += 1;
        }
    }
    None
}

/// A value cut to [`MAX_VALUE_CHARS`], control characters removed.
pub fn clip(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_VALUE_CHARS)
        .collect()
}

/// Lazily parsed views of one response, so each is computed at most once.
struct Views<'a> {
    response: Response<'a>,
    json: Option<Result<Value, String>>,
    html: Option<Result<HtmlFacts, String>>,
    problems: Vec<String>,
}

impl<'a> Views<'a> {
    fn values(&mut self, m: &Matcher) -> Vec<String> {
        if let Some(path) = &m.json {
            let response = self.response;
            let json = self
                .json
                .get_or_insert_with(|| parse_json(response.body, response.truncated));
            return match json {
                Ok(v) => json_at(v, path).and_then(json_text).into_iter().collect(),
                Err(e) => {
                    push_once(&mut self.problems, format!("{}: {e}", self.response.url));
                    Vec::new()
                }
            };
        }
        if let Some(name) = &m.header {
            return self
                .response
                .headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
                .collect();
        }
        if m.body {
            return vec![String::from_utf8_lossy(self.response.body).into_owned()];
        }
        let body = self.response.body;
        let html = self.html.get_or_insert_with(|| scan_html(body));
        let facts = match html {
            Ok(facts) => facts,
            Err(e) => {
                push_once(&mut self.problems, format!("{}: {e}", self.response.url));
                return Vec::new();
            }
        };
        if let Some(name) = &m.meta {
            let name = name.to_ascii_lowercase();
            return facts
                .metas
                .iter()
                .filter(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
                .collect();
        }
        if let Some(asset) = &m.asset {
            let asset = asset.to_ascii_lowercase();
            return facts
                .assets
                .iter()
                .filter(|v| {
                    v.split('?')
                        .next()
                        .is_some_and(|p| p.to_ascii_lowercase().contains(&asset))
                })
                .cloned()
                .collect();
        }
        Vec::new()
    }

    /// The first value matching, with its capture.
    fn find(&mut self, m: &Matcher) -> Option<(String, Option<String>)> {
        self.values(m)
            .into_iter()
            .find_map(|v| match_pattern(m.pattern.as_deref(), &v).map(|captured| (v, captured)))
    }
}

fn push_once(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Applies `rules` (all meant for this response's path) to one response. Returns the
/// detections and the problems met reading the body (invalid JSON, unreadable HTML).
pub fn apply_rules<'r>(
    rules: impl IntoIterator<Item = &'r DetectionRule>,
    response: Response<'_>,
) -> (Vec<Detection>, Vec<String>) {
    let mut views = Views {
        response,
        json: None,
        html: None,
        problems: Vec::new(),
    };
    let mut found: Vec<Detection> = Vec::new();
    if !(200..300).contains(&response.status) {
        return (found, Vec::new());
    }
    for rule in rules {
        let Some(detection) = apply_rule(rule, &mut views) else {
            continue;
        };
        if !found
            .iter()
            .any(|d| d.product == detection.product && d.url == detection.url)
        {
            found.push(detection);
        }
    }
    (found, views.problems)
}

fn apply_rule(rule: &DetectionRule, views: &mut Views<'_>) -> Option<Detection> {
    let mut signals = Vec::new();
    for m in &rule.when {
        let (value, _) = views.find(m)?;
        signals.push(signal(m, &value));
    }
    for m in &rule.unless {
        if views.find(m).is_some() {
            return None;
        }
    }
    let (product, in_catalogue) = match (&rule.name, &rule.product) {
        (Some(m), _) => {
            let (value, captured) = views.find(m)?;
            let named = clip(captured.as_deref().unwrap_or(value.trim()));
            if named.is_empty() {
                return None;
            }
            signals.insert(0, signal(m, &value));
            match catalogue::lookup(&named) {
                Some(p) => (p.name.clone(), true),
                None => (named, false),
            }
        }
        (None, Some(product)) => (product.clone(), true),
        (None, None) => return None,
    };
    let mut version = None;
    if let Some(m) = &rule.version {
        if let Some((value, captured)) = views.find(m) {
            let v = clip(captured.as_deref().unwrap_or(value.trim()));
            if !v.is_empty() {
                if rule.when.is_empty() && rule.name.is_none() {
                    signals.push(signal(m, &value));
                }
                version = Some(v);
            }
        }
    }
    if signals.is_empty() {
        // A rule with only a version matcher matches when the version is there.
        let m = rule.version.as_ref()?;
        version.as_ref()?;
        signals.push(m.describe());
    }
    Some(Detection {
        product,
        in_catalogue,
        version,
        version_kind: rule.version_kind,
        url: views.response.url.to_string(),
        signal: signals.join("; "),
        strength: rule.strength,
    })
}

fn signal(m: &Matcher, value: &str) -> String {
    if value.is_empty() || m.body {
        match &m.pattern {
            Some(p) => format!(
                "{} contains {:?}",
                m.describe(),
                p.replace("{version}", "…")
            ),
            None => m.describe(),
        }
    } else {
        format!("{} = {:?}", m.describe(), clip(value))
    }
}

/// The NodeInfo schema links of a `/.well-known/nodeinfo` document, highest schema version
/// first, as (version, href).
pub fn nodeinfo_links(doc: &Value) -> Vec<(String, String)> {
    const REL: &str = "http://nodeinfo.diaspora.software/ns/schema/";
    let mut links: Vec<(String, String)> = json_at(doc, "links")
        .and_then(Value::as_array)
        .map(|links| {
            links
                .iter()
                .take(32)
                .filter_map(|l| {
                    let rel = l.get("rel")?.as_str()?;
                    let version = rel.strip_prefix(REL)?.trim_end_matches('/');
                    let href = l.get("href")?.as_str()?;
                    Some((clip(version), href.chars().take(2048).collect()))
                })
                .collect()
        })
        .unwrap_or_default();
    links.sort_by(|a, b| compare_versions(&b.0, &a.0));
    links
}

/// The detection a NodeInfo document gives (`software.name`, `software.version`): strong,
/// since the server names its software explicitly.
pub fn nodeinfo_detection(doc: &Value, url: &str) -> Option<Detection> {
    let name = json_at(doc, "software.name")
        .and_then(Value::as_str)
        .map(clip)?;
    if name.trim().is_empty() {
        return None;
    }
    let version = json_at(doc, "software.version")
        .and_then(json_text)
        .map(|v| clip(&v))
        .filter(|v| !v.is_empty());
    let (product, in_catalogue) = match catalogue::lookup(&name) {
        Some(p) => (p.name.clone(), true),
        None => (name.clone(), false),
    };
    Some(Detection {
        product,
        in_catalogue,
        version,
        version_kind: Default::default(),
        url: url.to_string(),
        signal: format!("nodeinfo software.name = {name:?}"),
        strength: Strength::Strong,
    })
}

/// Compares dotted versions numerically where both parts are numbers, as text otherwise.
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |s: &str| {
        s.split(['.', '-', '+'])
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let (a, b) = (parts(a), parts(b));
    for (x, y) in a.iter().zip(&b) {
        let order = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            _ => x.cmp(y),
        };
        if order.is_ne() {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_capture_versions_case_insensitively() {
        assert_eq!(
            match_pattern(Some("WordPress {version}"), "WordPress 6.4.2"),
            Some(Some("6.4.2".into()))
        );
        assert_eq!(
            match_pattern(Some("wordpress"), "WordPress 6.4.2"),
            Some(None)
        );
        assert_eq!(match_pattern(Some("Ghost"), "WordPress"), None);
        assert_eq!(
            match_pattern(
                Some("Pixelfed {version}"),
                "3.5.3 (compatible; Pixelfed 0.12.3)"
            ),
            Some(Some("0.12.3".into()))
        );
        assert_eq!(
            match_pattern(Some("{version}+gitea"), "9.0.3+gitea-1.22.0"),
            Some(Some("9.0.3".into()))
        );
        assert_eq!(match_pattern(Some("{version}+gitea"), "1.22.0"), None);
        assert_eq!(
            match_pattern(Some("privatebin.js?{version}"), "js/privatebin.js?1.7.1"),
            Some(Some("1.7.1".into()))
        );
        assert_eq!(
            match_pattern(Some("Discourse {version}"), "Discourse "),
            None,
            "an empty token is no version"
        );
        assert_eq!(match_pattern(None, "anything"), Some(None));
    }

    #[test]
    fn patterns_survive_multibyte_text_and_huge_values() {
        assert_eq!(
            match_pattern(Some("<title>Galène</title>"), "<TITLE>Galène</TITLE>"),
            Some(None)
        );
        assert_eq!(
            match_pattern(Some("{version}"), "ééé 1.2 ü"),
            Some(Some("1.2".into()))
        );
        let huge = format!("Sympa {}", "9".repeat(1_000_000));
        let v = match_pattern(Some("Sympa {version}"), &huge)
            .flatten()
            .expect("captured");
        assert_eq!(v.len(), MAX_VALUE_CHARS);
        let spaces = " ".repeat(200_000);
        assert_eq!(match_pattern(Some("{version}"), &spaces), None);
    }

    #[test]
    fn json_paths_walk_objects_and_arrays() {
        let v: Value = serde_json::json!({"server": {"name": "Synapse", "version": "1.98"}, "links": [{"href": "x"}], "n": 3});
        assert_eq!(
            json_at(&v, "server.version").and_then(json_text),
            Some("1.98".into())
        );
        assert_eq!(
            json_at(&v, "links.0.href").and_then(json_text),
            Some("x".into())
        );
        assert_eq!(json_at(&v, "n").and_then(json_text), Some("3".into()));
        assert!(json_at(&v, "server.version.more").is_none());
        assert!(json_at(&v, "links.x").is_none());
    }

    #[test]
    fn hostile_json_is_an_error_not_a_panic() {
        let deep = "[".repeat(100_000);
        assert!(parse_json(deep.as_bytes(), false).is_err());
        assert!(parse_json(b"{\"version\": \"1\"", false).is_err());
        assert!(
            parse_json(b"{}", true).is_err(),
            "a truncated body is not parsed"
        );
        assert!(parse_json(&[0xff, 0xfe, 0x00], false).is_err());
    }

    #[test]
    fn html_scan_reads_metas_and_assets() {
        let html = br#"<html><head><meta name="Generator" content="WordPress 6.4.2">
            <meta property="og:platform" content="PeerTube"><script src="js/privatebin.js?1.7.1"></script>
            <link rel="stylesheet" href="css/privatebin.css?1.7.1"></head></html>"#;
        let facts = scan_html(html).expect("scans");
        assert!(
            facts
                .metas
                .contains(&("generator".into(), "WordPress 6.4.2".into()))
        );
        assert!(
            facts
                .metas
                .contains(&("og:platform".into(), "PeerTube".into()))
        );
        assert_eq!(
            facts.assets,
            vec!["js/privatebin.js?1.7.1", "css/privatebin.css?1.7.1"]
        );
    }

    #[test]
    fn malformed_html_stays_bounded() {
        let mut html = String::new();
        for i in 0..20_000 {
            html.push_str(&format!(
                "<div><b><i><meta name=\"m{i}\" content=\"x\"><link rel=\"x\" href=\"a{i}.css\">"
            ));
        }
        let facts = scan_html(html.as_bytes()).expect("scans");
        assert_eq!(facts.metas.len(), MAX_HTML_ITEMS);
        assert_eq!(facts.assets.len(), MAX_HTML_ITEMS);
    }

    #[test]
    fn nodeinfo_links_prefer_the_highest_schema() {
        let doc = serde_json::json!({"links": [
            {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": "https://a/2.0"},
            {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": "https://a/2.1"},
            {"rel": "https://example.org/other", "href": "https://a/x"},
            {"rel": "http://nodeinfo.diaspora.software/ns/schema/1.10", "href": "https://a/1.10"}
        ]});
        let links = nodeinfo_links(&doc);
        assert_eq!(links[0], ("2.1".to_string(), "https://a/2.1".to_string()));
        assert_eq!(links.len(), 3);
        assert!(nodeinfo_links(&serde_json::json!({"links": "nope"})).is_empty());
    }

    #[test]
    fn versions_compare_numerically() {
        use std::cmp::Ordering::*;
        assert_eq!(compare_versions("4.10.0", "4.9.2"), Greater);
        assert_eq!(compare_versions("30.0.4", "30.0.4"), Equal);
        assert_eq!(compare_versions("2.0", "2.1"), Less);
    }
}
