//! The perceptual hash of image evidence: decoded within limits with its EXIF orientation
//! applied (`thumbnail::decode`), converted to RGB as the reference's Python binding receives
//! it, and hashed by `domain::pdq` — on the full image up to 4 megapixels (the reference's
//! outputs exactly, `expected.tsv`), larger photos brought to 512 × 512 first as the
//! reference's own command-line tool does (CImg's nearest-neighbour resize; a few bits from
//! the full-size hash, far inside the
//! 31-bit match distance, and ten times less work).

use crate::domain::evidence::EvidenceKind;
use crate::domain::pdq::{self, Pdq};
use crate::service::thumbnail::{decode, PreviewError};

/// The PDQ hash of an image file, or why it has none (not an image, too large, undecodable,
/// smaller than 5 pixels on a side). CPU-bound: call it from a blocking thread.
/// Images up to this many pixels are hashed as they are; larger ones are first brought to
/// 512 × 512, as the reference's own command-line tool does.
const FULL_SIZE_PIXELS: u64 = 4_000_000;

pub fn pdq_of(kind: EvidenceKind, bytes: &[u8]) -> Result<Option<Pdq>, PreviewError> {
    let image = decode(kind, bytes)?;
    let image = if u64::from(image.width()) * u64::from(image.height()) > FULL_SIZE_PIXELS {
        // The reference tool's CImg `resize(512, 512)`: nearest-neighbour sampling.
        image.resize_exact(512, 512, image::imageops::FilterType::Nearest)
    } else {
        image
    };
    let rgb = image.into_rgb8();
    let (w, h) = (rgb.width() as usize, rgb.height() as usize);
    Ok(pdq::hash_luma_owned(pdq::luma_from_rgb(rgb.as_raw()), w, h))
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
