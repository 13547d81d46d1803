//! The description format of the fixture world: YAML files under `fixtures/world/hosts/`,
//! each holding `zones:` and `hosts:` lists, parsed with serde-saphyr (`deny_unknown_fields`,
//! so a typo is an error with its line and column, never a silently ignored key).
//!
//! Relative paths in a description (`static:`, `body_file:`) resolve against the fixtures
//! root, the parent of the world directory (`fixtures/world/..` = `fixtures/`), so hosts can
//! serve `fixtures/pages/`, `fixtures/software/<product>/` and `fixtures/documents/` by
//! reference.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Error;

/// A whole world: every zone and host, plus where relative paths resolve.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorldDescription {
    /// DNS zones with extra records and behaviours.
    pub zones: Vec<ZoneDesc>,
    /// Hosts and what they serve.
    pub hosts: Vec<HostDesc>,
    /// Directory that relative paths (`static`, `body_file`) resolve against.
    pub root: PathBuf,
}

/// One description file: a slice of the world (usually one member, or one family of faults).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorldFile {
    /// Zones declared in this file.
    #[serde(default)]
    pub zones: Vec<ZoneDesc>,
    /// Hosts declared in this file.
    #[serde(default)]
    pub hosts: Vec<HostDesc>,
}

/// One DNS zone. Zones that no file declares are created on demand for hosts (the last two
/// labels of the host name), unsigned and with no extra records.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneDesc {
    /// Zone apex, e.g. `exemple.test`.
    pub name: String,
    /// Sign the zone (ECDSA P-256, NSEC) with the world's DNSSEC key.
    #[serde(default)]
    pub dnssec: bool,
    /// Extra records in zone-file syntax relative to the apex, e.g. `"@ MX 10 mail"`,
    /// `"_dmarc TXT \"v=DMARC1; p=reject\""`, `"@ CAA 0 issue \"letsencrypt.org\""`.
    #[serde(default)]
    pub records: Vec<String>,
    /// How the server answers queries for names in this zone.
    #[serde(default)]
    pub behaviour: ZoneBehaviour,
}

/// How the DNS server treats queries under a zone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ZoneBehaviour {
    /// Authoritative answers (NXDOMAIN for names that do not exist).
    #[default]
    Answer,
    /// Every query gets SERVFAIL.
    Servfail,
    /// Queries are read and dropped: the client times out.
    Silent,
}

/// One host name and everything it serves.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostDesc {
    /// Fully qualified name, e.g. `pad.exemple.test`.
    pub name: String,
    /// Certificate profile for every TLS listener of this host.
    #[serde(default)]
    pub cert: CertProfile,
    /// IPv6: `true` publishes an AAAA record (`::1`) and serves every role of the host on
    /// `[::1]` too, on the same port as on 127.0.0.1; `unreachable` publishes the AAAA record
    /// but serves IPv4 only (connections over IPv6 are refused).
    #[serde(default)]
    pub ipv6: Ipv6,
    /// Publish TLSA records (`3 1 1 <spki sha256>`) for the TLS ports of this host.
    #[serde(default)]
    pub tlsa: bool,
    /// Publish no address record at all (the name answers NXDOMAIN).
    #[serde(default)]
    pub no_dns: bool,
    /// The HTTPS (port 443) role.
    #[serde(default)]
    pub https: Option<HttpsDesc>,
    /// The plain HTTP (port 80) role.
    #[serde(default)]
    pub http: Option<HttpDesc>,
    /// The SMTP (ports 25 and 587) role.
    #[serde(default)]
    pub smtp: Option<SmtpDesc>,
    /// Serve IMAPS (port 993): TLS with this host's certificate, then an IMAP greeting.
    #[serde(default)]
    pub imaps: bool,
    /// Serve SMTP submission over implicit TLS (port 465).
    #[serde(default)]
    pub submissions: bool,
}

/// Whether a host publishes an AAAA record and answers on it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Ipv6Text", into = "Ipv6Text")]
pub enum Ipv6 {
    /// IPv4 only, no AAAA record.
    #[default]
    No,
    /// AAAA `::1`, served on `[::1]` like on 127.0.0.1.
    Serving,
    /// AAAA `::1`, but nothing answers there.
    Unreachable,
}

impl Ipv6 {
    /// Whether the host publishes an AAAA record.
    pub fn published(self) -> bool {
        self != Ipv6::No
    }
}

/// How `ipv6` is written in the YAML: a boolean or `unreachable`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
enum Ipv6Text {
    Flag(bool),
    Word(String),
}

impl TryFrom<Ipv6Text> for Ipv6 {
    type Error = String;

    fn try_from(text: Ipv6Text) -> Result<Self, Self::Error> {
        match text {
            Ipv6Text::Flag(false) => Ok(Ipv6::No),
            Ipv6Text::Flag(true) => Ok(Ipv6::Serving),
            Ipv6Text::Word(word) if word == "unreachable" => Ok(Ipv6::Unreachable),
            Ipv6Text::Word(word) => Err(format!(
                "ipv6: expected true, false or unreachable, found {word:?}"
            )),
        }
    }
}

impl From<Ipv6> for Ipv6Text {
    fn from(ipv6: Ipv6) -> Self {
        match ipv6 {
            Ipv6::No => Ipv6Text::Flag(false),
            Ipv6::Serving => Ipv6Text::Flag(true),
            Ipv6::Unreachable => Ipv6Text::Word("unreachable".to_owned()),
        }
    }
}

/// Certificate profiles of the private PKI.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertProfile {
    /// Signed by the world's intermediate, chain served in full.
    #[default]
    Valid,
    /// Expired yesterday.
    Expired,
    /// Valid from ten days from now.
    NotYetValid,
    /// Valid, expires in five days.
    ExpiringSoon,
    /// Valid chain, but for another name.
    WrongHost,
    /// Self-signed leaf.
    SelfSigned,
    /// Signed by a root the auditor does not trust.
    UnknownRoot,
    /// Leaf served without its intermediate.
    MissingIntermediate,
    /// RSA-1024 key and SHA-1 signature, served by `openssl s_server` (needs `openssl`).
    WeakRsa1024Sha1,
}

/// Protocol versions a TLS listener accepts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlsVersions {
    /// TLS 1.2 and 1.3.
    #[default]
    Both,
    /// TLS 1.2 only.
    #[serde(rename = "1.2")]
    Tls12,
    /// TLS 1.3 only.
    #[serde(rename = "1.3")]
    Tls13,
    /// Also accepts TLS 1.0/1.1 ClientHellos (hand-built ServerHello), TLS 1.2/1.3 as usual.
    Legacy,
}

/// The HTTPS role of a host.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpsDesc {
    /// Accepted protocol versions.
    #[serde(default)]
    pub tls: TlsVersions,
    /// Headers added to every response (HSTS, CSP, Set-Cookie…).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Explicit routes, matched on the exact path before static files.
    #[serde(default)]
    pub routes: Vec<Route>,
    /// Directory of static files (relative to the fixtures root); `index.html` for directories.
    #[serde(default, rename = "static")]
    pub static_dir: Option<String>,
    /// Redirect every request (301) to this URL prefix plus the request path.
    #[serde(default)]
    pub redirect: Option<String>,
    /// A misbehaviour instead of normal service.
    #[serde(default)]
    pub fault: Option<Fault>,
}

/// One explicit route.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Exact path, e.g. `/.well-known/nodeinfo`.
    pub path: String,
    /// Status code (200 when absent).
    #[serde(default)]
    pub status: Option<u16>,
    /// Extra headers of this route.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Inline body.
    #[serde(default)]
    pub body: Option<String>,
    /// Body read from a file (relative to the fixtures root).
    #[serde(default)]
    pub body_file: Option<String>,
    /// Content type (guessed from `body_file`'s extension, else `text/html; charset=utf-8`).
    #[serde(default)]
    pub content_type: Option<String>,
    /// Answer 302 with this `Location`.
    #[serde(default)]
    pub redirect: Option<String>,
}

/// Misbehaviours of an HTTPS host. The first three happen before TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// Accepts the connection and never answers.
    Stall,
    /// Resets the connection (RST) as soon as the client speaks.
    Reset,
    /// Sends bytes that are not TLS instead of a ServerHello.
    Garbage,
    /// `/` → `/loop-a` → `/loop-b` → `/loop-a` …
    RedirectLoop,
    /// A chunked body that never ends.
    EndlessBody,
    /// A body sent one byte per second.
    Drip,
    /// A 1 GiB body with its Content-Length, streamed.
    HugeBody,
    /// An HTML page nested 100 000 elements deep.
    DeepHtml,
    /// An HTML page declared UTF-8 with invalid UTF-8 bytes.
    InvalidUtf8,
}

impl Fault {
    /// Whether the fault happens on the TCP connection, before any TLS.
    pub fn is_transport(self) -> bool {
        matches!(self, Fault::Stall | Fault::Reset | Fault::Garbage)
    }
}

/// The plain HTTP role of a host.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HttpMode {
    /// 301 to `https://<same host><same path>`.
    #[default]
    RedirectToHttps,
    /// Serve the same content as HTTPS, in clear.
    Serve,
}

/// The plain HTTP role: a mode, or a redirect elsewhere.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpDesc {
    /// What port 80 does.
    #[serde(default)]
    pub mode: HttpMode,
    /// Redirect (301) every request to this URL instead (wins over `mode`).
    #[serde(default)]
    pub redirect: Option<String>,
}

/// The SMTP role of a host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpDesc {
    /// Advertise and accept STARTTLS.
    #[serde(default = "yes")]
    pub starttls: bool,
    /// Certificate profile after STARTTLS (the host's `cert` when absent).
    #[serde(default)]
    pub cert: Option<CertProfile>,
}

fn yes() -> bool {
    true
}

impl WorldDescription {
    /// Reads every `*.yaml` file under `dir/hosts/` (sorted by name), with the fixtures root
    /// set to `dir/..`. Every file's problems are reported, each with its path.
    pub fn load(dir: &Path) -> Result<Self, Error> {
        let hosts_dir = dir.join("hosts");
        let entries = std::fs::read_dir(&hosts_dir).map_err(|source| Error::Io {
            path: hosts_dir.clone(),
            source,
        })?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect();
        files.sort();
        let mut world = WorldDescription {
            root: dir.join(".."),
            ..Default::default()
        };
        let mut problems = Vec::new();
        for path in files {
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(source) => return Err(Error::Io { path, source }),
            };
            match serde_saphyr::from_str::<WorldFile>(&text) {
                Ok(file) => {
                    world.zones.extend(file.zones);
                    world.hosts.extend(file.hosts);
                }
                Err(e) => problems.push(format!("{}: {e}", path.display())),
            }
        }
        if !problems.is_empty() {
            return Err(Error::Description(problems.join("\n")));
        }
        world.validate()?;
        Ok(world)
    }

    /// Checks names are unique and plausible.
    pub fn validate(&self) -> Result<(), Error> {
        let mut problems = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for host in &self.hosts {
            if !seen.insert(host.name.to_ascii_lowercase()) {
                problems.push(format!("host `{}` is declared twice", host.name));
            }
            if host.name.split('.').count() < 2 || host.name.ends_with('.') {
                problems.push(format!(
                    "host `{}`: expected a name such as `pad.exemple.test`",
                    host.name
                ));
            }
            if host.ipv6 == Ipv6::Serving && host.cert == CertProfile::WeakRsa1024Sha1 {
                problems.push(format!(
                    "host `{}`: the weak-key server (openssl) listens on IPv4 only; write `ipv6: unreachable` or leave IPv6 out",
                    host.name
                ));
            }
            if let Some(route) = host
                .https
                .iter()
                .flat_map(|h| &h.routes)
                .find(|r| r.body.is_some() && r.body_file.is_some())
            {
                problems.push(format!(
                    "host `{}`, route `{}`: give `body` or `body_file`, not both",
                    host.name, route.path
                ));
            }
        }
        let mut zones = std::collections::BTreeSet::new();
        for zone in &self.zones {
            if !zones.insert(zone.name.to_ascii_lowercase()) {
                problems.push(format!("zone `{}` is declared twice", zone.name));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Description(problems.join("\n")))
        }
    }

    /// Resolves a description path against the fixtures root, refusing `..` components so a
    /// description cannot reach outside it.
    pub fn resolve(&self, relative: &str) -> Result<PathBuf, Error> {
        let rel = Path::new(relative);
        if rel.is_absolute()
            || rel
                .components()
                .any(|c| matches!(c, std::path::Component::ParentDir))
        {
            return Err(Error::Description(format!(
                "path `{relative}` must be relative to the fixtures directory, without `..`"
            )));
        }
        Ok(self.root.join(rel))
    }

    /// The zone a host belongs to: the longest declared zone that contains it, else its last
    /// two labels.
    pub fn zone_of(&self, host: &str) -> String {
        let host = host.to_ascii_lowercase();
        self.zones
            .iter()
            .map(|z| z.name.to_ascii_lowercase())
            .filter(|z| host == *z || host.ends_with(&format!(".{z}")))
            .max_by_key(|z| z.len())
            .unwrap_or_else(|| {
                let labels: Vec<&str> = host.rsplitn(3, '.').collect();
                match labels.as_slice() {
                    [tld, sld, ..] => format!("{sld}.{tld}"),
                    _ => host.clone(),
                }
            })
    }
}
