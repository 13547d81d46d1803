//! Checks of the properties family.
