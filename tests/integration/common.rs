//! Shared helpers: the command under test, and the fixture world started per test.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The `chatons-audit` binary, with a scrubbed environment (English messages, no colours).
pub fn chatons_audit() -> Command {
    let mut cmd = Command::cargo_bin("chatons-audit").expect("the binary is built");
    cmd.env_remove("LC_ALL")
        .env("LANG", "C")
        .env("NO_COLOR", "1");
    cmd
}

/// A path under the repository's `fixtures/`.
pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(relative)
}

/// A multi-threaded runtime for starting servers from synchronous tests.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts")
}
