//! The bridge over real HTTP, one test binary so the workspace links it once.

mod access;
mod admin;
mod conversation;
mod copilot;
mod fuzz;
mod handoff;
mod helpers;
mod intercom;
mod model;
mod process;
mod restart;
mod streams;
mod teammate;
