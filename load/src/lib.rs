//! The load benchmark of Baton's bridge, and the bare baseline it is measured against. Not a
//! test: numbers, not verdicts. Only ever talks to loopback or the endpoint it is given.
//!
//! # Layout
//! - [`run`]: one load run: conversations with open streams, then timed messages.
//! - [`stats`]: latency percentiles.
//! - [`report`]: what a run prints, alone or side by side.
//! - [`compare`]: starts the baseline and a fresh bridge and runs the same plan against each.
//! - [`baseline`]: the bare server of the same wire contract, events in memory (`baton-baseline`).

pub mod baseline;
pub mod compare;
pub mod report;
pub mod run;
pub mod stats;
