//! Checks of the transparency family.
