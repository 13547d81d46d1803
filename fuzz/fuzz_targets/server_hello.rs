//! Fuzzes the legacy-TLS answer parser (`src/probe/legacy_tls/server_hello.rs`): it must never
//! panic, and reading more bytes must never change an outcome already decided (the probe
//! decides on partial reads).
//!
//! The parser's files are included by path, with the one observation type they use, so the
//! target builds without the whole crate.
#![no_main]
#![allow(dead_code, unused_imports, missing_docs)]

use libfuzzer_sys::fuzz_target;

#[path = "../../src/probe/legacy_tls/hello.rs"]
mod hello;
#[path = "../../src/probe/legacy_tls/server_hello.rs"]
mod server_hello;
#[path = "../../src/observation/tls.rs"]
mod tls_types;

mod observation {
    pub mod tls {
        pub use crate::tls_types::*;
    }
}

use hello::LegacyVersion;
use server_hello::{MAX_RESPONSE_BYTES, Progress, at_end_of_stream, parse_response};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let version = LegacyVersion::ALL[usize::from(selector) % 3];
    let whole = parse_response(bytes, version);
    let _ = at_end_of_stream(bytes, version);
    // Any decided prefix decides the same way on the whole input.
    let half = bytes.len() / 2;
    if half < MAX_RESPONSE_BYTES {
        if let Progress::Done(early) = parse_response(&bytes[..half], version) {
            assert_eq!(
                whole,
                Progress::Done(early),
                "prefix of {half} bytes decided differently"
            );
        }
    }
});
