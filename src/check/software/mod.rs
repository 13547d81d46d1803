//! Checks of the software family.
