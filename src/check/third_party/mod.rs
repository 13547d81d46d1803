//! Checks of the third_party family: trackers and third parties a visitor's browser is made
//! to contact by the member website and every declared service.
//!
//! A host is first party when its registrable domain (Public Suffix List, private section
//! included) is the registrable domain of the website or of a declared service, or one the
//! member declares as its own (`first_party_domains`). A self-hosted Matomo on the member's
//! domain is therefore first party; `matomo.cloud` is not. Under a public suffix such as
//! `cloudfront.net` or `github.io`, each subdomain is its own party.

use std::collections::{BTreeMap, BTreeSet};

use url::Url;

use crate::catalogue::third_parties::{ThirdParty, ThirdPartyTable, site_of};
use crate::check::Context;
use crate::declaration::Member;
use crate::finding::{Finding, Subject};
use crate::msg;
use crate::observation::Observed;
use crate::observation::page::{PageResources, Resource};

pub mod no_third_party_resources;
pub mod no_trackers;

pub use no_third_party_resources::NoThirdPartyResources;
pub use no_trackers::NoTrackers;

/// Every page the family judges: the website (as the member) and each declared service.
pub(crate) fn subjects(member: &Member) -> Vec<(Subject, &Url)> {
    std::iter::once((Subject::Member, &member.website))
        .chain(
            member
                .services
                .iter()
                .map(|s| (Subject::Service(s.id.clone()), &s.url)),
        )
        .collect()
}

/// The registrable domains that are the member's own.
pub(crate) fn first_party_sites(member: &Member) -> BTreeSet<String> {
    let declared = member.first_party_domains.iter().map(|d| site_of(d.trim()));
    let urls = std::iter::once(&member.website)
        .chain(member.services.iter().map(|s| &s.url))
        .filter_map(|u| u.host_str().map(site_of));
    declared.chain(urls).collect()
}

/// The scan of `url`, or the finding that says why there is none.
pub(crate) fn page_of<'a>(
    cx: &Context<'a>,
    subject: &Subject,
    url: &Url,
) -> Result<&'a PageResources, Box<Finding>> {
    match cx.observations.pages.get(url.as_str()) {
        None => Err(Box::new(
            cx.not_observed(
                subject.clone(),
                msg!("the resources of {url}", "les ressources de {url}"),
            )
            .evidence("page", url.as_str()),
        )),
        Some(Observed::Failed(failure)) => Err(Box::new(
            cx.inconclusive(subject.clone(), failure)
                .evidence("page", url.as_str()),
        )),
        Some(Observed::Seen(page)) => Ok(page),
    }
}

/// One third party a page references, with every reference to it.
#[derive(Debug)]
pub(crate) struct Party<'a> {
    /// Registrable domain (or host under a public suffix, or IP address).
    pub site: String,
    /// The table row of the first reference's host, if any.
    pub row: Option<&'static ThirdParty>,
    /// The references, in page order.
    pub resources: Vec<&'a Resource>,
}

impl Party<'_> {
    /// The row's facts hold for this party itself, not for a customer of the row's service
    /// living under a public suffix (`d123.cloudfront.net`, `bucket.s3.amazonaws.com`).
    pub fn row_is_the_party(&self) -> bool {
        self.row
            .is_some_and(|row| row.registrable_domain.as_deref() == Some(self.site.as_str()))
    }

    /// References a browser loads on its own (`<noscript>` ones included).
    pub fn loaded(&self) -> impl Iterator<Item = &&Resource> {
        self.resources.iter().filter(|r| r.loads_automatically)
    }
}

/// The third parties of `page` for `member`, grouped by site, in order of first reference.
pub(crate) fn third_parties<'a>(member: &Member, page: &'a PageResources) -> Vec<Party<'a>> {
    let own = first_party_sites(member);
    let table = ThirdPartyTable::embedded();
    let mut order: Vec<String> = Vec::new();
    let mut parties: BTreeMap<String, Party<'a>> = BTreeMap::new();
    for resource in &page.resources {
        let Some(host) = Url::parse(&resource.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
        else {
            continue;
        };
        let site = site_of(&host);
        if own.contains(&site) {
            continue;
        }
        let party = parties.entry(site.clone()).or_insert_with(|| {
            order.push(site.clone());
            Party {
                site: site.clone(),
                row: table.lookup(&host),
                resources: Vec::new(),
            }
        });
        party.resources.push(resource);
    }
    order
        .into_iter()
        .filter_map(|site| parties.remove(&site))
        .collect()
}

/// Evidence describing one third party and one of its references.
pub(crate) fn describe(
    finding: Finding,
    party: &Party<'_>,
    resource: &Resource,
    page: &str,
) -> Finding {
    let mut finding = finding.evidence_at("third_party.domain", party.site.clone(), page);
    if let Some(row) = party.row {
        let company = if party.row_is_the_party() {
            row.company.clone()
        } else {
            format!("a customer of {} ({})", row.company, row.domain)
        };
        finding = finding
            .evidence("third_party.company", company)
            .evidence(
                "third_party.country",
                row.company_country.clone().unwrap_or_else(|| "-".into()),
            )
            .evidence("third_party.category", row.category.clone());
        if row.unverified() {
            finding = finding.evidence("third_party.table_note", row.note.clone());
        } else if let Some(source) = &row.source_url {
            finding = finding.evidence("third_party.table_source", source.clone());
        }
    } else {
        finding = finding.evidence(
            "third_party.company",
            "unknown (not in the third-party table)",
        );
    }
    finding = finding
        .evidence("third_party.element", resource.element.clone())
        .evidence("third_party.url", resource.url.clone());
    if let Some(context) = resource.context {
        finding = finding.evidence("third_party.context", context.as_str());
    }
    if let Some(snippet) = &resource.snippet {
        finding = finding.evidence("third_party.snippet", snippet.clone());
    }
    if let Some(found_in) = &resource.found_in {
        finding = finding.evidence("third_party.found_in", found_in.clone());
    }
    if let Some(m) = &resource.filter_match {
        finding = finding.evidence("third_party.filter_rule", format!("{}: {}", m.list, m.rule));
    }
    finding
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Hand-built members and observations for the checks' unit tests.

    use time::macros::datetime;

    use crate::config::Config;
    use crate::declaration::Member;
    use crate::finding::Finding;
    use crate::observation::page::{FilterMatch, PageResources, Resource, ResourceContext};
    use crate::observation::{Observations, Observed, ProbeFailure};

    /// A member with website `https://www.chaton.test/` and no service.
    pub fn member() -> Member {
        serde_json::from_value(serde_json::json!({
            "id": "chaton",
            "name": "Chaton",
            "website": "https://www.chaton.test/",
            "first_party_domains": ["chaton-cdn.test"],
            "origin": {"file": "members.yaml", "line": 1, "column": 1}
        }))
        .expect("test member deserialises")
    }

    /// A resource loaded automatically.
    pub fn loaded(url: &str, element: &str) -> Resource {
        Resource::new(url, element, true)
    }

    /// A resource in `context`, not loaded.
    pub fn inert(url: &str, element: &str, context: ResourceContext) -> Resource {
        let mut r = Resource::new(url, element, false);
        r.context = Some(context);
        r
    }

    /// `resource` with a filter match.
    pub fn matched(mut resource: Resource, rule: &str) -> Resource {
        resource.filter_match = Some(FilterMatch {
            list: "easyprivacy.txt".into(),
            rule: rule.into(),
        });
        resource
    }

    /// Observations with the website's page holding `resources`.
    pub fn observations(resources: Vec<Resource>) -> Observations {
        let mut obs = Observations::new(datetime!(2026-01-01 00:00 UTC));
        let page = PageResources {
            url: "https://www.chaton.test/".into(),
            resources,
            ..PageResources::default()
        };
        obs.pages
            .insert("https://www.chaton.test/".into(), Observed::Seen(page));
        obs
    }

    /// Observations where the website's page could not be fetched.
    pub fn failed() -> Observations {
        let mut obs = Observations::new(datetime!(2026-01-01 00:00 UTC));
        obs.pages.insert(
            "https://www.chaton.test/".into(),
            Observed::Failed(ProbeFailure::Refused),
        );
        obs
    }

    /// Runs `check` on the test member.
    pub fn judge(check: &dyn crate::check::Check, obs: &Observations) -> Vec<Finding> {
        let member = member();
        let config = Config::default();
        crate::check::judge_member(&[check], &member, obs, &config)
    }

    /// The evidence values of `label`.
    pub fn values<'a>(finding: &'a Finding, label: &str) -> Vec<&'a str> {
        finding
            .evidence
            .iter()
            .filter(|e| e.label == label)
            .map(|e| e.value.as_str())
            .collect()
    }
}
