//! Fuzzes the page extractor: any bytes, any content type, must give a bounded result and
//! never panic. Run with `cargo +nightly fuzz run extract_page` from the repository root.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let url = url::Url::parse("https://www.chaton.test/dir/page.html").expect("constant URL");
    // The first byte picks the declared charset, so decoding paths are fuzzed too.
    let (content_type, body) = match data.split_first() {
        Some((0, rest)) => (Some("text/html; charset=windows-1252"), rest),
        Some((1, rest)) => (Some("text/html; charset=utf-16le"), rest),
        Some((2, rest)) => (Some("text/html; charset=shift_jis"), rest),
        _ => (None, data),
    };
    let page = chatons_audit::probe::page::extract(body, &url, content_type);
    assert!(page.resources.len() <= chatons_audit::probe::page::MAX_RESOURCES);
    for resource in &page.resources {
        assert!(resource.url.starts_with("http://") || resource.url.starts_with("https://"));
    }
    let _ = chatons_audit::probe::page::extract_css(&String::from_utf8_lossy(body), &url);
});
