//! The page probe: fetch a page, list every third party it makes a browser contact.
//!
//! [`extract`] is the pure part (HTML → resources); [`observe`] fetches the page through the
//! run's network layer, scans same-site stylesheets one level deep and annotates every
//! resource with the filter-list rule that matches it.

mod css;
mod extract;
mod script;
mod text;

pub use css::{CssRef, CssRefKind, MAX_CSS_REFS, extract_css};
pub(crate) use extract::resolve;
pub use extract::{MAX_RESOURCES, extract};

use std::collections::HashSet;

use url::Url;

use crate::catalogue::third_parties::site_of;
use crate::observation::Observed;
use crate::observation::page::{PageResources, Resource};
use crate::probe::filters::FilterLists;
use crate::probe::{Fetch, FetchOptions};

/// At most this many same-site stylesheets are fetched per page.
pub const MAX_STYLESHEETS: usize = 10;
/// Body cap for one stylesheet.
const STYLESHEET_LIMIT: u64 = 2 * 1024 * 1024;

/// Fetches `page_url`, lists what it makes a browser load, scans up to [`MAX_STYLESHEETS`]
/// same-site stylesheets one level deep, and annotates every resource with `filters`.
///
/// The page itself failing is `Observed::Failed`; a stylesheet failing is a note in the
/// result, since the page's own resources were seen.
pub async fn observe(
    net: &dyn Fetch,
    page_url: &Url,
    filters: Option<&FilterLists>,
) -> Observed<PageResources> {
    let fetched = match net.fetch(page_url, FetchOptions::default()).await {
        Ok(fetched) => fetched,
        Err(failure) => return Observed::Failed(failure),
    };
    let last = fetched.exchange.last();
    let final_url = last
        .and_then(|hop| Url::parse(&hop.url).ok())
        .unwrap_or_else(|| page_url.clone());
    let content_type = last
        .and_then(|hop| hop.header("content-type"))
        .map(str::to_owned);
    let mut notes = Vec::new();
    if let Some(ct) = &content_type
        && !(ct.to_ascii_lowercase().contains("html") || ct.to_ascii_lowercase().contains("xml"))
    {
        let mut page = PageResources {
            url: final_url.to_string(),
            ..PageResources::default()
        };
        page.notes
            .push(format!("not scanned: the page is served as {ct}, not HTML"));
        return Observed::Seen(page);
    }
    if let Some(hop) = last
        && hop.status >= 400
    {
        notes.push(format!("the page answered with HTTP status {}", hop.status));
    }
    if fetched.exchange.body_truncated {
        notes.push(format!(
            "the body was cut at {} bytes; later resources were not seen",
            fetched.exchange.body_bytes
        ));
    }
    let mut page = extract(&fetched.body, &final_url, content_type.as_deref());
    notes.append(&mut page.notes);
    page.notes = notes;
    scan_stylesheets(net, &final_url, &mut page).await;
    if let Some(filters) = filters {
        filters.annotate(&mut page);
    }
    Observed::Seen(page)
}

/// Fetches same-site stylesheets the page loads and adds their `@import` and `url()`.
async fn scan_stylesheets(net: &dyn Fetch, page_url: &Url, page: &mut PageResources) {
    let site = page_url.host_str().map(site_of);
    let candidates: Vec<Url> = page
        .resources
        .iter()
        .filter(|r| {
            r.loads_automatically
                && (r.element == "link[rel=stylesheet]" || r.element == "style@import")
        })
        .filter_map(|r| Url::parse(&r.url).ok())
        .filter(|u| u.host_str().map(site_of) == site)
        .collect();
    let mut seen: HashSet<(String, String)> = page
        .resources
        .iter()
        .map(|r| (r.url.clone(), r.element.clone()))
        .collect();
    let mut queued = HashSet::new();
    for sheet in candidates {
        if page.stylesheets_scanned.len() >= MAX_STYLESHEETS {
            page.notes.push(format!(
                "only the first {MAX_STYLESHEETS} same-site stylesheets were scanned"
            ));
            break;
        }
        if !queued.insert(sheet.clone()) {
            continue;
        }
        let options = FetchOptions {
            body_limit: Some(STYLESHEET_LIMIT),
            ..FetchOptions::default()
        };
        let fetched = match net.fetch(&sheet, options).await {
            Ok(fetched) => fetched,
            Err(failure) => {
                page.notes
                    .push(format!("stylesheet {sheet} not scanned: {failure}"));
                continue;
            }
        };
        let base = fetched
            .exchange
            .final_url()
            .and_then(|u| Url::parse(u).ok())
            .unwrap_or_else(|| sheet.clone());
        page.stylesheets_scanned.push(sheet.to_string());
        let css = String::from_utf8_lossy(&fetched.body);
        for css_ref in extract_css(&css, &base) {
            let element = match css_ref.kind {
                CssRefKind::Import => "stylesheet@import",
                CssRefKind::Url => "stylesheet url()",
            };
            if !seen.insert((css_ref.url.to_string(), element.to_owned())) {
                continue;
            }
            if page.resources.len() >= MAX_RESOURCES {
                page.truncated = true;
                break;
            }
            let mut resource = Resource::new(css_ref.url.as_str(), element, true);
            resource.found_in = Some(sheet.to_string());
            page.resources.push(resource);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn url() -> Url {
        Url::parse("https://www.chaton.test/a/b.html").expect("test URL")
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn extractor_never_panics_on_arbitrary_bytes(body in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let page = extract(&body, &url(), None);
            prop_assert!(page.resources.len() <= MAX_RESOURCES);
        }

        #[test]
        fn extractor_keeps_only_http_urls_from_tag_soup(
            parts in proptest::collection::vec(prop_oneof![
                Just("<img src=\"".to_owned()), Just("<script src='".to_owned()), Just("<!--".to_owned()),
                Just("-->".to_owned()), Just("<template>".to_owned()), Just("</template>".to_owned()),
                Just("<noscript>".to_owned()), Just("</noscript>".to_owned()), Just("<base href=".to_owned()),
                Just("<style>@import url(".to_owned()), Just("</style>".to_owned()), Just("\">".to_owned()),
                Just("javascript:".to_owned()), Just("//x.test/".to_owned()), Just("https://y.test/?a=1&amp;".to_owned()),
                Just("data:,".to_owned()), "[ -~]{0,12}",
            ], 0..64)
        ) {
            let html = parts.concat();
            let page = extract(html.as_bytes(), &url(), Some("text/html"));
            for resource in &page.resources {
                prop_assert!(resource.url.starts_with("http://") || resource.url.starts_with("https://"), "{}", resource.url);
            }
        }

        #[test]
        fn css_scan_never_panics(css in "[ -~\\n]{0,512}") {
            let refs = extract_css(&css, &url());
            prop_assert!(refs.len() <= MAX_CSS_REFS);
        }
    }

    /// The run spawns probes on a multi-threaded runtime: the future must be `Send`, even
    /// though the extractor uses `Rc` inside and adblock's engine is single-threaded.
    #[test]
    fn observe_future_is_send() {
        fn is_send<T: Send>(_: &T) {}
        struct Never;
        impl Fetch for Never {
            fn fetch<'a>(
                &'a self,
                _url: &'a Url,
                _options: FetchOptions,
            ) -> crate::probe::BoxFuture<
                'a,
                Result<crate::probe::Fetched, crate::observation::ProbeFailure>,
            > {
                Box::pin(async { Err(crate::observation::ProbeFailure::Refused) })
            }
        }
        let page = url();
        let future = observe(&Never, &page, None);
        is_send(&future);
    }

    #[test]
    fn template_content_and_comment_are_inert_but_recorded() {
        let html = "<template><img src=\"https://t.test/a.png\"></template><img src=\"https://after.test/b.png\">\
                    <!-- <img src=\"https://c.test/c.png\"> -->";
        let page = extract(html.as_bytes(), &url(), None);
        let summary: Vec<(&str, bool, Option<&str>)> = page
            .resources
            .iter()
            .map(|r| {
                (
                    r.url.as_str(),
                    r.loads_automatically,
                    r.context.map(|c| c.as_str()),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("https://t.test/a.png", false, Some("template")),
                ("https://after.test/b.png", true, None),
                ("https://c.test/c.png", false, Some("html-comment")),
            ]
        );
    }

    #[test]
    fn script_types_decide_what_loads() {
        let html = "<script type=\"text/plain\" data-category=\"ads\" src=\"https://gated.test/a.js\"></script>\
                    <script type=\"text/x-template\" src=\"https://never.test/t.js\"></script>\
                    <script type=\"module\" src=\"/m.js\"></script>";
        let page = extract(html.as_bytes(), &url(), None);
        let summary: Vec<(&str, bool)> = page
            .resources
            .iter()
            .map(|r| (r.url.as_str(), r.loads_automatically))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("https://gated.test/a.js", false),
                ("https://www.chaton.test/m.js", true)
            ]
        );
        assert_eq!(
            page.resources[0].context,
            Some(crate::observation::page::ResourceContext::ConsentGated)
        );
    }
}
