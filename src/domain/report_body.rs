//! How large a report sent through the API may be, counted while its body arrives (review
//! finding L2).
//!
//! A report's JSON body holds text (links, remarks, a summary …) and, optionally, evidence
//! as base64 in `bewijs[i].inhoud`. The two have their own bounds: the text at most
//! [`MAX_TEXT_BYTES`] — more than the longest valid report needs —, the evidence at most what
//! the configured evidence limit allows. [`BodyBudget`] is fed the body chunk by chunk and
//! says as soon as either bound is passed, so a body of text without files is cut off after
//! about a megabyte instead of being read to the end. It does not validate JSON: the parser
//! does that once the body is in. Anything it cannot place (an escaped key, unusual nesting)
//! counts as text, so it can only ever count too little evidence, never too much.

/// The most text bytes a report body may carry besides its evidence. The longest valid
/// report (every field at its maximum, every character four bytes of UTF-8) needs about
/// 0.9 MB; `tests/it/intake.rs` sends one.
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;

/// Nesting beyond this depth is not looked into (a report goes three deep at most).
const TRACKED_DEPTH: usize = 3;

/// The bounds of one body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub text_bytes: usize,
    pub evidence_bytes: usize,
}

impl Limits {
    /// The bounds for a report whose files together may hold `evidence_total` bytes:
    /// base64 makes four characters of every three bytes, plus padding per file.
    pub fn for_report(evidence_total: usize, max_files: usize) -> Limits {
        Limits {
            text_bytes: MAX_TEXT_BYTES,
            evidence_bytes: evidence_total.div_ceil(3).saturating_mul(4) + 4 * max_files,
        }
    }

    /// The most a body may declare in its Content-Length.
    pub fn total(&self) -> usize {
        self.text_bytes.saturating_add(self.evidence_bytes)
    }
}

/// Which bound a body passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exceeded {
    Text,
    Evidence,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Evidence,
    Content,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    Object { expect_key: bool, key: Key },
    Array,
}

/// Counts a report body's text and evidence bytes as they arrive.
#[derive(Debug, Clone)]
pub struct BodyBudget {
    limits: Limits,
    text: usize,
    evidence: usize,
    /// The containers around the current position, outermost first, as far as tracked.
    frames: Vec<Frame>,
    /// How many containers deeper than the tracked ones the position is.
    untracked_depth: usize,
    in_string: bool,
    escaped: bool,
    string_is_key: bool,
    string_is_evidence: bool,
    key: Vec<u8>,
}

impl BodyBudget {
    pub fn new(limits: Limits) -> BodyBudget {
        BodyBudget {
            limits,
            text: 0,
            evidence: 0,
            frames: Vec::with_capacity(TRACKED_DEPTH),
            untracked_depth: 0,
            in_string: false,
            escaped: false,
            string_is_key: false,
            string_is_evidence: false,
            key: Vec::with_capacity(8),
        }
    }

    /// Counts the next part of the body; an error once a bound is passed.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), Exceeded> {
        for &b in chunk {
            if self.in_string {
                self.string_byte(b);
            } else {
                self.structural_byte(b);
            }
            if self.text > self.limits.text_bytes {
                return Err(Exceeded::Text);
            }
            if self.evidence > self.limits.evidence_bytes {
                return Err(Exceeded::Evidence);
            }
        }
        Ok(())
    }

    fn string_byte(&mut self, b: u8) {
        let closes = !self.escaped && b == b'"';
        if self.string_is_evidence && !closes {
            self.evidence += 1;
        } else {
            self.text += 1;
        }
        if self.escaped {
            self.escaped = false;
            self.key_overflows();
        } else if b == b'\\' {
            self.escaped = true;
            self.key_overflows();
        } else if closes {
            self.in_string = false;
            if self.string_is_key {
                let key = match self.key.as_slice() {
                    b"bewijs" => Key::Evidence,
                    b"inhoud" => Key::Content,
                    _ => Key::Other,
                };
                if let Some(Frame::Object { key: k, .. }) = self.top_tracked() {
                    *k = key;
                }
            }
        } else if self.string_is_key && self.key.len() <= 8 {
            self.key.push(b);
        }
    }

    /// An escape in a key makes it unrecognisable (it then counts as any other key).
    fn key_overflows(&mut self) {
        if self.string_is_key {
            self.key.clear();
            self.key.extend_from_slice(b"\\escaped\\");
        }
    }

    fn structural_byte(&mut self, b: u8) {
        self.text += 1;
        match b {
            b'{' | b'[' => {
                let frame = if b == b'{' {
                    Frame::Object {
                        expect_key: true,
                        key: Key::Other,
                    }
                } else {
                    Frame::Array
                };
                if self.untracked_depth == 0 && self.frames.len() < TRACKED_DEPTH {
                    self.frames.push(frame);
                } else {
                    self.untracked_depth += 1;
                }
            }
            b'}' | b']' => {
                if self.untracked_depth > 0 {
                    self.untracked_depth -= 1;
                } else {
                    self.frames.pop();
                }
            }
            b':' => {
                if let Some(Frame::Object { expect_key, .. }) = self.top_tracked() {
                    *expect_key = false;
                }
            }
            b',' => {
                if let Some(Frame::Object { expect_key, key }) = self.top_tracked() {
                    *expect_key = true;
                    *key = Key::Other;
                }
            }
            b'"' => {
                self.in_string = true;
                self.escaped = false;
                self.key.clear();
                self.string_is_key = matches!(
                    self.top_tracked(),
                    Some(Frame::Object {
                        expect_key: true,
                        ..
                    })
                );
                self.string_is_evidence = !self.string_is_key
                    && self.untracked_depth == 0
                    && self.frames.as_slice()
                        == [
                            Frame::Object {
                                expect_key: false,
                                key: Key::Evidence,
                            },
                            Frame::Array,
                            Frame::Object {
                                expect_key: false,
                                key: Key::Content,
                            },
                        ];
            }
            _ => {}
        }
    }

    /// The innermost tracked container, unless the position is deeper than tracked.
    fn top_tracked(&mut self) -> Option<&mut Frame> {
        if self.untracked_depth > 0 {
            None
        } else {
            self.frames.last_mut()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: Limits = Limits {
        text_bytes: 100,
        evidence_bytes: 1_000,
    };

    fn feed_all(limits: Limits, body: &[u8], chunk: usize) -> Result<(), Exceeded> {
        let mut b = BodyBudget::new(limits);
        for part in body.chunks(chunk.max(1)) {
            b.feed(part)?;
        }
        Ok(())
    }

    #[test]
    fn evidence_counts_against_its_own_bound() {
        let big = "QUFB".repeat(200);
        let body = format!(
            r#"{{"links":[{{"url":"https://x.nl/a"}}],"bewijs":[{{"bestandsnaam":"a.png","inhoud":"{big}"}}]}}"#
        );
        assert_eq!(feed_all(SMALL, body.as_bytes(), 7), Ok(()));
        let too_big = "QUFB".repeat(300);
        let body = format!(r#"{{"bewijs":[{{"inhoud":"{too_big}"}}]}}"#);
        assert_eq!(feed_all(SMALL, body.as_bytes(), 7), Err(Exceeded::Evidence));
    }

    #[test]
    fn text_anywhere_else_counts_as_text() {
        let long = "a".repeat(200);
        for body in [
            format!(r#"{{"toelichting":"{long}"}}"#),
            // Named like evidence, but not in its place.
            format!(r#"{{"inhoud":"{long}"}}"#),
            format!(r#"{{"bewijs":[{{"bestandsnaam":"{long}"}}]}}"#),
            format!(r#"{{"bewijs":[[{{"inhoud":"{long}"}}]]}}"#),
            format!(r#"{{"x":{{"bewijs":[{{"inhoud":"{long}"}}]}}}}"#),
            // An escaped key is not recognised.
            format!(r#"{{"bew\u0069js":[{{"inhoud":"{long}"}}]}}"#),
            // Whitespace and numbers are text too.
            format!("{{\"a\":1{}}}", " ".repeat(200)),
        ] {
            assert_eq!(
                feed_all(SMALL, body.as_bytes(), 3),
                Err(Exceeded::Text),
                "{body}"
            );
        }
    }

    #[test]
    fn quotes_and_escapes_inside_strings_do_not_confuse_it() {
        // A summary that looks like the evidence key, with escaped quotes.
        let body = r#"{"toelichting":"\"bewijs\":[{\"inhoud\":\"","bewijs":[{"inhoud":"QUFB"}]}"#;
        let mut b = BodyBudget::new(SMALL);
        b.feed(body.as_bytes()).unwrap();
        assert_eq!(b.evidence, 4);
        // The evidence key after another key in the same object.
        let body =
            r#"{"bewijs":[{"link":1,"bestandsnaam":"a","inhoud":"QUFBQUFB"},{"inhoud":"QQ=="}]}"#;
        let mut b = BodyBudget::new(SMALL);
        b.feed(body.as_bytes()).unwrap();
        assert_eq!(b.evidence, 12);
    }

    #[test]
    fn chunk_boundaries_do_not_matter() {
        let body = r#"{"links":[{"url":"https://x.nl/\"a"}],"bewijs":[{"inhoud":"QUFBQUFB\/"}]}"#;
        let whole = {
            let mut b = BodyBudget::new(SMALL);
            b.feed(body.as_bytes()).unwrap();
            (b.text, b.evidence)
        };
        for size in 1..body.len() {
            let mut b = BodyBudget::new(SMALL);
            for part in body.as_bytes().chunks(size) {
                b.feed(part).unwrap();
            }
            assert_eq!((b.text, b.evidence), whole, "chunks of {size}");
        }
        assert_eq!(whole.0 + whole.1, body.len());
    }

    #[test]
    fn the_evidence_bound_follows_the_configured_file_limit() {
        let l = Limits::for_report(4 * 25_000_000, 10);
        assert_eq!(l.evidence_bytes, 133_333_336 + 40);
        assert_eq!(l.total(), l.evidence_bytes + MAX_TEXT_BYTES);
    }
}
