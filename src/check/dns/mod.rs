//! Checks of the dns family.
