//! Integration tests: world.
