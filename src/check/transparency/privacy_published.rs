//! `transparency.privacy-published`: A personal-data and privacy policy is published and reachable from the website.

use crate::check::transparency::{Presence, presence};
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::DocumentKind;
use crate::finding::{Finding, Verdict};

/// A personal-data and privacy policy is published and reachable from the website.
pub struct PrivacyPublished;

impl Check for PrivacyPublished {
    fn id(&self) -> &'static str {
        "transparency.privacy-published"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Documents]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        match presence(cx, DocumentKind::Privacy, "privacy policy", Verdict::Fail) {
            Presence::Found(finding, _) | Presence::Missing(finding) => vec![finding],
        }
    }
}
