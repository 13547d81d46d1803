//! `http-headers.referrer-policy`: the HTTPS page does not tell browsers to send full URLs to
//! other sites.
//!
//! An absent header passes: every current browser then applies
//! `strict-origin-when-cross-origin`, which sends other sites the origin only. What leaks the
//! full address (path and query, which may name a pad or a shared file) is an explicit
//! `unsafe-url`, or `no-referrer-when-downgrade` (the old default). The page's own
//! `<meta name="referrer">` is not observed here.

use super::for_each_page;
use crate::check::{Check, Context, ProbeKind};
use crate::finding::Finding;
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

impl Check for ReferrerPolicy {
    fn id(&self) -> &'static str {
        "http-headers.referrer-policy"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Http]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        for_each_page(cx, |_web, subject, _exchange, last| {
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
            let finding = match effective.as_deref() {
                None if values.is_empty() => cx.pass(
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
            };
            values.iter().fold(finding, |f, value| {
                f.evidence_at("http.referrer-policy", *value, url)
            })
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
