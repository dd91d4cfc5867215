//! Every string the widget shows, per language, chosen by the page's locale. Adding a language
//! is adding one table; a test keeps every table complete.

/// The widget's texts in one language. `{name}`, `{n}` and `{company}` are filled in by the
/// helper methods.
#[derive(Debug, PartialEq, Eq)]
pub struct Texts {
    /// BCP 47 tag of the language.
    pub lang: &'static str,
    /// The launcher, closed.
    pub open_chat: &'static str,
    /// The launcher, open.
    pub close_chat: &'static str,
    /// The panel's accessible name.
    chat_with: &'static str,
    /// The message box's label.
    pub message: &'static str,
    /// Its placeholder.
    pub write_a_message: &'static str,
    /// The send button.
    pub send: &'static str,
    /// A message on its way.
    pub sending: &'static str,
    /// The newest of the visitor's messages, once the bridge has it.
    pub delivered: &'static str,
    /// The newest of the visitor's messages, once the team has seen it.
    pub seen: &'static str,
    /// Before a time the day before.
    pub yesterday: &'static str,
    /// Before a time the day after.
    tomorrow: &'static str,
    /// Waiting outside the team's office hours.
    away_until: &'static str,
    /// A message that failed.
    pub not_sent: &'static str,
    /// Its retry button.
    pub retry: &'static str,
    /// The button that picks files to send.
    pub attach_file: &'static str,
    /// Before a picked file's name, on the button that takes it out.
    pub remove_file: &'static str,
    /// A file the bridge would refuse.
    pub file_refused: &'static str,
    /// The log's accessible name.
    pub messages: &'static str,
    /// The button down to messages that arrived while the visitor was scrolled up.
    pub new_messages: &'static str,
    /// The stream is down.
    pub offline: &'static str,
    /// Someone is typing.
    pub typing: &'static str,
    /// The mark beside the agent's name on its answers.
    pub ai: &'static str,
    /// Status line while the AI answers.
    pub ai_assistant: &'static str,
    /// Status line while connecting.
    pub status_connecting: &'static str,
    /// Status line while waiting for a teammate.
    pub status_waiting: &'static str,
    /// Status line with a teammate.
    status_human: &'static str,
    /// Status line once closed.
    pub status_closed: &'static str,
    /// The handoff began.
    pub connecting: &'static str,
    /// The team has it, with a reply time.
    team_notified_in: &'static str,
    /// The team has it, no reply time known.
    pub team_notified: &'static str,
    /// The handoff failed.
    pub handoff_failed: &'static str,
    /// A teammate joined.
    joined: &'static str,
    /// The team closed the conversation.
    pub closed: &'static str,
    /// The team reopened it.
    pub reopened: &'static str,
    /// Start over after closing.
    pub new_conversation: &'static str,
    /// The rating's question, once closed.
    pub rate_question: &'static str,
    /// A good rating.
    pub good: &'static str,
    /// A bad rating.
    pub bad: &'static str,
    /// The rating's optional comment.
    pub rating_comment: &'static str,
    /// After rating.
    pub rated: &'static str,
    /// The unread badge's accessible text.
    unread: &'static str,
    /// The name of the button that closes the unread preview.
    pub close_preview: &'static str,
    /// The email field's label.
    pub your_email: &'static str,
    /// Why we ask for it.
    pub email_prompt: &'static str,
    /// Its submit button.
    pub save_email: &'static str,
    /// After it was saved.
    email_saved: &'static str,
    /// An email that does not look like one.
    pub email_invalid: &'static str,
}

impl Texts {
    /// The table for `locale` (`fr`, `fr-CA`, …); English when there is none.
    pub fn for_locale(locale: &str) -> &'static Texts {
        let language = locale.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        TABLES.iter().copied().find(|t| t.lang == language).unwrap_or(&EN)
    }

    /// "Chat with {company}".
    pub fn chat_with(&self, company: &str) -> String {
        self.chat_with.replace("{company}", company)
    }

    /// "{name} · Support team".
    pub fn status_human(&self, name: &str) -> String {
        self.status_human.replace("{name}", name)
    }

    /// The team has the conversation, and maybe how soon it replies.
    pub fn team_notified(&self, minutes: Option<u32>) -> String {
        match minutes {
            Some(n) => self.team_notified_in.replace("{n}", &n.to_string()),
            None => self.team_notified.to_owned(),
        }
    }

    /// "Our team is away until {time}", the time being today's or tomorrow's clock, or a date.
    pub fn away_until(&self, time: &str) -> String {
        self.away_until.replace("{time}", time)
    }

    /// "tomorrow", before a clock.
    pub fn tomorrow(&self) -> &'static str {
        self.tomorrow
    }

    /// "{name} joined the conversation".
    pub fn joined(&self, name: &str) -> String {
        self.joined.replace("{name}", name)
    }

    /// "{n} unread messages".
    pub fn unread(&self, n: usize) -> String {
        self.unread.replace("{n}", &n.to_string())
    }

    /// "We'll reply to {email}".
    pub fn email_saved(&self, email: &str) -> String {
        self.email_saved.replace("{email}", email)
    }
}

const TABLES: [&Texts; 4] = [&EN, &FR, &ES, &DE];

/// English.
pub const EN: Texts = Texts {
    lang: "en",
    open_chat: "Open chat",
    close_chat: "Close chat",
    chat_with: "Chat with {company}",
    message: "Message",
    write_a_message: "Write a message…",
    send: "Send",
    sending: "Sending…",
    delivered: "Delivered",
    seen: "Seen",
    yesterday: "Yesterday",
    tomorrow: "tomorrow",
    away_until: "Our team is away until {time} and will reply here then.",
    not_sent: "Not sent.",
    retry: "Retry",
    attach_file: "Attach a file",
    remove_file: "Remove",
    file_refused: "Only images (PNG, JPEG, GIF, WebP) and PDFs up to 10 MB can be sent.",
    messages: "Messages",
    new_messages: "New messages",
    offline: "You're offline. Reconnecting…",
    typing: "Typing",
    ai: "AI",
    ai_assistant: "AI assistant",
    status_connecting: "Connecting you with our team…",
    status_waiting: "Waiting for a teammate",
    status_human: "{name} · Support team",
    status_closed: "Conversation closed",
    connecting: "Connecting you with our team…",
    team_notified_in: "Our team has your conversation and usually replies within {n} minutes.",
    team_notified: "Our team has your conversation and will reply here.",
    handoff_failed: "We couldn't reach our team just now. Leave your email and we'll get back to you.",
    joined: "{name} joined the conversation",
    closed: "This conversation has been closed.",
    reopened: "The conversation was reopened.",
    new_conversation: "Start a new conversation",
    rate_question: "How was this conversation?",
    good: "Good",
    bad: "Bad",
    rating_comment: "Anything to add? (optional)",
    rated: "Thanks for your rating!",
    unread: "{n} unread messages",
    close_preview: "Close preview",
    your_email: "Your email",
    email_prompt: "Leave your email so our team can follow up:",
    save_email: "Save",
    email_saved: "Thanks! We'll reply to {email}.",
    email_invalid: "That doesn't look like an email address.",
};

/// French.
pub const FR: Texts = Texts {
    lang: "fr",
    open_chat: "Ouvrir le chat",
    close_chat: "Fermer le chat",
    chat_with: "Discuter avec {company}",
    message: "Message",
    write_a_message: "Écrivez un message…",
    send: "Envoyer",
    sending: "Envoi…",
    delivered: "Distribué",
    seen: "Vu",
    yesterday: "Hier",
    tomorrow: "demain",
    away_until: "Notre équipe est absente jusqu'à {time} et vous répondra ici.",
    not_sent: "Non envoyé.",
    retry: "Réessayer",
    attach_file: "Joindre un fichier",
    remove_file: "Retirer",
    file_refused:
        "Seules les images (PNG, JPEG, GIF, WebP) et les PDF de 10 Mo au plus peuvent être envoyés.",
    messages: "Messages",
    new_messages: "Nouveaux messages",
    offline: "Vous êtes hors ligne. Reconnexion…",
    typing: "En train d'écrire",
    ai: "IA",
    ai_assistant: "Assistant IA",
    status_connecting: "Nous vous mettons en relation avec notre équipe…",
    status_waiting: "En attente d'un conseiller",
    status_human: "{name} · Équipe support",
    status_closed: "Conversation terminée",
    connecting: "Nous vous mettons en relation avec notre équipe…",
    team_notified_in: "Notre équipe a reçu votre conversation et répond en général sous {n} minutes.",
    team_notified: "Notre équipe a reçu votre conversation et vous répondra ici.",
    handoff_failed:
        "Nous n'avons pas pu joindre notre équipe. Laissez votre e-mail et nous reviendrons vers vous.",
    joined: "{name} a rejoint la conversation",
    closed: "Cette conversation est terminée.",
    reopened: "La conversation a été rouverte.",
    new_conversation: "Démarrer une nouvelle conversation",
    rate_question: "Comment s'est passée cette conversation ?",
    good: "Bien",
    bad: "Pas bien",
    rating_comment: "Un commentaire ? (facultatif)",
    rated: "Merci pour votre avis !",
    unread: "{n} messages non lus",
    close_preview: "Fermer l'aperçu",
    your_email: "Votre e-mail",
    email_prompt: "Laissez votre e-mail pour que notre équipe puisse vous répondre :",
    save_email: "Enregistrer",
    email_saved: "Merci ! Nous répondrons à {email}.",
    email_invalid: "Cette adresse e-mail ne semble pas valide.",
};

/// Spanish.
pub const ES: Texts = Texts {
    lang: "es",
    open_chat: "Abrir el chat",
    close_chat: "Cerrar el chat",
    chat_with: "Chatear con {company}",
    message: "Mensaje",
    write_a_message: "Escribe un mensaje…",
    send: "Enviar",
    sending: "Enviando…",
    delivered: "Entregado",
    seen: "Visto",
    yesterday: "Ayer",
    tomorrow: "mañana",
    away_until: "Nuestro equipo no está disponible hasta {time} y te responderá aquí.",
    not_sent: "No enviado.",
    retry: "Reintentar",
    attach_file: "Adjuntar un archivo",
    remove_file: "Quitar",
    file_refused: "Solo se pueden enviar imágenes (PNG, JPEG, GIF, WebP) y PDF de hasta 10 MB.",
    messages: "Mensajes",
    new_messages: "Mensajes nuevos",
    offline: "Sin conexión. Reconectando…",
    typing: "Escribiendo",
    ai: "IA",
    ai_assistant: "Asistente de IA",
    status_connecting: "Te estamos poniendo en contacto con nuestro equipo…",
    status_waiting: "Esperando a un agente",
    status_human: "{name} · Equipo de soporte",
    status_closed: "Conversación cerrada",
    connecting: "Te estamos poniendo en contacto con nuestro equipo…",
    team_notified_in: "Nuestro equipo tiene tu conversación y suele responder en {n} minutos.",
    team_notified: "Nuestro equipo tiene tu conversación y te responderá aquí.",
    handoff_failed: "No hemos podido contactar con nuestro equipo. Déjanos tu correo y te responderemos.",
    joined: "{name} se ha unido a la conversación",
    closed: "Esta conversación se ha cerrado.",
    reopened: "La conversación se ha reabierto.",
    new_conversation: "Iniciar una nueva conversación",
    rate_question: "¿Qué tal fue esta conversación?",
    good: "Bien",
    bad: "Mal",
    rating_comment: "¿Algo que añadir? (opcional)",
    rated: "¡Gracias por tu valoración!",
    unread: "{n} mensajes sin leer",
    close_preview: "Cerrar la vista previa",
    your_email: "Tu correo electrónico",
    email_prompt: "Déjanos tu correo para que nuestro equipo pueda responderte:",
    save_email: "Guardar",
    email_saved: "¡Gracias! Responderemos a {email}.",
    email_invalid: "No parece una dirección de correo válida.",
};

/// German.
pub const DE: Texts = Texts {
    lang: "de",
    open_chat: "Chat öffnen",
    close_chat: "Chat schließen",
    chat_with: "Chat mit {company}",
    message: "Nachricht",
    write_a_message: "Nachricht schreiben…",
    send: "Senden",
    sending: "Wird gesendet…",
    delivered: "Zugestellt",
    seen: "Gesehen",
    yesterday: "Gestern",
    tomorrow: "morgen",
    away_until: "Unser Team ist bis {time} nicht erreichbar und antwortet Ihnen dann hier.",
    not_sent: "Nicht gesendet.",
    retry: "Erneut versuchen",
    attach_file: "Datei anhängen",
    remove_file: "Entfernen",
    file_refused: "Nur Bilder (PNG, JPEG, GIF, WebP) und PDFs bis 10 MB können gesendet werden.",
    messages: "Nachrichten",
    new_messages: "Neue Nachrichten",
    offline: "Sie sind offline. Verbindung wird wiederhergestellt…",
    typing: "Schreibt",
    ai: "KI",
    ai_assistant: "KI-Assistent",
    status_connecting: "Wir verbinden Sie mit unserem Team…",
    status_waiting: "Warten auf einen Mitarbeiter",
    status_human: "{name} · Support-Team",
    status_closed: "Unterhaltung beendet",
    connecting: "Wir verbinden Sie mit unserem Team…",
    team_notified_in: "Unser Team hat Ihre Unterhaltung und antwortet meist innerhalb von {n} Minuten.",
    team_notified: "Unser Team hat Ihre Unterhaltung und antwortet Ihnen hier.",
    handoff_failed:
        "Wir konnten unser Team gerade nicht erreichen. Hinterlassen Sie Ihre E-Mail, wir melden uns.",
    joined: "{name} ist der Unterhaltung beigetreten",
    closed: "Diese Unterhaltung wurde beendet.",
    reopened: "Die Unterhaltung wurde wieder geöffnet.",
    new_conversation: "Neue Unterhaltung beginnen",
    rate_question: "Wie war diese Unterhaltung?",
    good: "Gut",
    bad: "Schlecht",
    rating_comment: "Noch etwas? (optional)",
    rated: "Danke für Ihre Bewertung!",
    unread: "{n} ungelesene Nachrichten",
    close_preview: "Vorschau schließen",
    your_email: "Ihre E-Mail",
    email_prompt: "Hinterlassen Sie Ihre E-Mail, damit unser Team antworten kann:",
    save_email: "Speichern",
    email_saved: "Danke! Wir antworten an {email}.",
    email_invalid: "Das sieht nicht wie eine E-Mail-Adresse aus.",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_locale_picks_the_table_and_unknown_ones_fall_back_to_english() {
        assert_eq!(Texts::for_locale("fr-CA").lang, "fr");
        assert_eq!(Texts::for_locale("FR").lang, "fr");
        assert_eq!(Texts::for_locale("de-DE").lang, "de");
        assert_eq!(Texts::for_locale("es_MX").lang, "es");
        assert_eq!(Texts::for_locale("it-IT").lang, "en");
        assert_eq!(Texts::for_locale("").lang, "en");
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(EN.joined("Ana"), "Ana joined the conversation");
        assert_eq!(
            FR.team_notified(Some(5)),
            "Notre équipe a reçu votre conversation et répond en général sous 5 minutes."
        );
        assert_eq!(EN.team_notified(None), EN.team_notified);
        assert_eq!(EN.unread(3), "3 unread messages");
    }

    #[test]
    fn every_table_has_every_text_and_keeps_its_placeholders() {
        for table in TABLES {
            let debug = format!("{table:?}");
            assert!(!debug.contains(": \"\""), "{} has an empty text", table.lang);
            assert!(table.chat_with.contains("{company}") && table.joined.contains("{name}"));
            assert!(table.team_notified_in.contains("{n}") && table.unread.contains("{n}"));
            assert!(table.email_saved.contains("{email}") && table.status_human.contains("{name}"));
            assert!(table.away_until.contains("{time}"));
        }
    }
}
