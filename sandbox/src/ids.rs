//! Identifiers shaped like Intercom's: contacts get 24 hex digits, conversations, messages and
//! parts get numeric strings from counters, and request and notification ids look like UUIDs.

use std::time::{SystemTime, UNIX_EPOCH};

use rand::RngCore;

/// The current time in Unix seconds, the unit of every Intercom timestamp.
pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs() as i64)
}

/// `bytes` random bytes as lowercase hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0_u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    hex::encode(buffer)
}

/// A contact id: 24 lowercase hex digits, like a real one.
pub fn contact_id() -> String {
    random_hex(12)
}

/// A random version-4-looking UUID, for `request_id`s and notification ids.
pub fn uuid() -> String {
    let hex = random_hex(16);
    format!("{}-{}-4{}-a{}-{}", &hex[..8], &hex[8..12], &hex[13..16], &hex[17..20], &hex[20..])
}

/// The numeric ids of one sandbox run. Each kind counts up from its own base, and the bases
/// come from the start time, so ids never repeat across restarts (a bridge that remembers a
/// conversation id from an earlier run must not find another conversation under it), and a
/// message id can never equal a conversation id: they have different numbers of digits.
#[derive(Debug)]
pub struct Counters {
    conversation: u64,
    message: u64,
    part: u64,
}

impl Counters {
    /// Counters for a run starting at `now` (Unix seconds).
    pub fn starting_at(now: i64) -> Self {
        let now = now.max(1) as u64;
        Self { conversation: now * 1000, message: now * 10, part: now * 100_000 }
    }

    /// The next conversation id (13 digits in this century).
    pub fn conversation(&mut self) -> String {
        self.conversation += 1;
        self.conversation.to_string()
    }

    /// The next message id: a conversation's source (11 digits).
    pub fn message(&mut self) -> String {
        self.message += 1;
        self.message.to_string()
    }

    /// The next conversation part id (15 digits).
    pub fn part(&mut self) -> String {
        self.part += 1;
        self.part.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_intercoms_shapes() {
        let contact = contact_id();
        assert_eq!(contact.len(), 24);
        assert!(contact.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        let uuid = uuid();
        assert_eq!(uuid.len(), 36);
        assert_eq!(uuid.matches('-').count(), 4);
    }

    #[test]
    fn message_and_conversation_ids_never_meet() {
        let mut counters = Counters::starting_at(1_750_000_000);
        let (conversation, message, part) = (counters.conversation(), counters.message(), counters.part());
        assert_ne!(conversation, message);
        assert_ne!(conversation.len(), message.len());
        assert_ne!(part, conversation);
        assert_eq!(counters.conversation(), (conversation.parse::<u64>().expect("numeric") + 1).to_string());
    }
}
