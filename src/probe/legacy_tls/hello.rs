//! Building a ClientHello that offers one legacy protocol version alone, with the broad list
//! of legacy cipher suites testssl.sh offers, so that a server accepting that version at all
//! finds something it can pick.

/// A legacy protocol version this probe offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LegacyVersion {
    /// SSL 3.0.
    Ssl3,
    /// TLS 1.0.
    Tls10,
    /// TLS 1.1.
    Tls11,
}

impl LegacyVersion {
    /// Every version, oldest first: the order of the attempts.
    pub const ALL: [LegacyVersion; 3] = [
        LegacyVersion::Ssl3,
        LegacyVersion::Tls10,
        LegacyVersion::Tls11,
    ];

    /// The version number on the wire.
    pub fn wire(self) -> u16 {
        match self {
            LegacyVersion::Ssl3 => 0x0300,
            LegacyVersion::Tls10 => 0x0301,
            LegacyVersion::Tls11 => 0x0302,
        }
    }

    /// The label recorded in observations: `SSLv3`, `TLSv1.0`, `TLSv1.1`.
    pub fn label(self) -> &'static str {
        match self {
            LegacyVersion::Ssl3 => "SSLv3",
            LegacyVersion::Tls10 => "TLSv1.0",
            LegacyVersion::Tls11 => "TLSv1.1",
        }
    }
}

/// A human name for a wire version number.
pub fn version_name(wire: u16) -> String {
    match wire {
        0x0300 => "SSLv3".into(),
        0x0301 => "TLSv1.0".into(),
        0x0302 => "TLSv1.1".into(),
        0x0303 => "TLSv1.2".into(),
        0x0304 => "TLSv1.3".into(),
        other => format!("0x{other:04x}"),
    }
}

/// The cipher suites offered: every CBC, RC4, 3DES, DES, export, DHE, ECDHE and static-RSA
/// suite a legacy server may still accept (after testssl.sh's list), most common first.
pub const LEGACY_CIPHER_SUITES: &[u16] = &[
    0xc014, 0xc00a, 0xc013, 0xc009, // ECDHE-{RSA,ECDSA}-AES{256,128}-SHA
    0x0039, 0x0038, 0x0033, 0x0032, // DHE-{RSA,DSS}-AES{256,128}-SHA
    0x0088, 0x0087, 0x0045, 0x0044, // DHE-{RSA,DSS}-CAMELLIA{256,128}-SHA
    0x0035, 0x002f, 0x0084, 0x0041, // AES256-SHA, AES128-SHA, CAMELLIA{256,128}-SHA
    0x0096, 0x009a, 0x0099, // SEED
    0xc012, 0xc008, 0x0016, 0x0013, 0x000a, // 3DES
    0xc011, 0xc007, 0x0005, 0x0004, // RC4
    0xc00f, 0xc005, 0xc00e, 0xc004, 0xc00d, 0xc003, 0xc00c, 0xc002, // static ECDH
    0x0015, 0x0012, 0x0009, // DES
    0x0014, 0x0011, 0x0008, 0x0006, 0x0003, // export
    0x0034, 0x003a, 0x0018, 0x001b, 0xc018, 0xc019, // anonymous, for completeness
    0x00ff, // TLS_EMPTY_RENEGOTIATION_INFO_SCSV
];

/// The bytes of one TLS record holding a ClientHello that offers `version` alone.
///
/// SNI is sent for TLS 1.0 and 1.1 when `server_name` is a DNS name (never an IP literal).
/// SSL 3 hellos carry no extensions, as some SSL 3 stacks reject them. The fallback SCSV is
/// deliberately absent: it would make a server that also speaks TLS 1.2 refuse, and hide
/// that it still accepts the old version from old clients.
pub fn client_hello(server_name: &str, version: LegacyVersion, random: [u8; 32]) -> Vec<u8> {
    let mut body = Vec::with_capacity(256);
    body.extend_from_slice(&version.wire().to_be_bytes());
    body.extend_from_slice(&random);
    body.push(0); // empty session id
    let suites_len = u16::try_from(LEGACY_CIPHER_SUITES.len() * 2).unwrap_or(u16::MAX);
    body.extend_from_slice(&suites_len.to_be_bytes());
    for suite in LEGACY_CIPHER_SUITES {
        body.extend_from_slice(&suite.to_be_bytes());
    }
    body.extend_from_slice(&[1, 0]); // compression methods: null only
    if version != LegacyVersion::Ssl3 {
        let extensions = extensions(server_name);
        push_u16_len(&mut body, &extensions);
    }
    let mut handshake = Vec::with_capacity(body.len() + 4);
    handshake.push(1); // client_hello
    let len = u32::try_from(body.len()).unwrap_or(0);
    handshake.extend_from_slice(&len.to_be_bytes()[1..]);
    handshake.extend_from_slice(&body);
    // Record version: 3.0 for SSL 3, 3.1 otherwise, as stacks of the time expect.
    let record_version: u16 = if version == LegacyVersion::Ssl3 {
        0x0300
    } else {
        0x0301
    };
    let mut record = Vec::with_capacity(handshake.len() + 5);
    record.push(0x16);
    record.extend_from_slice(&record_version.to_be_bytes());
    push_u16_len(&mut record, &handshake);
    record
}

fn extensions(server_name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let name = server_name.trim_end_matches('.');
    let is_ip = name.parse::<std::net::IpAddr>().is_ok() || name.starts_with('[');
    if !is_ip && !name.is_empty() && name.len() <= 255 {
        // server_name: list of one host_name entry.
        let mut entry = vec![0u8];
        push_u16_len(&mut entry, name.as_bytes());
        let mut list = Vec::new();
        push_u16_len(&mut list, &entry);
        extension(&mut out, 0x0000, &list);
    }
    // supported_groups: x25519, secp256r1, secp384r1, secp521r1 (ECDHE suites need it).
    let mut groups = Vec::new();
    push_u16_len(
        &mut groups,
        &[0x00, 0x1d, 0x00, 0x17, 0x00, 0x18, 0x00, 0x19],
    );
    extension(&mut out, 0x000a, &groups);
    // ec_point_formats: uncompressed.
    extension(&mut out, 0x000b, &[1, 0]);
    out
}

fn extension(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    push_u16_len(out, data);
}

fn push_u16_len(out: &mut Vec<u8>, data: &[u8]) {
    let len = u16::try_from(data.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(data);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls10_hello_has_consistent_lengths_and_sni() {
        let hello = client_hello("pad.chaton.test", LegacyVersion::Tls10, [7; 32]);
        assert_eq!(&hello[..3], &[0x16, 0x03, 0x01]);
        let record_len = usize::from(u16::from_be_bytes([hello[3], hello[4]]));
        assert_eq!(record_len, hello.len() - 5);
        assert_eq!(hello[5], 1);
        let hs_len =
            (usize::from(hello[6]) << 16) | (usize::from(hello[7]) << 8) | usize::from(hello[8]);
        assert_eq!(hs_len, record_len - 4);
        assert_eq!(&hello[9..11], &[0x03, 0x01]);
        assert!(hello.windows(15).any(|w| w == b"pad.chaton.test"));
    }

    #[test]
    fn ssl3_hello_has_no_extensions() {
        let hello = client_hello("pad.chaton.test", LegacyVersion::Ssl3, [7; 32]);
        assert_eq!(&hello[..3], &[0x16, 0x03, 0x00]);
        assert!(!hello.windows(15).any(|w| w == b"pad.chaton.test"));
        // Ends with the compression methods.
        assert_eq!(&hello[hello.len() - 2..], &[1, 0]);
    }

    #[test]
    fn ip_literal_gets_no_sni() {
        let hello = client_hello("192.0.2.1", LegacyVersion::Tls11, [0; 32]);
        assert!(!hello.windows(9).any(|w| w == b"192.0.2.1"));
    }
}
