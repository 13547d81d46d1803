//! Checks of the properties family: the quality of a member's ChatonsInfos files (the
//! collective's self-description format), driven by `checks/data/chatonsinfos-keys.tsv`.

mod fresh;
mod well_formed;

pub use fresh::Fresh;
pub use well_formed::WellFormed;

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
