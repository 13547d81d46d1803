//! `transparency.privacy-published`: A personal-data and privacy policy is published and reachable from the website.

use crate::check::transparency::{Presence, Topic, presence};
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::DocumentKind;
use crate::finding::{Finding, Verdict};

/// What this check looks for, in both languages.
const TOPIC: Topic = Topic {
    en: "privacy policy",
    fr: "la politique de confidentialité",
    feminine: true,
    plural: false,
};

/// A personal-data and privacy policy is published and reachable from the website.
pub struct PrivacyPublished;

impl Check for PrivacyPublished {
    fn id(&self) -> &'static str {
        "transparency.privacy-published"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Documents]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        match presence(cx, DocumentKind::Privacy, &TOPIC, Verdict::Fail) {
            Presence::Found(finding, _) | Presence::Missing(finding) => vec![finding],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::transparency::test_support::*;

    #[test]
    fn a_policy_found_passes_and_says_so_in_french() {
        let docs = vec![
            home(vec![]),
            doc(DocumentKind::Privacy, "/confidentialite", 200, vec![]),
        ];
        let findings = judge(&PrivacyPublished, &member(), docs);
        assert_eq!(findings[0].verdict, Verdict::Pass);
        assert_eq!(
            findings[0].message_fr.as_deref(),
            Some(
                "la politique de confidentialité est publiée à l'adresse https://chaton.test/confidentialite"
            )
        );
    }
}
