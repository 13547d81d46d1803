//! `software.license-matches-catalogue`: the declared licence agrees with the product's licence
//! in the software catalogue.

use super::{catalogued, declared_free_software, families, parse_licence};
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::Service;
use crate::finding::{Finding, Subject};
use crate::msg;

/// Every licence the member names for a product is one of the licences the catalogue gives for
/// it. The "only"/"or later" grant and deprecated ids (`AGPL-3.0` for `AGPL-3.0-only`) are not
/// held against the member: both spellings are common and the upstream grant itself is often
/// unclear. Naming one branch of an `OR` or one part of an `AND` is enough. A mismatch is a
/// `warn`: the catalogue can be wrong, and a wrong licence line is a slip, not a breach.
pub struct LicenseMatchesCatalogue;

impl Check for LicenseMatchesCatalogue {
    fn id(&self) -> &'static str {
        "software.license-matches-catalogue"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        cx.member
            .services
            .iter()
            .map(|s| judge_service(cx, s))
            .collect()
    }
}

fn judge_service(cx: &Context<'_>, service: &Service) -> Finding {
    let subject = Subject::Service(service.id.clone());
    let software = match declared_free_software(cx, service, &subject) {
        Ok(software) => software,
        Err(finding) => return finding,
    };
    let name = &software.name;
    let Some(declared) = &software.license else {
        return cx.not_applicable(
            subject,
            msg!(
                "no licence declared for {name}",
                "aucune licence déclarée pour {name}"
            ),
        );
    };
    let Some(product) = catalogued(&software.name) else {
        return cx
            .manual(
                subject,
                msg!(
                    "{name} is not in the software catalogue; compare its licence by hand",
                    "{name} n'est pas dans le catalogue des logiciels ; sa licence est à comparer à la main"
                ),
            )
            .evidence("declared.licence", declared);
    };
    let source = product.license_source_url.clone().unwrap_or_default();
    let product_name = &product.name;
    let Some(known) = &product.spdx_license else {
        return cx
            .manual(
                subject,
                msg!(
                    "the catalogue has no licence for {product_name}",
                    "le catalogue n'indique pas de licence pour {product_name}"
                ),
            )
            .evidence("declared.licence", declared);
    };
    let (Ok(declared_expr), Ok(known_expr)) = (parse_licence(declared), parse_licence(known))
    else {
        return cx
            .manual(
                subject,
                msg!(
                    "the declared licence of {product_name} cannot be read as SPDX",
                    "la licence déclarée pour {product_name} n'est pas une expression SPDX lisible"
                ),
            )
            .evidence("declared.licence", declared)
            .evidence_at("catalogue.licence", known, source);
    };
    let (mine, theirs) = (families(&declared_expr), families(&known_expr));
    let unknown: Vec<&String> = mine.difference(&theirs).collect();
    let finding = if unknown.is_empty() {
        cx.pass(
            subject,
            msg!(
                "the declared licence of {product_name} ({declared}) agrees with the catalogue ({known})",
                "la licence déclarée pour {product_name} ({declared}) concorde avec celle du catalogue ({known})"
            ),
        )
    } else {
        let mut message = msg!(
            "the declared licence of {product_name} ({declared}) differs from the catalogue's ({known})",
            "la licence déclarée pour {product_name} ({declared}) diffère de celle du catalogue ({known})"
        );
        if product.licence_unverified() {
            message
                .en
                .push_str("; the catalogue's licence for it is itself unverified");
            message
                .fr
                .push_str(" ; la licence que donne le catalogue n'est elle-même pas vérifiée");
        }
        cx.warn(subject, message).evidence(
            "licence.not_in_catalogue",
            unknown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        )
    };
    finding
        .evidence("declared.licence", declared)
        .evidence_at("catalogue.licence", known, source)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::finding::Verdict;

    fn judged(name: &str, licence: Option<&str>) -> Verdict {
        let mut sw = software(name);
        sw.license = licence.map(str::to_string);
        verdict(&LicenseMatchesCatalogue, &member(Some(sw)), &observations()).0
    }

    #[test]
    fn the_same_licence_in_any_spelling_passes() {
        assert_eq!(judged("Framapad", Some("Apache-2.0")), Verdict::Pass);
        assert_eq!(
            judged("PeerTube", Some("AGPL-3.0")),
            Verdict::Pass,
            "deprecated id = -only"
        );
        assert_eq!(
            judged("PeerTube", Some("AGPL-3.0-or-later")),
            Verdict::Pass,
            "grant differences are not held"
        );
        assert_eq!(
            judged("Nextcloud", Some("AGPL-3.0-or-later")),
            Verdict::Pass,
            "one part of an AND"
        );
        assert_eq!(
            judged("Element", Some("GPL-3.0-only")),
            Verdict::Pass,
            "one branch of an OR"
        );
    }

    #[test]
    fn another_licence_warns_and_never_fails() {
        assert_eq!(judged("Etherpad", Some("MIT")), Verdict::Warn);
        let mut sw = software("Zammad");
        sw.license = Some("MIT".into());
        let (_, f) = verdict(&LicenseMatchesCatalogue, &member(Some(sw)), &observations());
        let fr = f.message_fr.as_deref().unwrap_or_default();
        assert!(
            fr.starts_with("la licence déclarée pour Zammad (MIT) diffère de celle du catalogue (")
                && fr
                    .ends_with(" ; la licence que donne le catalogue n'est elle-même pas vérifiée"),
            "{fr}"
        );
        assert_eq!(judged("Nextcloud", Some("GPL-2.0-only")), Verdict::Warn);
        assert_eq!(
            judged("Zammad", Some("MIT")),
            Verdict::Warn,
            "unverified rows warn at most"
        );
    }

    #[test]
    fn unknown_products_and_unknown_licences_need_a_human() {
        assert_eq!(judged("Our Own Tool", Some("MIT")), Verdict::Manual);
        assert_eq!(
            judged("Yakforms", Some("GPL-2.0-or-later")),
            Verdict::Manual,
            "the catalogue has no licence"
        );
        assert_eq!(judged("Etherpad", Some("not a licence")), Verdict::Manual);
    }

    #[test]
    fn nothing_to_compare_is_not_applicable() {
        assert_eq!(judged("Etherpad", None), Verdict::NotApplicable);
        assert_eq!(
            verdict(&LicenseMatchesCatalogue, &member(None), &observations()).0,
            Verdict::NotApplicable
        );
    }
}
