//! Checks of the mail family.
