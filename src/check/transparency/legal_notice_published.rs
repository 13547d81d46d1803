//! `transparency.legal-notice-published`: the legal notice (mentions légales) is published,
//! and names a publisher and a host.
//!
//! Names are read by heuristics ("Directeur de la publication : …", "Hébergeur : …"); when
//! one is not recognised the verdict is `manual`, with what was seen, never `fail`.

use crate::check::transparency::{Presence, Topic, presence, reword, with_statement};
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::DocumentKind;
use crate::finding::{Finding, Subject, Verdict};
use crate::msg;
use crate::observation::documents::label;

/// What this check looks for, in both languages.
const TOPIC: Topic = Topic {
    en: "legal notice",
    fr: "les mentions légales",
    feminine: true,
    plural: true,
};

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
        let (finding, doc) = match presence(cx, DocumentKind::LegalNotice, &TOPIC, Verdict::Fail) {
            Presence::Missing(finding) => return vec![finding],
            Presence::Found(finding, doc) => (finding, doc),
        };
        let Some(content) = doc.reachable() else {
            return vec![finding];
        };
        let url = &doc.url;
        if let Some(error) = &content.read_error {
            let mut finding = finding;
            finding.verdict = Verdict::Manual;
            reword(
                &mut finding,
                msg!(
                    "legal notice found at {url} but it could not be read ({error}); a reviewer should check its publisher and host",
                    "les mentions légales trouvées à l'adresse {url} n'ont pas pu être lues ({error}) ; une personne doit y vérifier l'éditeur et l'hébergeur"
                ),
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
            reword(
                &mut finding,
                msg!(
                    "legal notice published at {url}, naming its publisher and host",
                    "les mentions légales sont publiées à l'adresse {url} et nomment l'éditeur et l'hébergeur"
                ),
            );
        } else {
            finding.verdict = Verdict::Manual;
            finding.subject = Subject::Member;
            let missing_en = missing.join(" and ");
            let missing_fr = match (publisher.is_empty(), host.is_empty()) {
                (true, true) => "ni éditeur ni hébergeur n'y ont été reconnus",
                (true, false) => "aucun éditeur n'y a été reconnu",
                _ => "aucun hébergeur n'y a été reconnu",
            };
            reword(
                &mut finding,
                msg!(
                    "legal notice published at {url}, but {missing_en} was not recognised in it; a reviewer should read it",
                    "les mentions légales sont publiées à l'adresse {url}, mais {missing_fr} ; une personne doit les lire"
                ),
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
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(
            fr.contains("les mentions légales sont publiées à l'adresse"),
            "{fr}"
        );
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
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(fr.contains("aucun hébergeur n'y a été reconnu"), "{fr}");
    }

    #[test]
    fn no_notice_on_a_readable_website_fails() {
        let findings = judge(&LegalNoticePublished, &member(), vec![home(vec![])]);
        assert_eq!(findings[0].verdict, Verdict::Fail);
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(
            fr.starts_with("les mentions légales sont introuvables : aucune adresse déclarée"),
            "{fr}"
        );
    }

    #[test]
    fn no_notice_on_an_unreachable_website_is_inconclusive() {
        let findings = judge(&LegalNoticePublished, &member(), vec![home_down()]);
        assert_eq!(findings[0].verdict, Verdict::Inconclusive);
    }
}
