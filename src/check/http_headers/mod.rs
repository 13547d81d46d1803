//! Checks of the http_headers family.
