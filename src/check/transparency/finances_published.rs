//! `transparency.finances-published`: The accounts are published and cover a recent year (recommended criterion).
//!
//! A recommended criterion: absence and staleness are `warn`, never `fail`.

use crate::check::transparency::{Topic, judge_recent};
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::DocumentKind;
use crate::finding::Finding;

/// What this check looks for, in both languages.
const TOPIC: Topic = Topic {
    en: "published accounts",
    fr: "les comptes",
    feminine: false,
    plural: true,
};

/// The accounts are published and cover a recent year (recommended criterion).
pub struct FinancesPublished;

impl Check for FinancesPublished {
    fn id(&self) -> &'static str {
        "transparency.finances-published"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Documents]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        judge_recent(cx, DocumentKind::Finances, &TOPIC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::transparency::test_support::*;
    use crate::finding::Verdict;
    use crate::observation::Observed;

    #[test]
    fn old_accounts_warn_in_agreeing_french() {
        let mut accounts = doc(DocumentKind::Finances, "/comptes", 200, vec![]);
        if let Observed::Seen(content) = &mut accounts.content {
            content.heading_years = vec![2022];
        }
        let findings = judge(&FinancesPublished, &member(), vec![home(vec![]), accounts]);
        assert_eq!(findings[0].verdict, Verdict::Warn);
        assert_eq!(
            findings[0].message_fr.as_deref(),
            Some(
                "les comptes les plus récents trouvés sont ceux de 2022 ; rien pour 2024 ni après"
            )
        );
    }

    #[test]
    fn accounts_without_a_year_go_to_a_reviewer_in_french() {
        let docs = vec![
            home(vec![]),
            doc(DocumentKind::Finances, "/comptes", 200, vec![]),
        ];
        let findings = judge(&FinancesPublished, &member(), docs);
        assert_eq!(findings[0].verdict, Verdict::Manual);
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(
            fr.starts_with(
                "les comptes trouvés à l'adresse https://chaton.test/comptes, mais aucune année"
            ),
            "{fr}"
        );
    }
}
