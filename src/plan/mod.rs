//! The plan: which probes to run on which targets, derived from the declarations and from what
//! the selected checks `need()`.
//!
//! Targets are deduplicated (one TLS probe per `host:port`, however many services share it) and
//! kept in ordered sets, so two runs of the same declarations probe in the same order.

use std::collections::{BTreeMap, BTreeSet};

use url::Url;

use serde::{Deserialize, Serialize};

pub mod targets;
use crate::declaration::{Declarations, DocumentKind, Member};
use crate::plan::targets::plan_targets;

/// The families of observations, one per probe. Checks declare which they need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProbeKind {
    /// DNS records.
    Dns,
    /// TLS handshakes with rustls.
    Tls,
    /// TLS handshakes to a host's IPv6 (AAAA) addresses.
    TlsIpv6,
    /// Hand-built ClientHellos for SSL 3, TLS 1.0 and 1.1.
    LegacyTls,
    /// HTTP exchanges (headers, redirects).
    Http,
    /// HTML resource scans.
    Page,
    /// SMTP and STARTTLS.
    Mail,
    /// Software endpoints.
    Software,
    /// Transparency documents.
    Documents,
}

/// Every probe target of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The probe families to run.
    pub kinds: BTreeSet<ProbeKind>,
    /// HTTPS URLs to fetch, following redirects.
    pub http: BTreeSet<String>,
    /// Plain `http://host/` URLs to fetch without following redirects.
    pub http_plain: BTreeSet<String>,
    /// TLS endpoints `(host, port)` for the rustls handshake probe.
    pub tls: BTreeSet<(String, u16)>,
    /// TLS endpoints `(host, port)` to reach over IPv6; probed only when the host's DNS
    /// answer has AAAA records.
    pub tls_ipv6: BTreeSet<(String, u16)>,
    /// TLS endpoints `(host, port)` for the legacy-protocol probe.
    pub legacy_tls: BTreeSet<(String, u16)>,
    /// Names to resolve (A, AAAA, CAA, MX, TXT…).
    pub dns: BTreeSet<String>,
    /// Pages to scan for resources.
    pub pages: BTreeSet<String>,
    /// Services to fingerprint: (member index, service index), keyed by service URL so a
    /// URL shared by two declarations is probed once.
    pub software: BTreeMap<String, (usize, usize)>,
    /// Mail domains.
    pub mail: BTreeSet<String>,
    /// Members whose documents to find and read (by index in the declarations).
    pub documents: BTreeSet<usize>,
}

impl Plan {
    /// The plan for the probe families `kinds` (what the selected checks need) over
    /// `declarations`.
    pub fn build(declarations: &Declarations, kinds: BTreeSet<ProbeKind>) -> Self {
        let mut plan = Plan {
            kinds,
            ..Plan::default()
        };
        for (index, member) in declarations.members.iter().enumerate() {
            plan.add_member(index, member);
        }
        // Both fetches of one URL would land on the same `observations.http` key. The fetch
        // that follows redirects records the first response as its first hop, which is all
        // the no-redirect fetch is for, so it alone is kept.
        let plain = std::mem::take(&mut plan.http_plain);
        plan.http_plain = plain
            .into_iter()
            .filter(|url| !plan.http.contains(url))
            .collect();
        plan
    }

    fn wants(&self, kind: ProbeKind) -> bool {
        self.kinds.contains(&kind)
    }

    fn add_member(&mut self, index: usize, member: &Member) {
        // The encryption checks name exactly the observation keys they read; planning from
        // the same function keeps the two in step.
        let targets = plan_targets(member);
        if self.wants(ProbeKind::Http) {
            for target in &targets.http {
                if target.follow_redirects {
                    self.http.insert(target.url.clone());
                } else {
                    self.http_plain.insert(target.url.clone());
                }
            }
            for url in web_urls(member) {
                self.http.insert(url.to_string());
            }
            // The software checks read whether the exceptions page answers.
            if let Some(url) = member.documents.get(&DocumentKind::ProprietaryExceptions) {
                self.http.insert(url.to_string());
            }
        }
        for endpoint in &targets.tls {
            let Some((host, port)) = split_endpoint(endpoint) else {
                continue;
            };
            if self.wants(ProbeKind::Tls) {
                self.tls.insert((host.clone(), port));
            }
            if self.wants(ProbeKind::LegacyTls) {
                self.legacy_tls.insert((host.clone(), port));
            }
        }
        if self.wants(ProbeKind::TlsIpv6) {
            for endpoint in &targets.tls_ipv6 {
                if let Some((host, port)) = split_endpoint(endpoint)
                    // An IPv4 literal has no AAAA to try; an IPv6 literal is the plain probe.
                    && !targets::is_ip_literal(&host)
                {
                    self.tls_ipv6.insert((host, port));
                }
            }
            // The probe runs only for hosts whose AAAA records phase one has seen.
            self.dns.extend(
                self.tls_ipv6
                    .iter()
                    .map(|(host, _)| host.clone())
                    .collect::<Vec<_>>(),
            );
        }
        if self.wants(ProbeKind::Dns) || self.wants(ProbeKind::Mail) {
            // Services declared by IP address have no DNS records to look up.
            let names = targets
                .dns
                .iter()
                .filter(|name| !targets::is_ip_literal(name));
            self.dns.extend(names.cloned());
        }
        if self.wants(ProbeKind::Mail) {
            for mail in &targets.mail {
                self.mail
                    .insert(mail.domain.trim_end_matches('.').to_ascii_lowercase());
            }
        }
        if self.wants(ProbeKind::Page) {
            for url in web_urls(member) {
                self.pages.insert(url.to_string());
            }
        }
        if self.wants(ProbeKind::Software) {
            for (service_index, service) in member.services.iter().enumerate() {
                self.software
                    .entry(service.url.to_string())
                    .or_insert((index, service_index));
            }
        }
        if self.wants(ProbeKind::Documents) {
            self.documents.insert(index);
        }
    }

    /// How many probe targets the plan holds, for the progress bar.
    pub fn len(&self) -> usize {
        self.http.len()
            + self.http_plain.len()
            + self.tls.len()
            + self.tls_ipv6.len()
            + self.legacy_tls.len()
            + self.dns.len()
            + self.pages.len()
            + self.software.len()
            + self.mail.len()
            + self.documents.len()
    }

    /// Whether there is nothing to probe.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The member website and every service URL, deduplicated, in declaration order.
pub fn web_urls(member: &Member) -> Vec<&Url> {
    let mut seen = BTreeSet::new();
    std::iter::once(&member.website)
        .chain(member.services.iter().map(|s| &s.url))
        .filter(|url| seen.insert(url.as_str()))
        .collect()
}

/// `host:port` (IPv6 literals in brackets) into its parts.
fn split_endpoint(endpoint: &str) -> Option<(String, u16)> {
    let (host, port) = endpoint.rsplit_once(':')?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Some((host.to_string(), port.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tls::test_support::member;

    fn plan(kinds: &[ProbeKind], member: Member) -> Plan {
        let declarations = Declarations {
            members: vec![member],
            problems: Vec::new(),
        };
        Plan::build(&declarations, kinds.iter().copied().collect())
    }

    #[test]
    fn ipv6_handshakes_are_planned_for_names_with_their_dns_lookup() {
        let m = member(
            "https://www.chaton.test/",
            &["https://192.0.2.7/", "https://[2001:db8::7]/"],
        );
        let planned = plan(&[ProbeKind::TlsIpv6], m);
        // An address literal has no AAAA record to try.
        assert_eq!(
            planned.tls_ipv6,
            BTreeSet::from([("www.chaton.test".to_owned(), 443)])
        );
        assert!(planned.dns.contains("www.chaton.test"));
        assert!(
            planned.tls.is_empty(),
            "the IPv4 handshake is another probe"
        );
    }

    #[test]
    fn a_plain_http_url_declared_as_a_service_is_fetched_once_following_redirects() {
        let planned = plan(
            &[ProbeKind::Http],
            member("https://www.chaton.test/", &["http://pad.chaton.test/"]),
        );
        assert!(planned.http.contains("http://pad.chaton.test/"));
        assert!(!planned.http_plain.contains("http://pad.chaton.test/"));
        assert!(planned.http_plain.contains("http://www.chaton.test/"));
    }

    #[test]
    fn ipv6_handshakes_are_not_planned_unless_a_check_needs_them() {
        let planned = plan(
            &[ProbeKind::Tls, ProbeKind::Dns],
            member("https://www.chaton.test/", &[]),
        );
        assert!(planned.tls_ipv6.is_empty());
        assert_eq!(planned.tls.len(), 1);
    }
}
