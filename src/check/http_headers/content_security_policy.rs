//! `http-headers.content-security-policy`: the HTTPS page sets an enforced
//! Content-Security-Policy that actually restricts scripts.
//!
//! Read as browsers read it (CSP level 3): every `Content-Security-Policy` header, each
//! comma-separated policy in it, is enforced on its own, so a script runs only if every policy
//! allows it; within a policy the first occurrence of a directive wins. Scripts are restricted
//! when one enforced policy has a `script-src` (or, failing that, `default-src`) that allows
//! neither inline scripts (`'unsafe-inline'` without a nonce or hash, `data:`), nor any host
//! (`*`, `https:`…), nor `eval`, nor scripts over plain HTTP, and restricts `object-src` (or
//! `default-src`) the same way. Those are the policies Mozilla Observatory passes; an
//! `'unsafe-inline'` limited to styles passes as it does there.
//!
//! Every shortfall is a `warn`, never a `fail`: the check is of low severity, and a missing
//! CSP (Observatory: -25 points) is common on well-run sites. It is hardening against code
//! injection, not a breach of the charter's encryption or data commitments.
//!
//! A policy may also come from `<meta http-equiv="Content-Security-Policy">` elements in the
//! page's head, read by the page probe (Observatory reads them too). Browsers enforce those
//! as well, each content as one policy, minus `frame-ancestors`, `report-uri` and `sandbox`,
//! which a `<meta>` cannot set. The rule:
//!
//! - no header policy, a `<meta>` policy: the `<meta>` policies are judged with the same rules
//!   and the message says the policy comes from a `<meta>` element. The same when the header
//!   policies say nothing of scripts (no `script-src` nor `default-src`, e.g. only
//!   `frame-ancestors`, which a `<meta>` cannot set): header and `<meta>` then split the work;
//! - a header policy that speaks of scripts: the header decides, whatever the `<meta>`.
//!   Browsers enforce both, so a strict header with a loose `<meta>` still blocks scripts
//!   (pass); but a loose header is not passed because of a strict `<meta>` (warn, the message
//!   mentions it): a `<meta>` covers only the markup after it (an injection earlier in the
//!   head escapes it), and it was read from a separate fetch of the page;
//! - the page not scanned (scan failed, not planned, or it ended on another URL than the
//!   response judged): the header alone, and the message says a `<meta>` policy is not
//!   observed.

use super::{for_each_page, page_scan};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject};
use crate::msg;
use crate::observation::PageResources;
use crate::observation::http::HttpResponse;

/// A Content-Security-Policy whose script sources exclude inline, eval and any-host scripts.
pub struct ContentSecurityPolicy;

/// One policy: directive names (lower-case) with their source expressions, in order, the first
/// occurrence of each name only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Policy {
    directives: Vec<(String, Vec<String>)>,
}

impl Policy {
    /// The sources of `name`, when the policy has that directive.
    pub(crate) fn get(&self, name: &str) -> Option<&[String]> {
        self.directives
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, sources)| sources.as_slice())
    }

    /// The sources of the first directive of `names` the policy has (a fallback chain).
    fn first_of(&self, names: &[&str]) -> Option<&[String]> {
        names.iter().find_map(|name| self.get(name))
    }
}

/// Directives a `<meta>` policy cannot set (CSP3 section 3.3): browsers drop them.
const META_IGNORED: [&str; 3] = ["frame-ancestors", "report-uri", "sandbox"];

/// Parses one serialized policy (CSP3 "parse a serialized CSP"); `None` when it has no
/// directive.
fn parse_serialized(serialized: &str) -> Option<Policy> {
    let mut policy = Policy::default();
    for directive in serialized.split(';') {
        let mut tokens = directive.split_ascii_whitespace();
        let Some(name) = tokens.next() else { continue };
        let name = name.to_ascii_lowercase();
        if policy.get(&name).is_some() {
            continue; // a repeated directive is ignored
        }
        let sources = tokens.map(str::to_ascii_lowercase).collect();
        policy.directives.push((name, sources));
    }
    (!policy.directives.is_empty()).then_some(policy)
}

/// Parses the values of a CSP header into policies (CSP3 "parse a serialized CSP list").
pub(crate) fn parse_policies<'a>(values: impl Iterator<Item = &'a str>) -> Vec<Policy> {
    values
        .flat_map(|value| value.split(','))
        .filter_map(parse_serialized)
        .collect()
}

/// The policies of a page's `<meta>` elements: each content is one serialized policy (the
/// HTML spec does not split it on commas), without the directives a `<meta>` cannot set; a
/// policy left with no directive is no policy.
pub(crate) fn meta_policies(contents: &[String]) -> Vec<Policy> {
    contents
        .iter()
        .filter_map(|content| {
            let mut policy = parse_serialized(content)?;
            policy
                .directives
                .retain(|(name, _)| !META_IGNORED.contains(&name.as_str()));
            (!policy.directives.is_empty()).then_some(policy)
        })
        .collect()
}

/// The enforced policies of a response (report-only ones are not enforced).
pub(crate) fn enforced_policies(response: &HttpResponse) -> Vec<Policy> {
    parse_policies(response.header_all("content-security-policy"))
}

/// Sources that allow any host (Observatory's "dangerously broad" list).
pub(crate) fn is_any_host(source: &str) -> bool {
    matches!(
        source,
        "*" | "http:" | "https:" | "ftp:" | "http://*" | "https://*" | "http://*.*" | "https://*.*"
    )
}

fn is_nonce_or_hash(source: &str) -> bool {
    ["'nonce-", "'sha256-", "'sha384-", "'sha512-"]
        .iter()
        .any(|prefix| source.starts_with(prefix))
}

/// One way a policy leaves scripts or plugins loose, in both languages.
#[derive(Debug, Clone, Copy)]
struct Shortfall {
    en: &'static str,
    fr: &'static str,
}

/// What a policy lets scripts and plugins do, as human-readable shortfalls (empty: none).
fn script_shortfalls(policy: &Policy) -> Option<Vec<Shortfall>> {
    let scripts = policy.first_of(&["script-src", "default-src"])?;
    let with_nonce = scripts.iter().any(|s| is_nonce_or_hash(s));
    let strict_dynamic = with_nonce && scripts.iter().any(|s| s == "'strict-dynamic'");
    // A nonce or hash makes browsers ignore 'unsafe-inline'; 'strict-dynamic' with one also
    // makes them ignore host and scheme sources and 'self'.
    let ignored = |s: &String| {
        let inline_overridden = with_nonce && s == "'unsafe-inline'";
        let host_or_scheme = !s.starts_with('\'');
        inline_overridden || (strict_dynamic && host_or_scheme)
    };
    let effective: Vec<&String> = scripts.iter().filter(|s| !ignored(s)).collect();
    let mut shortfalls = Vec::new();
    let mut push = |en, fr| shortfalls.push(Shortfall { en, fr });
    if effective
        .iter()
        .any(|s| *s == "'unsafe-inline'" || *s == "data:")
    {
        push(
            "inline scripts are allowed ('unsafe-inline' or data:)",
            "les scripts intégrés à la page sont autorisés ('unsafe-inline' ou data:)",
        );
    }
    if effective.iter().any(|s| is_any_host(s)) {
        push(
            "scripts from any site are allowed",
            "les scripts de n'importe quel site sont autorisés",
        );
    }
    if effective.iter().any(|s| *s == "'unsafe-eval'") {
        push(
            "eval() is allowed ('unsafe-eval')",
            "eval() est autorisé ('unsafe-eval')",
        );
    }
    if effective
        .iter()
        .any(|s| s.starts_with("http:") || s.starts_with("ftp:"))
    {
        push(
            "scripts over plain HTTP are allowed",
            "les scripts servis en HTTP simple sont autorisés",
        );
    }
    match policy.first_of(&["object-src", "default-src"]) {
        None => push(
            "object-src (plugins) is not restricted",
            "object-src (greffons) n'est pas restreint",
        ),
        Some(objects) if objects.iter().any(|s| is_any_host(s)) => {
            push(
                "plugins from any site are allowed (object-src)",
                "les greffons de n'importe quel site sont autorisés (object-src)",
            );
        }
        Some(_) => {}
    }
    Some(shortfalls)
}

/// What a set of enforced policies (at least one) does to scripts.
#[derive(Debug)]
enum Judgement {
    /// One policy restricts scripts and plugins.
    Restricts,
    /// Every policy leaves them loose; the shortfalls of the least loose one.
    Loose(Vec<Shortfall>),
    /// No policy has `script-src` or `default-src`.
    NoScriptDirective,
}

/// Scripts are blocked when any one enforced policy blocks them.
fn judge_policies(policies: &[Policy]) -> Judgement {
    let judged: Vec<Vec<Shortfall>> = policies.iter().filter_map(script_shortfalls).collect();
    if judged.iter().any(Vec::is_empty) {
        Judgement::Restricts
    } else if let Some(shortfalls) = judged.into_iter().min_by_key(Vec::len) {
        Judgement::Loose(shortfalls)
    } else {
        Judgement::NoScriptDirective
    }
}

/// The shortfalls joined, in English and in French.
fn joined(shortfalls: &[Shortfall]) -> (String, String) {
    let en: Vec<&str> = shortfalls.iter().map(|s| s.en).collect();
    let fr: Vec<&str> = shortfalls.iter().map(|s| s.fr).collect();
    (en.join("; "), fr.join(" ; "))
}

/// The finding for the policies of the response's headers; `meta_restricts`: the page's
/// `<meta>` policies restrict scripts (not counted for a loose header, but said).
fn judge_header(
    cx: &Context<'_>,
    subject: Subject,
    url: &str,
    judgement: &Judgement,
    meta_restricts: bool,
) -> Finding {
    let mut message = match judgement {
        Judgement::Restricts => {
            return cx.pass(
                subject,
                msg!(
                    "{url} sets a Content-Security-Policy that restricts scripts",
                    "{url} envoie une Content-Security-Policy qui restreint les scripts"
                ),
            );
        }
        Judgement::Loose(shortfalls) => {
            let (loose_en, loose_fr) = joined(shortfalls);
            msg!(
                "{url} sets a Content-Security-Policy that leaves scripts loose: {}",
                "{url} envoie une Content-Security-Policy trop permissive pour les scripts : {}";
                loose_en,
                loose_fr,
            )
        }
        Judgement::NoScriptDirective => msg!(
            "{url} sets a Content-Security-Policy without default-src or script-src: scripts are not restricted",
            "{url} envoie une Content-Security-Policy sans default-src ni script-src : les scripts ne sont pas restreints"
        ),
    };
    if meta_restricts {
        message.en.push_str(
            " (the stricter policy in a <meta> element of the page is not counted: it covers only the markup after it)",
        );
        message.fr.push_str(
            " (la politique plus stricte d'un élément <meta> de la page n'est pas retenue : elle ne couvre que le balisage qui la suit)",
        );
    }
    cx.warn(subject, message)
}

/// The finding for the policies of the page's `<meta>` elements, the response having none
/// that speaks of scripts (`header_aside`: it has one about something else, e.g. framing).
fn judge_meta(
    cx: &Context<'_>,
    subject: Subject,
    url: &str,
    judgement: &Judgement,
    header_aside: bool,
) -> Finding {
    let (pass, mut message) = match judgement {
        Judgement::Restricts => (
            true,
            msg!(
                "{url} sets, in a <meta> element of the page, a Content-Security-Policy that restricts scripts",
                "{url} définit, dans un élément <meta> de la page, une Content-Security-Policy qui restreint les scripts"
            ),
        ),
        Judgement::Loose(shortfalls) => {
            let (loose_en, loose_fr) = joined(shortfalls);
            (
                false,
                msg!(
                    "{url} sets, in a <meta> element of the page, a Content-Security-Policy that leaves scripts loose: {}",
                    "{url} définit, dans un élément <meta> de la page, une Content-Security-Policy trop permissive pour les scripts : {}";
                    loose_en,
                    loose_fr,
                ),
            )
        }
        Judgement::NoScriptDirective => (
            false,
            msg!(
                "{url} sets, in a <meta> element of the page, a Content-Security-Policy without default-src or script-src: scripts are not restricted",
                "{url} définit, dans un élément <meta> de la page, une Content-Security-Policy sans default-src ni script-src : les scripts ne sont pas restreints"
            ),
        ),
    };
    if header_aside {
        message
            .en
            .push_str(" (the header's policy sets neither default-src nor script-src)");
        message
            .fr
            .push_str(" (la politique de l'en-tête ne fixe ni default-src ni script-src)");
    }
    if pass {
        cx.pass(subject, message)
    } else {
        cx.warn(subject, message)
    }
}

/// The finding when neither the headers nor the page's `<meta>` elements enforce a policy.
fn judge_none(
    cx: &Context<'_>,
    subject: Subject,
    last: &HttpResponse,
    page: Option<&PageResources>,
) -> Finding {
    let url = last.url.as_str();
    if let Some(report_only) = last.header("content-security-policy-report-only") {
        return cx
            .warn(
                subject,
                msg!(
                    "{url} only reports Content-Security-Policy violations, it does not enforce a policy",
                    "{url} ne fait que signaler les infractions à sa Content-Security-Policy, sans l'appliquer"
                ),
            )
            .evidence_at("http.content-security-policy-report-only", report_only, url);
    }
    match page {
        None => cx.warn(
            subject,
            msg!(
                "{url} sets no Content-Security-Policy header (a policy in a <meta> element of the page is not observed)",
                "{url} n'envoie pas d'en-tête Content-Security-Policy (une politique placée dans un élément <meta> de la page n'est pas observée)"
            ),
        ),
        Some(page) if page.meta_csp.is_empty() => cx.warn(
            subject,
            msg!(
                "{url} sets no Content-Security-Policy, neither in a header nor in a <meta> element of the page",
                "{url} ne définit aucune Content-Security-Policy, ni par un en-tête ni dans un élément <meta> de la page"
            ),
        ),
        Some(_) => cx.warn(
            subject,
            msg!(
                "{url} sets no Content-Security-Policy header, and its <meta> policy holds only directives a <meta> element cannot set (frame-ancestors, report-uri, sandbox)",
                "{url} n'envoie pas d'en-tête Content-Security-Policy, et sa politique <meta> ne contient que des directives qu'un élément <meta> ne peut pas fixer (frame-ancestors, report-uri, sandbox)"
            ),
        ),
    }
}

impl Check for ContentSecurityPolicy {
    fn id(&self) -> &'static str {
        "http-headers.content-security-policy"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Http, ProbeKind::Page]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        for_each_page(cx, |web, subject, _exchange, last| {
            let url = last.url.as_str();
            let values: Vec<&str> = last.header_all("content-security-policy").collect();
            let header = enforced_policies(last);
            let page = page_scan(cx, web, last);
            let meta = page.map(|p| meta_policies(&p.meta_csp)).unwrap_or_default();
            let header_judgement = (!header.is_empty()).then(|| judge_policies(&header));
            let finding = if let Some(judgement) = header_judgement
                .as_ref()
                .filter(|j| meta.is_empty() || !matches!(j, Judgement::NoScriptDirective))
            {
                let meta_restricts =
                    !meta.is_empty() && matches!(judge_policies(&meta), Judgement::Restricts);
                judge_header(cx, subject, url, judgement, meta_restricts)
            } else if !meta.is_empty() {
                // No header policy, or one about something else than scripts (a site may set
                // frame-ancestors in the header, which a <meta> cannot, and the rest in a
                // <meta>): the <meta> policies decide for scripts.
                let finding = judge_meta(
                    cx,
                    subject,
                    url,
                    &judge_policies(&meta),
                    header_judgement.is_some(),
                );
                match last.header("content-security-policy-report-only") {
                    Some(report_only) => finding.evidence_at(
                        "http.content-security-policy-report-only",
                        report_only,
                        url,
                    ),
                    None => finding,
                }
            } else {
                judge_none(cx, subject, last, page)
            };
            let finding = values.iter().fold(finding, |f, value| {
                f.evidence_at("http.content-security-policy", *value, url)
            });
            match page {
                Some(page) => page.meta_csp.iter().fold(finding, |f, content| {
                    f.evidence_at("html.meta-csp", content.as_str(), page.url.as_str())
                }),
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
        verdict(&ContentSecurityPolicy, &m, &obs)
    }

    fn csp(policy: &str) -> Verdict {
        verdict_for(&[("content-security-policy", policy)])
    }

    #[test]
    fn policy_with_default_src_passes() {
        assert_eq!(csp("default-src 'self'; img-src *"), Verdict::Pass);
    }

    #[test]
    fn default_src_none_passes() {
        assert_eq!(csp("default-src 'none'"), Verdict::Pass);
    }

    #[test]
    fn directive_names_are_case_insensitive() {
        assert_eq!(csp("DEFAULT-SRC 'SELF'"), Verdict::Pass);
    }

    #[test]
    fn policy_that_only_sets_frame_ancestors_warns() {
        assert_eq!(csp("frame-ancestors 'none'"), Verdict::Warn);
    }

    #[test]
    fn unsafe_inline_scripts_warn() {
        assert_eq!(csp("default-src 'self' 'unsafe-inline'"), Verdict::Warn);
        assert_eq!(
            csp("default-src 'self'; script-src 'self' 'unsafe-inline'"),
            Verdict::Warn
        );
    }

    #[test]
    fn a_nonce_or_hash_neutralises_unsafe_inline() {
        assert_eq!(
            csp("default-src 'self'; script-src 'self' 'unsafe-inline' 'nonce-r4nd0m'"),
            Verdict::Pass
        );
        assert_eq!(
            csp("default-src 'self'; script-src 'unsafe-inline' 'sha256-abc='"),
            Verdict::Pass
        );
    }

    #[test]
    fn strict_dynamic_with_a_nonce_ignores_broad_sources() {
        assert_eq!(
            csp(
                "object-src 'none'; script-src 'nonce-r4nd0m' 'strict-dynamic' https: 'unsafe-inline'"
            ),
            Verdict::Pass
        );
    }

    #[test]
    fn unsafe_inline_in_styles_only_passes_as_in_observatory() {
        assert_eq!(
            csp("default-src 'self'; style-src 'self' 'unsafe-inline'"),
            Verdict::Pass
        );
    }

    #[test]
    fn unsafe_eval_warns() {
        assert_eq!(csp("default-src 'self' 'unsafe-eval'"), Verdict::Warn);
    }

    #[test]
    fn any_host_sources_warn() {
        assert_eq!(csp("default-src *"), Verdict::Warn);
        assert_eq!(csp("default-src 'self'; script-src https:"), Verdict::Warn);
        assert_eq!(csp("default-src 'self'; script-src data:"), Verdict::Warn);
    }

    #[test]
    fn scripts_over_plain_http_warn() {
        assert_eq!(
            csp("default-src 'self'; script-src 'self' http://cdn.test"),
            Verdict::Warn
        );
    }

    #[test]
    fn script_src_without_object_src_or_default_src_warns_as_in_observatory() {
        assert_eq!(csp("script-src 'self'"), Verdict::Warn);
        assert_eq!(csp("script-src 'self'; object-src 'none'"), Verdict::Pass);
        assert_eq!(csp("default-src 'self'; object-src *"), Verdict::Warn);
    }

    #[test]
    fn the_first_of_two_repeated_directives_wins() {
        assert_eq!(
            csp("default-src 'self'; default-src * 'unsafe-inline'"),
            Verdict::Pass
        );
        assert_eq!(
            csp("default-src * 'unsafe-inline'; default-src 'self'"),
            Verdict::Warn
        );
    }

    #[test]
    fn one_strict_policy_among_several_is_enough() {
        assert_eq!(
            verdict_for(&[
                ("content-security-policy", "default-src *"),
                ("content-security-policy", "default-src 'self'"),
            ]),
            Verdict::Pass
        );
        assert_eq!(
            csp("frame-ancestors 'none', default-src 'self'"),
            Verdict::Pass
        );
    }

    #[test]
    fn the_warning_names_what_is_loose() {
        let (m, obs) = page(&[(
            "content-security-policy",
            "default-src 'self' 'unsafe-inline' 'unsafe-eval'",
        )]);
        let f = judge(&ContentSecurityPolicy, &m, &obs).remove(0);
        assert!(f.message.contains("unsafe-inline"), "{}", f.message);
        assert!(f.message.contains("unsafe-eval"), "{}", f.message);
        let fr = f.message_fr.as_deref().unwrap_or_default();
        assert!(
            fr.contains("trop permissive") && fr.contains("eval() est autorisé"),
            "{fr}"
        );
    }

    #[test]
    fn report_only_policy_warns() {
        assert_eq!(
            verdict_for(&[("content-security-policy-report-only", "default-src 'self'")]),
            Verdict::Warn
        );
    }

    #[test]
    fn an_enforced_policy_is_judged_even_beside_a_report_only_one() {
        assert_eq!(
            verdict_for(&[
                ("content-security-policy-report-only", "default-src 'none'"),
                ("content-security-policy", "default-src 'self'"),
            ]),
            Verdict::Pass
        );
    }

    #[test]
    fn an_empty_header_is_no_policy() {
        assert_eq!(csp("  ; "), Verdict::Warn);
    }

    #[test]
    fn missing_policy_warns_and_says_meta_is_not_observed() {
        let (m, obs) = page(&[]);
        let f = judge(&ContentSecurityPolicy, &m, &obs).remove(0);
        assert_eq!(f.verdict, Verdict::Warn);
        assert!(f.message.contains("<meta>"), "{}", f.message);
    }

    #[test]
    fn the_final_response_is_judged_not_the_redirect() {
        let (m, obs) = hops(vec![
            response(
                "https://chaton.test/",
                302,
                &[
                    ("location", "/login"),
                    ("content-security-policy", "default-src 'self'"),
                ],
            ),
            response("https://chaton.test/login", 200, &[]),
        ]);
        assert_eq!(verdict(&ContentSecurityPolicy, &m, &obs), Verdict::Warn);
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let (m, mut obs) = page(&[]);
        obs.http.insert("https://chaton.test/".into(), timeout());
        assert_eq!(
            verdict(&ContentSecurityPolicy, &m, &obs),
            Verdict::Inconclusive
        );
    }
}

#[cfg(test)]
mod meta_tests {
    use super::*;
    use crate::check::http_headers::test_support::{page, scanned};
    use crate::check::tls::test_support::judge;
    use crate::finding::Verdict;
    use crate::observation::{Observed, ProbeFailure};

    /// The finding for a page with these headers whose scan found these `<meta>` policies.
    fn with_meta(headers: &[(&str, &str)], metas: &[&str]) -> Finding {
        let (m, mut obs) = page(headers);
        scanned(&mut obs, "https://chaton.test/", metas, &[]);
        judge(&ContentSecurityPolicy, &m, &obs).remove(0)
    }

    const LOOSE: (&str, &str) = ("content-security-policy", "default-src * 'unsafe-inline'");
    const STRICT: (&str, &str) = ("content-security-policy", "default-src 'self'");

    #[test]
    fn a_strict_meta_policy_without_header_passes_and_says_it_comes_from_meta() {
        let f = with_meta(&[], &["default-src 'self'"]);
        assert_eq!(f.verdict, Verdict::Pass);
        assert!(f.message.contains("in a <meta> element"), "{}", f.message);
        let fr = f.message_fr.as_deref().unwrap_or_default();
        assert!(fr.contains("dans un élément <meta>"), "{fr}");
        assert!(
            f.evidence
                .iter()
                .any(|e| e.label == "html.meta-csp" && e.value == "default-src 'self'"),
            "{:?}",
            f.evidence
        );
    }

    #[test]
    fn a_loose_meta_policy_without_header_warns_with_what_is_loose() {
        let f = with_meta(&[], &["default-src 'self' 'unsafe-eval'"]);
        assert_eq!(f.verdict, Verdict::Warn);
        assert!(
            f.message.contains("<meta>") && f.message.contains("unsafe-eval"),
            "{}",
            f.message
        );
        let f = with_meta(&[], &["img-src 'self'"]);
        assert_eq!(f.verdict, Verdict::Warn);
        assert!(
            f.message.contains("without default-src or script-src"),
            "{}",
            f.message
        );
    }

    #[test]
    fn one_strict_meta_among_several_is_enough() {
        let f = with_meta(
            &[],
            &["default-src *", "script-src 'self'; object-src 'none'"],
        );
        assert_eq!(f.verdict, Verdict::Pass);
    }

    #[test]
    fn directives_a_meta_cannot_set_are_dropped() {
        let f = with_meta(&[], &["frame-ancestors 'none'; sandbox; report-uri /r"]);
        assert_eq!(f.verdict, Verdict::Warn);
        assert!(f.message.contains("only directives"), "{}", f.message);
        assert_eq!(
            with_meta(&[], &["default-src 'self'; frame-ancestors 'none'"]).verdict,
            Verdict::Pass
        );
    }

    #[test]
    fn a_meta_content_is_one_policy_not_a_comma_separated_list() {
        // As a header this is two policies, one strict; in a <meta> it is one default-src
        // whose sources include `*`.
        let f = with_meta(&[], &["default-src 'self', script-src *"]);
        assert_eq!(f.verdict, Verdict::Warn);
    }

    #[test]
    fn a_strict_header_passes_beside_a_loose_meta() {
        let f = with_meta(&[STRICT], &["default-src *"]);
        assert_eq!(f.verdict, Verdict::Pass);
        assert_eq!(
            f.message,
            "https://chaton.test/ sets a Content-Security-Policy that restricts scripts"
        );
    }

    #[test]
    fn a_loose_header_is_not_passed_because_of_a_strict_meta() {
        let f = with_meta(&[LOOSE], &["default-src 'self'"]);
        assert_eq!(f.verdict, Verdict::Warn);
        assert!(f.message.contains("leaves scripts loose"), "{}", f.message);
        assert!(
            f.message.contains("stricter policy in a <meta>"),
            "{}",
            f.message
        );
        let fr = f.message_fr.as_deref().unwrap_or_default();
        assert!(
            fr.contains("politique plus stricte d'un élément <meta>"),
            "{fr}"
        );
        // A loose meta beside a loose header adds nothing to the message.
        let f = with_meta(&[LOOSE], &["default-src *"]);
        assert!(!f.message.contains("<meta>"), "{}", f.message);
    }

    #[test]
    fn a_header_about_framing_only_leaves_scripts_to_the_meta() {
        let framing = ("content-security-policy", "frame-ancestors 'none'");
        let f = with_meta(&[framing], &["default-src 'self'"]);
        assert_eq!(f.verdict, Verdict::Pass);
        assert!(
            f.message.contains("in a <meta> element")
                && f.message.contains("header's policy sets neither"),
            "{}",
            f.message
        );
        let fr = f.message_fr.as_deref().unwrap_or_default();
        assert!(fr.contains("ne fixe ni default-src ni script-src"), "{fr}");
        assert_eq!(
            with_meta(&[framing], &["default-src 'self' 'unsafe-inline'"]).verdict,
            Verdict::Warn
        );
        // Without a <meta>, the header's silence on scripts is the finding, as before.
        let f = with_meta(&[framing], &[]);
        assert_eq!(f.verdict, Verdict::Warn);
        assert!(
            f.message.contains("without default-src or script-src"),
            "{}",
            f.message
        );
    }

    #[test]
    fn a_report_only_header_leaves_the_meta_policy_to_be_judged() {
        let f = with_meta(
            &[("content-security-policy-report-only", "default-src 'none'")],
            &["default-src 'self'"],
        );
        assert_eq!(f.verdict, Verdict::Pass);
        assert!(
            f.evidence
                .iter()
                .any(|e| e.label == "http.content-security-policy-report-only"),
            "{:?}",
            f.evidence
        );
    }

    #[test]
    fn a_scanned_page_without_any_policy_says_both_were_looked_at() {
        let f = with_meta(&[], &[]);
        assert_eq!(f.verdict, Verdict::Warn);
        assert!(
            f.message.contains("neither in a header nor in a <meta>"),
            "{}",
            f.message
        );
        assert!(!f.message.contains("not observed"), "{}", f.message);
    }

    #[test]
    fn a_scan_that_ended_elsewhere_or_failed_is_not_used() {
        let (m, mut obs) = page(&[]);
        scanned(
            &mut obs,
            "https://chaton.test/login",
            &["default-src 'self'"],
            &[],
        );
        let f = judge(&ContentSecurityPolicy, &m, &obs).remove(0);
        assert_eq!(f.verdict, Verdict::Warn);
        assert!(f.message.contains("is not observed"), "{}", f.message);

        obs.pages.insert(
            "https://chaton.test/".into(),
            Observed::Failed(ProbeFailure::Refused),
        );
        let f = judge(&ContentSecurityPolicy, &m, &obs).remove(0);
        assert_eq!(f.verdict, Verdict::Warn);
        assert!(f.message.contains("is not observed"), "{}", f.message);
    }

    #[test]
    fn the_check_asks_for_the_page_scan() {
        assert!(ContentSecurityPolicy.needs().contains(&ProbeKind::Page));
    }
}
