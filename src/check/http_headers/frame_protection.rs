//! `http-headers.frame-protection`: the HTTPS page cannot be framed by other sites
//! (X-Frame-Options or CSP `frame-ancestors`).
//!
//! Read as the HTML standard and CSP level 3 have browsers read it: an enforced policy with
//! `frame-ancestors` makes them ignore X-Frame-Options, and framing is allowed only if every
//! such policy allows it; otherwise X-Frame-Options, all its values together (repeated
//! headers and commas), lower-cased: `deny` or `sameorigin` protects, two different values
//! block framing too (browsers treat the conflict as a refusal), anything else (the obsolete
//! `ALLOW-FROM`, `ALLOWALL`, a typo) protects nothing. Two places where Mozilla Observatory is
//! more lenient and this check follows the browsers: Observatory passes any `frame-ancestors`,
//! even `*`, and passes `ALLOW-FROM`, which no current browser honours. A `warn` at most:
//! clickjacking protection is hardening of low severity.

use super::content_security_policy::{enforced_policies, is_any_host};
use super::{for_each_page, list_items};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::Finding;
use crate::msg;

/// Clickjacking protection by X-Frame-Options DENY/SAMEORIGIN or CSP frame-ancestors.
pub struct FrameProtection;

impl Check for FrameProtection {
    fn id(&self) -> &'static str {
        "http-headers.frame-protection"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Http]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        for_each_page(cx, |_web, subject, _exchange, last| {
            let url = last.url.as_str();
            let ancestors: Vec<Vec<String>> = enforced_policies(last)
                .iter()
                .filter_map(|policy| policy.get("frame-ancestors").map(<[String]>::to_vec))
                .collect();
            if !ancestors.is_empty() {
                // Each policy must allow the framing site: one restrictive policy is enough.
                let restricted = ancestors
                    .iter()
                    .find(|sources| !sources.iter().any(|s| is_any_host(s)));
                let (finding, sources) = match restricted {
                    Some(sources) => (
                        cx.pass(
                            subject,
                            msg!(
                                "{url} restricts framing with frame-ancestors",
                                "{url} limite son intégration dans un cadre avec frame-ancestors"
                            ),
                        ),
                        sources,
                    ),
                    None => {
                        let sources = &ancestors[0];
                        let listed = sources.join(" ");
                        (
                            cx.warn(
                                subject,
                                msg!(
                                    "{url} lets any site frame it (frame-ancestors {listed}), and browsers then ignore X-Frame-Options",
                                    "{url} laisse n'importe quel site l'intégrer dans un cadre (frame-ancestors {listed}), et les navigateurs ignorent alors X-Frame-Options"
                                ),
                            ),
                            sources,
                        )
                    }
                };
                return finding.evidence_at("http.csp.frame-ancestors", sources.join(" "), url);
            }
            let raw: Vec<&str> = last.header_all("x-frame-options").collect();
            let mut values: Vec<String> = list_items(raw.iter().copied())
                .into_iter()
                .map(str::to_ascii_lowercase)
                .collect();
            values.sort();
            values.dedup();
            let finding = match values.as_slice() {
                [] if raw.is_empty() => {
                    return cx.warn(
                        subject,
                        msg!(
                            "{url} sets neither X-Frame-Options nor CSP frame-ancestors",
                            "{url} n'envoie ni X-Frame-Options ni la directive CSP frame-ancestors"
                        ),
                    );
                }
                [one] if one == "deny" || one == "sameorigin" => cx.pass(
                    subject,
                    msg!(
                        "{url} sets X-Frame-Options {}",
                        "{url} fixe X-Frame-Options à {}",
                        one.to_ascii_uppercase()
                    ),
                ),
                [_, _, ..] => cx.pass(
                    subject,
                    msg!(
                        "{url} sets conflicting X-Frame-Options values, which browsers treat as a refusal to be framed",
                        "{url} donne à X-Frame-Options des valeurs contradictoires, que les navigateurs traitent comme un refus d'être intégré dans un cadre"
                    ),
                ),
                _ => cx.warn(
                    subject,
                    msg!(
                        "{url} sets an X-Frame-Options value browsers ignore (ALLOW-FROM is obsolete): any site may frame it",
                        "{url} donne à X-Frame-Options une valeur que les navigateurs ignorent (ALLOW-FROM est obsolète) : n'importe quel site peut l'intégrer dans un cadre"
                    ),
                ),
            };
            raw.iter().fold(finding, |f, value| {
                f.evidence_at("http.x-frame-options", *value, url)
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
        verdict(&FrameProtection, &m, &obs)
    }

    #[test]
    fn x_frame_options_deny_passes() {
        assert_eq!(verdict_for(&[("x-frame-options", "DENY")]), Verdict::Pass);
    }

    #[test]
    fn frame_ancestors_passes() {
        assert_eq!(
            verdict_for(&[(
                "content-security-policy",
                "default-src 'self'; frame-ancestors 'self'"
            )]),
            Verdict::Pass
        );
    }

    #[test]
    fn open_frame_ancestors_warns_even_with_x_frame_options() {
        assert_eq!(
            verdict_for(&[
                ("content-security-policy", "frame-ancestors *"),
                ("x-frame-options", "DENY")
            ]),
            Verdict::Warn
        );
    }

    #[test]
    fn allow_from_is_ignored_by_browsers_and_warns() {
        assert_eq!(
            verdict_for(&[("x-frame-options", "ALLOW-FROM https://x.test")]),
            Verdict::Warn
        );
    }

    #[test]
    fn x_frame_options_is_read_case_insensitively_and_trimmed() {
        assert_eq!(
            verdict_for(&[("x-frame-options", "  sameOrigin ")]),
            Verdict::Pass
        );
    }

    #[test]
    fn a_repeated_x_frame_options_value_still_protects() {
        assert_eq!(
            verdict_for(&[
                ("x-frame-options", "SAMEORIGIN"),
                ("x-frame-options", "sameorigin")
            ]),
            Verdict::Pass
        );
        assert_eq!(
            verdict_for(&[("x-frame-options", "DENY, DENY")]),
            Verdict::Pass
        );
    }

    #[test]
    fn conflicting_x_frame_options_values_block_framing() {
        assert_eq!(
            verdict_for(&[("x-frame-options", "DENY, SAMEORIGIN")]),
            Verdict::Pass
        );
    }

    #[test]
    fn allowall_protects_nothing() {
        assert_eq!(
            verdict_for(&[("x-frame-options", "ALLOWALL")]),
            Verdict::Warn
        );
    }

    #[test]
    fn frame_ancestors_overrides_x_frame_options() {
        assert_eq!(
            verdict_for(&[
                ("content-security-policy", "frame-ancestors 'self'"),
                ("x-frame-options", "ALLOW-FROM https://x.test")
            ]),
            Verdict::Pass
        );
    }

    #[test]
    fn frame_ancestors_in_a_report_only_policy_does_not_count() {
        assert_eq!(
            verdict_for(&[(
                "content-security-policy-report-only",
                "frame-ancestors 'none'"
            )]),
            Verdict::Warn
        );
        assert_eq!(
            verdict_for(&[
                ("content-security-policy-report-only", "frame-ancestors *"),
                ("x-frame-options", "DENY")
            ]),
            Verdict::Pass
        );
    }

    #[test]
    fn one_restrictive_policy_among_several_protects() {
        assert_eq!(
            verdict_for(&[
                ("content-security-policy", "frame-ancestors *"),
                ("content-security-policy", "frame-ancestors 'self'")
            ]),
            Verdict::Pass
        );
        assert_eq!(
            verdict_for(&[(
                "content-security-policy",
                "default-src 'self', frame-ancestors 'none'"
            )]),
            Verdict::Pass
        );
    }

    #[test]
    fn empty_frame_ancestors_means_none() {
        assert_eq!(
            verdict_for(&[("content-security-policy", "frame-ancestors")]),
            Verdict::Pass
        );
    }

    #[test]
    fn no_protection_warns() {
        assert_eq!(verdict_for(&[]), Verdict::Warn);
    }

    #[test]
    fn an_ignored_value_is_explained_in_french() {
        let (m, obs) = page(&[("x-frame-options", "ALLOW-FROM https://x.test")]);
        let f = crate::check::tls::test_support::judge(&FrameProtection, &m, &obs).remove(0);
        let fr = f.message_fr.as_deref().unwrap_or_default();
        assert!(fr.contains("ALLOW-FROM est obsolète"), "{fr}");
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let (m, mut obs) = page(&[]);
        obs.http.insert("https://chaton.test/".into(), timeout());
        assert_eq!(verdict(&FrameProtection, &m, &obs), Verdict::Inconclusive);
    }
}
