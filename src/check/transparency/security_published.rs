//! `transparency.security-published`: The main points of the security policy are published for users.
//!
//! Whether a page really describes the practice takes a reader: a dedicated page passes,
//! anything else is `manual` with the sentences that mention the topic.

use crate::check::transparency::judge_practice;
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::DocumentKind;
use crate::finding::Finding;

/// The main points of the security policy are published for users.
pub struct SecurityPublished;

impl Check for SecurityPublished {
    fn id(&self) -> &'static str {
        "transparency.security-published"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Documents]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        judge_practice(cx, DocumentKind::Security, "security policy")
    }
}
