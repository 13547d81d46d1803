//! `http-headers.hsts`: the HTTPS page sets Strict-Transport-Security with a long max-age.
//!
//! What is judged is the policy a browser holds after loading the declared host's HTTPS page:
//! RFC 6797 has it process the header on every response received over HTTPS from that host
//! (a redirect to a login page on the same host included), the first header of a response
//! only (section 8.1), ignoring a header that does not parse (no `max-age`, a directive
//! given twice, a comma), and forgetting the host on `max-age=0`. Headers received over plain
//! HTTP or from another host do not count (section 8.1 and 7.2). A long enough policy still
//! gets a `warn` when its response repeats the header or a later response of the host sends a
//! broken one: browsers keep the good policy, but Observatory, which reads the last response,
//! does not, and the configuration is one edit away from losing HSTS.
//!
//! A missing, short or broken header is a `warn`, never a `fail`: with the HTTP-to-HTTPS
//! redirect in place traffic is encrypted; HSTS protects the first request of a returning
//! visitor against a downgrade (SSL stripping). That is a hardening the charter's "wherever
//! possible" asks for, and Mozilla Observatory deducts points for it (it passes from 180 days,
//! 15552000 seconds, and counts a repeated header as invalid), but its absence is not proof
//! that communications go unencrypted. Hosts on the browsers' preload list are not known
//! here: they are judged by their header like any other.

use super::{for_each_page, is_https_on};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Message};
use crate::msg;
use crate::observation::http::HttpExchange;

/// Strict-Transport-Security with max-age of at least `hsts_min_age_days`.
pub struct Hsts;

/// A Strict-Transport-Security header that parses.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Policy {
    /// Seconds; saturates for absurdly long values.
    max_age: u64,
    include_subdomains: bool,
    preload: bool,
}

/// Parses one header value by the grammar of RFC 6797 section 6.1; `Err` says why a browser
/// ignores it, in both languages.
fn parse(value: &str) -> Result<Policy, Message> {
    if value.contains(',') {
        // Not allowed by the grammar: the header was sent twice and joined, or written as a
        // list. Observatory calls this "set multiple times".
        return Err(msg!(
            "the value holds a comma (several policies in one header)",
            "la valeur contient une virgule (plusieurs politiques dans un seul en-tête)"
        ));
    }
    let mut seen: Vec<String> = Vec::new();
    let mut policy = Policy {
        max_age: 0,
        include_subdomains: false,
        preload: false,
    };
    let mut max_age = None;
    for directive in value.split(';').map(str::trim).filter(|d| !d.is_empty()) {
        let (name, raw) = match directive.split_once('=') {
            Some((name, raw)) => (name.trim(), Some(raw.trim())),
            None => (directive, None),
        };
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(msg!(
                "{directive:?} is not a directive",
                "{directive:?} n'est pas une directive"
            ));
        }
        let name = name.to_ascii_lowercase();
        if seen.contains(&name) {
            return Err(msg!(
                "the {name} directive appears more than once",
                "la directive {name} apparaît plusieurs fois"
            ));
        }
        seen.push(name.clone());
        match name.as_str() {
            "max-age" => {
                let raw = raw.unwrap_or_default();
                let digits = match raw.strip_prefix('"') {
                    Some(rest) => rest.strip_suffix('"').ok_or_else(|| {
                        msg!(
                            "max-age has an unterminated quote: {raw}",
                            "max-age a un guillemet non fermé : {raw}"
                        )
                    })?,
                    None => raw,
                };
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(msg!(
                        "max-age is not a number of seconds: {raw:?}",
                        "max-age n'est pas un nombre de secondes : {raw:?}"
                    ));
                }
                // Only digits: the one possible parse error is overflow.
                max_age = Some(digits.parse::<u64>().unwrap_or(u64::MAX));
            }
            "includesubdomains" => policy.include_subdomains = true,
            "preload" => policy.preload = true,
            // Unknown directives are ignored (section 6.1).
            _ => {}
        }
    }
    policy.max_age = max_age.ok_or_else(|| {
        msg!(
            "there is no max-age directive",
            "il n'y a pas de directive max-age"
        )
    })?;
    Ok(policy)
}

/// RFC 9110 `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// What the browser kept from one exchange, and what it had to ignore.
struct Seen<'a> {
    /// The last policy that parsed, with its header value and the URL that sent it.
    effective: Option<(Policy, &'a str, &'a str)>,
    /// Headers ignored or repeated, with the URL that sent them and why.
    problems: Vec<(Message, &'a str, &'a str)>,
}

impl Seen<'_> {
    /// The problems as one English and one French clause.
    fn problems(&self) -> (String, String) {
        let en: Vec<&str> = self
            .problems
            .iter()
            .map(|(why, _, _)| why.en.as_str())
            .collect();
        let fr: Vec<&str> = self
            .problems
            .iter()
            .map(|(why, _, _)| why.fr.as_str())
            .collect();
        (en.join("; "), fr.join(" ; "))
    }
}

fn what_the_browser_keeps<'a>(exchange: &'a HttpExchange, host: &str) -> Seen<'a> {
    let mut seen = Seen {
        effective: None,
        problems: Vec::new(),
    };
    for hop in exchange
        .hops
        .iter()
        .filter(|hop| is_https_on(&hop.url, host))
    {
        let values: Vec<&str> = hop.header_all("strict-transport-security").collect();
        let Some(first) = values.first() else {
            continue;
        };
        if values.len() > 1 {
            seen.problems.push((
                msg!(
                    "{} Strict-Transport-Security headers in one response: RFC 6797 browsers use the first, Mozilla Observatory counts the header as invalid",
                    "{} en-têtes Strict-Transport-Security dans une même réponse : les navigateurs conformes à la RFC 6797 appliquent le premier, Mozilla Observatory juge l'en-tête invalide",
                    values.len()
                ),
                first,
                hop.url.as_str(),
            ));
        }
        match parse(first) {
            Ok(policy) => {
                // A broken header on an earlier hop changed nothing the browser kept; only
                // this hop's repetition, and what comes after, still matter.
                seen.problems.retain(|(_, _, url)| *url == hop.url.as_str());
                seen.effective = Some((policy, first, hop.url.as_str()));
            }
            Err(why) => seen.problems.push((
                msg!(
                    "browsers ignore the header: {}",
                    "les navigateurs ignorent l'en-tête : {}";
                    why.en,
                    why.fr,
                ),
                first,
                hop.url.as_str(),
            )),
        }
    }
    seen
}

impl Check for Hsts {
    fn id(&self) -> &'static str {
        "http-headers.hsts"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Http]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        let min_days = cx.config.hsts_min_age_days;
        let min_seconds = u64::from(min_days) * 86_400;
        for_each_page(cx, |web, subject, exchange, _last| {
            let seen = what_the_browser_keeps(exchange, &web.host);
            let (problems, problems_fr) = seen.problems();
            let https_url = &web.https_url;
            let host = &web.host;
            let finding = match &seen.effective {
                None if seen.problems.is_empty() => {
                    // Mozilla Observatory judges the last response, wherever it is: say why a
                    // header seen on the redirect target does not count here.
                    let elsewhere = exchange.hops.iter().find(|hop| {
                        hop.url.starts_with("https:")
                            && hop.header("strict-transport-security").is_some()
                    });
                    let note = elsewhere.map_or(Message::new("", ""), |hop| {
                        msg!(
                            " (the redirect target {} sets one, which protects its own host only)",
                            " (la cible de la redirection, {}, en envoie un, qui ne protège que son propre hôte)",
                            hop.url
                        )
                    });
                    let note_fr = note.fr;
                    let note = note.en;
                    return cx
                        .warn(
                            subject,
                            msg!(
                                "{https_url} sets no Strict-Transport-Security header over HTTPS on {host}{note}",
                                "{https_url} n'envoie pas d'en-tête Strict-Transport-Security en HTTPS sur {host}{note_fr}"
                            ),
                        )
                        .evidence("url", web.https_url.clone());
                }
                None => cx.warn(
                    subject,
                    msg!(
                        "{https_url} sets Strict-Transport-Security, but {problems}",
                        "{https_url} envoie Strict-Transport-Security, mais {problems_fr}"
                    ),
                ),
                Some((policy, _, source)) if policy.max_age == 0 => cx.warn(
                    subject,
                    msg!(
                        "{source} sets max-age=0, which turns HSTS off",
                        "{source} fixe max-age=0, ce qui désactive HSTS"
                    ),
                ),
                Some((policy, _, source)) if policy.max_age < min_seconds => cx.warn(
                    subject,
                    msg!(
                        "{source} sets HSTS for {} days, less than {min_days} days ({min_seconds} seconds)",
                        "{source} active HSTS pour {} jours, soit moins de {min_days} jours ({min_seconds} secondes)",
                        policy.max_age / 86_400,
                    ),
                ),
                Some((policy, _, source)) if !seen.problems.is_empty() => cx.warn(
                    subject,
                    msg!(
                        "{source} sets HSTS for {} days, but {problems}",
                        "{source} active HSTS pour {} jours, mais {problems_fr}",
                        policy.max_age / 86_400,
                    ),
                ),
                Some((policy, _, source)) => cx.pass(
                    subject,
                    msg!(
                        "{source} sets HSTS for {} days",
                        "{source} active HSTS pour {} jours",
                        policy.max_age / 86_400
                    ),
                ),
            };
            let finding = seen.problems.iter().fold(finding, |f, (_, value, source)| {
                f.evidence_at("http.strict-transport-security", *value, *source)
            });
            match &seen.effective {
                Some((policy, value, source)) => finding
                    .evidence_at("http.strict-transport-security", *value, *source)
                    .evidence("hsts.max_age", policy.max_age.to_string())
                    .evidence(
                        "hsts.include_subdomains",
                        policy.include_subdomains.to_string(),
                    )
                    .evidence("hsts.preload", policy.preload.to_string()),
                None => finding,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::http_headers::test_support::{hops, page, response};
    use crate::check::tls::test_support::{judge, timeout, verdict};
    use crate::finding::Verdict;

    fn verdict_for(headers: &[(&str, &str)]) -> Verdict {
        let (m, obs) = page(headers);
        verdict(&Hsts, &m, &obs)
    }

    fn sts(value: &str) -> Verdict {
        verdict_for(&[("strict-transport-security", value)])
    }

    #[test]
    fn one_year_passes_and_records_preload() {
        let (m, obs) = page(&[(
            "strict-transport-security",
            "max-age=31536000; includeSubDomains; preload",
        )]);
        let findings = judge(&Hsts, &m, &obs);
        assert_eq!(findings[0].verdict, Verdict::Pass);
        let has = |label: &str, value: &str| {
            findings[0]
                .evidence
                .iter()
                .any(|e| e.label == label && e.value == value)
        };
        assert!(has("hsts.preload", "true"));
        assert!(has("hsts.include_subdomains", "true"));
        assert!(has("hsts.max_age", "31536000"));
    }

    #[test]
    fn exactly_180_days_passes_and_a_second_less_warns() {
        assert_eq!(sts("max-age=15552000"), Verdict::Pass);
        assert_eq!(sts("max-age=15551999"), Verdict::Warn);
    }

    #[test]
    fn short_max_age_warns() {
        assert_eq!(sts("max-age=86400"), Verdict::Warn);
    }

    #[test]
    fn max_age_zero_warns() {
        assert_eq!(sts("max-age=0"), Verdict::Warn);
    }

    #[test]
    fn quoted_max_age_is_read() {
        assert_eq!(sts("max-age=\"31536000\""), Verdict::Pass);
    }

    #[test]
    fn directive_names_are_case_insensitive_and_spaces_around_separators_are_allowed() {
        assert_eq!(
            sts("  MAX-AGE = 31536000 ;includesubdomains;  "),
            Verdict::Pass
        );
        assert_eq!(sts("Max-Age=31536000; PRELOAD"), Verdict::Pass);
    }

    #[test]
    fn unknown_directives_are_ignored() {
        assert_eq!(sts("max-age=31536000; future-thing=1"), Verdict::Pass);
    }

    #[test]
    fn max_age_that_is_not_a_number_is_ignored_by_browsers_and_warns() {
        assert_eq!(sts("max-age=1y"), Verdict::Warn);
        assert_eq!(sts("max-age=-5"), Verdict::Warn);
        assert_eq!(sts("max-age="), Verdict::Warn);
        assert_eq!(sts("max-age=\"31536000"), Verdict::Warn);
    }

    #[test]
    fn a_header_without_max_age_warns() {
        assert_eq!(sts("includeSubDomains; preload"), Verdict::Warn);
    }

    #[test]
    fn why_browsers_ignore_a_header_is_said_in_french_too() {
        let (m, obs) = page(&[("strict-transport-security", "includeSubDomains; preload")]);
        let f = judge(&Hsts, &m, &obs).remove(0);
        let fr = f.message_fr.as_deref().unwrap_or_default();
        assert!(
            fr.contains(
                "mais les navigateurs ignorent l'en-tête : il n'y a pas de directive max-age"
            ),
            "{fr}"
        );
    }

    #[test]
    fn a_directive_given_twice_makes_the_header_invalid() {
        assert_eq!(sts("max-age=31536000; max-age=31536000"), Verdict::Warn);
        assert_eq!(
            sts("max-age=31536000; includeSubDomains; includesubdomains"),
            Verdict::Warn
        );
    }

    #[test]
    fn a_comma_joined_value_is_invalid_as_observatory_says() {
        assert_eq!(sts("max-age=31536000, max-age=31536000"), Verdict::Warn);
    }

    #[test]
    fn an_overlong_max_age_counts_as_long() {
        assert_eq!(sts("max-age=99999999999999999999999999"), Verdict::Pass);
    }

    #[test]
    fn two_headers_warn_even_when_the_first_is_good_and_the_message_says_why() {
        let (m, obs) = page(&[
            ("strict-transport-security", "max-age=31536000"),
            ("strict-transport-security", "max-age=31536000"),
        ]);
        let findings = judge(&Hsts, &m, &obs);
        assert_eq!(findings[0].verdict, Verdict::Warn);
        assert!(
            findings[0].message.contains("2 Strict-Transport-Security"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn with_two_headers_the_first_one_is_the_policy() {
        let (m, obs) = page(&[
            ("strict-transport-security", "max-age=300"),
            ("strict-transport-security", "max-age=31536000"),
        ]);
        let findings = judge(&Hsts, &m, &obs);
        assert!(findings[0].message.contains("for 0 days"), "{findings:?}");
        assert!(
            findings[0]
                .evidence
                .iter()
                .any(|e| e.label == "hsts.max_age" && e.value == "300")
        );
    }

    #[test]
    fn a_broken_header_on_an_earlier_hop_is_forgotten_once_a_good_one_follows() {
        let (m, obs) = hops(vec![
            response(
                "https://chaton.test/",
                302,
                &[
                    ("location", "/login"),
                    ("strict-transport-security", "max-age=1y"),
                ],
            ),
            response(
                "https://chaton.test/login",
                200,
                &[("strict-transport-security", "max-age=31536000")],
            ),
        ]);
        assert_eq!(verdict(&Hsts, &m, &obs), Verdict::Pass);
    }

    #[test]
    fn a_broken_header_after_a_good_one_warns_though_browsers_keep_the_good_one() {
        let (m, obs) = hops(vec![
            response(
                "https://chaton.test/",
                302,
                &[
                    ("location", "/login"),
                    ("strict-transport-security", "max-age=31536000"),
                ],
            ),
            response(
                "https://chaton.test/login",
                200,
                &[("strict-transport-security", "max-age=1y")],
            ),
        ]);
        let f = judge(&Hsts, &m, &obs).remove(0);
        assert_eq!(f.verdict, Verdict::Warn);
        assert!(f.message.contains("for 365 days, but"), "{}", f.message);
    }

    #[test]
    fn missing_header_warns() {
        assert_eq!(verdict_for(&[]), Verdict::Warn);
    }

    #[test]
    fn a_header_on_a_same_host_redirect_protects_the_host() {
        let (m, obs) = hops(vec![
            response(
                "https://chaton.test/",
                302,
                &[
                    ("location", "/login"),
                    ("strict-transport-security", "max-age=31536000"),
                ],
            ),
            response("https://chaton.test/login", 200, &[]),
        ]);
        assert_eq!(verdict(&Hsts, &m, &obs), Verdict::Pass);
    }

    #[test]
    fn a_later_max_age_zero_on_the_host_turns_hsts_off() {
        let (m, obs) = hops(vec![
            response(
                "https://chaton.test/",
                302,
                &[
                    ("location", "/login"),
                    ("strict-transport-security", "max-age=31536000"),
                ],
            ),
            response(
                "https://chaton.test/login",
                200,
                &[("strict-transport-security", "max-age=0")],
            ),
        ]);
        assert_eq!(verdict(&Hsts, &m, &obs), Verdict::Warn);
    }

    #[test]
    fn a_header_from_another_host_does_not_protect_the_declared_one() {
        let (m, obs) = hops(vec![
            response(
                "https://chaton.test/",
                301,
                &[("location", "https://www.chaton.test/")],
            ),
            response(
                "https://www.chaton.test/",
                200,
                &[("strict-transport-security", "max-age=31536000")],
            ),
        ]);
        let f = judge(&Hsts, &m, &obs).remove(0);
        assert_eq!(f.verdict, Verdict::Warn);
        assert!(
            f.message.contains("https://www.chaton.test/ sets one"),
            "{}",
            f.message
        );
    }

    #[test]
    fn a_header_sent_over_plain_http_is_ignored() {
        let (m, obs) = hops(vec![
            response(
                "https://chaton.test/",
                302,
                &[("location", "http://chaton.test/")],
            ),
            response(
                "http://chaton.test/",
                200,
                &[("strict-transport-security", "max-age=31536000")],
            ),
        ]);
        assert_eq!(verdict(&Hsts, &m, &obs), Verdict::Warn);
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let (m, mut obs) = page(&[]);
        obs.http.insert("https://chaton.test/".into(), timeout());
        assert_eq!(verdict(&Hsts, &m, &obs), Verdict::Inconclusive);
    }
}
