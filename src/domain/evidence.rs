//! Evidence files: which kinds are accepted, judged by their content, never by their
//! name or the type the browser claims.

use super::message::Message;

/// The kinds of evidence meldpunt accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceKind {
    Png,
    Jpeg,
    WebP,
    Pdf,
    Mp4,
}

impl EvidenceKind {
    pub const ALL: [EvidenceKind; 5] = [
        EvidenceKind::Png,
        EvidenceKind::Jpeg,
        EvidenceKind::WebP,
        EvidenceKind::Pdf,
        EvidenceKind::Mp4,
    ];

    pub fn media_type(self) -> &'static str {
        match self {
            EvidenceKind::Png => "image/png",
            EvidenceKind::Jpeg => "image/jpeg",
            EvidenceKind::WebP => "image/webp",
            EvidenceKind::Pdf => "application/pdf",
            EvidenceKind::Mp4 => "video/mp4",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            EvidenceKind::Png => "png",
            EvidenceKind::Jpeg => "jpg",
            EvidenceKind::WebP => "webp",
            EvidenceKind::Pdf => "pdf",
            EvidenceKind::Mp4 => "mp4",
        }
    }

    pub fn parse_media_type(s: &str) -> Option<EvidenceKind> {
        EvidenceKind::ALL.into_iter().find(|k| k.media_type() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    #[error("empty file")]
    Empty,
    #[error("file larger than {max_bytes} bytes")]
    TooLarge { max_bytes: usize },
    #[error("content is not an accepted type")]
    NotAccepted,
    #[error("image of {width} x {height} pixels")]
    TooManyPixels { width: u32, height: u32 },
}

/// The most pixels an image may declare (a 48-megapixel photo or a long screenshot fits; a
/// decompression bomb of 100000 × 100000 pixels does not). Checked on the image's header at
/// intake, before anything is decoded, and again by every decoder.
pub const MAX_PIXELS: u64 = 50_000_000;

/// Checks the size an image's header declares.
pub fn check_pixels(width: u32, height: u32) -> Result<(), EvidenceError> {
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(EvidenceError::TooManyPixels { width, height });
    }
    Ok(())
}

impl EvidenceError {
    /// What a person reads about the file `name` (worded by `web::i18n`).
    pub fn message(self, name: &str) -> Message {
        match self {
            EvidenceError::Empty => Message::new("evidence.empty"),
            EvidenceError::TooLarge { max_bytes } => {
                Message::new("evidence.too_large").with("max_mb", max_bytes / 1_000_000)
            }
            EvidenceError::NotAccepted => Message::new("evidence.not_accepted"),
            EvidenceError::TooManyPixels { width, height } => {
                Message::new("evidence.too_many_pixels")
                    .with("width", width)
                    .with("height", height)
                    .with("max_mp", MAX_PIXELS / 1_000_000)
            }
        }
        .with("name", name)
    }
}

/// Decides the kind of a file from its first bytes.
pub fn sniff(bytes: &[u8], max_bytes: usize) -> Result<EvidenceKind, EvidenceError> {
    if bytes.is_empty() {
        return Err(EvidenceError::Empty);
    }
    if bytes.len() > max_bytes {
        return Err(EvidenceError::TooLarge { max_bytes });
    }
    let kind = infer::get(bytes).ok_or(EvidenceError::NotAccepted)?;
    EvidenceKind::parse_media_type(kind.mime_type()).ok_or(EvidenceError::NotAccepted)
}

/// A file name safe to show and to offer for download: no path, no control characters, and
/// an extension that follows the detected kind (review L6: a PNG named `invoice.html` is
/// offered as `invoice.png`, so no program opens it as something else).
pub fn safe_file_name(raw: &str, kind: EvidenceKind) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '))
        .take(100)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim_end_matches('.');
    let (stem, ext) = match cleaned.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, Some(ext.to_ascii_lowercase())),
        _ => (cleaned, None),
    };
    let fits = |e: &str| e == kind.extension() || (kind == EvidenceKind::Jpeg && e == "jpeg");
    match ext {
        Some(e) if fits(&e) => cleaned.to_string(),
        _ if stem.trim().is_empty() => format!("bewijs.{}", kind.extension()),
        _ => format!("{}.{}", stem.trim(), kind.extension()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const PNG: &[u8] =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

    #[test]
    fn kinds_are_decided_by_content() {
        assert_eq!(sniff(PNG, 1000), Ok(EvidenceKind::Png));
        assert_eq!(
            sniff(b"\xff\xd8\xff\xe0\0\x10JFIF\0", 1000),
            Ok(EvidenceKind::Jpeg)
        );
        assert_eq!(
            sniff(b"RIFF\x10\0\0\0WEBPVP8 ", 1000),
            Ok(EvidenceKind::WebP)
        );
        assert_eq!(sniff(b"%PDF-1.7\n%\xe2\xe3", 1000), Ok(EvidenceKind::Pdf));
        assert_eq!(
            sniff(b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom", 1000),
            Ok(EvidenceKind::Mp4)
        );
    }

    #[test]
    fn other_content_is_refused_whatever_its_name() {
        assert_eq!(
            sniff(b"<html><script>alert(1)</script>", 1000),
            Err(EvidenceError::NotAccepted)
        );
        assert_eq!(
            sniff(b"MZ\x90\0\x03\0\0\0", 1000),
            Err(EvidenceError::NotAccepted)
        );
        assert_eq!(
            sniff(b"GIF89a\x01\0\x01\0", 1000),
            Err(EvidenceError::NotAccepted)
        );
        assert_eq!(sniff(b"", 1000), Err(EvidenceError::Empty));
        assert_eq!(
            sniff(PNG, 10),
            Err(EvidenceError::TooLarge { max_bytes: 10 })
        );
    }

    #[test]
    fn file_names_lose_paths_and_odd_characters() {
        assert_eq!(
            safe_file_name("../../etc/passwd", EvidenceKind::Png),
            "passwd.png"
        );
        // The extension follows what the file is (review L6).
        assert_eq!(
            safe_file_name("invoice.html", EvidenceKind::Png),
            "invoice.png"
        );
        assert_eq!(
            safe_file_name("../../../../tmp/evil.html", EvidenceKind::Png),
            "evil.png"
        );
        assert_eq!(safe_file_name("foto.JPEG", EvidenceKind::Jpeg), "foto.JPEG");
        assert_eq!(
            safe_file_name("scan.pdf.exe", EvidenceKind::Pdf),
            "scan.pdf.pdf"
        );
        assert_eq!(safe_file_name(".html", EvidenceKind::Png), "html.png");
        assert_eq!(
            safe_file_name("C:\\x\\scherm<1>.png", EvidenceKind::Png),
            "scherm1.png"
        );
        assert_eq!(safe_file_name("", EvidenceKind::Pdf), "bewijs.pdf");
        assert_eq!(safe_file_name("...", EvidenceKind::Pdf), "bewijs.pdf");
    }

    #[test]
    fn an_image_may_declare_at_most_fifty_megapixels() {
        assert_eq!(check_pixels(8000, 6000), Ok(()));
        // A long screenshot.
        assert_eq!(check_pixels(1080, 40_000), Ok(()));
        assert_eq!(
            check_pixels(100_000, 100_000),
            Err(EvidenceError::TooManyPixels {
                width: 100_000,
                height: 100_000
            })
        );
        assert!(check_pixels(u32::MAX, u32::MAX).is_err());
    }
}
