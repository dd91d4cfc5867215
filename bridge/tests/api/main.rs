//! The bridge over real HTTP, one test binary so the workspace links it once.

mod access;
mod admin;
mod attachments;
mod availability;
mod bounds;
mod contacts;
mod conversation;
mod copilot;
mod dashboard;
mod files;
mod fuzz;
mod handoff;
mod headers;
mod helpers;
mod intercom;
mod lifecycle;
mod model;
mod process;
mod proxies;
mod restart;
mod secrets;
mod streams;
mod teammate;
