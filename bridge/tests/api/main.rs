//! The bridge over real HTTP, one test binary so the workspace links it once.

mod access;
mod admin;
mod conversation;
mod fuzz;
mod handoff;
mod intercom;
mod helpers;
mod model;
mod process;
mod restart;
mod streams;
