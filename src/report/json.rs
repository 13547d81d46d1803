//! JSON results (schema v1).
