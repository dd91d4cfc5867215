//! The load benchmark of Baton's bridge, and the bare baseline it is measured against. Not a
//! test: numbers, not verdicts. Only ever talks to loopback or the endpoint it is given.
//!
//! # Layout
//! - [`run`]: one load run: conversations with open streams, then timed messages.
//! - [`stats`]: latency percentiles.
//! - [`report`]: what a run prints, alone or side by side.
//! - [`compare`]: starts each setup in turn (the baseline, bridges on SQLite or PostgreSQL, several
//!   behind nginx) and runs the same plan against each.
//! - [`launch`]: starting the baseline and a bridge, and reading where they listen.
//! - [`postgres`]: the durable PostgreSQL cluster the bridges share in a run.
//! - [`nginx`]: the load balancer in front of several bridges.
//! - [`process`]: memory and CPU time of the servers, from `/proc`.
//! - [`baseline`]: the bare server of the same wire contract, events in memory (`baton-baseline`).

pub mod baseline;
pub mod compare;
pub mod launch;
pub mod nginx;
pub mod postgres;
pub mod process;
pub mod report;
pub mod run;
pub mod stats;
