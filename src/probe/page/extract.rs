//! The HTML scan: every URL a page makes a browser load or follow on its own.
//!
//! lol_html tokenises the page in one streaming pass with bounded memory; a shared state
//! carries what a streaming parser cannot look back at: the `<base>` seen so far (it applies
//! to elements after it), whether we are inside `<template>`, the inline script or style being
//! read. Comments and `<noscript>` contents are raw text to lol_html; they are kept (bounded)
//! and scanned after the page with a second pass that tags everything they hold with their
//! context.

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;

use encoding_rs::Encoding;
use lol_html::html_content::Element;
use lol_html::{HtmlRewriter, MemorySettings, Settings, doc_comments, element, end_tag, text};
use url::Url;

use super::css::{CssRefKind, extract_css};
use super::script::scan_script;
use super::text::{decode_entities, refresh_target, srcset_urls};
use crate::observation::page::{PageResources, Resource, ResourceContext};

/// Cap on the distinct resources recorded per page; [`PageResources::truncated`] says when it
/// was reached.
pub const MAX_RESOURCES: usize = 5_000;
/// Cap on the text kept from one inline script or style block.
const MAX_INLINE_TEXT: usize = 512 * 1024;
/// Cap on comment and `<noscript>` text kept for the second pass, for the whole page.
const MAX_DEFERRED_TEXT: usize = 2 * 1024 * 1024;
/// Cap on the title, in bytes.
const MAX_TITLE: usize = 1_024;
/// Cap on the `<meta>` Content-Security-Policy and referrer elements recorded per page, each.
pub const MAX_META: usize = 16;
/// Cap on the length of a recorded `<meta>` Content-Security-Policy, in bytes; a longer one is
/// left out (a cut policy would be judged on directives it does not have).
pub const MAX_META_CSP: usize = 16 * 1024;
/// Cap on the length of a recorded `<meta name="referrer">` content: no valid policy is longer.
const MAX_META_REFERRER: usize = 256;
/// Elements the HTML tree builder puts in the head when they come before any body content;
/// any other element starts the body, after which a `<meta>` policy is no longer in the head.
const HEAD_TAGS: &[&str] = &[
    "html", "head", "meta", "link", "title", "base", "script", "style", "noscript", "template",
    "basefont", "bgsound", "noframes",
];
/// lol_html's own buffers (a tag split across chunks, a huge attribute, the stack of open
/// elements: 100 000 nested elements need about 20 MB) may not grow beyond.
const PARSER_MEMORY: usize = 64 * 1024 * 1024;
/// Chunk size fed to the parser.
const CHUNK: usize = 64 * 1024;

/// Elements whose attributes may reference URLs; `[style]` catches inline CSS on any element.
const SELECTOR: &str = "base, script, link, img, source, iframe, frame, video, audio, track, \
                        object, embed, input, form, meta, template, style, body, table, td, th, [style]";

/// Script types a browser runs (the HTML spec's JavaScript MIME type essences, and `module`).
const JS_TYPES: &[&str] = &[
    "",
    "module",
    "text/javascript",
    "application/javascript",
    "application/ecmascript",
    "application/x-ecmascript",
    "application/x-javascript",
    "text/ecmascript",
    "text/javascript1.0",
    "text/javascript1.1",
    "text/javascript1.2",
    "text/javascript1.3",
    "text/javascript1.4",
    "text/javascript1.5",
    "text/jscript",
    "text/livescript",
    "text/x-ecmascript",
    "text/x-javascript",
];

/// `link rel` tokens that make a browser contact the target on its own.
const LOADING_RELS: &[&str] = &[
    "stylesheet",
    "preload",
    "prefetch",
    "modulepreload",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "apple-touch-icon-precomposed",
    "mask-icon",
    "manifest",
    "dns-prefetch",
    "preconnect",
    "prerender",
];

/// Scans `body`, served at `page_url` with `content_type`, for every http(s) resource it
/// references. Pure and bounded: linear time, memory capped, never panics on any input.
pub fn extract(body: &[u8], page_url: &Url, content_type: Option<&str>) -> PageResources {
    let encoding = pick_encoding(body, content_type);
    let (text, _, _) = encoding.decode(body);
    let mut collector = Collector::default();
    let mut notes = Vec::new();
    let outcome = run(
        text.as_bytes(),
        page_url,
        page_url.clone(),
        None,
        &mut collector,
    );
    if let Some(error) = outcome.error {
        notes.push(format!("the HTML parser stopped early: {error}"));
    }
    for deferred in outcome.deferred {
        let nested = run(
            deferred.text.as_bytes(),
            page_url,
            deferred.base,
            Some(deferred.context),
            &mut collector,
        );
        if let Some(error) = nested.error {
            notes.push(format!(
                "the HTML parser stopped early in {}: {error}",
                deferred.context.as_str()
            ));
        }
    }
    if outcome.meta.csp_dropped > 0 {
        notes.push(format!(
            "{} <meta> Content-Security-Policy element(s) beyond the caps ({MAX_META} policies, \
             {MAX_META_CSP} bytes each) were not recorded",
            outcome.meta.csp_dropped
        ));
    }
    if outcome.meta.referrer_dropped > 0 {
        notes.push(format!(
            "{} <meta name=\"referrer\"> element(s) were not recorded (only the last {MAX_META} \
             are kept, each at most {MAX_META_REFERRER} bytes)",
            outcome.meta.referrer_dropped
        ));
    }
    if outcome.deferred_dropped {
        notes.push("comments and <noscript> text beyond the cap were not scanned".to_owned());
    }
    PageResources {
        url: page_url.to_string(),
        title: outcome.title,
        truncated: collector.truncated,
        resources: collector.resources,
        stylesheets_scanned: Vec::new(),
        filter_lists: Vec::new(),
        meta_csp: outcome.meta.csp,
        meta_referrer: outcome.meta.referrer,
        notes,
    }
}

/// Resolves a reference against `base`; only http(s) URLs are kept (`javascript:`, `data:`,
/// `mailto:`, `about:`, `blob:` and anything unparseable are dropped).
pub(crate) fn resolve(base: &Url, raw: &str) -> Option<Url> {
    let raw = raw.trim();
    if raw.is_empty() || raw.starts_with('#') {
        return None;
    }
    let url = base.join(raw).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// The charset: byte-order mark, then the Content-Type header, then a `<meta>` in the first
/// 1024 bytes, then UTF-8 (what nearly every page uses today).
fn pick_encoding(body: &[u8], content_type: Option<&str>) -> &'static Encoding {
    if let Some((encoding, _)) = Encoding::for_bom(body) {
        return encoding;
    }
    let from_header = content_type.and_then(|ct| charset_param(ct.as_bytes()));
    let from_meta = || charset_param(&body[..body.len().min(1024)]);
    let label = from_header.or_else(from_meta);
    match label.and_then(Encoding::for_label_no_replacement) {
        // A `<meta>` cannot honestly declare UTF-16 (the bytes would not be ASCII): the HTML
        // spec reads it as UTF-8, and so do we.
        Some(encoding) if encoding.is_ascii_compatible() || from_header.is_some() => encoding,
        _ => encoding_rs::UTF_8,
    }
}

/// The value after the first `charset=` in `bytes`, without quotes.
fn charset_param(bytes: &[u8]) -> Option<&[u8]> {
    let at = bytes
        .windows(8)
        .position(|w| w.eq_ignore_ascii_case(b"charset="))?;
    let rest = &bytes[at + 8..];
    let rest = rest
        .strip_prefix(b"\"")
        .or_else(|| rest.strip_prefix(b"'"))
        .unwrap_or(rest);
    let len = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || b"-_:.".contains(b)))
        .unwrap_or(rest.len());
    (len > 0).then(|| &rest[..len])
}

/// Distinct resources in document order, capped.
#[derive(Default)]
struct Collector {
    resources: Vec<Resource>,
    seen: HashSet<(String, String, Option<ResourceContext>, bool)>,
    truncated: bool,
}

impl Collector {
    fn push(&mut self, resource: Resource) {
        if self.truncated {
            return;
        }
        let key = (
            resource.url.clone(),
            resource.element.clone(),
            resource.context,
            resource.loads_automatically,
        );
        if self.seen.contains(&key) {
            return;
        }
        if self.resources.len() >= MAX_RESOURCES {
            self.truncated = true;
            return;
        }
        self.seen.insert(key);
        self.resources.push(resource);
    }
}

/// Text kept for the second pass.
struct Deferred {
    text: String,
    base: Url,
    context: ResourceContext,
}

/// The `<meta>` policies found, with how many the caps left out.
#[derive(Default)]
struct MetaPolicies {
    csp: Vec<String>,
    csp_dropped: usize,
    referrer: Vec<String>,
    referrer_dropped: usize,
}

impl MetaPolicies {
    fn add_csp(&mut self, content: String) {
        if self.csp.len() >= MAX_META || content.len() > MAX_META_CSP {
            self.csp_dropped += 1;
        } else {
            self.csp.push(content);
        }
    }

    /// The last valid referrer policy wins: when full, the oldest is dropped.
    fn add_referrer(&mut self, content: String) {
        if content.len() > MAX_META_REFERRER {
            self.referrer_dropped += 1;
            return;
        }
        if self.referrer.len() >= MAX_META {
            self.referrer.remove(0);
            self.referrer_dropped += 1;
        }
        self.referrer.push(content);
    }
}

struct Outcome {
    title: Option<String>,
    meta: MetaPolicies,
    deferred: Vec<Deferred>,
    deferred_dropped: bool,
    error: Option<String>,
}

/// The inline script being read.
struct InlineScript {
    /// Whether its text is worth scanning (JavaScript or a consent-gated script).
    scan: bool,
    gated: bool,
    text: String,
}

struct State {
    base: Url,
    base_seen: bool,
    /// Context forced on everything (second pass over a comment or `<noscript>`).
    fixed: Option<ResourceContext>,
    template_depth: u32,
    /// An element that starts the body was seen: a `<meta>` policy after it is not applied.
    in_body: bool,
    meta: MetaPolicies,
    script: Option<InlineScript>,
    style: Option<String>,
    title: Option<String>,
    title_done: bool,
    noscript: String,
    deferred: Vec<Deferred>,
    deferred_bytes: usize,
    deferred_dropped: bool,
    collector: Collector,
}

impl State {
    fn context(&self) -> Option<ResourceContext> {
        self.fixed
            .or((self.template_depth > 0).then_some(ResourceContext::Template))
    }

    /// Records `raw` (relative to the current base) found on `element`.
    fn add(
        &mut self,
        raw: &str,
        element: &str,
        loads: bool,
        context: Option<ResourceContext>,
        snippet: Option<&str>,
    ) {
        let Some(url) = resolve(&self.base, raw) else {
            return;
        };
        let inert = matches!(
            context,
            Some(
                ResourceContext::HtmlComment
                    | ResourceContext::Template
                    | ResourceContext::ConsentGated
            )
        );
        let mut resource = Resource::new(url.as_str(), element, loads && !inert);
        resource.context = context;
        resource.snippet = snippet.map(str::to_owned);
        self.collector.push(resource);
    }

    fn add_here(&mut self, raw: &str, element: &str, loads: bool) {
        let context = self.context();
        self.add(raw, element, loads, context, None);
    }

    fn defer(&mut self, text: String, context: ResourceContext) {
        if self.fixed.is_some() {
            // Only one level: a comment inside <noscript> is simply not loaded.
            return;
        }
        if self.deferred_bytes + text.len() > MAX_DEFERRED_TEXT {
            self.deferred_dropped = true;
            return;
        }
        self.deferred_bytes += text.len();
        let base = self.base.clone();
        self.deferred.push(Deferred {
            text,
            base,
            context,
        });
    }

    fn css(&mut self, css: &str, element_import: &str, element_url: &str) {
        let context = self.context();
        for css_ref in extract_css(css, &self.base) {
            let element = match css_ref.kind {
                CssRefKind::Import => element_import,
                CssRefKind::Url => element_url,
            };
            self.add(css_ref.url.as_str(), element, true, context, None);
        }
    }
}

fn run(
    html: &[u8],
    page: &Url,
    base: Url,
    fixed: Option<ResourceContext>,
    collector: &mut Collector,
) -> Outcome {
    let state = Rc::new(RefCell::new(State {
        base,
        base_seen: false,
        fixed,
        template_depth: 0,
        in_body: false,
        meta: MetaPolicies::default(),
        script: None,
        style: None,
        title: None,
        title_done: fixed.is_some(),
        noscript: String::new(),
        deferred: Vec::new(),
        deferred_bytes: 0,
        deferred_dropped: false,
        collector: std::mem::take(collector),
    }));
    let error = {
        let (s0, s1, s2, s3, s4, s5, s6) = (
            state.clone(),
            state.clone(),
            state.clone(),
            state.clone(),
            state.clone(),
            state.clone(),
            state.clone(),
        );
        let page = page.clone();
        let settings = Settings::new()
            .with_strict(false)
            .with_memory_settings(
                MemorySettings::new().with_max_allowed_memory_usage(PARSER_MEMORY),
            )
            .append_element_content_handler(element!("*", move |el| {
                let mut st = s0.borrow_mut();
                // A template's content is a fragment apart: it starts no body.
                if !st.in_body
                    && st.template_depth == 0
                    && !HEAD_TAGS.contains(&el.tag_name().as_str())
                {
                    st.in_body = true;
                }
                Ok(())
            }))
            .append_element_content_handler(element!(SELECTOR, move |el| {
                on_element(&s1, &page, el);
                Ok(())
            }))
            .append_element_content_handler(text!("script", move |t| {
                on_script_text(&s2, t.as_str(), t.last_in_text_node());
                Ok(())
            }))
            .append_element_content_handler(text!("style", move |t| {
                on_style_text(&s3, t.as_str(), t.last_in_text_node());
                Ok(())
            }))
            .append_element_content_handler(text!("title", move |t| {
                let mut st = s4.borrow_mut();
                if !st.title_done {
                    let title = st.title.get_or_insert_with(String::new);
                    if title.len() < MAX_TITLE {
                        title.push_str(t.as_str());
                    }
                    if t.last_in_text_node() {
                        st.title_done = true;
                    }
                }
                Ok(())
            }))
            .append_element_content_handler(text!("noscript", move |t| {
                let mut st = s5.borrow_mut();
                if st.noscript.len() < MAX_INLINE_TEXT {
                    st.noscript.push_str(t.as_str());
                }
                if t.last_in_text_node() {
                    let text = std::mem::take(&mut st.noscript);
                    // <noscript> inside <template> is as inert as the rest of the template.
                    let context = if st.template_depth > 0 {
                        ResourceContext::Template
                    } else {
                        ResourceContext::Noscript
                    };
                    st.defer(text, context);
                }
                Ok(())
            }))
            .append_document_content_handler(doc_comments!(move |c| {
                let text = c.text();
                if text.contains('<') || text.contains("url(") {
                    s6.borrow_mut().defer(text, ResourceContext::HtmlComment);
                }
                Ok(())
            }));
        let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
        let mut error = None;
        for chunk in html.chunks(CHUNK) {
            if let Err(e) = rewriter.write(chunk) {
                error = Some(e.to_string());
                break;
            }
        }
        if error.is_none()
            && let Err(e) = rewriter.end()
        {
            error = Some(e.to_string());
        }
        error
    };
    let mut st = state.borrow_mut();
    *collector = std::mem::take(&mut st.collector);
    let title = st
        .title
        .take()
        .map(|t| decode_entities(t.split_whitespace().collect::<Vec<_>>().join(" ").as_str()));
    Outcome {
        title: title.filter(|t| !t.is_empty()),
        meta: std::mem::take(&mut st.meta),
        deferred: std::mem::take(&mut st.deferred),
        deferred_dropped: st.deferred_dropped,
        error,
    }
}

fn attr(el: &Element<'_, '_>, name: &str) -> Option<String> {
    el.get_attribute(name).map(|v| decode_entities(&v))
}

fn on_element(state: &Rc<RefCell<State>>, page: &Url, el: &mut Element<'_, '_>) {
    let tag = el.tag_name();
    let mut st = state.borrow_mut();
    match tag.as_str() {
        "base" => {
            // Only the first <base href> counts, and only for what follows it.
            if !st.base_seen
                && st.fixed.is_none()
                && let Some(href) = attr(el, "href")
            {
                st.base_seen = true;
                // As browsers do, a `data:` or `javascript:` base is ignored.
                if let Ok(base) = page.join(href.trim())
                    && !matches!(base.scheme(), "data" | "javascript")
                {
                    st.base = base;
                }
            }
        }
        "script" => on_script(&mut st, el),
        "link" => {
            let rel = attr(el, "rel").unwrap_or_default().to_ascii_lowercase();
            if let Some(kind) = rel
                .split_ascii_whitespace()
                .find(|t| LOADING_RELS.contains(t))
            {
                let element = format!("link[rel={kind}]");
                if let Some(href) = attr(el, "href") {
                    st.add_here(&href, &element, true);
                }
                if let Some(set) = attr(el, "imagesrcset") {
                    for url in srcset_urls(&set) {
                        st.add_here(url, &element, true);
                    }
                }
            }
        }
        "img" | "source" => {
            if let Some(src) = attr(el, "src") {
                st.add_here(&src, &format!("{tag}[src]"), true);
            }
            if let Some(set) = attr(el, "srcset") {
                for url in srcset_urls(&set) {
                    st.add_here(url, &format!("{tag}[srcset]"), true);
                }
            }
            // Lazy-loading scripts swap data-src in as soon as the image nears the viewport.
            if let Some(src) = attr(el, "data-src") {
                st.add_here(&src, &format!("{tag}[data-src]"), true);
            }
        }
        "iframe" | "frame" => {
            if let Some(src) = attr(el, "src") {
                st.add_here(&src, &format!("{tag}[src]"), true);
            } else if let Some(src) = attr(el, "data-src") {
                // The consent managers' pattern for video and map embeds: no src until consent.
                st.add(
                    &src,
                    &format!("{tag}[data-src]"),
                    false,
                    Some(ResourceContext::ConsentGated),
                    None,
                );
            }
        }
        "video" | "audio" => {
            let lazy = attr(el, "preload").is_some_and(|p| p.trim().eq_ignore_ascii_case("none"));
            if let Some(src) = attr(el, "src") {
                st.add_here(&src, &format!("{tag}[src]"), !lazy);
            }
            if let Some(poster) = attr(el, "poster") {
                st.add_here(&poster, &format!("{tag}[poster]"), true);
            }
        }
        "track" | "embed" => {
            if let Some(src) = attr(el, "src") {
                st.add_here(&src, &format!("{tag}[src]"), true);
            }
        }
        "object" => {
            if let Some(data) = attr(el, "data") {
                st.add_here(&data, "object[data]", true);
            }
        }
        "input" => {
            if attr(el, "type").is_some_and(|t| t.trim().eq_ignore_ascii_case("image"))
                && let Some(src) = attr(el, "src")
            {
                st.add_here(&src, "input[src]", true);
            }
        }
        "form" => {
            if let Some(action) = attr(el, "action") {
                st.add_here(&action, "form[action]", false);
            }
        }
        "meta" => {
            on_meta_policy(&mut st, el);
            if attr(el, "http-equiv").is_some_and(|h| h.trim().eq_ignore_ascii_case("refresh"))
                && let Some(content) = attr(el, "content")
                && let Some(target) = refresh_target(&content)
            {
                st.add_here(target, "meta[refresh]", true);
            }
        }
        "template" => {
            let closing = state.clone();
            if el
                .on_end_tag(end_tag!(move |_end| {
                    let mut st = closing.borrow_mut();
                    st.template_depth = st.template_depth.saturating_sub(1);
                    Ok(())
                }))
                .is_ok()
            {
                st.template_depth = st.template_depth.saturating_add(1);
            }
        }
        "style" => st.style = Some(String::new()),
        "body" | "table" | "td" | "th" => {
            if let Some(background) = attr(el, "background") {
                st.add_here(&background, &format!("{tag}[background]"), true);
            }
        }
        _ => {}
    }
    if let Some(style) = attr(el, "style") {
        st.css(&style, "[style] url()", "[style] url()");
    }
}

/// Records a `<meta>` Content-Security-Policy or referrer policy the browser applies. The
/// attribute names are matched as the HTML spec says: ASCII case-insensitive, not trimmed.
fn on_meta_policy(st: &mut State, el: &Element<'_, '_>) {
    // Inside <template>, <noscript> or a comment, a <meta> is inert.
    if st.fixed.is_some() || st.template_depth > 0 {
        return;
    }
    let Some(content) = attr(el, "content") else {
        return;
    };
    if attr(el, "http-equiv").is_some_and(|h| h.eq_ignore_ascii_case("content-security-policy")) {
        // Browsers ignore a CSP <meta> outside the head; an empty one sets no policy.
        if !st.in_body && !content.trim().is_empty() {
            st.meta.add_csp(content);
        }
    } else if attr(el, "name").is_some_and(|n| n.eq_ignore_ascii_case("referrer")) {
        // A referrer <meta> applies wherever it is inserted, in the body too.
        st.meta.add_referrer(content);
    }
}

fn on_script(st: &mut State, el: &Element<'_, '_>) {
    let kind = attr(el, "type")
        .map(|t| t.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let essence = kind.split(';').next().unwrap_or_default().trim();
    let runs = JS_TYPES.contains(&essence);
    let has_data = el
        .attributes()
        .iter()
        .any(|a| a.name().starts_with("data-"));
    // A script the browser will not run but a consent manager will switch on later:
    // `type="text/plain"` (Cookiebot, Klaro, Orejime, tarteaucitron…) with its data-* markers.
    let gated = !runs && (essence == "text/plain" || (has_data && attr(el, "data-src").is_some()));
    if runs {
        if let Some(src) = attr(el, "src") {
            st.add_here(&src, "script[src]", true);
        }
    } else if gated {
        for name in ["src", "data-src"] {
            if let Some(src) = attr(el, name) {
                st.add(
                    &src,
                    &format!("script[{name}]"),
                    false,
                    Some(ResourceContext::ConsentGated),
                    None,
                );
            }
        }
    }
    st.script = Some(InlineScript {
        scan: runs || gated,
        gated,
        text: String::new(),
    });
}

fn on_script_text(state: &Rc<RefCell<State>>, chunk: &str, last: bool) {
    let mut st = state.borrow_mut();
    let Some(script) = st.script.as_mut() else {
        return;
    };
    if script.scan && script.text.len() < MAX_INLINE_TEXT {
        script.text.push_str(chunk);
    }
    if !last {
        return;
    }
    let Some(script) = st.script.take() else {
        return;
    };
    if !script.scan || script.text.trim().is_empty() {
        return;
    }
    let context = if script.gated {
        Some(ResourceContext::ConsentGated)
    } else {
        st.context()
    };
    for found in scan_script(&script.text) {
        // A recognised snippet loads what it names; a bare literal is only a candidate.
        let context = context.or(Some(ResourceContext::InlineScript));
        st.add(
            &found.url,
            "script[inline]",
            found.snippet.is_some(),
            context,
            found.snippet,
        );
    }
}

fn on_style_text(state: &Rc<RefCell<State>>, chunk: &str, last: bool) {
    let mut st = state.borrow_mut();
    let Some(style) = st.style.as_mut() else {
        return;
    };
    if style.len() < MAX_INLINE_TEXT {
        style.push_str(chunk);
    }
    if last && let Some(css) = st.style.take() {
        st.css(&css, "style@import", "style url()");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(html: &str) -> PageResources {
        let url = Url::parse("https://chaton.test/").expect("internal error: test URL");
        extract(html.as_bytes(), &url, Some("text/html; charset=utf-8"))
    }

    const CSP: &str = r#"<meta http-equiv="Content-Security-Policy" content="default-src 'self'">"#;

    #[test]
    fn a_csp_meta_in_the_head_is_recorded() {
        let page = scan(&format!(
            "<!doctype html><html><head><title>t</title>{CSP}</head><body><p>x</p></body></html>"
        ));
        assert_eq!(page.meta_csp, ["default-src 'self'"]);
        assert!(page.notes.is_empty(), "{:?}", page.notes);
    }

    #[test]
    fn a_csp_meta_before_body_content_counts_even_without_a_head_tag() {
        let page = scan(&format!(
            "<title>t</title><link rel=icon href=/f.ico>{CSP}<p>x"
        ));
        assert_eq!(page.meta_csp, ["default-src 'self'"]);
        // After </head> but before the body, the tree builder still puts it in the head.
        let page = scan(&format!("<head></head>{CSP}<body>"));
        assert_eq!(page.meta_csp.len(), 1);
    }

    #[test]
    fn a_csp_meta_in_the_body_is_ignored_as_browsers_do() {
        assert!(
            scan(&format!("<head></head><body>{CSP}</body>"))
                .meta_csp
                .is_empty()
        );
        assert!(
            scan(&format!("<title>t</title><div></div>{CSP}"))
                .meta_csp
                .is_empty()
        );
    }

    #[test]
    fn metas_in_template_noscript_or_comment_are_inert() {
        let page = scan(&format!(
            "<head><template>{CSP}<meta name=referrer content=unsafe-url><div></div></template>\
             <noscript>{CSP}<meta name=referrer content=unsafe-url></noscript>\
             <!-- {CSP} <meta name=referrer content=unsafe-url> -->\
             <meta http-equiv=content-security-policy content=\"object-src 'none'\"></head>"
        ));
        assert_eq!(
            page.meta_csp,
            ["object-src 'none'"],
            "the template's div starts no body"
        );
        assert!(page.meta_referrer.is_empty(), "{:?}", page.meta_referrer);
    }

    #[test]
    fn every_csp_meta_and_every_referrer_meta_is_kept_in_order() {
        let page = scan(
            "<head><META HTTP-EQUIV=\"content-SECURITY-policy\" CONTENT=\"script-src 'self'\">\
             <meta http-equiv=Content-Security-Policy content=\"object-src 'none'\">\
             <meta NAME=Referrer content=no-referrer></head>\
             <body><meta name=\"referrer\" content=\"unsafe-url\"></body>",
        );
        assert_eq!(page.meta_csp, ["script-src 'self'", "object-src 'none'"]);
        assert_eq!(page.meta_referrer, ["no-referrer", "unsafe-url"]);
    }

    #[test]
    fn attribute_values_are_matched_exactly_as_the_spec_says() {
        let page = scan(
            "<meta http-equiv=\" content-security-policy\" content=\"default-src 'self'\">\
             <meta http-equiv=content-security-policy-report-only content=\"default-src 'self'\">\
             <meta http-equiv=content-security-policy content=\"  \">\
             <meta http-equiv=content-security-policy>\
             <meta name=\"referrer \" content=unsafe-url>\
             <meta property=referrer content=unsafe-url>",
        );
        assert!(page.meta_csp.is_empty(), "{:?}", page.meta_csp);
        assert!(page.meta_referrer.is_empty(), "{:?}", page.meta_referrer);
    }

    #[test]
    fn entities_in_the_content_are_decoded() {
        let page = scan(
            "<meta http-equiv=content-security-policy content=\"default-src &#39;self&#39;\">",
        );
        assert_eq!(page.meta_csp, ["default-src 'self'"]);
    }

    #[test]
    fn hostile_numbers_and_sizes_of_metas_are_capped_with_a_note() {
        let mut html = String::from("<head>");
        let huge = "a".repeat(MAX_META_CSP + 1);
        html.push_str(&format!(
            "<meta http-equiv=content-security-policy content=\"{huge}\">"
        ));
        for i in 0..100 {
            html.push_str(&format!(
                "<meta http-equiv=content-security-policy content=\"img-src https://{i}.test\">\
                 <meta name=referrer content=\"r{i}\">"
            ));
        }
        html.push_str(&format!("<meta name=referrer content=\"{huge}\">"));
        let page = scan(&html);
        assert_eq!(page.meta_csp.len(), MAX_META);
        assert_eq!(page.meta_csp[0], "img-src https://0.test");
        assert_eq!(page.meta_referrer.len(), MAX_META);
        assert_eq!(page.meta_referrer.last().map(String::as_str), Some("r99"));
        assert_eq!(page.notes.len(), 2, "{:?}", page.notes);
        assert!(
            page.notes[0].starts_with("85 <meta> Content-Security-Policy"),
            "{:?}",
            page.notes
        );
        assert!(
            page.notes[1].starts_with("85 <meta name=\"referrer\">"),
            "{:?}",
            page.notes
        );
    }

    #[test]
    fn a_page_without_metas_keeps_the_fields_out_of_saved_observations() {
        let page = scan("<title>t</title>");
        let json = serde_json::to_string(&page).expect("internal error: serialise");
        assert!(!json.contains("meta_"), "{json}");
        let old = r#"{"url":"https://chaton.test/","resources":[]}"#;
        let back: PageResources = serde_json::from_str(old).expect("an older observation loads");
        assert!(back.meta_csp.is_empty() && back.meta_referrer.is_empty());
    }
}
