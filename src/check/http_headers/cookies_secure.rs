//! `http-headers.cookies-secure`: cookies set by the host are protected the way Mozilla
//! Observatory asks: `Secure` on every cookie, `HttpOnly` on session and login cookies, and
//! `SameSite` on anti-CSRF cookies, with a valid `SameSite` value wherever it is given.
//!
//! Cookies are read from every response a browser gets when it opens the host: the plain
//! `http://` answer (a cookie set there travelled in clear, whatever its attributes) and every
//! hop of the HTTPS page, redirects included (a redirect to a login page often sets the
//! session). A cookie being deleted (`Max-Age` of zero or less, an `Expires` year before the
//! run's) stores nothing and is skipped. A cookie browsers reject outright (`__Secure-` or
//! `__Host-` prefix without `Secure`, `__Host-` with a `Domain` or a `Path` other than `/`) is
//! never stored either: it is named in the evidence, not counted against the member. A
//! cookie without `SameSite` that is neither anti-CSRF nor otherwise faulty passes, as in
//! Observatory: current browsers default to `Lax`. `HttpOnly` is not asked of other cookies:
//! a preference or a CSRF token is often meant to be read by scripts. Session cookies are
//! recognised by name as Observatory does (`sess`, `login`), so an application's oddly named
//! session cookie may go unnoticed.
//!
//! A `warn`, not a `fail`: a cookie without `Secure` leaks only if the browser is led to the
//! plain-HTTP site; the evidence lists each cookie (name only, never its value) and what is
//! wrong with it.

use super::for_each_page;
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Message};
use crate::msg;
use crate::observation::Observed;

/// Every cookie is Secure, session cookies are HttpOnly, anti-CSRF cookies are SameSite.
pub struct CookiesSecure;

/// The attributes of one `Set-Cookie` that matter here (RFC 6265bis: names case-insensitive,
/// the last occurrence of an attribute wins).
#[derive(Debug)]
struct SetCookie {
    name: String,
    secure: bool,
    http_only: bool,
    same_site: Option<String>,
    domain: bool,
    path: Option<String>,
    max_age: Option<i64>,
    expires_year: Option<i32>,
}

fn parse(value: &str) -> SetCookie {
    let mut parts = value.split(';');
    let pair = parts.next().unwrap_or_default();
    // A pair without `=` is a value with an empty name (RFC 6265bis section 5.6).
    let name = match pair.split_once('=').map(|(name, _)| name.trim()) {
        Some(name) if !name.is_empty() => name,
        _ => "(no name)",
    };
    let mut cookie = SetCookie {
        name: name.to_owned(),
        secure: false,
        http_only: false,
        same_site: None,
        domain: false,
        path: None,
        max_age: None,
        expires_year: None,
    };
    for attribute in parts {
        let (key, value) = match attribute.split_once('=') {
            Some((key, value)) => (key.trim(), value.trim()),
            None => (attribute.trim(), ""),
        };
        match key.to_ascii_lowercase().as_str() {
            "secure" => cookie.secure = true,
            "httponly" => cookie.http_only = true,
            "samesite" => cookie.same_site = Some(value.to_owned()),
            "domain" => cookie.domain = !value.is_empty(),
            "path" => cookie.path = Some(value.to_owned()),
            // A Max-Age that does not parse is ignored (RFC 6265bis section 5.6.2).
            "max-age" => cookie.max_age = value.parse().ok().or(cookie.max_age),
            "expires" => cookie.expires_year = year_of(value),
            _ => {}
        }
    }
    cookie
}

/// The year of a cookie date, read as RFC 6265 section 5.1.1 does: the first one-or-two-digit
/// token is the day of the month, the next two-or-four-digit token the year (70 to 99 mean
/// 19xx, 0 to 69 mean 20xx); times (`08:49:37`) are skipped. Covers `Thu, 01 Jan 1970
/// 00:00:00 GMT`, `Sunday, 06-Nov-94 08:49:37 GMT` and `Sun Nov  6 08:49:37 1994`.
fn year_of(date: &str) -> Option<i32> {
    let mut day_seen = false;
    for token in date.split(|c: char| !(c.is_ascii_alphanumeric() || c == ':')) {
        if token.contains(':') || token.is_empty() || !token.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if !day_seen && token.len() <= 2 {
            day_seen = true;
            continue;
        }
        if token.len() == 2 || token.len() == 4 {
            let year: i32 = token.parse().ok()?;
            return Some(match year {
                70..=99 => 1900 + year,
                0..=69 => 2000 + year,
                _ => year,
            });
        }
    }
    None
}

impl SetCookie {
    /// The cookie is being deleted: nothing is stored.
    fn is_deletion(&self, this_year: i32) -> bool {
        // Max-Age wins over Expires when both are given.
        match self.max_age {
            Some(age) => age <= 0,
            None => self.expires_year.is_some_and(|year| year < this_year),
        }
    }

    /// Why browsers refuse to store the cookie at all, when they do.
    fn rejected_because(&self) -> Option<&'static str> {
        let lower = self.name.to_ascii_lowercase();
        if lower.starts_with("__secure-") && !self.secure {
            return Some("the __Secure- prefix requires Secure");
        }
        if lower.starts_with("__host-")
            && (!self.secure || self.domain || self.path.as_deref() != Some("/"))
        {
            return Some("the __Host- prefix requires Secure, Path=/ and no Domain");
        }
        None
    }

    /// What is wrong with a stored cookie, by Observatory's rules (empty: nothing).
    fn faults(&self, over_http: bool) -> Vec<&'static str> {
        let lower = self.name.to_ascii_lowercase();
        let session = lower.contains("sess") || lower.contains("login");
        let anti_csrf = lower.contains("csrf");
        let mut faults = Vec::new();
        if over_http {
            faults.push("set over plain HTTP, in clear");
        }
        if !self.secure {
            faults.push("lacks Secure");
        }
        if session && !self.http_only {
            faults.push("session cookie lacks HttpOnly");
        }
        match self.same_site.as_deref().map(str::to_ascii_lowercase) {
            None if anti_csrf => faults.push("anti-CSRF cookie lacks SameSite"),
            None => {}
            Some(v) if v == "none" && !self.secure => {
                faults.push("SameSite=None without Secure, which browsers refuse");
            }
            Some(v) if ["lax", "strict", "none"].contains(&v.as_str()) => {}
            Some(_) => faults.push("SameSite has an invalid value"),
        }
        faults
    }
}

impl Check for CookiesSecure {
    fn id(&self) -> &'static str {
        "http-headers.cookies-secure"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Http]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        let this_year = cx.now().year();
        for_each_page(cx, |web, subject, exchange, _last| {
            // The plain-HTTP answer (not followed) comes first, as a visitor typing the bare
            // name meets it first; its first hop is the answer to `http://<host>/`.
            let plain = match cx.observations.http.get(&web.http_url) {
                Some(Observed::Seen(plain)) => plain.hops.first(),
                _ => None,
            };
            let hops = plain.into_iter().chain(exchange.hops.iter());
            let cookies: Vec<(SetCookie, &str, bool)> = hops
                .flat_map(|hop| {
                    let over_http = hop.url.starts_with("http:");
                    hop.header_all("set-cookie")
                        .map(move |value| (parse(value), hop.url.as_str(), over_http))
                })
                .filter(|(cookie, _, _)| !cookie.is_deletion(this_year))
                .filter(|(cookie, _, _)| {
                    !cookie.name.eq_ignore_ascii_case("heroku-session-affinity")
                })
                .collect();
            if cookies.is_empty() {
                return cx.not_applicable(
                    subject,
                    msg!(
                        "{} and {} set no cookie",
                        "{} et {} ne déposent aucun cookie",
                        web.http_url,
                        web.https_url
                    ),
                );
            }
            let mut faulty = Vec::new();
            let mut rejected = Vec::new();
            for (cookie, source, over_http) in &cookies {
                if let Some(why) = cookie.rejected_because() {
                    rejected.push((
                        format!("{}: refused by browsers, {why}", cookie.name),
                        *source,
                    ));
                    continue;
                }
                let faults = cookie.faults(*over_http);
                if !faults.is_empty() {
                    faulty.push((format!("{}: {}", cookie.name, faults.join(", ")), *source));
                }
            }
            let kept = cookies.len() - rejected.len();
            let finding = if faulty.is_empty() {
                let refused = if rejected.is_empty() {
                    Message::new("", "")
                } else {
                    msg!(
                        "; {} more are refused by browsers and never stored",
                        " ; {} autre(s), refusé(s) par les navigateurs, ne sont jamais enregistré(s)",
                        rejected.len()
                    )
                };
                let refused_fr = refused.fr;
                let refused = refused.en;
                cx.pass(
                    subject,
                    msg!(
                        "the {kept} cookie(s) browsers keep from {} are Secure, with HttpOnly on session cookies and a valid SameSite{refused}",
                        "les {kept} cookie(s) de {} conservé(s) par les navigateurs sont Secure, avec HttpOnly sur les cookies de session et un SameSite valide{refused_fr}",
                        web.host
                    ),
                )
            } else {
                cx.warn(
                    subject,
                    msg!(
                        "{} of {kept} cookie(s) set by {} lack protection",
                        "{} cookie(s) sur {kept} déposé(s) par {} ne sont pas suffisamment protégé(s)",
                        faulty.len(),
                        web.host
                    ),
                )
            };
            faulty
                .into_iter()
                .chain(rejected)
                .fold(finding, |f, (line, source)| {
                    f.evidence_at("http.cookie", line, source)
                })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::http_headers::test_support::{exchange, hops, page, response};
    use crate::check::tls::test_support::{judge, timeout, verdict};
    use crate::finding::Verdict;

    fn verdict_for(headers: &[(&str, &str)]) -> Verdict {
        let (m, obs) = page(headers);
        verdict(&CookiesSecure, &m, &obs)
    }

    fn cookie(value: &str) -> Verdict {
        verdict_for(&[("set-cookie", value)])
    }

    #[test]
    fn fully_protected_cookie_passes() {
        assert_eq!(
            cookie("sid=abc; Path=/; Secure; HttpOnly; SameSite=Lax"),
            Verdict::Pass
        );
    }

    #[test]
    fn attribute_names_are_case_insensitive() {
        assert_eq!(
            cookie("PHPSESSID=abc; secure; HTTPONLY; samesite = strict"),
            Verdict::Pass
        );
    }

    #[test]
    fn cookie_without_secure_warns_and_names_it_without_its_value() {
        let (m, obs) = page(&[("set-cookie", "sid=s3cr3t; HttpOnly; SameSite=Strict")]);
        let findings = judge(&CookiesSecure, &m, &obs);
        assert_eq!(findings[0].verdict, Verdict::Warn);
        let evidence = &findings[0].evidence[0].value;
        assert_eq!(evidence, "sid: lacks Secure");
        assert!(!format!("{findings:?}").contains("s3cr3t"));
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(fr.contains("1 cookie(s) sur 1"), "{fr}");
    }

    #[test]
    fn session_cookie_without_httponly_warns() {
        assert_eq!(cookie("PHPSESSID=1; Secure; SameSite=Lax"), Verdict::Warn);
        assert_eq!(cookie("login_token=1; Secure"), Verdict::Warn);
    }

    #[test]
    fn other_cookies_may_be_read_by_scripts() {
        assert_eq!(cookie("lang=fr; Secure; SameSite=Lax"), Verdict::Pass);
        assert_eq!(
            cookie("csrftoken=x; Secure; SameSite=Strict"),
            Verdict::Pass
        );
    }

    #[test]
    fn missing_samesite_alone_passes_as_in_observatory() {
        assert_eq!(cookie("sessionid=1; Secure; HttpOnly"), Verdict::Pass);
    }

    #[test]
    fn anti_csrf_cookie_without_samesite_warns() {
        assert_eq!(cookie("csrftoken=x; Secure"), Verdict::Warn);
    }

    #[test]
    fn invalid_samesite_value_warns() {
        assert_eq!(cookie("lang=fr; Secure; SameSite=yes"), Verdict::Warn);
        assert_eq!(cookie("lang=fr; Secure; SameSite"), Verdict::Warn);
    }

    #[test]
    fn samesite_none_without_secure_warns() {
        let (m, obs) = page(&[("set-cookie", "lang=fr; SameSite=None")]);
        let f = judge(&CookiesSecure, &m, &obs).remove(0);
        assert_eq!(f.verdict, Verdict::Warn);
        assert!(f.evidence[0].value.contains("SameSite=None"), "{f:?}");
        assert_eq!(cookie("lang=fr; SameSite=None; Secure"), Verdict::Pass);
    }

    #[test]
    fn a_prefixed_cookie_browsers_refuse_is_reported_but_not_counted() {
        let (m, obs) = page(&[("set-cookie", "__Host-sid=1; HttpOnly; Path=/")]);
        let f = judge(&CookiesSecure, &m, &obs).remove(0);
        assert_eq!(f.verdict, Verdict::Pass);
        assert!(f.evidence[0].value.contains("refused by browsers"), "{f:?}");
        let fr = f.message_fr.as_deref().unwrap_or_default();
        assert!(fr.contains("refusé(s) par les navigateurs"), "{fr}");
        assert_eq!(cookie("__Secure-sid=1; HttpOnly"), Verdict::Pass);
        assert_eq!(
            cookie("__Host-sid=1; Secure; HttpOnly; Path=/"),
            Verdict::Pass
        );
    }

    #[test]
    fn a_deleted_cookie_is_not_judged() {
        assert_eq!(cookie("sid=; Max-Age=0; Path=/"), Verdict::NotApplicable);
        assert_eq!(
            cookie("sid=deleted; expires=Thu, 01 Jan 1970 00:00:01 GMT"),
            Verdict::NotApplicable
        );
        // Max-Age wins over an Expires in the past.
        assert_eq!(
            cookie("sid=1; Max-Age=3600; expires=Thu, 01 Jan 1970 00:00:01 GMT"),
            Verdict::Warn
        );
    }

    #[test]
    fn cookie_dates_in_the_usual_formats_are_read() {
        assert_eq!(year_of("Thu, 01 Jan 1970 00:00:00 GMT"), Some(1970));
        assert_eq!(year_of("Sunday, 06-Nov-94 08:49:37 GMT"), Some(1994));
        assert_eq!(year_of("Sun Nov  6 08:49:37 1994"), Some(1994));
        assert_eq!(year_of("Fri, 31-Dec-2100 23:59:59 GMT"), Some(2100));
        assert_eq!(year_of("Thu, 01-Jan-30 00:00:00 GMT"), Some(2030));
        assert_eq!(year_of("never"), None);
    }

    #[test]
    fn a_cookie_expiring_in_a_later_year_is_kept_and_judged() {
        assert_eq!(
            cookie("nc_session=1; expires=Fri, 31-Dec-2100 23:59:59 GMT"),
            Verdict::Warn
        );
    }

    #[test]
    fn one_bad_cookie_among_good_ones_warns() {
        assert_eq!(
            verdict_for(&[
                ("set-cookie", "a=1; Secure; HttpOnly; SameSite=Lax"),
                ("set-cookie", "b=2")
            ]),
            Verdict::Warn
        );
    }

    #[test]
    fn cookies_set_on_a_redirect_hop_count() {
        let (m, obs) = hops(vec![
            response(
                "https://chaton.test/",
                302,
                &[("location", "/login"), ("set-cookie", "sess=1")],
            ),
            response("https://chaton.test/login", 200, &[]),
        ]);
        assert_eq!(verdict(&CookiesSecure, &m, &obs), Verdict::Warn);
    }

    #[test]
    fn a_cookie_set_by_the_plain_http_answer_warns_even_when_secure() {
        let (m, mut obs) = page(&[]);
        obs.http.insert(
            "http://chaton.test/".into(),
            Observed::Seen(exchange(vec![response(
                "http://chaton.test/",
                301,
                &[
                    ("location", "https://chaton.test/"),
                    ("set-cookie", "sess=1; Secure; HttpOnly; SameSite=Lax"),
                ],
            )])),
        );
        let f = judge(&CookiesSecure, &m, &obs).remove(0);
        assert_eq!(f.verdict, Verdict::Warn);
        assert!(f.evidence[0].value.contains("plain HTTP"), "{f:?}");
    }

    #[test]
    fn no_cookie_is_not_applicable() {
        assert_eq!(verdict_for(&[]), Verdict::NotApplicable);
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let (m, mut obs) = page(&[]);
        obs.http.insert("https://chaton.test/".into(), timeout());
        assert_eq!(verdict(&CookiesSecure, &m, &obs), Verdict::Inconclusive);
    }
}
