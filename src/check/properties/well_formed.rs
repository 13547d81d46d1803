//! `properties.well-formed`: each ChatonsInfos file of the member has its mandatory keys,
//! values of the right type, and no unknown keys.
//!
//! Rules come from `checks/data/chatonsinfos-keys.tsv`. A broken verified rule fails; a broken
//! unverified rule (upstream rules we could not read) and an unknown key only warn.

use crate::catalogue::chatonsinfos_keys::{KeyLevel, key_table};
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::PropertiesFile;
use crate::finding::{Finding, Subject, Verdict};
use crate::msg;

/// Each ChatonsInfos file is well formed.
pub struct WellFormed;

impl Check for WellFormed {
    fn id(&self) -> &'static str {
        "properties.well-formed"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        if cx.member.properties_files.is_empty() {
            return vec![cx.not_applicable(
                Subject::Member,
                msg!(
                    "the member was not declared through ChatonsInfos",
                    "ce membre n'est pas décrit par des fichiers ChatonsInfos"
                ),
            )];
        }
        cx.member
            .properties_files
            .iter()
            .map(|file| judge_file(cx, file))
            .collect()
    }
}

struct Issue {
    verdict: Verdict,
    label: &'static str,
    text: String,
}

fn judge_file(cx: &Context<'_>, file: &PropertiesFile) -> Finding {
    let table = key_table();
    let mut issues: Vec<Issue> = Vec::new();
    let severity = |verified: bool| {
        if verified {
            Verdict::Fail
        } else {
            Verdict::Warn
        }
    };
    let mut seen_keys = std::collections::BTreeSet::new();
    for entry in &file.entries {
        let at = format!("{}:{}", file.location, entry.line);
        if !seen_keys.insert(entry.key.as_str()) {
            issues.push(Issue {
                verdict: Verdict::Warn,
                label: "key.duplicate",
                text: format!("{at}: `{}` appears more than once", entry.key),
            });
        }
        let Some(rule) = table.rule(&entry.key) else {
            let hint = table
                .nearest(&entry.key)
                .map(|k| format!(" (did you mean `{k}`?)"))
                .unwrap_or_default();
            issues.push(Issue {
                verdict: Verdict::Warn,
                label: "key.unknown",
                text: format!("{at}: unknown key `{}`{hint}", entry.key),
            });
            continue;
        };
        if !entry.value.trim().is_empty() && !rule.value_type.accepts(&entry.value) {
            issues.push(Issue {
                verdict: severity(rule.verified),
                label: "value.type",
                text: format!(
                    "{at}: `{}` = `{}` is not {}{}",
                    entry.key,
                    entry.value,
                    rule.value_type.describe(),
                    if rule.verified {
                        ""
                    } else {
                        " (unverified rule)"
                    }
                ),
            });
        }
    }
    let value = |key: &str| {
        file.entries
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.value.trim())
            .filter(|v| !v.is_empty())
    };
    for rule in table
        .rules
        .iter()
        .filter(|r| r.is_literal() && r.applies_to(&file.class))
    {
        if value(&rule.pattern).is_some() {
            continue;
        }
        match rule.level {
            KeyLevel::Mandatory => issues.push(Issue {
                verdict: severity(rule.verified),
                label: "key.missing",
                text: format!(
                    "{}: mandatory key `{}` is missing or empty{}",
                    file.location,
                    rule.pattern,
                    if rule.verified {
                        ""
                    } else {
                        " (unverified rule)"
                    }
                ),
            }),
            KeyLevel::Recommended => issues.push(Issue {
                verdict: Verdict::Pass,
                label: "key.recommended_missing",
                text: format!(
                    "{}: recommended key `{}` is missing",
                    file.location, rule.pattern
                ),
            }),
            KeyLevel::Optional => {}
        }
    }
    // The template's table of combinations: a provider's own server cannot be a nano computer,
    // a fully outsourced service is a VPS, shared or cloud (DOMAIN.md §3.2; our inference).
    if let (Some(provider), Some(server)) = (value("host.provider.type"), value("host.server.type"))
    {
        let (provider, server) = (provider.to_ascii_uppercase(), server.to_ascii_uppercase());
        let impossible = match provider.as_str() {
            "HOSTEDSERVER" => server == "NANO",
            "OUTSOURCED" => matches!(server.as_str(), "NANO" | "PHYSICAL"),
            _ => false,
        };
        if impossible {
            issues.push(Issue {
                verdict: Verdict::Warn,
                label: "value.combination",
                text: format!("{}: host.provider.type {provider} with host.server.type {server} is an unlikely combination", file.location),
            });
        }
    }
    let subject = Subject::Url(file.location.clone());
    let worst = issues
        .iter()
        .map(|i| i.verdict)
        .max_by_key(|v| v.severity_rank())
        .unwrap_or(Verdict::Pass);
    let problems = issues.iter().filter(|i| i.verdict != Verdict::Pass).count();
    let mut finding = match worst {
        Verdict::Fail => cx.fail(
            subject,
            msg!(
                "{problems} problem(s) in this ChatonsInfos file, some against verified rules",
                "{problems} problème(s) dans ce fichier ChatonsInfos, dont certains enfreignent des règles vérifiées"
            ),
        ),
        Verdict::Warn => cx.warn(
            subject,
            msg!(
                "{problems} minor problem(s) in this ChatonsInfos file",
                "{problems} problème(s) mineur(s) dans ce fichier ChatonsInfos"
            ),
        ),
        _ => cx.pass(
            subject,
            msg!(
                "{} entries, all well formed",
                "{} entrées, toutes bien formées",
                file.entries.len()
            ),
        ),
    };
    for issue in issues {
        finding = finding.evidence_at(issue.label, issue.text, file.location.clone());
    }
    finding
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::properties::test_support::*;
    use crate::check::transparency::test_support::observations;
    use crate::config::Config;

    fn judge(files: Vec<PropertiesFile>) -> Vec<Finding> {
        let member = member_with(files);
        crate::check::judge_member(
            &[&WellFormed],
            &member,
            &observations(vec![]),
            &Config::default(),
        )
    }

    const GOOD: &[(&str, &str)] = &[
        ("file.class", "organization"),
        ("file.protocol", "ChatonsInfos-0.5"),
        ("file.datetime", "2026-01-10T10:00:00"),
        ("organization.name", "Le petit chaton"),
        ("organization.type", "ASSOCIATION"),
        ("organization.website", "https://chaton.test"),
        ("organization.country.code", "FR"),
        ("organization.geolocation.latitude", "47.2184"),
        (
            "organization.socialnetworks.mastodon",
            "https://social.chaton.test/@chaton",
        ),
        (
            "subs.pad",
            "https://chaton.test/.well_known/chatonsinfos/pad.properties",
        ),
    ];

    #[test]
    fn a_clean_file_passes() {
        let findings = judge(vec![file("organization", GOOD)]);
        assert_eq!(findings[0].verdict, Verdict::Pass, "{findings:?}");
    }

    #[test]
    fn a_missing_verified_mandatory_key_fails() {
        let entries: Vec<_> = GOOD
            .iter()
            .copied()
            .filter(|(k, _)| *k != "organization.name")
            .collect();
        let findings = judge(vec![file("organization", &entries)]);
        assert_eq!(findings[0].verdict, Verdict::Fail);
        assert!(
            findings[0]
                .evidence
                .iter()
                .any(|e| e.value.contains("organization.name"))
        );
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(fr.contains("enfreignent des règles vérifiées"), "{fr}");
    }

    #[test]
    fn a_wrong_enumeration_value_fails_with_the_line() {
        let mut entries = GOOD.to_vec();
        entries[4] = ("organization.type", "CLUB");
        let findings = judge(vec![file("organization", &entries)]);
        assert_eq!(findings[0].verdict, Verdict::Fail);
        assert!(
            findings[0]
                .evidence
                .iter()
                .any(|e| e.value.contains(":5:") || e.value.contains("properties:5")),
            "{:?}",
            findings[0].evidence
        );
    }

    #[test]
    fn an_unknown_key_warns_with_the_nearest_known_key() {
        let mut entries = GOOD.to_vec();
        entries.push(("organisation.name", "typo"));
        let findings = judge(vec![file("organization", &entries)]);
        assert_eq!(findings[0].verdict, Verdict::Warn);
        assert!(
            findings[0]
                .evidence
                .iter()
                .any(|e| e.value.contains("did you mean `organization.name`"))
        );
    }

    #[test]
    fn an_unverified_rule_only_warns() {
        let findings = judge(vec![file(
            "service",
            &[
                ("software.name", "Etherpad"),
                ("service.status.level", "SLEEPY"),
                ("service.name", "Pad"),
            ],
        )]);
        assert_eq!(
            findings[0].verdict,
            Verdict::Warn,
            "{:?}",
            findings[0].evidence
        );
    }

    #[test]
    fn impossible_host_combination_warns() {
        let findings = judge(vec![file(
            "service",
            &[
                ("service.name", "Pad"),
                ("host.provider.type", "OUTSOURCED"),
                ("host.server.type", "NANO"),
            ],
        )]);
        assert_eq!(findings[0].verdict, Verdict::Warn);
    }

    #[test]
    fn members_not_from_chatonsinfos_are_not_applicable() {
        let findings = judge(vec![]);
        assert_eq!(findings[0].verdict, Verdict::NotApplicable);
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(fr.contains("ChatonsInfos"), "{fr}");
    }
}
