//! How the host page configures a widget: the options object of `mount`, which the script tag's
//! data attributes also fill. Everything but the agent and the endpoint has a default.

use baton_protocol::read::Value;
use baton_protocol::{AgentId, Visitor};

/// Everything `mount(element, options)` accepts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// The agent to talk to.
    pub agent: AgentId,
    /// The bridge's base URL, such as `https://chat.example.com`.
    pub endpoint: String,
    /// Render in the given element without a launcher, always open.
    pub inline: bool,
    /// Which bottom corner the launcher sits in.
    pub position: Position,
    /// Light or dark colours.
    pub theme: Theme,
    /// The accent colour, as `#rgb` or `#rrggbb`; anything else is ignored.
    pub accent_color: Option<String>,
    /// The language, such as `fr`; the page's `<html lang>` when absent.
    pub locale: Option<String>,
    /// Who the visitor is, when the host page knows.
    pub visitor: Option<Visitor>,
    /// Take keyboard focus once rendered (the launcher, or the message box when open). The script
    /// tag's loader asks for it when its stand-in launcher had focus, so a keyboard user keeps it.
    pub focus: bool,
    /// The dashboard's preview key: the conversations this widget starts are tests.
    pub preview: Option<String>,
}

/// The launcher's corner.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Position {
    /// Bottom right.
    #[default]
    Right,
    /// Bottom left.
    Left,
}

/// The colour scheme.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Theme {
    /// Dark text on light surfaces.
    #[default]
    Light,
    /// Light text on dark surfaces.
    Dark,
}

impl Options {
    /// Reads the host page's options object (as JSON): `agent` and `endpoint` are required, the
    /// rest defaults; a corner or a theme it does not know is refused, as a typo would be.
    pub fn read(value: &Value) -> Result<Options, String> {
        let text = |name: &str| value.get(name).text().ok_or_else(|| format!("`{name}` is missing"));
        let flag = |name: &str| value.get(name) == &Value::Bool(true);
        let choice = |name: &str, second: &str| match value.get(name) {
            Value::Null => Ok(false),
            Value::Text(text) if text == second => Ok(true),
            Value::Text(text) if text == if second == "left" { "right" } else { "light" } => Ok(false),
            _ => Err(format!("unknown `{name}`")),
        };
        Ok(Options {
            agent: AgentId(text("agent")?),
            endpoint: text("endpoint")?,
            inline: flag("inline"),
            position: if choice("position", "left")? { Position::Left } else { Position::Right },
            theme: if choice("theme", "dark")? { Theme::Dark } else { Theme::Light },
            accent_color: value.get("accentColor").text(),
            locale: value.get("locale").text(),
            visitor: match value.get("visitor") {
                Value::Null => None,
                visitor => Some(Visitor::read(visitor).map_err(|error| error.to_string())?),
            },
            focus: flag("focus"),
            preview: value.get("preview").text(),
        })
    }

    /// The accent colour if it is a plain hex colour: only that may reach the stylesheet.
    pub fn accent(&self) -> Option<&str> {
        let colour = self.accent_color.as_deref()?;
        let hex = colour.strip_prefix('#')?;
        (matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit())).then_some(colour)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_agent_and_endpoint_are_required() {
        let read = |json: &str| Options::read(&Value::parse(json).expect("JSON"));
        let options = read(r#"{"agent": "demo", "endpoint": "http://127.0.0.1:8080"}"#).expect("parses");
        assert!(!options.inline);
        assert_eq!((options.position, options.theme), (Position::Right, Theme::Light));
        let full = read(
            r##"{"agent": "demo", "endpoint": "", "inline": true, "position": "left", "theme": "dark",
                "accentColor": "#0a7", "locale": "fr", "visitor": {"email": "a@b.example", "name": "Al"}}"##,
        )
        .expect("parses");
        assert!(full.inline);
        assert_eq!((full.position, full.theme, full.accent()), (Position::Left, Theme::Dark, Some("#0a7")));
        assert_eq!(full.visitor.and_then(|v| v.email).as_deref(), Some("a@b.example"));
        assert!(read(r#"{"endpoint": ""}"#).is_err());
        assert!(read(r#"{"agent": "demo", "endpoint": "", "position": "top"}"#).is_err());
    }

    #[test]
    fn an_accent_that_is_not_a_hex_colour_is_ignored() {
        for hostile in ["red;}body{display:none", "#12345g", "url(x)", "#1234"] {
            let options = Options { accent_color: Some(hostile.into()), ..Options::default() };
            assert_eq!(options.accent(), None, "{hostile}");
        }
    }
}
