//! `transparency.legal-notice-published`: the legal notice (mentions légales) is published,
//! and names a publisher and a host.
//!
//! Names are read by heuristics ("Directeur de la publication : …", "Hébergeur : …"); when
//! one is not recognised the verdict is `manual`, with what was seen, never `fail`.

use crate::check::transparency::{Presence, presence, with_statement};
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::DocumentKind;
use crate::finding::{Finding, Subject, Verdict};
use crate::observation::documents::label;

/// The legal notice is published and names a publisher and a host.
pub struct LegalNoticePublished;

impl Check for LegalNoticePublished {
    fn id(&self) -> &'static str {
        "transparency.legal-notice-published"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Documents]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        let (finding, doc) =
            match presence(cx, DocumentKind::LegalNotice, "legal notice", Verdict::Fail) {
                Presence::Missing(finding) => return vec![finding],
                Presence::Found(finding, doc) => (finding, doc),
            };
        let Some(content) = doc.reachable() else {
            return vec![finding];
        };
        if let Some(error) = &content.read_error {
            let mut finding = finding;
            finding.verdict = Verdict::Manual;
            finding.message = format!(
                "legal notice found at {} but it could not be read ({error}); a reviewer should check its publisher and host",
                doc.url
            );
            return vec![finding];
        }
        let publisher: Vec<_> = [label::PUBLISHER, label::SIRET, label::RNA]
            .into_iter()
            .flat_map(|l| content.statements(l))
            .collect();
        let host: Vec<_> = [label::HOST, label::HOSTING_PROVIDER]
            .into_iter()
            .flat_map(|l| content.statements(l))
            .collect();
        let mut finding = finding;
        for statement in publisher.iter().chain(&host) {
            finding = with_statement(finding, statement, &doc.url);
        }
        let missing: Vec<&str> = [
            (publisher.is_empty(), "a publisher"),
            (host.is_empty(), "a host"),
        ]
        .into_iter()
        .filter_map(|(absent, what)| absent.then_some(what))
        .collect();
        if missing.is_empty() {
            finding.message = format!(
                "legal notice published at {}, naming its publisher and host",
                doc.url
            );
        } else {
            finding.verdict = Verdict::Manual;
            finding.subject = Subject::Member;
            finding.message = format!(
                "legal notice published at {}, but {} was not recognised in it; a reviewer should read it",
                doc.url,
                missing.join(" and ")
            );
        }
        vec![finding]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::transparency::test_support::*;

    #[test]
    fn a_notice_naming_publisher_and_host_passes() {
        let docs = vec![
            home(vec![]),
            doc(
                DocumentKind::LegalNotice,
                "/mentions-legales",
                200,
                vec![
                    said(label::PUBLISHER, "Jeanne Martin"),
                    said(label::HOST, "OVH SAS, Roubaix"),
                ],
            ),
        ];
        let findings = judge(&LegalNoticePublished, &member(), docs);
        assert_eq!(findings[0].verdict, Verdict::Pass, "{findings:?}");
        assert!(
            findings[0]
                .evidence
                .iter()
                .any(|e| e.value.contains("Jeanne Martin"))
        );
    }

    #[test]
    fn a_notice_without_a_recognised_host_needs_a_reviewer() {
        let docs = vec![
            home(vec![]),
            doc(
                DocumentKind::LegalNotice,
                "/mentions-legales",
                200,
                vec![said(label::SIRET, "12345678900012")],
            ),
        ];
        let findings = judge(&LegalNoticePublished, &member(), docs);
        assert_eq!(findings[0].verdict, Verdict::Manual);
        assert!(
            findings[0].message.contains("a host"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn no_notice_on_a_readable_website_fails() {
        let findings = judge(&LegalNoticePublished, &member(), vec![home(vec![])]);
        assert_eq!(findings[0].verdict, Verdict::Fail);
    }

    #[test]
    fn no_notice_on_an_unreachable_website_is_inconclusive() {
        let findings = judge(&LegalNoticePublished, &member(), vec![home_down()]);
        assert_eq!(findings[0].verdict, Verdict::Inconclusive);
    }
}
