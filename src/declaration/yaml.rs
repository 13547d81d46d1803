//! TODO(#2): yaml loader.
