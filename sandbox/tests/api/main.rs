//! The sandbox over real HTTP, one test binary so the workspace links it once.

mod binary;
mod contacts;
mod conversations;
mod faults;
mod helpers;
mod inbox;
mod oauth;
