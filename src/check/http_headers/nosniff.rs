//! `http-headers.nosniff`: the HTTPS page sets `X-Content-Type-Options: nosniff`.
//!
//! Read as the Fetch standard has browsers read it: the header's values, repeated headers and
//! commas included, split into a list whose first item must be `nosniff` (case-insensitive,
//! trimmed). So `nosniff, nosniff` (the header sent twice, by the application and the proxy)
//! protects, where Mozilla Observatory, which compares the whole joined value, calls it
//! invalid. A `warn` at most: this is hardening of low severity.

use super::{for_each_page, list_items};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::Finding;
use crate::msg;

/// Browsers are told not to guess content types.
pub struct Nosniff;

impl Check for Nosniff {
    fn id(&self) -> &'static str {
        "http-headers.nosniff"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Http]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        for_each_page(cx, |_web, subject, _exchange, last| {
            let url = last.url.as_str();
            let raw: Vec<&str> = last.header_all("x-content-type-options").collect();
            let finding = match list_items(raw.iter().copied()).first() {
                Some(first) if first.eq_ignore_ascii_case("nosniff") => cx.pass(
                    subject,
                    msg!(
                        "{url} sets X-Content-Type-Options: nosniff",
                        "{url} envoie l'en-tête X-Content-Type-Options: nosniff"
                    ),
                ),
                _ if raw.is_empty() => {
                    return cx.warn(
                        subject,
                        msg!(
                            "{url} does not set X-Content-Type-Options: nosniff",
                            "{url} n'envoie pas l'en-tête X-Content-Type-Options: nosniff"
                        ),
                    );
                }
                _ => cx.warn(
                    subject,
                    msg!(
                        "{url} sets X-Content-Type-Options to a value other than nosniff, which browsers ignore",
                        "{url} donne à X-Content-Type-Options une autre valeur que nosniff, que les navigateurs ignorent"
                    ),
                ),
            };
            raw.iter().fold(finding, |f, value| {
                f.evidence_at("http.x-content-type-options", *value, url)
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
        verdict(&Nosniff, &m, &obs)
    }

    #[test]
    fn nosniff_passes() {
        assert_eq!(
            verdict_for(&[("x-content-type-options", "NoSniff")]),
            Verdict::Pass
        );
    }

    #[test]
    fn other_value_warns() {
        assert_eq!(
            verdict_for(&[("x-content-type-options", "sniff-away")]),
            Verdict::Warn
        );
    }

    #[test]
    fn surrounding_spaces_are_ignored() {
        assert_eq!(
            verdict_for(&[("x-content-type-options", "  nosniff ")]),
            Verdict::Pass
        );
    }

    #[test]
    fn a_header_sent_twice_still_protects() {
        assert_eq!(
            verdict_for(&[("x-content-type-options", "nosniff, nosniff")]),
            Verdict::Pass
        );
        assert_eq!(
            verdict_for(&[
                ("x-content-type-options", "nosniff"),
                ("x-content-type-options", "nosniff")
            ]),
            Verdict::Pass
        );
    }

    #[test]
    fn only_the_first_listed_value_counts() {
        assert_eq!(
            verdict_for(&[("x-content-type-options", "sniff, nosniff")]),
            Verdict::Warn
        );
        assert_eq!(
            verdict_for(&[("x-content-type-options", "nosniffx")]),
            Verdict::Warn
        );
    }

    #[test]
    fn a_rate_limited_page_is_not_judged() {
        let (m, obs) = crate::check::http_headers::test_support::hops(vec![
            crate::check::http_headers::test_support::response("https://chaton.test/", 429, &[]),
        ]);
        assert_eq!(verdict(&Nosniff, &m, &obs), Verdict::Inconclusive);
    }

    #[test]
    fn missing_header_warns() {
        assert_eq!(verdict_for(&[]), Verdict::Warn);
    }

    #[test]
    fn a_missing_header_is_reported_in_french_too() {
        let (m, obs) = page(&[]);
        let f = crate::check::tls::test_support::judge(&Nosniff, &m, &obs).remove(0);
        let fr = f.message_fr.as_deref().unwrap_or_default();
        assert!(fr.contains("n'envoie pas l'en-tête"), "{fr}");
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let (m, mut obs) = page(&[]);
        obs.http.insert("https://chaton.test/".into(), timeout());
        assert_eq!(verdict(&Nosniff, &m, &obs), Verdict::Inconclusive);
    }
}
