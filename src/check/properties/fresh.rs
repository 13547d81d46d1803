//! `properties.fresh`: each ChatonsInfos file was regenerated recently (`file.datetime`
//! within `properties_max_age_days` of the run), as members keep their description up to date.

use crate::catalogue::chatonsinfos_keys::parse_datetime;
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::PropertiesFile;
use crate::finding::{Finding, Subject};
use crate::msg;

/// Each ChatonsInfos file is recent.
pub struct Fresh;

impl Check for Fresh {
    fn id(&self) -> &'static str {
        "properties.fresh"
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

fn judge_file(cx: &Context<'_>, file: &PropertiesFile) -> Finding {
    let subject = Subject::Url(file.location.clone());
    let Some(entry) = file.entries.iter().find(|e| e.key == "file.datetime") else {
        return cx.warn(
            subject,
            msg!(
                "no file.datetime: how fresh this file is cannot be told",
                "pas de file.datetime : impossible de savoir si ce fichier est à jour"
            ),
        );
    };
    let at = format!("{}:{}", file.location, entry.line);
    let Some(datetime) = parse_datetime(&entry.value) else {
        return cx
            .warn(
                subject,
                msg!(
                    "file.datetime `{}` is not a date-time: freshness unknown",
                    "file.datetime `{}` n'est pas une date et heure : impossible de savoir si ce fichier est à jour",
                    entry.value
                ),
            )
            .evidence_at("file.datetime", entry.value.clone(), at);
    };
    let age = cx.now() - datetime;
    let max_days = i64::from(cx.config.properties_max_age_days);
    let finding = if age.whole_days() > max_days {
        cx.warn(
            subject,
            msg!(
                "last generated {} days ago (more than {max_days})",
                "généré pour la dernière fois il y a {} jours (plus de {max_days})",
                age.whole_days()
            ),
        )
    } else if age.whole_days() < -1 {
        cx.warn(
            subject,
            msg!(
                "file.datetime is {} days in the future",
                "file.datetime indique une date située {} jours dans le futur",
                -age.whole_days()
            ),
        )
    } else {
        cx.pass(
            subject,
            msg!(
                "generated {} days ago",
                "généré il y a {} jours",
                age.whole_days().max(0)
            ),
        )
    };
    finding.evidence_at("file.datetime", entry.value.clone(), at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::properties::test_support::*;
    use crate::check::transparency::test_support::observations;
    use crate::config::Config;
    use crate::finding::Verdict;

    fn verdict(datetime: Option<&str>) -> Verdict {
        finding(datetime).verdict
    }

    fn finding(datetime: Option<&str>) -> Finding {
        let mut entries = vec![("organization.name", "Chaton")];
        if let Some(datetime) = datetime {
            entries.push(("file.datetime", datetime));
        }
        let member = member_with(vec![file("organization", &entries)]);
        let findings = crate::check::judge_member(
            &[&Fresh],
            &member,
            &observations(vec![]),
            &Config::default(),
        );
        findings
            .into_iter()
            .next()
            .expect("internal error: one file, one finding")
    }

    #[test]
    fn a_file_generated_last_month_passes() {
        assert_eq!(verdict(Some("2026-02-01T10:00:00")), Verdict::Pass);
    }

    #[test]
    fn a_file_from_two_years_ago_warns() {
        assert_eq!(verdict(Some("2024-01-31T12:00:00")), Verdict::Warn);
    }

    #[test]
    fn an_old_file_is_reported_in_french_too() {
        let f = finding(Some("2024-01-31T12:00:00"));
        let fr = f.message_fr.as_deref().unwrap_or_default();
        assert!(fr.contains("généré pour la dernière fois il y a"), "{fr}");
    }

    #[test]
    fn a_missing_or_garbled_date_warns() {
        assert_eq!(verdict(None), Verdict::Warn);
        assert_eq!(verdict(Some("yesterday")), Verdict::Warn);
    }

    #[test]
    fn a_date_in_the_future_warns() {
        assert_eq!(verdict(Some("2027-01-01T00:00:00")), Verdict::Warn);
    }
}
