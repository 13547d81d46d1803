//! The software probe: what a service runs, as far as it says so itself.
//!
//! For one service it reads NodeInfo (`/.well-known/nodeinfo`, then the highest schema
//! version's document, on the same host only), then the endpoints of the declared product's
//! detection rules, then the home page's markers, then generic endpoints, within a fixed
//! request budget. Every request and every deliberate refusal to follow a link is recorded:
//! absence of a marker is not evidence of absence, so the checks need to know what was tried.
//!
//! It also fetches the declared source URL and records what answered.

use std::net::IpAddr;

use url::Url;

use crate::catalogue::software::{self as catalogue, DetectionRule, Strength};
use crate::declaration::Service;
use crate::observation::software::{Attempt, Detection, SoftwareObservation, SourceCheck};
use crate::observation::{Observed, ProbeFailure};
use crate::probe::{Fetch, FetchOptions, Fetched};

pub mod detect;

/// Most requests the probe makes for one service (source URL not included).
pub const MAX_REQUESTS: usize = 8;
/// Body cap for JSON and text endpoints.
pub const JSON_BODY_LIMIT: u64 = 256 * 1024;
/// Body cap for the home page.
pub const HTML_BODY_LIMIT: u64 = 1024 * 1024;
/// Body cap when probing a source URL (only the status and type matter).
pub const SOURCE_BODY_LIMIT: u64 = 64 * 1024;
/// Stop after this many consecutive requests without any answer (host down or blocked).
const MAX_SILENT: usize = 2;

/// Observes one service: the software probe plus, when the service declares a source URL, the
/// source check. This is what the run should call for each service with a URL; the result goes
/// into `Observations::software` under `service.url.as_str()`.
pub async fn observe_service(net: &dyn Fetch, service: &Service) -> Observed<SoftwareObservation> {
    let declared = service
        .software
        .as_ref()
        .map(|s| s.name.as_str())
        .filter(|n| !n.trim().is_empty());
    let observed = observe(net, &service.url, declared).await;
    let Some(source) = service.software.as_ref().and_then(|s| s.source.as_ref()) else {
        return observed;
    };
    if !matches!(source.scheme(), "http" | "https") {
        return observed;
    }
    let source = observe_source(net, source).await;
    match observed {
        Observed::Seen(mut seen) => {
            seen.source = Some(source);
            Observed::Seen(seen)
        }
        // The service is unreachable, but the source facts stand on their own: keep them,
        // with the failure recorded as the only attempt.
        Observed::Failed(failure) => Observed::Seen(SoftwareObservation {
            attempts: vec![Attempt {
                url: service.url.to_string(),
                reason: "home".into(),
                status: None,
                failure: Some(failure),
            }],
            source: Some(source),
            ..Default::default()
        }),
    }
}

/// Detects the software behind `service_url`, trying the `declared` product's endpoints first.
/// `Failed` only when no request got any answer.
pub async fn observe(
    net: &dyn Fetch,
    service_url: &Url,
    declared: Option<&str>,
) -> Observed<SoftwareObservation> {
    let mut run = Run {
        net,
        obs: SoftwareObservation::default(),
        silent: 0,
    };
    let declared_product = declared.and_then(catalogue::lookup);
    let declared_name = declared_product.map(|p| p.name.as_str());

    run.nodeinfo(service_url).await;

    let rules = &catalogue::detection().rules;
    let base = directory(service_url);
    let mut planned: Vec<(String, &'static str)> = Vec::new();
    let mut plan = |path: &str, reason: &'static str| {
        if !planned.iter().any(|(p, _)| p == path) {
            planned.push((path.to_string(), reason));
        }
    };
    if let Some(product) = declared_product {
        // The product's own rules, and rules that read the product's name at the endpoint the
        // catalogue gives for it (Matrix servers, NodeInfo2).
        let endpoint = product.detect_endpoint.as_deref();
        let own = |r: &&DetectionRule| {
            r.product.as_deref() == Some(product.name.as_str()) || Some(r.path.as_str()) == endpoint
        };
        for rule in rules.iter().filter(own).filter(|r| r.path != "/") {
            plan(&rule.path, "declared");
        }
    }
    plan("/", "home");
    for rule in rules.iter().filter(|r| r.generic && r.path != "/") {
        plan(&rule.path, "generic");
    }

    for (path, reason) in planned {
        if run.done(declared_name, reason) {
            break;
        }
        let Some(url) = endpoint_url(service_url, &base, &path) else {
            continue;
        };
        let limit = if path == "/" {
            HTML_BODY_LIMIT
        } else {
            JSON_BODY_LIMIT
        };
        let Some(fetched) = run.fetch(&url, reason, limit).await else {
            continue;
        };
        let response = detect::Response {
            url: url.as_str(),
            status: fetched.exchange.last().map_or(0, |h| h.status),
            headers: fetched.exchange.last().map_or(&[][..], |h| &h.headers[..]),
            body: &fetched.body,
            truncated: fetched.exchange.body_truncated,
        };
        let (found, problems) =
            detect::apply_rules(rules.iter().filter(|r| r.path == path), response);
        run.record(found);
        run.obs.anomalies.extend(problems);
    }

    let answered = run.obs.attempts.iter().any(|a| a.status.is_some());
    match run.obs.attempts.iter().find_map(|a| a.failure.clone()) {
        Some(failure) if !answered => Observed::Failed(failure),
        _ => Observed::Seen(run.obs),
    }
}

/// Fetches a declared source URL and records where it ends up.
pub async fn observe_source(net: &dyn Fetch, url: &Url) -> Observed<SourceCheck> {
    let options = FetchOptions {
        body_limit: Some(SOURCE_BODY_LIMIT),
        ..Default::default()
    };
    match net.fetch(url, options).await {
        Err(failure) => Observed::Failed(failure),
        Ok(fetched) => {
            let Some(last) = fetched.exchange.last() else {
                return Observed::Failed(ProbeFailure::Protocol {
                    message: "no response recorded".into(),
                });
            };
            Observed::Seen(SourceCheck {
                url: url.to_string(),
                final_url: last.url.clone(),
                status: last.status,
                content_type: last.header("content-type").map(detect::clip),
            })
        }
    }
}

struct Run<'n> {
    net: &'n dyn Fetch,
    obs: SoftwareObservation,
    silent: usize,
}

impl Run<'_> {
    /// Whether to stop before the next request of phase `reason`.
    fn done(&self, declared: Option<&str>, reason: &str) -> bool {
        if self.obs.attempts.len() >= MAX_REQUESTS || self.silent >= MAX_SILENT {
            return true;
        }
        match declared {
            // The declared product showed itself with its version: nothing more to learn.
            Some(name)
                if self
                    .obs
                    .detections
                    .iter()
                    .any(|d| d.product == name && d.version.is_some()) =>
            {
                true
            }
            // Generic endpoints are for finding out what runs; a strong answer is enough.
            _ => {
                reason == "generic"
                    && self
                        .obs
                        .detections
                        .iter()
                        .any(|d| d.strength == Strength::Strong)
            }
        }
    }

    async fn fetch(&mut self, url: &Url, reason: &str, limit: u64) -> Option<Fetched> {
        let options = FetchOptions {
            body_limit: Some(limit),
            ..Default::default()
        };
        let result = self.net.fetch(url, options).await;
        let (status, failure) = match &result {
            Ok(f) => (f.exchange.last().map(|h| h.status), None),
            Err(e) => (None, Some(e.clone())),
        };
        self.silent = if status.is_some() { 0 } else { self.silent + 1 };
        self.obs.attempts.push(Attempt {
            url: url.to_string(),
            reason: reason.into(),
            status,
            failure,
        });
        result.ok()
    }

    fn record(&mut self, found: Vec<Detection>) {
        for d in found {
            if !self
                .obs
                .detections
                .iter()
                .any(|x| x.product == d.product && x.url == d.url)
            {
                self.obs.detections.push(d);
            }
        }
    }

    /// NodeInfo discovery: the well-known document, then the highest schema version's
    /// document when it is on the same host.
    async fn nodeinfo(&mut self, service_url: &Url) {
        let Ok(well_known) = service_url.join("/.well-known/nodeinfo") else {
            return;
        };
        let Some(fetched) = self.fetch(&well_known, "nodeinfo", JSON_BODY_LIMIT).await else {
            return;
        };
        if !fetched
            .exchange
            .last()
            .is_some_and(|h| (200..300).contains(&h.status))
        {
            return;
        }
        let doc = match detect::parse_json(&fetched.body, fetched.exchange.body_truncated) {
            Ok(doc) => doc,
            Err(e) => return self.obs.anomalies.push(format!("{well_known}: {e}")),
        };
        let links = detect::nodeinfo_links(&doc);
        let Some((_, href)) = links.first() else {
            return self
                .obs
                .anomalies
                .push(format!("{well_known}: no NodeInfo schema link"));
        };
        let target = match follow_target(&well_known, href) {
            Ok(target) => target,
            Err(why) => {
                return self.obs.anomalies.push(format!(
                    "{well_known}: NodeInfo link {href:?} not followed: {why}"
                ));
            }
        };
        let Some(fetched) = self.fetch(&target, "nodeinfo", JSON_BODY_LIMIT).await else {
            return;
        };
        if !fetched
            .exchange
            .last()
            .is_some_and(|h| (200..300).contains(&h.status))
        {
            return;
        }
        match detect::parse_json(&fetched.body, fetched.exchange.body_truncated) {
            Ok(doc) => match detect::nodeinfo_detection(&doc, target.as_str()) {
                Some(d) => self.record(vec![d]),
                None => self
                    .obs
                    .anomalies
                    .push(format!("{target}: NodeInfo without software.name")),
            },
            Err(e) => self.obs.anomalies.push(format!("{target}: {e}")),
        }
    }
}

/// Where a NodeInfo link may be followed: same host (and port), http(s), not the well-known
/// document itself. Another host is never followed, so one member's server cannot make the
/// probe request a third party or an internal address.
pub fn follow_target(well_known: &Url, href: &str) -> Result<Url, String> {
    let target = well_known
        .join(href.trim())
        .map_err(|e| format!("invalid URL ({e})"))?;
    if !matches!(target.scheme(), "http" | "https") {
        return Err(format!("scheme {} is not http(s)", target.scheme()));
    }
    let same_host = target.host_str().map(str::to_ascii_lowercase)
        == well_known.host_str().map(str::to_ascii_lowercase)
        && target.port_or_known_default() == well_known.port_or_known_default();
    if !same_host {
        let host = target.host_str().unwrap_or("").to_string();
        let private = host
            .trim_matches(['[', ']'])
            .parse::<IpAddr>()
            .is_ok_and(|ip| !is_public(ip));
        return Err(if private {
            format!("points to a private or loopback address ({host}) on another host")
        } else {
            format!("points to another host ({host})")
        });
    }
    let mut without_fragment = target.clone();
    without_fragment.set_fragment(None);
    if without_fragment == *well_known {
        return Err("points back to the discovery document (loop)".into());
    }
    Ok(target)
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1]))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
                && v6
                    .to_ipv4_mapped()
                    .is_none_or(|v4| is_public(IpAddr::V4(v4)))
        }
    }
}

/// The service URL as a directory, so rule paths resolve under it (`/nextcloud/` +
/// `status.php`).
fn directory(service_url: &Url) -> Url {
    let mut base = service_url.clone();
    base.set_query(None);
    base.set_fragment(None);
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    base
}

fn endpoint_url(service_url: &Url, base: &Url, path: &str) -> Option<Url> {
    if path == "/" {
        return Some(service_url.clone());
    }
    if path.starts_with("/.well-known/") {
        return service_url.join(path).ok();
    }
    base.join(path.trim_start_matches('/')).ok()
}

/// Rules of the embedded catalogue that a declared product brings (for tests and docs).
pub fn rules_for(product: &str) -> impl Iterator<Item = &'static DetectionRule> + use<'_> {
    catalogue::detection()
        .rules
        .iter()
        .filter(move |r| r.product.as_deref() == Some(product))
}

#[cfg(test)]
mod tests;
