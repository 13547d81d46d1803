//! Runs a plan: every probe target once, concurrently under the network layer's bounds, into
//! one `Observations` record.
//!
//! Two phases: first everything that depends only on the declarations; then what depends on
//! the first phase's answers (mail exchangers found in MX records, their TLSA records; the
//! domain an SPF record redirects to; the IPv6 handshake of hosts that publish AAAA records).

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use time::OffsetDateTime;
use url::Url;

use crate::declaration::Declarations;
use crate::net::Network;
use crate::observation::{
    DnsRecords, DocumentObservation, HttpExchange, LegacyProtocols, MailObservation, Observations,
    Observed, PageResources, ProbeFailure, SoftwareObservation, TlsHandshake,
};
use crate::plan::Plan;
use crate::plan::targets::{endpoint, mail_followup_dns, spf_redirect_target};
use crate::probe::filters::FilterLists;
use crate::probe::{BoxFuture, dns, documents, http, legacy_tls, mail, page, software, tls};

/// One probe's result, tagged with where it goes in the record.
// Each outcome is moved once into the record; boxing the large variants would buy nothing.
#[allow(clippy::large_enum_variant)]
enum Outcome {
    Http(String, Observed<HttpExchange>),
    Tls(String, Observed<TlsHandshake>),
    TlsIpv6(String, Observed<TlsHandshake>),
    Legacy(String, Observed<LegacyProtocols>),
    Dns(String, Observed<DnsRecords>),
    Page(String, Observed<PageResources>),
    Software(String, Observed<SoftwareObservation>),
    Documents(String, Vec<DocumentObservation>),
    Mail(String, Observed<MailObservation>),
}

/// Runs every probe of `plan` and returns what was observed. Never fails: a probe that cannot
/// observe records why. `tick` is called once per finished probe (for the progress bar).
pub async fn run(
    plan: &Plan,
    declarations: &Declarations,
    net: &Network,
    filters: Option<&FilterLists>,
    tick: &(dyn Fn() + Sync),
) -> Observations {
    let mut observations = Observations::new(now_to_the_second());
    let mut tasks: FuturesUnordered<BoxFuture<'_, Outcome>> = FuturesUnordered::new();

    for url in &plan.http {
        tasks.push(Box::pin(async move {
            let observed = match Url::parse(url) {
                Ok(parsed) => http::observe(net, &parsed).await,
                Err(e) => Observed::Failed(bad_url(url, e)),
            };
            Outcome::Http(url.clone(), observed)
        }));
    }
    for url in &plan.http_plain {
        tasks.push(Box::pin(async move {
            let observed = match Url::parse(url) {
                Ok(parsed) => http::observe_no_redirect(net, &parsed).await,
                Err(e) => Observed::Failed(bad_url(url, e)),
            };
            Outcome::Http(url.clone(), observed)
        }));
    }
    for (host, port) in &plan.tls {
        tasks.push(Box::pin(async move {
            Outcome::Tls(endpoint(host, *port), tls::observe(net, host, *port).await)
        }));
    }
    for (host, port) in &plan.legacy_tls {
        tasks.push(Box::pin(async move {
            Outcome::Legacy(
                endpoint(host, *port),
                legacy_tls::observe(net, host, *port).await,
            )
        }));
    }
    for name in &plan.dns {
        tasks.push(Box::pin(async move {
            Outcome::Dns(name.clone(), dns::observe(net, name).await)
        }));
    }
    for url in &plan.pages {
        tasks.push(Box::pin(async move {
            let observed = match Url::parse(url) {
                Ok(parsed) => page::observe(net, &parsed, filters).await,
                Err(e) => Observed::Failed(bad_url(url, e)),
            };
            Outcome::Page(url.clone(), observed)
        }));
    }
    for (url, &(member_index, service_index)) in &plan.software {
        let Some(service) = declarations
            .members
            .get(member_index)
            .and_then(|m| m.services.get(service_index))
        else {
            continue;
        };
        tasks.push(Box::pin(async move {
            Outcome::Software(url.clone(), software::observe_service(net, service).await)
        }));
    }
    for &index in &plan.documents {
        let Some(member) = declarations.members.get(index) else {
            continue;
        };
        tasks.push(Box::pin(async move {
            Outcome::Documents(member.id.clone(), documents::observe(net, member).await)
        }));
    }
    drain(&mut tasks, &mut observations, tick).await;

    // Phase two: mail exchangers come from the MX answers of phase one, SPF `redirect=`
    // targets from its TXT answers, and only hosts that publish AAAA records are tried over
    // IPv6.
    for (host, port) in &plan.tls_ipv6 {
        if !has_aaaa(&observations, host) {
            tick(); // nothing to try: counted as done for the progress bar
            continue;
        }
        tasks.push(Box::pin(async move {
            Outcome::TlsIpv6(
                endpoint(host, *port),
                tls::observe_ipv6(net, host, *port).await,
            )
        }));
    }
    let mut followups = std::collections::BTreeSet::new();
    for domain in &plan.mail {
        let exchangers = mx_hosts(&observations, domain);
        let mut followup_names = mail_followup_dns(&exchangers);
        followup_names.extend(spf_redirect_target(&txt_records(&observations, domain)));
        let mta_sts_txt = txt_records(&observations, &format!("_mta-sts.{domain}"));
        let declared = declarations
            .members
            .iter()
            .flat_map(|m| &m.mail_domains)
            .find(|d| d.domain.trim_end_matches('.').eq_ignore_ascii_case(domain))
            .cloned();
        let Some(declared) = declared else { continue };
        let dns_failure = observations
            .dns
            .get(domain)
            .and_then(|o| o.failure().cloned());
        tasks.push(Box::pin(async move {
            let observed = match dns_failure {
                // Without the MX answer there is nothing to connect to: say why.
                Some(failure) => Observed::Failed(failure),
                None => mail::observe(net, net, &declared, &exchangers, &mta_sts_txt).await,
            };
            Outcome::Mail(domain.clone(), observed)
        }));
        for name in followup_names {
            if observations.dns.contains_key(&name) || !followups.insert(name.clone()) {
                continue;
            }
            tasks.push(Box::pin(async move {
                let observed = dns::observe(net, &name).await;
                Outcome::Dns(name, observed)
            }));
        }
    }
    drain(&mut tasks, &mut observations, tick).await;
    observations
}

async fn drain(
    tasks: &mut FuturesUnordered<BoxFuture<'_, Outcome>>,
    observations: &mut Observations,
    tick: &(dyn Fn() + Sync),
) {
    while let Some(outcome) = tasks.next().await {
        tick();
        match outcome {
            Outcome::Http(key, value) => drop(observations.http.insert(key, value)),
            Outcome::Tls(key, value) => drop(observations.tls.insert(key, value)),
            Outcome::TlsIpv6(key, value) => drop(observations.tls_ipv6.insert(key, value)),
            Outcome::Legacy(key, value) => drop(observations.legacy_tls.insert(key, value)),
            Outcome::Dns(key, value) => drop(observations.dns.insert(key, value)),
            Outcome::Page(key, value) => drop(observations.pages.insert(key, value)),
            Outcome::Software(key, value) => drop(observations.software.insert(key, value)),
            Outcome::Documents(key, value) => drop(observations.documents.insert(key, value)),
            Outcome::Mail(key, value) => drop(observations.mail.insert(key, value)),
        }
    }
}

/// MX hosts of `domain` by preference, from the phase-one DNS answers.
fn mx_hosts(observations: &Observations, domain: &str) -> Vec<String> {
    let Some(Observed::Seen(records)) = observations.dns.get(domain) else {
        return Vec::new();
    };
    let mut mx = records.mx.clone();
    mx.sort();
    mx.into_iter()
        .map(|(_, host)| host.trim_end_matches('.').to_string())
        .collect()
}

fn has_aaaa(observations: &Observations, host: &str) -> bool {
    matches!(observations.dns.get(host), Some(Observed::Seen(records)) if !records.aaaa.is_empty())
}

/// TXT records of `name`, from the phase-one DNS answers.
fn txt_records(observations: &Observations, name: &str) -> Vec<String> {
    match observations.dns.get(name) {
        Some(Observed::Seen(records)) => records.txt.clone(),
        _ => Vec::new(),
    }
}

fn bad_url(url: &str, error: url::ParseError) -> ProbeFailure {
    ProbeFailure::Other {
        message: format!("invalid URL {url}: {error}"),
    }
}

/// The run's clock, truncated to the second so saved files and reports stay readable.
fn now_to_the_second() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}
