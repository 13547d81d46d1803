//! TODO(#2): properties loader.
