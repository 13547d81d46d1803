//! `transparency.economic-model-published`: The economic model (donations, membership, prices) is explained on a page reachable from the website.

use crate::check::transparency::{Presence, Topic, presence};
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::DocumentKind;
use crate::finding::{Finding, Verdict};

/// What this check looks for, in both languages.
const TOPIC: Topic = Topic {
    en: "economic model page",
    fr: "la présentation du modèle économique",
    feminine: true,
    plural: false,
};

/// The economic model (donations, membership, prices) is explained on a page reachable from the website.
pub struct EconomicModelPublished;

impl Check for EconomicModelPublished {
    fn id(&self) -> &'static str {
        "transparency.economic-model-published"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Documents]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        match presence(cx, DocumentKind::EconomicModel, &TOPIC, Verdict::Fail) {
            Presence::Found(finding, _) | Presence::Missing(finding) => vec![finding],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::transparency::test_support::*;

    #[test]
    fn a_page_in_server_error_is_inconclusive_in_french_too() {
        let docs = vec![
            home(vec![]),
            doc(DocumentKind::EconomicModel, "/adherer", 503, vec![]),
        ];
        let findings = judge(&EconomicModelPublished, &member(), docs);
        assert_eq!(findings[0].verdict, Verdict::Inconclusive);
        assert_eq!(
            findings[0].message_fr.as_deref(),
            Some(
                "la page de la présentation du modèle économique (https://chaton.test/adherer) a répondu par une erreur du serveur ; à réessayer plus tard"
            )
        );
    }
}
