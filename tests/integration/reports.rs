//! Report formats and the scorecard site, from hand-built results: a well-behaved member with
//! every verdict, a hostile member whose every string tries to inject markup, and a member
//! with nothing judged.

use std::collections::BTreeMap;
use std::path::Path;

use chatons_audit::catalogue::{
    Bilingual, Catalogue, CheckEntry, Commitment, Lang, Level, Lifecycle, Severity,
};
use chatons_audit::check::CheckId;
use chatons_audit::declaration::{Origin, Problem};
use chatons_audit::finding::{Finding, Subject, Verdict};
use chatons_audit::report::document::{self, DocFormat};
use chatons_audit::report::{self, MemberResult, Results, RunInfo, Templates, diff, json};
use chatons_audit::score;
use chatons_audit::waiver::{self, Waiver};

fn bi(fr: &str, en: &str) -> Bilingual {
    Bilingual {
        fr: fr.into(),
        en: en.into(),
    }
}

/// A catalogue written here, so snapshots do not move when the real catalogue grows.
fn catalogue() -> Catalogue {
    let commitment = |id: &str, level, fr: &str, en: &str| Commitment {
        id: id.into(),
        level,
        title: bi(fr, en),
        charter: bi(&format!("Charte : {fr}"), &format!("Charter: {en}")),
    };
    let commitments = vec![
        commitment(
            "alternative.services-online",
            Level::Required,
            "Services en ligne",
            "Online services",
        ),
        commitment(
            "neutral.encryption",
            Level::Required,
            "Chiffrement",
            "Encryption",
        ),
        commitment(
            "neutral.no-tracking",
            Level::Required,
            "Pas de pistage",
            "No tracking",
        ),
        commitment(
            "open.transparency",
            Level::Recommended,
            "Transparence",
            "Transparency",
        ),
    ];
    let mut checks = BTreeMap::new();
    for (id, commitment, severity) in [
        (
            "web.https-reachable",
            "alternative.services-online",
            Severity::High,
        ),
        (
            "tls.certificate-valid",
            "neutral.encryption",
            Severity::High,
        ),
        (
            "tls.modern-protocols",
            "neutral.encryption",
            Severity::Medium,
        ),
        ("mail.starttls", "neutral.encryption", Severity::Low),
        (
            "third-party.no-trackers",
            "neutral.no-tracking",
            Severity::High,
        ),
        ("transparency.finances", "open.transparency", Severity::Low),
    ] {
        checks.insert(
            id.to_string(),
            CheckEntry {
                id: id.into(),
                commitment: commitment.into(),
                severity,
                lifecycle: Lifecycle::Stable,
                since: "0.1.0".into(),
                title: bi(&format!("Titre de {id}"), &format!("Title of {id}")),
                rationale: bi(&format!("Pourquoi {id}"), &format!("Why {id}")),
                remediation: bi(&format!("Corriger {id}"), &format!("Fix {id}")),
            },
        );
    }
    Catalogue {
        commitments,
        checks,
        paths: BTreeMap::new(),
    }
}

fn finding(
    member: &str,
    check: &str,
    subject: Subject,
    verdict: Verdict,
    message: &str,
) -> Finding {
    Finding {
        check: CheckId::new(check),
        member: member.into(),
        subject,
        verdict,
        message: message.into(),
        message_fr: None,
        evidence: vec![],
    }
}

/// Gives a test finding its French message.
trait InFrench {
    fn in_french(self, fr: &str) -> Self;
}

impl InFrench for Finding {
    fn in_french(mut self, fr: &str) -> Self {
        self.message_fr = Some(fr.to_owned());
        self
    }
}

const HOSTILE_ID: &str = "evil\"><script>alert(0)</script>";
const HOSTILE_NAME: &str =
    "<script>alert(\"name\")</script> *gras* [lien](javascript:alert(1)) | # titre";

fn member(
    id: &str,
    name: &str,
    website: &str,
    findings: Vec<Finding>,
    catalogue: &Catalogue,
) -> MemberResult {
    MemberResult {
        id: id.into(),
        name: name.into(),
        website: website.into(),
        score: score::evaluate(&findings, catalogue),
        findings,
        waived: vec![],
    }
}

fn waiver_for(check: &str, member: &str) -> Waiver {
    Waiver {
        check: check.into(),
        member: member.into(),
        subject: None,
        reason: "Migration annoncée".into(),
        accepted_by: "Comité".into(),
        expires: time::macros::date!(2027 - 01 - 31),
    }
}

/// Three members: every verdict, a hostile one, an empty one; waivers applied to the first.
fn results() -> Results {
    let catalogue = catalogue();
    let good = vec![
        finding(
            "exemple",
            "web.https-reachable",
            Subject::Service("cloud".into()),
            Verdict::Pass,
            "HTTPS answered 200",
        )
        .evidence_at("http.status", "200", "https://cloud.exemple.org/"),
        finding(
            "exemple",
            "tls.certificate-valid",
            Subject::Host("cloud.exemple.org".into()),
            Verdict::Pass,
            "Certificate valid",
        )
        .evidence("certificate.not_after", "2026-12-10T00:00:00Z"),
        finding(
            "exemple",
            "tls.certificate-valid",
            Subject::Host("pad.exemple.org".into()),
            Verdict::Fail,
            "Certificate expired",
        )
        .in_french("Certificat expiré")
        .evidence("certificate.not_after", "2026-11-20T00:00:00Z"),
        finding(
            "exemple",
            "tls.modern-protocols",
            Subject::Host("cloud.exemple.org".into()),
            Verdict::Warn,
            "TLS 1.0 still offered",
        )
        .evidence("tls.versions", "TLSv1.0, TLSv1.2, TLSv1.3"),
        finding(
            "exemple",
            "mail.starttls",
            Subject::MailDomain("exemple.org".into()),
            Verdict::Inconclusive,
            "Port 25 timed out",
        ),
        finding(
            "exemple",
            "third-party.no-trackers",
            Subject::Url("https://exemple.org/".into()),
            Verdict::Manual,
            "Font loaded from a third party",
        )
        .evidence_at(
            "third_party.domain",
            "fonts.example-cdn.com",
            "https://exemple.org/",
        ),
        finding(
            "exemple",
            "transparency.finances",
            Subject::Member,
            Verdict::NotApplicable,
            "No finances page required for individuals",
        ),
        finding(
            "exemple",
            "web.https-reachable",
            Subject::Service("pad".into()),
            Verdict::Fail,
            "Connection refused",
        ),
    ];
    let applied = waiver::apply(
        good,
        &[
            Waiver {
                subject: Some("service pad".into()),
                ..waiver_for("web.https-reachable", "exemple")
            },
            waiver_for("mail.starttls", "nobody"),
            Waiver {
                expires: time::macros::date!(2026 - 01 - 01),
                ..waiver_for("tls.certificate-valid", "exemple")
            },
        ],
        time::macros::date!(2026 - 11 - 29),
    );
    let mut first = member(
        "exemple",
        "Chaton Exemple",
        "https://exemple.org",
        applied.reported,
        &catalogue,
    );
    first.waived = applied.waived;

    let hostile_subject = Subject::Url("javascript:alert(4)".into());
    let hostile = vec![
        finding(
            HOSTILE_ID,
            "third-party.no-trackers",
            hostile_subject.clone(),
            Verdict::Fail,
            "</pre><script>alert(5)</script>\n# injected heading\n---",
        )
        .evidence_at(
            "third_party.domain",
            "<b>tracker</b>.example",
            "javascript:alert(2)",
        )
        .evidence_at(
            "third_party.domain",
            "fonts.example-cdn.com",
            "data:text/html,<script>alert(6)</script>",
        ),
        finding(
            HOSTILE_ID,
            "web.https-reachable",
            Subject::Service("x\" onmouseover=\"alert(7)".into()),
            Verdict::Manual,
            "`code` ![img](https://evil.example/i.png) <img src=x onerror=alert(3)>",
        )
        .evidence(
            "page.title",
            "\"><img src=x onerror=alert(8)> {{t.report_title}} ${x}",
        ),
    ];
    let second = member(
        HOSTILE_ID,
        HOSTILE_NAME,
        "javascript:alert(1)",
        hostile,
        &catalogue,
    );
    let third = member(
        "zero",
        "Zéro Chaton",
        "https://zero.example",
        vec![],
        &catalogue,
    );
    Results {
        run: RunInfo {
            tool: "chatons-audit".into(),
            version: "0.0.0-test".into(),
            started_at: "2026-11-29T02:00:00Z".into(),
            source: "fixtures/members.yaml".into(),
            checks: catalogue.checks.keys().cloned().collect(),
        },
        members: vec![first, second, third],
        problems: vec![Problem {
            origin: Origin::new("fixtures/members.yaml", 12, 3),
            message: "unknown key <wbesite>".into(),
            hint: Some("website".into()),
        }],
        expired_waivers: applied.expired_waivers,
        unused_waivers: applied.unused_waivers,
    }
}

fn templates() -> Templates {
    Templates::embedded().expect("embedded templates compile")
}

// ---------------------------------------------------------------------------------------------
// JSON

#[test]
fn json_round_trips_and_is_byte_identical_for_identical_input() {
    let results = results();
    let text = json::to_json(&results);
    assert_eq!(text, json::to_json(&results.clone()));
    let back = json::from_json(&text).expect("own output reads back");
    assert_eq!(back, results);
    assert_eq!(json::to_json(&back), text);
}

fn validate(schema_path: &str, instance: &serde_json::Value) -> Vec<String> {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).expect("schema file"))
            .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

#[test]
fn json_output_validates_against_the_published_schema() {
    let value: serde_json::Value = serde_json::from_str(&json::to_json(&results())).expect("JSON");
    assert_eq!(
        validate("schemas/results-v1.schema.json", &value),
        Vec::<String>::new()
    );
}

#[test]
fn the_schema_rejects_what_the_reader_rejects() {
    let mut value: serde_json::Value =
        serde_json::from_str(&json::to_json(&results())).expect("JSON");
    value["members"][0]["findings"][0]["verdict"] = "maybe".into();
    assert!(!validate("schemas/results-v1.schema.json", &value).is_empty());
    let err = json::from_json(&value.to_string()).expect_err("unknown verdict");
    assert!(err.to_string().contains("maybe"), "{err}");
}

#[test]
fn a_future_schema_version_is_refused_with_a_clear_message() {
    let text =
        json::to_json(&results()).replacen("\"schema_version\": 1", "\"schema_version\": 2", 1);
    let err = json::from_json(&text).expect_err("version 2");
    assert!(err.to_string().contains("schema_version 2"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Transparency reports

#[test]
fn html_report_in_french_snapshot() {
    let html = document::render(
        &results(),
        &catalogue(),
        "exemple",
        Lang::Fr,
        DocFormat::Html,
        &templates(),
    )
    .expect("renders");
    insta::assert_snapshot!("member_exemple_fr_html", html);
}

#[test]
fn markdown_report_in_english_snapshot() {
    let md = document::render(
        &results(),
        &catalogue(),
        "exemple",
        Lang::En,
        DocFormat::Markdown,
        &templates(),
    )
    .expect("renders");
    insta::assert_snapshot!("member_exemple_en_md", md);
}

#[test]
fn the_report_groups_by_commitment_and_shows_catalogue_texts_in_its_language() {
    let md = document::render(
        &results(),
        &catalogue(),
        "exemple",
        Lang::Fr,
        DocFormat::Markdown,
        &templates(),
    )
    .expect("renders");
    let encryption = md.find("## Chiffrement").expect("encryption section");
    let tracking = md.find("## Pas de pistage").expect("tracking section");
    assert!(encryption < tracking, "catalogue order");
    assert!(md.contains("Titre de tls.certificate\\-valid"));
    assert!(md.contains("Corriger tls.certificate\\-valid"));
    assert!(md.contains("Non respecté"));
    assert!(
        md.contains("(Dérogation)"),
        "the waived finding is shown as waived"
    );
}

#[test]
fn the_reviewer_section_lists_every_manual_item_with_its_evidence() {
    let html = document::render(
        &results(),
        &catalogue(),
        "exemple",
        Lang::En,
        DocFormat::Html,
        &templates(),
    )
    .expect("renders");
    let reviewer = &html[html.find("class=\"reviewer\"").expect("reviewer section")..];
    assert!(reviewer.contains("- [ ] **Title of third\\-party.no\\-trackers**"));
    assert!(reviewer.contains("fonts.example\\-cdn.com"));
    assert!(
        !reviewer.contains("Title of mail.starttls"),
        "inconclusive is not manual"
    );
}

fn assert_no_injection_html(html: &str, context: &str) {
    let lower = html.to_lowercase();
    assert!(
        !lower.contains("<script"),
        "{context}: a script element got through"
    );
    assert!(
        !lower.contains("<img src=x"),
        "{context}: an element from member text got through"
    );
    assert!(!lower.contains("javascript:alert(1)\""), "{context}");
    for attr in [
        "href=\"javascript",
        "href=\"data:",
        "src=\"javascript",
        "onerror=alert",
        "onmouseover=\"alert",
    ] {
        assert!(!lower.contains(attr), "{context}: {attr}");
    }
    assert!(
        !lower.contains("style=\""),
        "{context}: inline style attribute"
    );
}

#[test]
fn hostile_member_text_cannot_inject_html() {
    let results = results();
    for lang in Lang::ALL {
        let html = document::render(
            &results,
            &catalogue(),
            HOSTILE_ID,
            lang,
            DocFormat::Html,
            &templates(),
        )
        .expect("renders");
        assert_no_injection_html(&html, "standalone html");
        assert!(
            html.contains("&lt;script&gt;alert("),
            "the name is shown, escaped"
        );
    }
}

#[test]
fn hostile_member_text_cannot_inject_markdown_or_html_into_markdown() {
    let md = document::render(
        &results(),
        &catalogue(),
        HOSTILE_ID,
        Lang::En,
        DocFormat::Markdown,
        &templates(),
    )
    .expect("renders");
    assert!(!md.contains("<script"), "{md}");
    assert!(!md.contains("<img"), "{md}");
    // Every `]` of the text is escaped, so no `](…)` link target can follow one.
    assert!(!md.replace("\\]", "").contains("](javascript"), "{md}");
    assert!(!md.contains("!["), "image syntax must be escaped: {md}");
    assert!(
        !md.lines()
            .any(|l| l.starts_with("# injected") || l == "---"),
        "no new block from a message"
    );
    assert!(md.contains("\\*gras\\*"));
    insta::assert_snapshot!("member_hostile_en_md", md);
}

#[test]
fn strict_templates_name_the_missing_field_with_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("member.md.hbs"), "# {{name}}\n{{nmae}}\n").expect("write");
    let templates = Templates::with_overrides(dir.path()).expect("compiles");
    let err = document::render(
        &results(),
        &catalogue(),
        "zero",
        Lang::En,
        DocFormat::Markdown,
        &templates,
    )
    .expect_err("strict mode");
    let message = err.to_string();
    assert!(
        message.contains("nmae") && message.contains("line 2"),
        "{message}"
    );
}

#[test]
fn templates_are_overridable_from_a_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("member.md.hbs"),
        "Custom {{t.member}}: {{name}}\n",
    )
    .expect("write");
    let templates = Templates::with_overrides(dir.path()).expect("compiles");
    let md = document::render(
        &results(),
        &catalogue(),
        "zero",
        Lang::Fr,
        DocFormat::Markdown,
        &templates,
    )
    .expect("renders");
    assert_eq!(md, "Custom Membre: Zéro Chaton\n");
}

#[test]
fn a_member_without_judged_findings_has_no_score_rather_than_zero() {
    let md = document::render(
        &results(),
        &catalogue(),
        "zero",
        Lang::En,
        DocFormat::Markdown,
        &templates(),
    )
    .expect("renders");
    assert!(md.contains("| overall score | **–**"), "{md}");
}

#[test]
fn an_unknown_member_is_an_error_naming_it() {
    let err = document::render(
        &results(),
        &catalogue(),
        "nope",
        Lang::En,
        DocFormat::Html,
        &templates(),
    )
    .expect_err("unknown");
    assert!(err.to_string().contains("nope"));
}

fn render(member: &str, lang: Lang, format: DocFormat) -> String {
    document::render(&results(), &catalogue(), member, lang, format, &templates()).expect("renders")
}

fn position(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} missing"))
}

#[test]
fn the_report_opens_with_the_failures_by_commitment_each_linked_to_its_finding() {
    let html = render("exemple", Lang::Fr, DocFormat::Html);
    let glance = &html[position(&html, "<section class=\"glance\"")..];
    let glance = &glance[..position(glance, "</section>")];
    // The one failure left after waivers: the expired certificate, under Encryption.
    assert!(glance.contains("Chiffrement"), "{glance}");
    assert!(
        glance.contains("Titre de tls.certificate-valid</a> · hôte pad.exemple.org"),
        "{glance}"
    );
    assert!(
        !glance.contains("Titre de tls.modern-protocols"),
        "warnings are not listed as failures"
    );
    // Every link of the summary lands on an element of the page.
    for href in attribute_values(glance, "href") {
        let id = href.strip_prefix('#').expect("an in-page link");
        assert!(html.contains(&format!(" id=\"{id}\"")), "no element {id}");
    }
    // What could not be observed is counted apart and said not to be a breach.
    assert!(
        glance.contains("Points non observables ou à vérifier par une personne\u{a0}: 2."),
        "{glance}"
    );
    assert!(glance.contains("Ce ne sont pas des manquements"));
    let md = render("zero", Lang::En, DocFormat::Markdown);
    assert!(md.contains("No breach found in what could be observed from the outside."));
}

#[test]
fn each_report_shows_a_findings_message_in_its_own_language() {
    for format in [DocFormat::Html, DocFormat::Markdown] {
        let fr = render("exemple", Lang::Fr, format);
        assert!(fr.contains("Certificat expiré"), "{format:?}: {fr}");
        assert!(!fr.contains("Certificate expired"), "{format:?}: {fr}");
        let en = render("exemple", Lang::En, format);
        assert!(en.contains("Certificate expired"), "{format:?}: {en}");
        assert!(!en.contains("Certificat expiré"), "{format:?}: {en}");
        // A message the check wrote in English only is shown as written.
        assert!(fr.contains("TLS 1.0 still offered"), "{format:?}");
    }
    let json = json::to_json(&results());
    assert!(
        json.contains("\"message_fr\": \"Certificat expiré\""),
        "{json}"
    );
}

#[test]
fn failures_come_before_passes_and_passes_are_folded() {
    let html = render("exemple", Lang::En, DocFormat::Html);
    let encryption = &html[position(&html, "id=\"c-neutral.encryption\"")..];
    let encryption = &encryption[..position(encryption, "</section>")];
    let fail = position(encryption, "<article class=\"finding v-fail\"");
    let warn = position(encryption, "<article class=\"finding v-warn\"");
    let inconclusive = position(encryption, "<article class=\"finding v-inconclusive\"");
    let folded = position(encryption, "<details class=\"passed\">");
    let pass = position(encryption, "<article class=\"finding v-pass\"");
    assert!(fail < warn && warn < inconclusive && inconclusive < folded && folded < pass);
    assert!(encryption.contains("Checks kept or not applicable: 1</summary>"));
    let md = render("exemple", Lang::En, DocFormat::Markdown);
    let section = &md[position(&md, "## Encryption")..];
    assert!(position(section, "✗ Not kept") < position(section, "✓ Checks kept or not applicable"));
}

#[test]
fn report_times_are_in_words_and_raw_times_stay_only_in_datetime_attributes() {
    let html = render("exemple", Lang::Fr, DocFormat::Html);
    assert!(
        html.contains(
            "<time datetime=\"2026-11-29T02:00:00Z\">29 novembre 2026 à 02:00 UTC</time>"
        )
    );
    assert!(
        html.contains(
            "<time datetime=\"2026-11-20T00:00:00Z\">20 novembre 2026 à 00:00 UTC</time>"
        )
    );
    for raw in ["2026-11-29T02:00:00Z", "2026-11-20T00:00:00Z"] {
        for (i, _) in html.match_indices(raw) {
            assert!(
                html[..i].ends_with("datetime=\""),
                "{raw} shown raw outside a datetime attribute"
            );
        }
    }
    let md = render("exemple", Lang::En, DocFormat::Markdown);
    assert!(
        md.contains("| Audited on | 29 November 2026, 02:00 UTC |"),
        "{md}"
    );
    assert!(!md.contains("2026\\-11\\-29T02"), "{md}");
}

#[test]
fn subjects_and_notes_speak_the_report_language_and_do_not_accuse() {
    let html = render("exemple", Lang::Fr, DocFormat::Html);
    assert!(html.contains("hôte cloud.exemple.org"));
    assert!(html.contains("domaine de courriel exemple.org"));
    assert!(!html.contains("host cloud.exemple.org"));
    let inconclusive = &html[position(&html, "<article class=\"finding v-inconclusive\"")..];
    let inconclusive = &inconclusive[..position(inconclusive, "</article>")];
    assert!(inconclusive.contains("Ce n&#x27;est pas un manquement"));
    assert!(inconclusive.contains("Ce qui est attendu"));
    assert!(
        !inconclusive.contains("Comment corriger"),
        "nothing was found wrong: no fix is asked"
    );
    let fail = &html[position(&html, "<article class=\"finding v-fail\"")..];
    assert!(fail[..position(fail, "</article>")].contains("Comment corriger"));
}

#[test]
fn verdicts_carry_words_and_a_symbol_not_colour_alone() {
    let html = render("exemple", Lang::En, DocFormat::Html);
    for (class, symbol, words) in [
        ("v-fail", "✗", "Not kept"),
        ("v-warn", "!", "To improve"),
        ("v-manual", "?", "Needs a human reviewer"),
        ("v-inconclusive", "○", "Could not observe"),
        ("v-pass", "✓", "Kept"),
    ] {
        let chip = format!(
            "<span class=\"verdict {class}\"><span aria-hidden=\"true\">{symbol}</span> {words}</span>"
        );
        assert!(html.contains(&chip), "{chip}");
    }
}

#[test]
fn a_check_met_on_several_subjects_is_shown_once_with_every_subject() {
    let catalogue = catalogue();
    let findings: Vec<Finding> = ["a.example", "b.example", "c.example"]
        .into_iter()
        .map(|host| {
            finding(
                "m",
                "tls.modern-protocols",
                Subject::Host(host.into()),
                Verdict::Warn,
                &format!("{host} still offers TLS 1.0"),
            )
        })
        .collect();
    let mut results = results();
    results.members = vec![member("m", "M", "https://m.example", findings, &catalogue)];
    let html = document::render(
        &results,
        &catalogue,
        "m",
        Lang::En,
        DocFormat::Html,
        &templates(),
    )
    .expect("renders");
    assert_eq!(html.matches("<article class=\"finding").count(), 1);
    assert_eq!(html.matches("Fix tls.modern-protocols").count(), 1);
    assert!(html.contains("Places: 3"));
    for host in ["a.example", "b.example", "c.example"] {
        assert!(html.contains(&format!("host {host}</span> — {host} still offers TLS 1.0")));
    }
}

#[test]
fn the_stylesheet_and_templates_load_nothing_from_outside() {
    for (path, bytes) in report::templates::EMBEDDED_REPORTS {
        let text = String::from_utf8_lossy(bytes).to_lowercase();
        for forbidden in [
            "@import",
            "url(",
            "@font-face",
            "<script",
            "<link rel=\"preload",
        ] {
            assert!(!text.contains(forbidden), "{path}: {forbidden}");
        }
        for attr in ["src=\"http", "src=\"//", "href=\"//"] {
            assert!(!text.contains(attr), "{path}: {attr}");
        }
        // The only absolute URL an asset may hold is the SVG namespace, which loads nothing.
        let urls = text.matches("http://").count() + text.matches("https://").count();
        let namespaces = text.matches("xmlns=\"http://www.w3.org/2000/svg\"").count();
        assert_eq!(urls, namespaces, "{path}: an absolute URL");
    }
    let html = render("exemple", Lang::En, DocFormat::Html);
    assert!(!html.contains("<link"), "a standalone report links nothing");
    assert!(attribute_values(&html, "src").is_empty());
}

#[test]
fn each_finding_on_a_site_member_page_links_to_its_check_explanation() {
    let (dir, _) = build_site();
    for lang in ["fr", "en"] {
        let page = format!("{lang}/members/exemple.html");
        let html = std::fs::read_to_string(dir.path().join(&page)).expect("page");
        let articles = html.matches("<article class=\"finding").count();
        let links: Vec<&str> = attribute_values(&html, "href")
            .into_iter()
            .filter(|h| h.contains("/commitments/") && h.contains("#check-"))
            .collect();
        // One link on the check ID and one under "why this check?" per finding card.
        assert_eq!(links.len(), 2 * articles, "{page}");
        for href in links {
            let (file, id) = href.split_once('#').expect("fragment");
            let target = dir.path().join(lang).join("members").join(file);
            let text = std::fs::read_to_string(&target)
                .unwrap_or_else(|_| panic!("{page}: broken link {href}"));
            assert!(
                text.contains(&format!("<tr id=\"{id}\">")),
                "{page}: {href} has no target row"
            );
        }
    }
    // A standalone report has no site to link to: it shows the check's purpose instead.
    let html = render("exemple", Lang::En, DocFormat::Html);
    assert!(!html.contains("#check-"));
    assert!(html.contains("<summary>Why this check?</summary><p>Why tls.certificate-valid</p>"));
}

// ---------------------------------------------------------------------------------------------
// CI formats

#[test]
fn sarif_validates_against_the_official_oasis_schema() {
    // The official schema is not vendored; `.ci/run` fetches it (scripts/fetch-sarif-schema.sh)
    // and names it in CHATONS_AUDIT_SARIF_SCHEMA.
    let Ok(path) = std::env::var("CHATONS_AUDIT_SARIF_SCHEMA") else {
        eprintln!(
            "SKIPPED official SARIF schema validation: set CHATONS_AUDIT_SARIF_SCHEMA (scripts/fetch-sarif-schema.sh)"
        );
        return;
    };
    let text = report::sarif::to_string(&results(), &catalogue());
    let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(validate(&path, &value), Vec::<String>::new());
    // And the validator really judges: a result without its message is refused.
    let mut broken = value.clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .expect("a result object")
        .remove("message");
    assert!(!validate(&path, &broken).is_empty());
}

#[test]
fn sarif_snapshot_and_schema() {
    let text = report::sarif::to_string(&results(), &catalogue());
    let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(
        validate("tests/schemas/sarif-2.1.0-subset.schema.json", &value),
        Vec::<String>::new()
    );
    let levels: Vec<(&str, &str)> = value["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap_or_default(),
                r["level"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert!(levels.contains(&("fail", "error")) && levels.contains(&("fail", "warning")));
    assert!(levels.contains(&("review", "none")) && levels.contains(&("open", "none")));
    insta::assert_snapshot!("sarif", text);
}

#[test]
fn junit_maps_verdicts_and_is_valid_xml() {
    let xml = report::junit::to_string(&results(), &catalogue()).expect("junit");
    assert!(
        xml.contains("<failure message=\"Certificate expired\" type=\"fail\">"),
        "{xml}"
    );
    assert!(
        xml.contains("<error message=\"Port 25 timed out\" type=\"inconclusive\">"),
        "{xml}"
    );
    assert!(
        xml.contains("<skipped message=\"manual review needed: Font loaded from a third party\""),
        "{xml}"
    );
    assert!(!xml.contains("<script"), "hostile text escaped in XML");
    validate_junit_xml(&xml);
    insta::assert_snapshot!("junit", xml);
}

/// Validates against `tests/schemas/junit.xsd` with Python's `xmlschema` when it is
/// installed; otherwise says so (the structural assertions above still ran).
fn validate_junit_xml(xml: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("junit.xml");
    std::fs::write(&file, xml).expect("write");
    let script = "import sys, xmlschema; xmlschema.XMLSchema(sys.argv[1]).validate(sys.argv[2])";
    let probe = std::process::Command::new("python3")
        .args(["-c", "import xmlschema"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!(
            "SKIPPED JUnit XSD validation: python3 with the xmlschema package is not installed (pip install xmlschema)"
        );
        return;
    }
    let out = std::process::Command::new("python3")
        .args(["-c", script, "tests/schemas/junit.xsd"])
        .arg(&file)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "JUnit XSD validation failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn github_annotations_snapshot() {
    let text = report::github::to_string(&results(), &catalogue());
    assert!(text.lines().all(|l| l.starts_with("::error ")
        || l.starts_with("::warning ")
        || l.starts_with("::notice ")));
    insta::assert_snapshot!("github", text);
}

#[test]
fn markdown_summary_snapshot() {
    let text = report::summary::to_string(&results(), &catalogue(), Lang::En);
    assert!(!text.contains("<script"));
    insta::assert_snapshot!("summary_en", text);
}

// ---------------------------------------------------------------------------------------------
// Waivers

#[test]
fn waived_expired_and_unused_waivers_are_all_reported() {
    let results = results();
    let first = results.member("exemple").expect("member");
    assert_eq!(first.waived.len(), 1);
    assert_eq!(
        first.waived[0].finding.subject,
        Subject::Service("pad".into())
    );
    assert!(
        first
            .findings
            .iter()
            .all(|f| f.subject != Subject::Service("pad".into()))
    );
    assert_eq!(results.expired_waivers.len(), 1);
    assert_eq!(results.unused_waivers.len(), 1);
    let summary = report::summary::to_string(&results, &catalogue(), Lang::En);
    assert!(
        summary.contains("Waived findings: 1 · expired waivers: 1 · unused waivers: 1"),
        "{summary}"
    );
}

#[test]
fn the_example_waivers_file_parses() {
    let text = std::fs::read_to_string("fixtures/waivers.example.yaml").expect("example");
    let waivers = waiver::parse(&text, "fixtures/waivers.example.yaml").expect("parses");
    assert_eq!(waivers.len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Diff

#[test]
fn a_new_failure_is_a_regression_and_a_fix_is_not() {
    let old = results();
    let mut new = old.clone();
    let catalogue = catalogue();
    let m = &mut new.members[0];
    for f in &mut m.findings {
        if f.check.as_str() == "tls.modern-protocols" {
            f.verdict = Verdict::Fail;
        }
        if f.check.as_str() == "tls.certificate-valid" && f.verdict == Verdict::Fail {
            f.verdict = Verdict::Pass;
        }
    }
    m.score = score::evaluate(&m.findings, &catalogue);
    let d = diff::compare(&old, &new);
    assert_eq!(d.new_problems.len(), 1);
    assert_eq!(d.fixed.len(), 1);
    assert_eq!(d.scores.len(), 1);
    assert!(d.is_regression(diff::Threshold::Fail));
    insta::assert_snapshot!("diff_md", d.to_markdown());

    // Only the modern-protocols finding improves (fail → warn): nothing regressed.
    let mut worse = old.clone();
    for f in &mut worse.members[0].findings {
        if f.check.as_str() == "tls.modern-protocols" {
            f.verdict = Verdict::Fail;
        }
    }
    let improved = diff::compare(&worse, &old);
    assert_eq!(improved.fixed.len(), 1);
    assert!(
        !improved.is_regression(diff::Threshold::Fail),
        "warn after fail is no regression"
    );
    assert!(
        !improved.is_regression(diff::Threshold::Warn),
        "it was already at least a warning"
    );
}

#[test]
fn a_new_warning_is_a_regression_only_at_the_warn_threshold() {
    let old = results();
    let mut new = old.clone();
    new.members[2].findings.push(finding(
        "zero",
        "web.https-reachable",
        Subject::Member,
        Verdict::Warn,
        "slow",
    ));
    let d = diff::compare(&old, &new);
    assert!(!d.is_regression(diff::Threshold::Fail));
    assert!(d.is_regression(diff::Threshold::Warn));
    assert_eq!(diff::compare(&old, &old).to_text(), "no change\n");
}

// ---------------------------------------------------------------------------------------------
// Scoring documentation

#[test]
fn the_worked_example_of_docs_scoring_md_holds() {
    let mut catalogue = catalogue();
    catalogue.commitments[3].level = Level::Recommended;
    let findings = vec![
        finding(
            "m",
            "tls.certificate-valid",
            Subject::Member,
            Verdict::Pass,
            "",
        ),
        finding(
            "m",
            "tls.modern-protocols",
            Subject::Member,
            Verdict::Warn,
            "",
        ),
        finding("m", "mail.starttls", Subject::Member, Verdict::Fail, ""),
        finding(
            "m",
            "mail.starttls",
            Subject::Host("h".into()),
            Verdict::Inconclusive,
            "",
        ),
        // A high check in the recommended commitment: make transparency.finances high here.
        finding(
            "m",
            "transparency.finances",
            Subject::Member,
            Verdict::Pass,
            "",
        ),
    ];
    if let Some(e) = catalogue.checks.get_mut("transparency.finances") {
        e.severity = Severity::High;
    }
    let s = score::evaluate(&findings, &catalogue);
    let doc = std::fs::read_to_string("docs/scoring.md").expect("docs/scoring.md");
    assert_eq!(s.commitments[0].score, Some(66.7));
    assert_eq!(s.commitments[1].score, Some(100.0));
    assert_eq!(s.overall, Some(77.8));
    assert!(
        doc.contains("**66.7**") && doc.contains("**77.8**"),
        "the doc shows the same figures"
    );
}

// ---------------------------------------------------------------------------------------------
// The scorecard site

fn build_site() -> (tempfile::TempDir, report::site::SiteSummary) {
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = report::site::build_with(&results(), &catalogue(), &templates(), dir.path())
        .expect("site builds");
    (dir, summary)
}

fn attribute_values<'a>(html: &'a str, attribute: &str) -> Vec<&'a str> {
    let needle = format!(" {attribute}=\"");
    html.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

#[test]
fn the_site_has_every_page_badge_and_the_results() {
    let (dir, summary) = build_site();
    for file in [
        "index.html",
        "style.css",
        "results.json",
        "badges/exemple.svg",
        "badges/zero.svg",
        "fr/index.html",
        "fr/index-score.html",
        "fr/index-failing.html",
        "en/index.html",
        "fr/members/exemple.html",
        "en/members/zero.html",
        "fr/commitments/neutral.encryption.html",
        "en/commitments/open.transparency.html",
    ] {
        assert!(
            dir.path().join(file).is_file(),
            "{file} missing; wrote {:?}",
            summary.files
        );
    }
    assert_eq!(summary.members, 3);
    assert!(
        summary
            .files
            .iter()
            .all(|f| !f.contains("..") && !f.contains('<') && !f.contains('"'))
    );
    let back =
        json::from_json(&std::fs::read_to_string(dir.path().join("results.json")).expect("json"))
            .expect("reads");
    assert_eq!(back, results());
}

#[test]
fn every_site_page_has_the_strict_csp_no_inline_style_or_script_and_no_outside_resource() {
    let (dir, summary) = build_site();
    let csp = format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        report::site::SITE_CSP
    );
    for file in summary.files.iter().filter(|f| f.ends_with(".html")) {
        let html = std::fs::read_to_string(dir.path().join(file)).expect("page");
        assert!(html.starts_with("<!DOCTYPE html>"), "{file}");
        assert!(html.contains(&csp), "{file}: CSP meta");
        assert!(!html.contains("<style"), "{file}: inline style element");
        assert_no_injection_html(&html, file);
        for src in attribute_values(&html, "src") {
            assert!(
                !src.contains(':') && !src.starts_with("//"),
                "{file}: outside resource {src}"
            );
        }
        for href in attribute_values(&html, "href") {
            let lower = href.to_lowercase();
            if lower.starts_with("http://") || lower.starts_with("https://") {
                continue; // an outbound link, not a resource
            }
            assert!(
                !lower.contains(':'),
                "{file}: link with a scheme other than http(s): {href}"
            );
            let target = href.split('#').next().unwrap_or_default();
            if !target.is_empty() {
                let base = Path::new(file).parent().unwrap_or(Path::new(""));
                assert!(
                    dir.path().join(base).join(target).exists(),
                    "{file}: broken link {href}"
                );
            }
        }
    }
}

#[test]
fn pre_rendered_sort_orders_and_filter_work_without_javascript() {
    let (dir, _) = build_site();
    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).expect("page");
    let by_score = read("en/index-score.html");
    let pos = |html: &str, needle: &str| {
        html.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing"))
    };
    // Scores: the hostile member (all fail) < exemple; zero has none and sorts last.
    assert!(pos(&by_score, "members/exemple.html") < pos(&by_score, "members/evil_"));
    assert!(pos(&by_score, "members/evil_") < pos(&by_score, "members/zero.html"));
    let failing = read("en/index-failing.html");
    assert!(failing.contains("members/exemple.html") && !failing.contains("members/zero.html"));
    let by_name = read("fr/index.html");
    assert!(pos(&by_name, "members/exemple.html") < pos(&by_name, "members/zero.html"));
    assert!(
        by_name.contains("href=\"../en/index.html\""),
        "language switch"
    );
}

#[test]
fn charts_read_certificate_and_third_party_evidence() {
    let (dir, _) = build_site();
    let index = std::fs::read_to_string(dir.path().join("en/index.html")).expect("index");
    assert!(
        index.contains("Certificate expiry"),
        "timeline drawn from certificate.not_after"
    );
    assert!(index.contains("Chaton Exemple · host pad.exemple.org"));
    assert!(
        index.contains("fonts.example-cdn.com"),
        "third parties from third_party.domain"
    );
    assert!(
        index.contains("&lt;b&gt;tracker&lt;/b&gt;.example"),
        "escaped in SVG text"
    );
}

#[test]
fn the_site_is_byte_identical_for_identical_input() {
    let (first, summary) = build_site();
    let (second, again) = build_site();
    assert_eq!(summary.files, again.files);
    for file in &summary.files {
        let a = std::fs::read(first.path().join(file)).expect("first");
        let b = std::fs::read(second.path().join(file)).expect("second");
        assert!(
            a == b,
            "{file} differs between two builds of the same results"
        );
    }
}

#[test]
fn commitment_pages_list_the_most_failed_checks_first() {
    let (dir, _) = build_site();
    let page = std::fs::read_to_string(dir.path().join("en/commitments/neutral.encryption.html"))
        .expect("page");
    let failing = position(&page, "<tr id=\"check-tls.certificate-valid\">");
    let warning = position(&page, "<tr id=\"check-tls.modern-protocols\">");
    let unobserved = position(&page, "<tr id=\"check-mail.starttls\">");
    assert!(failing < warning && warning < unobserved);
    assert!(page.contains(
        "Audited on <time datetime=\"2026-11-29T02:00:00Z\">29 November 2026, 02:00 UTC</time>"
    ));
}

#[test]
fn the_badge_is_an_svg_with_the_score() {
    let (dir, _) = build_site();
    let badge = std::fs::read_to_string(dir.path().join("badges/zero.svg")).expect("badge");
    assert!(badge.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(badge.contains("CHATONS audit: –"));
    insta::assert_snapshot!(
        "badge_exemple",
        std::fs::read_to_string(dir.path().join("badges/exemple.svg")).expect("badge")
    );
}

// ---------------------------------------------------------------------------------------------
// A real browser

/// Serves `root` on a loopback port for at most `max` requests, recording every path asked.
fn serve(
    root: std::path::PathBuf,
    max: usize,
) -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().expect("addr").port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(max) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
            let mut line = String::new();
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            loop {
                let mut header = String::new();
                if reader
                    .read_line(&mut header)
                    .map(|n| n == 0)
                    .unwrap_or(true)
                    || header == "\r\n"
                {
                    break;
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            log.lock().expect("log").push(path.clone());
            let relative = path.trim_start_matches('/');
            let file = root.join(if relative.is_empty() {
                "index.html"
            } else {
                relative
            });
            let (status, body) = match std::fs::read(&file) {
                Ok(body) if !relative.contains("..") => ("200 OK", body),
                _ => ("404 Not Found", b"not found".to_vec()),
            };
            let kind = match file.extension().and_then(|e| e.to_str()) {
                Some("html") => "text/html; charset=utf-8",
                Some("css") => "text/css",
                Some("svg") => "image/svg+xml",
                Some("json") => "application/json",
                _ => "application/octet-stream",
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(&body);
        }
    });
    (port, seen)
}

/// Hosts Chromium itself contacts whatever the page (network time, updates, safe browsing).
const BROWSER_HOSTS: &[&str] = &[
    "clients1.google.com",
    "clients2.google.com",
    "update.googleapis.com",
    "accounts.google.com",
    "redirector.gvt1.com",
    "optimizationguide-pa.googleapis.com",
    "safebrowsingohttpgateway.googleapis.com",
];

#[test]
fn the_site_renders_in_a_real_browser_without_console_errors_or_outside_requests() {
    let chromium = Path::new("/usr/bin/chromium");
    if !chromium.exists() {
        eprintln!(
            "SKIPPED real-browser test: /usr/bin/chromium is missing (apt-get install chromium)"
        );
        return;
    }
    let (dir, _) = build_site();
    let (port, seen) = serve(dir.path().to_path_buf(), 200);
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&shots).expect("screenshots dir");
    for (page, shot) in [
        ("en/index.html", "index.png"),
        ("fr/members/exemple.html", "member.png"),
        (
            &*format!(
                "en/members/{}.html",
                chatons_audit::report::escape::slug(HOSTILE_ID)
            ),
            "hostile.png",
        ),
    ] {
        let profile = tempfile::tempdir().expect("profile");
        let netlog = profile.path().join("netlog.json");
        let url = format!("http://127.0.0.1:{port}/{page}");
        let common = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        ];
        let run = |extra: &[String]| {
            let out = std::process::Command::new(chromium)
                .args(common)
                .arg(format!("--user-data-dir={}", profile.path().display()))
                .args(extra)
                .arg(&url)
                .output()
                .expect("chromium runs");
            (
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        };
        let (dom, log) = run(&[
            format!("--log-net-log={}", netlog.display()),
            "--dump-dom".into(),
        ]);
        assert!(dom.contains("</html>"), "{page}: no DOM dumped; log: {log}");
        assert!(
            !dom.contains("<script"),
            "{page}: a script element exists in the live DOM"
        );
        let console: Vec<&str> = log
            .lines()
            .filter(|l| {
                l.contains("CONSOLE")
                    || l.contains("Content Security Policy")
                    || l.contains("Refused to")
            })
            .collect();
        assert!(console.is_empty(), "{page}: console messages: {console:#?}");
        let net = std::fs::read_to_string(&netlog).unwrap_or_default();
        for (i, _) in net.match_indices("\"url\":\"") {
            let url = &net[i + 7..];
            let url = &url[..url.find('"').unwrap_or(0)];
            // The browser's own housekeeping (network time, component updates) is not the
            // page's doing; the resolver rule sends it nowhere anyway.
            let browser_own = BROWSER_HOSTS.iter().any(|h| {
                url.starts_with(&format!("http://{h}/"))
                    || url.starts_with(&format!("https://{h}/"))
            });
            assert!(
                browser_own
                    || url.starts_with(&format!("http://127.0.0.1:{port}/"))
                    || url.starts_with("data:")
                    || url.is_empty(),
                "{page}: outside request to {url}"
            );
        }
        let target = shots.join(shot);
        let _ = run(&[
            format!("--screenshot={}", target.display()),
            "--window-size=420,1400".into(),
        ]);
        assert!(target.is_file(), "{page}: screenshot not written");
    }
    let requested = seen.lock().expect("log").clone();
    assert!(
        requested.iter().any(|p| p == "/style.css"),
        "the stylesheet loaded: {requested:?}"
    );
}
