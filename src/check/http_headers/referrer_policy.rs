//! `http-headers.referrer-policy`: the HTTPS page does not tell browsers to send full URLs to
//! other sites.
//!
//! An absent header passes: every current browser then applies
//! `strict-origin-when-cross-origin`, which sends other sites the origin only. What leaks the
//! full address (path and query, which may name a pad or a shared file) is an explicit
//! `unsafe-url`, or `no-referrer-when-downgrade` (the old default).
//!
//! The page's own `<meta name="referrer">` elements, read by the page probe, override the
//! header: browsers apply each valid one as the parser inserts it, after the header, so the
//! document's last valid one is the policy of the links and requests made from the page. The
//! effective policy is judged and the message names where it comes from. A `<meta>` value
//! is matched as the HTML spec says: lower-cased, not trimmed, one token, with the legacy
//! keywords `never`, `default`, `always` and `origin-when-crossorigin`. When the page was not
//! scanned (or its scan ended on another URL), the header alone is judged, as before.
//! `referrerpolicy` attributes on single elements are out of scope.

use super::{for_each_page, page_scan};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Message, Subject};
use crate::msg;

/// The effective Referrer-Policy keeps full URLs on the site.
pub struct ReferrerPolicy;

const KNOWN: [&str; 8] = [
    "no-referrer",
    "no-referrer-when-downgrade",
    "origin",
    "origin-when-cross-origin",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
    "unsafe-url",
];

/// The policy a `<meta name="referrer">` content sets, if browsers understand it.
fn meta_policy(content: &str) -> Option<&'static str> {
    let value = content.to_ascii_lowercase();
    let value = match value.as_str() {
        "never" => "no-referrer",
        "default" => "strict-origin-when-cross-origin",
        "always" => "unsafe-url",
        "origin-when-crossorigin" => "origin-when-cross-origin",
        other => other,
    };
    KNOWN.iter().copied().find(|known| *known == value)
}

/// The message for a policy set by the page's `<meta name="referrer">`.
fn from_meta(url: &str, policy: &str) -> Message {
    match policy {
        "unsafe-url" | "no-referrer-when-downgrade" => msg!(
            "{url} sets the referrer policy {policy} in a <meta name=\"referrer\"> element of the page, which sends full URLs to other sites",
            "{url} fixe la politique de référent à {policy} dans un élément <meta name=\"referrer\"> de la page, ce qui transmet les adresses complètes aux autres sites"
        ),
        "origin" | "origin-when-cross-origin" => msg!(
            "{url} sets the referrer policy {policy} in a <meta name=\"referrer\"> element of the page: other sites get the origin only, never the full address (Mozilla Observatory still counts it unsafe, as the origin also goes to plain-HTTP sites)",
            "{url} fixe la politique de référent à {policy} dans un élément <meta name=\"referrer\"> de la page : les autres sites ne reçoivent que l'origine, jamais l'adresse complète (Mozilla Observatory la juge tout de même risquée, car l'origine part aussi vers les sites en HTTP simple)"
        ),
        _ => msg!(
            "{url} sets the referrer policy {policy} in a <meta name=\"referrer\"> element of the page",
            "{url} fixe la politique de référent à {policy} dans un élément <meta name=\"referrer\"> de la page"
        ),
    }
}

/// The finding for the header's policy, `effective` being the last token browsers understand
/// (`absent`: no header at all).
fn from_header(
    cx: &Context<'_>,
    subject: Subject,
    url: &str,
    absent: bool,
    effective: Option<&str>,
) -> Finding {
    match effective {
        None if absent => cx.pass(
            subject,
            msg!(
                "{url} sets no Referrer-Policy; browsers default to strict-origin-when-cross-origin",
                "{url} n'envoie pas d'en-tête Referrer-Policy ; les navigateurs appliquent alors strict-origin-when-cross-origin par défaut"
            ),
        ),
        None => cx.pass(
            subject,
            msg!(
                "{url} sets a Referrer-Policy browsers do not understand; they keep strict-origin-when-cross-origin",
                "{url} envoie une Referrer-Policy que les navigateurs ne comprennent pas ; ils s'en tiennent à strict-origin-when-cross-origin"
            ),
        ),
        Some(policy @ ("unsafe-url" | "no-referrer-when-downgrade")) => {
            cx.warn(
                subject,
                msg!(
                    "{url} sets Referrer-Policy {policy}, which sends full URLs to other sites",
                    "{url} fixe la Referrer-Policy à {policy}, qui transmet les adresses complètes aux autres sites"
                ),
            )
        }
        Some(policy @ ("origin" | "origin-when-cross-origin")) => cx.pass(
            subject,
            msg!(
                "{url} sets Referrer-Policy {policy}: other sites get the origin only, never the full address (Mozilla Observatory still counts it unsafe, as the origin also goes to plain-HTTP sites)",
                "{url} fixe la Referrer-Policy à {policy} : les autres sites ne reçoivent que l'origine, jamais l'adresse complète (Mozilla Observatory la juge tout de même risquée, car l'origine part aussi vers les sites en HTTP simple)"
            ),
        ),
        Some(policy) => cx.pass(
            subject,
            msg!(
                "{url} sets Referrer-Policy {policy}",
                "{url} fixe la Referrer-Policy à {policy}"
            ),
        ),
    }
}

impl Check for ReferrerPolicy {
    fn id(&self) -> &'static str {
        "http-headers.referrer-policy"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Http, ProbeKind::Page]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        for_each_page(cx, |web, subject, _exchange, last| {
            let url = last.url.as_str();
            let values: Vec<&str> = last.header_all("referrer-policy").collect();
            // Browsers take the last token they understand, across repeated headers.
            let effective = values
                .iter()
                .flat_map(|value| value.split(','))
                .map(|token| token.trim().to_ascii_lowercase())
                .filter(|token| KNOWN.contains(&token.as_str()))
                .collect::<Vec<_>>()
                .pop();
            let page = page_scan(cx, web, last);
            let metas = page.map(|p| p.meta_referrer.as_slice()).unwrap_or_default();
            let from_page = metas.iter().filter_map(|c| meta_policy(c)).next_back();
            let finding = match (from_page, effective.as_deref()) {
                (Some(policy), _) => {
                    let mut message = from_meta(url, policy);
                    if !values.is_empty() {
                        message
                            .en
                            .push_str(" (it overrides the Referrer-Policy header)");
                        message
                            .fr
                            .push_str(" (elle l'emporte sur l'en-tête Referrer-Policy)");
                    }
                    if matches!(policy, "unsafe-url" | "no-referrer-when-downgrade") {
                        cx.warn(subject, message)
                    } else {
                        cx.pass(subject, message)
                    }
                }
                (None, None) if values.is_empty() && page.is_some() => {
                    if metas.is_empty() {
                        cx.pass(
                            subject,
                            msg!(
                                "{url} sets no referrer policy, neither in a Referrer-Policy header nor in a <meta name=\"referrer\"> element; browsers default to strict-origin-when-cross-origin",
                                "{url} ne fixe aucune politique de référent, ni par un en-tête Referrer-Policy ni dans un élément <meta name=\"referrer\"> ; les navigateurs appliquent alors strict-origin-when-cross-origin par défaut"
                            ),
                        )
                    } else {
                        cx.pass(
                            subject,
                            msg!(
                                "{url} sets no Referrer-Policy header, and a <meta name=\"referrer\"> browsers do not understand; they keep strict-origin-when-cross-origin",
                                "{url} n'envoie pas d'en-tête Referrer-Policy, et un élément <meta name=\"referrer\"> que les navigateurs ne comprennent pas ; ils s'en tiennent à strict-origin-when-cross-origin"
                            ),
                        )
                    }
                }
                (None, effective) => from_header(cx, subject, url, values.is_empty(), effective),
            };
            let finding = values.iter().fold(finding, |f, value| {
                f.evidence_at("http.referrer-policy", *value, url)
            });
            match page {
                Some(page) => metas.iter().fold(finding, |f, content| {
                    f.evidence_at("html.meta-referrer", content.as_str(), page.url.as_str())
                }),
                None => finding,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::http_headers::test_support::page;
    use crate::check::tls::test_support::{timeout, verdict};
    use crate::finding::Verdict;

    fn verdict_for(headers: &[(&str, &str)]) -> Verdict {
        let (m, obs) = page(headers);
        verdict(&ReferrerPolicy, &m, &obs)
    }

    #[test]
    fn strict_policies_pass() {
        assert_eq!(
            verdict_for(&[("referrer-policy", "no-referrer")]),
            Verdict::Pass
        );
        assert_eq!(
            verdict_for(&[("referrer-policy", "strict-origin-when-cross-origin")]),
            Verdict::Pass
        );
    }

    #[test]
    fn absent_header_passes_because_of_the_browser_default() {
        assert_eq!(verdict_for(&[]), Verdict::Pass);
    }

    #[test]
    fn unsafe_url_warns() {
        assert_eq!(
            verdict_for(&[("referrer-policy", "unsafe-url")]),
            Verdict::Warn
        );
    }

    #[test]
    fn no_referrer_when_downgrade_warns() {
        assert_eq!(
            verdict_for(&[("referrer-policy", "NO-REFERRER-WHEN-DOWNGRADE")]),
            Verdict::Warn
        );
    }

    #[test]
    fn last_understood_token_wins() {
        assert_eq!(
            verdict_for(&[("referrer-policy", "unsafe-url, no-referrer, bogus")]),
            Verdict::Pass
        );
        assert_eq!(
            verdict_for(&[
                ("referrer-policy", "no-referrer"),
                ("referrer-policy", "unsafe-url")
            ]),
            Verdict::Warn
        );
    }

    #[test]
    fn origin_only_policies_pass_but_mention_observatory() {
        let (m, obs) = page(&[("referrer-policy", "origin-when-cross-origin")]);
        let f = crate::check::tls::test_support::judge(&ReferrerPolicy, &m, &obs).remove(0);
        assert_eq!(f.verdict, Verdict::Pass);
        assert!(f.message.contains("Observatory"), "{}", f.message);
        let fr = f.message_fr.as_deref().unwrap_or_default();
        assert!(fr.contains("ne reçoivent que l'origine"), "{fr}");
    }

    #[test]
    fn unknown_tokens_are_skipped_for_the_last_known_one() {
        assert_eq!(
            verdict_for(&[("referrer-policy", " Unsafe-URL , strict-origin-v2 ")]),
            Verdict::Warn
        );
        assert_eq!(verdict_for(&[("referrer-policy", "bogus")]), Verdict::Pass);
    }

    #[test]
    fn the_final_response_is_judged() {
        let (m, obs) = crate::check::http_headers::test_support::hops(vec![
            crate::check::http_headers::test_support::response(
                "https://chaton.test/",
                302,
                &[("location", "/accueil"), ("referrer-policy", "unsafe-url")],
            ),
            crate::check::http_headers::test_support::response(
                "https://chaton.test/accueil",
                200,
                &[("referrer-policy", "no-referrer")],
            ),
        ]);
        assert_eq!(verdict(&ReferrerPolicy, &m, &obs), Verdict::Pass);
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let (m, mut obs) = page(&[]);
        obs.http.insert("https://chaton.test/".into(), timeout());
        assert_eq!(verdict(&ReferrerPolicy, &m, &obs), Verdict::Inconclusive);
    }
}

#[cfg(test)]
mod meta_tests {
    use super::*;
    use crate::check::http_headers::test_support::{page, scanned};
    use crate::check::tls::test_support::judge;
    use crate::finding::Verdict;

    /// The finding for a page with this header whose scan ended on `final_url` with these
    /// `<meta name="referrer">` contents.
    fn scanned_at(header: Option<&str>, final_url: &str, metas: &[&str]) -> Finding {
        let headers: Vec<(&str, &str)> =
            header.map(|h| ("referrer-policy", h)).into_iter().collect();
        let (m, mut obs) = page(&headers);
        scanned(&mut obs, final_url, &[], metas);
        judge(&ReferrerPolicy, &m, &obs).remove(0)
    }

    fn with_meta(header: Option<&str>, metas: &[&str]) -> Finding {
        scanned_at(header, "https://chaton.test/", metas)
    }

    #[test]
    fn an_unsafe_url_meta_without_header_warns_and_names_the_meta() {
        let f = with_meta(None, &["unsafe-url"]);
        assert_eq!(f.verdict, Verdict::Warn);
        assert!(
            f.message
                .contains("unsafe-url in a <meta name=\"referrer\">"),
            "{}",
            f.message
        );
        let fr = f.message_fr.as_deref().unwrap_or_default();
        assert!(
            fr.contains("dans un élément <meta name=\"referrer\">"),
            "{fr}"
        );
        assert!(
            f.evidence
                .iter()
                .any(|e| e.label == "html.meta-referrer" && e.value == "unsafe-url"),
            "{:?}",
            f.evidence
        );
    }

    #[test]
    fn a_meta_overrides_the_header_both_ways() {
        let f = with_meta(Some("no-referrer"), &["unsafe-url"]);
        assert_eq!(f.verdict, Verdict::Warn);
        assert!(
            f.message.contains("overrides the Referrer-Policy header"),
            "{}",
            f.message
        );
        let f = with_meta(Some("unsafe-url"), &["no-referrer"]);
        assert_eq!(f.verdict, Verdict::Pass);
        assert!(
            f.message.contains("no-referrer in a <meta"),
            "{}",
            f.message
        );
    }

    #[test]
    fn the_last_valid_meta_wins() {
        assert_eq!(
            with_meta(None, &["unsafe-url", "bogus"]).verdict,
            Verdict::Warn
        );
        assert_eq!(
            with_meta(None, &["unsafe-url", "no-referrer"]).verdict,
            Verdict::Pass
        );
        assert_eq!(
            with_meta(None, &["no-referrer", "unsafe-url"]).verdict,
            Verdict::Warn
        );
    }

    #[test]
    fn legacy_keywords_and_case_are_understood() {
        let f = with_meta(None, &["ALWAYS"]);
        assert_eq!(f.verdict, Verdict::Warn);
        assert!(f.message.contains("unsafe-url"), "{}", f.message);
        assert_eq!(
            with_meta(Some("unsafe-url"), &["never"]).verdict,
            Verdict::Pass
        );
        let f = with_meta(None, &["origin-when-crossorigin"]);
        assert_eq!(f.verdict, Verdict::Pass);
        assert!(f.message.contains("Observatory"), "{}", f.message);
    }

    #[test]
    fn meta_values_are_not_trimmed_nor_lists() {
        // Neither is a policy for a browser: the header stays in force.
        let f = with_meta(
            Some("no-referrer"),
            &[" unsafe-url", "no-referrer, unsafe-url"],
        );
        assert_eq!(f.verdict, Verdict::Pass);
        assert_eq!(
            f.message,
            "https://chaton.test/ sets Referrer-Policy no-referrer"
        );
    }

    #[test]
    fn a_scanned_page_without_any_policy_passes_and_says_both_were_looked_at() {
        let f = with_meta(None, &[]);
        assert_eq!(f.verdict, Verdict::Pass);
        assert!(
            f.message
                .contains("neither in a Referrer-Policy header nor"),
            "{}",
            f.message
        );
        let f = with_meta(None, &["bogus"]);
        assert_eq!(f.verdict, Verdict::Pass);
        assert!(
            f.message.contains("browsers do not understand"),
            "{}",
            f.message
        );
    }

    #[test]
    fn a_scan_that_ended_on_another_url_is_not_used() {
        let f = scanned_at(None, "https://chaton.test/login", &["unsafe-url"]);
        assert_eq!(f.verdict, Verdict::Pass);
        assert_eq!(
            f.message,
            "https://chaton.test/ sets no Referrer-Policy; browsers default to strict-origin-when-cross-origin"
        );
    }

    #[test]
    fn the_check_asks_for_the_page_scan() {
        assert!(ReferrerPolicy.needs().contains(&ProbeKind::Page));
    }
}
