//! The PDQ perceptual hash of an image (Meta ThreatExchange), ported from the reference C++
//! (`pdq/cpp/hashing/pdqhashing.cpp`, BSD licence): 256 bits and a quality of 0–100, and the
//! hashes of the image's eight rotations and flips, taken from the same transform.
//!
//! Steps, as the reference does them on the full image: luma from RGB; a Jarosz filter (two
//! passes of a box filter along rows and columns) with a window of ⌈size / 128⌉; decimation to
//! 64 × 64; the quality from the image's gradients (the reference's integer formula); a 2-D
//! DCT keeping the 16 × 16 lowest non-constant frequencies; one bit per coefficient above their
//! median. Decoding the image (bounded, with its EXIF orientation applied) is the caller's job.

/// A 256-bit PDQ hash, as the reference stores it: bit `k` is bit `k % 16` of word `k / 16`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PdqHash(pub [u16; 16]);

impl PdqHash {
    /// 64 hex digits, word 15 first (the reference's text form).
    pub fn to_hex(&self) -> String {
        self.0.iter().rev().map(|w| format!("{w:04x}")).collect()
    }

    pub fn from_hex(s: &str) -> Option<PdqHash> {
        if s.len() != 64 || !s.is_ascii() {
            return None;
        }
        let mut w = [0u16; 16];
        for (i, chunk) in s.as_bytes().chunks(4).enumerate() {
            let text = std::str::from_utf8(chunk).ok()?;
            w[15 - i] = u16::from_str_radix(text, 16).ok()?;
        }
        Some(PdqHash(w))
    }

    /// The number of bits in which two hashes differ (0–256).
    pub fn distance(&self, other: &PdqHash) -> u32 {
        self.0
            .iter()
            .zip(other.0.iter())
            .map(|(a, b)| (a ^ b).count_ones())
            .sum()
    }

    fn set(&mut self, k: usize) {
        self.0[(k & 255) >> 4] |= 1 << (k & 15);
    }
}

/// The hash of an image, its quality, and the hashes of its eight orientations.
#[derive(Debug, Clone, PartialEq)]
pub struct Pdq {
    pub hash: PdqHash,
    /// 0–100; below [`MIN_QUALITY`] a hash is too weak to match on.
    pub quality: u8,
    /// The hashes of the image as it is and rotated or flipped, in the reference's order:
    /// original, rotated 90°, 180°, 270°, flipped about X, about Y, about the main diagonal,
    /// about the other diagonal. `dihedral[0] == hash`.
    pub dihedral: [PdqHash; 8],
}

/// Meta's operating point: hashes of lower quality are not used to match.
pub const MIN_QUALITY: u8 = 50;
/// Meta's operating point: a match is at most this many bits apart.
pub const MATCH_DISTANCE: u32 = 31;

/// How far `candidate` (a stored hash of quality `candidate_quality`) is from the image `p` in
/// its nearest orientation, when that makes it a copy: both hashes strong enough to match on
/// (quality ≥ [`MIN_QUALITY`]) and at most `max_distance` bits apart.
pub fn match_distance(
    p: &Pdq,
    candidate: &PdqHash,
    candidate_quality: u8,
    max_distance: u32,
) -> Option<u32> {
    if p.quality < MIN_QUALITY || candidate_quality < MIN_QUALITY {
        return None;
    }
    let nearest = p.dihedral.iter().map(|d| d.distance(candidate)).min()?;
    (nearest <= max_distance).then_some(nearest)
}

/// The smallest side the reference hashes; smaller images get no hash.
const MIN_SIDE: usize = 5;

/// Luma (Y = 0.299 R + 0.587 G + 0.114 B) of packed 8-bit RGB pixels, as the reference's floats.
pub fn luma_from_rgb(rgb: &[u8]) -> Vec<f32> {
    rgb.chunks_exact(3)
        .map(|p| 0.299f32 * p[0] as f32 + 0.587f32 * p[1] as f32 + 0.114f32 * p[2] as f32)
        .collect()
}

/// The PDQ hash of a `width` × `height` luma image (row by row). `None` when the image is
/// smaller than 5 pixels on a side or `luma` does not hold `width × height` values.
pub fn hash_luma(luma: &[f32], width: usize, height: usize) -> Option<Pdq> {
    hash_luma_owned(luma.to_vec(), width, height)
}

/// [`hash_luma`] on a buffer it may overwrite (no copy of a large image).
pub fn hash_luma_owned(luma: Vec<f32>, width: usize, height: usize) -> Option<Pdq> {
    if width < MIN_SIDE || height < MIN_SIDE || luma.len() != width * height {
        return None;
    }
    let mut a = luma;
    let mut b = vec![0f32; a.len()];
    let along_rows = jarosz_window(width);
    let along_cols = jarosz_window(height);
    let sample = |k: usize, size: usize| (((k as f64 + 0.5) * size as f64) / 64.0) as usize;
    // The reference's two passes, with the same arithmetic in the same order per column; the
    // columns are run side by side (row after row, as memory lies), and the last column pass
    // only for the 64 columns the decimation reads.
    for pass in 0..2 {
        for r in 0..height {
            box_1d(&a, &mut b, r * width, width, 1, along_rows);
        }
        if pass == 0 {
            box_columns(&b, &mut a, width, height, along_cols);
        } else {
            for j in 0..64 {
                box_1d(&b, &mut a, sample(j, width), height, width, along_cols);
            }
        }
    }
    let mut small = [[0f32; 64]; 64];
    for (i, row) in small.iter_mut().enumerate() {
        let ini = sample(i, height);
        for (j, cell) in row.iter_mut().enumerate() {
            *cell = a[ini * width + sample(j, width)];
        }
    }
    let quality = quality(&small);
    let dct = dct_64_to_16(&small);
    let dihedral = [
        bits(&dct),
        bits(&transform(&dct, Orientation::Rotate90)),
        bits(&transform(&dct, Orientation::Rotate180)),
        bits(&transform(&dct, Orientation::Rotate270)),
        bits(&transform(&dct, Orientation::FlipX)),
        bits(&transform(&dct, Orientation::FlipY)),
        bits(&transform(&dct, Orientation::FlipPlus1)),
        bits(&transform(&dct, Orientation::FlipMinus1)),
    ];
    Some(Pdq {
        hash: dihedral[0],
        quality,
        dihedral,
    })
}

/// The reference's `computeJaroszFilterWindowSize(old, 64)`.
fn jarosz_window(old: usize) -> usize {
    old.div_ceil(2 * 64)
}

/// The reference's `box1DFloat`: a moving average over `window` values of the vector that
/// starts at `start` in steps of `stride`, with shrinking windows at both ends.
fn box_1d(
    input: &[f32],
    output: &mut [f32],
    start: usize,
    len: usize,
    stride: usize,
    window: usize,
) {
    let half = (window + 2) / 2;
    let phase1 = half - 1;
    let phase2 = window - half + 1;
    let phase3 = len.saturating_sub(window);
    let phase4 = half - 1;
    let (mut li, mut ri, mut oi) = (start, start, start);
    let mut sum = 0f32;
    let mut size = 0f32;
    for _ in 0..phase1 {
        sum += input[ri];
        size += 1.0;
        ri += stride;
    }
    for _ in 0..phase2 {
        sum += input[ri];
        size += 1.0;
        output[oi] = sum / size;
        ri += stride;
        oi += stride;
    }
    for _ in 0..phase3 {
        sum += input[ri];
        sum -= input[li];
        output[oi] = sum / size;
        li += stride;
        ri += stride;
        oi += stride;
    }
    for _ in 0..phase4 {
        sum -= input[li];
        size -= 1.0;
        output[oi] = sum / size;
        li += stride;
        oi += stride;
    }
}

/// [`box_1d`] down every column of a `width` × `height` image at once: each column's sum
/// takes the same values in the same order as `box_1d` would give it.
fn box_columns(input: &[f32], output: &mut [f32], width: usize, height: usize, window: usize) {
    let half = (window + 2) / 2;
    let phase1 = half - 1;
    let phase2 = window - half + 1;
    let phase3 = height.saturating_sub(window);
    let phase4 = half - 1;
    let row = |r: usize| r * width..(r + 1) * width;
    let (mut li, mut ri, mut oi) = (0, 0, 0);
    let mut sums = vec![0f32; width];
    let mut size = 0f32;
    let out = |output: &mut [f32], oi: usize, sums: &[f32], size: f32| {
        for (o, s) in output[row(oi)].iter_mut().zip(sums) {
            *o = s / size;
        }
    };
    for _ in 0..phase1 {
        sums.iter_mut()
            .zip(&input[row(ri)])
            .for_each(|(s, x)| *s += x);
        size += 1.0;
        ri += 1;
    }
    for _ in 0..phase2 {
        sums.iter_mut()
            .zip(&input[row(ri)])
            .for_each(|(s, x)| *s += x);
        size += 1.0;
        out(output, oi, &sums, size);
        ri += 1;
        oi += 1;
    }
    for _ in 0..phase3 {
        sums.iter_mut()
            .zip(input[row(ri)].iter().zip(&input[row(li)]))
            .for_each(|(s, (add, sub))| {
                *s += add;
                *s -= sub;
            });
        out(output, oi, &sums, size);
        li += 1;
        ri += 1;
        oi += 1;
    }
    for _ in 0..phase4 {
        sums.iter_mut()
            .zip(&input[row(li)])
            .for_each(|(s, x)| *s -= x);
        size -= 1.0;
        out(output, oi, &sums, size);
        li += 1;
        oi += 1;
    }
}

// Index loops as in the reference: the matrix arithmetic reads like its source.
#[allow(clippy::needless_range_loop)]
/// The reference's image-domain quality metric: the sum of the truncated vertical and
/// horizontal gradients (in percent of full scale) over 90, at most 100.
fn quality(a: &[[f32; 64]; 64]) -> u8 {
    let mut sum: i64 = 0;
    for i in 0..63 {
        for j in 0..64 {
            let d = ((a[i][j] - a[i + 1][j]) * 100.0) / 255.0;
            sum += (d as i64).abs();
        }
    }
    for row in a.iter() {
        for j in 0..63 {
            let d = ((row[j] - row[j + 1]) * 100.0) / 255.0;
            sum += (d as i64).abs();
        }
    }
    (sum / 90).min(100) as u8
}

/// The 16 × 64 DCT matrix of the reference (frequencies 1–16; the constant one is left out).
fn dct_matrix() -> &'static [[f32; 64]; 16] {
    static MATRIX: std::sync::OnceLock<[[f32; 64]; 16]> = std::sync::OnceLock::new();
    MATRIX.get_or_init(|| {
        let scale = (2.0f64 / 64.0).sqrt();
        let mut d = [[0f32; 64]; 16];
        for (i, row) in d.iter_mut().enumerate() {
            for (j, cell) in row.iter_mut().enumerate() {
                *cell = (scale
                    * ((std::f64::consts::PI / 2.0 / 64.0) * (i + 1) as f64 * (2 * j + 1) as f64)
                        .cos()) as f32;
            }
        }
        d
    })
}

/// B = D · A · Dᵀ.
#[allow(clippy::needless_range_loop)]
fn dct_64_to_16(a: &[[f32; 64]; 64]) -> [[f32; 16]; 16] {
    let d = dct_matrix();
    let mut t = [[0f32; 64]; 16];
    for i in 0..16 {
        for j in 0..64 {
            let mut sum = 0f32;
            for k in 0..64 {
                sum += d[i][k] * a[k][j];
            }
            t[i][j] = sum;
        }
    }
    let mut b = [[0f32; 16]; 16];
    for i in 0..16 {
        for j in 0..16 {
            let mut sum = 0f32;
            for k in 0..64 {
                sum += t[i][k] * d[j][k];
            }
            b[i][j] = sum;
        }
    }
    b
}

/// One bit per coefficient: set when it is above the median (the 128th smallest of 256).
fn bits(b: &[[f32; 16]; 16]) -> PdqHash {
    let mut sorted: Vec<f32> = b.iter().flatten().copied().collect();
    sorted.sort_by(|x, y| x.total_cmp(y));
    let median = sorted[127];
    let mut hash = PdqHash::default();
    for (i, row) in b.iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            if *v > median {
                hash.set(i * 16 + j);
            }
        }
    }
    hash
}

#[derive(Debug, Clone, Copy)]
enum Orientation {
    Rotate90,
    Rotate180,
    Rotate270,
    FlipX,
    FlipY,
    FlipPlus1,
    FlipMinus1,
}

/// The DCT of the image rotated or flipped, from the DCT of the image itself: a transposition
/// and sign changes of the odd-numbered frequencies (index i holds frequency i + 1, so an even
/// index is an odd frequency).
fn transform(a: &[[f32; 16]; 16], o: Orientation) -> [[f32; 16]; 16] {
    let mut b = [[0f32; 16]; 16];
    let odd = |k: usize| k.is_multiple_of(2);
    for i in 0..16 {
        for j in 0..16 {
            let v = a[i][j];
            match o {
                Orientation::Rotate90 => b[j][i] = if odd(j) { -v } else { v },
                Orientation::Rotate180 => b[i][j] = if odd(i) != odd(j) { -v } else { v },
                Orientation::Rotate270 => b[j][i] = if odd(i) { -v } else { v },
                Orientation::FlipX => b[i][j] = if odd(i) { -v } else { v },
                Orientation::FlipY => b[i][j] = if odd(j) { -v } else { v },
                Orientation::FlipPlus1 => b[j][i] = v,
                Orientation::FlipMinus1 => b[j][i] = if odd(i) != odd(j) { -v } else { v },
            }
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A picture with structure at every frequency the hash keeps: a fixed sum of cosines
    /// (frequencies 1–16 along each axis), so its coefficients stand clear of their median.
    fn picture(w: usize, h: usize) -> Vec<f32> {
        let mut seed: u32 = 12345;
        let mut next = || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            ((seed >> 8) % 1000) as f32 / 1000.0 - 0.5
        };
        let mut terms: Vec<(f32, f32, f32)> = Vec::new();
        for fu in 1..=16 {
            for fv in 1..=16 {
                let a = next();
                let a = if a < 0.0 {
                    a * 8.0 - 2.0
                } else {
                    a * 8.0 + 2.0
                };
                terms.push((fu as f32, fv as f32, a / (fu + fv) as f32 * 8.0));
            }
        }
        let mut out = Vec::with_capacity(w * h);
        for y in 0..h {
            for x in 0..w {
                let fx = (2 * x + 1) as f32 / (2 * w) as f32;
                let fy = (2 * y + 1) as f32 / (2 * h) as f32;
                let mut v = 128.0;
                for (fu, fv, a) in &terms {
                    v += a
                        * (std::f32::consts::PI * fu * fy).cos()
                        * (std::f32::consts::PI * fv * fx).cos();
                }
                out.push(v);
            }
        }
        out
    }

    /// The picture turned a quarter clockwise, half, or flipped, as pixels.
    fn turned(src: &[f32], w: usize, h: usize, how: &str) -> (Vec<f32>, usize, usize) {
        let at = |x: usize, y: usize| src[y * w + x];
        let mut out = Vec::with_capacity(w * h);
        match how {
            "cw" => {
                for y in 0..w {
                    for x in 0..h {
                        out.push(at(y, h - 1 - x));
                    }
                }
                (out, h, w)
            }
            "ccw" => {
                for y in 0..w {
                    for x in 0..h {
                        out.push(at(w - 1 - y, x));
                    }
                }
                (out, h, w)
            }
            "half" => {
                for y in 0..h {
                    for x in 0..w {
                        out.push(at(w - 1 - x, h - 1 - y));
                    }
                }
                (out, w, h)
            }
            "mirror" => {
                for y in 0..h {
                    for x in 0..w {
                        out.push(at(w - 1 - x, y));
                    }
                }
                (out, w, h)
            }
            "upside" => {
                for y in 0..h {
                    for x in 0..w {
                        out.push(at(x, h - 1 - y));
                    }
                }
                (out, w, h)
            }
            "transpose" => {
                for y in 0..w {
                    for x in 0..h {
                        out.push(at(y, x));
                    }
                }
                (out, h, w)
            }
            _ => {
                for y in 0..w {
                    for x in 0..h {
                        out.push(at(w - 1 - y, h - 1 - x));
                    }
                }
                (out, h, w)
            }
        }
    }

    #[test]
    fn hex_round_trips_and_distance_counts_bits() {
        let h =
            PdqHash::from_hex("f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22")
                .unwrap();
        assert_eq!(
            h.to_hex(),
            "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
        );
        let mut other = h;
        other.0[0] ^= 0b1011;
        assert_eq!(h.distance(&other), 3);
        assert_eq!(PdqHash::from_hex("xyz"), None);
        assert_eq!(PdqHash::from_hex(&"g".repeat(64)), None);
    }

    #[test]
    fn half_the_bits_are_set_and_tiny_or_malformed_images_get_no_hash() {
        let (w, h) = (200, 150);
        let p = hash_luma(&picture(w, h), w, h).unwrap();
        let ones: u32 = p.hash.0.iter().map(|w| w.count_ones()).sum();
        assert_eq!(ones, 128);
        assert!(p.quality >= MIN_QUALITY, "quality {}", p.quality);
        assert_eq!(p.dihedral[0], p.hash);
        assert!(hash_luma(&[0.0; 16], 4, 4).is_none());
        assert!(hash_luma(&[0.0; 10], 5, 5).is_none());
        // A flat image has no structure: quality 0.
        let flat = hash_luma(&vec![128.0; 100 * 100], 100, 100).unwrap();
        assert_eq!(flat.quality, 0);
    }

    #[test]
    fn weak_hashes_never_match_and_the_nearest_orientation_counts() {
        let (w, h) = (128, 128);
        let p = hash_luma(&picture(w, h), w, h).unwrap();
        assert_eq!(match_distance(&p, &p.hash, 100, MATCH_DISTANCE), Some(0));
        assert_eq!(
            match_distance(&p, &p.dihedral[5], 100, MATCH_DISTANCE),
            Some(0)
        );
        assert_eq!(
            match_distance(&p, &p.hash, MIN_QUALITY - 1, MATCH_DISTANCE),
            None
        );
        let weak = Pdq {
            quality: 10,
            ..p.clone()
        };
        assert_eq!(match_distance(&weak, &p.hash, 100, MATCH_DISTANCE), None);
        let mut far = p.hash;
        for w in far.0.iter_mut().take(3) {
            *w = !*w;
        }
        assert_eq!(match_distance(&p, &far, 100, MATCH_DISTANCE), None);
    }

    #[test]
    fn every_rotation_and_flip_is_found_among_the_dihedral_hashes() {
        let (w, h) = (256, 256);
        let src = picture(w, h);
        let original = hash_luma(&src, w, h).unwrap();
        for how in [
            "cw",
            "ccw",
            "half",
            "mirror",
            "upside",
            "transpose",
            "antitranspose",
        ] {
            let (px, tw, th) = turned(&src, w, h, how);
            let direct = hash_luma(&px, tw, th).unwrap().hash;
            let best = original
                .dihedral
                .iter()
                .map(|d| d.distance(&direct))
                .min()
                .unwrap();
            assert!(
                best <= 16,
                "{how}: {best} bits from the nearest dihedral hash"
            );
            assert!(
                original.hash.distance(&direct) > MATCH_DISTANCE,
                "{how} alone would not have matched"
            );
        }
    }
}
