//! The messages of a conversation in fixed-size chunks, each behind its own `Rc`. Changing the
//! newest message copies one chunk, never the whole list, and every other chunk stays the same
//! pointer, so the view skips it without looking inside: a streamed piece costs the same in a
//! transcript of ten messages or two thousand.

use std::rc::Rc;

use crate::message::{Message, MessageKey};

/// Messages per chunk: small enough to copy and re-render on every piece (a chunk's messages
/// are plain functions of it, so a piece re-renders them all), large enough to keep the list of
/// chunks short.
const CHUNK: usize = 8;

/// One run of up to [`CHUNK`] consecutive messages.
pub type Chunk = Rc<Vec<Rc<Message>>>;

/// Every message, oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Transcript {
    chunks: Vec<Chunk>,
}

impl Transcript {
    /// Appends a message.
    pub fn push(&mut self, message: Message) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < CHUNK => Rc::make_mut(last).push(Rc::new(message)),
            _ => self.chunks.push(Rc::new(vec![Rc::new(message)])),
        }
    }

    /// The chunks, for views that render one component per chunk.
    pub fn chunks(&self) -> &[Chunk] {
        &self.chunks
    }

    /// Every message, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Rc<Message>> {
        self.chunks.iter().flat_map(|chunk| chunk.iter())
    }

    /// The newest message.
    pub fn last(&self) -> Option<&Rc<Message>> {
        self.chunks.last().and_then(|chunk| chunk.last())
    }

    /// How many messages there are.
    pub fn len(&self) -> usize {
        self.chunks.iter().map(|chunk| chunk.len()).sum()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// Applies `change` to the message with `key`, searching from the newest: updates almost
    /// always concern the last few messages. Returns whether it was found.
    pub fn update(&mut self, key: &MessageKey, change: impl FnOnce(&mut Message)) -> bool {
        for chunk in self.chunks.iter_mut().rev() {
            if let Some(index) = chunk.iter().rposition(|message| &message.key == key) {
                change(Rc::make_mut(&mut Rc::make_mut(chunk)[index]));
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Sender, Status};
    use baton_protocol::Seq;

    fn message(n: u64) -> Message {
        Message {
            key: MessageKey::Seq(Seq(n)),
            seq: Seq(n),
            at: 0,
            sender: Sender::Agent,
            text: n.to_string(),
            status: Status::Done,
            attachments: Vec::new(),
        }
    }

    #[test]
    fn messages_keep_their_order_across_chunks() {
        let mut transcript = Transcript::default();
        for n in 0..100 {
            transcript.push(message(n));
        }
        assert_eq!(transcript.len(), 100);
        assert_eq!(transcript.chunks().len(), 100_usize.div_ceil(CHUNK));
        let texts: Vec<String> = transcript.iter().map(|m| m.text.clone()).collect();
        assert_eq!(texts, (0..100).map(|n| n.to_string()).collect::<Vec<_>>());
    }

    #[test]
    fn updating_the_newest_message_leaves_older_chunks_untouched() {
        let mut transcript = Transcript::default();
        for n in 0..100 {
            transcript.push(message(n));
        }
        let before = transcript.clone();
        assert!(transcript.update(&MessageKey::Seq(Seq(99)), |m| m.text.push('!')));
        assert_eq!(transcript.last().map(|m| m.text.as_str()), Some("99!"));
        let (old, new) = (before.chunks(), transcript.chunks());
        assert!(old[..old.len() - 1].iter().zip(new).all(|(a, b)| Rc::ptr_eq(a, b)), "shared, not copied");
        assert!(!Rc::ptr_eq(&old[old.len() - 1], &new[new.len() - 1]));
        assert_eq!(before.last().map(|m| m.text.as_str()), Some("99"), "the old state is unchanged");
        assert!(!transcript.update(&MessageKey::Seq(Seq(500)), |_| {}));
    }
}
