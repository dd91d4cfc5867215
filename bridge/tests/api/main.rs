//! The bridge over real HTTP, one test binary so the workspace links it once.

mod access;
mod admin;
mod availability;
mod bounds;
mod bridges;
mod contacts;
mod conversation;
mod copilot;
mod dashboard;
mod fuzz;
mod handoff;
mod headers;
mod helpers;
mod intercom;
mod lifecycle;
mod metrics;
mod model;
mod process;
mod proxies;
mod ratings;
mod restart;
mod rolling;
mod secrets;
mod streams;
mod teammate;
