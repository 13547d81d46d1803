//! The documents probe: finds a member's transparency documents (declared first, then
//! discovered from the home page's links with the vocabulary) and reads them (HTML or PDF).
//!
//! Bounded everywhere: at most [`MAX_FETCHES`] fetches per member, [`html::MAX_LINKS`] links
//! scanned, [`MAX_DOCUMENT_BYTES`] per body, a time budget per PDF; a limit that is hit is
//! recorded in the observation's notes.

pub mod facts;
pub mod html;
pub mod pdf;

use std::collections::BTreeMap;

use futures_util::StreamExt;
use url::Url;

use crate::catalogue::vocabulary::{Vocabulary, normalize, vocabulary};
use crate::declaration::{DocumentKind, Member};
use crate::observation::Observed;
use crate::observation::documents::{DocumentContent, DocumentObservation, FoundBy};
use crate::probe::{Fetch, FetchOptions, Fetched};

/// Fetches per member, home page included.
pub const MAX_FETCHES: usize = 30;
/// Discovered candidates kept per document kind.
pub const MAX_CANDIDATES_PER_KIND: usize = 2;
/// Body cap of one document.
pub const MAX_DOCUMENT_BYTES: u64 = 10 * 1024 * 1024;
/// Documents fetched at once for one member.
const CONCURRENCY: usize = 4;

/// Finds and reads the transparency documents of `member`: first its home page, then its
/// declared documents, then up to [`MAX_FETCHES`] documents discovered from the home page.
pub async fn observe(net: &dyn Fetch, member: &Member) -> Vec<DocumentObservation> {
    let vocabulary = vocabulary();
    let home_url = member.website.clone();
    let (home_content, links) = match net.fetch(&home_url, options()).await {
        Ok(fetched) => {
            let (content, links) = read_document(vocabulary, &home_url, "", fetched, true).await;
            (Observed::Seen(content), links)
        }
        Err(failure) => (Observed::Failed(failure), Vec::new()),
    };
    let home = DocumentObservation {
        kinds: Vec::new(),
        url: home_url.to_string(),
        found_by: FoundBy::Website,
        matched: None,
        content: home_content,
    };

    let mut plan: Vec<Planned> = Vec::new();
    for (kind, url) in &member.documents {
        add_to_plan(&mut plan, url.clone(), *kind, FoundBy::Declared, None);
    }
    for service in &member.services {
        if let Some(url) = &service.legal_url {
            add_to_plan(
                &mut plan,
                url.clone(),
                DocumentKind::Terms,
                FoundBy::Declared,
                None,
            );
        }
    }
    let base = home
        .content
        .seen()
        .and_then(|c| c.final_url.as_deref())
        .and_then(|u| Url::parse(u).ok());
    let base = base.unwrap_or_else(|| home_url.clone());
    let mut per_kind: BTreeMap<DocumentKind, usize> = BTreeMap::new();
    for link in &links {
        let Ok(mut target) = base.join(&link.href) else {
            continue;
        };
        if !matches!(target.scheme(), "http" | "https") || !same_site(member, &base, &target) {
            continue;
        }
        target.set_fragment(None);
        let path = percent_decode(target.path());
        let haystack = normalize(&format!("{} {}", link.text, path));
        for (kind, term) in vocabulary.link_kinds(&haystack) {
            if member.documents.contains_key(&kind) {
                continue;
            }
            let count = per_kind.entry(kind).or_default();
            let known = plan
                .iter()
                .any(|(u, kinds, _, _)| *u == target && kinds.contains(&kind));
            if *count >= MAX_CANDIDATES_PER_KIND && !known {
                continue;
            }
            if !known {
                *count += 1;
            }
            let matched = format!(
                "link “{}” ({}), term “{term}”",
                link.text.trim(),
                target.path()
            );
            add_to_plan(
                &mut plan,
                target.clone(),
                kind,
                FoundBy::Discovered,
                Some(matched),
            );
        }
    }

    let mut notes = Vec::new();
    if plan.len() > MAX_FETCHES - 1 {
        notes.push(format!(
            "{} candidate documents, only the first {} fetched",
            plan.len(),
            MAX_FETCHES - 1
        ));
        plan.truncate(MAX_FETCHES - 1);
    }
    let home_seen = home.content.seen().cloned();
    let documents: Vec<DocumentObservation> = futures_util::stream::iter(plan)
        .map(|(url, kinds, found_by, matched)| {
            let home_seen = home_seen.clone();
            let home_url = home_url.clone();
            async move {
                // A link to an anchor of the home page itself: the home page is the document.
                let content = match home_seen.filter(|_| same_document(&url, &home_url)) {
                    Some(content) => Observed::Seen(content),
                    None => {
                        let heading = matched.clone().unwrap_or_default();
                        match net.fetch(&url, options()).await {
                            Ok(fetched) => Observed::Seen(
                                read_document(vocabulary, &url, &heading, fetched, false)
                                    .await
                                    .0,
                            ),
                            Err(failure) => Observed::Failed(failure),
                        }
                    }
                };
                DocumentObservation {
                    kinds,
                    url: url.to_string(),
                    found_by,
                    matched,
                    content,
                }
            }
        })
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let mut home = home;
    if let Observed::Seen(content) = &mut home.content {
        content.notes.extend(notes);
    }
    std::iter::once(home).chain(documents).collect()
}

/// One document to fetch: URL, kinds, how found, what matched.
type Planned = (Url, Vec<DocumentKind>, FoundBy, Option<String>);

/// Adds `kind` at `url` to the plan, merging with an entry for the same URL found the same way.
fn add_to_plan(
    plan: &mut Vec<Planned>,
    url: Url,
    kind: DocumentKind,
    found_by: FoundBy,
    matched: Option<String>,
) {
    if let Some(entry) = plan
        .iter_mut()
        .find(|(u, _, by, _)| *u == url && *by == found_by)
    {
        if !entry.1.contains(&kind) {
            entry.1.push(kind);
        }
    } else {
        plan.push((url, vec![kind], found_by, matched));
    }
}

fn options() -> FetchOptions {
    FetchOptions {
        no_redirects: false,
        body_limit: Some(MAX_DOCUMENT_BYTES),
    }
}

fn same_document(a: &Url, b: &Url) -> bool {
    let strip = |u: &Url| {
        let mut u = u.clone();
        u.set_fragment(None);
        u.to_string()
    };
    strip(a) == strip(b)
}

/// A document on the member's own site: same host, same registrable domain, or one of its
/// declared first-party domains. Documents elsewhere are not the member's to publish.
fn same_site(member: &Member, base: &Url, target: &Url) -> bool {
    let (Some(base_host), Some(host)) = (base.host_str(), target.host_str()) else {
        return false;
    };
    let is_domain = matches!(target.host(), Some(url::Host::Domain(_)));
    if base_host == host {
        // http and https of one domain are one site; for an IP address the port tells sites apart.
        return is_domain || base.port_or_known_default() == target.port_or_known_default();
    }
    let registrable = |h: &str| psl::domain_str(h).map(str::to_string);
    if is_domain && registrable(base_host).is_some() && registrable(base_host) == registrable(host)
    {
        return true;
    }
    member
        .first_party_domains
        .iter()
        .any(|d| host == d || host.ends_with(&format!(".{d}")))
}

fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = path
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads one fetched document: sniffs its format, extracts text (and links for the home page)
/// and facts. `heading` is the link text that led here.
async fn read_document(
    vocabulary: &Vocabulary,
    url: &Url,
    heading: &str,
    fetched: Fetched,
    want_links: bool,
) -> (DocumentContent, Vec<html::Link>) {
    let last = fetched.exchange.last();
    let status = last.map_or(0, |h| h.status);
    let content_type = last
        .and_then(|h| h.header("content-type"))
        .map(str::to_string);
    let final_url = fetched
        .exchange
        .final_url()
        .filter(|u| *u != url.as_str())
        .map(str::to_string);
    let mut content = DocumentContent {
        status,
        final_url: final_url.clone(),
        content_type: content_type.clone(),
        size: fetched.body.len() as u64,
        truncated: fetched.exchange.body_truncated
            || fetched.body.len() as u64 > MAX_DOCUMENT_BYTES,
        last_modified: last
            .and_then(|h| h.header("last-modified"))
            .map(str::to_string),
        ..DocumentContent::default()
    };
    let body = if content.truncated && fetched.body.len() as u64 > MAX_DOCUMENT_BYTES {
        fetched
            .body
            .slice(..usize::try_from(MAX_DOCUMENT_BYTES).unwrap_or(usize::MAX))
    } else {
        fetched.body
    };
    if content.truncated {
        content
            .notes
            .push(format!("body cut at {MAX_DOCUMENT_BYTES} bytes"));
    }
    let declared = content_type.as_deref().unwrap_or("").to_ascii_lowercase();
    let is_pdf = pdf::is_pdf(&body);
    content.format = if is_pdf {
        "pdf"
    } else if declared.contains("html") || looks_like_html(&body) {
        "html"
    } else if declared.starts_with("text/") {
        "text"
    } else {
        "other"
    }
    .to_string();
    if is_pdf && !declared.contains("pdf") {
        content.notes.push(format!(
            "served as {} but the body is a PDF",
            if declared.is_empty() {
                "no type"
            } else {
                &declared
            }
        ));
    } else if !is_pdf && declared.contains("pdf") {
        content
            .notes
            .push(format!("served as {declared} but the body is not a PDF"));
    }
    if !(200..300).contains(&status) {
        return (content, Vec::new());
    }
    let final_path = final_url
        .as_deref()
        .and_then(|u| Url::parse(u).ok())
        .map_or_else(|| url.path().to_string(), |u| u.path().to_string());
    let mut heading = format!("{heading} {}", percent_decode(&final_path));
    let mut links = Vec::new();
    let text = match content.format.as_str() {
        "pdf" if content.truncated => {
            content.read_error = Some("PDF cut at the size cap, not parsed".to_string());
            return (content, links);
        }
        "pdf" => match pdf::read(body).await {
            Ok(read) => {
                content.title = read.title;
                content.metadata_dates = read.dates;
                read.text
            }
            Err(reason) => {
                content.read_error = Some(reason);
                return (content, links);
            }
        },
        "html" => {
            let page = html::read(&body, content_type.as_deref());
            content.title = page.title;
            content.links_scanned = u32::try_from(page.links_seen).unwrap_or(u32::MAX);
            if page.links_seen > html::MAX_LINKS {
                content.notes.push(format!(
                    "{} links, only the first {} scanned",
                    page.links_seen,
                    html::MAX_LINKS
                ));
            }
            if want_links {
                links = page.links;
            }
            page.text
        }
        "text" => {
            let encoding = html::detect_encoding(&body, content_type.as_deref());
            encoding.decode(&body).0.into_owned()
        }
        _ => {
            content.read_error = Some(format!(
                "unsupported format ({})",
                if declared.is_empty() {
                    "no content type"
                } else {
                    &declared
                }
            ));
            return (content, links);
        }
    };
    if let Some(title) = &content.title {
        heading.push(' ');
        heading.push_str(title);
    }
    facts::analyse(vocabulary, &text, &heading, &mut content);
    (content, links)
}

fn looks_like_html(body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(1024)]).to_ascii_lowercase();
    ["<!doctype html", "<html", "<head", "<body", "<title"]
        .iter()
        .any(|m| head.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(dead_code)]
    fn observe_future_is_send(net: &dyn Fetch, member: &Member) {
        fn assert_send<T: Send>(_: T) {}
        assert_send(observe(net, member));
    }

    #[test]
    fn percent_encoded_paths_are_decoded_for_matching() {
        assert_eq!(
            percent_decode("/mentions-l%C3%A9gales"),
            "/mentions-légales"
        );
        assert_eq!(percent_decode("/bad%zz"), "/bad%zz");
    }

    #[test]
    fn html_is_recognised_without_a_content_type() {
        assert!(looks_like_html(b"  <!DOCTYPE html><html>"));
        assert!(!looks_like_html(b"%PDF-1.4"));
    }
}
