//! `transparency.security-published`: The main points of the security policy are published for users.
//!
//! Whether a page really describes the practice takes a reader: a dedicated page passes,
//! anything else is `manual` with the sentences that mention the topic.

use crate::check::transparency::{Topic, judge_practice};
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::DocumentKind;
use crate::finding::Finding;

/// What this check looks for, in both languages.
const TOPIC: Topic = Topic {
    en: "security policy",
    fr: "la politique de sécurité",
    feminine: true,
    plural: false,
};

/// The main points of the security policy are published for users.
pub struct SecurityPublished;

impl Check for SecurityPublished {
    fn id(&self) -> &'static str {
        "transparency.security-published"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Documents]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        judge_practice(cx, DocumentKind::Security, &TOPIC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::transparency::test_support::*;
    use crate::finding::Verdict;

    #[test]
    fn mentions_elsewhere_go_to_a_reviewer_in_french() {
        let findings = judge(
            &SecurityPublished,
            &member(),
            vec![home(vec![said("mentions.security", "1")])],
        );
        assert_eq!(findings[0].verdict, Verdict::Manual);
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(
            fr.starts_with("aucune page dédiée à la politique de sécurité n'a été trouvée"),
            "{fr}"
        );
    }
}
