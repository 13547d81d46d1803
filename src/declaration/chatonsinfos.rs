//! ChatonsInfos loader: federation → organisations → services (DOMAIN.md §3).
//!
//! The start file and every `subs.*` value may be an `http(s)://` URL or a local path;
//! relative references resolve against the file that names them. Remote files go through
//! [`crate::probe::Fetch`] (the run's network layer, with its guard and limits), so the loader
//! is async; without a fetcher, URLs give a problem. Files are read one after the other: the
//! collective has about a hundred organisations, and the network layer bounds each fetch.
//!
//! Bounds: at most [`Limits::max_files`] files per run, [`Limits::max_depth`] levels of
//! federations, [`Limits::max_file_bytes`] per file. A `subs.*` naming a file already loaded
//! (a loop, or the same file twice) is reported and not followed. A broken organisation is a
//! [`Problem`] in [`Declarations::problems`]; the other organisations still load. Only a
//! broken start file is an [`Error`].
//!
//! Mapping (also in `docs/members-file.md`): `organization.name` → name and id (slugified,
//! unique), `organization.website` → website, `organization.contact.email` (else `.url`) →
//! contact, `organization.legal.url` → legal-notice, `organization.guide.technical` →
//! infrastructure, first `organization.funding.*` → economic-model, `host.*` → hosting;
//! service files: subs key → id, `service.website` → url, `service.legal.url` → legal_url,
//! `software.*` → software, `host.*` → hosting, slug of `software.name` (else the id) → kind.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use url::Url;

use super::properties::{self, ParsedProperties};
use super::yaml::{PROVIDER_TYPES, SERVER_TYPES, decode_utf8, read_capped, too_large};
use super::{
    Declarations, DocumentKind, Error, Hosting, Member, Origin, Problem, PropertiesEntry,
    PropertiesFile, Service, Software, lax_license, parse_web_url, slugify,
};
use crate::probe::{Fetch, FetchOptions};

/// Bounds of one load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Files read in all (federations, organisations, services).
    pub max_files: usize,
    /// Nested federations followed below the start file.
    pub max_depth: usize,
    /// Largest file read, in bytes.
    pub max_file_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_files: 2_000,
            max_depth: 3,
            max_file_bytes: 2 * 1024 * 1024,
        }
    }
}

/// Loads members from a ChatonsInfos federation or organisation file, with default limits.
pub async fn load_properties(
    start: &str,
    fetch: Option<&dyn Fetch>,
) -> Result<Declarations, Error> {
    load_properties_with(start, fetch, Limits::default()).await
}

/// Loads members from a ChatonsInfos federation or organisation file.
pub async fn load_properties_with(
    start: &str,
    fetch: Option<&dyn Fetch>,
    limits: Limits,
) -> Result<Declarations, Error> {
    let location = Location::from_start(start);
    let mut loader = Loader {
        fetch,
        limits,
        visited: HashSet::new(),
        files: 0,
        capped: false,
        problems: Vec::new(),
        ids: HashSet::new(),
    };
    let origin = Origin::new(location.to_string(), 0, 0);
    loader.visited.insert(location.key());
    let parsed = loader
        .read(&location)
        .await
        .map_err(|message| Error::single(origin.clone(), message, None))?;
    let mut members = Vec::new();
    match classify(&parsed) {
        Class::Federation => loader.federation(&location, &parsed, 0, &mut members).await,
        Class::Organization => {
            if let Some(member) = loader.organization(&location, parsed).await {
                members.push(member);
            }
        }
        Class::Service | Class::Unknown(_) => {
            let class = classify(&parsed).name();
            return Err(Error::single(
                origin,
                format!("the start file is a {class} file, not a federation or organization file"),
                Some("start from the collective's federation file or a member's organization.properties".into()),
            ));
        }
    }
    Ok(Declarations {
        members,
        problems: loader.problems,
    })
}

/// Where a file lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    /// Remote, fetched through the network layer.
    Url(Url),
    /// Local file.
    Path(PathBuf),
}

impl Location {
    pub(crate) fn from_start(start: &str) -> Self {
        match Url::parse(start) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => Location::Url(url),
            _ => Location::Path(PathBuf::from(start)),
        }
    }

    /// Resolves a `subs.*` value against this file.
    pub(crate) fn join(&self, reference: &str) -> Result<Location, String> {
        match Url::parse(reference) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => return Ok(Location::Url(url)),
            Ok(url) if url.scheme().len() > 1 => {
                return Err(format!(
                    "unsupported address `{reference}` (scheme `{}`)",
                    url.scheme()
                ));
            }
            _ => {}
        }
        match self {
            Location::Url(base) => base
                .join(reference)
                .map(Location::Url)
                .map_err(|e| format!("bad address `{reference}`: {e}")),
            Location::Path(base) => {
                let path = Path::new(reference);
                if path.is_absolute() {
                    Ok(Location::Path(path.to_path_buf()))
                } else {
                    Ok(Location::Path(
                        base.parent().unwrap_or(Path::new("")).join(path),
                    ))
                }
            }
        }
    }

    /// The key used for loop detection: the URL, or the canonical path when it exists.
    pub(crate) fn key(&self) -> String {
        match self {
            Location::Url(url) => url.to_string(),
            Location::Path(path) => std::fs::canonicalize(path)
                .unwrap_or_else(|_| path.clone())
                .display()
                .to_string(),
        }
    }

    fn stem(&self) -> String {
        let name = match self {
            Location::Url(url) => url
                .path_segments()
                .and_then(|mut s| s.next_back())
                .unwrap_or("")
                .to_owned(),
            Location::Path(path) => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        name.trim_end_matches(".properties").to_owned()
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Url(url) => f.write_str(url.as_str()),
            Location::Path(path) => write!(f, "{}", path.display()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Class {
    Federation,
    Organization,
    Service,
    Unknown(String),
}

impl Class {
    fn name(&self) -> String {
        match self {
            Class::Federation => "federation".into(),
            Class::Organization => "organization".into(),
            Class::Service => "service".into(),
            Class::Unknown(other) if other.is_empty() => "unclassified".into(),
            Class::Unknown(other) => format!("`{other}`"),
        }
    }
}

/// `file.class` when present, else the prefix of the keys.
fn classify(parsed: &ParsedProperties) -> Class {
    if let Some(entry) = parsed.get("file.class") {
        return match entry.value.to_ascii_lowercase().as_str() {
            "federation" => Class::Federation,
            "organization" | "organisation" => Class::Organization,
            "service" => Class::Service,
            other => Class::Unknown(other.to_owned()),
        };
    }
    let has = |prefix: &str| parsed.entries.iter().any(|e| e.key.starts_with(prefix));
    if has("federation.") {
        Class::Federation
    } else if has("organization.") {
        Class::Organization
    } else if has("service.") {
        Class::Service
    } else {
        Class::Unknown(String::new())
    }
}

fn subs(parsed: &ParsedProperties) -> Vec<&PropertiesEntry> {
    parsed
        .entries
        .iter()
        .filter(|e| e.key.starts_with("subs."))
        .collect()
}

struct Loader<'f> {
    fetch: Option<&'f dyn Fetch>,
    limits: Limits,
    visited: HashSet<String>,
    files: usize,
    capped: bool,
    problems: Vec<Problem>,
    ids: HashSet<String>,
}

impl Loader<'_> {
    fn problem(&mut self, file: &Location, line: u32, message: String, hint: Option<String>) {
        self.problems.push(Problem {
            origin: Origin::new(file.to_string(), line, 0),
            message,
            hint,
        });
    }

    /// Reads and parses one file, counting it against the file budget.
    async fn read(&mut self, location: &Location) -> Result<ParsedProperties, String> {
        self.files += 1;
        let bytes = read_bytes(location, self.fetch, self.limits.max_file_bytes).await?;
        let text = decode_utf8(&bytes, &location.to_string()).map_err(|e| {
            e.problems
                .first()
                .map(|p| p.message.clone())
                .unwrap_or_default()
        })?;
        let parsed = properties::parse(&text);
        for issue in &parsed.issues {
            self.problem(location, issue.line, issue.message.clone(), None);
        }
        Ok(parsed)
    }

    /// Resolves and claims a `subs.*` target: `None` (with a problem) when it cannot or must
    /// not be followed.
    fn claim(&mut self, parent: &Location, entry: &PropertiesEntry) -> Option<Location> {
        if self.files >= self.limits.max_files {
            if !self.capped {
                self.capped = true;
                let message = format!(
                    "stopped following subs: the limit of {} files per run is reached",
                    self.limits.max_files
                );
                self.problem(
                    parent,
                    entry.line,
                    message,
                    Some("the remaining subs.* entries were not read".into()),
                );
            }
            return None;
        }
        let child = match parent.join(&entry.value) {
            Ok(child) => child,
            Err(message) => {
                self.problem(
                    parent,
                    entry.line,
                    format!("`{}`: {message}", entry.key),
                    None,
                );
                return None;
            }
        };
        if !self.visited.insert(child.key()) {
            self.problem(
                parent,
                entry.line,
                format!("`{}` points to {child}, which is already loaded (loop or duplicate); not followed", entry.key),
                None,
            );
            return None;
        }
        Some(child)
    }

    async fn federation(
        &mut self,
        location: &Location,
        parsed: &ParsedProperties,
        depth: usize,
        members: &mut Vec<Member>,
    ) {
        for entry in subs(parsed) {
            let Some(child) = self.claim(location, entry) else {
                continue;
            };
            let parsed = match self.read(&child).await {
                Ok(parsed) => parsed,
                Err(message) => {
                    self.problem(
                        location,
                        entry.line,
                        format!("`{}` ({child}): {message}", entry.key),
                        None,
                    );
                    continue;
                }
            };
            match classify(&parsed) {
                Class::Organization => {
                    if let Some(member) = self.organization(&child, parsed).await {
                        members.push(member);
                    }
                }
                Class::Federation if depth < self.limits.max_depth => {
                    Box::pin(self.federation(&child, &parsed, depth + 1, members)).await;
                }
                Class::Federation => {
                    let message = format!(
                        "nested federation deeper than {} levels; not followed",
                        self.limits.max_depth
                    );
                    self.problem(&child, 0, message, None);
                }
                other => {
                    let message = format!(
                        "expected an organization file, found a {} file",
                        other.name()
                    );
                    self.problem(&child, 0, message, None);
                }
            }
        }
    }

    async fn organization(
        &mut self,
        location: &Location,
        parsed: ParsedProperties,
    ) -> Option<Member> {
        let before = self.problems.len();
        let name = parsed
            .get("organization.name")
            .map(|e| e.value.clone())
            .filter(|n| !n.is_empty());
        if name.is_none() {
            self.problem(
                location,
                0,
                "missing `organization.name`".into(),
                Some("the name is mandatory".into()),
            );
        }
        let website = self.url(location, &parsed, "organization.website");
        if website.is_none() && parsed.get("organization.website").is_none() {
            self.problem(
                location,
                0,
                "missing `organization.website`".into(),
                Some("the website is what gets audited".into()),
            );
        }
        let (Some(name), Some(website)) = (name, website) else {
            let message = format!(
                "organization left out ({} problem(s) above)",
                self.problems.len() - before
            );
            self.problem(location, 0, message, None);
            return None;
        };

        let mut documents = BTreeMap::new();
        for (key, kind) in [
            ("organization.legal.url", DocumentKind::LegalNotice),
            ("organization.guide.technical", DocumentKind::Infrastructure),
        ] {
            if let Some(url) = self.url(location, &parsed, key) {
                documents.insert(kind, url);
            }
        }
        // ChatonsInfos has no economic-model key: a funding page is the nearest thing.
        let funding: Vec<String> = parsed
            .entries
            .iter()
            .filter(|e| e.key.starts_with("organization.funding."))
            .map(|e| e.key.clone())
            .collect();
        for key in funding {
            if let Some(url) = self.url(location, &parsed, &key) {
                documents.entry(DocumentKind::EconomicModel).or_insert(url);
            }
        }
        let contact = parsed
            .get("organization.contact.email")
            .or_else(|| parsed.get("organization.contact.url"))
            .map(|e| e.value.clone())
            .filter(|c| !c.is_empty());

        let id = self.unique_id(&name, location);
        let mut properties_files = vec![PropertiesFile {
            location: location.to_string(),
            class: "organization".into(),
            entries: parsed.entries.clone(),
        }];
        let mut services = Vec::new();
        let mut service_ids = HashSet::new();
        for entry in subs(&parsed) {
            let Some(child) = self.claim(location, entry) else {
                continue;
            };
            let service_parsed = match self.read(&child).await {
                Ok(p) => p,
                Err(message) => {
                    self.problem(
                        location,
                        entry.line,
                        format!("`{}` ({child}): {message}", entry.key),
                        None,
                    );
                    continue;
                }
            };
            let class = classify(&service_parsed);
            if class != Class::Service {
                let message = format!(
                    "expected a service file, found a {} file; not used",
                    class.name()
                );
                self.problem(&child, 0, message, None);
                continue;
            }
            let base = slugify(entry.key.trim_start_matches("subs."));
            let base = if base.is_empty() {
                "service".to_owned()
            } else {
                base
            };
            let mut service_id = base.clone();
            let mut n = 2;
            while !service_ids.insert(service_id.clone()) {
                service_id = format!("{base}-{n}");
                n += 1;
            }
            if let Some(service) = self.service(&child, &service_parsed, service_id) {
                services.push(service);
            }
            properties_files.push(PropertiesFile {
                location: child.to_string(),
                class: "service".into(),
                entries: service_parsed.entries,
            });
        }
        Some(Member {
            id,
            name,
            website,
            first_party_domains: Vec::new(),
            contact,
            documents,
            mail_domains: Vec::new(),
            services,
            hosting: hosting(&parsed),
            properties_files,
            origin: Origin::new(
                location.to_string(),
                parsed.get("organization.name").map_or(0, |e| e.line),
                0,
            ),
        })
    }

    fn service(
        &mut self,
        location: &Location,
        parsed: &ParsedProperties,
        id: String,
    ) -> Option<Service> {
        let Some(url) = self.url(location, parsed, "service.website") else {
            if parsed.get("service.website").is_none() {
                self.problem(
                    location,
                    0,
                    "missing `service.website`; service left out".into(),
                    None,
                );
            }
            return None;
        };
        let software = parsed
            .get("software.name")
            .filter(|e| !e.value.is_empty())
            .map(|name| Software {
                name: name.value.clone(),
                version: parsed
                    .get("software.version")
                    .map(|e| e.value.clone())
                    .filter(|v| !v.is_empty()),
                license: None,
                source: None,
                proprietary: false,
            });
        let software = software.map(|mut software| {
            if let Some(entry) = parsed
                .get("software.license.name")
                .filter(|e| !e.value.is_empty())
            {
                software.license = lax_license(&entry.value);
                if software.license.is_none() {
                    let message = format!(
                        "`software.license.name` `{}` is not an SPDX licence expression",
                        entry.value
                    );
                    self.problem(
                        location,
                        entry.line,
                        message,
                        Some("use an SPDX id such as AGPL-3.0-or-later".into()),
                    );
                }
            }
            software.source = self.url(location, parsed, "software.source.url");
            software
        });
        let kind = software
            .as_ref()
            .map(|s| slugify(&s.name))
            .filter(|k| !k.is_empty())
            .unwrap_or_else(|| id.clone());
        let legal_url = self.url(location, parsed, "service.legal.url");
        Some(Service {
            id,
            kind,
            url,
            software,
            hosting: hosting(parsed),
            legal_url,
            origin: Origin::new(
                location.to_string(),
                parsed.get("service.name").map_or(0, |e| e.line),
                0,
            ),
        })
    }

    /// An optional URL entry: absent or empty is `None`; a bad one is a problem and `None`.
    fn url(&mut self, location: &Location, parsed: &ParsedProperties, key: &str) -> Option<Url> {
        let entry = parsed.get(key).filter(|e| !e.value.is_empty())?;
        match parse_web_url(&entry.value) {
            Ok(url) => Some(url),
            Err((message, hint)) => {
                self.problem(location, entry.line, format!("`{key}`: {message}"), hint);
                None
            }
        }
    }

    fn unique_id(&mut self, name: &str, location: &Location) -> String {
        let mut base = slugify(name);
        if base.is_empty() {
            base = slugify(&location.stem());
        }
        if base.is_empty() {
            base = "member".into();
        }
        let mut id = base.clone();
        let mut n = 2;
        while !self.ids.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    }
}

/// The bytes of a local or remote file, at most `cap`; remote needs a fetcher.
pub(crate) async fn read_bytes(
    location: &Location,
    fetch: Option<&dyn Fetch>,
    cap: u64,
) -> Result<Vec<u8>, String> {
    match location {
        Location::Path(path) => read_capped(path, cap),
        Location::Url(url) => {
            let Some(fetch) = fetch else {
                return Err("remote file but no network access in this mode".into());
            };
            let options = FetchOptions {
                body_limit: Some(cap + 1),
                ..FetchOptions::default()
            };
            let fetched = fetch
                .fetch(url, options)
                .await
                .map_err(|e| format!("cannot fetch: {e}"))?;
            let status = fetched.exchange.last().map_or(0, |hop| hop.status);
            if !(200..300).contains(&status) {
                return Err(format!("cannot fetch: HTTP status {status}"));
            }
            if fetched.exchange.body_truncated || fetched.body.len() as u64 > cap {
                return Err(too_large(fetched.body.len() as u64, cap));
            }
            Ok(fetched.body.to_vec())
        }
    }
}

/// `host.*` keys, upper-casing the enumerations; `None` when none is given.
fn hosting(parsed: &ParsedProperties) -> Option<Hosting> {
    let value = |key: &str| {
        parsed
            .get(key)
            .map(|e| e.value.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let upper_in = |key: &str, allowed: &[&str]| {
        value(key)
            .map(|v| v.to_ascii_uppercase())
            .filter(|v| allowed.contains(&v.as_str()))
    };
    let hosting = Hosting {
        provider: value("host.name"),
        country_code: value("host.country.code").map(|c| c.to_ascii_uppercase()),
        provider_type: upper_in("host.provider.type", PROVIDER_TYPES),
        server_type: upper_in("host.server.type", SERVER_TYPES),
    };
    (hosting != Hosting::default()).then_some(hosting)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_references_resolve_against_their_file() {
        let url = Location::Url(Url::parse("https://a.test/x/fed.properties").expect("test url"));
        assert_eq!(
            url.join("org/o.properties"),
            Ok(Location::Url(
                Url::parse("https://a.test/x/org/o.properties").expect("test url")
            ))
        );
        let path = Location::Path(PathBuf::from("/d/fed.properties"));
        assert_eq!(
            path.join("o/o.properties"),
            Ok(Location::Path(PathBuf::from("/d/o/o.properties")))
        );
        assert!(path.join("ftp://x.test/a").is_err());
    }

    /// A minimal loopback HTTP/1.1 server: one file per path, 404 otherwise, then close.
    async fn serve(files: Vec<(&'static str, &'static str)>) -> std::net::SocketAddr {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            // Bounded: the test needs a handful of requests.
            for _ in 0..16 {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let mut buf = vec![0u8; 4096];
                let n = stream.read(&mut buf).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]).into_owned();
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let (status, body) = files
                    .iter()
                    .find(|(p, _)| *p == path)
                    .map_or(("404 Not Found", ""), |(_, b)| ("200 OK", *b));
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            }
        });
        addr
    }

    #[tokio::test]
    async fn remote_federation_loads_through_the_real_network_layer() {
        let addr = serve(vec![
            ("/fed.properties", "file.class = federation\nsubs.a = orgs/a.properties\nsubs.b = /missing.properties\n"),
            (
                "/orgs/a.properties",
                "organization.name = Chaton A\norganization.website = https://a.test/\nsubs.pad = services/pad.properties\n",
            ),
            ("/orgs/services/pad.properties", "service.name = Pad\nservice.website = https://pad.a.test/\nsoftware.name = Etherpad\n"),
        ])
        .await;
        let settings = crate::net::NetSettings {
            allow_private: true,
            ..crate::net::NetSettings::default()
        };
        let network = crate::net::Network::new(settings).expect("network");
        let start = format!("http://{addr}/fed.properties");
        let declarations = load_properties(&start, Some(&network))
            .await
            .expect("remote federation");
        assert_eq!(declarations.members.len(), 1);
        assert_eq!(
            declarations.members[0].services[0].url.as_str(),
            "https://pad.a.test/"
        );
        assert_eq!(
            declarations.members[0].properties_files[1].location,
            format!("http://{addr}/orgs/services/pad.properties")
        );
        assert_eq!(declarations.problems.len(), 1);
        assert_eq!(
            declarations.problems[0].to_string(),
            format!(
                "{start}:3: `subs.b` (http://{addr}/missing.properties): cannot fetch: HTTP status 404"
            )
        );
    }

    #[test]
    fn class_comes_from_file_class_or_key_prefix() {
        assert_eq!(
            classify(&properties::parse("file.class = Federation")),
            Class::Federation
        );
        assert_eq!(
            classify(&properties::parse("service.name = x")),
            Class::Service
        );
        assert_eq!(
            classify(&properties::parse("organization.name = x")),
            Class::Organization
        );
    }
}
