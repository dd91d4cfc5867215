//! The answer the baseline streams after every visitor message: the demo agent's answer to the
//! load generator's question, cut into the same pieces and sent at the same pace, so each
//! message costs both servers the same 23 events (the echo, started, 20 deltas, completed).

use std::time::Duration;

use baton_protocol::{ConversationId, EventKind};

use super::log::{new_message_id, Conversations};

/// The demo knowledge's "Shipping times" section, which the bridge's demo agent answers
/// [`crate::run::QUESTION`] with. `baton-load --compare` prints whether both servers' answers
/// came out identical.
pub const ANSWER: &str =
    "We roast on Mondays and Thursdays and ship within **one working day** of roasting. \
Delivery\ninside the UK takes 1–2 working days with Royal Mail Tracked 48; Europe takes 3–6 working days.\n\
Every order email has a tracking link.";

/// Words per piece, as the demo agent streams them.
const WORDS_PER_PIECE: usize = 2;

/// Streams [`ANSWER`] into conversation `id` after its other answers: started with the first
/// piece, each piece `pace` after the previous one, then completed with the whole text.
pub async fn stream(conversations: Conversations, id: ConversationId, pace: Duration) {
    let Some(turn) = conversations.turn(&id) else { return };
    let _turn = turn.lock().await;
    let message_id = new_message_id();
    let mut offset = 0;
    for piece in pieces(ANSWER) {
        tokio::time::sleep(pace).await;
        if offset == 0 {
            conversations.append(&id, EventKind::AgentMessageStarted { message_id: message_id.clone() });
        }
        let length = piece.len();
        conversations.append(
            &id,
            EventKind::AgentMessageDelta { message_id: message_id.clone(), offset, text: piece },
        );
        offset += length;
    }
    conversations.append(&id, EventKind::AgentMessageCompleted { message_id, text: ANSWER.to_owned() });
}

/// Splits `text` into pieces of a few words, each keeping the whitespace that follows it, so the
/// pieces concatenate back to exactly `text`: the demo agent's split.
fn pieces(text: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut words = 0;
    let mut in_word = false;
    for c in text.chars() {
        let starts_word = !c.is_whitespace() && !in_word;
        if starts_word && words == WORDS_PER_PIECE {
            pieces.push(std::mem::take(&mut current));
            words = 0;
        }
        if starts_word {
            words += 1;
        }
        in_word = !c.is_whitespace();
        current.push(c);
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_is_twenty_pieces_that_concatenate_back_to_it() {
        let pieces = pieces(ANSWER);
        assert_eq!(pieces.len(), 20);
        assert_eq!(pieces.concat(), ANSWER);
        assert_eq!(pieces[0], "We roast ");
    }
}
