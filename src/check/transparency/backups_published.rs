//! `transparency.backups-published`: The backup practice is published on the website.
//!
//! Whether a page really describes the practice takes a reader: a dedicated page passes,
//! anything else is `manual` with the sentences that mention the topic.

use crate::check::transparency::judge_practice;
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::DocumentKind;
use crate::finding::Finding;

/// The backup practice is published on the website.
pub struct BackupsPublished;

impl Check for BackupsPublished {
    fn id(&self) -> &'static str {
        "transparency.backups-published"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Documents]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        judge_practice(cx, DocumentKind::Backups, "backup practice")
    }
}
