//! Checks of the properties family: the quality of a member's ChatonsInfos files (the
//! collective's self-description format), driven by `checks/data/chatonsinfos-keys.tsv`.

mod fresh;
mod well_formed;

pub use fresh::Fresh;
pub use well_formed::WellFormed;

#[cfg(test)]
mod tests {
    use super::test_support::{file, member_with};
    use super::{Fresh, WellFormed};
    use crate::check::transparency::test_support::observations;
    use crate::config::Config;

    #[test]
    fn every_finding_of_the_family_has_a_french_message() {
        let files = [
            vec![],
            vec![file("organization", &[("organization.name", "Chaton")])],
            vec![file(
                "service",
                &[
                    ("file.datetime", "someday"),
                    ("service.name", "Pad"),
                    ("service.status.level", "SLEEPY"),
                    ("organisation.name", "typo"),
                ],
            )],
            vec![file("service", &[("file.datetime", "2099-01-01T00:00:00")])],
            vec![file("service", &[("file.datetime", "2026-02-01T10:00:00")])],
            vec![file("service", &[("file.datetime", "2020-02-01T10:00:00")])],
        ];
        for files in files {
            let member = member_with(files);
            let findings = crate::check::judge_member(
                &[&Fresh, &WellFormed],
                &member,
                &observations(vec![]),
                &Config::default(),
            );
            for f in findings {
                let fr = f.message_fr.as_deref().unwrap_or_default();
                assert!(!fr.is_empty(), "no French for {:?}", f.message);
                assert_ne!(fr, f.message, "the French is the English");
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Hand-built properties files for the unit tests of this family.

    use crate::declaration::{Member, PropertiesEntry, PropertiesFile};

    /// A file of `class` with `key = value` entries on consecutive lines.
    pub fn file(class: &str, entries: &[(&str, &str)]) -> PropertiesFile {
        PropertiesFile {
            location: format!("https://chaton.test/.well_known/chatonsinfos/{class}.properties"),
            class: class.into(),
            entries: entries
                .iter()
                .zip(1u32..)
                .map(|((key, value), line)| PropertiesEntry {
                    key: (*key).into(),
                    value: (*value).into(),
                    line,
                })
                .collect(),
        }
    }

    /// The transparency family's test member, declared through `files`.
    pub fn member_with(files: Vec<PropertiesFile>) -> Member {
        let mut member = crate::check::transparency::test_support::member();
        member.properties_files = files;
        member
    }
}
