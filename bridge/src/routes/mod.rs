//! The HTTP surface of the bridge, one module per resource.

pub mod admin;
pub mod agents;
pub mod analytics;
pub mod confined;
pub mod conversations;
pub mod events;
pub mod files;
pub mod health;
pub mod metrics;
pub mod site;
