//! Integration tests: software.
