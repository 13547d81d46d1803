//! Turning machine text into something a person reads at a glance: run times, timestamps in
//! evidence, UNIX times inside raw verifier errors, and finding subjects, in the report's
//! language.
//!
//! Only the human-facing documents use this; `results.json` and the CI formats keep the raw
//! values. Every function is pure and deterministic, so reports stay byte-stable.

use std::collections::BTreeMap;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::catalogue::Lang;
use crate::finding::Subject;

const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date and time in words, in UTC: `29 novembre 2026 à 05:17 UTC` or
/// `29 November 2026, 05:17 UTC`.
pub fn datetime(at: OffsetDateTime, lang: Lang) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let month = usize::from(u8::from(at.month())) - 1;
    match lang {
        Lang::Fr => format!(
            "{} {} {} à {:02}:{:02} UTC",
            at.day(),
            MONTHS_FR[month],
            at.year(),
            at.hour(),
            at.minute()
        ),
        Lang::En => format!(
            "{} {} {}, {:02}:{:02} UTC",
            at.day(),
            MONTHS_EN[month],
            at.year(),
            at.hour(),
            at.minute()
        ),
    }
}

/// An RFC 3339 time in words (see [`datetime`]); text that is not RFC 3339 comes back as is.
pub fn rfc3339(text: &str, lang: Lang) -> String {
    parse_rfc3339(text).map_or_else(|| text.to_string(), |at| datetime(at, lang))
}

/// The instant of a whole value that is an RFC 3339 time, if it is one.
pub fn parse_rfc3339(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text.trim(), &Rfc3339).ok()
}

/// Adds a readable UTC date after every UNIX time that a message marks as such, as rustls
/// and webpki do in `verification time 1795929452 (UNIX)`; the raw number stays, so the
/// evidence is still exactly what was seen.
pub fn annotate_unix_times(text: &str) -> String {
    const MARK: &str = " (UNIX)";
    if !text.contains(MARK) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(at) = rest.find(MARK) {
        let before = &rest[..at];
        let digits = before.bytes().rev().take_while(u8::is_ascii_digit).count();
        let number = &before[before.len() - digits..];
        let instant = (1..=12)
            .contains(&digits)
            .then(|| number.parse::<i64>().ok())
            .flatten()
            .and_then(|n| OffsetDateTime::from_unix_timestamp(n).ok());
        out.push_str(before);
        match instant {
            Some(instant) => {
                let format = time::macros::format_description!(
                    "[year]-[month]-[day] [hour]:[minute]:[second]"
                );
                let shown = instant
                    .format(format)
                    .unwrap_or_else(|_| number.to_string());
                out.push_str(&format!(" (UNIX = {shown} UTC)"));
            }
            None => out.push_str(MARK),
        }
        rest = &rest[at + MARK.len()..];
    }
    out.push_str(rest);
    out
}

/// What a finding is about, in the report's language (`host cloud.example.org` is
/// `hôte cloud.example.org` in French); the words come from the i18n strings.
pub fn subject(subject: &Subject, strings: &BTreeMap<String, String>) -> String {
    let word = |key: &str| strings.get(key).cloned().unwrap_or_else(|| key.to_string());
    match subject {
        Subject::Member => word("subject_member"),
        Subject::Service(id) => format!("{} {id}", word("subject_service")),
        Subject::Url(url) => url.clone(),
        Subject::Host(host) => format!("{} {host}", word("subject_host")),
        Subject::MailDomain(domain) => format!("{} {domain}", word("subject_mail_domain")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_times_read_as_words_in_both_languages() {
        assert_eq!(
            rfc3339("2026-11-29T05:17:32Z", Lang::Fr),
            "29 novembre 2026 à 05:17 UTC"
        );
        assert_eq!(
            rfc3339("2026-08-01T23:05:00+02:00", Lang::En),
            "1 August 2026, 21:05 UTC"
        );
        assert_eq!(rfc3339("yesterday", Lang::En), "yesterday");
    }

    #[test]
    fn unix_times_in_verifier_errors_get_a_readable_date_and_keep_the_number() {
        let raw = "certificate expired: verification time 1795929452 (UNIX), but certificate is not valid after 1795843051 (86401 seconds ago)";
        assert_eq!(
            annotate_unix_times(raw),
            "certificate expired: verification time 1795929452 (UNIX = 2026-11-29 05:17:32 UTC), but certificate is not valid after 1795843051 (86401 seconds ago)"
        );
        assert_eq!(annotate_unix_times("no time here"), "no time here");
        assert_eq!(annotate_unix_times("x (UNIX)"), "x (UNIX)");
    }

    #[test]
    fn subjects_speak_the_report_language() {
        let strings: BTreeMap<String, String> = [("subject_host", "hôte")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(
            subject(&Subject::Host("a.example".into()), &strings),
            "hôte a.example"
        );
        assert_eq!(
            subject(&Subject::Url("https://a.example/".into()), &strings),
            "https://a.example/"
        );
    }
}
