//! Throughput of the page extractor on a generated 10 MB page: prints pages/s and MB/s.
//!
//! `cargo run --release --example page_extract_bench [MEGABYTES] [ROUNDS]`
//!
//! A figure to watch, not a test: nothing here asserts a speed.

use std::time::Instant;

use chatons_audit::probe::page::extract;
use url::Url;

fn main() {
    let mut args = std::env::args().skip(1);
    let megabytes: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let rounds: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let page = generate(megabytes * 1024 * 1024);
    let url = Url::parse("https://www.chaton.test/").expect("constant URL");
    let start = Instant::now();
    let mut resources = 0;
    for _ in 0..rounds {
        resources = extract(page.as_bytes(), &url, Some("text/html; charset=utf-8"))
            .resources
            .len();
    }
    let seconds = start.elapsed().as_secs_f64();
    let mb = page.len() as f64 / (1024.0 * 1024.0);
    println!(
        "page_extract: {mb:.1} MB page, {resources} resources, {rounds} rounds in {seconds:.2} s: {:.2} pages/s, {:.1} MB/s",
        f64::from(rounds) / seconds,
        mb * f64::from(rounds) / seconds
    );
}

/// A page mixing what real pages hold: markup, links, images, inline scripts and styles,
/// comments, unclosed tags.
fn generate(size: usize) -> String {
    let mut html = String::with_capacity(size + 4096);
    html.push_str("<!DOCTYPE html><html><head><title>Bench</title></head><body>");
    let mut i = 0u64;
    while html.len() < size {
        html.push_str(&format!(
            "<div class=\"card\"><h2>Item {i}</h2><p>Lorem ipsum <b>dolor <i>sit</b> amet</p>\
             <img src=\"/img/{i}.png\" srcset=\"/img/{i}@2x.png 2x, https://cdn{}.test/{i}.png 3x\" alt=\"\">\
             <a href=\"/items/{i}\">more</a><!-- note {i} <img src=\"https://old.test/{i}.gif\"> -->\
             <span style=\"background:url(https://bg{}.test/{i}.jpg)\">x</span>\
             <script>var x{i} = 'https://api.test/{i}';</script></div>\n",
            i % 50,
            i % 20
        ));
        i += 1;
    }
    html.push_str("</body></html>");
    html
}
