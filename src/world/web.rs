//! The world's web servers: one HTTPS listener shared by every ordinary host (the
//! certificate and protocol versions are chosen per SNI, so a thousand hosts cost one file
//! descriptor), one plain-HTTP listener routed by `Host`, and the HTTP-level faults (redirect
//! loops, endless, dripping, huge, deeply nested and invalid-UTF-8 bodies).

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{StreamExt, stream};
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HOST, LOCATION};
use http::{HeaderName, HeaderValue, Request, Response, StatusCode};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::ServerConfig;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::LazyConfigAcceptor;

use super::Error;
use super::desc::{Fault, HostDesc, HttpMode, TlsVersions, WorldDescription};
use super::pki::Leaf;

/// The body type of every response.
pub type Body = UnsyncBoxBody<Bytes, Infallible>;

/// A host as the web servers see it.
pub struct Site {
    /// Host name, lower case.
    pub name: String,
    /// TLS configuration (certificate and versions), when the host has an HTTPS role.
    pub tls: Option<Arc<ServerConfig>>,
    headers: Vec<(HeaderName, HeaderValue)>,
    routes: HashMap<String, RouteRt>,
    static_dir: Option<PathBuf>,
    redirect: Option<String>,
    fault: Option<Fault>,
    http_mode: Option<HttpMode>,
    http_redirect: Option<String>,
}

struct RouteRt {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
    redirect: Option<String>,
}

fn header_pairs(
    host: &str,
    map: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<(HeaderName, HeaderValue)>, Error> {
    map.iter()
        .map(|(k, v)| {
            let name = HeaderName::from_bytes(k.as_bytes()).map_err(|e| {
                Error::Description(format!("host `{host}`: header name `{k}`: {e}"))
            })?;
            let value = HeaderValue::from_str(v).map_err(|e| {
                Error::Description(format!("host `{host}`: header `{k}` value: {e}"))
            })?;
            Ok((name, value))
        })
        .collect()
}

/// A rustls server configuration for a leaf and a set of versions.
pub fn tls_config(leaf: &Leaf, versions: TlsVersions) -> Result<Arc<ServerConfig>, Error> {
    let versions: &[&'static rustls::SupportedProtocolVersion] = match versions {
        TlsVersions::Tls12 => &[&rustls::version::TLS12],
        TlsVersions::Tls13 => &[&rustls::version::TLS13],
        TlsVersions::Both | TlsVersions::Legacy => {
            &[&rustls::version::TLS13, &rustls::version::TLS12]
        }
    };
    let mut config = ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_protocol_versions(versions)
    .map_err(|e| Error::Pki(e.to_string()))?
    .with_no_client_auth()
    .with_single_cert(leaf.chain.clone(), leaf.key())
    .map_err(|e| Error::Pki(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

impl Site {
    /// Builds the runtime view of a host, reading its route bodies now so that a missing
    /// file is an error at start, naming the host and the file.
    pub fn build(
        world: &WorldDescription,
        host: &HostDesc,
        tls: Option<Arc<ServerConfig>>,
    ) -> Result<Self, Error> {
        let name = host.name.to_ascii_lowercase();
        let mut site = Site {
            name: name.clone(),
            tls,
            headers: Vec::new(),
            routes: HashMap::new(),
            static_dir: None,
            redirect: None,
            fault: None,
            http_mode: host.http.as_ref().map(|h| h.mode),
            http_redirect: host.http.as_ref().and_then(|h| h.redirect.clone()),
        };
        let Some(https) = &host.https else {
            return Ok(site);
        };
        site.headers = header_pairs(&name, &https.headers)?;
        site.redirect = https.redirect.clone();
        site.fault = https.fault.filter(|f| !f.is_transport());
        if let Some(dir) = &https.static_dir {
            let dir = world.resolve(dir)?;
            if !dir.is_dir() {
                return Err(Error::Description(format!(
                    "host `{name}`: static directory {} does not exist",
                    dir.display()
                )));
            }
            site.static_dir = Some(dir);
        }
        for route in &https.routes {
            let (body, guessed) = match (&route.body, &route.body_file) {
                (_, Some(file)) => {
                    let path = world.resolve(file)?;
                    let bytes = std::fs::read(&path).map_err(|source| Error::Io {
                        path: path.clone(),
                        source,
                    })?;
                    (Bytes::from(bytes), content_type(&path))
                }
                (Some(text), None) => (Bytes::from(text.clone()), "text/html; charset=utf-8"),
                (None, None) => (Bytes::new(), "text/html; charset=utf-8"),
            };
            let mut headers = header_pairs(&name, &route.headers)?;
            let ct = route.content_type.as_deref().unwrap_or(guessed);
            let ct = HeaderValue::from_str(ct).map_err(|e| {
                Error::Description(format!("host `{name}`, route `{}`: {e}", route.path))
            })?;
            headers.push((CONTENT_TYPE, ct));
            let status = StatusCode::from_u16(route.status.unwrap_or(200)).map_err(|e| {
                Error::Description(format!("host `{name}`, route `{}`: {e}", route.path))
            })?;
            site.routes.insert(
                route.path.clone(),
                RouteRt {
                    status,
                    headers,
                    body,
                    redirect: route.redirect.clone(),
                },
            );
        }
        Ok(site)
    }
}

/// Content type by file extension.
pub fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        Some("xml") => "application/xml",
        Some("pdf") => "application/pdf",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("properties") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn full(body: impl Into<Bytes>) -> Body {
    Full::new(body.into()).boxed_unsync()
}

fn simple(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut resp = Response::new(full(text));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

fn redirect(status: StatusCode, location: &str) -> Response<Body> {
    let mut resp = simple(status, "moved\n");
    if let Ok(value) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(LOCATION, value);
    }
    resp
}

static HUGE_CHUNK: [u8; 65_536] = [b'a'; 65_536];
const HUGE_LEN: u64 = 1 << 30;
const DEEP_LEVELS: usize = 100_000;

fn fault_response(fault: Fault, path: &str) -> Response<Body> {
    let html = HeaderValue::from_static("text/html; charset=utf-8");
    let mut resp = match fault {
        Fault::RedirectLoop => {
            let next = if path == "/loop-a" { "/loop-b" } else { "/loop-a" };
            return redirect(StatusCode::FOUND, next);
        }
        Fault::EndlessBody => {
            // 16 KiB frames: large enough that a client reading megabytes is not slowed by
            // per-frame overhead.
            let chunk = Bytes::from("<p>and on and on</p>\n".repeat(780));
            Response::new(
                StreamBody::new(stream::repeat_with(move || {
                    Ok::<_, Infallible>(Frame::data(chunk.clone()))
                }))
                .boxed_unsync(),
            )
        }
        Fault::Drip => {
            let page = b"<!doctype html><html><head><title>slow</title></head><body>drip</body></html>";
            let drip = stream::iter(page.iter().copied()).then(|byte| async move {
                tokio::time::sleep(Duration::from_secs(1)).await;
                Ok::<_, Infallible>(Frame::data(Bytes::copy_from_slice(&[byte])))
            });
            Response::new(StreamBody::new(drip).boxed_unsync())
        }
        Fault::HugeBody => {
            let chunks = HUGE_LEN / HUGE_CHUNK.len() as u64;
            let body = stream::iter(0..chunks)
                .map(|_| Ok::<_, Infallible>(Frame::data(Bytes::from_static(&HUGE_CHUNK))));
            let mut resp = Response::new(StreamBody::new(body).boxed_unsync());
            resp.headers_mut()
                .insert(CONTENT_LENGTH, HeaderValue::from(HUGE_LEN));
            resp
        }
        Fault::DeepHtml => {
            let mut page = String::with_capacity(DEEP_LEVELS * 11 + 64);
            page.push_str("<!doctype html><html><body>");
            page.push_str(&"<div>".repeat(DEEP_LEVELS));
            page.push_str("deep");
            page.push_str(&"</div>".repeat(DEEP_LEVELS));
            page.push_str("</body></html>");
            Response::new(full(page))
        }
        Fault::InvalidUtf8 => Response::new(full(Bytes::from_static(
            b"<!doctype html><html><head><meta charset=\"utf-8\"><title>caf\xe9 \xff\xfe</title></head><body>\xc3\x28 \xa0\xa1 \xf0\x28\x8c\xbc</body></html>",
        ))),
        Fault::Stall | Fault::Reset | Fault::Garbage => {
            return simple(StatusCode::INTERNAL_SERVER_ERROR, "transport fault\n");
        }
    };
    resp.headers_mut().insert(CONTENT_TYPE, html);
    resp
}

/// Which role a request arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Port 443 role.
    Https,
    /// Port 80 role.
    Http,
}

/// Answers one request for a site.
pub async fn respond(site: &Site, req: &Request<Incoming>, scheme: Scheme) -> Response<Body> {
    let path = req.uri().path().to_owned();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map_or("/".to_owned(), |p| p.as_str().to_owned());
    if scheme == Scheme::Http {
        if let Some(target) = &site.http_redirect {
            return redirect(StatusCode::MOVED_PERMANENTLY, target);
        }
        match site.http_mode {
            Some(HttpMode::RedirectToHttps) | None => {
                return redirect(
                    StatusCode::MOVED_PERMANENTLY,
                    &format!("https://{}{path_and_query}", site.name),
                );
            }
            Some(HttpMode::Serve) => {}
        }
    } else if let Some(fault) = site.fault {
        return with_headers(site, fault_response(fault, &path));
    }
    if let Some(prefix) = &site.redirect {
        return with_headers(
            site,
            redirect(
                StatusCode::MOVED_PERMANENTLY,
                &format!("{}{path_and_query}", prefix.trim_end_matches('/')),
            ),
        );
    }
    let resp = if let Some(route) = site.routes.get(&path) {
        route_response(route)
    } else if let Some(dir) = &site.static_dir {
        static_file(dir, &path).await
    } else {
        simple(StatusCode::NOT_FOUND, "not found\n")
    };
    with_headers(site, resp)
}

fn route_response(route: &RouteRt) -> Response<Body> {
    let mut resp = match &route.redirect {
        Some(location) => redirect(StatusCode::FOUND, location),
        None => Response::new(full(route.body.clone())),
    };
    if route.redirect.is_none() {
        *resp.status_mut() = route.status;
    }
    for (k, v) in &route.headers {
        resp.headers_mut().insert(k.clone(), v.clone());
    }
    resp
}

fn with_headers(site: &Site, mut resp: Response<Body>) -> Response<Body> {
    for (k, v) in &site.headers {
        resp.headers_mut().append(k.clone(), v.clone());
    }
    resp
}

async fn static_file(dir: &Path, path: &str) -> Response<Body> {
    let rel = path.trim_start_matches('/');
    if rel.split('/').any(|seg| seg == ".." || seg.contains('\\')) {
        return simple(StatusCode::BAD_REQUEST, "bad path\n");
    }
    let mut file = dir.join(rel);
    if file.is_dir() {
        // `_index` is the body of a path that also has children (fixtures/software/README.md).
        let index = file.join("index.html");
        file = if index.is_file() {
            index
        } else {
            file.join("_index")
        };
    }
    match tokio::fs::read(&file).await {
        Ok(bytes) => {
            let kind = match content_type(&file) {
                // Endpoint fixtures have no extension: JSON is recognised by its first byte.
                "application/octet-stream"
                    if matches!(
                        bytes.iter().find(|b| !b.is_ascii_whitespace()),
                        Some(b'{' | b'[')
                    ) =>
                {
                    "application/json"
                }
                // A page that is not UTF-8 (e.g. the Latin-1 fixture) is served without a
                // charset, so its own `<meta charset>` decides, as on many real servers.
                "text/html; charset=utf-8" if std::str::from_utf8(&bytes).is_err() => "text/html",
                other => other,
            };
            let mut resp = Response::new(full(bytes));
            resp.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(kind));
            for (name, value) in extra_headers(dir, path).await {
                if let (Ok(name), Ok(value)) = (
                    http::header::HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_str(&value),
                ) {
                    resp.headers_mut().append(name, value);
                }
            }
            resp
        }
        Err(_) => simple(StatusCode::NOT_FOUND, "not found\n"),
    }
}

/// Headers listed for `path` in the directory's `_headers` file: one per line,
/// `<url path><TAB><Name>: <value>` (fixtures/software/README.md).
async fn extra_headers(dir: &Path, path: &str) -> Vec<(String, String)> {
    let Ok(text) = tokio::fs::read_to_string(dir.join("_headers")).await else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|line| {
            let (url_path, header) = line.split_once('\t')?;
            let (name, value) = header.split_once(':')?;
            (url_path.trim() == path).then(|| (name.trim().to_owned(), value.trim().to_owned()))
        })
        .collect()
}

/// Serves HTTP/1.1 and HTTP/2 over one stream for one site.
pub async fn serve_stream<S>(stream: S, site: Arc<Site>, scheme: Scheme)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let site = site.clone();
        async move { Ok::<_, Infallible>(respond(&site, &req, scheme).await) }
    });
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    let _ = builder
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// Sites by lower-case host name.
pub type Sites = Arc<HashMap<String, Arc<Site>>>;

/// One connection on the shared HTTPS listener: read the ClientHello, pick the site by SNI,
/// finish the handshake with that site's configuration, serve.
pub async fn https_connection(tcp: TcpStream, sites: Sites) {
    let acceptor = LazyConfigAcceptor::new(rustls::server::Acceptor::default(), tcp);
    let Ok(Ok(start)) = tokio::time::timeout(Duration::from_secs(10), acceptor).await else {
        return;
    };
    let sni = start
        .client_hello()
        .server_name()
        .map(str::to_ascii_lowercase);
    let Some(site) = sni.and_then(|name| sites.get(&name).cloned()) else {
        return;
    };
    let Some(config) = site.tls.clone() else {
        return;
    };
    let Ok(Ok(tls)) =
        tokio::time::timeout(Duration::from_secs(10), start.into_stream(config)).await
    else {
        return;
    };
    serve_stream(tls, site, Scheme::Https).await;
}

/// One connection on the shared plain-HTTP listener: the site is chosen per request from
/// the `Host` header.
pub async fn http_connection(tcp: TcpStream, sites: Sites) {
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let sites = sites.clone();
        async move {
            let host = req
                .headers()
                .get(HOST)
                .and_then(|h| h.to_str().ok())
                .or_else(|| req.uri().host())
                .map(|h| h.split(':').next().unwrap_or(h).to_ascii_lowercase());
            let site = host.and_then(|h| sites.get(&h).cloned());
            let resp = match site {
                Some(site) if site.http_mode.is_some() || site.http_redirect.is_some() => {
                    respond(&site, &req, Scheme::Http).await
                }
                _ => simple(StatusCode::MISDIRECTED_REQUEST, "unknown host\n"),
            };
            Ok::<_, Infallible>(resp)
        }
    });
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    let _ = builder.serve_connection(TokioIo::new(tcp), service).await;
}
