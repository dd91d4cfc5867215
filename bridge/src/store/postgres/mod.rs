//! The PostgreSQL engine (issue 14): several bridges share one database.
//!
//! # Layout
//! - `throwaway`: a cluster of its own for the tests.

#[cfg(test)]
pub mod throwaway;
