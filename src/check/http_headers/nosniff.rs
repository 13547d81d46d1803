//! `http-headers.nosniff`: the HTTPS page sets `X-Content-Type-Options: nosniff`.

use super::for_each_page;
use crate::check::{Check, Context, ProbeKind};
use crate::finding::Finding;

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
            match last.header("x-content-type-options") {
                Some(value) if value.trim().eq_ignore_ascii_case("nosniff") => cx.pass(
                    subject,
                    format!("{url} sets X-Content-Type-Options: nosniff"),
                ),
                Some(value) => cx
                    .warn(
                        subject,
                        format!("{url} sets X-Content-Type-Options to an unknown value"),
                    )
                    .evidence_at("http.x-content-type-options", value, url),
                None => cx.warn(
                    subject,
                    format!("{url} does not set X-Content-Type-Options: nosniff"),
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
    fn missing_header_warns() {
        assert_eq!(verdict_for(&[]), Verdict::Warn);
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let (m, mut obs) = page(&[]);
        obs.http.insert("https://chaton.test/".into(), timeout());
        assert_eq!(verdict(&Nosniff, &m, &obs), Verdict::Inconclusive);
    }
}
