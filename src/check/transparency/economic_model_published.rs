//! `transparency.economic-model-published`: The economic model (donations, membership, prices) is explained on a page reachable from the website.

use crate::check::transparency::{Presence, presence};
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::DocumentKind;
use crate::finding::{Finding, Verdict};

/// The economic model (donations, membership, prices) is explained on a page reachable from the website.
pub struct EconomicModelPublished;

impl Check for EconomicModelPublished {
    fn id(&self) -> &'static str {
        "transparency.economic-model-published"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Documents]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        match presence(
            cx,
            DocumentKind::EconomicModel,
            "economic model page",
            Verdict::Fail,
        ) {
            Presence::Found(finding, _) | Presence::Missing(finding) => vec![finding],
        }
    }
}
