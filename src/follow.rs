//! Whether the log follows the conversation: pure decisions from the log's scroll metrics, so the
//! component only measures and scrolls, and the rules are tested natively.

/// How far above the bottom, in CSS pixels, still counts as "at the bottom": a visitor a few
/// pixels short of it (rounding, a half-scrolled line) is still reading the newest message.
const SLACK: i32 = 32;

/// The log's scroll metrics, as the DOM gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metrics {
    /// `scrollTop`: how far the log is scrolled down.
    pub top: i32,
    /// `scrollHeight`: the height of everything in it.
    pub height: i32,
    /// `clientHeight`: the height of what is visible.
    pub visible: i32,
}

impl Metrics {
    /// The newest content is in view (or nearly).
    pub fn at_bottom(self) -> bool {
        self.height - self.top - self.visible <= SLACK
    }
}

/// What the log does after it rendered new content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// Scroll to the newest message.
    Follow,
    /// Keep the visitor's place and offer a way down.
    Offer,
    /// Nothing new to show.
    Stay,
}

/// Decides what to do after a render. `following` is whether the visitor was at the bottom
/// before it; `grew` whether the content got taller; `sent` whether the visitor just sent a
/// message, which always takes them to it.
pub fn after_render(following: bool, grew: bool, sent: bool) -> After {
    match (following || sent, grew) {
        (true, _) => After::Follow,
        (false, true) => After::Offer,
        (false, false) => After::Stay,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bottom_is_within_a_little_slack() {
        let at = |top| Metrics { top, height: 1000, visible: 400 }.at_bottom();
        assert!(at(600), "scrolled all the way down");
        assert!(at(580), "a few pixels short");
        assert!(!at(500), "a message's height above");
        assert!(Metrics { top: 0, height: 300, visible: 400 }.at_bottom(), "nothing to scroll");
    }

    #[test]
    fn new_content_is_followed_at_the_bottom_and_offered_when_scrolled_up() {
        assert_eq!(after_render(true, true, false), After::Follow);
        assert_eq!(after_render(false, true, false), After::Offer);
        assert_eq!(after_render(false, false, false), After::Stay, "nothing new, the place is kept");
        assert_eq!(after_render(false, true, true), After::Follow, "the visitor's own message");
    }
}
