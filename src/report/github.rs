//! GitHub workflow commands (`::error title=…::…`): annotations on the run page, also
//! understood by Forgejo Actions. Only `fail` (error), `warn` (warning) and `manual` (notice)
//! findings are annotated.

use super::Results;
use crate::catalogue::{Catalogue, Lang};
use crate::finding::Verdict;

/// Escapes a workflow-command message (`%`, CR, LF).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property value (adds `:` and `,`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One line per annotated finding.
pub fn to_string(results: &Results, catalogue: &Catalogue) -> String {
    let mut out = String::new();
    for f in results.members.iter().flat_map(|m| m.findings.iter()) {
        let command = match f.verdict {
            Verdict::Fail => "error",
            Verdict::Warn => "warning",
            Verdict::Manual => "notice",
            _ => continue,
        };
        let title = catalogue.check(f.check.as_str()).map_or_else(
            || f.check.to_string(),
            |e| e.title.get(Lang::En).to_string(),
        );
        out.push_str(&format!(
            "::{command} title={}::{}\n",
            escape_property(&format!("{} {}: {title}", f.member, f.check)),
            escape_data(&format!("{} ({}): {}", f.member, f.subject, f.message)),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newlines_cannot_start_a_second_workflow_command() {
        assert_eq!(escape_data("a\n::error::x"), "a%0A::error::x");
        assert_eq!(escape_property("a,b:c"), "a%2Cb%3Ac");
    }
}
