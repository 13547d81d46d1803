//! `third-party.no-trackers`: no page makes a browser load a tracker or an ad network.
//!
//! A third party counts as a tracker when the third-party table says so with a source, or a
//! filter-list rule (EasyPrivacy, EasyList…) matches one of its URLs. Only then can a
//! reference loaded automatically make the check `fail`. A tracker known only from an
//! `unverified` row, or one loaded only after the visitor consents, is a `warn`. References
//! inside HTML comments and `<template>` are never loaded: they are reported, not held
//! against the member. First-party tools (a Matomo on the member's own domain) are not third
//! parties and are judged elsewhere, if at all.

use crate::check::third_party::{Party, describe, page_of, subjects, third_parties};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject, Verdict};
use crate::msg;
use crate::observation::page::{Resource, ResourceContext};

/// No tracker or advertising third party on the website or any declared service.
pub struct NoTrackers;

impl Check for NoTrackers {
    fn id(&self) -> &'static str {
        "third-party.no-trackers"
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
                    third_parties(cx.member, page),
                ),
            })
            .collect()
    }
}

/// How strongly a reference points at tracking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Signal {
    /// Only an `unverified` table row says tracker.
    Unverified,
    /// A sourced table row or a filter-list rule.
    Established,
}

fn signal(party: &Party<'_>, resource: &Resource) -> Option<Signal> {
    if resource.filter_match.is_some() {
        return Some(Signal::Established);
    }
    // A row's tracker flag speaks for the row's own service, not for a customer's subdomain
    // under a public suffix.
    let row = party
        .row
        .filter(|row| row.tracker && party.row_is_the_party())?;
    Some(if row.unverified() {
        Signal::Unverified
    } else {
        Signal::Established
    })
}

fn judge_page(
    cx: &Context<'_>,
    subject: Subject,
    page: &str,
    truncated: bool,
    parties: Vec<Party<'_>>,
) -> Finding {
    // (verdict weight, party, resource, explanation)
    let mut hits: Vec<(Verdict, &Party<'_>, &Resource, &str)> = Vec::new();
    for party in &parties {
        let mut worst: Option<(Verdict, &Resource, &str)> = None;
        for resource in &party.resources {
            let Some(signal) = signal(party, resource) else {
                continue;
            };
            let (verdict, why) = match (resource.loads_automatically, signal, resource.context) {
                (true, Signal::Established, _) => (Verdict::Fail, "loaded automatically"),
                (true, Signal::Unverified, _) => (
                    Verdict::Warn,
                    "loaded automatically; the table row is unverified",
                ),
                (false, _, Some(ResourceContext::ConsentGated)) => {
                    (Verdict::Warn, "loaded once the visitor consents")
                }
                (false, _, _) => (Verdict::Pass, "referenced but not loaded"),
            };
            let rank = |v: Verdict| v.severity_rank().unwrap_or(0);
            if worst.is_none_or(|(w, _, _)| rank(verdict) > rank(w)) {
                worst = Some((verdict, resource, why));
            }
        }
        if let Some((verdict, resource, why)) = worst {
            hits.push((verdict, party, resource, why));
        }
    }
    let fails = hits.iter().filter(|h| h.0 == Verdict::Fail).count();
    let warns = hits.iter().filter(|h| h.0 == Verdict::Warn).count();
    let mut finding = if fails > 0 {
        let party = plural(fails);
        cx.fail(
            subject,
            msg!(
                "{page} makes browsers load {fails} tracker or advertising third part{party}",
                "{page} fait charger par les navigateurs {fails} tiers de pistage ou de publicité"
            ),
        )
    } else if warns > 0 {
        let (s, likely) = if warns == 1 {
            (
                "",
                "pisteur probable (non vérifié, ou chargé après consentement)",
            )
        } else {
            (
                "s",
                "pisteurs probables (non vérifiés, ou chargés après consentement)",
            )
        };
        cx.warn(
            subject,
            msg!(
                "{page} references {warns} likely tracker{s} (unverified, or loaded after consent)",
                "{page} fait référence à {warns} {likely}"
            ),
        )
    } else if truncated {
        cx.finding(
            subject,
            Verdict::Inconclusive,
            msg!(
                "{page} has more resources than the scan records; no tracker among those seen",
                "{page} contient plus de ressources que l'analyse n'en enregistre ; aucun pisteur parmi celles relevées"
            ),
        )
    } else if hits.is_empty() {
        cx.pass(
            subject,
            msg!(
                "{page} loads no known tracker or advertising third party",
                "{page} ne charge aucun pisteur ni tiers publicitaire connu"
            ),
        )
    } else {
        cx.pass(
            subject,
            msg!(
                "{page} loads no tracker; trackers appear only in markup a browser never loads",
                "{page} ne charge aucun pisteur ; il n'en apparaît que dans du balisage qu'un navigateur ne charge jamais"
            ),
        )
    };
    for (verdict, party, resource, why) in &hits {
        finding = describe(finding, party, resource, page)
            .evidence("third_party.verdict", format!("{verdict}: {why}"));
    }
    finding
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "y" } else { "ies" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::third_party::test_support::*;

    #[test]
    fn sourced_tracker_loaded_automatically_fails() {
        let obs = observations(vec![loaded(
            "https://www.googletagmanager.com/gtag/js?id=G-X1",
            "script[src]",
        )]);
        let findings = judge(&NoTrackers, &obs);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].verdict, Verdict::Fail);
        assert_eq!(
            findings[0].message_fr.as_deref(),
            Some(
                "https://www.chaton.test/ fait charger par les navigateurs 1 tiers de pistage ou de publicité"
            )
        );
        assert_eq!(
            values(&findings[0], "third_party.domain"),
            vec!["googletagmanager.com"]
        );
        assert_eq!(values(&findings[0], "third_party.company"), vec!["Google"]);
    }

    #[test]
    fn unverified_tracker_row_only_warns() {
        // amazon-adsystem.com is an unverified advertising row.
        let obs = observations(vec![loaded(
            "https://c.amazon-adsystem.com/aax2/apstag.js",
            "script[src]",
        )]);
        assert_eq!(judge(&NoTrackers, &obs)[0].verdict, Verdict::Warn);
    }

    #[test]
    fn filter_rule_on_an_unknown_host_fails_and_names_the_rule() {
        let resource = matched(
            loaded("https://pixel.unknown-tracker.test/p.gif", "img[src]"),
            "||unknown-tracker.test^",
        );
        let findings = judge(&NoTrackers, &observations(vec![resource]));
        assert_eq!(findings[0].verdict, Verdict::Fail);
        assert_eq!(
            values(&findings[0], "third_party.filter_rule"),
            vec!["easyprivacy.txt: ||unknown-tracker.test^"]
        );
    }

    #[test]
    fn consent_gated_tracker_warns_and_commented_tracker_passes() {
        let gated = inert(
            "https://www.google-analytics.com/analytics.js",
            "script[data-src]",
            ResourceContext::ConsentGated,
        );
        let findings = judge(&NoTrackers, &observations(vec![gated]));
        assert_eq!(findings[0].verdict, Verdict::Warn);
        assert_eq!(
            findings[0].message_fr.as_deref(),
            Some(
                "https://www.chaton.test/ fait référence à 1 pisteur probable (non vérifié, ou chargé après consentement)"
            )
        );
        let commented = inert(
            "https://www.google-analytics.com/analytics.js",
            "script[src]",
            ResourceContext::HtmlComment,
        );
        let findings = judge(&NoTrackers, &observations(vec![commented]));
        assert_eq!(findings[0].verdict, Verdict::Pass);
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(fr.ends_with("qu'un navigateur ne charge jamais"), "{fr}");
        assert_eq!(
            values(&findings[0], "third_party.context"),
            vec!["html-comment"]
        );
    }

    #[test]
    fn noscript_pixel_counts_as_loaded() {
        let mut pixel = loaded(
            "https://www.facebook.com/tr?id=1&ev=PageView&noscript=1",
            "img[src]",
        );
        pixel.context = Some(ResourceContext::Noscript);
        assert_eq!(
            judge(&NoTrackers, &observations(vec![pixel]))[0].verdict,
            Verdict::Fail
        );
    }

    #[test]
    fn first_party_analytics_and_harmless_third_parties_pass() {
        let obs = observations(vec![
            matched(
                loaded("https://stats.chaton.test/matomo.js", "script[src]"),
                "/matomo.js",
            ),
            loaded("https://static.chaton-cdn.test/app.js", "script[src]"),
            loaded("https://tile.openstreetmap.org/1/1/1.png", "img[src]"),
        ]);
        let findings = judge(&NoTrackers, &obs);
        assert_eq!(findings[0].verdict, Verdict::Pass, "{findings:?}");
        assert!(findings[0].evidence.is_empty());
    }

    #[test]
    fn customer_subdomain_under_a_public_suffix_is_not_the_row_owner() {
        // A tracker=no row anyway, but the company must read as a customer of the CDN.
        let obs = observations(vec![loaded(
            "https://d111.cloudfront.net/x.js",
            "script[src]",
        )]);
        assert_eq!(judge(&NoTrackers, &obs)[0].verdict, Verdict::Pass);
    }

    #[test]
    fn missing_or_failed_page_is_inconclusive() {
        let empty =
            crate::observation::Observations::new(time::macros::datetime!(2026-01-01 00:00 UTC));
        assert_eq!(judge(&NoTrackers, &empty)[0].verdict, Verdict::Inconclusive);
        let findings = judge(&NoTrackers, &failed());
        assert_eq!(findings[0].verdict, Verdict::Inconclusive);
        assert_eq!(
            values(&findings[0], "probe.failure"),
            vec!["connection refused"]
        );
    }
}
