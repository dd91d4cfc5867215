//! The bridge over real HTTP, one test binary so the workspace links it once.

mod conversation;
mod helpers;
