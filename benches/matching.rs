//! Text and image matching at the sizes of the copies issue (issue 14): a text's print and
//! index insert, a candidate lookup among 1,000,000 stored texts, the PDQ hash of a
//! 12-megapixel JPEG (decode included), and a lookup among 1,000,000 stored hashes × 8
//! orientations (multi-index hashing, and a full scan beside it).
//!
//!   cargo bench --bench matching             (or scripts/bench-matching.sh, with the peers)
//!
//! `MELDPUNT_BENCH_TEXTS` sets the number of stored texts (default 1,000,000);
//! `MELDPUNT_BENCH_OUT` a directory to write the texts, queries and photo to, for the peer
//! tools. Prints p50 / p95 / p99 per step.

use std::time::Instant;

use meldpunt::domain::evidence::EvidenceKind;
use meldpunt::domain::image_index::ImageIndex;
use meldpunt::domain::matching::decode_bands;
use meldpunt::domain::pdq::PdqHash;
use meldpunt::domain::text_match::{self, TextIndex};
use meldpunt::service::image_hash::pdq_of;
use meldpunt::service::matching::text_print;

fn percentiles(mut t: Vec<f64>) -> String {
    t.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| t[((t.len() as f64 - 1.0) * q).round() as usize];
    format!(
        "p50 {:.1} µs, p95 {:.1} µs, p99 {:.1} µs ({} runs)",
        at(0.5),
        at(0.95),
        at(0.99),
        t.len()
    )
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut x = self.0;
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    }
}

/// Syllables of Dutch-like words: 24 × 24 × (1 + 24) gives about 15,000 words.
const SYLLABLES: [&str; 24] = [
    "sta", "ti", "on", "po", "li", "tie", "ste", "nen", "vuur", "werk", "ie", "der", "a", "vond",
    "plein", "ker", "mis", "rel", "len", "cen", "trum", "ko", "men", "wijk",
];

/// One word, drawn with a Zipf-like skew (the common words much more often, as in real posts).
fn word(rng: &mut Rng) -> String {
    let u = (rng.next() % 1_000_000) as f64 / 1_000_000.0;
    let rank = (u * u * u * 15_000.0) as u64;
    let a = SYLLABLES[(rank % 24) as usize];
    let b = SYLLABLES[((rank / 24) % 24) as usize];
    match rank / 576 {
        0 => format!("{a}{b}"),
        n => format!("{a}{b}{}", SYLLABLES[((n - 1) % 24) as usize]),
    }
}

/// A post of 20–40 words with a time in it.
fn text(rng: &mut Rng) -> String {
    let n = 20 + rng.next() % 21;
    let mut words: Vec<String> = (0..n).map(|_| word(rng)).collect();
    words.push(format!(
        "{}:{:02}",
        18 + rng.next() % 6,
        (rng.next() % 4) * 15
    ));
    words.join(" ")
}

/// Writes what the peer tools are measured on (`scripts/bench-matching.sh`).
fn export(dir: &std::path::Path, name: &str, lines: &[String]) {
    std::fs::write(dir.join(name), lines.join("\n")).expect("write bench data");
}

fn main() {
    let n: usize = std::env::var("MELDPUNT_BENCH_TEXTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let out = std::env::var("MELDPUNT_BENCH_OUT")
        .ok()
        .map(std::path::PathBuf::from);
    let mut rng = Rng(1);
    let mut index = TextIndex::default();
    let mut insert_times = Vec::new();
    let mut stored_texts = Vec::new();
    let started = Instant::now();
    for i in 0..n {
        let t = text(&mut rng);
        let at = Instant::now();
        // What intake does per text: the print, and the index insert by its band keys.
        if let Some(bands) = text_print(&t).print.as_deref().and_then(decode_bands) {
            index.insert_bands(i as i64, &bands);
        }
        if i % 100 == 0 {
            insert_times.push(at.elapsed().as_secs_f64() * 1e6);
        }
        if i < 100_000 {
            stored_texts.push(t);
        }
    }
    println!(
        "text: signature + index insert: {} — {n} texts indexed in {:.1} s",
        percentiles(insert_times),
        started.elapsed().as_secs_f64()
    );
    let mut lookup = Vec::new();
    let mut candidates = 0;
    let mut queries = Vec::new();
    for q in 0..1000 {
        // Half of the queries are copies of a stored text with a word changed.
        let t = if q % 2 == 0 {
            stored_texts[q * 97 % stored_texts.len()].replacen(' ', " en ", 1)
        } else {
            text(&mut rng)
        };
        let p = text_match::print(&t).unwrap();
        let keys = text_match::band_keys(&p.signature);
        let at = Instant::now();
        candidates += index.candidates_of_bands(&keys).len();
        lookup.push(at.elapsed().as_secs_f64() * 1e6);
        queries.push(t);
    }
    println!(
        "text: candidate lookup among {n}: {} ({:.1} candidates per query)",
        percentiles(lookup),
        candidates as f64 / 1000.0
    );
    if let Some(dir) = &out {
        export(dir, "texts.txt", &stored_texts);
        export(dir, "queries.txt", &queries);
        // The same work as datasketch's, on the same 100,000 texts, for the side-by-side run.
        let mut small = TextIndex::default();
        for (i, t) in stored_texts.iter().enumerate() {
            if let Some(bands) = text_print(t).print.as_deref().and_then(decode_bands) {
                small.insert_bands(i as i64, &bands);
            }
        }
        let at = Instant::now();
        let mut found = 0;
        for q in &queries {
            if let Some(bands) = text_print(q).print.as_deref().and_then(decode_bands) {
                found += small.candidates_of_bands(&bands).len();
            }
        }
        println!(
            "text: print + query (as datasketch measures it) among {}: {:.1} µs per query ({found} candidates)",
            stored_texts.len(),
            at.elapsed().as_secs_f64() * 1e6 / queries.len() as f64
        );
    }
    drop(index);

    // A 12-megapixel photo-like JPEG (4000 × 3000).
    let img = image::RgbImage::from_fn(4000, 3000, |x, y| {
        let v = ((x as f32 / 37.0).sin() * 60.0 + (y as f32 / 53.0).cos() * 60.0 + 128.0) as u8;
        image::Rgb([
            v,
            v.wrapping_add((x / 7) as u8),
            v.wrapping_sub((y / 5) as u8),
        ])
    });
    let mut jpeg = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut jpeg),
        image::ImageFormat::Jpeg,
    )
    .unwrap();
    let mut hashing = Vec::new();
    let mut last = None;
    for _ in 0..10 {
        let at = Instant::now();
        last = pdq_of(EvidenceKind::Jpeg, &jpeg).unwrap();
        hashing.push(at.elapsed().as_secs_f64() * 1e6);
    }
    println!(
        "image: PDQ of a 12-megapixel JPEG ({} KB), decode included: {}",
        jpeg.len() / 1024,
        percentiles(hashing)
    );
    let mut decoding = Vec::new();
    for _ in 0..10 {
        let at = Instant::now();
        let img = meldpunt::service::thumbnail::decode(EvidenceKind::Jpeg, &jpeg).unwrap();
        std::hint::black_box(img.to_rgb8());
        decoding.push(at.elapsed().as_secs_f64() * 1e6);
    }
    println!(
        "image: of which decoding the JPEG (bounded, EXIF orientation) to RGB: {}",
        percentiles(decoding)
    );
    let probe = last.expect("a hash");
    if let Some(dir) = &out {
        std::fs::write(dir.join("photo-12mp.jpg"), &jpeg).expect("write bench data");
    }

    let mut images = ImageIndex::default();
    for i in 0..1_000_000i64 {
        let mut w = [0u16; 16];
        for x in w.iter_mut() {
            *x = rng.next() as u16;
        }
        // One in 10,000 a near copy of the probe (a few bits off, in another orientation).
        if i % 10_000 == 0 {
            w = probe.dihedral[(i / 10_000 % 8) as usize].0;
            w[(i % 16) as usize] ^= 0b1011;
        }
        images.insert(i, &PdqHash(w));
    }
    // Warm up (the first lookups fault the tables in), then measure.
    for _ in 0..20 {
        std::hint::black_box(images.within(&probe.dihedral, 31));
    }
    let mut lookups = Vec::new();
    let mut hits = 0;
    for _ in 0..200 {
        let at = Instant::now();
        hits += images.within(&probe.dihedral, 31).len();
        lookups.push(at.elapsed().as_secs_f64() * 1e6);
    }
    println!(
        "image: lookup among 1,000,000 hashes × 8 orientations (multi-index hashing): {} ({} hits per lookup)",
        percentiles(lookups),
        hits / 200
    );
    let mut scans = Vec::new();
    for _ in 0..5 {
        let at = Instant::now();
        hits = images.within(&probe.dihedral, 32).len();
        scans.push(at.elapsed().as_secs_f64() * 1e6);
    }
    println!(
        "image: the same by a full scan (radius 32, past what the index covers): {} ({hits} hits)",
        percentiles(scans)
    );
}
