//! PDF reading: text and metadata dates with `pdf-extract`, which may panic or loop on hostile
//! files, so it runs in a blocking task under `catch_unwind`, with a size cap and a time
//! budget. Every way of failing becomes a recorded reason, never a panic.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use pdf_extract::{Document, Object};

/// PDFs larger than this are not parsed.
pub const MAX_PDF_BYTES: usize = 10 * 1024 * 1024;
/// Time budget of one PDF.
pub const PDF_BUDGET: Duration = Duration::from_secs(10);

/// What a PDF gave.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PdfText {
    /// The extracted text.
    pub text: String,
    /// The Title metadata, when set.
    pub title: Option<String>,
    /// CreationDate and ModDate metadata, ISO 8601 (`YYYY-MM-DD`).
    pub dates: Vec<String>,
}

/// Whether a body is a PDF by its magic bytes (leading whitespace tolerated).
pub fn is_pdf(body: &[u8]) -> bool {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    body[start..].starts_with(b"%PDF-")
}

/// Reads a PDF off the async runtime, within the size cap and the time budget.
pub async fn read(body: bytes::Bytes) -> Result<PdfText, String> {
    if body.len() > MAX_PDF_BYTES {
        return Err(format!("PDF larger than {MAX_PDF_BYTES} bytes, not parsed"));
    }
    let task = tokio::task::spawn_blocking(move || {
        std::panic::catch_unwind(AssertUnwindSafe(|| read_blocking(&body))).unwrap_or_else(|_| {
            Err("the PDF reader crashed on this file (malformed PDF)".to_string())
        })
    });
    match tokio::time::timeout(PDF_BUDGET, task).await {
        Ok(Ok(result)) => result,
        Ok(Err(join)) => Err(format!("the PDF reader stopped: {join}")),
        // The blocking thread cannot be cancelled; it finishes on its own and is ignored.
        Err(_) => Err(format!(
            "PDF text extraction took longer than {} s",
            PDF_BUDGET.as_secs()
        )),
    }
}

/// Reads a PDF on the current thread (may panic on hostile input: see [`read`]).
pub fn read_blocking(body: &[u8]) -> Result<PdfText, String> {
    let mut doc = Document::load_mem(body).map_err(|e| format!("corrupt PDF: {e}"))?;
    // The reader already decrypts files whose user password is empty (`was_encrypted`); any
    // other encrypted file needs a password we do not have.
    if doc.is_encrypted() && !doc.was_encrypted() && doc.decrypt("").is_err() {
        return Err("encrypted PDF: a password is needed to read it".to_string());
    }
    let (title, dates) = metadata(&doc);
    let mut text = String::new();
    {
        let mut output = pdf_extract::PlainTextOutput::new(&mut text);
        pdf_extract::output_doc(&doc, &mut output)
            .map_err(|e| format!("unreadable PDF text: {e}"))?;
    }
    Ok(PdfText { text, title, dates })
}

fn metadata(doc: &Document) -> (Option<String>, Vec<String>) {
    let info = doc
        .trailer
        .get(b"Info")
        .ok()
        .and_then(|o| match o {
            Object::Reference(id) => doc.get_object(*id).ok(),
            other => Some(other),
        })
        .and_then(|o| o.as_dict().ok());
    let Some(info) = info else {
        return (None, Vec::new());
    };
    let text = |key: &[u8]| {
        info.get(key)
            .ok()
            .and_then(|o| o.as_str().ok())
            .map(decode_pdf_string)
    };
    let title = text(b"Title")
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    let mut dates: Vec<String> = [b"ModDate".as_slice(), b"CreationDate".as_slice()]
        .into_iter()
        .filter_map(text)
        .filter_map(|d| pdf_date(&d))
        .collect();
    dates.dedup();
    (title, dates)
}

/// PDF text strings are PDFDocEncoding (close to Latin-1) or UTF-16BE with a BOM.
fn decode_pdf_string(bytes: &[u8]) -> String {
    if let Some(utf16) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = utf16
            .chunks_exact(2)
            .map(|p| u16::from_be_bytes([p[0], p[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// `D:YYYYMMDDHHmmSS…` → `YYYY-MM-DD`.
fn pdf_date(value: &str) -> Option<String> {
    let digits = value.trim().strip_prefix("D:").unwrap_or(value.trim());
    let y: i32 = digits.get(0..4)?.parse().ok()?;
    let m: u8 = digits.get(4..6).unwrap_or("01").parse().ok()?;
    let d: u8 = digits.get(6..8).unwrap_or("01").parse().ok()?;
    let month = time::Month::try_from(m).ok()?;
    time::Date::from_calendar_date(y, month, d)
        .ok()
        .map(|date| date.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes_decide_what_is_a_pdf() {
        assert!(is_pdf(b"\n %PDF-1.4\n..."));
        assert!(!is_pdf(b"<html>%PDF-"));
    }

    #[test]
    fn pdf_dates_become_iso() {
        assert_eq!(
            pdf_date("D:20240315093000+01'00'").as_deref(),
            Some("2024-03-15")
        );
        assert_eq!(pdf_date("D:2023").as_deref(), Some("2023-01-01"));
        assert_eq!(pdf_date("garbage"), None);
    }

    #[test]
    fn garbage_after_the_magic_is_a_recorded_failure() {
        let error = read_blocking(b"%PDF-1.4\nthis is not a pdf at all").expect_err("corrupt");
        assert!(error.contains("PDF"), "{error}");
    }
}
