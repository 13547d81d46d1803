//! `third-party.no-third-party-resources`: pages do not make browsers contact third parties.
//!
//! Every third party loaded automatically receives the visitor's IP address, Referer and
//! user agent. Whether its practices conflict with the charter is a judgement, so the default
//! verdict for a third party is `warn`. The one exception is the case the collective's
//! reviewers name explicitly: their checklist asks members to make sure no service or site
//! makes requests to GAFAM services, citing Google Fonts, ajax.googleapis.com and Gravatar.
//! A request to Google, Meta, Amazon, Apple or Microsoft, or to Gravatar, therefore `fail`s —
//! but only on a sourced table row, and only when the host is the company's own (not a
//! customer's subdomain under a public suffix such as `cloudfront.net`, which may be the
//! member's own distribution). A wrong `fail` accuses a real organisation in public.

use crate::check::third_party::{Party, describe, page_of, subjects, third_parties};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject, Verdict};
use crate::msg;

/// No third-party resource loaded automatically by the website or a declared service.
pub struct NoThirdPartyResources;

/// Owners the reviewers' checklist rules out (matched on the table's `company`, whose brand
/// follows in parentheses).
const GAFAM: &[&str] = &[
    "Google",
    "Alphabet",
    "Meta",
    "Facebook",
    "Amazon",
    "Apple",
    "Microsoft",
];
/// Named in the checklist although not owned by a GAFAM company.
const CHECKLIST_DOMAINS: &[&str] = &["gravatar.com"];

impl Check for NoThirdPartyResources {
    fn id(&self) -> &'static str {
        "third-party.no-third-party-resources"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Page]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        subjects(cx.member)
            .into_iter()
            .map(|(subject, url)| match page_of(cx, &subject, url) {
                Err(finding) => *finding,
                Ok(page) => judge_page(
                    cx,
                    subject,
                    &page.url,
                    page.truncated,
                    &third_parties(cx.member, page),
                ),
            })
            .collect()
    }
}

/// Whether a party is one the reviewers' checklist explicitly rules out.
fn ruled_out(party: &Party<'_>) -> bool {
    let Some(row) = party.row else { return false };
    if row.unverified() || !party.row_is_the_party() {
        return false;
    }
    let company = row.company.as_str();
    let owner = company.split(" (").next().unwrap_or(company);
    GAFAM.contains(&owner) || CHECKLIST_DOMAINS.contains(&row.domain.as_str())
}

fn judge_page(
    cx: &Context<'_>,
    subject: Subject,
    page: &str,
    truncated: bool,
    parties: &[Party<'_>],
) -> Finding {
    let loaded: Vec<&Party<'_>> = parties
        .iter()
        .filter(|p| p.loaded().next().is_some())
        .collect();
    let ruled: Vec<&Party<'_>> = loaded.iter().copied().filter(|p| ruled_out(p)).collect();
    let names = |ps: &[&Party<'_>]| {
        ps.iter()
            .map(|p| p.site.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut finding = if !ruled.is_empty() {
        let sites = names(&ruled);
        cx.fail(
            subject,
            msg!(
                "{page} makes browsers contact {sites}: services the reviewers' checklist rules out",
                "{page} fait contacter {sites} par les navigateurs : des services que la grille des relecteurs exclut"
            ),
        )
    } else if !loaded.is_empty() {
        let (count, sites) = (loaded.len(), names(&loaded));
        let party = if count == 1 { "y" } else { "ies" };
        cx.warn(
            subject,
            msg!(
                "{page} makes browsers contact {count} third part{party}: {sites}",
                "{page} fait contacter {count} tiers par les navigateurs : {sites}"
            ),
        )
    } else if truncated {
        cx.finding(
            subject,
            Verdict::Inconclusive,
            msg!(
                "{page} has more resources than the scan records; no third party among those seen",
                "{page} contient plus de ressources que l'analyse n'en enregistre ; aucun tiers parmi celles relevées"
            ),
        )
    } else {
        cx.pass(
            subject,
            msg!(
                "{page} makes browsers contact no third party",
                "{page} ne fait contacter aucun tiers par les navigateurs"
            ),
        )
    };
    for party in parties {
        let resource = party.loaded().next().copied().unwrap_or(party.resources[0]);
        let status = match (party.loaded().next().is_some(), ruled_out(party)) {
            (true, true) => "loaded automatically; ruled out by the reviewers' checklist",
            (true, false) => "loaded automatically",
            (false, _) => "referenced, not loaded automatically",
        };
        finding = describe(finding, party, resource, page).evidence("third_party.verdict", status);
    }
    finding
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::third_party::test_support::*;
    use crate::observation::page::ResourceContext;

    #[test]
    fn google_fonts_loaded_automatically_fails() {
        let obs = observations(vec![loaded(
            "https://fonts.googleapis.com/css2?family=Roboto",
            "link[rel=stylesheet]",
        )]);
        let findings = judge(&NoThirdPartyResources, &obs);
        assert_eq!(findings[0].verdict, Verdict::Fail, "{findings:?}");
        assert_eq!(
            findings[0].message_fr.as_deref(),
            Some(
                "https://www.chaton.test/ fait contacter fonts.googleapis.com par les navigateurs : des services que la grille des relecteurs exclut"
            )
        );
        assert_eq!(values(&findings[0], "third_party.category"), vec!["fonts"]);
    }

    #[test]
    fn gravatar_fails_as_the_checklist_names_it() {
        let obs = observations(vec![loaded(
            "https://www.gravatar.com/avatar/abc",
            "img[src]",
        )]);
        assert_eq!(
            judge(&NoThirdPartyResources, &obs)[0].verdict,
            Verdict::Fail
        );
    }

    #[test]
    fn other_third_parties_only_warn() {
        let obs = observations(vec![
            loaded("https://tile.openstreetmap.org/1/1/1.png", "img[src]"),
            loaded("https://cdn.unknown.test/lib.js", "script[src]"),
            loaded("https://d111.cloudfront.net/x.js", "script[src]"),
        ]);
        let findings = judge(&NoThirdPartyResources, &obs);
        assert_eq!(findings[0].verdict, Verdict::Warn);
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(
            fr.starts_with(
                "https://www.chaton.test/ fait contacter 3 tiers par les navigateurs : "
            ),
            "{fr}"
        );
        assert_eq!(
            values(&findings[0], "third_party.domain"),
            vec!["openstreetmap.org", "unknown.test", "d111.cloudfront.net"]
        );
        assert_eq!(
            values(&findings[0], "third_party.company")[1],
            "unknown (not in the third-party table)"
        );
        assert!(values(&findings[0], "third_party.company")[2].starts_with("a customer of Amazon"));
    }

    #[test]
    fn unverified_gafam_row_warns_rather_than_fails() {
        // cdn.ampproject.org is an unverified Google row.
        let obs = observations(vec![loaded(
            "https://cdn.ampproject.org/v0.js",
            "script[src]",
        )]);
        assert_eq!(
            judge(&NoThirdPartyResources, &obs)[0].verdict,
            Verdict::Warn
        );
    }

    #[test]
    fn references_that_never_load_pass_with_evidence() {
        let obs = observations(vec![
            inert(
                "https://fonts.googleapis.com/css",
                "link[rel=stylesheet]",
                ResourceContext::HtmlComment,
            ),
            loaded("https://www.chaton.test/style.css", "link[rel=stylesheet]"),
        ]);
        let findings = judge(&NoThirdPartyResources, &obs);
        assert_eq!(findings[0].verdict, Verdict::Pass);
        assert_eq!(
            values(&findings[0], "third_party.verdict"),
            vec!["referenced, not loaded automatically"]
        );
    }

    #[test]
    fn failed_page_is_inconclusive() {
        assert_eq!(
            judge(&NoThirdPartyResources, &failed())[0].verdict,
            Verdict::Inconclusive
        );
    }
}
