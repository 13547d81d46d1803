//! `transparency.log-retention-published`: the website states how long logs are kept.
//!
//! A retention period read in any document (a dedicated page, the privacy policy, the terms)
//! passes, with the period and its sentence; anything else is for a reviewer (`manual`).

use crate::check::transparency::{Presence, Topic, documents, presence, reword, with_statement};
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::DocumentKind;
use crate::finding::{Finding, Subject, Verdict};
use crate::msg;
use crate::observation::documents::label;

/// What this check looks for, in both languages.
const TOPIC: Topic = Topic {
    en: "log retention policy",
    fr: "la politique de conservation des journaux",
    feminine: true,
    plural: false,
};

/// The log retention period is stated on the website.
pub struct LogRetentionPublished;

impl Check for LogRetentionPublished {
    fn id(&self) -> &'static str {
        "transparency.log-retention-published"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Documents]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        let periods = documents(cx)
            .map(|docs| super::statements(docs, label::LOG_RETENTION))
            .unwrap_or_default();
        if let Some((first, _)) = periods.first() {
            let period = &first.value;
            let mut finding = cx.pass(
                Subject::Member,
                msg!(
                    "log retention period stated: {period}",
                    "durée de conservation des journaux indiquée : {period}"
                ),
            );
            for (statement, url) in periods.iter().take(5) {
                finding = with_statement(finding, statement, url);
            }
            return vec![finding];
        }
        match presence(cx, DocumentKind::LogRetention, &TOPIC, Verdict::Manual) {
            Presence::Found(mut finding, doc) => {
                finding.verdict = Verdict::Manual;
                let url = &doc.url;
                reword(
                    &mut finding,
                    msg!(
                        "a page about logs was found at {url}, but no retention period was recognised in it; a reviewer should read it",
                        "une page sur les journaux a été trouvée à l'adresse {url}, mais aucune durée de conservation n'y a été reconnue ; une personne doit la lire"
                    ),
                );
                vec![finding]
            }
            Presence::Missing(mut finding) => {
                if finding.verdict == Verdict::Manual
                    && finding
                        .evidence
                        .iter()
                        .all(|e| !e.label.starts_with("statement."))
                {
                    reword(
                        &mut finding,
                        msg!(
                            "no log retention period found on the website; a reviewer should look for it",
                            "aucune durée de conservation des journaux trouvée sur le site ; une personne doit la chercher"
                        ),
                    );
                }
                vec![finding]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::transparency::test_support::*;

    #[test]
    fn a_period_in_the_privacy_policy_passes() {
        let docs = vec![
            home(vec![]),
            doc(
                DocumentKind::Privacy,
                "/confidentialite",
                200,
                vec![said(label::LOG_RETENTION, "12 months")],
            ),
        ];
        let findings = judge(&LogRetentionPublished, &member(), docs);
        assert_eq!(findings[0].verdict, Verdict::Pass);
        assert!(findings[0].message.contains("12 months"));
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert_eq!(
            fr,
            "durée de conservation des journaux indiquée : 12 months"
        );
    }

    #[test]
    fn a_logs_page_without_a_period_needs_a_reviewer() {
        let docs = vec![
            home(vec![]),
            doc(DocumentKind::LogRetention, "/journaux", 200, vec![]),
        ];
        let findings = judge(&LogRetentionPublished, &member(), docs);
        assert_eq!(findings[0].verdict, Verdict::Manual);
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(
            fr.contains("aucune durée de conservation n'y a été reconnue"),
            "{fr}"
        );
    }

    #[test]
    fn nothing_at_all_is_manual_never_fail() {
        let findings = judge(&LogRetentionPublished, &member(), vec![home(vec![])]);
        assert_eq!(findings[0].verdict, Verdict::Manual);
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(
            fr.starts_with("aucune durée de conservation des journaux"),
            "{fr}"
        );
    }
}
