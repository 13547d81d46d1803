//! Integration tests: transparency.
