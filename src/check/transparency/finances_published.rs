//! `transparency.finances-published`: The accounts are published and cover a recent year (recommended criterion).
//!
//! A recommended criterion: absence and staleness are `warn`, never `fail`.

use crate::check::transparency::judge_recent;
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::DocumentKind;
use crate::finding::Finding;

/// The accounts are published and cover a recent year (recommended criterion).
pub struct FinancesPublished;

impl Check for FinancesPublished {
    fn id(&self) -> &'static str {
        "transparency.finances-published"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Documents]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        judge_recent(cx, DocumentKind::Finances, "published accounts")
    }
}
