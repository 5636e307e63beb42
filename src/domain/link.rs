//! Links to online content: canonical form and platform.
//!
//! Reports of the same piece of content join one case, so two links that point at the
//! same content must canonicalise to the same text, whatever share link, mobile host or
//! tracking parameters the reporter copied. Canonicalisation is offline: short links
//! that only the platform can resolve (`vm.tiktok.com/…`) keep their own form.

use super::message::Message;
use url::Url;

/// The longest link meldpunt accepts (browsers and platforms stay well below this).
pub const MAX_LINK_LEN: usize = 2048;

/// Platforms meldpunt recognises; anything else is a website named by its domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    Facebook,
    Instagram,
    Threads,
    X,
    TikTok,
    YouTube,
    Telegram,
    Snapchat,
    Reddit,
    Discord,
    WhatsApp,
    Twitch,
    Kick,
    Rumble,
    Vk,
    Website,
}

impl Platform {
    pub const ALL: [Platform; 16] = [
        Platform::Facebook,
        Platform::Instagram,
        Platform::Threads,
        Platform::X,
        Platform::TikTok,
        Platform::YouTube,
        Platform::Telegram,
        Platform::Snapchat,
        Platform::Reddit,
        Platform::Discord,
        Platform::WhatsApp,
        Platform::Twitch,
        Platform::Kick,
        Platform::Rumble,
        Platform::Vk,
        Platform::Website,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Facebook => "facebook",
            Platform::Instagram => "instagram",
            Platform::Threads => "threads",
            Platform::X => "x",
            Platform::TikTok => "tiktok",
            Platform::YouTube => "youtube",
            Platform::Telegram => "telegram",
            Platform::Snapchat => "snapchat",
            Platform::Reddit => "reddit",
            Platform::Discord => "discord",
            Platform::WhatsApp => "whatsapp",
            Platform::Twitch => "twitch",
            Platform::Kick => "kick",
            Platform::Rumble => "rumble",
            Platform::Vk => "vk",
            Platform::Website => "website",
        }
    }

    pub fn parse(s: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The name people know (the same in Dutch and English), or "Website".
    pub fn label(self) -> &'static str {
        match self {
            Platform::Facebook => "Facebook",
            Platform::Instagram => "Instagram",
            Platform::Threads => "Threads",
            Platform::X => "X (Twitter)",
            Platform::TikTok => "TikTok",
            Platform::YouTube => "YouTube",
            Platform::Telegram => "Telegram",
            Platform::Snapchat => "Snapchat",
            Platform::Reddit => "Reddit",
            Platform::Discord => "Discord",
            Platform::WhatsApp => "WhatsApp-kanaal",
            Platform::Twitch => "Twitch",
            Platform::Kick => "Kick",
            Platform::Rumble => "Rumble",
            Platform::Vk => "VK",
            Platform::Website => "Website",
        }
    }
}

/// A link in canonical form with its platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalLink {
    /// The canonical URL: the key that joins reports of the same content.
    pub url: String,
    pub platform: Platform,
    /// The registrable domain (`example.co.uk`), for websites and for display.
    pub domain: String,
}

/// Why a link was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("empty")]
    Empty,
    #[error("too long")]
    TooLong,
    #[error("not a link")]
    Malformed,
    #[error("not http or https")]
    NotHttp,
    #[error("no public host")]
    NoPublicHost,
}

impl LinkError {
    /// What a person reads (worded by `web::i18n`).
    pub fn message(self) -> Message {
        Message::new(match self {
            LinkError::Empty => "link.empty",
            LinkError::TooLong => "link.too_long",
            LinkError::Malformed => "link.malformed",
            LinkError::NotHttp => "link.not_http",
            LinkError::NoPublicHost => "link.no_public_host",
        })
    }
}

/// Query parameters that only track who shared or clicked, on every host.
fn is_tracking_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("utm_")
        || n.starts_with("__cft__")
        || n.starts_with("__tn__")
        || matches!(
            n.as_str(),
            "fbclid"
                | "gclid"
                | "dclid"
                | "gbraid"
                | "wbraid"
                | "msclkid"
                | "yclid"
                | "twclid"
                | "ttclid"
                | "igsh"
                | "igshid"
                | "si"
                | "mibextid"
                | "ref"
                | "ref_src"
                | "ref_url"
                | "rdid"
                | "share_url"
                | "sfnsn"
                | "share_id"
                | "rdt"
                | "feature"
                | "pp"
                | "_nc_ht"
                | "mc_cid"
                | "mc_eid"
                | "_hsenc"
                | "_hsmi"
                | "spm"
                | "cmpid"
        )
}

/// Parameters that are share markers on one platform but may carry meaning elsewhere.
fn is_platform_share_param(platform: Platform, name: &str) -> bool {
    match platform {
        // x.com/…/status/1?s=20&t=abc: s and t only say how it was shared.
        Platform::X => matches!(name, "s" | "t"),
        Platform::TikTok => matches!(
            name,
            "_t" | "_r"
                | "is_from_webapp"
                | "sender_device"
                | "is_copy_url"
                | "web_id"
                | "u_code"
                | "preview_pb"
                | "share_app_id"
                | "share_item_id"
                | "share_link_id"
                | "timestamp"
                | "tt_from"
                | "checksum"
                | "sec_uid"
                | "lang"
                | "q"
        ),
        Platform::Instagram | Platform::Threads => matches!(name, "hl" | "xmt" | "slof"),
        Platform::Reddit => matches!(name, "context" | "sort" | "sh"),
        Platform::Telegram => matches!(name, "embed"),
        _ => false,
    }
}

/// Maps mobile and legacy hosts to the one form used as key. `host` is lower-case
/// without `www.`.
fn canonical_host(host: &str) -> &str {
    match host {
        "m.facebook.com"
        | "mbasic.facebook.com"
        | "web.facebook.com"
        | "touch.facebook.com"
        | "mobile.facebook.com"
        | "facebook.nl"
        | "nl-nl.facebook.com"
        | "fb.com" => "facebook.com",
        "twitter.com" | "mobile.twitter.com" | "m.twitter.com" | "mobile.x.com" | "m.x.com" => {
            "x.com"
        }
        "m.youtube.com" | "youtube-nocookie.com" => "youtube.com",
        "telegram.me" | "telegram.dog" => "t.me",
        "instagr.am" | "m.instagram.com" => "instagram.com",
        "threads.net" => "threads.com",
        "old.reddit.com" | "new.reddit.com" | "np.reddit.com" | "m.reddit.com" | "i.reddit.com" => {
            "reddit.com"
        }
        "discordapp.com" => "discord.com",
        "m.twitch.tv" => "twitch.tv",
        "m.vk.com" | "vk.ru" | "m.vk.ru" => "vk.com",
        "m.tiktok.com" => "tiktok.com",
        "m.rumble.com" => "rumble.com",
        other => other,
    }
}

fn platform_of(host: &str, path: &str) -> Platform {
    let on = |domain: &str| host == domain || host.ends_with(&format!(".{domain}"));
    if on("facebook.com") || on("fb.watch") || on("fb.me") {
        Platform::Facebook
    } else if on("instagram.com") {
        Platform::Instagram
    } else if on("threads.com") {
        Platform::Threads
    } else if on("x.com") || on("t.co") {
        Platform::X
    } else if on("tiktok.com") {
        Platform::TikTok
    } else if on("youtube.com") || on("youtu.be") {
        Platform::YouTube
    } else if on("t.me") {
        Platform::Telegram
    } else if on("snapchat.com") {
        Platform::Snapchat
    } else if on("reddit.com") || on("redd.it") {
        Platform::Reddit
    } else if on("discord.com") || on("discord.gg") {
        Platform::Discord
    } else if (on("whatsapp.com") && path.starts_with("/channel/")) || on("wa.me") {
        Platform::WhatsApp
    } else if on("twitch.tv") {
        Platform::Twitch
    } else if on("kick.com") {
        Platform::Kick
    } else if on("rumble.com") {
        Platform::Rumble
    } else if on("vk.com") {
        Platform::Vk
    } else {
        Platform::Website
    }
}

/// A YouTube video id: 11 characters of `[A-Za-z0-9_-]`.
fn youtube_id(s: &str) -> Option<&str> {
    (s.len() == 11
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then_some(s)
}

/// `mailto:…`, `javascript:…`, `tel:…`: a scheme without `//` (a port after a host
/// name, as in `example.nl:8080/x`, starts with a digit and is not one).
fn has_other_scheme(s: &str) -> bool {
    let head = s.split('/').next().unwrap_or("");
    match head.split_once(':') {
        Some((_, rest)) => !rest.starts_with(|c: char| c.is_ascii_digit()),
        None => false,
    }
}

/// Turns what a reporter pasted into the canonical link, or says why it cannot be one.
pub fn canonicalise(input: &str) -> Result<CanonicalLink, LinkError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(LinkError::Empty);
    }
    if trimmed.len() > MAX_LINK_LEN {
        return Err(LinkError::TooLong);
    }
    // "tiktok.com/@x/video/1" pasted without scheme is still a link.
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_string()
    } else if has_other_scheme(trimmed) {
        return Err(LinkError::NotHttp);
    } else {
        format!("https://{trimmed}")
    };
    let url = Url::parse(&with_scheme).map_err(|_| LinkError::Malformed)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(LinkError::NotHttp);
    }
    let host = match url.host() {
        Some(url::Host::Domain(d)) => d.to_ascii_lowercase(),
        _ => return Err(LinkError::NoPublicHost),
    };
    let host = host.trim_end_matches('.');
    let host = host.strip_prefix("www.").unwrap_or(host);
    let domain = match psl::domain_str(host) {
        Some(d) if psl::suffix(host.as_bytes()).is_some_and(|s| s.is_known()) => d.to_string(),
        _ => return Err(LinkError::NoPublicHost),
    };
    let mut host = canonical_host(host).to_string();
    let mut path = url.path().to_string();
    let mut params: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();

    // Platform-specific forms of the same content.
    match host.as_str() {
        "youtu.be" => {
            if let Some(id) = youtube_id(path.trim_matches('/')) {
                params.push(("v".into(), id.to_string()));
                host = "youtube.com".into();
                path = "/watch".into();
            }
        }
        "youtube.com" => {
            let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
            if let [kind @ ("shorts" | "live" | "embed" | "v"), id] = parts.as_slice() {
                let _ = kind;
                if let Some(id) = youtube_id(id) {
                    params.retain(|(k, _)| k != "v");
                    params.push(("v".into(), id.to_string()));
                    path = "/watch".into();
                }
            }
        }
        "t.me" => {
            if let Some(rest) = path.strip_prefix("/s/") {
                path = format!("/{rest}");
            }
        }
        "discord.gg" => {
            path = format!("/invite{path}");
            host = "discord.com".into();
        }
        _ => {}
    }
    let platform = platform_of(&host, &path);
    params.retain(|(k, _)| !is_tracking_param(k) && !is_platform_share_param(platform, k));
    if platform == Platform::YouTube && path == "/watch" {
        // A watch page is the video; playlists and positions do not change the content.
        params.retain(|(k, _)| matches!(k.as_str(), "v" | "t"));
    }
    params.sort();
    params.dedup();

    let mut canonical = Url::parse(&format!("https://{host}")).map_err(|_| LinkError::Malformed)?;
    if path.len() > 1 {
        canonical.set_path(path.trim_end_matches('/'));
    }
    if !params.is_empty() {
        canonical.query_pairs_mut().extend_pairs(params.iter());
    }
    Ok(CanonicalLink {
        url: canonical.to_string(),
        platform,
        domain: canonical_host(&domain).to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(s: &str) -> String {
        canonicalise(s).unwrap().url
    }

    #[test]
    fn mobile_share_links_with_tracking_join_the_plain_link() {
        assert_eq!(
            c("https://m.tiktok.com/@feest.haren/video/7301234567890123456?_t=8abc&_r=1&is_from_webapp=1&sender_device=pc"),
            c("https://www.tiktok.com/@feest.haren/video/7301234567890123456")
        );
        assert_eq!(
            c("https://www.TikTok.com/@feest.haren/video/7301234567890123456/#comments"),
            "https://tiktok.com/@feest.haren/video/7301234567890123456"
        );
    }

    #[test]
    fn legacy_and_mobile_hosts_map_to_one_form() {
        let cases = [
            ("https://m.facebook.com/events/123?mibextid=abc", "https://facebook.com/events/123"),
            ("https://mbasic.facebook.com/events/123/", "https://facebook.com/events/123"),
            ("http://web.facebook.com/events/123?fbclid=IwAR0", "https://facebook.com/events/123"),
            ("https://twitter.com/user/status/1?s=20&t=xyz", "https://x.com/user/status/1"),
            ("https://mobile.twitter.com/user/status/1", "https://x.com/user/status/1"),
            ("https://youtu.be/dQw4w9WgXcQ?si=share", "https://youtube.com/watch?v=dQw4w9WgXcQ"),
            ("https://www.youtube.com/shorts/dQw4w9WgXcQ?feature=share", "https://youtube.com/watch?v=dQw4w9WgXcQ"),
            ("https://m.youtube.com/watch?v=dQw4w9WgXcQ&list=PL1&index=2", "https://youtube.com/watch?v=dQw4w9WgXcQ"),
            ("https://t.me/s/oproepkanaal/123", "https://t.me/oproepkanaal/123"),
            ("https://www.instagram.com/p/Cabc123/?igsh=MWx0&utm_source=ig_web_copy_link", "https://instagram.com/p/Cabc123"),
            ("https://old.reddit.com/r/thenetherlands/comments/abc/x/?share_id=1&utm_medium=android_app", "https://reddit.com/r/thenetherlands/comments/abc/x"),
            ("https://discord.gg/abcdef", "https://discord.com/invite/abcdef"),
            ("https://www.threads.net/@user/post/C1", "https://threads.com/@user/post/C1"),
        ];
        for (input, expected) in cases {
            assert_eq!(c(input), expected, "{input}");
        }
    }

    #[test]
    fn unresolvable_short_links_keep_their_own_form() {
        assert_eq!(
            c("https://vm.tiktok.com/ZMabc123/"),
            "https://vm.tiktok.com/ZMabc123"
        );
        assert_eq!(
            canonicalise("https://vm.tiktok.com/ZMabc123/")
                .unwrap()
                .platform,
            Platform::TikTok
        );
    }

    #[test]
    fn platforms_are_recognised_and_other_sites_named_by_registrable_domain() {
        let cases = [
            ("https://facebook.com/events/1", Platform::Facebook),
            ("https://instagram.com/p/1", Platform::Instagram),
            ("https://threads.com/@a", Platform::Threads),
            ("https://x.com/a/status/1", Platform::X),
            ("https://tiktok.com/@a/video/1", Platform::TikTok),
            ("https://youtube.com/watch?v=dQw4w9WgXcQ", Platform::YouTube),
            ("https://t.me/kanaal", Platform::Telegram),
            ("https://story.snapchat.com/s/abc", Platform::Snapchat),
            ("https://reddit.com/r/a", Platform::Reddit),
            ("https://discord.com/invite/a", Platform::Discord),
            ("https://whatsapp.com/channel/0029Va", Platform::WhatsApp),
            ("https://twitch.tv/a", Platform::Twitch),
            ("https://kick.com/a", Platform::Kick),
            ("https://rumble.com/v1-a.html", Platform::Rumble),
            ("https://vk.com/wall-1_2", Platform::Vk),
            ("https://forum.example.co.uk/t/1", Platform::Website),
        ];
        for (input, platform) in cases {
            assert_eq!(canonicalise(input).unwrap().platform, platform, "{input}");
        }
        assert_eq!(
            canonicalise("https://forum.example.co.uk/t/1")
                .unwrap()
                .domain,
            "example.co.uk"
        );
    }

    #[test]
    fn meaningful_parameters_are_kept_and_sorted() {
        assert_eq!(
            c("https://example.nl/artikel?id=5&page=2&utm_campaign=x"),
            "https://example.nl/artikel?id=5&page=2"
        );
        assert_eq!(
            c("https://example.nl/artikel?page=2&id=5"),
            "https://example.nl/artikel?id=5&page=2"
        );
        // On YouTube `t` is a position, on X a share marker.
        assert_eq!(
            c("https://youtube.com/watch?v=dQw4w9WgXcQ&t=42"),
            "https://youtube.com/watch?t=42&v=dQw4w9WgXcQ"
        );
    }

    #[test]
    fn bad_links_are_refused_with_a_reason() {
        assert_eq!(canonicalise(""), Err(LinkError::Empty));
        assert_eq!(canonicalise("   "), Err(LinkError::Empty));
        assert_eq!(canonicalise("javascript:alert(1)"), Err(LinkError::NotHttp));
        assert_eq!(canonicalise("ftp://example.nl/x"), Err(LinkError::NotHttp));
        assert_eq!(canonicalise("mailto:a@example.nl"), Err(LinkError::NotHttp));
        assert_eq!(
            canonicalise("https://192.168.1.1/x"),
            Err(LinkError::NoPublicHost)
        );
        assert_eq!(
            canonicalise("https://localhost/x"),
            Err(LinkError::NoPublicHost)
        );
        assert_eq!(
            canonicalise("https://intranet.invalidtld/x"),
            Err(LinkError::NoPublicHost)
        );
        assert_eq!(canonicalise("https://"), Err(LinkError::Malformed));
        assert_eq!(
            canonicalise(&format!("https://example.nl/{}", "a".repeat(3000))),
            Err(LinkError::TooLong)
        );
        // Without a scheme it is still a link.
        assert_eq!(c("tiktok.com/@a/video/1"), "https://tiktok.com/@a/video/1");
    }

    fn hosts() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "www.tiktok.com",
            "m.facebook.com",
            "twitter.com",
            "x.com",
            "www.instagram.com",
            "t.me",
            "example.nl",
            "nieuws.example.co.uk",
            "reddit.com",
        ])
    }

    fn tracking() -> impl Strategy<Value = Vec<(String, String)>> {
        prop::collection::vec(
            (
                prop::sample::select(vec![
                    "utm_source",
                    "utm_medium",
                    "fbclid",
                    "gclid",
                    "igsh",
                    "igshid",
                    "si",
                    "mibextid",
                    "ref",
                    "utm_campaign",
                ]),
                "[a-zA-Z0-9]{1,12}",
            )
                .prop_map(|(k, v)| (k.to_string(), v)),
            0..4,
        )
    }

    proptest! {
        #[test]
        fn canonicalising_is_idempotent(host in hosts(), path in "(/[a-zA-Z0-9_.@-]{1,12}){0,4}/?", q in prop::collection::vec(("[a-z]{1,5}", "[a-zA-Z0-9]{0,6}"), 0..3)) {
            let mut link = format!("https://{host}{path}");
            if !q.is_empty() {
                link.push('?');
                link.push_str(&q.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&"));
            }
            let once = canonicalise(&link).unwrap();
            let twice = canonicalise(&once.url).unwrap();
            prop_assert_eq!(&once, &twice);
        }

        #[test]
        fn tracking_parameters_and_fragments_do_not_change_the_key(host in hosts(), id in "[a-zA-Z0-9]{1,16}", extra in tracking(), frag in "[a-z]{0,8}") {
            let plain = format!("https://{host}/post/{id}");
            let mut noisy = format!("{plain}?");
            noisy.push_str(&extra.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&"));
            if !frag.is_empty() { noisy.push('#'); noisy.push_str(&frag); }
            prop_assert_eq!(canonicalise(&plain).unwrap().url, canonicalise(&noisy).unwrap().url);
        }

        #[test]
        fn distinct_content_stays_distinct(host in hosts(), a in "[a-zA-Z0-9]{1,16}", b in "[a-zA-Z0-9]{1,16}") {
            prop_assume!(a != b);
            let ka = canonicalise(&format!("https://{host}/post/{a}")).unwrap().url;
            let kb = canonicalise(&format!("https://{host}/post/{b}")).unwrap().url;
            prop_assert_ne!(ka, kb);
        }

        #[test]
        fn distinct_meaningful_parameters_stay_distinct(a in 1u32..100000, b in 1u32..100000) {
            prop_assume!(a != b);
            prop_assert_ne!(
                canonicalise(&format!("https://example.nl/artikel?id={a}")).unwrap().url,
                canonicalise(&format!("https://example.nl/artikel?id={b}")).unwrap().url
            );
        }
    }
}
