//! Findings: one judgement about one subject by one check.
//!
//! A finding carries what was seen (the evidence), never a weight: how much a verdict matters is
//! the catalogue's business and is applied by `score`.

use serde::{Deserialize, Serialize};

use crate::catalogue::Lang;
use crate::check::CheckId;

/// A finding's sentence in both report languages: English (the canonical text, kept in
/// `results.json` as `message`) and French. There is no conversion from a bare string, so a
/// check cannot compile without saying its verdicts in both. Build one with [`msg!`].
///
/// [`msg!`]: crate::msg
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    /// The English sentence.
    pub en: String,
    /// The French sentence.
    pub fr: String,
}

impl Message {
    /// A sentence in both languages.
    pub fn new(en: impl Into<String>, fr: impl Into<String>) -> Self {
        Self {
            en: en.into(),
            fr: fr.into(),
        }
    }
}

/// `msg!("English {x}", "Français {x}")`: a [`Message`] from two format strings. Inline
/// `{name}` captures serve both; trailing arguments after the strings are shared by both
/// (`msg!("{} days", "{} jours", n)`); after a `;` instead, the first argument goes to the
/// English string and the second to the French one (`msg!("({})", "({})"; reason_en, reason_fr)`).
#[macro_export]
macro_rules! msg {
    ($en:literal, $fr:literal $(,)?) => {
        $crate::finding::Message::new(format!($en), format!($fr))
    };
    ($en:literal, $fr:literal; $en_arg:expr, $fr_arg:expr $(,)?) => {
        $crate::finding::Message::new(format!($en, $en_arg), format!($fr, $fr_arg))
    };
    ($en:literal, $fr:literal, $($arg:expr),+ $(,)?) => {
        $crate::finding::Message::new(format!($en, $($arg),+), format!($fr, $($arg),+))
    };
}

/// The outcome of a check for one subject.
///
/// `Inconclusive` means the member's side could not be observed (a timeout, a refused
/// connection); a fault of the tool itself is an `Err`, never a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The commitment is kept, as far as can be seen from outside.
    Pass,
    /// Something to improve; not a breach.
    Warn,
    /// The evidence shows the commitment is not kept.
    Fail,
    /// A human reviewer must look; the evidence gathered so far is attached.
    Manual,
    /// The check does not apply to this subject.
    NotApplicable,
    /// The member's side could not be observed.
    Inconclusive,
}

impl Verdict {
    /// Every verdict, in report order.
    pub const ALL: [Verdict; 6] = [
        Verdict::Fail,
        Verdict::Warn,
        Verdict::Manual,
        Verdict::Inconclusive,
        Verdict::Pass,
        Verdict::NotApplicable,
    ];

    /// The stable lower-case name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
            Verdict::Manual => "manual",
            Verdict::NotApplicable => "not_applicable",
            Verdict::Inconclusive => "inconclusive",
        }
    }

    /// How serious the verdict is for `--fail-on`: `None` for verdicts that never fail a run.
    pub fn severity_rank(self) -> Option<u8> {
        match self {
            Verdict::Fail => Some(2),
            Verdict::Warn => Some(1),
            _ => None,
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Subject {
    /// The member as a whole (its website, its documents).
    Member,
    /// One declared service, by its id.
    Service(String),
    /// One URL (a page, a document, an endpoint).
    Url(String),
    /// One host name (DNS, TLS endpoint).
    Host(String),
    /// One mail domain.
    MailDomain(String),
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Subject::Member => f.write_str("member"),
            Subject::Service(id) => write!(f, "service {id}"),
            Subject::Url(url) => f.write_str(url),
            Subject::Host(host) => write!(f, "host {host}"),
            Subject::MailDomain(domain) => write!(f, "mail domain {domain}"),
        }
    }
}

/// One fact that supports a verdict: a label, what was seen, and where.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Evidence {
    /// Short stable label, e.g. `certificate.not_after`.
    pub label: String,
    /// What was seen, as text.
    pub value: String,
    /// Where it was seen, when that is a URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// One judgement by one check about one subject of one member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The check that judged.
    pub check: CheckId,
    /// The member judged.
    pub member: String,
    /// What precisely was judged.
    pub subject: Subject,
    /// The outcome.
    pub verdict: Verdict,
    /// One sentence saying what was seen, in English.
    pub message: String,
    /// The same sentence in French, when the check wrote one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_fr: Option<String>,
    /// The facts behind the verdict.
    #[serde(default)]
    pub evidence: Vec<Evidence>,
}

impl Finding {
    /// The message in `lang`, English when the check gave no French.
    pub fn message_in(&self, lang: Lang) -> &str {
        match (lang, &self.message_fr) {
            (Lang::Fr, Some(fr)) => fr,
            _ => &self.message,
        }
    }

    /// Adds one piece of evidence.
    #[must_use]
    pub fn evidence(mut self, label: impl Into<String>, value: impl Into<String>) -> Self {
        self.evidence.push(Evidence {
            label: label.into(),
            value: value.into(),
            source: None,
        });
        self
    }

    /// Adds one piece of evidence with the URL where it was seen.
    #[must_use]
    pub fn evidence_at(
        mut self,
        label: impl Into<String>,
        value: impl Into<String>,
        source: impl Into<String>,
    ) -> Self {
        self.evidence.push(Evidence {
            label: label.into(),
            value: value.into(),
            source: Some(source.into()),
        });
        self
    }

    /// The order every output uses: member, check, subject.
    pub fn sort_key(&self) -> (&str, &str, &Subject) {
        (&self.member, self.check.as_str(), &self.subject)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msg_formats_both_languages_with_captures_shared_and_split_arguments() {
        let host = "pad.chaton.test";
        let captured = crate::msg!("{host} answers", "{host} répond");
        assert_eq!(captured.en, "pad.chaton.test answers");
        assert_eq!(captured.fr, "pad.chaton.test répond");
        let shared = crate::msg!("{} days", "{} jours", 12);
        assert_eq!(
            (shared.en.as_str(), shared.fr.as_str()),
            ("12 days", "12 jours")
        );
        let split = crate::msg!("({})", "({})"; "expired", "expiré");
        assert_eq!(
            (split.en.as_str(), split.fr.as_str()),
            ("(expired)", "(expiré)")
        );
    }

    #[test]
    fn a_message_without_french_reads_in_english_in_both_languages() {
        let finding = Finding {
            check: CheckId::new("web.https-reachable"),
            member: "m".into(),
            subject: Subject::Member,
            verdict: Verdict::Pass,
            message: "answers".into(),
            message_fr: None,
            evidence: Vec::new(),
        };
        assert_eq!(finding.message_in(Lang::Fr), "answers");
        let french = Finding {
            message_fr: Some("répond".into()),
            ..finding
        };
        assert_eq!(french.message_in(Lang::Fr), "répond");
        assert_eq!(french.message_in(Lang::En), "answers");
    }
}
