//! Our YAML members file, schema version 1 (documented in `docs/members-file.md`).
//!
//! serde-saphyr stops at the first serde error, so deriving the model straight from the text
//! with `deny_unknown_fields` would report one mistake per run. Instead the text is parsed
//! once into a located generic tree ([`Node`], every node wrapped in serde-saphyr's
//! `Spanned`) and the tree is validated by hand, which reports every problem at once, each with
//! its line, column and a hint. Only YAML syntax errors (and budget breaches) stop early: the
//! tree does not exist then.
//!
//! The members file is the operator's own configuration, so any problem rejects the whole file
//! (`Err` with every problem); a half-read configuration would audit the wrong thing silently.

use std::fmt;
use std::io::Read;
use std::path::Path;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};
use url::Url;

use super::{
    DocumentKind, Error, Hosting, MailDomain, Member, Origin, Problem, Service, Software,
    check_host, check_id, check_strict_license, nearest, parse_web_url,
};
use crate::declaration::Declarations;

/// Largest members file we read: a real one is a few kilobytes.
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// The only schema version this build understands.
pub const SCHEMA_VERSION: i64 = 1;

const TOP_KEYS: &[&str] = &["schema_version", "members"];
const MEMBER_KEYS: &[&str] = &[
    "id",
    "name",
    "website",
    "first_party_domains",
    "contact",
    "documents",
    "mail_domains",
    "hosting",
    "services",
];
const MAIL_KEYS: &[&str] = &["domain", "imap_host", "submission_host"];
const HOSTING_KEYS: &[&str] = &["provider", "country_code", "provider_type", "server_type"];
const SERVICE_KEYS: &[&str] = &["id", "kind", "url", "software", "legal_url", "hosting"];
const SOFTWARE_KEYS: &[&str] = &["name", "version", "license", "source", "proprietary"];
/// `host.provider.type` values (DOMAIN.md §3.2).
pub const PROVIDER_TYPES: &[&str] = &["HOME", "HOSTEDBAY", "HOSTEDSERVER", "OUTSOURCED"];
/// `host.server.type` values (DOMAIN.md §3.2).
pub const SERVER_TYPES: &[&str] = &["NANO", "PHYSICAL", "VIRTUAL", "SHARED", "CLOUD"];

/// Reads and validates a members file.
pub fn load_yaml_file(path: &Path) -> Result<Declarations, Error> {
    let name = path.display().to_string();
    let bytes = read_capped(path, MAX_FILE_BYTES).map_err(|message| single(&name, message))?;
    let text = decode_utf8(&bytes, &name)?;
    parse_yaml(&text, &name)
}

/// Validates a members file already in memory; `origin_name` names it in problems.
pub fn parse_yaml(text: &str, origin_name: &str) -> Result<Declarations, Error> {
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(single(
            origin_name,
            too_large(text.len() as u64, MAX_FILE_BYTES),
        ));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let options = serde_saphyr::options! {
        with_snippet: false,
        reject_unsupported_tags: true,
    };
    let root: Spanned<Node> = match serde_saphyr::from_str_with_options(text, options) {
        Ok(root) => root,
        Err(err) => {
            return Err(Error {
                problems: vec![syntax_problem(&err, origin_name)],
            });
        }
    };
    let mut cx = Cx {
        file: origin_name.to_owned(),
        problems: Vec::new(),
    };
    let members = cx.top(&root);
    if cx.problems.is_empty() {
        Ok(Declarations {
            members,
            problems: Vec::new(),
        })
    } else {
        Err(Error {
            problems: cx.problems,
        })
    }
}

/// Reads at most `cap` bytes; a larger file is refused with a clear message.
pub(crate) fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open the file: {e}"))?;
    if let Ok(meta) = file.metadata()
        && meta.len() > cap
    {
        return Err(too_large(meta.len(), cap));
    }
    let mut bytes = Vec::new();
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the file: {e}"))?;
    if bytes.len() as u64 > cap {
        return Err(too_large(bytes.len() as u64, cap));
    }
    Ok(bytes)
}

pub(crate) fn too_large(size: u64, cap: u64) -> String {
    format!("file too large: {size} bytes, the limit is {cap} bytes")
}

/// UTF-8 (with or without BOM), or a problem at the first bad byte.
pub(crate) fn decode_utf8(bytes: &[u8], name: &str) -> Result<String, Error> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
        Err(err) => {
            let good = &bytes[..err.valid_up_to()];
            let line = good.iter().filter(|b| **b == b'\n').count() + 1;
            let line_start = good.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
            Err(Error {
                problems: vec![Problem {
                    origin: Origin::new(name, to_u32(line), to_u32(column)),
                    message: format!("invalid UTF-8 at byte {}", err.valid_up_to()),
                    hint: Some("save the file as UTF-8".to_owned()),
                }],
            })
        }
    }
}

fn single(file: &str, message: String) -> Error {
    Error {
        problems: vec![Problem {
            origin: Origin::new(file, 0, 0),
            message,
            hint: None,
        }],
    }
}

fn to_u32(n: impl TryInto<u32>) -> u32 {
    n.try_into().unwrap_or(u32::MAX)
}

fn syntax_problem(err: &serde_saphyr::Error, file: &str) -> Problem {
    let (line, column) = err
        .location()
        .map_or((0, 0), |l| (to_u32(l.line()), to_u32(l.column())));
    let mut message = err.to_string();
    // The rendered text repeats the place we already carry in `origin`.
    if let Some(rest) = message.strip_prefix("error: ") {
        message = rest.to_owned();
    }
    let prefix = format!("line {line} column {column}: ");
    if let Some(rest) = message.strip_prefix(&prefix) {
        message = rest.to_owned();
    }
    let mut message = message.lines().next().unwrap_or_default().to_owned();
    if let Some(cut) = message.rfind(" at line ") {
        message.truncate(cut);
    }
    Problem {
        origin: Origin::new(file, line, column),
        message: format!("YAML: {message}"),
        hint: None,
    }
}

/// A YAML node, untyped: the validator below gives it meaning.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `~`, `null` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer, kept as written in decimal.
    Int(i128),
    /// A float (a version such as `1.10` must be quoted to survive).
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Spanned<Node>>),
    /// A mapping, in file order.
    Map(Vec<(Spanned<Node>, Spanned<Node>)>),
}

impl Node {
    fn describe(&self) -> &'static str {
        match self {
            Node::Null => "nothing",
            Node::Bool(_) => "a boolean",
            Node::Int(_) => "a number",
            Node::Float(_) => "a number",
            Node::Str(_) => "a string",
            Node::Seq(_) => "a list",
            Node::Map(_) => "a mapping",
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Int(v.into()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node, E> {
        Ok(Node::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
        Ok(i128::try_from(v).map_or_else(|_| Node::Str(v.to_string()), Node::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Node, E> {
        Ok(Node::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<Node>>()? {
            let value = map.next_value::<Spanned<Node>>()?;
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
    }
}

/// The validator: walks the tree, builds the model, collects every problem.
struct Cx {
    file: String,
    problems: Vec<Problem>,
}

/// The known entries of a mapping, and the known keys suggested for unknown ones (a typo
/// such as `ulr` is one mistake, so the missing `url` is not reported again).
struct Entries<'a> {
    known: Vec<(&'a str, &'a Spanned<Node>)>,
    suggested: Vec<String>,
}

impl Cx {
    fn origin(&self, at: &Location) -> Origin {
        Origin::new(&self.file, to_u32(at.line()), to_u32(at.column()))
    }

    fn report(&mut self, at: &Location, message: String, hint: Option<String>) {
        let origin = self.origin(at);
        self.problems.push(Problem {
            origin,
            message,
            hint,
        });
    }

    /// The entries of a mapping whose keys are all known; unknown keys and non-string keys
    /// are reported. `what` names the mapping in messages.
    fn fields<'a>(
        &mut self,
        node: &'a Spanned<Node>,
        known: &[&str],
        what: &str,
    ) -> Option<Entries<'a>> {
        let Node::Map(entries) = &node.value else {
            self.report(
                &node.referenced,
                format!("{what} must be a mapping, found {}", node.value.describe()),
                None,
            );
            return None;
        };
        let mut out = Entries {
            known: Vec::new(),
            suggested: Vec::new(),
        };
        for (key, value) in entries {
            let Node::Str(name) = &key.value else {
                self.report(
                    &key.referenced,
                    format!("keys of {what} must be strings"),
                    None,
                );
                continue;
            };
            if !known.contains(&name.as_str()) {
                let hint = match nearest(name, known.iter().copied()) {
                    Some(near) => {
                        out.suggested.push(near.to_owned());
                        format!("did you mean `{near}`?")
                    }
                    None => format!("known keys: {}", known.join(", ")),
                };
                self.report(
                    &key.referenced,
                    format!("unknown key `{name}` in {what}"),
                    Some(hint),
                );
                continue;
            }
            out.known.push((name.as_str(), value));
        }
        Some(out)
    }

    fn get<'a>(entries: &Entries<'a>, key: &str) -> Option<&'a Spanned<Node>> {
        entries
            .known
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }

    fn required<'a>(
        &mut self,
        entries: &Entries<'a>,
        key: &str,
        parent: &Spanned<Node>,
        what: &str,
    ) -> Option<&'a Spanned<Node>> {
        let found = Self::get(entries, key);
        if found.is_none() && !entries.suggested.iter().any(|s| s == key) {
            self.report(
                &parent.referenced,
                format!("missing required key `{key}` in {what}"),
                None,
            );
        }
        found
    }

    fn string(&mut self, node: &Spanned<Node>, key: &str) -> Option<String> {
        match &node.value {
            Node::Str(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Node::Str(_) | Node::Null => {
                self.report(&node.referenced, format!("`{key}` is empty"), None);
                None
            }
            Node::Int(n) => Some(n.to_string()),
            Node::Float(_) => {
                self.report(
                    &node.referenced,
                    format!("`{key}` must be a string, found a number"),
                    Some(
                        "put the value in quotes, e.g. \"1.10\", so YAML keeps it as written"
                            .into(),
                    ),
                );
                None
            }
            other => {
                self.report(
                    &node.referenced,
                    format!("`{key}` must be a string, found {}", other.describe()),
                    None,
                );
                None
            }
        }
    }

    fn url(&mut self, node: &Spanned<Node>, key: &str) -> Option<Url> {
        let text = self.string(node, key)?;
        match parse_web_url(&text) {
            Ok(url) => Some(url),
            Err((message, hint)) => {
                self.report(&node.referenced, format!("`{key}`: {message}"), hint);
                None
            }
        }
    }

    fn id(&mut self, node: &Spanned<Node>, key: &str) -> Option<String> {
        let text = self.string(node, key)?;
        match check_id(&text) {
            Ok(()) => Some(text),
            Err(hint) => {
                self.report(
                    &node.referenced,
                    format!(
                        "`{key}` `{text}` is not a valid id (lower-case letters, digits and dashes)"
                    ),
                    Some(hint),
                );
                None
            }
        }
    }

    fn host(&mut self, node: &Spanned<Node>, key: &str) -> Option<String> {
        let text = self.string(node, key)?;
        match check_host(&text) {
            Ok(host) => Some(host),
            Err((message, hint)) => {
                self.report(&node.referenced, format!("`{key}`: {message}"), hint);
                None
            }
        }
    }

    fn list<'a>(&mut self, node: &'a Spanned<Node>, key: &str) -> &'a [Spanned<Node>] {
        match &node.value {
            Node::Seq(items) => items,
            Node::Null => &[],
            other => {
                self.report(
                    &node.referenced,
                    format!("`{key}` must be a list, found {}", other.describe()),
                    None,
                );
                &[]
            }
        }
    }

    fn top(&mut self, root: &Spanned<Node>) -> Vec<Member> {
        if root.value == Node::Null {
            self.report(
                &root.referenced,
                "the file is empty".into(),
                Some("start with `schema_version: 1`".into()),
            );
            return Vec::new();
        }
        let Some(entries) = self.fields(root, TOP_KEYS, "the members file") else {
            return Vec::new();
        };
        match self.required(&entries, "schema_version", root, "the members file") {
            Some(node) if node.value == Node::Int(SCHEMA_VERSION.into()) => {}
            Some(node) => {
                let found = match &node.value {
                    Node::Int(n) => n.to_string(),
                    Node::Str(s) => format!("\"{s}\""),
                    other => other.describe().to_owned(),
                };
                self.report(
                    &node.referenced,
                    format!("unsupported schema_version {found}"),
                    Some(format!(
                        "this version of chatons-audit reads schema_version {SCHEMA_VERSION}"
                    )),
                );
            }
            None => {}
        }
        let Some(list) = self.required(&entries, "members", root, "the members file") else {
            return Vec::new();
        };
        let mut members: Vec<Member> = Vec::new();
        let mut seen: Vec<(String, Location)> = Vec::new();
        for item in self.list(list, "members") {
            let duplicate = self.duplicate(item, &mut seen, "duplicate member id");
            if let Some(member) = self.member(item)
                && !duplicate
            {
                members.push(member);
            }
        }
        members
    }

    /// Reports an `id` already seen among the siblings (even when the item is otherwise
    /// broken, so every duplicate shows up); true when it is a duplicate.
    fn duplicate(
        &mut self,
        item: &Spanned<Node>,
        seen: &mut Vec<(String, Location)>,
        what: &str,
    ) -> bool {
        let Node::Map(entries) = &item.value else {
            return false;
        };
        let Some((_, id)) = entries
            .iter()
            .find(|(k, _)| k.value == Node::Str("id".into()))
        else {
            return false;
        };
        let Node::Str(text) = &id.value else {
            return false;
        };
        let text = text.trim();
        if let Some((_, first)) = seen.iter().find(|(seen_id, _)| seen_id == text) {
            let hint = format!("first declared at line {}", first.line());
            self.report(&id.referenced, format!("{what} `{text}`"), Some(hint));
            return true;
        }
        seen.push((text.to_owned(), id.referenced));
        false
    }

    fn member(&mut self, node: &Spanned<Node>) -> Option<Member> {
        let entries = self.fields(node, MEMBER_KEYS, "a member")?;
        let before = self.problems.len();
        let id_node = self.required(&entries, "id", node, "a member");
        let id = id_node.and_then(|n| self.id(n, "id"));
        let name = self
            .required(&entries, "name", node, "a member")
            .and_then(|n| self.string(n, "name"));
        let website = self
            .required(&entries, "website", node, "a member")
            .and_then(|n| self.url(n, "website"));
        let mut first_party_domains = Vec::new();
        if let Some(list) = Self::get(&entries, "first_party_domains") {
            for item in self.list(list, "first_party_domains") {
                if let Some(host) = self.host(item, "first_party_domains") {
                    first_party_domains.push(host);
                }
            }
        }
        let contact = Self::get(&entries, "contact").and_then(|n| self.string(n, "contact"));
        let documents = Self::get(&entries, "documents")
            .map(|n| self.documents(n))
            .unwrap_or_default();
        let mut mail_domains = Vec::new();
        if let Some(list) = Self::get(&entries, "mail_domains") {
            for item in self.list(list, "mail_domains") {
                if let Some(mail) = self.mail_domain(item) {
                    mail_domains.push(mail);
                }
            }
        }
        let hosting = Self::get(&entries, "hosting").and_then(|n| self.hosting(n));
        let mut services: Vec<Service> = Vec::new();
        if let Some(list) = Self::get(&entries, "services") {
            let mut seen: Vec<(String, Location)> = Vec::new();
            for item in self.list(list, "services") {
                let duplicate = self.duplicate(item, &mut seen, "duplicate service id");
                if let Some(service) = self.service(item)
                    && !duplicate
                {
                    services.push(service);
                }
            }
        }
        if self.problems.len() != before {
            return None;
        }
        let member = Member {
            id: id?,
            name: name?,
            website: website?,
            first_party_domains,
            contact,
            documents,
            mail_domains,
            services,
            hosting,
            properties_files: Vec::new(),
            origin: self.origin(&node.referenced),
        };
        Some(member)
    }

    fn documents(&mut self, node: &Spanned<Node>) -> std::collections::BTreeMap<DocumentKind, Url> {
        let keys: Vec<&str> = DocumentKind::ALL.iter().map(|k| k.key()).collect();
        let mut out = std::collections::BTreeMap::new();
        let Some(entries) = self.fields(node, &keys, "documents") else {
            return out;
        };
        for (key, value) in entries.known {
            if let (Some(kind), Some(url)) = (DocumentKind::from_key(key), self.url(value, key)) {
                out.insert(kind, url);
            }
        }
        out
    }

    fn mail_domain(&mut self, node: &Spanned<Node>) -> Option<MailDomain> {
        let entries = self.fields(node, MAIL_KEYS, "a mail domain")?;
        let domain = self
            .required(&entries, "domain", node, "a mail domain")
            .and_then(|n| self.host(n, "domain"));
        let imap_host = Self::get(&entries, "imap_host").and_then(|n| self.host(n, "imap_host"));
        let submission_host =
            Self::get(&entries, "submission_host").and_then(|n| self.host(n, "submission_host"));
        Some(MailDomain {
            domain: domain?,
            imap_host,
            submission_host,
        })
    }

    fn hosting(&mut self, node: &Spanned<Node>) -> Option<Hosting> {
        let entries = self.fields(node, HOSTING_KEYS, "hosting")?;
        let provider = Self::get(&entries, "provider").and_then(|n| self.string(n, "provider"));
        let country_code = Self::get(&entries, "country_code").and_then(|n| {
            let code = self.string(n, "country_code")?;
            if code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic()) {
                Some(code.to_ascii_uppercase())
            } else {
                self.report(
                    &n.referenced,
                    format!("`country_code` `{code}` is not an ISO 3166-1 alpha-2 code"),
                    Some("two letters, e.g. FR, BE, CH".into()),
                );
                None
            }
        });
        let provider_type = Self::get(&entries, "provider_type")
            .and_then(|n| self.one_of(n, "provider_type", PROVIDER_TYPES));
        let server_type = Self::get(&entries, "server_type")
            .and_then(|n| self.one_of(n, "server_type", SERVER_TYPES));
        Some(Hosting {
            provider,
            country_code,
            provider_type,
            server_type,
        })
    }

    fn one_of(&mut self, node: &Spanned<Node>, key: &str, allowed: &[&str]) -> Option<String> {
        let text = self.string(node, key)?.to_ascii_uppercase();
        if allowed.contains(&text.as_str()) {
            return Some(text);
        }
        let hint = match nearest(&text, allowed.iter().copied()) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("one of {}", allowed.join(", ")),
        };
        self.report(
            &node.referenced,
            format!("`{key}` `{text}` is not a known value"),
            Some(hint),
        );
        None
    }

    fn service(&mut self, node: &Spanned<Node>) -> Option<Service> {
        let entries = self.fields(node, SERVICE_KEYS, "a service")?;
        let id_node = self.required(&entries, "id", node, "a service");
        let id = id_node.and_then(|n| self.id(n, "id"));
        let kind = self
            .required(&entries, "kind", node, "a service")
            .and_then(|n| self.string(n, "kind"))
            .map(|k| k.to_lowercase());
        let url = self
            .required(&entries, "url", node, "a service")
            .and_then(|n| self.url(n, "url"));
        let software = Self::get(&entries, "software").and_then(|n| self.software(n));
        let legal_url = Self::get(&entries, "legal_url").and_then(|n| self.url(n, "legal_url"));
        let hosting = Self::get(&entries, "hosting").and_then(|n| self.hosting(n));
        let service = Service {
            id: id?,
            kind: kind?,
            url: url?,
            software,
            hosting,
            legal_url,
            origin: self.origin(&node.referenced),
        };
        Some(service)
    }

    fn software(&mut self, node: &Spanned<Node>) -> Option<Software> {
        let entries = self.fields(node, SOFTWARE_KEYS, "software")?;
        let name = self
            .required(&entries, "name", node, "software")
            .and_then(|n| self.string(n, "name"));
        let version = Self::get(&entries, "version").and_then(|n| self.string(n, "version"));
        let license = Self::get(&entries, "license").and_then(|n| {
            let text = self.string(n, "license")?;
            match check_strict_license(&text) {
                Ok(canonical) => Some(canonical),
                Err((message, hint)) => {
                    self.report(&n.referenced, message, hint);
                    None
                }
            }
        });
        let source = Self::get(&entries, "source").and_then(|n| self.url(n, "source"));
        let proprietary = match Self::get(&entries, "proprietary") {
            None => false,
            Some(Spanned {
                value: Node::Bool(b),
                ..
            }) => *b,
            Some(n) => {
                self.report(
                    &n.referenced,
                    format!(
                        "`proprietary` must be true or false, found {}",
                        n.value.describe()
                    ),
                    None,
                );
                false
            }
        };
        Some(Software {
            name: name?,
            version,
            license,
            source,
            proprietary,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_nodes_keep_their_place() {
        let root: Spanned<Node> =
            serde_saphyr::from_str("a:\n  - b: 1\n    c: x\n").expect("test yaml parses");
        let Node::Map(top) = &root.value else {
            panic!("map expected")
        };
        let Node::Seq(items) = &top[0].1.value else {
            panic!("seq expected")
        };
        let Node::Map(inner) = &items[0].value else {
            panic!("map expected")
        };
        assert_eq!(
            (inner[1].0.referenced.line(), inner[1].0.referenced.column()),
            (3, 5)
        );
        assert_eq!(
            (items[0].referenced.line(), items[0].referenced.column()),
            (2, 5)
        );
    }

    #[test]
    fn a_float_version_asks_for_quotes() {
        let text = "schema_version: 1\nmembers:\n  - id: a\n    name: A\n    website: https://a.test/\n    services:\n      - id: pad\n        kind: pad\n        url: https://pad.a.test/\n        software: {name: Etherpad, version: 1.10}\n";
        let err = parse_yaml(text, "m.yaml").expect_err("float version rejected");
        assert_eq!(err.problems.len(), 1);
        assert!(
            err.problems[0]
                .message
                .contains("`version` must be a string"),
            "{}",
            err.problems[0]
        );
    }
}
