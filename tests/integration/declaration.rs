//! Integration tests: declaration.
