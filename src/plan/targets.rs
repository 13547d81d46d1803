//! What the encryption checks need observed for one member, as the exact observation keys the
//! checks read (see the table in the `tls` module documentation). Pure: the planner calls
//! [`plan_targets`] and probes each list; nothing here touches the network.

use url::Url;

use crate::declaration::{MailDomain, Member};

/// One web host the member declares (its website or a service), deduplicated by host name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebHost {
    /// Host name, lower-case, without a trailing dot.
    pub host: String,
    /// The HTTPS port (443 unless an `https://` URL names another).
    pub port: u16,
    /// The HTTPS URL whose response headers are judged: the first declared URL on this host
    /// if it is `https://`, else `https://<host>/`. Key of `observations.http`.
    pub https_url: String,
    /// The plain-HTTP URL requested without following redirects: `http://<host>/`. Key of
    /// `observations.http`.
    pub http_url: String,
}

impl WebHost {
    /// The `host:port` key of `observations.tls`, `observations.tls_ipv6` and
    /// `observations.legacy_tls`.
    pub fn endpoint(&self) -> String {
        endpoint(&self.host, self.port)
    }
}

/// Whether `host` is an IP address (IPv6 in brackets or not) rather than a DNS name: such a
/// host has no DNS records to look up.
pub fn is_ip_literal(host: &str) -> bool {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
        .is_ok()
}

/// `host:port`, the key of TLS observations (IPv6 literals in brackets).
pub fn endpoint(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The website and every service URL, deduplicated by host, in declaration order (website
/// first). URLs without a host (impossible for `http(s)` URLs) are skipped.
pub fn web_hosts(member: &Member) -> Vec<WebHost> {
    let urls = std::iter::once(&member.website).chain(member.services.iter().map(|s| &s.url));
    let mut hosts: Vec<WebHost> = Vec::new();
    for url in urls {
        let Some(host) = host_of(url) else { continue };
        if hosts.iter().any(|known| known.host == host) {
            continue;
        }
        let (port, https_url) = if url.scheme() == "https" {
            (url.port().unwrap_or(443), url.as_str().to_owned())
        } else {
            (443, format!("https://{host}/"))
        };
        let http_url = format!("http://{host}/");
        hosts.push(WebHost {
            host,
            port,
            https_url,
            http_url,
        });
    }
    hosts
}

/// The `observations.tls` key of an `https` URL's own host and port.
pub fn tls_endpoint_of(url: &Url) -> Option<String> {
    Some(endpoint(&host_of(url)?, url.port_or_known_default()?))
}

fn host_of(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Some(host.trim_end_matches('.').to_ascii_lowercase())
}

/// `name` and each parent up to its registrable domain (CAA is inherited from parents,
/// RFC 8659 section 3), most specific first. A name with no known public suffix is returned
/// alone.
pub fn caa_chain(name: &str) -> Vec<String> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let Some(registrable) = psl::domain_str(&name).map(str::to_owned) else {
        return vec![name];
    };
    let mut chain = Vec::new();
    let mut current = name.as_str();
    loop {
        chain.push(current.to_owned());
        if current == registrable {
            break;
        }
        match current.split_once('.') {
            Some((_, parent)) if parent.len() >= registrable.len() => current = parent,
            _ => break,
        }
    }
    chain
}

/// The organisational domain whose `_dmarc` record applies when the mail domain has none
/// (RFC 7489 section 6.6.3), when it differs from the domain.
pub fn dmarc_organizational_domain(domain: &str) -> Option<String> {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let registrable = psl::domain_str(&domain)?;
    (registrable != domain).then(|| registrable.to_owned())
}

/// The DNS name of the TLSA records of an MX host's port 25: `_25._tcp.<mx>`.
pub fn tlsa_name(mx_host: &str) -> String {
    format!(
        "_25._tcp.{}",
        mx_host.trim_end_matches('.').to_ascii_lowercase()
    )
}

/// One HTTP request the checks need.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HttpTarget {
    /// The URL to request, also the key of `observations.http`.
    pub url: String,
    /// Follow redirects (true for HTTPS pages, false for the plain-HTTP redirect probe).
    pub follow_redirects: bool,
}

/// Everything the encryption checks read for one member, as observation keys.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EncryptionTargets {
    /// `host:port` for the TLS handshake probe (`observations.tls`).
    pub tls: Vec<String>,
    /// `host:port` for the legacy-protocol probe (`observations.legacy_tls`).
    pub legacy_tls: Vec<String>,
    /// `host:port` for a TLS handshake over IPv6 (`observations.tls_ipv6`); the probe runs
    /// only if the host's DNS observation has AAAA records.
    pub tls_ipv6: Vec<String>,
    /// HTTP requests (`observations.http`).
    pub http: Vec<HttpTarget>,
    /// DNS names to query for A, AAAA, MX, CAA, TXT and TLSA with DNSSEC status
    /// (`observations.dns`), without trailing dot. TLSA names of MX hosts are known only after
    /// the MX lookup: see [`mail_followup_dns`].
    pub dns: Vec<String>,
    /// Mail domains for the mail probe (`observations.mail`, keyed by `domain`).
    pub mail: Vec<MailDomain>,
}

/// The observation keys the encryption checks read for `member`, deduplicated, in a stable
/// order.
pub fn plan_targets(member: &Member) -> EncryptionTargets {
    let mut targets = EncryptionTargets::default();
    for web in web_hosts(member) {
        let endpoint = web.endpoint();
        push_unique(&mut targets.tls, endpoint.clone());
        push_unique(&mut targets.legacy_tls, endpoint.clone());
        push_unique(&mut targets.tls_ipv6, endpoint);
        for (url, follow_redirects) in [(web.https_url, true), (web.http_url, false)] {
            let target = HttpTarget {
                url,
                follow_redirects,
            };
            if !targets.http.contains(&target) {
                targets.http.push(target);
            }
        }
        for name in caa_chain(&web.host) {
            push_unique(&mut targets.dns, name);
        }
    }
    for mail in &member.mail_domains {
        let domain = mail.domain.trim_end_matches('.').to_ascii_lowercase();
        push_unique(&mut targets.dns, domain.clone());
        for prefix in ["_dmarc", "_mta-sts", "_smtp._tls"] {
            push_unique(&mut targets.dns, format!("{prefix}.{domain}"));
        }
        if let Some(organizational) = dmarc_organizational_domain(&domain) {
            push_unique(&mut targets.dns, format!("_dmarc.{organizational}"));
        }
        if !targets.mail.contains(mail) {
            targets.mail.push(mail.clone());
        }
    }
    targets
}

/// DNS names to query once the MX hosts of a mail domain are known: each MX host (for its
/// DNSSEC status) and its `_25._tcp` TLSA name.
pub fn mail_followup_dns(mx_hosts: &[String]) -> Vec<String> {
    let mut names = Vec::new();
    for mx in mx_hosts {
        let mx = mx.trim_end_matches('.').to_ascii_lowercase();
        if mx.is_empty() {
            continue; // null MX ("."): nothing to probe
        }
        push_unique(&mut names, tlsa_name(&mx));
        push_unique(&mut names, mx);
    }
    names
}

/// The domain a mail domain's SPF record delegates to with `redirect=`, once its TXT records
/// are known: the SPF check judges the policy there (one step, as receivers would first).
/// `None` without exactly one SPF record, without a redirect, or with a macro in the target.
pub fn spf_redirect_target(txt: &[String]) -> Option<String> {
    let mut spf = txt.iter().filter(|record| {
        let lower = record.to_ascii_lowercase();
        lower == "v=spf1" || lower.starts_with("v=spf1 ")
    });
    let (Some(record), None) = (spf.next(), spf.next()) else {
        return None;
    };
    let target = record.split_ascii_whitespace().find_map(|term| {
        let (name, value) = term.split_once('=')?;
        name.eq_ignore_ascii_case("redirect").then_some(value)
    })?;
    let target = target.trim_end_matches('.').to_ascii_lowercase();
    let plausible = !target.is_empty()
        && !target.contains('%')
        && target
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    plausible.then_some(target)
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tls::test_support::{member, member_with_mail};

    #[test]
    fn website_and_services_on_the_same_host_are_planned_once() {
        let m = member(
            "https://www.chaton.test/",
            &["https://www.chaton.test/pad", "https://cloud.chaton.test/"],
        );
        let targets = plan_targets(&m);
        assert_eq!(
            targets.tls,
            vec!["www.chaton.test:443", "cloud.chaton.test:443"]
        );
        assert_eq!(targets.legacy_tls, targets.tls);
        assert_eq!(
            targets.http[0],
            HttpTarget {
                url: "https://www.chaton.test/".into(),
                follow_redirects: true
            }
        );
        assert_eq!(
            targets.http[1],
            HttpTarget {
                url: "http://www.chaton.test/".into(),
                follow_redirects: false
            }
        );
        assert_eq!(targets.http.len(), 4);
    }

    #[test]
    fn plain_http_declaration_still_plans_the_https_endpoint() {
        let m = member("http://chaton.test:8080/", &[]);
        let hosts = web_hosts(&m);
        assert_eq!(hosts[0].endpoint(), "chaton.test:443");
        assert_eq!(hosts[0].https_url, "https://chaton.test/");
    }

    #[test]
    fn https_port_is_kept_in_the_endpoint() {
        let m = member("https://chaton.test:8443/x", &[]);
        assert_eq!(plan_targets(&m).tls, vec!["chaton.test:8443"]);
    }

    #[test]
    fn caa_chain_climbs_to_the_registrable_domain() {
        assert_eq!(
            caa_chain("a.b.chaton.test"),
            vec!["a.b.chaton.test", "b.chaton.test", "chaton.test"]
        );
        assert_eq!(caa_chain("chaton.test."), vec!["chaton.test"]);
    }

    #[test]
    fn mail_domains_plan_policy_names_and_organizational_dmarc() {
        let m = member_with_mail("https://chaton.test/", "lists.chaton.test");
        let targets = plan_targets(&m);
        for name in [
            "lists.chaton.test",
            "_dmarc.lists.chaton.test",
            "_mta-sts.lists.chaton.test",
            "_smtp._tls.lists.chaton.test",
            "_dmarc.chaton.test",
        ] {
            assert!(targets.dns.iter().any(|n| n == name), "missing {name}");
        }
        assert_eq!(targets.mail.len(), 1);
    }

    #[test]
    fn spf_redirect_target_is_read_from_the_single_spf_record() {
        let txt = |records: &[&str]| records.iter().map(|r| (*r).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            spf_redirect_target(&txt(&[
                "google-site-verification=x",
                "v=spf1 redirect=_SPF.Chaton.test."
            ])),
            Some("_spf.chaton.test".to_owned())
        );
        assert_eq!(spf_redirect_target(&txt(&["v=spf1 mx -all"])), None);
        assert_eq!(
            spf_redirect_target(&txt(&["v=spf1 redirect=a.test", "v=spf1 redirect=b.test"])),
            None,
            "two SPF records are a permanent error: nothing to follow"
        );
        assert_eq!(
            spf_redirect_target(&txt(&["v=spf10 redirect=a.test"])),
            None
        );
        assert_eq!(
            spf_redirect_target(&txt(&["v=spf1 redirect=%{d}.spf.test"])),
            None
        );
    }

    #[test]
    fn followup_names_skip_the_null_mx() {
        let names = mail_followup_dns(&["mx.chaton.test.".into(), ".".into()]);
        assert_eq!(names, vec!["_25._tcp.mx.chaton.test", "mx.chaton.test"]);
    }
}
