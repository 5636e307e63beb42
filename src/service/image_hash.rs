//! The perceptual hash of image evidence: decoded within limits with its EXIF orientation
//! applied (`thumbnail::decode`), converted to RGB as the reference's Python binding receives
//! it, and hashed by `domain::pdq` — on the full image up to 4 megapixels (the reference's
//! outputs exactly, `expected.tsv`), larger photos brought to 512 × 512 first as the
//! reference's own command-line tool does (CImg's nearest-neighbour resize; a large JPEG is
//! decoded at a fraction of its size first): a few bits from the full-size hash, far inside
//! the 31-bit match distance, and a fraction of the work.

use crate::domain::evidence::EvidenceKind;
use crate::domain::pdq::{self, Pdq};
use image::DynamicImage;

use crate::service::thumbnail::{decode, probe, PreviewError};

/// The PDQ hash of an image file, or why it has none (not an image, too large, undecodable,
/// smaller than 5 pixels on a side). CPU-bound: call it from a blocking thread.
/// Images up to this many pixels are hashed as they are; larger ones are first brought to
/// 512 × 512, as the reference's own command-line tool does.
const FULL_SIZE_PIXELS: u64 = 4_000_000;

pub fn pdq_of(kind: EvidenceKind, bytes: &[u8]) -> Result<Option<Pdq>, PreviewError> {
    let (w, h, orientation) = probe(kind, bytes)?;
    let large = u64::from(w) * u64::from(h) > FULL_SIZE_PIXELS;
    let image = match (large, kind) {
        // A large JPEG is decoded at a fraction of its size in the DCT domain (no smaller
        // than 512 on a side): the 512 × 512 step needs no more, and most of the decoding's
        // work is skipped.
        (true, EvidenceKind::Jpeg) => match scaled_jpeg(bytes) {
            Some(mut image) => {
                image.apply_orientation(orientation);
                image
            }
            None => decode(kind, bytes)?,
        },
        _ => decode(kind, bytes)?,
    };
    let image = if large {
        // The reference tool's CImg `resize(512, 512)`: nearest-neighbour sampling.
        image.resize_exact(512, 512, image::imageops::FilterType::Nearest)
    } else {
        image
    };
    let rgb = image.into_rgb8();
    let (w, h) = (rgb.width() as usize, rgb.height() as usize);
    Ok(pdq::hash_luma_owned(pdq::luma_from_rgb(rgb.as_raw()), w, h))
}

/// A JPEG decoded at the smallest of 1/8, 1/4, 1/2 or full scale that is at least 512 × 512
/// (EXIF orientation not yet applied); `None` when this decoder cannot (the caller decodes in
/// full instead).
fn scaled_jpeg(bytes: &[u8]) -> Option<DynamicImage> {
    let mut decoder = jpeg_decoder::Decoder::new(std::io::Cursor::new(bytes));
    decoder.read_info().ok()?;
    let (w, h) = decoder.scale(512, 512).ok()?;
    let pixels = decoder.decode().ok()?;
    let (w, h) = (u32::from(w), u32::from(h));
    match decoder.info()?.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => {
            image::RgbImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgb8)
        }
        jpeg_decoder::PixelFormat::L8 => {
            image::GrayImage::from_raw(w, h, pixels).map(DynamicImage::ImageLuma8)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::pdq::{PdqHash, MATCH_DISTANCE, MIN_QUALITY};

    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/pdq");

    fn kind_of(file: &str) -> EvidenceKind {
        if file.ends_with(".png") {
            EvidenceKind::Png
        } else {
            EvidenceKind::Jpeg
        }
    }

    fn hash_file(file: &str) -> Pdq {
        let bytes = std::fs::read(format!("{DIR}/{file}")).unwrap();
        pdq_of(kind_of(file), &bytes).unwrap().unwrap()
    }

    /// (file, reference hash, reference quality) from `expected.tsv`.
    fn expected() -> Vec<(String, PdqHash, u8)> {
        std::fs::read_to_string(format!("{DIR}/expected.tsv"))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                (
                    f[0].to_string(),
                    PdqHash::from_hex(f[1]).unwrap(),
                    f[2].parse().unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn a_large_photo_is_hashed_through_512_by_512_and_stays_near_the_reference() {
        // The bridge photo enlarged to 12.5 megapixels (past FULL_SIZE_PIXELS) and saved as a
        // JPEG: hashed as the reference's tool does it (brought to 512 × 512 first), it lands
        // within a few bits of the reference hash of the original.
        let (file, want, _) = expected()
            .into_iter()
            .find(|(f, _, _)| f.ends_with("aaa-orig.jpg"))
            .unwrap();
        let bytes = std::fs::read(format!("{DIR}/{file}")).unwrap();
        let original = decode(EvidenceKind::Jpeg, &bytes).unwrap();
        let large = original.resize_exact(4000, 2510, image::imageops::FilterType::Triangle);
        let mut jpeg = Vec::new();
        large
            .write_to(
                &mut std::io::Cursor::new(&mut jpeg),
                image::ImageFormat::Jpeg,
            )
            .unwrap();
        let got = pdq_of(EvidenceKind::Jpeg, &jpeg).unwrap().unwrap();
        let d = got.hash.distance(&want);
        assert!(d <= 10, "{d} bits from the reference");
        assert!(got.quality >= MIN_QUALITY);

        // The same photo stored turned a quarter to the left, with an EXIF tag saying "turn it
        // a quarter to the right to show it" (orientation 6): the tag is applied on this path
        // too, so the hash is the upright photo's.
        let mut turned = Vec::new();
        large
            .rotate270()
            .write_to(
                &mut std::io::Cursor::new(&mut turned),
                image::ImageFormat::Jpeg,
            )
            .unwrap();
        let exif: [u8; 36] = [
            0xFF, 0xE1, 0x00, 0x22, b'E', b'x', b'i', b'f', 0, 0, b'I', b'I', 0x2A, 0x00, 0x08, 0,
            0, 0, 0x01, 0x00, 0x12, 0x01, 0x03, 0x00, 0x01, 0, 0, 0, 0x06, 0, 0, 0, 0, 0, 0, 0,
        ];
        turned.splice(2..2, exif);
        let upright = pdq_of(EvidenceKind::Jpeg, &turned).unwrap().unwrap();
        let d = upright.hash.distance(&want);
        assert!(
            d <= 10,
            "with its EXIF orientation: {d} bits from the reference"
        );
    }

    #[test]
    fn hashes_agree_with_the_reference_implementation() {
        let cases = expected();
        assert_eq!(cases.len(), 30);
        let mut exact = 0;
        let mut report = Vec::new();
        for (file, want, quality) in &cases {
            let got = hash_file(file);
            let d = got.hash.distance(want);
            report.push(format!(
                "{file}: {d} bits, quality {} (reference {quality})",
                got.quality
            ));
            if d == 0 {
                exact += 1;
            }
            assert!(
                d <= 6,
                "{file}: {d} bits from the reference\n{}",
                report.join("\n")
            );
            assert!(
                got.quality.abs_diff(*quality) <= 2,
                "{file}: quality {} against {quality}",
                got.quality
            );
            // The low-quality images are never used to match; the others are.
            assert_eq!(
                got.quality >= MIN_QUALITY,
                *quality >= MIN_QUALITY,
                "{file}"
            );
        }
        assert!(
            exact * 3 >= cases.len() * 2,
            "exact on only {exact} of {}:\n{}",
            cases.len(),
            report.join("\n")
        );
    }

    #[test]
    fn the_eight_rotations_and_flips_are_found_as_matches() {
        let original = hash_file("reg-test-input/dih/bridge-1-original.jpg");
        for (i, name) in [
            "bridge-1-original",
            "bridge-2-rotate-90",
            "bridge-3-rotate-180",
            "bridge-4-rotate-270",
            "bridge-5-flipx",
            "bridge-6-flipy",
            "bridge-7-flip-plus-1",
            "bridge-8-flip-minus-1",
        ]
        .iter()
        .enumerate()
        {
            let turned = hash_file(&format!("reg-test-input/dih/{name}.jpg"));
            let d = original.dihedral[i].distance(&turned.hash);
            assert!(
                d <= MATCH_DISTANCE,
                "{name}: {d} bits from its dihedral hash"
            );
            if i > 0 {
                assert!(
                    original.hash.distance(&turned.hash) > MATCH_DISTANCE,
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn bad_images_get_a_clear_refusal_not_a_panic() {
        let bytes = std::fs::read(format!("{DIR}/bridge-mods/aaa-orig.jpg")).unwrap();
        // A truncated JPEG: the decoder may fill in the missing rows; it never panics.
        let _ = pdq_of(EvidenceKind::Jpeg, &bytes[..bytes.len() / 3]);
        let png = std::fs::read(format!("{DIR}/reg-test-input/pen-and-coaster.png")).unwrap();
        assert_eq!(
            pdq_of(EvidenceKind::Png, &png[..png.len() / 2]).err(),
            Some(PreviewError::Undecodable)
        );
        assert_eq!(
            pdq_of(EvidenceKind::Png, b"not a png").err(),
            Some(PreviewError::Undecodable)
        );
        assert_eq!(
            pdq_of(EvidenceKind::Pdf, &bytes).err(),
            Some(PreviewError::NotAnImage)
        );
        // 100 megapixels (10,000 × 10,000) in a file of a few kilobytes: refused, not decoded.
        let mut huge = Vec::new();
        image::GrayImage::new(10_000, 10_000)
            .write_to(
                &mut std::io::Cursor::new(&mut huge),
                image::ImageFormat::Png,
            )
            .unwrap();
        assert!(huge.len() < 1_000_000);
        assert_eq!(
            pdq_of(EvidenceKind::Png, &huge).err(),
            Some(PreviewError::TooLarge)
        );
    }
}
