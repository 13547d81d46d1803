//! HTML reading: decoding from any charset, then the page title, its visible text and its
//! links, in one streaming pass of lol_html with bounded memory.

use std::cell::RefCell;
use std::rc::Rc;

use encoding_rs::Encoding;
use lol_html::html_content::{EndTag, TextType};
use lol_html::{HtmlRewriter, Settings, doc_text, element};

/// At most this many links are kept from one page; the rest are counted, not stored.
pub const MAX_LINKS: usize = 10_000;
/// At most this many bytes of visible text are kept.
const MAX_TEXT_BYTES: usize = 4 * 1024 * 1024;

/// One `<a href>` of a page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Link {
    /// The `href` as written.
    pub href: String,
    /// The link's visible text and `title` attribute.
    pub text: String,
}

/// What one HTML page gave.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Page {
    /// `<title>`, trimmed.
    pub title: Option<String>,
    /// Visible text, with block elements on their own lines (scripts and styles left out).
    pub text: String,
    /// Links, at most [`MAX_LINKS`].
    pub links: Vec<Link>,
    /// Links seen in all, kept or not.
    pub links_seen: usize,
    /// The name of the encoding the body was decoded from.
    pub encoding: &'static str,
}

/// What lol_html runs at an element's end tag.
type EndTagHandler = Box<dyn FnOnce(&mut EndTag<'_>) -> lol_html::HandlerResult>;

#[derive(Default)]
struct State {
    title: String,
    in_title: bool,
    text: String,
    links: Vec<Link>,
    links_seen: usize,
    open_link: Option<usize>,
}

/// The encoding of an HTML body: BOM, then the `Content-Type` charset, then a `<meta>`
/// charset in the first 2 KiB, then UTF-8 if the bytes are valid UTF-8, else windows-1252.
pub fn detect_encoding(body: &[u8], content_type: Option<&str>) -> &'static Encoding {
    if let Some((encoding, _)) = Encoding::for_bom(body) {
        return encoding;
    }
    let from_label = |text: &str| {
        let lower = text.to_ascii_lowercase();
        let at = lower.find("charset=")?;
        let label: String = lower[at + 8..]
            .trim_start_matches(['"', '\''])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
            .collect();
        Encoding::for_label(label.as_bytes())
    };
    if let Some(encoding) = content_type.and_then(from_label) {
        return encoding;
    }
    let head = String::from_utf8_lossy(&body[..body.len().min(2048)]);
    if let Some(encoding) = from_label(&head) {
        // A page declaring UTF-16 in ASCII cannot be UTF-16 (WHATWG rule).
        if encoding != encoding_rs::UTF_16LE && encoding != encoding_rs::UTF_16BE {
            return encoding;
        }
    }
    if std::str::from_utf8(body).is_ok() {
        encoding_rs::UTF_8
    } else {
        encoding_rs::WINDOWS_1252
    }
}

/// Reads an HTML body. Malformed HTML is read as browsers would; nothing here fails.
pub fn read(body: &[u8], content_type: Option<&str>) -> Page {
    let encoding = detect_encoding(body, content_type);
    let (decoded, _, _) = encoding.decode(body);
    let state = Rc::new(RefCell::new(State::default()));
    let s_title = Rc::clone(&state);
    let s_block = Rc::clone(&state);
    let s_link = Rc::clone(&state);
    let s_text = Rc::clone(&state);
    let settings = Settings::new()
        .append_element_content_handler(element!("title", move |el| {
            s_title.borrow_mut().in_title = true;
            let state = Rc::clone(&s_title);
            let handler: EndTagHandler = Box::new(move |_: &mut EndTag<'_>| {
                state.borrow_mut().in_title = false;
                Ok(())
            });
            el.on_end_tag(handler).or(Ok(()))
        }))
        .append_element_content_handler(element!(
            "p, div, li, h1, h2, h3, h4, h5, h6, br, tr, td, th, section, footer, header, article, dd, dt, ul, ol, table, nav, main, aside, blockquote, pre, hr",
            move |_| {
                let mut state = s_block.borrow_mut();
                if state.text.len() < MAX_TEXT_BYTES && !state.text.ends_with('\n') {
                    state.text.push('\n');
                }
                Ok(())
            }
        ))
        .append_element_content_handler(element!("a[href], area[href]", move |el| {
            let mut state = s_link.borrow_mut();
            state.links_seen += 1;
            if state.links.len() >= MAX_LINKS {
                return Ok(());
            }
            let href = el.get_attribute("href").unwrap_or_default();
            let text = el.get_attribute("title").unwrap_or_default();
            state.links.push(Link { href, text });
            let index = state.links.len() - 1;
            state.open_link = Some(index);
            drop(state);
            let state = Rc::clone(&s_link);
            let handler: EndTagHandler = Box::new(move |_: &mut EndTag<'_>| {
                state.borrow_mut().open_link = None;
                Ok(())
            });
            el.on_end_tag(handler).or(Ok(()))
        }))
        .append_document_content_handler(doc_text!(move |chunk| {
            let mut state = s_text.borrow_mut();
            match chunk.text_type() {
                TextType::RCData if state.in_title
                    && state.title.len() < 1024 => {
                        state.title.push_str(chunk.as_str());
                    }
                TextType::Data => {
                    let piece = chunk.as_str();
                    if state.text.len() < MAX_TEXT_BYTES {
                        state.text.push_str(piece);
                    }
                    if let Some(index) = state.open_link
                        && let Some(link) = state.links.get_mut(index)
                            && link.text.len() < 512 {
                                link.text.push(' ');
                                link.text.push_str(piece);
                            }
                }
                _ => {}
            }
            Ok(())
        }));
    let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
    // lol_html only fails on its own memory limit or a handler error; what was read so far
    // stays usable either way.
    let mut failed = false;
    for chunk in decoded.as_bytes().chunks(64 * 1024) {
        if rewriter.write(chunk).is_err() {
            failed = true;
            break;
        }
    }
    if !failed {
        let _ = rewriter.end();
    }
    let state = state.take();
    let title = unescape(state.title.split_whitespace().collect::<Vec<_>>().join(" "));
    Page {
        title: Some(title).filter(|t| !t.is_empty()),
        text: unescape(state.text),
        links: state
            .links
            .into_iter()
            .map(|l| Link {
                href: unescape(l.href.trim().to_string()),
                text: unescape(l.text.split_whitespace().collect::<Vec<_>>().join(" ")),
            })
            .collect(),
        links_seen: state.links_seen,
        encoding: encoding.name(),
    }
}

/// Decodes the common character references lol_html leaves in text.
fn unescape(text: String) -> String {
    if !text.contains('&') {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest[..rest.len().min(12)].find(';');
        let decoded = end.and_then(|end| {
            let entity = &rest[1..end];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                "eacute" => Some('é'),
                "egrave" => Some('è'),
                "agrave" => Some('à'),
                "ccedil" => Some('ç'),
                "euro" => Some('€'),
                "rsquo" => Some('’'),
                _ => entity.strip_prefix('#').and_then(|n| {
                    let code = match n.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => n.parse().ok(),
                    };
                    code.and_then(char::from_u32)
                }),
            };
            c.map(|c| (c, end))
        });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_text_and_links_are_read_without_scripts() {
        let page = read(
            b"<html><head><title>Le  Chaton</title><script>var cgu = 1;</script><style>p{}</style></head>\
              <body><p>Bonjour</p><footer><a href=\"/cgu\">Nos <b>CGU</b></a> <a href='/ml' title='Mentions l&eacute;gales'>ML</a></footer></body></html>",
            Some("text/html"),
        );
        assert_eq!(page.title.as_deref(), Some("Le Chaton"));
        assert!(
            page.text.contains("Bonjour") && !page.text.contains("var cgu"),
            "{:?}",
            page.text
        );
        assert_eq!(page.links.len(), 2);
        assert_eq!(page.links[0].href, "/cgu");
        assert_eq!(page.links[0].text, "Nos CGU");
        assert_eq!(page.links[1].text, "Mentions légales ML");
    }

    #[test]
    fn latin1_pages_are_decoded_from_their_meta_charset() {
        let mut body = b"<meta charset=\"iso-8859-1\"><p>Donn".to_vec();
        body.extend_from_slice(&[0xE9, b'e', b's']);
        let page = read(&body, Some("text/html"));
        assert_eq!(page.encoding, "windows-1252");
        assert!(page.text.contains("Données"), "{:?}", page.text);
    }

    #[test]
    fn a_link_farm_is_bounded_and_counted() {
        let mut body = String::from("<body>");
        for i in 0..(MAX_LINKS + 500) {
            body.push_str(&format!("<a href=\"/l{i}\">l</a>"));
        }
        let page = read(body.as_bytes(), None);
        assert_eq!(page.links.len(), MAX_LINKS);
        assert_eq!(page.links_seen, MAX_LINKS + 500);
    }
}
