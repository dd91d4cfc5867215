//! The HTTP surface of the bridge, one module per resource.

pub mod agents;
pub mod conversations;
pub mod events;
pub mod site;
