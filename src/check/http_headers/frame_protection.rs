//! `http-headers.frame-protection`: the HTTPS page cannot be framed by other sites
//! (X-Frame-Options or CSP `frame-ancestors`).

use super::{directives, for_each_page};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::Finding;

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
            // frame-ancestors takes precedence over X-Frame-Options in current browsers.
            let ancestors = last
                .header_all("content-security-policy")
                .find_map(|policy| {
                    directives(policy)
                        .into_iter()
                        .find(|(name, _)| name == "frame-ancestors")
                        .map(|(_, v)| v)
                });
            if let Some(sources) = ancestors {
                let open = sources
                    .split_whitespace()
                    .any(|s| s == "*" || s == "https:" || s == "http:");
                let finding = if open {
                    cx.warn(
                        subject,
                        format!("{url} lets any site frame it (frame-ancestors {sources})"),
                    )
                } else {
                    cx.pass(
                        subject,
                        format!("{url} restricts framing with frame-ancestors"),
                    )
                };
                return finding.evidence_at("http.csp.frame-ancestors", sources, url);
            }
            match last.header("x-frame-options") {
                Some(value)
                    if value.trim().eq_ignore_ascii_case("deny")
                        || value.trim().eq_ignore_ascii_case("sameorigin") =>
                {
                    cx.pass(subject, format!("{url} sets X-Frame-Options {value}"))
                        .evidence_at("http.x-frame-options", value, url)
                }
                Some(value) => cx
                    .warn(
                        subject,
                        format!("{url} sets an X-Frame-Options value browsers ignore"),
                    )
                    .evidence_at("http.x-frame-options", value, url),
                None => cx.warn(
                    subject,
                    format!("{url} sets neither X-Frame-Options nor CSP frame-ancestors"),
                ),
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
    fn no_protection_warns() {
        assert_eq!(verdict_for(&[]), Verdict::Warn);
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let (m, mut obs) = page(&[]);
        obs.http.insert("https://chaton.test/".into(), timeout());
        assert_eq!(verdict(&FrameProtection, &m, &obs), Verdict::Inconclusive);
    }
}
