//! `transparency.backups-published`: The backup practice is published on the website.
//!
//! Whether a page really describes the practice takes a reader: a dedicated page passes,
//! anything else is `manual` with the sentences that mention the topic.

use crate::check::transparency::{Topic, judge_practice};
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::DocumentKind;
use crate::finding::Finding;

/// What this check looks for, in both languages.
const TOPIC: Topic = Topic {
    en: "backup practice",
    fr: "la politique de sauvegarde",
    feminine: true,
    plural: false,
};

/// The backup practice is published on the website.
pub struct BackupsPublished;

impl Check for BackupsPublished {
    fn id(&self) -> &'static str {
        "transparency.backups-published"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Documents]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        judge_practice(cx, DocumentKind::Backups, &TOPIC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::transparency::test_support::*;
    use crate::finding::Verdict;

    #[test]
    fn nothing_found_goes_to_a_reviewer_in_french() {
        let findings = judge(&BackupsPublished, &member(), vec![home(vec![])]);
        assert_eq!(findings[0].verdict, Verdict::Manual);
        assert_eq!(
            findings[0].message_fr.as_deref(),
            Some(
                "la politique de sauvegarde est introuvable sur le site ; une personne doit la chercher"
            )
        );
    }
}
