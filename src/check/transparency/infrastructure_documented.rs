//! `transparency.infrastructure-documented`: The infrastructure (overall design, deployment of services, procedures) is documented.
//!
//! Whether a page really describes the practice takes a reader: a dedicated page passes,
//! anything else is `manual` with the sentences that mention the topic.

use crate::check::transparency::{Topic, judge_practice};
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::DocumentKind;
use crate::finding::Finding;

/// What this check looks for, in both languages.
const TOPIC: Topic = Topic {
    en: "infrastructure documentation",
    fr: "la documentation de l'infrastructure",
    feminine: true,
    plural: false,
};

/// The infrastructure (overall design, deployment of services, procedures) is documented.
pub struct InfrastructureDocumented;

impl Check for InfrastructureDocumented {
    fn id(&self) -> &'static str {
        "transparency.infrastructure-documented"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Documents]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        judge_practice(cx, DocumentKind::Infrastructure, &TOPIC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::transparency::test_support::*;
    use crate::finding::Verdict;

    #[test]
    fn an_unreachable_website_proves_no_absence_in_french_either() {
        let mut gone = home(vec![]);
        gone.content = crate::observation::Observed::Seen(content(404, vec![]));
        let findings = judge(&InfrastructureDocumented, &member(), vec![gone]);
        assert_eq!(findings[0].verdict, Verdict::Inconclusive);
        assert_eq!(
            findings[0].message_fr.as_deref(),
            Some(
                "la documentation de l'infrastructure est introuvable, mais le site https://chaton.test/ a répondu avec le code HTTP 404 : l'absence n'est pas prouvée"
            )
        );
    }
}
