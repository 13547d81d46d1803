//! `transparency.terms-published`: The terms of use (CGU) are published and reachable from the website.

use crate::check::transparency::{Presence, presence};
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::DocumentKind;
use crate::finding::{Finding, Verdict};

/// The terms of use (CGU) are published and reachable from the website.
pub struct TermsPublished;

impl Check for TermsPublished {
    fn id(&self) -> &'static str {
        "transparency.terms-published"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Documents]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        match presence(cx, DocumentKind::Terms, "terms of use", Verdict::Fail) {
            Presence::Found(finding, _) | Presence::Missing(finding) => vec![finding],
        }
    }
}
