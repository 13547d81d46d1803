//! Librehosters `librehost.json` and the network's `directory.json` (DOMAIN.md §5.1).
//!
//! `librehost.json` (schema 0.0.1): `name` and `homeUrl` are required here (a member without
//! them cannot be audited); `contactUrl` → contact, `privacyPolicyUrl` → privacy document,
//! `termsOfServiceUrl` → terms document. Other keys of the schema are accepted and ignored;
//! the schema is young and grows, so unknown keys are not an error.
//!
//! `directory.json` is an object `{ "<member name>": "<URL or path of its librehost.json>" }`.
//! Each entry is loaded on its own: a broken one is a [`Problem`] and the others still load.
//! JSON carries no spans through serde_json values, so semantic problems name the key instead
//! of a column; syntax errors keep serde_json's line and column.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use super::chatonsinfos::{Location, read_bytes};
use super::yaml::decode_utf8;
use super::{Declarations, DocumentKind, Error, Member, Origin, Problem, parse_web_url, slugify};
use crate::probe::Fetch;

/// Largest JSON file read.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// Most entries followed in one `directory.json`.
pub const MAX_DIRECTORY_ENTRIES: usize = 2_000;

/// Parses one `librehost.json`; every problem is reported at once.
pub fn parse_librehost(text: &str, origin_name: &str) -> Result<Member, Error> {
    let value = parse_json(text, origin_name)?;
    member_from(&value, origin_name)
}

/// Loads a `librehost.json` or a `directory.json` (told apart by their shape).
pub async fn load_librehost(start: &str, fetch: Option<&dyn Fetch>) -> Result<Declarations, Error> {
    let location = Location::from_start(start);
    let name = location.to_string();
    let bytes = read_bytes(&location, fetch, MAX_FILE_BYTES)
        .await
        .map_err(|message| Error::single(Origin::new(&name, 0, 0), message, None))?;
    let text = decode_utf8(&bytes, &name)?;
    let value = parse_json(&text, &name)?;
    let Some(object) = value.as_object() else {
        return Err(Error::single(
            Origin::new(&name, 1, 1),
            "expected a JSON object",
            None,
        ));
    };
    let is_directory = !object.contains_key("name") && object.values().all(Value::is_string);
    if !is_directory {
        return member_from(&value, &name).map(|member| Declarations {
            members: vec![member],
            problems: Vec::new(),
        });
    }
    let mut declarations = Declarations::default();
    let mut ids = HashSet::new();
    let mut seen = HashSet::new();
    for (index, (entry_name, target)) in object.iter().enumerate() {
        let origin = Origin::new(&name, 0, 0);
        if index >= MAX_DIRECTORY_ENTRIES {
            declarations.problems.push(Problem {
                origin,
                message: format!(
                    "directory has more than {MAX_DIRECTORY_ENTRIES} entries; the rest is not read"
                ),
                hint: None,
            });
            break;
        }
        let target = target.as_str().unwrap_or_default();
        let child = match location.join(target) {
            Ok(child) => child,
            Err(message) => {
                declarations.problems.push(Problem {
                    origin,
                    message: format!("`{entry_name}`: {message}"),
                    hint: None,
                });
                continue;
            }
        };
        if !seen.insert(child.key()) {
            let message = format!("`{entry_name}`: {child} is listed twice; read once");
            declarations.problems.push(Problem {
                origin,
                message,
                hint: None,
            });
            continue;
        }
        let child_name = child.to_string();
        let loaded = match read_bytes(&child, fetch, MAX_FILE_BYTES).await {
            Ok(bytes) => decode_utf8(&bytes, &child_name)
                .and_then(|text| parse_json(&text, &child_name))
                .and_then(|value| member_from(&value, &child_name)),
            Err(message) => Err(Error::single(Origin::new(&child_name, 0, 0), message, None)),
        };
        match loaded {
            Ok(mut member) => {
                let base = member.id.clone();
                let mut n = 2;
                while !ids.insert(member.id.clone()) {
                    member.id = format!("{base}-{n}");
                    n += 1;
                }
                declarations.members.push(member);
            }
            Err(err) => declarations.problems.extend(err.problems),
        }
    }
    Ok(declarations)
}

fn parse_json(text: &str, name: &str) -> Result<Value, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_json::from_str(text).map_err(|err| {
        let line = u32::try_from(err.line()).unwrap_or(u32::MAX);
        let column = u32::try_from(err.column()).unwrap_or(u32::MAX);
        let message = err.to_string();
        // serde_json appends " at line L column C", already in the origin.
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_owned();
        Error::single(
            Origin::new(name, line, column),
            format!("JSON: {message}"),
            None,
        )
    })
}

fn member_from(value: &Value, name: &str) -> Result<Member, Error> {
    let mut problems = Vec::new();
    let mut problem = |message: String, hint: Option<String>| {
        problems.push(Problem {
            origin: Origin::new(name, 0, 0),
            message,
            hint,
        });
    };
    let Some(object) = value.as_object() else {
        problem("a librehost.json must be a JSON object".into(), None);
        return Err(Error { problems });
    };
    let text = |key: &str| {
        object
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let member_name = text("name");
    if member_name.is_none() {
        problem("missing `name`".into(), None);
    }
    let mut url = |key: &str, required: bool| match text(key) {
        None => {
            if required {
                problem(format!("missing `{key}`"), None);
            } else if object
                .get(key)
                .is_some_and(|v| !v.is_string() && !v.is_null())
            {
                problem(format!("`{key}` must be a string"), None);
            }
            None
        }
        Some(raw) => match parse_web_url(raw) {
            Ok(url) => Some(url),
            Err((message, hint)) => {
                problem(format!("`{key}`: {message}"), hint);
                None
            }
        },
    };
    let website = url("homeUrl", true);
    let contact = url("contactUrl", false);
    let privacy = url("privacyPolicyUrl", false);
    let terms = url("termsOfServiceUrl", false);
    let (Some(member_name), Some(website), true) = (member_name, website, problems.is_empty())
    else {
        return Err(Error { problems });
    };
    let mut documents = BTreeMap::new();
    if let Some(privacy) = privacy {
        documents.insert(DocumentKind::Privacy, privacy);
    }
    if let Some(terms) = terms {
        documents.insert(DocumentKind::Terms, terms);
    }
    let id = Some(slugify(member_name))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "member".into());
    Ok(Member {
        id,
        name: member_name.to_owned(),
        website,
        first_party_domains: Vec::new(),
        contact: contact.map(|u| u.to_string()),
        documents,
        mail_domains: Vec::new(),
        services: Vec::new(),
        hosting: None,
        properties_files: Vec::new(),
        origin: Origin::new(name, 0, 0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_map_onto_the_member() {
        let member = parse_librehost(
            r#"{"name": "Chaton Synthétique", "homeUrl": "https://chaton.test/", "privacyPolicyUrl": "https://chaton.test/privacy", "termsOfServiceUrl": "https://chaton.test/tos", "contactUrl": "https://chaton.test/contact"}"#,
            "l.json",
        )
        .expect("valid librehost.json");
        assert_eq!(member.id, "chaton-synthetique");
        assert_eq!(member.documents.len(), 2);
        assert_eq!(
            member.contact.as_deref(),
            Some("https://chaton.test/contact")
        );
    }

    #[test]
    fn every_problem_is_reported() {
        let err = parse_librehost(
            r#"{"homeUrl": "chaton.test", "privacyPolicyUrl": 3}"#,
            "l.json",
        )
        .expect_err("broken");
        let messages: Vec<String> = err.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            vec![
                "l.json: missing `name`",
                "l.json: `homeUrl`: bad URL `chaton.test`: relative URL without a base (hint: write the full address, e.g. https://chaton.test)",
                "l.json: `privacyPolicyUrl` must be a string",
            ]
        );
    }

    #[test]
    fn syntax_errors_keep_line_and_column() {
        let err =
            parse_librehost("{\n  \"name\": \"x\",\n}", "l.json").expect_err("trailing comma");
        assert_eq!(
            err.problems[0].to_string(),
            "l.json:3:1: JSON: trailing comma"
        );
    }
}
