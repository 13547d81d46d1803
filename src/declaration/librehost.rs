//! TODO(#2): librehost loader.
