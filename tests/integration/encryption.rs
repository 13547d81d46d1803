//! Integration tests: encryption.
