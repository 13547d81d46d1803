//! `http-headers.content-security-policy`: the HTTPS page sets an enforced
//! Content-Security-Policy that restricts scripts.

use super::{directives, for_each_page};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::Finding;

/// A Content-Security-Policy with `default-src` or `script-src`.
pub struct ContentSecurityPolicy;

impl Check for ContentSecurityPolicy {
    fn id(&self) -> &'static str {
        "http-headers.content-security-policy"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Http]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        for_each_page(cx, |_web, subject, _exchange, last| {
            let url = last.url.as_str();
            let policies: Vec<&str> = last.header_all("content-security-policy").collect();
            if policies.is_empty() {
                let finding = if let Some(report_only) =
                    last.header("content-security-policy-report-only")
                {
                    cx.warn(subject, format!("{url} only reports Content-Security-Policy violations, it does not enforce a policy"))
                        .evidence_at("http.content-security-policy-report-only", report_only, url)
                } else {
                    cx.warn(subject, format!("{url} sets no Content-Security-Policy"))
                };
                return finding;
            }
            let restricts_scripts = policies.iter().any(|policy| {
                directives(policy)
                    .iter()
                    .any(|(name, _)| name == "default-src" || name == "script-src")
            });
            let finding = if restricts_scripts {
                cx.pass(
                    subject,
                    format!("{url} sets a Content-Security-Policy that restricts scripts"),
                )
            } else {
                cx.warn(subject, format!("{url} sets a Content-Security-Policy without default-src or script-src: scripts are not restricted"))
            };
            policies.iter().fold(finding, |f, policy| {
                f.evidence_at("http.content-security-policy", *policy, url)
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
        verdict(&ContentSecurityPolicy, &m, &obs)
    }

    #[test]
    fn policy_with_default_src_passes() {
        assert_eq!(
            verdict_for(&[("content-security-policy", "default-src 'self'; img-src *")]),
            Verdict::Pass
        );
    }

    #[test]
    fn policy_that_only_sets_frame_ancestors_warns() {
        assert_eq!(
            verdict_for(&[("content-security-policy", "frame-ancestors 'none'")]),
            Verdict::Warn
        );
    }

    #[test]
    fn report_only_policy_warns() {
        assert_eq!(
            verdict_for(&[("content-security-policy-report-only", "default-src 'self'")]),
            Verdict::Warn
        );
    }

    #[test]
    fn missing_policy_warns() {
        assert_eq!(verdict_for(&[]), Verdict::Warn);
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let (m, mut obs) = page(&[]);
        obs.http.insert("https://chaton.test/".into(), timeout());
        assert_eq!(
            verdict(&ContentSecurityPolicy, &m, &obs),
            Verdict::Inconclusive
        );
    }
}
