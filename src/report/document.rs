//! The transparency report of one member, HTML or Markdown, French or English.

use super::escape::slug;
use super::view::{self, MemberView, PageView};
use super::{Error, Results, Templates};
use crate::catalogue::{Catalogue, Lang};

/// The two document formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocFormat {
    /// A standalone HTML5 file, CSS inline, no external resource.
    Html,
    /// Markdown (GitHub/GitLab/Discourse flavour).
    Markdown,
}

/// The CSP of a standalone HTML report: nothing may load; only the inline stylesheet applies.
pub const STANDALONE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/// Builds the full view of one member (reviewer Markdown and chart included).
pub fn build_view(
    results: &Results,
    catalogue: &Catalogue,
    member_id: &str,
    lang: Lang,
    templates: &Templates,
    page: PageView,
) -> Result<MemberView, Error> {
    let member = results
        .member(member_id)
        .ok_or_else(|| Error::UnknownMember(member_id.into()))?;
    let mut view = view::member_view(results, member, catalogue, lang, templates.strings(lang));
    if !page.standalone {
        link_explanations(&mut view, catalogue, &page.root, lang);
    }
    view.page = page;
    view.reviewer_markdown = templates.render("reviewer.md", &view)?;
    Ok(view)
}

/// On the site, each finding links to its check's row on its commitment's page, where the
/// check's purpose and how the collective fares on it are shown.
fn link_explanations(view: &mut MemberView, catalogue: &Catalogue, root: &str, lang: Lang) {
    for section in &mut view.commitments {
        if !catalogue.commitments.iter().any(|c| c.id == section.id) {
            continue;
        }
        for group in section
            .issues
            .iter_mut()
            .chain(section.passed.iter_mut())
            .chain(section.waived.iter_mut())
        {
            group.explain_href = format!(
                "{root}{}/commitments/{}.html#{}",
                lang.code(),
                section.slug,
                check_anchor(&group.check)
            );
            for finding in &mut group.items {
                finding.explain_href.clone_from(&group.explain_href);
            }
        }
    }
}

/// The fragment ID of a check's row on a commitment page.
pub fn check_anchor(check: &str) -> String {
    format!("check-{}", slug(check))
}

/// Renders one member's report as a standalone document.
pub fn render(
    results: &Results,
    catalogue: &Catalogue,
    member_id: &str,
    lang: Lang,
    format: DocFormat,
    templates: &Templates,
) -> Result<String, Error> {
    let page = PageView {
        standalone: true,
        css: templates.file("style.css")?.to_string(),
        csp: STANDALONE_CSP.into(),
        ..PageView::default()
    };
    let view = build_view(results, catalogue, member_id, lang, templates, page)?;
    match format {
        DocFormat::Html => templates.render("member.html", &view),
        DocFormat::Markdown => templates.render("member.md", &view),
    }
}

/// The file name of a member's report, e.g. `chaton-1.fr.html`.
pub fn file_name(member_id: &str, lang: Lang, format: DocFormat) -> String {
    let ext = match format {
        DocFormat::Html => "html",
        DocFormat::Markdown => "md",
    };
    format!("{}.{}.{ext}", slug(member_id), lang.code())
}
