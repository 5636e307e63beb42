//! Access requests (GDPR art. 15): whose data a request is about, how the account a link
//! belongs to is recognised, and what is redacted in the copy.
//!
//! A person whose content was reported is found by their account on a platform (a handle
//! or a link to the account or to one of its posts), or — for a link that names no account,
//! such as a website's page — by that exact link. Matching is exact on the account: a
//! word search would also find other people's posts that mention the name.

use super::link::{canonicalise, LinkError, Platform};
use super::message::Message;
use super::user::Email;

/// Shown instead of a name or address of somebody else than the person asking.
pub const REDACTED: &str = "[afgeschermd]";

/// The longest handle accepted (platforms allow at most 30–100 characters).
const MAX_HANDLE_CHARS: usize = 100;

/// An account on a platform, as its links name it. The name is lower-cased: the platforms
/// whose links carry an account treat handles case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub platform: Platform,
    pub name: String,
}

impl Account {
    /// `@name` on the platform, as people write it.
    pub fn display(&self) -> String {
        format!("@{} ({})", self.name, self.platform.label())
    }

    /// An account from a handle typed with its platform (`@feest.haren` on TikTok).
    pub fn from_handle(platform: Platform, handle: &str) -> Result<Account, SubjectError> {
        if host_of(platform).is_none() {
            return Err(SubjectError::PlatformWithoutAccounts);
        }
        let name = handle.trim().trim_start_matches('@');
        if name.is_empty()
            || name.chars().count() > MAX_HANDLE_CHARS
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(SubjectError::InvalidHandle);
        }
        Ok(Account {
            platform,
            name: name.to_ascii_lowercase(),
        })
    }
}

/// The host of a platform's canonical links, for the platforms whose links name an account.
fn host_of(platform: Platform) -> Option<&'static str> {
    Some(match platform {
        Platform::X => "x.com",
        Platform::TikTok => "tiktok.com",
        Platform::Instagram => "instagram.com",
        Platform::Threads => "threads.com",
        Platform::YouTube => "youtube.com",
        Platform::Telegram => "t.me",
        Platform::Facebook => "facebook.com",
        Platform::Twitch => "twitch.tv",
        Platform::Kick => "kick.com",
        Platform::Reddit => "reddit.com",
        Platform::Vk => "vk.com",
        Platform::Snapchat => "snapchat.com",
        Platform::Rumble => "rumble.com",
        Platform::Discord | Platform::WhatsApp | Platform::Website => return None,
    })
}

/// The platforms a handle can be looked up on.
pub fn platforms_with_accounts() -> impl Iterator<Item = Platform> {
    Platform::ALL.into_iter().filter(|p| host_of(*p).is_some())
}

/// First path segments that are a platform's own pages, not an account.
fn reserved(platform: Platform, segment: &str) -> bool {
    let words: &[&str] = match platform {
        Platform::X => &[
            "i",
            "home",
            "search",
            "explore",
            "hashtag",
            "intent",
            "share",
            "settings",
            "messages",
            "notifications",
        ],
        Platform::Instagram => &["p", "reel", "reels", "tv", "explore", "accounts", "direct"],
        Platform::Telegram => &["joinchat", "addstickers", "share", "proxy"],
        Platform::Facebook => &[
            "events",
            "groups",
            "watch",
            "story.php",
            "permalink.php",
            "photo.php",
            "photo",
            "photos",
            "share",
            "reel",
            "sharer",
            "sharer.php",
            "hashtag",
            "marketplace",
            "login",
            "profile.php",
        ],
        Platform::Twitch => &["videos", "directory"],
        Platform::Vk => &["wall", "video", "photo", "feed"],
        _ => &[],
    };
    words.contains(&segment) || segment.starts_with('+')
}

/// The account a canonical link belongs to, if its platform's links name one: the author of
/// `https://x.com/feestbaas/status/1`, `https://tiktok.com/@feest.haren/video/7`,
/// `https://t.me/kanaal/12`, … A link to content alone (`instagram.com/p/…`,
/// `youtube.com/watch?v=…`, a website) names none.
pub fn account_of(canonical_url: &str) -> Option<Account> {
    let url = url::Url::parse(canonical_url).ok()?;
    let host = url.host_str()?;
    let platform = platforms_with_accounts().find(|p| host_of(*p) == Some(host))?;
    let segments: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|x| !x.is_empty()).collect())
        .unwrap_or_default();
    let first = *segments.first()?;
    let second = segments.get(1).copied();
    let name = match platform {
        Platform::TikTok | Platform::Threads | Platform::YouTube => {
            match (first.strip_prefix('@'), platform, second) {
                (Some(handle), _, _) => handle,
                (None, Platform::YouTube, Some(id)) if matches!(first, "c" | "user") => id,
                _ => return None,
            }
        }
        Platform::Instagram if first == "stories" => second?,
        Platform::Reddit | Platform::Rumble => match (first, second) {
            ("user" | "u" | "c", Some(name)) => name,
            _ => return None,
        },
        Platform::Snapchat => match (first, second) {
            ("add", Some(name)) => name,
            _ => first.strip_prefix('@')?,
        },
        _ if reserved(platform, first) => return None,
        _ => first,
    };
    Account::from_handle(platform, name).ok()
}

/// Whose data an access request is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A member of staff, by the e-mail address of their account.
    Staff(Email),
    /// A person whose content was reported, by their account on a platform.
    Account(Account),
    /// Content whose link names no account (a website's page): that exact link.
    Link(String),
}

/// How the person is looked up, as the form offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectKind {
    Staff,
    Content,
}

impl SubjectKind {
    pub fn parse(s: &str) -> Option<SubjectKind> {
        match s {
            "staff" => Some(SubjectKind::Staff),
            "content" => Some(SubjectKind::Content),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Staff => "staff",
            SubjectKind::Content => "content",
        }
    }
}

/// Why a request cannot be looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectError {
    NoKind,
    Empty,
    InvalidEmail,
    InvalidHandle,
    /// A handle without a platform, or on a platform whose links name no account.
    PlatformWithoutAccounts,
    Link(LinkError),
}

impl SubjectError {
    /// The form field the error belongs to.
    pub fn field(self) -> &'static str {
        match self {
            SubjectError::NoKind => "kind",
            SubjectError::PlatformWithoutAccounts => "platform",
            _ => "value",
        }
    }

    pub fn message(self) -> Message {
        match self {
            SubjectError::NoKind => Message::new("access_request.no_kind"),
            SubjectError::Empty => Message::new("access_request.empty"),
            SubjectError::InvalidEmail => Message::new("access_request.invalid_email"),
            SubjectError::InvalidHandle => Message::new("access_request.invalid_handle"),
            SubjectError::PlatformWithoutAccounts => Message::new("access_request.platform_needed"),
            SubjectError::Link(e) => e.message(),
        }
    }
}

impl Subject {
    /// Reads the request form: the kind of person, what identifies them, and for a handle
    /// its platform.
    pub fn parse(kind: &str, value: &str, platform: &str) -> Result<Subject, SubjectError> {
        let kind = SubjectKind::parse(kind).ok_or(SubjectError::NoKind)?;
        let value = value.trim();
        if value.is_empty() {
            return Err(SubjectError::Empty);
        }
        match kind {
            SubjectKind::Staff => Email::parse(value)
                .map(Subject::Staff)
                .map_err(|_| SubjectError::InvalidEmail),
            SubjectKind::Content => {
                if value.starts_with('@') || !value.contains(['.', '/']) {
                    let platform =
                        Platform::parse(platform).ok_or(SubjectError::PlatformWithoutAccounts)?;
                    return Account::from_handle(platform, value).map(Subject::Account);
                }
                let link = canonicalise(value).map_err(SubjectError::Link)?;
                Ok(match account_of(&link.url) {
                    Some(account) => Subject::Account(account),
                    None => Subject::Link(link.url),
                })
            }
        }
    }

    /// Whether a case's content belongs to this person: the account its link names is
    /// theirs, or it is the very link asked about. Staff are not found by content.
    pub fn owns_content(&self, canonical_url: &str) -> bool {
        match self {
            Subject::Staff(_) => false,
            Subject::Account(account) => account_of(canonical_url).as_ref() == Some(account),
            Subject::Link(url) => url == canonical_url,
        }
    }

    /// How the person was looked up, for the page and the export.
    pub fn describe(&self) -> String {
        match self {
            Subject::Staff(email) => email.as_str().to_string(),
            Subject::Account(account) => account.display(),
            Subject::Link(url) => url.clone(),
        }
    }

    pub fn kind(&self) -> SubjectKind {
        match self {
            Subject::Staff(_) => SubjectKind::Staff,
            Subject::Account(_) | Subject::Link(_) => SubjectKind::Content,
        }
    }
}

/// What of staff names stays in a copy: only the person's own (a member of staff asking
/// about themselves); everyone else's name and address is redacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Redaction {
    pub own_user_id: Option<i64>,
}

impl Redaction {
    /// A member of staff's name or address, or [`REDACTED`] when it is not the person's own.
    pub fn staff(&self, user_id: Option<i64>, value: &str) -> String {
        if user_id.is_some() && user_id == self.own_user_id {
            value.to_string()
        } else {
            REDACTED.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(platform: Platform, name: &str) -> Option<Account> {
        Some(Account {
            platform,
            name: name.into(),
        })
    }

    #[test]
    fn the_account_a_link_names_is_recognised_on_each_platform() {
        let cases = [
            (
                "https://x.com/FeestBaas/status/1",
                account(Platform::X, "feestbaas"),
            ),
            ("https://x.com/feestbaas", account(Platform::X, "feestbaas")),
            ("https://x.com/i/status/1", None),
            ("https://x.com/search?q=feest", None),
            (
                "https://tiktok.com/@feest.haren/video/7301234567890123456",
                account(Platform::TikTok, "feest.haren"),
            ),
            ("https://tiktok.com/t/ZGabc", None),
            ("https://instagram.com/p/Cxyz", None),
            (
                "https://instagram.com/feest_haren",
                account(Platform::Instagram, "feest_haren"),
            ),
            (
                "https://instagram.com/stories/feest_haren/123",
                account(Platform::Instagram, "feest_haren"),
            ),
            ("https://youtube.com/watch?v=dQw4w9WgXcQ", None),
            (
                "https://youtube.com/@Kanaal",
                account(Platform::YouTube, "kanaal"),
            ),
            (
                "https://t.me/oproepkanaal/12",
                account(Platform::Telegram, "oproepkanaal"),
            ),
            ("https://t.me/+AbCdEf", None),
            ("https://facebook.com/events/123", None),
            (
                "https://facebook.com/feestpagina/posts/9",
                account(Platform::Facebook, "feestpagina"),
            ),
            ("https://reddit.com/r/netherlands/comments/1", None),
            (
                "https://reddit.com/user/Jan_B",
                account(Platform::Reddit, "jan_b"),
            ),
            (
                "https://threads.com/@jan/post/1",
                account(Platform::Threads, "jan"),
            ),
            ("https://example.nl/oproep", None),
            ("https://discord.com/invite/abc", None),
        ];
        for (url, expected) in cases {
            assert_eq!(account_of(url), expected, "{url}");
        }
    }

    #[test]
    fn a_link_to_a_post_finds_the_account_and_only_that_account() {
        let s =
            Subject::parse("content", "https://twitter.com/FeestBaas/status/1?s=20", "").unwrap();
        assert_eq!(
            s,
            Subject::Account(account(Platform::X, "feestbaas").unwrap())
        );
        assert!(s.owns_content("https://x.com/feestbaas/status/99"));
        assert!(s.owns_content("https://x.com/FEESTBAAS"));
        // Another account whose name contains this one, or a post mentioning it, is not theirs.
        assert!(!s.owns_content("https://x.com/feestbaas2/status/1"));
        assert!(!s.owns_content("https://x.com/ander/status/1?feestbaas"));
        assert!(!s.owns_content("https://tiktok.com/@feestbaas/video/1"));
    }

    #[test]
    fn a_handle_needs_its_platform_and_a_website_link_is_matched_exactly() {
        assert_eq!(
            Subject::parse("content", "@feest.haren", ""),
            Err(SubjectError::PlatformWithoutAccounts)
        );
        assert_eq!(
            Subject::parse("content", "@feest.haren", "website"),
            Err(SubjectError::PlatformWithoutAccounts)
        );
        assert_eq!(
            Subject::parse("content", "@feest haren", "tiktok"),
            Err(SubjectError::InvalidHandle)
        );
        assert_eq!(
            Subject::parse("content", "@Feest.Haren", "tiktok"),
            Ok(Subject::Account(
                account(Platform::TikTok, "feest.haren").unwrap()
            ))
        );
        let page =
            Subject::parse("content", "https://www.example.nl/oproep?utm_source=x", "").unwrap();
        assert_eq!(page, Subject::Link("https://example.nl/oproep".into()));
        assert!(page.owns_content("https://example.nl/oproep"));
        assert!(!page.owns_content("https://example.nl/oproep/2"));
    }

    #[test]
    fn staff_are_found_by_a_valid_address_only() {
        assert_eq!(
            Subject::parse("staff", "geen-adres", ""),
            Err(SubjectError::InvalidEmail)
        );
        assert_eq!(Subject::parse("staff", "  ", ""), Err(SubjectError::Empty));
        assert_eq!(Subject::parse("", "a@b.nl", ""), Err(SubjectError::NoKind));
        let s = Subject::parse("staff", "Melder@Amsterdam.nl", "").unwrap();
        assert_eq!(s.kind(), SubjectKind::Staff);
        assert!(!s.owns_content("https://x.com/melder"));
    }

    #[test]
    fn only_the_persons_own_name_survives_redaction() {
        let own = Redaction {
            own_user_id: Some(7),
        };
        assert_eq!(own.staff(Some(7), "Jan Jansen"), "Jan Jansen");
        assert_eq!(own.staff(Some(8), "Piet Pietersen"), REDACTED);
        assert_eq!(own.staff(None, "cli"), REDACTED);
        let none = Redaction { own_user_id: None };
        assert_eq!(none.staff(None, "x"), REDACTED);
        assert_eq!(none.staff(Some(7), "Jan Jansen"), REDACTED);
    }
}
