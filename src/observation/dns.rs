//! DNS answers for one name.

use serde::{Deserialize, Serialize};

/// The records found for one name. Each list holds the record data as text, in the order the
/// resolver gave them (sorted by the probe for determinism).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct DnsRecords {
    /// IPv4 addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub a: Vec<String>,
    /// IPv6 addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aaaa: Vec<String>,
    /// Mail exchangers as (preference, host).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mx: Vec<(u16, String)>,
    /// CAA records as `flags tag "value"`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caa: Vec<String>,
    /// TXT records, each joined into one string.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub txt: Vec<String>,
    /// TLSA records as `usage selector matching hex`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tlsa: Vec<String>,
    /// Alias targets (CNAME records) met in the answers, in order: the name is an alias.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cname: Vec<String>,
    /// DNSSEC status of the answers: `secure`, `insecure`, `bogus` or `indeterminate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnssec: Option<String>,
    /// Lookups that failed for a reason other than "no such record", per record type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<(String, String)>,
}
