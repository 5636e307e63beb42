//! What may be in a text people type: no hidden characters. A NUL, another control
//! character (except tab and line breaks, which text areas hold), DEL or a bidirectional
//! override can make stored text show differently from what it is (`U+202E` turns
//! `lmth.exe` around) or break the systems it is passed on to (review L7).

/// A character that reorders text on screen (U+202A–U+202E, U+2066–U+2069) or is an
/// invisible direction mark (U+200E, U+200F, U+061C).
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
    )
}

/// A character no typed text needs: a control character other than tab, line feed and
/// carriage return (C0, DEL, C1), a bidirectional control, or a byte order mark.
pub fn is_hidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || is_bidi_control(c) || c == '\u{FEFF}'
}

/// Whether `s` holds a hidden character.
pub fn has_hidden(s: &str) -> bool {
    s.chars().any(is_hidden)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_are_found_and_ordinary_text_is_not() {
        for bad in [
            "a\0b",
            "a\u{7f}",
            "a\u{85}",
            "\u{202E}lmth.exe",
            "a\u{1b}[31m",
            "\u{feff}x",
            "a\u{2066}b",
        ] {
            assert!(has_hidden(bad), "{bad:?}");
        }
        for ok in [
            "Kom allemaal!\nOm 20:00\tbij de Dam",
            "Ümit Öztürk — café",
            "مرحبا",
            "🎉",
        ] {
            assert!(!has_hidden(ok), "{ok:?}");
        }
    }
}
