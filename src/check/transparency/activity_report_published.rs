//! `transparency.activity-report-published`: An activity report is published and covers a recent year (recommended criterion).
//!
//! A recommended criterion: absence and staleness are `warn`, never `fail`.

use crate::check::transparency::judge_recent;
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::DocumentKind;
use crate::finding::Finding;

/// An activity report is published and covers a recent year (recommended criterion).
pub struct ActivityReportPublished;

impl Check for ActivityReportPublished {
    fn id(&self) -> &'static str {
        "transparency.activity-report-published"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Documents]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        judge_recent(cx, DocumentKind::ActivityReport, "activity report")
    }
}
