//! Relay (in progress).
