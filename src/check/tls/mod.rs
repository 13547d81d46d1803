//! Checks of the tls family.
