//! The static scorecard site: static files only, readable without JavaScript, no third-party
//! resource, a strict Content-Security-Policy on every page.
//!
//! Layout under `out_dir`:
//!
//! ```text
//! index.html                 language choice
//! style.css                  the one stylesheet (CSP forbids inline style)
//! results.json               the results, schema v1
//! badges/<member>.svg        one badge per member
//! <lang>/index.html          members by name; index-score.html by score; index-failing.html
//!                            only members with a failure (sorting and filtering pre-rendered)
//! <lang>/members/<member>.html
//! <lang>/commitments/<commitment>.html
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::document::build_view;
use super::escape::slug;
use super::svg::{self, Bar, Expiry};
use super::view::{Link, PageView, ScoreView, level_name};
use super::{Error, MemberResult, Results, Templates};
use crate::catalogue::{Catalogue, Lang};
use crate::finding::Verdict;

/// The Content-Security-Policy of every site page.
pub const SITE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; base-uri 'none'; form-action 'none'";

/// Evidence label read for the certificate-expiry timeline (RFC 3339 or `YYYY-MM-DD` value).
pub const CERTIFICATE_NOT_AFTER: &str = "certificate.not_after";
/// Evidence label read for the most common third parties (a registrable domain).
pub const THIRD_PARTY_DOMAIN: &str = "third_party.domain";

/// What the site build wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteSummary {
    /// Every file written, relative to the output directory, sorted.
    pub files: Vec<String>,
    /// How many members have a page (per language).
    pub members: usize,
}

#[derive(Serialize)]
struct SortLink {
    label: String,
    href: String,
    current: bool,
}

#[derive(Serialize)]
struct Column {
    slug: String,
    title: String,
}

#[derive(Serialize)]
struct IndexRow {
    slug: String,
    name: String,
    website: Link,
    overall: ScoreView,
    fail: u32,
    warn: u32,
    manual: u32,
    scores: Vec<ScoreView>,
}

#[derive(Serialize)]
struct IndexView<'a> {
    lang: &'static str,
    t: &'a BTreeMap<String, String>,
    page: PageView,
    version: String,
    audited_at: String,
    audited_at_text: String,
    scoring_url: &'static str,
    sorts: Vec<SortLink>,
    columns: Vec<Column>,
    rows: Vec<IndexRow>,
    scores_svg: String,
    expiry_svg: String,
    third_party_svg: String,
    problems: Vec<String>,
}

#[derive(Serialize)]
struct CommitmentRow {
    slug: String,
    name: String,
    score: ScoreView,
    fail: u32,
    warn: u32,
    pass: u32,
}

#[derive(Serialize)]
struct CheckRow {
    id: String,
    anchor: String,
    title: String,
    rationale: String,
    fail: u32,
    warn: u32,
    pass: u32,
    other: u32,
}

#[derive(Serialize)]
struct CommitmentView<'a> {
    lang: &'static str,
    t: &'a BTreeMap<String, String>,
    page: PageView,
    version: String,
    audited_at: String,
    audited_at_text: String,
    scoring_url: &'static str,
    id: String,
    title: String,
    charter: String,
    level_label: String,
    average: ScoreView,
    rows: Vec<CommitmentRow>,
    checks: Vec<CheckRow>,
    chart_svg: String,
}

#[derive(Serialize)]
struct RootView {
    csp: &'static str,
    version: String,
}

/// The badge template's values.
#[derive(Serialize)]
struct BadgeView {
    label: String,
    value: String,
    colour: &'static str,
    label_width: usize,
    value_width: usize,
    width: usize,
    label_x: usize,
    value_x: usize,
}

struct Writer<'a> {
    out: &'a Path,
    files: Vec<String>,
}

impl Writer<'_> {
    fn write(&mut self, relative: &str, contents: &str) -> Result<(), Error> {
        let path: PathBuf = self.out.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(Error::io(parent))?;
        }
        std::fs::write(&path, contents).map_err(Error::io(&path))?;
        self.files.push(relative.to_string());
        Ok(())
    }
}

fn other(lang: Lang) -> Lang {
    match lang {
        Lang::Fr => Lang::En,
        Lang::En => Lang::Fr,
    }
}

fn site_page(templates: &Templates, lang: Lang, root: &str, same_page: &str) -> PageView {
    let o = other(lang);
    PageView {
        standalone: false,
        css: String::new(),
        root: root.into(),
        other_lang_href: format!("{root}{}/{same_page}", o.code()),
        other_lang_label: templates.text(o, "language_name"),
        csp: SITE_CSP.into(),
    }
}

fn count(member: &MemberResult, verdict: Verdict) -> u32 {
    member.score.counts.get(&verdict).copied().unwrap_or(0)
}

/// Unique file-name slugs per member, in results order (collisions get `-2`, `-3`…).
fn member_slugs(results: &Results) -> Vec<String> {
    let mut seen = BTreeSet::new();
    results
        .members
        .iter()
        .map(|m| {
            let base = slug(&m.id);
            let mut candidate = base.clone();
            let mut n = 2;
            while !seen.insert(candidate.clone()) {
                candidate = format!("{base}-{n}");
                n += 1;
            }
            candidate
        })
        .collect()
}

/// Builds the whole site into `out_dir` (created if needed; existing files are overwritten).
pub fn build(
    results: &Results,
    catalogue: &Catalogue,
    out_dir: &Path,
) -> Result<SiteSummary, Error> {
    build_with(results, catalogue, &Templates::embedded()?, out_dir)
}

/// [`build`] with given templates (for `--templates DIR`).
pub fn build_with(
    results: &Results,
    catalogue: &Catalogue,
    templates: &Templates,
    out_dir: &Path,
) -> Result<SiteSummary, Error> {
    let mut w = Writer {
        out: out_dir,
        files: Vec::new(),
    };
    let slugs = member_slugs(results);
    w.write("style.css", templates.file("style.css")?)?;
    w.write("results.json", &super::json::to_json(results))?;
    w.write(
        "index.html",
        &templates.render(
            "site/root.html",
            &RootView {
                csp: SITE_CSP,
                version: results.run.version.clone(),
            },
        )?,
    )?;
    for (member, slug) in results.members.iter().zip(&slugs) {
        w.write(
            &format!("badges/{slug}.svg"),
            &badge(templates, member.score.overall)?,
        )?;
    }
    for lang in Lang::ALL {
        let code = lang.code();
        let strings = templates.strings(lang);
        // Member pages.
        for (member, slug) in results.members.iter().zip(&slugs) {
            let page = site_page(templates, lang, "../../", &format!("members/{slug}.html"));
            let view = build_view(results, catalogue, &member.id, lang, templates, page)?;
            w.write(
                &format!("{code}/members/{slug}.html"),
                &templates.render("member.html", &view)?,
            )?;
        }
        // Index pages: pre-rendered sort orders and the failing filter.
        let rows = index_rows(results, catalogue, &slugs);
        let (scores_svg, expiry_svg, third_party_svg) = charts(results, catalogue, lang, templates);
        let variants: [(&str, &str); 3] = [
            ("index.html", "sort_by_name"),
            ("index-score.html", "sort_by_score"),
            ("index-failing.html", "filter_failing"),
        ];
        for (file, _) in variants {
            let mut rows: Vec<IndexRow> = rows.iter().map(clone_row).collect();
            match file {
                "index-score.html" => rows.sort_by(|a, b| {
                    let key = |r: &IndexRow| {
                        if r.overall.class == "none" {
                            -1.0
                        } else {
                            r.overall.percent
                        }
                    };
                    key(b).total_cmp(&key(a)).then_with(|| a.name.cmp(&b.name))
                }),
                "index-failing.html" => rows.retain(|r| r.fail > 0),
                _ => {}
            }
            let view = IndexView {
                lang: lang.code(),
                t: strings,
                page: site_page(templates, lang, "../", file),
                version: results.run.version.clone(),
                audited_at: results.run.started_at.clone(),
                audited_at_text: super::humanize::rfc3339(&results.run.started_at, lang),
                scoring_url: super::view::SCORING_URL,
                sorts: variants
                    .iter()
                    .map(|(f, key)| SortLink {
                        label: templates.text(lang, key),
                        href: (*f).to_string(),
                        current: *f == file,
                    })
                    .collect(),
                columns: catalogue
                    .commitments
                    .iter()
                    .map(|c| Column {
                        slug: slug(&c.id),
                        title: c.title.get(lang).to_string(),
                    })
                    .collect(),
                rows,
                scores_svg: scores_svg.clone(),
                expiry_svg: expiry_svg.clone(),
                third_party_svg: third_party_svg.clone(),
                problems: results.problems.iter().map(ToString::to_string).collect(),
            };
            w.write(
                &format!("{code}/{file}"),
                &templates.render("site/index.html", &view)?,
            )?;
        }
        // Commitment pages.
        for commitment in &catalogue.commitments {
            let cslug = slug(&commitment.id);
            let view = commitment_view(
                results, catalogue, commitment, lang, templates, &slugs, &cslug,
            );
            w.write(
                &format!("{code}/commitments/{cslug}.html"),
                &templates.render("site/commitment.html", &view)?,
            )?;
        }
    }
    w.files.sort();
    Ok(SiteSummary {
        files: w.files,
        members: results.members.len(),
    })
}

fn clone_row(r: &IndexRow) -> IndexRow {
    IndexRow {
        slug: r.slug.clone(),
        name: r.name.clone(),
        website: r.website.clone(),
        overall: r.overall.clone(),
        fail: r.fail,
        warn: r.warn,
        manual: r.manual,
        scores: r.scores.clone(),
    }
}

fn index_rows(results: &Results, catalogue: &Catalogue, slugs: &[String]) -> Vec<IndexRow> {
    let mut rows: Vec<IndexRow> = results
        .members
        .iter()
        .zip(slugs)
        .map(|(m, slug)| IndexRow {
            slug: slug.clone(),
            name: m.name.clone(),
            website: Link::url(&m.website),
            overall: ScoreView::of_member(&m.score),
            fail: count(m, Verdict::Fail),
            warn: count(m, Verdict::Warn),
            manual: count(m, Verdict::Manual),
            scores: catalogue
                .commitments
                .iter()
                .map(|c| {
                    ScoreView::of_commitment(
                        m.score.commitments.iter().find(|s| s.commitment == c.id),
                    )
                })
                .collect(),
        })
        .collect();
    rows.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then_with(|| a.slug.cmp(&b.slug))
    });
    rows
}

/// Average of the members' scores for one commitment (members without a score left out).
fn average(results: &Results, commitment: &str) -> Option<f64> {
    let scores: Vec<f64> = results
        .members
        .iter()
        .filter_map(|m| {
            m.score
                .commitments
                .iter()
                .find(|c| c.commitment == commitment)
                .and_then(|c| c.score)
        })
        .collect();
    (!scores.is_empty())
        .then(|| (scores.iter().sum::<f64>() / scores.len() as f64 * 10.0).round() / 10.0)
}

fn charts(
    results: &Results,
    catalogue: &Catalogue,
    lang: Lang,
    templates: &Templates,
) -> (String, String, String) {
    let bars: Vec<Bar> = catalogue
        .commitments
        .iter()
        .map(|c| {
            let value = average(results, &c.id);
            Bar {
                label: c.title.get(lang).to_string(),
                value,
                text: ScoreView::new(value).text,
                neutral: false,
            }
        })
        .collect();
    let scores = svg::bars(&templates.text(lang, "chart_collective_scores"), &bars);

    let now = time::OffsetDateTime::parse(
        &results.run.started_at,
        &time::format_description::well_known::Rfc3339,
    )
    .ok();
    let mut expiries: Vec<Expiry> = Vec::new();
    let mut third: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for member in &results.members {
        for finding in &member.findings {
            for e in &finding.evidence {
                if e.label == CERTIFICATE_NOT_AFTER
                    && let (Some(now), Some(at)) = (now, parse_instant(&e.value))
                {
                    let days = (at - now).whole_days();
                    expiries.push(Expiry {
                        label: format!(
                            "{} · {}",
                            member.name,
                            super::humanize::subject(&finding.subject, templates.strings(lang))
                        ),
                        days,
                        date: e.value.chars().take(10).collect(),
                    });
                } else if e.label == THIRD_PARTY_DOMAIN {
                    third
                        .entry(e.value.to_lowercase())
                        .or_default()
                        .insert(member.id.as_str());
                }
            }
        }
    }
    expiries.sort_by(|a, b| a.days.cmp(&b.days).then_with(|| a.label.cmp(&b.label)));
    expiries.dedup_by(|a, b| a.label == b.label && a.days == b.days);
    expiries.truncate(40);
    let expiry = if expiries.is_empty() {
        String::new()
    } else {
        svg::expiry_timeline(
            &templates.text(lang, "chart_certificates"),
            &templates.text(lang, "today"),
            &expiries,
        )
    };
    let mut domains: Vec<(String, usize)> = third.into_iter().map(|(d, m)| (d, m.len())).collect();
    domains.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    domains.truncate(15);
    let total = results.members.len().max(1) as f64;
    let third_party = if domains.is_empty() {
        String::new()
    } else {
        let bars: Vec<Bar> = domains
            .iter()
            .map(|(d, n)| Bar {
                label: d.clone(),
                value: Some(100.0 * *n as f64 / total),
                text: n.to_string(),
                neutral: true,
            })
            .collect();
        svg::bars(&templates.text(lang, "chart_third_parties"), &bars)
    };
    (scores, expiry, third_party)
}

fn parse_instant(value: &str) -> Option<time::OffsetDateTime> {
    use time::format_description::well_known::{Rfc2822, Rfc3339};
    time::OffsetDateTime::parse(value.trim(), &Rfc3339)
        .or_else(|_| time::OffsetDateTime::parse(value.trim(), &Rfc2822))
        .ok()
        .or_else(|| {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            let date = time::Date::parse(value.get(..10)?, format).ok()?;
            Some(date.midnight().assume_utc())
        })
}

fn commitment_view<'a>(
    results: &Results,
    catalogue: &Catalogue,
    commitment: &crate::catalogue::Commitment,
    lang: Lang,
    templates: &'a Templates,
    slugs: &[String],
    cslug: &str,
) -> CommitmentView<'a> {
    let in_commitment = |check: &str| {
        catalogue
            .check(check)
            .is_some_and(|e| e.commitment == commitment.id)
    };
    let mut rows: Vec<CommitmentRow> = Vec::new();
    let mut checks: BTreeMap<String, CheckRow> = BTreeMap::new();
    for (member, slug) in results.members.iter().zip(slugs) {
        let score = member
            .score
            .commitments
            .iter()
            .find(|c| c.commitment == commitment.id);
        let n = |v: Verdict| score.and_then(|s| s.counts.get(&v).copied()).unwrap_or(0);
        rows.push(CommitmentRow {
            slug: slug.clone(),
            name: member.name.clone(),
            score: ScoreView::of_commitment(score),
            fail: n(Verdict::Fail),
            warn: n(Verdict::Warn),
            pass: n(Verdict::Pass),
        });
        let waived = member.waived.iter().map(|w| (&w.finding, true));
        for (finding, is_waived) in member
            .findings
            .iter()
            .map(|f| (f, false))
            .chain(waived)
            .filter(|(f, _)| in_commitment(f.check.as_str()))
        {
            let id = finding.check.as_str();
            let row = checks.entry(id.to_string()).or_insert_with(|| {
                let entry = catalogue.check(id);
                CheckRow {
                    id: id.to_string(),
                    anchor: super::document::check_anchor(id),
                    title: entry.map_or_else(|| id.to_string(), |e| e.title.get(lang).to_string()),
                    rationale: entry
                        .map(|e| e.rationale.get(lang).to_string())
                        .unwrap_or_default(),
                    fail: 0,
                    warn: 0,
                    pass: 0,
                    other: 0,
                }
            });
            // A waived finding still gets its row (member pages link to it) but no count:
            // the counts are what the scores see.
            match finding.verdict {
                _ if is_waived => {}
                Verdict::Fail => row.fail += 1,
                Verdict::Warn => row.warn += 1,
                Verdict::Pass => row.pass += 1,
                _ => row.other += 1,
            }
        }
    }
    rows.sort_by_key(|r| r.name.to_lowercase());
    let bars: Vec<Bar> = rows
        .iter()
        .map(|r| Bar {
            label: r.name.clone(),
            value: (r.score.class != "none").then_some(r.score.percent),
            text: r.score.text.clone(),
            neutral: false,
        })
        .collect();
    let level = level_name(commitment.level);
    let average = ScoreView::new(average(results, &commitment.id));
    CommitmentView {
        lang: lang.code(),
        t: templates.strings(lang),
        page: site_page(
            templates,
            lang,
            "../../",
            &format!("commitments/{cslug}.html"),
        ),
        version: results.run.version.clone(),
        audited_at: results.run.started_at.clone(),
        audited_at_text: super::humanize::rfc3339(&results.run.started_at, lang),
        scoring_url: super::view::SCORING_URL,
        id: commitment.id.clone(),
        title: commitment.title.get(lang).to_string(),
        charter: commitment.charter.get(lang).to_string(),
        level_label: templates.text(lang, &format!("level_{level}")),
        average,
        rows,
        checks: {
            // The checks that fail most come first: that is where the collective can help.
            let mut checks: Vec<CheckRow> = checks.into_values().collect();
            checks.sort_by(|a, b| {
                (b.fail, b.warn)
                    .cmp(&(a.fail, a.warn))
                    .then_with(|| a.id.cmp(&b.id))
            });
            checks
        },
        chart_svg: svg::bars(commitment.title.get(lang), &bars),
    }
}

/// Renders the SVG badge of a score.
pub fn badge(templates: &Templates, score: Option<f64>) -> Result<String, Error> {
    let label = "CHATONS audit".to_string();
    let value = score.map_or_else(
        || "–".to_string(),
        |s| format!("{} %", super::view::format_score(s)),
    );
    let label_width = svg::text_width(&label);
    let value_width = svg::text_width(&value);
    templates.render(
        "badge.svg",
        &BadgeView {
            colour: svg::badge_colour(score),
            label_x: label_width / 2,
            value_x: label_width + value_width / 2,
            width: label_width + value_width,
            label,
            value,
            label_width,
            value_width,
        },
    )
}
