//! A small writer of the JSON bodies the widget sends, the counterpart of [`crate::read`]: serde's
//! derived writers and the serialiser behind them would ship to every visitor for five bodies.
//! Fields that are `None` or empty are left out, as the serde attributes leave them out. The
//! bridge reads these bodies with serde; the tests below check it reads what is written here.

use crate::api::{CreateConversation, RateConversation, SendMessage, UpdateVisitor, Visitor, VisitorSource};
use crate::event::Rating;

/// A JSON object being written, field by field.
#[derive(Debug)]
pub struct Object(String);

impl Default for Object {
    fn default() -> Self {
        Object(String::from("{"))
    }
}

impl Object {
    fn key(&mut self, key: &str) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        quote(&mut self.0, key);
        self.0.push(':');
    }

    /// Adds a string field.
    pub fn text(mut self, key: &str, value: &str) -> Self {
        self.key(key);
        quote(&mut self.0, value);
        self
    }

    /// Adds a string field when there is a value.
    pub fn some(self, key: &str, value: Option<&str>) -> Self {
        match value {
            Some(value) => self.text(key, value),
            None => self,
        }
    }

    /// Adds a field whose value is already JSON.
    pub fn raw(mut self, key: &str, json: &str) -> Self {
        self.key(key);
        self.0.push_str(json);
        self
    }

    /// The object's text.
    pub fn end(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// Appends `text` as a JSON string.
pub fn quote(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if u32::from(c) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(char::from(HEX[(u32::from(c) >> 4) as usize]));
                out.push(char::from(HEX[(u32::from(c) & 15) as usize]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl Visitor {
    fn write(&self, object: Object) -> Object {
        object
            .some("email", self.email.as_deref())
            .some("name", self.name.as_deref())
            .some("user_id", self.user_id.as_deref())
            .some("user_hash", self.user_hash.as_deref())
    }
}

impl CreateConversation {
    /// The body of `POST /v1/conversations`.
    pub fn to_json(&self) -> String {
        let mut object = Object::default()
            .text("agent", &self.agent.0)
            .some("page_url", self.page_url.as_deref())
            .some("page_title", self.page_title.as_deref())
            .some("locale", self.locale.as_deref());
        if let Some(visitor) = &self.visitor {
            object = object.raw("visitor", &visitor.write(Object::default()).end());
        }
        object.some("preview", self.preview.as_deref()).end()
    }
}

impl SendMessage {
    /// The body of `POST /v1/conversations/{id}/messages`.
    pub fn to_json(&self) -> String {
        let object = Object::default().text("client_id", &self.client_id.0).text("text", &self.text);
        if self.attachments.is_empty() {
            return object.end();
        }
        let mut files = String::from("[");
        for (index, file) in self.attachments.iter().enumerate() {
            if index > 0 {
                files.push(',');
            }
            quote(&mut files, &file.0);
        }
        files.push(']');
        object.raw("attachments", &files).end()
    }
}

impl UpdateVisitor {
    /// The body of `PUT /v1/conversations/{id}/visitor`.
    pub fn to_json(&self) -> String {
        let source = if self.source == VisitorSource::Visitor { "visitor" } else { "host" };
        self.visitor.write(Object::default()).text("source", source).end()
    }
}

impl RateConversation {
    /// The body of `POST /v1/conversations/{id}/rating`.
    pub fn to_json(&self) -> String {
        let rating = if self.rating == Rating::Good { "good" } else { "bad" };
        Object::default().text("rating", rating).some("comment", self.comment.as_deref()).end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{AgentId, ClientId, FileId};

    fn everyone() -> [Visitor; 2] {
        [
            Visitor::default(),
            Visitor {
                email: Some("a@b.example".into()),
                name: Some("Zoë \"Z\" \\ O'Neil\n\u{1}𝄞".into()),
                user_id: Some("u1".into()),
                user_hash: Some("ab12".into()),
            },
        ]
    }

    #[test]
    fn the_bridge_reads_every_body_the_widget_writes() {
        for visitor in everyone() {
            let create = CreateConversation {
                agent: AgentId::from("demo"),
                page_url: Some("https://x.example/?a=1&b=\"2\"".into()),
                page_title: visitor.name.clone(),
                locale: Some("fr".into()),
                visitor: visitor.email.is_some().then(|| visitor.clone()),
                preview: None,
            };
            let read: CreateConversation = serde_json::from_str(&create.to_json()).expect("valid JSON");
            assert_eq!(read, create);
            for source in [VisitorSource::Host, VisitorSource::Visitor] {
                let update = UpdateVisitor { visitor: visitor.clone(), source };
                let read: UpdateVisitor = serde_json::from_str(&update.to_json()).expect("valid JSON");
                assert_eq!(read, update);
            }
        }
        for attachments in [vec![], vec![FileId::from("f1"), FileId::from("f2")]] {
            let send =
                SendMessage { client_id: ClientId::from("k"), text: "tab\t\"hi\"".into(), attachments };
            let read: SendMessage = serde_json::from_str(&send.to_json()).expect("valid JSON");
            assert_eq!(read, send);
        }
        for (rating, comment) in [(Rating::Good, Some("Fast \"and\" kind".to_owned())), (Rating::Bad, None)] {
            let rate = RateConversation { rating, comment };
            let read: RateConversation = serde_json::from_str(&rate.to_json()).expect("valid JSON");
            assert_eq!(read, rate);
        }
    }

    #[test]
    fn a_message_without_files_is_written_as_serde_writes_it() {
        let send = SendMessage { client_id: ClientId::from("k"), text: "hi".into(), attachments: vec![] };
        assert_eq!(send.to_json(), serde_json::to_string(&send).expect("serializes"));
    }
}
