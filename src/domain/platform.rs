//! The platform directory: who takes notices how, and which entry serves a piece of content.

use super::notice::{ContactChannel, Route};
use super::Millis;

#[derive(Debug, Clone, PartialEq)]
pub struct PlatformEntry {
    pub id: i64,
    /// `tiktok`, `x`, … for the platforms meldpunt recognises; a slug for others.
    pub key: String,
    pub name: String,
    /// Registrable domains, separated by spaces.
    pub hosts: String,
    pub channel: ContactChannel,
    pub contact_email: Option<String>,
    pub web_form_url: Option<String>,
    /// Languages the platform declared for notices (`nl en`).
    pub languages: String,
    pub notes: Option<String>,
    pub updated_at: Millis,
}

impl PlatformEntry {
    /// Where a message to this platform goes, or `None` when it has no contact point.
    pub fn route(&self) -> Option<Route> {
        Route::to_platform(
            self.channel,
            self.contact_email.as_deref(),
            self.web_form_url.as_deref(),
            &self.name,
        )
    }

    pub fn serves(&self, domain: &str) -> bool {
        self.hosts
            .split_whitespace()
            .any(|h| domain == h || domain.ends_with(&format!(".{h}")))
    }
}

/// The entry for content on `platform_key` at `domain`: by key first, else by host.
pub fn pick<'a>(
    entries: &'a [PlatformEntry],
    platform_key: &str,
    domain: &str,
) -> Option<&'a PlatformEntry> {
    entries
        .iter()
        .find(|p| p.key == platform_key)
        .or_else(|| entries.iter().find(|p| p.serves(domain)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::notice::NoticeChannel;

    fn entry(
        key: &str,
        hosts: &str,
        channel: ContactChannel,
        email: Option<&str>,
    ) -> PlatformEntry {
        PlatformEntry {
            id: 1,
            key: key.into(),
            name: "Voorbeeld".into(),
            hosts: hosts.into(),
            channel,
            contact_email: email.map(str::to_string),
            web_form_url: None,
            languages: "nl en".into(),
            notes: None,
            updated_at: 0,
        }
    }

    #[test]
    fn an_entry_is_picked_by_key_first_then_by_host() {
        let all = [
            entry("other", "tiktok.com", ContactChannel::Unconfigured, None),
            entry("tiktok", "example.org", ContactChannel::Unconfigured, None),
        ];
        assert_eq!(pick(&all, "tiktok", "vm.tiktok.com").unwrap().key, "tiktok");
        assert_eq!(pick(&all, "unknown", "vm.tiktok.com").unwrap().key, "other");
        assert!(pick(&all, "unknown", "nottiktok.com").is_none());
    }

    #[test]
    fn only_a_configured_contact_point_gives_a_route() {
        let e = entry("x", "x.com", ContactChannel::Email, Some(" dsa@x.example "));
        assert_eq!(
            e.route(),
            Some(Route {
                channel: NoticeChannel::Email,
                recipient: "dsa@x.example".into()
            })
        );
        for empty in [None, Some(""), Some("  ")] {
            assert_eq!(
                entry("x", "x.com", ContactChannel::Email, empty).route(),
                None
            );
        }
        assert_eq!(
            entry("x", "x.com", ContactChannel::Unconfigured, None).route(),
            None
        );
        let web = entry("x", "x.com", ContactChannel::WebForm, None);
        assert_eq!(
            web.route().map(|r| (r.channel, r.recipient)),
            Some((NoticeChannel::WebForm, "Voorbeeld".into()))
        );
    }
}
