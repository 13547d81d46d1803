//! `transparency.activity-report-published`: An activity report is published and covers a recent year (recommended criterion).
//!
//! A recommended criterion: absence and staleness are `warn`, never `fail`.

use crate::check::transparency::{Topic, judge_recent};
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::DocumentKind;
use crate::finding::Finding;

/// What this check looks for, in both languages.
const TOPIC: Topic = Topic {
    en: "activity report",
    fr: "le rapport d'activité",
    feminine: false,
    plural: false,
};

/// An activity report is published and covers a recent year (recommended criterion).
pub struct ActivityReportPublished;

impl Check for ActivityReportPublished {
    fn id(&self) -> &'static str {
        "transparency.activity-report-published"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Documents]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        judge_recent(cx, DocumentKind::ActivityReport, &TOPIC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::transparency::test_support::*;
    use crate::finding::Verdict;
    use crate::observation::Observed;

    fn report(years: Vec<i32>) -> Vec<crate::observation::documents::DocumentObservation> {
        let mut report = doc(DocumentKind::ActivityReport, "/rapport", 200, vec![]);
        if let Observed::Seen(content) = &mut report.content {
            content.heading_years = years;
        }
        vec![home(vec![]), report]
    }

    #[test]
    fn a_recent_report_names_its_year_in_french() {
        let findings = judge(&ActivityReportPublished, &member(), report(vec![2025]));
        assert_eq!(findings[0].verdict, Verdict::Pass);
        assert_eq!(
            findings[0].message_fr.as_deref(),
            Some("le rapport d'activité 2025 est publié à l'adresse https://chaton.test/rapport")
        );
    }

    #[test]
    fn an_old_report_warns_with_its_year_in_french() {
        let findings = judge(&ActivityReportPublished, &member(), report(vec![2021]));
        assert_eq!(findings[0].verdict, Verdict::Warn);
        assert_eq!(
            findings[0].message_fr.as_deref(),
            Some(
                "le rapport d'activité le plus récent trouvé est celui de 2021 ; rien pour 2024 ni après"
            )
        );
    }
}
