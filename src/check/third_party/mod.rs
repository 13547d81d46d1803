//! Checks of the third_party family.
