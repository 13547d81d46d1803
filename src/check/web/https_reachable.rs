//! `web.https-reachable`: every declared service and the website answer over HTTPS.

use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject};
use crate::observation::Observed;

/// Each service URL and the member website answer over HTTPS with a non-error status.
pub struct HttpsReachable;

impl Check for HttpsReachable {
    fn id(&self) -> &'static str {
        "web.https-reachable"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Http]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        let website = (Subject::Member, cx.member.website.as_str());
        let services = cx
            .member
            .services
            .iter()
            .map(|s| (Subject::Service(s.id.clone()), s.url.as_str()));
        std::iter::once(website)
            .chain(services)
            .map(|(subject, url)| judge_url(cx, subject, url))
            .collect()
    }
}

fn judge_url(cx: &Context<'_>, subject: Subject, url: &str) -> Finding {
    if !url.starts_with("https://") {
        return cx
            .fail(subject, format!("declared with a plain-text URL: {url}"))
            .evidence("url", url);
    }
    let Some(observed) = cx.observations.http.get(url) else {
        return cx.not_observed(subject, &format!("HTTPS for {url}"));
    };
    let exchange = match observed {
        Observed::Seen(exchange) => exchange,
        Observed::Failed(failure) => return cx.inconclusive(subject, failure).evidence("url", url),
    };
    let Some(last) = exchange.last() else {
        return cx.not_observed(subject, &format!("a response from {url}"));
    };
    let finding = match last.status {
        // A 5xx is the member's server failing right now: a fact, but not proof the service is
        // gone, so it is not a `fail`.
        500..=599 => cx.warn(subject, format!("{url} answers with a server error")),
        400..=499 if last.status != 401 && last.status != 403 => {
            cx.warn(subject, format!("{url} answers with a client error"))
        }
        _ => cx.pass(subject, format!("{url} answers over HTTPS")),
    };
    finding.evidence_at("http.status", last.status.to_string(), last.url.clone())
}
