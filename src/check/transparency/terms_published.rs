//! `transparency.terms-published`: The terms of use (CGU) are published and reachable from the website.

use crate::check::transparency::{Presence, Topic, presence};
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::DocumentKind;
use crate::finding::{Finding, Verdict};

/// What this check looks for, in both languages.
const TOPIC: Topic = Topic {
    en: "terms of use",
    fr: "les CGU",
    feminine: true,
    plural: true,
};

/// The terms of use (CGU) are published and reachable from the website.
pub struct TermsPublished;

impl Check for TermsPublished {
    fn id(&self) -> &'static str {
        "transparency.terms-published"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Documents]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        match presence(cx, DocumentKind::Terms, &TOPIC, Verdict::Fail) {
            Presence::Found(finding, _) | Presence::Missing(finding) => vec![finding],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::transparency::test_support::*;

    #[test]
    fn absent_terms_fail_with_a_french_sentence_in_the_plural() {
        let findings = judge(&TermsPublished, &member(), vec![home(vec![])]);
        assert_eq!(findings[0].verdict, Verdict::Fail);
        assert_eq!(
            findings[0].message_fr.as_deref(),
            Some(
                "les CGU sont introuvables : aucune adresse déclarée, et aucun lien de la page d'accueil n'y mène"
            )
        );
    }
}
