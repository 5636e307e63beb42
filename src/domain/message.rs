//! A message for a person — why a request was refused, what a field needs — as a kind (a
//! stable key) with its fields. The domain and the use cases say *what* happened; the web
//! layer words it in the person's language (`web::i18n::MESSAGES`, Dutch and English), so
//! no Dutch prose travels through the layers and an English page never shows a Dutch error.
//!
//! Keys are dotted (`case.transition_refused`, `notice.no_contact_point`); `{name}` in a
//! text stands for the field `name`.

use std::fmt;

/// A kind of message and its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub key: &'static str,
    pub args: Vec<(&'static str, Arg)>,
}

/// A field of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// The same in every language: a name, a reference, a number, an address.
    Text(String),
    /// A label from a closed vocabulary, in Dutch and in English.
    Label { nl: &'static str, en: &'static str },
    /// Another message, worded in the same language (a link's own error inside a report's).
    Message(Box<Message>),
}

impl Message {
    pub const fn new(key: &'static str) -> Message {
        Message {
            key,
            args: Vec::new(),
        }
    }

    /// Adds a field shown as is.
    pub fn with(mut self, name: &'static str, value: impl fmt::Display) -> Message {
        self.args.push((name, Arg::Text(value.to_string())));
        self
    }

    /// Adds a field that is a vocabulary label.
    pub fn label(mut self, name: &'static str, nl: &'static str, en: &'static str) -> Message {
        self.args.push((name, Arg::Label { nl, en }));
        self
    }

    /// Adds a field that is itself a message.
    pub fn nested(mut self, name: &'static str, inner: Message) -> Message {
        self.args.push((name, Arg::Message(Box::new(inner))));
        self
    }

    /// `text` with the fields filled in: `en` chooses English labels, and `word` words a
    /// nested message in the same language.
    pub fn fill(&self, text: &str, en: bool, word: &dyn Fn(&Message) -> String) -> String {
        let mut out = text.to_string();
        for (name, value) in &self.args {
            let value = match value {
                Arg::Text(t) => t.clone(),
                Arg::Label { nl, en: english } => if en { english } else { nl }.to_string(),
                Arg::Message(inner) => word(inner),
            };
            out = out.replace(&format!("{{{name}}}"), &value);
        }
        out
    }
}

/// For logs and the audit trail: the key and its fields, in no person's language.
impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key)?;
        for (name, value) in &self.args {
            match value {
                Arg::Text(t) => write!(f, " {name}={t:?}")?,
                Arg::Label { en, .. } => write!(f, " {name}={en:?}")?,
                Arg::Message(inner) => write!(f, " {name}=({inner})")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_filled_in_the_chosen_language() {
        let m = Message::new("x")
            .with("name", "TikTok")
            .label("status", "Ontvangen", "Received");
        let word = |_: &Message| String::new();
        assert_eq!(
            m.fill("{name}: {status}", false, &word),
            "TikTok: Ontvangen"
        );
        assert_eq!(m.fill("{name}: {status}", true, &word), "TikTok: Received");
        assert_eq!(m.to_string(), "x name=\"TikTok\" status=\"Received\"");
    }
}
