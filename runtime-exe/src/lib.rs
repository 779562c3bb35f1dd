//! exe
