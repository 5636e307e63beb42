//! Small previews of image evidence for the team's pages. The original file is never shown
//! inside meldpunt (it is only downloaded); a preview is decoded within pixel and memory
//! limits (against decompression bombs) and re-encoded as a fresh PNG, so nothing of the
//! uploaded bytes but the pixels reaches the browser.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use crate::domain::evidence::{EvidenceKind, MAX_PIXELS};

/// The longest side of a preview, in pixels.
pub const PREVIEW_SIDE: u32 = 320;
/// Largest image side decoded for a preview.
const MAX_SIDE: u32 = 16_384;
/// Most memory the decoder may take.
const MAX_ALLOC: u64 = 512 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PreviewError {
    #[error("no preview for this kind of file")]
    NotAnImage,
    #[error("the image is larger than a preview may decode")]
    TooLarge,
    #[error("the image cannot be decoded")]
    Undecodable,
}

/// Whether evidence of this kind gets a preview.
pub fn has_preview(kind: EvidenceKind) -> bool {
    matches!(
        kind,
        EvidenceKind::Png | EvidenceKind::Jpeg | EvidenceKind::WebP
    )
}

/// Decodes image evidence within the pixel and memory limits, with its EXIF orientation
/// applied (a photo taken upright is upright). CPU-bound: call it from a blocking thread.
pub fn decode(kind: EvidenceKind, bytes: &[u8]) -> Result<DynamicImage, PreviewError> {
    let mut decoder = checked_decoder(kind, bytes)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(refused)?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// An image's size and EXIF orientation, read from its header within the same limits as
/// [`decode`] (nothing is decoded).
pub fn probe(kind: EvidenceKind, bytes: &[u8]) -> Result<(u32, u32, Orientation), PreviewError> {
    let mut decoder = checked_decoder(kind, bytes)?;
    let (w, h) = decoder.dimensions();
    Ok((
        w,
        h,
        decoder.orientation().unwrap_or(Orientation::NoTransforms),
    ))
}

/// The size an image file's header declares, read without decoding anything; `None` for a
/// file that is no image or whose header cannot be read.
pub fn declared_size(kind: EvidenceKind, bytes: &[u8]) -> Option<(u32, u32)> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format(kind)?);
    // Only the header is read, so the decoding limits do not apply here.
    reader.no_limits();
    reader.into_dimensions().ok()
}

fn image_format(kind: EvidenceKind) -> Option<ImageFormat> {
    match kind {
        EvidenceKind::Png => Some(ImageFormat::Png),
        EvidenceKind::Jpeg => Some(ImageFormat::Jpeg),
        EvidenceKind::WebP => Some(ImageFormat::WebP),
        EvidenceKind::Pdf | EvidenceKind::Mp4 => None,
    }
}

fn refused(e: image::ImageError) -> PreviewError {
    match e {
        image::ImageError::Limits(_) => PreviewError::TooLarge,
        _ => PreviewError::Undecodable,
    }
}

/// The decoder of an image whose header is within the limits (side, pixels, memory).
fn checked_decoder(
    kind: EvidenceKind,
    bytes: &[u8],
) -> Result<impl ImageDecoder + '_, PreviewError> {
    let format = image_format(kind).ok_or(PreviewError::NotAnImage)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let decoder = reader.into_decoder().map_err(refused)?;
    let (w, h) = decoder.dimensions();
    if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(PreviewError::TooLarge);
    }
    Ok(decoder)
}

/// A PNG preview of at most `PREVIEW_SIDE` × `PREVIEW_SIDE` pixels (aspect ratio kept).
/// CPU-bound: call it from a blocking thread.
pub fn preview_png(kind: EvidenceKind, bytes: &[u8]) -> Result<Vec<u8>, PreviewError> {
    let image = decode(kind, bytes)?;
    // Never enlarged: a small image keeps its size.
    let small = if image.width() <= PREVIEW_SIDE && image.height() <= PREVIEW_SIDE {
        image.to_rgba8()
    } else {
        image.thumbnail(PREVIEW_SIDE, PREVIEW_SIDE).to_rgba8()
    };
    let mut out = Vec::new();
    small
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .map_err(|_| PreviewError::Undecodable)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn a_preview_is_a_small_png_with_the_same_shape() {
        let out = preview_png(EvidenceKind::Png, &png(1200, 600)).unwrap();
        let back = image::load_from_memory_with_format(&out, ImageFormat::Png).unwrap();
        assert_eq!(
            (back.width(), back.height()),
            (PREVIEW_SIDE, PREVIEW_SIDE / 2)
        );
    }

    #[test]
    fn a_small_image_is_not_enlarged() {
        let out = preview_png(EvidenceKind::Png, &png(40, 30)).unwrap();
        let back = image::load_from_memory(&out).unwrap();
        assert_eq!((back.width(), back.height()), (40, 30));
    }

    #[test]
    fn an_image_wider_than_the_limit_is_refused() {
        // Small as a file (it compresses to almost nothing), too wide to decode.
        let wide = png(MAX_SIDE + 1, 1);
        assert!(wide.len() < 200_000);
        assert_eq!(
            preview_png(EvidenceKind::Png, &wide),
            Err(PreviewError::TooLarge)
        );
    }

    #[test]
    fn only_images_get_a_preview() {
        assert_eq!(
            preview_png(EvidenceKind::Pdf, b"%PDF-1.4"),
            Err(PreviewError::NotAnImage)
        );
        assert_eq!(
            preview_png(EvidenceKind::Jpeg, b"not a jpeg"),
            Err(PreviewError::Undecodable)
        );
        assert!(has_preview(EvidenceKind::WebP) && !has_preview(EvidenceKind::Mp4));
    }
}
