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
use crate::msg;
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
            return vec![cx.not_observed(
                Subject::Member,
                msg!(
                    "the website's hosting statements",
                    "les indications d'hébergement du site"
                ),
            )];
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
                let message = msg!(
                    "no hosting statement read, but {}",
                    "aucune indication d'hébergement lue, mais {}";
                    reason.en,
                    reason.fr,
                );
                return vec![attach(cx.finding(
                    Subject::Member,
                    Verdict::Inconclusive,
                    message,
                ))];
            }
            let read = docs.iter().filter(|d| d.reachable().is_some()).count();
            let pages_fr = if read == 1 {
                "la page lue".to_string()
            } else {
                format!("les {read} pages lues")
            };
            let message = msg!(
                "no hosting location or hardware provider recognised in the {read} page(s) read; a reviewer should look for them",
                "aucun lieu d'hébergement ni hébergeur du matériel n'a été reconnu dans {pages_fr} ; une personne doit les chercher"
            );
            return vec![attach(cx.manual(Subject::Member, message))];
        }
        if stated_countries.is_empty() || stated_providers.is_empty() {
            let message = if stated_countries.is_empty() {
                let providers = join(&stated_providers);
                msg!(
                    "the website states the provider {providers}, but the hosting location was not recognised; a reviewer should check",
                    "le site nomme l'hébergeur du matériel ({providers}), mais le lieu d'hébergement n'a pas été reconnu ; une personne doit vérifier"
                )
            } else {
                let countries = join(&stated_countries);
                msg!(
                    "the website states the location {countries}, but the hardware provider was not recognised; a reviewer should check",
                    "le site indique le lieu d'hébergement ({countries}), mais l'hébergeur du matériel n'a pas été reconnu ; une personne doit vérifier"
                )
            };
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
            let (mut parts_en, mut parts_fr) = (Vec::new(), Vec::new());
            if country_disagrees {
                let (stated, declared) = (join(&stated_countries), join_owned(&declared_countries));
                parts_en.push(format!(
                    "the website says {stated} but ChatonsInfos declares {declared}"
                ));
                parts_fr.push(format!(
                    "le site indique {stated} mais ChatonsInfos déclare {declared}"
                ));
            }
            if provider_disagrees {
                let (stated, declared) = (join(&stated_providers), join_owned(&declared_providers));
                parts_en.push(format!(
                    "the website names {stated} but ChatonsInfos declares {declared}"
                ));
                parts_fr.push(format!(
                    "le site nomme {stated} mais ChatonsInfos déclare {declared}"
                ));
            }
            let message = msg!(
                "hosting statements disagree: {}; a reviewer should check which is right",
                "les indications d'hébergement se contredisent : {} ; une personne doit vérifier laquelle est juste";
                parts_en.join("; "),
                parts_fr.join(" ; "),
            );
            return vec![attach(cx.manual(Subject::Member, message))];
        }
        let (countries, providers) = (join(&stated_countries), join(&stated_providers));
        let message = msg!(
            "the website states where data is hosted ({countries}) and by whom ({providers})",
            "le site indique où les données sont hébergées ({countries}) et par qui ({providers})"
        );
        vec![attach(cx.pass(Subject::Member, message))]
    }
}

fn join(values: &BTreeSet<&str>) -> String {
    values.iter().copied().collect::<Vec<_>>().join(", ")
}

fn join_owned(values: &BTreeSet<String>) -> String {
    values.iter().cloned().collect::<Vec<_>>().join(", ")
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
        assert_eq!(
            findings[0].message_fr.as_deref(),
            Some("le site indique où les données sont hébergées (FR) et par qui (OVH)")
        );
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
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(
            fr.contains("le site indique DE mais ChatonsInfos déclare FR ; le site nomme Hetzner"),
            "{fr}"
        );
    }

    #[test]
    fn only_a_provider_needs_a_reviewer() {
        let docs = vec![home(vec![said(label::HOSTING_PROVIDER, "Scaleway")])];
        let findings = judge(&HostingStated, &member(), docs);
        assert_eq!(findings[0].verdict, Verdict::Manual);
        assert!(findings[0].message.contains("location"));
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(
            fr.contains("le lieu d'hébergement n'a pas été reconnu"),
            "{fr}"
        );
    }

    #[test]
    fn nothing_recognised_on_a_readable_website_goes_to_a_reviewer() {
        let findings = judge(&HostingStated, &member(), vec![home(vec![])]);
        assert_eq!(findings[0].verdict, Verdict::Manual);
        assert_eq!(
            findings[0].message_fr.as_deref(),
            Some(
                "aucun lieu d'hébergement ni hébergeur du matériel n'a été reconnu dans la page lue ; une personne doit les chercher"
            )
        );
    }

    #[test]
    fn nothing_read_on_a_dead_website_is_inconclusive() {
        let findings = judge(&HostingStated, &member(), vec![home_down()]);
        assert_eq!(findings[0].verdict, Verdict::Inconclusive);
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(
            fr.starts_with("aucune indication d'hébergement lue, mais le site https://chaton.test/ n'a pas pu être récupéré ("),
            "{fr}"
        );
    }
}
