//! TODO(#2): chatonsinfos loader.
