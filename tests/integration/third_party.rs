//! Integration tests: third_party.
