//! The world's authoritative DNS server (hickory-server) on one loopback port, UDP and TCP.
//! Zones are built as zone-file text (readable, and parsed by hickory's own parser); some are
//! signed with one ECDSA P-256 key whose public half the auditor uses as trust anchor. A thin
//! request handler in front of the catalog answers SERVFAIL for "servfail" zones and stays
//! silent for "silent" zones, so clients see every DNS failure mode.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use hickory_server::Server;
use hickory_server::dnssec::NxProofKind;
use hickory_server::net::runtime::{Time, TokioRuntimeProvider};
use hickory_server::proto::dnssec::crypto::EcdsaSigningKey;
use hickory_server::proto::dnssec::rdata::DNSKEY;
use hickory_server::proto::dnssec::{Algorithm, DnssecSigner, PublicKey, SigningKey};
use hickory_server::proto::op::{Header, HeaderCounts, MessageType, Metadata, ResponseCode};
use hickory_server::proto::rr::{LowerName, Name};
use hickory_server::proto::serialize::txt::Parser;
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{
    AxfrPolicy, Catalog, MessageResponseBuilder, ZoneHandler, ZoneType,
};
use serde::{Deserialize, Serialize};
use tokio::task::JoinHandle;

use super::Error;
use super::desc::ZoneBehaviour;

/// One zone to serve: its apex, its records as zone-file lines, and its behaviour.
#[derive(Debug, Clone)]
pub struct ZoneSpec {
    /// Apex without trailing dot.
    pub name: String,
    /// Sign with the world key.
    pub dnssec: bool,
    /// Zone-file lines (with `$ORIGIN` set to the apex).
    pub lines: Vec<String>,
    /// Answer, SERVFAIL or silence.
    pub behaviour: ZoneBehaviour,
}

/// The public half of the world's DNSSEC key and the zones it signs: use it as trust anchor
/// (hickory: `TrustAnchors::insert_with_name(&PublicKeyBuf::new(public_key, ECDSAP256SHA256), zone)`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustAnchor {
    /// Signed zones, without trailing dot.
    pub zones: Vec<String>,
    /// DNSSEC algorithm number (13 = ECDSAP256SHA256).
    pub algorithm: u8,
    /// Raw public key bytes as carried in the DNSKEY record (64 bytes for P-256).
    pub public_key: Vec<u8>,
}

impl TrustAnchor {
    /// The DNSKEY records in presentation format, one per signed zone
    /// (`exemple.test. IN DNSKEY 257 3 13 <base64>`).
    pub fn dnskey_records(&self) -> Vec<String> {
        self.zones
            .iter()
            .map(|z| {
                format!(
                    "{z}. IN DNSKEY 257 3 {} {}",
                    self.algorithm,
                    base64(&self.public_key)
                )
            })
            .collect()
    }
}

/// The running server.
pub struct DnsServer {
    /// Where it listens (UDP and TCP, same port).
    pub addr: SocketAddr,
    /// Present when at least one zone is signed.
    pub anchor: Option<TrustAnchor>,
    task: JoinHandle<()>,
    cancel: Box<dyn FnOnce() + Send + Sync>,
}

impl DnsServer {
    /// Stops the server and waits until its sockets are closed.
    pub async fn shutdown(self) {
        (self.cancel)();
        self.task.abort();
        let _ = self.task.await;
    }
}

/// Starts the server on 127.0.0.1, port chosen by the system.
pub async fn start(zones: Vec<ZoneSpec>) -> Result<DnsServer, Error> {
    let key_pkcs8 = EcdsaSigningKey::generate_pkcs8(Algorithm::ECDSAP256SHA256)
        .map_err(|e| Error::Dns(format!("cannot generate the DNSSEC key: {e}")))?;
    let mut catalog = Catalog::new();
    let mut special = Vec::new();
    let mut signed = Vec::new();
    let mut public_key = Vec::new();
    for zone in zones {
        let origin = Name::from_ascii(format!("{}.", zone.name))
            .map_err(|e| Error::Dns(format!("zone `{}`: {e}", zone.name)))?;
        if zone.behaviour != ZoneBehaviour::Answer {
            special.push((LowerName::new(&origin), zone.behaviour));
            continue;
        }
        let text = format!(
            "$ORIGIN {apex}.\n$TTL 300\n@ IN SOA ns1.{apex}. hostmaster.{apex}. 2026112901 3600 600 86400 300\n@ IN NS ns1.{apex}.\nns1 IN A 127.0.0.1\n{}\n",
            zone.lines.join("\n"),
            apex = zone.name
        );
        let (origin, records) = Parser::new(text, None, Some(origin))
            .parse()
            .map_err(|e| Error::Dns(format!("zone `{}`: {e}", zone.name)))?;
        let proof = zone.dnssec.then_some(NxProofKind::Nsec);
        let mut handler = InMemoryZoneHandler::<TokioRuntimeProvider>::new(
            origin.clone(),
            records,
            ZoneType::Primary,
            AxfrPolicy::Deny,
            proof,
        )
        .map_err(|e| Error::Dns(format!("zone `{}`: {e}", zone.name)))?;
        if zone.dnssec {
            let key = EcdsaSigningKey::from_pkcs8(&key_pkcs8, Algorithm::ECDSAP256SHA256)
                .map_err(|e| Error::Dns(format!("DNSSEC key: {e}")))?;
            let public = key
                .to_public_key()
                .map_err(|e| Error::Dns(format!("DNSSEC key: {e}")))?;
            public_key = public.public_bytes().to_vec();
            let signer = DnssecSigner::new(
                DNSKEY::from_key(&public),
                Box::new(key),
                origin.clone(),
                Duration::from_secs(86_400),
            );
            handler
                .add_zone_signing_key_mut(signer)
                .and_then(|()| handler.secure_zone_mut())
                .map_err(|e| Error::Dns(format!("signing zone `{}`: {e}", zone.name)))?;
            signed.push(zone.name.clone());
        }
        let handler: Arc<dyn ZoneHandler> = Arc::new(handler);
        catalog.upsert(LowerName::new(&origin), vec![handler]);
    }
    let (udp, tcp, addr) = bind_udp_and_tcp().await?;
    let mut server = Server::new(WorldDns { catalog, special });
    server.register_socket(udp);
    server.register_listener(tcp, Duration::from_secs(5), 4096);
    let token = server.shutdown_token().clone();
    let cancel = Box::new(move || token.cancel());
    let task = tokio::spawn(async move {
        let _ = server.block_until_done().await;
    });
    let anchor = (!signed.is_empty()).then(|| TrustAnchor {
        zones: signed,
        algorithm: u8::from(Algorithm::ECDSAP256SHA256),
        public_key,
    });
    Ok(DnsServer {
        addr,
        anchor,
        task,
        cancel,
    })
}

/// The catalog, plus the zones that fail on purpose.
pub struct WorldDns {
    catalog: Catalog,
    special: Vec<(LowerName, ZoneBehaviour)>,
}

impl WorldDns {
    fn behaviour(&self, request: &Request) -> ZoneBehaviour {
        let Ok(info) = request.request_info() else {
            return ZoneBehaviour::Answer;
        };
        let name = info.query.name();
        self.special
            .iter()
            .find(|(zone, _)| zone.zone_of(name))
            .map_or(ZoneBehaviour::Answer, |(_, b)| *b)
    }
}

// Written out by hand because the trait uses `async_trait`, which this crate does not depend on.
#[allow(clippy::multiple_bound_locations)] // the signature mirrors the trait's generated one
impl RequestHandler for WorldDns {
    fn handle_request<'life0, 'life1, 'async_trait, R, T>(
        &'life0 self,
        request: &'life1 Request,
        mut response_handle: R,
    ) -> Pin<Box<dyn Future<Output = ResponseInfo> + Send + 'async_trait>>
    where
        R: ResponseHandler + 'async_trait,
        T: Time + 'async_trait,
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            match self.behaviour(request) {
                ZoneBehaviour::Answer => {
                    self.catalog
                        .handle_request::<R, T>(request, response_handle)
                        .await
                }
                ZoneBehaviour::Servfail => {
                    let response = MessageResponseBuilder::new(&request.queries, None)
                        .error_msg(&request.metadata, ResponseCode::ServFail);
                    match response_handle.send_response(response).await {
                        Ok(info) => info,
                        Err(_) => silent(request),
                    }
                }
                // Nothing is sent: the client waits until its own timeout.
                ZoneBehaviour::Silent => silent(request),
            }
        })
    }
}

fn silent(request: &Request) -> ResponseInfo {
    let mut metadata = Metadata::new(
        request.metadata.id,
        MessageType::Response,
        request.metadata.op_code,
    );
    metadata.response_code = ResponseCode::ServFail;
    ResponseInfo::from(Header {
        metadata,
        counts: HeaderCounts::default(),
    })
}

/// Standard base64 with padding (DNSKEY presentation format).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A UDP socket and a TCP listener on the same free loopback port. The UDP port is picked by
/// the system; another process may already hold the same TCP port, so try a few ports.
async fn bind_udp_and_tcp()
-> Result<(tokio::net::UdpSocket, tokio::net::TcpListener, SocketAddr), Error> {
    let mut last = String::new();
    for _ in 0..20 {
        let udp = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .map_err(|e| Error::Bind(format!("DNS UDP socket: {e}")))?;
        let addr = udp
            .local_addr()
            .map_err(|e| Error::Bind(format!("DNS UDP socket: {e}")))?;
        match tokio::net::TcpListener::bind(addr).await {
            Ok(tcp) => return Ok((udp, tcp, addr)),
            Err(e) => last = format!("DNS TCP listener on {addr}: {e}"),
        }
    }
    Err(Error::Bind(last))
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
