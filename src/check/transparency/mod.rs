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
use crate::finding::{Finding, Message, Subject, Verdict};
use crate::msg;
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

/// What a check of this family looks for, named in both languages. The French name carries its
/// definite article, gender and number so that sentences agree with it (« les CGU sont
/// publiées », « le rapport d'activité est publié »).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Topic {
    /// English name, without article: "privacy policy".
    pub en: &'static str,
    /// French name with its definite article: « la politique de confidentialité ».
    pub fr: &'static str,
    /// Whether the French name is feminine.
    pub feminine: bool,
    /// Whether the French name is plural.
    pub plural: bool,
}

impl Topic {
    /// The French definite article alone, also the object pronoun: « le », « la », « les ».
    fn article(&self) -> &'static str {
        match (self.plural, self.feminine) {
            (true, _) => "les",
            (false, true) => "la",
            (false, false) => "le",
        }
    }

    /// The French name after « de »: « de la politique… », « du rapport… », « des CGU ».
    fn of(&self) -> String {
        self.contracted("de la ", "du ", "des ", "de l'")
    }

    /// The French name after « à »: « à la politique… », « au rapport… », « aux CGU ».
    fn to(&self) -> String {
        self.contracted("à la ", "au ", "aux ", "à l'")
    }

    fn contracted(&self, la: &str, le: &str, les: &str, elided: &str) -> String {
        let forms = [("la ", la), ("le ", le), ("les ", les), ("l'", elided)];
        forms
            .iter()
            .find_map(|(article, with)| {
                self.fr
                    .strip_prefix(article)
                    .map(|rest| format!("{with}{rest}"))
            })
            .unwrap_or_else(|| self.fr.to_string())
    }

    /// A past participle or adjective agreed with the French name: « publié » gives
    /// « publiée », « publiés » or « publiées »; « introuvable » only takes the plural.
    fn agree(&self, word: &str) -> String {
        let mut agreed = word.to_string();
        if self.feminine && !word.ends_with('e') {
            agreed.push('e');
        }
        if self.plural {
            agreed.push('s');
        }
        agreed
    }

    /// A verb agreed in number: `verb("est", "sont")`.
    fn verb(&self, singular: &'static str, plural: &'static str) -> &'static str {
        if self.plural { plural } else { singular }
    }
}

/// Why the website's home page could not be read, when it could not: then a missing document
/// proves nothing.
pub(crate) fn website_unreadable(docs: &[DocumentObservation]) -> Option<Message> {
    let Some(home) = docs.iter().find(|d| d.found_by == FoundBy::Website) else {
        return Some(Message {
            en: "the website's home page was not fetched".to_string(),
            fr: "la page d'accueil du site n'a pas été récupérée".to_string(),
        });
    };
    let url = &home.url;
    match &home.content {
        Observed::Failed(failure) => Some(Message {
            en: format!("the website {url} could not be fetched: {failure}"),
            fr: format!(
                "le site {url} n'a pas pu être récupéré ({})",
                failure.in_french()
            ),
        }),
        Observed::Seen(content) if !(200..300).contains(&content.status) => {
            let status = content.status;
            Some(Message {
                en: format!("the website {url} answered with status {status}"),
                fr: format!("le site {url} a répondu avec le code HTTP {status}"),
            })
        }
        // A page built by scripts arrives as an empty shell: without links to follow, not
        // finding a document proves nothing.
        Observed::Seen(content) if content.links_scanned == 0 && content.format == "html" => {
            Some(Message {
                en: format!(
                    "the home page {url} has no link to follow (a page built by scripts, which the audit does not run?)"
                ),
                fr: format!(
                    "la page d'accueil {url} n'a aucun lien à suivre (une page construite par des scripts, que l'audit n'exécute pas ?)"
                ),
            })
        }
        Observed::Seen(_) => None,
    }
}

/// Replaces a finding's sentence in both languages.
pub(crate) fn reword(finding: &mut Finding, message: Message) {
    finding.message = message.en;
    finding.message_fr = Some(message.fr);
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
    topic: &Topic,
    absent: Verdict,
) -> Presence<'a> {
    let what = topic.en;
    let fr = topic.fr;
    let Some(docs) = documents(cx) else {
        return Presence::Missing(cx.not_observed(Subject::Member, msg!("the {what}", "{fr}")));
    };
    let candidates = of_kind(docs, kind);
    if let Some(doc) = candidates.iter().copied().find(|d| d.reachable().is_some()) {
        let url = &doc.url;
        let (is, published) = (topic.verb("est", "sont"), topic.agree("publié"));
        let finding = cx.pass(
            Subject::Member,
            msg!(
                "{what} published at {url}",
                "{fr} {is} {published} à l'adresse {url}"
            ),
        );
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
    let (is, not_found) = (topic.verb("est", "sont"), topic.agree("introuvable"));
    if let Some(doc) = candidates
        .iter()
        .find(|d| d.content.seen().is_some_and(|c| c.status >= 500))
    {
        let (url, of) = (&doc.url, topic.of());
        let message = msg!(
            "the {what} at {url} answered with a server error; try again later",
            "la page {of} ({url}) a répondu par une erreur du serveur ; à réessayer plus tard"
        );
        return Presence::Missing(attach(cx.finding(
            Subject::Member,
            Verdict::Inconclusive,
            message,
        )));
    }
    if let Some(reason) = website_unreadable(docs) {
        let message = msg!(
            "no {what} found, but {}: absence is not proven",
            "{fr} {is} {not_found}, mais {} : l'absence n'est pas prouvée";
            reason.en,
            reason.fr,
        );
        return Presence::Missing(attach(cx.finding(
            Subject::Member,
            Verdict::Inconclusive,
            message,
        )));
    }
    let mentioned = mentions(docs, kind);
    if !mentioned.is_empty() {
        let to = topic.to();
        let message = msg!(
            "no dedicated {what} found, but other pages mention it; a reviewer should check whether they serve as one",
            "aucune page dédiée {to} n'a été trouvée, mais d'autres pages en parlent ; une personne doit vérifier si elles en tiennent lieu"
        );
        let mut finding = attach(cx.manual(Subject::Member, message));
        for (statement, url) in mentioned.into_iter().take(5) {
            finding = with_statement(finding, statement, url);
        }
        return Presence::Missing(finding);
    }
    let declared = candidates.iter().any(|d| d.found_by == FoundBy::Declared);
    let message = if declared {
        msg!(
            "the declared {what} is not reachable, and no link on the home page leads to one",
            "l'adresse déclarée pour {fr} n'est pas joignable, et aucun lien de la page d'accueil n'en donne une autre"
        )
    } else {
        msg!(
            "no {what} found: none declared, and no link on the home page leads to one",
            "{fr} {is} {not_found} : aucune adresse déclarée, et aucun lien de la page d'accueil n'y mène"
        )
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
pub(crate) fn judge_recent(cx: &Context<'_>, kind: DocumentKind, topic: &Topic) -> Vec<Finding> {
    let found = match presence(cx, kind, topic, Verdict::Warn) {
        Presence::Missing(finding) => return vec![finding],
        Presence::Found(_, doc) => doc,
    };
    let (what, fr) = (topic.en, topic.fr);
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
        let url = &found.url;
        let found_fr = topic.agree("trouvé");
        let unreadable = found.reachable().and_then(|c| c.read_error.clone());
        let message = match unreadable {
            Some(error) => {
                let (has, read) = (topic.verb("a", "ont"), topic.agree("lu"));
                msg!(
                    "{what} found at {url} but it could not be read ({error}); a reviewer should check which year it covers",
                    "{fr} {found_fr} à l'adresse {url} n'{has} pas pu être {read} ({error}) ; une personne doit vérifier l'année couverte"
                )
            }
            None => msg!(
                "{what} found at {url} but no year was recognised in it; a reviewer should check which year it covers",
                "{fr} {found_fr} à l'adresse {url}, mais aucune année n'y a été reconnue ; une personne doit vérifier l'année couverte"
            ),
        };
        return vec![with_document(cx.manual(Subject::Member, message), found)];
    };
    let url = &doc.url;
    let finding = if year >= oldest_fresh {
        let (is, published) = (topic.verb("est", "sont"), topic.agree("publié"));
        cx.pass(
            Subject::Member,
            msg!(
                "{what} published at {url}, covering {year}",
                "{fr} {year} {is} {published} à l'adresse {url}"
            ),
        )
    } else {
        let (the, recent, found_fr) = (
            topic.article(),
            topic.agree("récent"),
            topic.agree("trouvé"),
        );
        let (is, that_of) = (
            topic.verb("est", "sont"),
            match (topic.plural, topic.feminine) {
                (false, false) => "celui",
                (false, true) => "celle",
                (true, false) => "ceux",
                (true, true) => "celles",
            },
        );
        cx.warn(
            Subject::Member,
            msg!(
                "the most recent {what} found covers {year}; nothing for {oldest_fresh} or later",
                "{fr} {the} plus {recent} {found_fr} {is} {that_of} de {year} ; rien pour {oldest_fresh} ni après"
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
pub(crate) fn judge_practice(cx: &Context<'_>, kind: DocumentKind, topic: &Topic) -> Vec<Finding> {
    match presence(cx, kind, topic, Verdict::Manual) {
        Presence::Found(finding, _) => vec![finding],
        Presence::Missing(finding) if finding.verdict == Verdict::Manual => {
            let mut finding = finding;
            if finding
                .evidence
                .iter()
                .all(|e| !e.label.starts_with("statement."))
            {
                let (what, fr) = (topic.en, topic.fr);
                let (is, not_found, it) = (
                    topic.verb("est", "sont"),
                    topic.agree("introuvable"),
                    topic.article(),
                );
                reword(
                    &mut finding,
                    msg!(
                        "no {what} found on the website; a reviewer should look for it",
                        "{fr} {is} {not_found} sur le site ; une personne doit {it} chercher"
                    ),
                );
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

    /// A readable home page (a dozen links scanned) with `text_statements`.
    pub fn home(statements: Vec<Statement>) -> DocumentObservation {
        let mut content = content(200, statements);
        content.links_scanned = 12;
        DocumentObservation {
            kinds: Vec::new(),
            url: "https://chaton.test/".into(),
            found_by: FoundBy::Website,
            matched: None,
            content: Observed::Seen(content),
        }
    }

    /// A home page that arrives without any link (a shell filled in by scripts).
    pub fn home_without_links() -> DocumentObservation {
        DocumentObservation {
            content: Observed::Seen(content(200, Vec::new())),
            ..home(Vec::new())
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
    fn french_names_contract_with_de_and_a_and_agree_in_gender_and_number() {
        let report = Topic {
            en: "activity report",
            fr: "le rapport d'activité",
            feminine: false,
            plural: false,
        };
        let terms = Topic {
            en: "terms of use",
            fr: "les CGU",
            feminine: true,
            plural: true,
        };
        let infra = Topic {
            en: "infrastructure documentation",
            fr: "la documentation de l'infrastructure",
            feminine: true,
            plural: false,
        };
        let elided = Topic {
            en: "charter page",
            fr: "l'engagement",
            feminine: false,
            plural: false,
        };
        assert_eq!(report.of(), "du rapport d'activité");
        assert_eq!(report.to(), "au rapport d'activité");
        assert_eq!(terms.of(), "des CGU");
        assert_eq!(terms.to(), "aux CGU");
        assert_eq!(infra.of(), "de la documentation de l'infrastructure");
        assert_eq!(elided.to(), "à l'engagement");
        assert_eq!(report.agree("publié"), "publié");
        assert_eq!(infra.agree("publié"), "publiée");
        assert_eq!(terms.agree("publié"), "publiées");
        assert_eq!(terms.agree("introuvable"), "introuvables");
        assert_eq!(infra.agree("introuvable"), "introuvable");
        assert_eq!(
            (terms.verb("est", "sont"), terms.article()),
            ("sont", "les")
        );
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
    fn a_home_page_without_any_link_proves_no_absence() {
        // A page built by scripts arrives as a shell: nothing to follow, nothing proven.
        let finding = verdict(&TermsPublished, vec![home_without_links()]);
        assert_eq!(finding.verdict, Verdict::Inconclusive);
        assert!(
            finding.message.contains("no link to follow"),
            "{}",
            finding.message
        );
        let fr = finding.message_fr.as_deref().unwrap_or_default();
        assert!(fr.contains("aucun lien à suivre"), "{fr}");
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
        assert_eq!(
            findings[0].message_fr.as_deref(),
            Some("pas d'observation : les CGU")
        );
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
