//! Checks of the transparency family: the documents the charter asks members to publish
//! (terms, privacy policy, legal notice, finances, activity report, economic model) and the
//! practices their website should state (hosting, backups, logs, security, infrastructure).
//!
//! All of them read the documents probe's observations for the member. The helpers below
//! hold the rules they share: what counts as found, when the website could not be read (then
//! absence proves nothing), and how evidence is attached.

mod activity_report_published;
mod backups_published;
mod economic_model_published;
mod finances_published;
mod hosting_stated;
mod infrastructure_documented;
mod legal_notice_published;
mod log_retention_published;
mod privacy_published;
mod security_published;
mod terms_published;

pub use activity_report_published::ActivityReportPublished;
pub use backups_published::BackupsPublished;
pub use economic_model_published::EconomicModelPublished;
pub use finances_published::FinancesPublished;
pub use hosting_stated::HostingStated;
pub use infrastructure_documented::InfrastructureDocumented;
pub use legal_notice_published::LegalNoticePublished;
pub use log_retention_published::LogRetentionPublished;
pub use privacy_published::PrivacyPublished;
pub use security_published::SecurityPublished;
pub use terms_published::TermsPublished;

use crate::check::Context;
use crate::declaration::DocumentKind;
use crate::finding::{Finding, Subject, Verdict};
use crate::observation::documents::{
    DocumentContent, DocumentObservation, FoundBy, Statement, label,
};
use crate::observation::{Observed, ProbeFailure};

/// The documents observed for the member, or `None` when the probe did not run for it.
pub(crate) fn documents<'a>(cx: &Context<'a>) -> Option<&'a [DocumentObservation]> {
    cx.observations
        .documents
        .get(&cx.member.id)
        .map(Vec::as_slice)
}

/// Why the website's home page could not be read, when it could not: then a missing document
/// proves nothing.
pub(crate) fn website_unreadable(docs: &[DocumentObservation]) -> Option<String> {
    let Some(home) = docs.iter().find(|d| d.found_by == FoundBy::Website) else {
        return Some("the website's home page was not fetched".to_string());
    };
    match &home.content {
        Observed::Failed(failure) => Some(format!(
            "the website {} could not be fetched: {failure}",
            home.url
        )),
        Observed::Seen(content) if !(200..300).contains(&content.status) => Some(format!(
            "the website {} answered with status {}",
            home.url, content.status
        )),
        Observed::Seen(_) => None,
    }
}

/// The documents meant to be of `kind`, reachable ones first.
pub(crate) fn of_kind(
    docs: &[DocumentObservation],
    kind: DocumentKind,
) -> Vec<&DocumentObservation> {
    let mut found: Vec<&DocumentObservation> = docs.iter().filter(|d| d.is(kind)).collect();
    found.sort_by_key(|d| (d.reachable().is_none(), d.found_by != FoundBy::Declared));
    found
}

/// Every statement with `label` in the reachable documents, with the URL it was read at.
pub(crate) fn statements<'a>(
    docs: &'a [DocumentObservation],
    wanted: &'a str,
) -> Vec<(&'a Statement, &'a str)> {
    docs.iter()
        .filter_map(|d| d.reachable().map(|c| (c, d.url.as_str())))
        .flat_map(|(c, url)| c.statements(wanted).map(move |s| (s, url)))
        .collect()
}

/// Sentences of other documents that mention `kind`'s topic.
pub(crate) fn mentions(
    docs: &[DocumentObservation],
    kind: DocumentKind,
) -> Vec<(&Statement, &str)> {
    let wanted = format!("{}{}", label::MENTIONS_PREFIX, kind.key());
    docs.iter()
        .filter_map(|d| d.reachable().map(|c| (c, d.url.as_str())))
        .flat_map(|(c, url)| {
            c.statements
                .iter()
                .filter(|s| s.label == wanted)
                .map(move |s| (s, url))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Evidence describing one document.
pub(crate) fn with_document(finding: Finding, doc: &DocumentObservation) -> Finding {
    let mut finding =
        finding.evidence_at("document.found_by", doc.found_by.as_str(), doc.url.clone());
    if let Some(matched) = &doc.matched {
        finding = finding.evidence_at("document.matched", matched.clone(), doc.url.clone());
    }
    match &doc.content {
        Observed::Failed(failure) => {
            finding.evidence_at("document.failure", failure.to_string(), doc.url.clone())
        }
        Observed::Seen(content) => with_content(finding, content, &doc.url),
    }
}

fn with_content(mut finding: Finding, content: &DocumentContent, url: &str) -> Finding {
    finding = finding.evidence_at(
        "document.status",
        content.status.to_string(),
        url.to_string(),
    );
    if let Some(title) = &content.title {
        finding = finding.evidence_at("document.title", title.clone(), url.to_string());
    }
    if (200..300).contains(&content.status) {
        finding = finding.evidence_at("document.format", content.format.clone(), url.to_string());
    }
    if let Some(error) = &content.read_error {
        finding = finding.evidence_at("document.read_error", error.clone(), url.to_string());
    }
    for note in &content.notes {
        finding = finding.evidence_at("document.note", note.clone(), url.to_string());
    }
    finding
}

/// Evidence of one statement.
pub(crate) fn with_statement(finding: Finding, statement: &Statement, url: &str) -> Finding {
    finding.evidence_at(
        format!("statement.{}", statement.label),
        format!("{} — “{}”", statement.value, statement.excerpt),
        url.to_string(),
    )
}

/// The outcome of looking for one kind of document.
pub(crate) enum Presence<'a> {
    /// A reachable document: the finding to return if nothing more is judged, and the document.
    Found(Finding, &'a DocumentObservation),
    /// Not found, or not observable: the finding to return.
    Missing(Finding),
}

/// Looks for a reachable document of `kind`. When none is found: `inconclusive` when the
/// website or a declared document could not be fetched, `manual` when other documents mention
/// the topic (the clause may live inside them), otherwise `absent` (`fail` or `warn`).
pub(crate) fn presence<'a>(
    cx: &Context<'a>,
    kind: DocumentKind,
    what: &str,
    absent: Verdict,
) -> Presence<'a> {
    let Some(docs) = documents(cx) else {
        return Presence::Missing(cx.not_observed(Subject::Member, format!("the {what}")));
    };
    let candidates = of_kind(docs, kind);
    if let Some(doc) = candidates.iter().copied().find(|d| d.reachable().is_some()) {
        let finding = cx.pass(Subject::Member, format!("{what} published at {}", doc.url));
        return Presence::Found(with_document(finding, doc), doc);
    }
    let attach = |mut finding: Finding| {
        for doc in &candidates {
            finding = with_document(finding, doc);
        }
        finding
    };
    let network_failure: Option<&ProbeFailure> =
        candidates.iter().find_map(|d| d.content.failure());
    if let Some(failure) = network_failure {
        return Presence::Missing(attach(cx.inconclusive(Subject::Member, failure)));
    }
    if let Some(doc) = candidates
        .iter()
        .find(|d| d.content.seen().is_some_and(|c| c.status >= 500))
    {
        let message = format!(
            "the {what} at {} answered with a server error; try again later",
            doc.url
        );
        return Presence::Missing(attach(cx.finding(
            Subject::Member,
            Verdict::Inconclusive,
            message,
        )));
    }
    if let Some(reason) = website_unreadable(docs) {
        let message = format!("no {what} found, but {reason}: absence is not proven");
        return Presence::Missing(attach(cx.finding(
            Subject::Member,
            Verdict::Inconclusive,
            message,
        )));
    }
    let mentioned = mentions(docs, kind);
    if !mentioned.is_empty() {
        let message = format!(
            "no dedicated {what} found, but other pages mention it; a reviewer should check whether they serve as one"
        );
        let mut finding = attach(cx.manual(Subject::Member, message));
        for (statement, url) in mentioned.into_iter().take(5) {
            finding = with_statement(finding, statement, url);
        }
        return Presence::Missing(finding);
    }
    let declared = candidates.iter().any(|d| d.found_by == FoundBy::Declared);
    let message = if declared {
        format!("the declared {what} is not reachable, and no link on the home page leads to one")
    } else {
        format!("no {what} found: none declared, and no link on the home page leads to one")
    };
    let links = docs
        .iter()
        .find(|d| d.found_by == FoundBy::Website)
        .and_then(|d| d.content.seen())
        .map_or(0, |c| c.links_scanned);
    let finding = attach(cx.finding(Subject::Member, absent, message))
        .evidence("website.links_scanned", links.to_string());
    Presence::Missing(finding)
}

/// The shared rule of "a document that covers a recent year" (finances, activity report):
/// present, then fresh when it covers one of the last `finances_max_age_years` calendar years.
pub(crate) fn judge_recent(cx: &Context<'_>, kind: DocumentKind, what: &str) -> Vec<Finding> {
    let found = match presence(cx, kind, what, Verdict::Warn) {
        Presence::Missing(finding) => return vec![finding],
        Presence::Found(_, doc) => doc,
    };
    let docs = documents(cx).unwrap_or_default();
    // Of all reachable documents of this kind, the one covering the most recent year.
    let best = of_kind(docs, kind)
        .into_iter()
        .filter_map(|d| d.reachable().map(|c| (d, c)))
        .filter_map(|(d, c)| covered_year(c).map(|y| (y, d)))
        .max_by_key(|(y, _)| *y);
    let current = cx.now().year();
    let oldest_fresh =
        current - i32::try_from(cx.config.finances_max_age_years).unwrap_or(i32::MAX);
    let Some((year, doc)) = best else {
        let unreadable = found.reachable().and_then(|c| c.read_error.clone());
        let message = match unreadable {
            Some(error) => format!(
                "{what} found at {} but it could not be read ({error}); a reviewer should check which year it covers",
                found.url
            ),
            None => format!(
                "{what} found at {} but no year was recognised in it; a reviewer should check which year it covers",
                found.url
            ),
        };
        return vec![with_document(cx.manual(Subject::Member, message), found)];
    };
    let finding = if year >= oldest_fresh {
        cx.pass(
            Subject::Member,
            format!("{what} published at {}, covering {year}", doc.url),
        )
    } else {
        cx.warn(
            Subject::Member,
            format!(
                "the most recent {what} found covers {year}; nothing for {oldest_fresh} or later"
            ),
        )
    };
    let mut finding = with_document(
        finding.evidence_at("document.year", year.to_string(), doc.url.clone()),
        doc,
    );
    if let Some(content) = doc.reachable() {
        for (statement, url) in content
            .statements(label::AMOUNT)
            .take(3)
            .map(|s| (s, doc.url.as_str()))
        {
            finding = with_statement(finding, statement, url);
        }
    }
    vec![finding]
}

/// The year a document covers: the most recent year of its title, URL or link text, else the
/// most recent year of its text (copyright notices already left out by the probe).
pub(crate) fn covered_year(content: &DocumentContent) -> Option<i32> {
    content
        .heading_years
        .iter()
        .max()
        .or_else(|| content.years.iter().max())
        .copied()
}

/// The shared rule of the practice checks (backups, security, infrastructure): a dedicated
/// page passes; otherwise a human must look, starting from the mentions found.
pub(crate) fn judge_practice(cx: &Context<'_>, kind: DocumentKind, what: &str) -> Vec<Finding> {
    match presence(cx, kind, what, Verdict::Manual) {
        Presence::Found(finding, _) => vec![finding],
        Presence::Missing(finding) if finding.verdict == Verdict::Manual => {
            let mut finding = finding;
            if finding
                .evidence
                .iter()
                .all(|e| !e.label.starts_with("statement."))
            {
                finding.message =
                    format!("no {what} found on the website; a reviewer should look for it");
            }
            vec![finding]
        }
        Presence::Missing(finding) => vec![finding],
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Hand-built observations for the unit tests of this family.

    use std::collections::BTreeMap;

    use time::macros::datetime;
    use url::Url;

    use crate::config::Config;
    use crate::declaration::{DocumentKind, Member, Origin};
    use crate::observation::documents::{DocumentContent, DocumentObservation, FoundBy, Statement};
    use crate::observation::{Observations, Observed, ProbeFailure};

    /// A member with an empty declaration.
    pub fn member() -> Member {
        Member {
            id: "chaton".into(),
            name: "Chaton".into(),
            website: Url::parse("https://chaton.test/").expect("valid"),
            first_party_domains: Vec::new(),
            contact: None,
            documents: BTreeMap::new(),
            mail_domains: Vec::new(),
            services: Vec::new(),
            hosting: None,
            properties_files: Vec::new(),
            origin: Origin::default(),
        }
    }

    /// Observations at 2026-03-01 with `docs` for the member.
    pub fn observations(docs: Vec<DocumentObservation>) -> Observations {
        let mut observations = Observations::new(datetime!(2026-03-01 12:00 UTC));
        observations.documents.insert("chaton".into(), docs);
        observations
    }

    /// A readable home page with `text_statements`.
    pub fn home(statements: Vec<Statement>) -> DocumentObservation {
        DocumentObservation {
            kinds: Vec::new(),
            url: "https://chaton.test/".into(),
            found_by: FoundBy::Website,
            matched: None,
            content: Observed::Seen(content(200, statements)),
        }
    }

    /// An unreachable home page.
    pub fn home_down() -> DocumentObservation {
        DocumentObservation {
            kinds: Vec::new(),
            url: "https://chaton.test/".into(),
            found_by: FoundBy::Website,
            matched: None,
            content: Observed::Failed(ProbeFailure::Timeout { after_ms: 10_000 }),
        }
    }

    /// A discovered document of `kind` with `status`.
    pub fn doc(
        kind: DocumentKind,
        path: &str,
        status: u16,
        statements: Vec<Statement>,
    ) -> DocumentObservation {
        DocumentObservation {
            kinds: vec![kind],
            url: format!("https://chaton.test{path}"),
            found_by: FoundBy::Discovered,
            matched: Some(format!("link ({path})")),
            content: Observed::Seen(content(status, statements)),
        }
    }

    /// A readable HTML content with `status`.
    pub fn content(status: u16, statements: Vec<Statement>) -> DocumentContent {
        DocumentContent {
            status,
            format: "html".into(),
            size: 1000,
            statements,
            ..DocumentContent::default()
        }
    }

    /// A statement.
    pub fn said(label: &str, value: &str) -> Statement {
        Statement {
            label: label.into(),
            value: value.into(),
            excerpt: format!("… {value} …"),
        }
    }

    /// Runs `check` on `member` with `docs`.
    pub fn judge(
        check: &dyn crate::check::Check,
        member: &Member,
        docs: Vec<DocumentObservation>,
    ) -> Vec<crate::finding::Finding> {
        let observations = observations(docs);
        crate::check::judge_member(&[check], member, &observations, &Config::default())
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;
    use crate::observation::documents::label;

    fn verdict(check: &dyn crate::check::Check, docs: Vec<DocumentObservation>) -> Finding {
        judge(check, &member(), docs).remove(0)
    }

    #[test]
    fn terms_found_pass_with_their_url() {
        let finding = verdict(
            &TermsPublished,
            vec![home(vec![]), doc(DocumentKind::Terms, "/cgu", 200, vec![])],
        );
        assert_eq!(finding.verdict, Verdict::Pass);
        assert!(finding.message.contains("https://chaton.test/cgu"));
    }

    #[test]
    fn terms_absent_from_a_readable_website_fail() {
        let finding = verdict(&TermsPublished, vec![home(vec![])]);
        assert_eq!(finding.verdict, Verdict::Fail);
    }

    #[test]
    fn a_terms_link_that_times_out_is_inconclusive() {
        let mut terms = doc(DocumentKind::Terms, "/cgu", 200, vec![]);
        terms.content = Observed::Failed(ProbeFailure::Timeout { after_ms: 5000 });
        let finding = verdict(&TermsPublished, vec![home(vec![]), terms]);
        assert_eq!(finding.verdict, Verdict::Inconclusive);
    }

    #[test]
    fn a_terms_page_in_server_error_is_inconclusive() {
        let finding = verdict(
            &TermsPublished,
            vec![home(vec![]), doc(DocumentKind::Terms, "/cgu", 503, vec![])],
        );
        assert_eq!(finding.verdict, Verdict::Inconclusive);
    }

    #[test]
    fn no_observation_at_all_is_inconclusive_not_fail() {
        let findings = crate::check::judge_member(
            &[&TermsPublished],
            &member(),
            &crate::observation::Observations::new(time::macros::datetime!(2026-03-01 0:00 UTC)),
            &crate::config::Config::default(),
        );
        assert_eq!(findings[0].verdict, Verdict::Inconclusive);
    }

    #[test]
    fn privacy_clause_inside_the_terms_goes_to_a_reviewer() {
        let terms = doc(
            DocumentKind::Terms,
            "/cgu",
            200,
            vec![said("mentions.privacy", "1")],
        );
        let finding = verdict(&PrivacyPublished, vec![home(vec![]), terms]);
        assert_eq!(finding.verdict, Verdict::Manual);
        assert!(
            finding
                .evidence
                .iter()
                .any(|e| e.label == "statement.mentions.privacy")
        );
    }

    #[test]
    fn economic_model_absent_fails() {
        assert_eq!(
            verdict(&EconomicModelPublished, vec![home(vec![])]).verdict,
            Verdict::Fail
        );
        let page = doc(DocumentKind::EconomicModel, "/adherer", 200, vec![]);
        assert_eq!(
            verdict(&EconomicModelPublished, vec![home(vec![]), page]).verdict,
            Verdict::Pass
        );
    }

    fn with_years(kind: DocumentKind, heading: Vec<i32>, text: Vec<i32>) -> DocumentObservation {
        let mut d = doc(kind, "/doc", 200, vec![said(label::AMOUNT, "1 200 €")]);
        if let Observed::Seen(content) = &mut d.content {
            content.heading_years = heading;
            content.years = text;
        }
        d
    }

    #[test]
    fn accounts_of_last_year_pass_and_older_ones_warn_with_the_year() {
        let fresh = verdict(
            &FinancesPublished,
            vec![
                home(vec![]),
                with_years(DocumentKind::Finances, vec![2025], vec![]),
            ],
        );
        assert_eq!(fresh.verdict, Verdict::Pass);
        assert!(
            fresh
                .evidence
                .iter()
                .any(|e| e.label == "document.year" && e.value == "2025")
        );
        let two_years = verdict(
            &FinancesPublished,
            vec![
                home(vec![]),
                with_years(DocumentKind::Finances, vec![2024], vec![]),
            ],
        );
        assert_eq!(two_years.verdict, Verdict::Pass);
        let stale = verdict(
            &FinancesPublished,
            vec![
                home(vec![]),
                with_years(DocumentKind::Finances, vec![2023], vec![2026]),
            ],
        );
        assert_eq!(stale.verdict, Verdict::Warn);
        assert!(stale.message.contains("2023"), "{}", stale.message);
    }

    #[test]
    fn accounts_without_a_year_go_to_a_reviewer_and_absence_only_warns() {
        let no_year = verdict(
            &FinancesPublished,
            vec![
                home(vec![]),
                with_years(DocumentKind::Finances, vec![], vec![]),
            ],
        );
        assert_eq!(no_year.verdict, Verdict::Manual);
        assert_eq!(
            verdict(&FinancesPublished, vec![home(vec![])]).verdict,
            Verdict::Warn
        );
    }

    #[test]
    fn activity_report_uses_text_years_when_the_title_has_none() {
        let report = with_years(DocumentKind::ActivityReport, vec![], vec![2025, 2019]);
        assert_eq!(
            verdict(&ActivityReportPublished, vec![home(vec![]), report]).verdict,
            Verdict::Pass
        );
    }

    #[test]
    fn practices_pass_with_a_page_and_are_manual_otherwise() {
        let page = doc(DocumentKind::Backups, "/sauvegardes", 200, vec![]);
        assert_eq!(
            verdict(&BackupsPublished, vec![home(vec![]), page]).verdict,
            Verdict::Pass
        );
        let mentioned = verdict(
            &SecurityPublished,
            vec![home(vec![said("mentions.security", "1")])],
        );
        assert_eq!(mentioned.verdict, Verdict::Manual);
        assert!(
            mentioned
                .evidence
                .iter()
                .any(|e| e.label == "statement.mentions.security")
        );
        let nothing = verdict(&InfrastructureDocumented, vec![home(vec![])]);
        assert_eq!(nothing.verdict, Verdict::Manual);
        assert!(nothing.message.contains("reviewer"));
        assert_eq!(
            verdict(&InfrastructureDocumented, vec![home_down()]).verdict,
            Verdict::Inconclusive
        );
    }
}
