//! Reading the server's answer to a legacy ClientHello: TLS records, then either an alert or
//! the first handshake message, which must be a ServerHello. Pure and bounded, for the fuzz
//! target: every length is checked against what is actually there and against caps, and
//! anything that does not add up becomes `Unknown` with what was wrong.

use super::hello::{LEGACY_CIPHER_SUITES, LegacyVersion, version_name};
use crate::observation::tls::LegacyOutcome;

/// At most this many bytes are read from the server before giving up.
pub const MAX_RESPONSE_BYTES: usize = 32 * 1024;
/// A TLSPlaintext record carries at most 2^14 bytes (RFC 5246 section 6.2.1); a little slack
/// for compressed/encrypted variants.
const MAX_RECORD_LEN: usize = 16 * 1024 + 2048;
/// A ServerHello is a few hundred bytes; anything above this lies about its length.
const MAX_SERVER_HELLO_LEN: usize = 16 * 1024;

/// What the bytes read so far say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// More bytes are needed.
    Incomplete,
    /// The outcome is decided.
    Done(LegacyOutcome),
}

fn unknown(detail: impl Into<String>) -> Progress {
    Progress::Done(LegacyOutcome::Unknown {
        detail: detail.into(),
    })
}

fn refused(detail: impl Into<String>) -> Progress {
    Progress::Done(LegacyOutcome::Refused {
        detail: detail.into(),
    })
}

/// Interprets the bytes received so far in answer to a ClientHello offering `offered`.
pub fn parse_response(buf: &[u8], offered: LegacyVersion) -> Progress {
    let mut handshake = Vec::new();
    let mut rest = buf;
    loop {
        if rest.is_empty() {
            return incomplete_or_capped(buf);
        }
        // Judge the header bytes as soon as they arrive, so garbage fails fast, and by the
        // first offending byte only, so the verdict does not depend on how reads are split.
        if let Some(progress) = bad_header(rest) {
            return progress;
        }
        let Some(header) = rest.get(..5) else {
            return incomplete_or_capped(buf);
        };
        let kind = header[0];
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        if len == 0 || len > MAX_RECORD_LEN {
            return unknown(format!("record length {len} out of range"));
        }
        let Some(fragment) = rest.get(5..5 + len) else {
            return incomplete_or_capped(buf);
        };
        rest = &rest[5 + len..];
        if kind == 0x15 {
            return alert(fragment);
        }
        handshake.extend_from_slice(fragment);
        if let Some(progress) = server_hello(&handshake, offered) {
            return progress;
        }
    }
}

/// The outcome once the peer has closed the connection after sending `buf`.
pub fn at_end_of_stream(buf: &[u8], offered: LegacyVersion) -> LegacyOutcome {
    match parse_response(buf, offered) {
        Progress::Done(outcome) => outcome,
        Progress::Incomplete if buf.is_empty() => LegacyOutcome::Refused {
            detail: "connection closed without an answer".into(),
        },
        Progress::Incomplete => LegacyOutcome::Unknown {
            detail: format!(
                "connection closed after {} bytes, in the middle of a record",
                buf.len()
            ),
        },
    }
}

fn incomplete_or_capped(buf: &[u8]) -> Progress {
    if buf.len() >= MAX_RESPONSE_BYTES {
        unknown(format!(
            "no complete answer within {MAX_RESPONSE_BYTES} bytes"
        ))
    } else {
        Progress::Incomplete
    }
}

/// The first byte of a record header that cannot start a TLS alert or handshake record.
fn bad_header(rest: &[u8]) -> Option<Progress> {
    match rest {
        [kind, ..] if *kind != 0x15 && *kind != 0x16 => Some(unknown(format!(
            "not a TLS record (content type 0x{kind:02x})"
        ))),
        [_, major, ..] if *major != 3 => Some(unknown(format!(
            "not a TLS record (version major 0x{major:02x})"
        ))),
        [_, _, minor, ..] if *minor > 4 => Some(unknown(format!(
            "not a TLS record (version minor 0x{minor:02x})"
        ))),
        _ => None,
    }
}

fn alert(fragment: &[u8]) -> Progress {
    match fragment {
        [level, description] => {
            let level = match level {
                1 => "warning",
                2 => "fatal",
                _ => "unknown-level",
            };
            refused(format!("alert {} ({level})", alert_name(*description)))
        }
        _ => unknown(format!(
            "alert record of {} bytes instead of 2",
            fragment.len()
        )),
    }
}

/// `None` while the first handshake message is incomplete.
fn server_hello(handshake: &[u8], offered: LegacyVersion) -> Option<Progress> {
    let header = handshake.get(..4)?;
    if header[0] != 2 {
        return Some(unknown(format!(
            "expected a ServerHello, got handshake message type {}",
            header[0]
        )));
    }
    let len =
        (usize::from(header[1]) << 16) | (usize::from(header[2]) << 8) | usize::from(header[3]);
    if !(38..=MAX_SERVER_HELLO_LEN).contains(&len) {
        return Some(unknown(format!("ServerHello length {len} out of range")));
    }
    let body = handshake.get(4..4 + len)?;
    Some(parse_server_hello(body, offered))
}

/// Reads a ServerHello body whose length has been checked.
fn parse_server_hello(body: &[u8], offered: LegacyVersion) -> Progress {
    let mut reader = Reader(body);
    let parsed = (|| {
        let version = reader.u16()?;
        reader.take(32)?; // random
        let session_len = usize::from(reader.u8()?);
        if session_len > 32 {
            return Err(format!("session id length {session_len} exceeds 32"));
        }
        reader.take(session_len)?;
        let suite = reader.u16()?;
        let _compression = reader.u8()?;
        let mut selected = version;
        if !reader.0.is_empty() {
            let total = usize::from(reader.u16()?);
            if total != reader.0.len() {
                return Err(format!(
                    "extensions length {total} but {} bytes remain",
                    reader.0.len()
                ));
            }
            while !reader.0.is_empty() {
                let kind = reader.u16()?;
                let len = usize::from(reader.u16()?);
                let data = reader.take(len)?;
                if kind == 0x002b {
                    // supported_versions: the real negotiated version (TLS 1.3 servers).
                    let [hi, lo] = data else {
                        return Err("supported_versions extension of the wrong size".into());
                    };
                    selected = u16::from_be_bytes([*hi, *lo]);
                }
            }
        }
        Ok((selected, suite))
    })();
    let (selected, suite) = match parsed {
        Ok(values) => values,
        Err(detail) => return unknown(format!("malformed ServerHello: {detail}")),
    };
    if selected != offered.wire() {
        return refused(format!("server chose {} instead", version_name(selected)));
    }
    if !LEGACY_CIPHER_SUITES.contains(&suite) || suite == 0x00ff {
        return unknown(format!(
            "ServerHello selects cipher suite 0x{suite:04x}, which was not offered"
        ));
    }
    Progress::Done(LegacyOutcome::Accepted {
        cipher_suite: format!("0x{suite:04x}"),
    })
}

/// A cursor that never reads past its slice.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.0.len() {
            return Err(format!(
                "field of {n} bytes but only {} remain",
                self.0.len()
            ));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, String> {
        let bytes = self.take(2)?;
        Ok(u16::from_be_bytes([bytes[0], bytes[1]]))
    }
}

/// The RFC name of an alert description.
pub fn alert_name(description: u8) -> String {
    let name = match description {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        21 => "decryption_failed",
        22 => "record_overflow",
        40 => "handshake_failure",
        42 => "bad_certificate",
        47 => "illegal_parameter",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        other => return format!("#{other}"),
    };
    name.to_owned()
}

/// A well-formed ServerHello record selecting `version` and `suite`, with optional extension
/// bytes: for tests, the fuzz target's seeds and the loopback responders.
pub fn build_server_hello(version: u16, suite: u16, extensions: Option<&[u8]>) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&version.to_be_bytes());
    body.extend_from_slice(&[0x42; 32]);
    body.push(32);
    body.extend_from_slice(&[0x24; 32]);
    body.extend_from_slice(&suite.to_be_bytes());
    body.push(0);
    if let Some(extensions) = extensions {
        let len = u16::try_from(extensions.len()).unwrap_or(u16::MAX);
        body.extend_from_slice(&len.to_be_bytes());
        body.extend_from_slice(extensions);
    }
    let mut handshake = vec![2];
    let len = u32::try_from(body.len()).unwrap_or(0);
    handshake.extend_from_slice(&len.to_be_bytes()[1..]);
    handshake.extend_from_slice(&body);
    let mut record = vec![0x16];
    record.extend_from_slice(&version.min(0x0303).to_be_bytes());
    let len = u16::try_from(handshake.len()).unwrap_or(u16::MAX);
    record.extend_from_slice(&len.to_be_bytes());
    record.extend_from_slice(&handshake);
    record
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepted(suite: &str) -> Progress {
        Progress::Done(LegacyOutcome::Accepted {
            cipher_suite: suite.into(),
        })
    }

    #[test]
    fn server_hello_with_offered_version_is_accepted() {
        let hello = build_server_hello(0x0301, 0x002f, None);
        assert_eq!(
            parse_response(&hello, LegacyVersion::Tls10),
            accepted("0x002f")
        );
    }

    #[test]
    fn server_hello_with_extensions_is_accepted() {
        // renegotiation_info, empty.
        let hello = build_server_hello(0x0302, 0xc014, Some(&[0xff, 0x01, 0x00, 0x01, 0x00]));
        assert_eq!(
            parse_response(&hello, LegacyVersion::Tls11),
            accepted("0xc014")
        );
    }

    #[test]
    fn hello_split_across_reads_is_incomplete_until_whole() {
        let hello = build_server_hello(0x0301, 0x002f, None);
        for cut in 0..hello.len() {
            assert_eq!(
                parse_response(&hello[..cut], LegacyVersion::Tls10),
                Progress::Incomplete,
                "cut {cut}"
            );
        }
    }

    #[test]
    fn hello_split_across_records_is_reassembled() {
        let hello = build_server_hello(0x0301, 0x002f, None);
        let handshake = &hello[5..];
        let (a, b) = handshake.split_at(10);
        let mut two = vec![0x16, 3, 1, 0, 10];
        two.extend_from_slice(a);
        two.extend_from_slice(&[0x16, 3, 1, 0, u8::try_from(b.len()).expect("small")]);
        two.extend_from_slice(b);
        assert_eq!(
            parse_response(&two, LegacyVersion::Tls10),
            accepted("0x002f")
        );
    }

    #[test]
    fn protocol_version_alert_is_refused() {
        let outcome = parse_response(&[0x15, 3, 3, 0, 2, 2, 70], LegacyVersion::Tls10);
        assert_eq!(outcome, refused("alert protocol_version (fatal)"));
    }

    #[test]
    fn higher_version_in_answer_is_refused() {
        let hello = build_server_hello(0x0303, 0xc02f, None);
        assert_eq!(
            parse_response(&hello, LegacyVersion::Tls11),
            refused("server chose TLSv1.2 instead")
        );
    }

    #[test]
    fn lying_handshake_length_is_unknown() {
        let mut hello = build_server_hello(0x0301, 0x002f, None);
        hello[6] = 0xff; // handshake length now ~16 MiB
        assert!(matches!(
            parse_response(&hello, LegacyVersion::Tls10),
            Progress::Done(LegacyOutcome::Unknown { .. })
        ));
    }

    #[test]
    fn lying_extensions_length_is_unknown() {
        let hello = build_server_hello(0x0301, 0x002f, Some(&[0xff, 0x01, 0x00, 0x09, 0x00]));
        assert!(matches!(
            parse_response(&hello, LegacyVersion::Tls10),
            Progress::Done(LegacyOutcome::Unknown { .. })
        ));
    }

    #[test]
    fn oversized_record_is_unknown() {
        assert!(matches!(
            parse_response(&[0x16, 3, 1, 0xff, 0xff], LegacyVersion::Tls10),
            Progress::Done(LegacyOutcome::Unknown { .. })
        ));
    }

    #[test]
    fn garbage_is_unknown_at_once() {
        assert!(matches!(
            parse_response(b"HTTP/1.1 400", LegacyVersion::Tls10),
            Progress::Done(LegacyOutcome::Unknown { .. })
        ));
        assert!(matches!(
            parse_response(b"H", LegacyVersion::Tls10),
            Progress::Done(LegacyOutcome::Unknown { .. })
        ));
    }

    #[test]
    fn garbage_verdict_does_not_depend_on_how_much_was_read() {
        // Found by the fuzz target: the detail used to quote however many bytes had arrived.
        let bytes = [0, 0, 0, 0, 0, 0, 1, 0];
        assert_eq!(
            parse_response(&bytes[..1], LegacyVersion::Tls10),
            parse_response(&bytes, LegacyVersion::Tls10)
        );
    }

    #[test]
    fn unoffered_cipher_suite_is_unknown() {
        let hello = build_server_hello(0x0301, 0x1301, None);
        assert!(matches!(
            parse_response(&hello, LegacyVersion::Tls10),
            Progress::Done(LegacyOutcome::Unknown { .. })
        ));
    }

    #[test]
    fn endless_tiny_records_hit_the_cap() {
        let mut bytes = Vec::new();
        // A handshake header announcing a big-but-allowed ServerHello, then 1-byte records.
        bytes.extend_from_slice(&[0x16, 3, 1, 0, 4, 2, 0, 0x3f, 0xff]);
        while bytes.len() < MAX_RESPONSE_BYTES {
            bytes.extend_from_slice(&[0x16, 3, 1, 0, 1, 0]);
        }
        assert!(matches!(
            parse_response(&bytes, LegacyVersion::Tls10),
            Progress::Done(LegacyOutcome::Unknown { .. })
        ));
    }

    #[test]
    fn end_of_stream_empty_is_refused_and_partial_is_unknown() {
        assert!(matches!(
            at_end_of_stream(&[], LegacyVersion::Tls10),
            LegacyOutcome::Refused { .. }
        ));
        assert!(matches!(
            at_end_of_stream(&[0x16, 3, 1], LegacyVersion::Tls10),
            LegacyOutcome::Unknown { .. }
        ));
    }
}

#[cfg(test)]
mod properties {
    //! The fuzz target's properties, run as proptests so they also run without nightly.

    use super::*;
    use proptest::prelude::*;

    fn version() -> impl Strategy<Value = LegacyVersion> {
        prop_oneof![
            Just(LegacyVersion::Ssl3),
            Just(LegacyVersion::Tls10),
            Just(LegacyVersion::Tls11)
        ]
    }

    /// Reading more bytes never changes an outcome already decided.
    fn prefix_consistent(bytes: &[u8], version: LegacyVersion) -> Result<(), TestCaseError> {
        let whole = parse_response(bytes, version);
        let _ = at_end_of_stream(bytes, version);
        for cut in [
            bytes.len() / 3,
            bytes.len() / 2,
            bytes.len().saturating_sub(1),
        ] {
            if let Progress::Done(early) = parse_response(&bytes[..cut], version) {
                prop_assert_eq!(&whole, &Progress::Done(early), "prefix of {} bytes", cut);
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 20_000, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600), version in version()) {
            prefix_consistent(&bytes, version)?;
        }

        #[test]
        fn mutated_server_hellos_never_panic(
            wire in prop_oneof![Just(0x0300u16), Just(0x0301), Just(0x0302), Just(0x0303)],
            suite in any::<u16>(),
            extensions in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)),
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
            cut in any::<prop::sample::Index>(),
            version in version(),
        ) {
            let mut bytes = build_server_hello(wire, suite, extensions.as_deref());
            for (at, value) in flips {
                let i = at.index(bytes.len());
                bytes[i] = value;
            }
            let end = cut.index(bytes.len() + 1);
            prefix_consistent(&bytes[..end], version)?;
        }
    }
}
