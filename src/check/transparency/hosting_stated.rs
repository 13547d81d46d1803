//! `transparency.hosting-stated`: the website says where the data is hosted and who the
//! hardware provider is; when the member also declared `host.*` in ChatonsInfos, both must
//! agree.
//!
//! Countries and providers are read by heuristics, so what is not recognised, or disagrees,
//! goes to a reviewer (`manual`) with both values; nothing here fails.

use std::collections::BTreeSet;

use crate::catalogue::vocabulary::{contains_term, normalize, vocabulary};
use crate::check::transparency::{documents, statements, website_unreadable, with_statement};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject, Verdict};
use crate::observation::documents::label;

/// The hosting location and the hardware provider are stated, and agree with ChatonsInfos.
pub struct HostingStated;

impl Check for HostingStated {
    fn id(&self) -> &'static str {
        "transparency.hosting-stated"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Documents]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        let Some(docs) = documents(cx) else {
            return vec![cx.not_observed(Subject::Member, "the website's hosting statements")];
        };
        let countries = statements(docs, label::HOSTING_COUNTRY);
        let providers = statements(docs, label::HOSTING_PROVIDER);
        let hostings = cx
            .member
            .hosting
            .iter()
            .chain(cx.member.services.iter().filter_map(|s| s.hosting.as_ref()));
        let mut declared_countries = BTreeSet::new();
        let mut declared_providers = BTreeSet::new();
        for hosting in hostings {
            declared_countries.extend(hosting.country_code.iter().map(|c| c.to_ascii_uppercase()));
            declared_providers.extend(hosting.provider.iter().cloned());
        }
        let stated_countries: BTreeSet<&str> =
            countries.iter().map(|(s, _)| s.value.as_str()).collect();
        let stated_providers: BTreeSet<&str> =
            providers.iter().map(|(s, _)| s.value.as_str()).collect();

        let attach = |mut finding: Finding| {
            for (statement, url) in countries.iter().chain(&providers).take(10) {
                finding = with_statement(finding, statement, url);
            }
            for country in &declared_countries {
                finding = finding.evidence("chatonsinfos.host.country.code", country.clone());
            }
            for provider in &declared_providers {
                finding = finding.evidence("chatonsinfos.host.name", provider.clone());
            }
            finding
        };
        if stated_countries.is_empty() && stated_providers.is_empty() {
            if let Some(reason) = website_unreadable(docs) {
                let message = format!("no hosting statement read, but {reason}");
                return vec![attach(cx.finding(
                    Subject::Member,
                    Verdict::Inconclusive,
                    message,
                ))];
            }
            let read = docs.iter().filter(|d| d.reachable().is_some()).count();
            let message = format!(
                "no hosting location or hardware provider recognised in the {read} page(s) read; a reviewer should look for them"
            );
            return vec![attach(cx.manual(Subject::Member, message))];
        }
        if stated_countries.is_empty() || stated_providers.is_empty() {
            let (seen, missing) = if stated_countries.is_empty() {
                (
                    format!("provider {}", join(&stated_providers)),
                    "the hosting location",
                )
            } else {
                (
                    format!("location {}", join(&stated_countries)),
                    "the hardware provider",
                )
            };
            let message = format!(
                "the website states the {seen}, but {missing} was not recognised; a reviewer should check"
            );
            return vec![attach(cx.manual(Subject::Member, message))];
        }
        let country_disagrees = !declared_countries.is_empty()
            && !declared_countries
                .iter()
                .any(|c| stated_countries.contains(c.as_str()));
        let provider_disagrees = !declared_providers.is_empty()
            && !declared_providers.iter().any(|declared| {
                stated_providers
                    .iter()
                    .any(|stated| same_provider(declared, stated))
            });
        if country_disagrees || provider_disagrees {
            let mut parts = Vec::new();
            if country_disagrees {
                parts.push(format!(
                    "the website says {} but ChatonsInfos declares {}",
                    join(&stated_countries),
                    declared_countries
                        .iter()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if provider_disagrees {
                parts.push(format!(
                    "the website names {} but ChatonsInfos declares {}",
                    join(&stated_providers),
                    declared_providers
                        .iter()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            let message = format!(
                "hosting statements disagree: {}; a reviewer should check which is right",
                parts.join("; ")
            );
            return vec![attach(cx.manual(Subject::Member, message))];
        }
        let message = format!(
            "the website states where data is hosted ({}) and by whom ({})",
            join(&stated_countries),
            join(&stated_providers)
        );
        vec![attach(cx.pass(Subject::Member, message))]
    }
}

fn join(values: &BTreeSet<&str>) -> String {
    values.iter().copied().collect::<Vec<_>>().join(", ")
}

/// Whether a declared `host.name` names the provider recognised on the website: same words, or
/// one of the provider's aliases.
fn same_provider(declared: &str, stated: &str) -> bool {
    let declared = normalize(declared);
    let stated_norm = normalize(stated);
    if contains_term(&declared, &stated_norm) || contains_term(&stated_norm, &declared) {
        return true;
    }
    vocabulary()
        .hosters
        .iter()
        .filter(|h| h.name == stated)
        .flat_map(|h| &h.aliases)
        .any(|alias| contains_term(&declared, alias))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::transparency::test_support::*;
    use crate::declaration::Hosting;

    fn hosted(country: &str, provider: &str) -> crate::declaration::Member {
        let mut member = member();
        member.hosting = Some(Hosting {
            provider: Some(provider.into()),
            country_code: Some(country.into()),
            ..Hosting::default()
        });
        member
    }

    #[test]
    fn stated_and_agreeing_with_chatonsinfos_passes() {
        let docs = vec![home(vec![
            said(label::HOSTING_COUNTRY, "FR"),
            said(label::HOSTING_PROVIDER, "OVH"),
        ])];
        let findings = judge(&HostingStated, &hosted("fr", "OVH SAS"), docs);
        assert_eq!(findings[0].verdict, Verdict::Pass, "{findings:?}");
    }

    #[test]
    fn disagreement_with_chatonsinfos_shows_both_values() {
        let docs = vec![home(vec![
            said(label::HOSTING_COUNTRY, "DE"),
            said(label::HOSTING_PROVIDER, "Hetzner"),
        ])];
        let findings = judge(&HostingStated, &hosted("FR", "OVH"), docs);
        assert_eq!(findings[0].verdict, Verdict::Manual);
        assert!(
            findings[0].message.contains("DE") && findings[0].message.contains("FR"),
            "{}",
            findings[0].message
        );
        assert!(findings[0].message.contains("Hetzner") && findings[0].message.contains("OVH"));
    }

    #[test]
    fn only_a_provider_needs_a_reviewer() {
        let docs = vec![home(vec![said(label::HOSTING_PROVIDER, "Scaleway")])];
        let findings = judge(&HostingStated, &member(), docs);
        assert_eq!(findings[0].verdict, Verdict::Manual);
        assert!(findings[0].message.contains("location"));
    }

    #[test]
    fn nothing_read_on_a_dead_website_is_inconclusive() {
        let findings = judge(&HostingStated, &member(), vec![home_down()]);
        assert_eq!(findings[0].verdict, Verdict::Inconclusive);
    }
}
