//! How the host page configures a widget: the options object of `mount`, which the script tag's
//! data attributes also fill.

use baton_protocol::AgentId;
use serde::Deserialize;

/// Everything `mount(element, options)` accepts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Options {
    /// The agent to talk to.
    pub agent: AgentId,
    /// The bridge's base URL, such as `https://chat.example.com`.
    pub endpoint: String,
    /// Render in the given element without a launcher, always open.
    #[serde(default)]
    pub inline: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_agent_and_endpoint_are_required() {
        let options: Options =
            serde_json::from_str(r#"{"agent": "demo", "endpoint": "http://127.0.0.1:8080"}"#).expect("parses");
        assert!(!options.inline);
        let inline: Options =
            serde_json::from_str(r#"{"agent": "demo", "endpoint": "", "inline": true}"#).expect("parses");
        assert!(inline.inline);
        assert!(serde_json::from_str::<Options>(r#"{"endpoint": ""}"#).is_err());
    }
}
