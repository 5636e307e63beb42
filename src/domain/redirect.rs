//! Where meldpunt may send a person back to after a form (`terug`): a path on this site
//! only. A target with a control or bidirectional-override character is refused (a browser
//! drops a tab or newline and may then read `/\t/evil.example` as `//evil.example`); any
//! other target that does not stay on this site after the URL normalisation a browser
//! applies leads to the start page.

use super::message::Message;
use super::text::is_hidden;

/// The longest target accepted.
const MAX_TARGET: usize = 2000;

/// A target that cannot be followed at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetRefused {
    /// A control character (tab, newline, NUL, DEL, …) or a bidirectional override.
    ControlCharacter,
}

impl TargetRefused {
    pub fn message(self) -> Message {
        Message::new("web.redirect_control_character")
    }
}

/// The path (with its query) to go back to: `target` when it stays on this site, `/` when
/// it would leave it or is no path, refused when it holds a control character.
pub fn local_target(target: &str) -> Result<String, TargetRefused> {
    // Unlike typed text, a path holds no tab or line break either.
    if target.chars().any(|c| c.is_control() || is_hidden(c)) {
        return Err(TargetRefused::ControlCharacter);
    }
    if !target.starts_with('/') || target.len() > MAX_TARGET || target.contains('\\') {
        return Ok("/".into());
    }
    // Resolve it as a browser would, against a stand-in origin, and keep it only when the
    // origin did not change.
    let Ok(base) = url::Url::parse("https://meldpunt.invalid/") else {
        return Ok("/".into());
    };
    match base.join(target) {
        Ok(u) if u.origin() == base.origin() && !target.starts_with("//") => {
            let mut path = u.path().to_string();
            if let Some(q) = u.query() {
                path.push('?');
                path.push_str(q);
            }
            Ok(path)
        }
        _ => Ok("/".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_on_this_site_are_kept_and_others_lead_home() {
        assert_eq!(local_target("/account").unwrap(), "/account");
        assert_eq!(
            local_target("/aanmelden?afgemeld=1").unwrap(),
            "/aanmelden?afgemeld=1"
        );
        assert_eq!(local_target("/zaken/../audit").unwrap(), "/audit");
        for foreign in [
            "//evil.example/x",
            "https://evil.example/",
            "/\\evil.example",
            "evil.example",
            "",
            "javascript:alert(1)",
            "/%2F%2Fevil.example",
        ] {
            let to = local_target(foreign).unwrap();
            assert!(
                to.starts_with('/') && !to.starts_with("//"),
                "{foreign} → {to}"
            );
        }
    }

    #[test]
    fn control_and_bidi_characters_are_refused_not_followed() {
        for bad in [
            "/\t/evil.example",
            "/a\r\nSet-Cookie: x=1",
            "/a\nb",
            "/a\0",
            "/a\u{7f}",
            "/a\u{85}",
            "/\u{202E}lmth.x",
        ] {
            assert_eq!(
                local_target(bad),
                Err(TargetRefused::ControlCharacter),
                "{bad:?}"
            );
        }
    }
}
