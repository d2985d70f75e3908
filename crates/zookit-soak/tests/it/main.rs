//! Integration tests of the soak.
