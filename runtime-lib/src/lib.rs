//! wasmaot runtime
