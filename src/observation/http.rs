//! HTTP exchanges: the chain of responses for one requested URL.

use serde::{Deserialize, Serialize};

/// One requested URL and what answered, redirects included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpExchange {
    /// Every response in order: the first is the answer to the requested URL, the last is the
    /// final one (redirects are followed up to the cap).
    pub hops: Vec<HttpResponse>,
    /// Bytes of the final body that were read (bounded by the body cap).
    pub body_bytes: u64,
    /// The body was cut at the cap.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub body_truncated: bool,
    /// SHA-256 of the bytes read, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_sha256: Option<String>,
}

impl HttpExchange {
    /// The final response (after redirects).
    pub fn last(&self) -> Option<&HttpResponse> {
        self.hops.last()
    }

    /// The final URL (after redirects).
    pub fn final_url(&self) -> Option<&str> {
        self.last().map(|hop| hop.url.as_str())
    }
}

/// One response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpResponse {
    /// The URL that was requested.
    pub url: String,
    /// The HTTP status code.
    pub status: u16,
    /// Response headers in order, names lower-cased; repeated headers stay repeated.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// The peer address that answered, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_addr: Option<String>,
}

impl HttpResponse {
    /// The first value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Every value of a header, in order.
    pub fn header_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Where a redirect points, when this is one.
    pub fn location(&self) -> Option<&str> {
        if (300..400).contains(&self.status) {
            self.header("location")
        } else {
            None
        }
    }
}
