//! `transparency.infrastructure-documented`: The infrastructure (overall design, deployment of services, procedures) is documented.
//!
//! Whether a page really describes the practice takes a reader: a dedicated page passes,
//! anything else is `manual` with the sentences that mention the topic.

use crate::check::transparency::judge_practice;
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::DocumentKind;
use crate::finding::Finding;

/// The infrastructure (overall design, deployment of services, procedures) is documented.
pub struct InfrastructureDocumented;

impl Check for InfrastructureDocumented {
    fn id(&self) -> &'static str {
        "transparency.infrastructure-documented"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Documents]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        judge_practice(
            cx,
            DocumentKind::Infrastructure,
            "infrastructure documentation",
        )
    }
}
