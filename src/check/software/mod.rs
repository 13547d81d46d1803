//! Checks of the software family: what each service runs, under which licence, and where its
//! source is, as declared and as observed.
//!
//! The licence helpers here read SPDX expressions with the `spdx` crate; the product facts come
//! from the software catalogue (`checks/data/software.tsv`).

mod detected_matches_declared;
mod license_free;
mod license_matches_catalogue;
mod proprietary_exceptions_listed;
mod source_reachable;
mod version_disclosed;

pub use detected_matches_declared::DetectedMatchesDeclared;
pub use license_free::LicenseFree;
pub use license_matches_catalogue::LicenseMatchesCatalogue;
pub use proprietary_exceptions_listed::ProprietaryExceptionsListed;
pub use source_reachable::SourceReachable;
pub use version_disclosed::VersionDisclosed;

use std::collections::BTreeSet;

use spdx::expression::{ExprNode, Operator};
use spdx::{Expression, LicenseItem};

use crate::check::Context;
use crate::declaration::{Service, Software};
use crate::finding::{Finding, Message, Subject};
use crate::msg;

/// Three-valued answer for "is this licence expression free?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freedom {
    /// Every licence needed is OSI-approved or FSF free/libre.
    Free,
    /// At least one needed licence is neither, with no free alternative.
    NonFree,
    /// A `LicenseRef-*` (or similar) decides, and its terms are not known here.
    Unknown,
}

/// The longest licence expression read; anything longer is not a licence declaration.
const MAX_EXPRESSION: usize = 512;

/// Parses a declared licence: strict SPDX first, then the lax mode that accepts deprecated ids
/// (`AGPL-3.0`), `+` and `/`. The error says what is wrong, in both languages (the parser's
/// own words are quoted as they are).
pub fn parse_licence(text: &str) -> Result<Expression, Message> {
    let text = text.trim();
    if text.is_empty() {
        return Err(msg!("empty licence", "licence vide"));
    }
    if text.len() > MAX_EXPRESSION {
        return Err(msg!(
            "licence expression longer than {MAX_EXPRESSION} bytes",
            "expression de licence de plus de {MAX_EXPRESSION} octets"
        ));
    }
    Expression::parse(text)
        .or_else(|_| Expression::parse_mode(text, spdx::ParseMode::LAX))
        .map_err(|e| {
            msg!(
                "not a valid SPDX expression: {e}",
                "expression SPDX invalide : {e}"
            )
        })
}

/// Whether an expression is free: `OR` needs one free branch, `AND` needs all.
pub fn freedom(expr: &Expression) -> Freedom {
    let mut stack: Vec<Freedom> = Vec::new();
    for node in expr.iter() {
        match node {
            ExprNode::Req(req) => stack.push(match &req.req.license {
                LicenseItem::Spdx { id, .. } if id.is_osi_approved() || id.is_fsf_free_libre() => {
                    Freedom::Free
                }
                LicenseItem::Spdx { .. } => Freedom::NonFree,
                LicenseItem::Other(_) => Freedom::Unknown,
            }),
            ExprNode::Op(op) => {
                let (Some(a), Some(b)) = (stack.pop(), stack.pop()) else {
                    return Freedom::Unknown;
                };
                stack.push(match (op, a, b) {
                    (Operator::Or, Freedom::Free, _) | (Operator::Or, _, Freedom::Free) => {
                        Freedom::Free
                    }
                    (Operator::Or, Freedom::NonFree, Freedom::NonFree) => Freedom::NonFree,
                    (Operator::And, Freedom::NonFree, _) | (Operator::And, _, Freedom::NonFree) => {
                        Freedom::NonFree
                    }
                    (Operator::And, Freedom::Free, Freedom::Free) => Freedom::Free,
                    _ => Freedom::Unknown,
                });
            }
        }
    }
    stack.pop().unwrap_or(Freedom::Unknown)
}

/// The licences an expression names, as families that ignore the "only"/"or later" grant and
/// deprecated spellings: `AGPL-3.0`, `AGPL-3.0-only`, `AGPL-3.0-or-later` and `AGPL-3.0+` are
/// all `AGPL-3.0`; `LicenseRef-*` keep their (lower-cased) name.
pub fn families(expr: &Expression) -> BTreeSet<String> {
    expr.requirements()
        .map(|r| match &r.req.license {
            LicenseItem::Spdx { id, .. } => {
                let name = id.name;
                name.strip_suffix("-only")
                    .or_else(|| name.strip_suffix("-or-later"))
                    .unwrap_or(name)
                    .to_string()
            }
            LicenseItem::Other(other) => format!("LicenseRef-{}", other.lic_ref).to_lowercase(),
        })
        .collect()
}

/// The service's declared software when it claims to be free; otherwise the
/// `not_applicable` finding saying why there is nothing to check (none declared, or declared
/// proprietary: the proprietary-exceptions check covers those).
// The finding is the early return of a check, built once per subject: boxing buys nothing.
#[allow(clippy::result_large_err)]
pub fn declared_free_software<'a>(
    cx: &Context<'_>,
    service: &'a Service,
    subject: &Subject,
) -> Result<&'a Software, Finding> {
    let Some(software) = &service.software else {
        return Err(cx.not_applicable(
            subject.clone(),
            msg!("no software declared", "aucun logiciel déclaré"),
        ));
    };
    if software.proprietary {
        let name = &software.name;
        return Err(cx.not_applicable(
            subject.clone(),
            msg!(
                "{name} is declared proprietary",
                "{name} est déclaré privateur"
            ),
        ));
    }
    Ok(software)
}

/// The declared product's catalogue row, if the catalogue knows it.
pub fn catalogued(name: &str) -> Option<&'static crate::catalogue::software::Product> {
    crate::catalogue::software::lookup(name)
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use super::*;

    fn free(text: &str) -> Freedom {
        freedom(&parse_licence(text).expect("valid"))
    }

    #[test]
    fn or_needs_one_free_branch_and_and_needs_all() {
        assert_eq!(free("AGPL-3.0-or-later"), Freedom::Free);
        assert_eq!(free("BUSL-1.1"), Freedom::NonFree);
        assert_eq!(free("BUSL-1.1 OR MIT"), Freedom::Free);
        assert_eq!(free("BUSL-1.1 AND MIT"), Freedom::NonFree);
        assert_eq!(
            free("AGPL-3.0-only AND LicenseRef-Bitwarden-License-1.0"),
            Freedom::Unknown
        );
        assert_eq!(
            free("AGPL-3.0-only OR LicenseRef-Element-Commercial"),
            Freedom::Free
        );
        assert_eq!(free("LicenseRef-ACSL-1.4"), Freedom::Unknown);
        assert_eq!(free("BUSL-1.1 AND LicenseRef-x"), Freedom::NonFree);
        assert_eq!(free("CECILL-B"), Freedom::Free);
        assert_eq!(free("Zlib"), Freedom::Free);
    }

    #[test]
    fn deprecated_and_sloppy_ids_parse_and_invalid_ones_say_why() {
        assert!(parse_licence("AGPL-3.0").is_ok());
        assert!(parse_licence("GPL-3.0+").is_ok());
        assert!(parse_licence("MIT/Apache-2.0").is_ok());
        let err = parse_licence("AGPL-3.0 OR (").expect_err("unbalanced");
        assert!(err.en.contains("not a valid SPDX expression"), "{err:?}");
        let fr = err.fr;
        assert!(fr.starts_with("expression SPDX invalide : "), "{fr}");
        assert!(parse_licence("Proprietary Licence v2").is_err());
        assert!(parse_licence("").is_err());
        assert!(parse_licence(&"MIT AND ".repeat(1000)).is_err());
    }

    #[test]
    fn families_ignore_only_or_later_and_deprecated_spellings() {
        let f = |t: &str| families(&parse_licence(t).expect("valid"));
        assert_eq!(f("AGPL-3.0"), f("AGPL-3.0-only"));
        assert_eq!(f("AGPL-3.0-or-later"), f("AGPL-3.0-only"));
        assert_eq!(f("GPL-2.0+"), f("GPL-2.0-or-later"));
        assert_ne!(f("GPL-2.0-only"), f("GPL-3.0-only"));
        assert!(f("AGPL-3.0-or-later AND AGPL-3.0-only").len() == 1);
    }
}
