//! Text and image matching at the sizes of the copies issue (issue 14): a text's signature
//! and index insert, a candidate lookup among 1,000,000 stored texts, the PDQ hash of a
//! 12-megapixel JPEG (decode included), and a lookup among 1,000,000 stored hashes × 8
//! orientations (a linear popcount scan).
//!
//!   cargo bench --bench matching
//!
//! `MELDPUNT_BENCH_TEXTS` sets the number of stored texts (default 1,000,000). Prints
//! p50 / p95 / p99 per step.

use std::time::Instant;

use meldpunt::domain::evidence::EvidenceKind;
use meldpunt::domain::pdq::PdqHash;
use meldpunt::domain::text_match::{self, TextIndex};
use meldpunt::service::image_hash::pdq_of;

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

const WORDS: [&str; 32] = [
    "zaterdag",
    "station",
    "politie",
    "stenen",
    "vuurwerk",
    "iedereen",
    "avond",
    "plein",
    "mee",
    "nemen",
    "rellen",
    "centrum",
    "komen",
    "jongens",
    "twintig",
    "uur",
    "snel",
    "delen",
    "groep",
    "wijk",
    "morgen",
    "straks",
    "samen",
    "los",
    "markt",
    "ede",
    "rotterdam",
    "haren",
    "feest",
    "braderie",
    "kinderen",
    "muziek",
];

fn text(rng: &mut Rng) -> String {
    (0..30)
        .map(|_| WORDS[(rng.next() % WORDS.len() as u64) as usize])
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() {
    let n: usize = std::env::var("MELDPUNT_BENCH_TEXTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let mut rng = Rng(1);
    let mut index = TextIndex::default();
    let mut insert_times = Vec::new();
    let started = Instant::now();
    for i in 0..n {
        let t = text(&mut rng);
        let at = Instant::now();
        let p = text_match::print(&t).expect("a long enough text");
        index.insert(i as i64, &p.signature);
        if i % 100 == 0 {
            insert_times.push(at.elapsed().as_secs_f64() * 1e6);
        }
    }
    println!(
        "text: signature + index insert: {} — {n} texts indexed in {:.1} s",
        percentiles(insert_times),
        started.elapsed().as_secs_f64()
    );
    let mut lookup = Vec::new();
    let mut candidates = 0;
    for _ in 0..1000 {
        let p = text_match::print(&text(&mut rng)).unwrap();
        let at = Instant::now();
        candidates += index.candidates(&p.signature).len();
        lookup.push(at.elapsed().as_secs_f64() * 1e6);
    }
    println!(
        "text: candidate lookup among {n}: {} ({:.1} candidates per query)",
        percentiles(lookup),
        candidates as f64 / 1000.0
    );
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
    let probe = last.expect("a hash");

    let stored: Vec<PdqHash> = (0..1_000_000)
        .map(|_| {
            let mut w = [0u16; 16];
            for x in w.iter_mut() {
                *x = rng.next() as u16;
            }
            PdqHash(w)
        })
        .collect();
    let mut scans = Vec::new();
    let mut hits = 0;
    for _ in 0..50 {
        let at = Instant::now();
        for h in &stored {
            if probe.dihedral.iter().any(|d| d.distance(h) <= 31) {
                hits += 1;
            }
        }
        scans.push(at.elapsed().as_secs_f64() * 1e6);
    }
    println!(
        "image: lookup among 1,000,000 hashes × 8 orientations (linear scan): {} ({hits} hits)",
        percentiles(scans)
    );
}
