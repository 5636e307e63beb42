//! Near-duplicate text: the same call re-typed with an emoji, a typo, another hashtag or its
//! lines in another order. Text is normalised (Dutch-aware), cut into character shingles,
//! summarised as a MinHash signature, and indexed by locality-sensitive hashing (bands of the
//! signature) to find candidates fast; the real Jaccard similarity of the shingle sets decides
//! before anything is proposed.
//!
//! Everything here is deterministic across processes and machines (fixed seeds, FNV-1a and
//! SplitMix64): signatures are stored in the database and compared by every instance.

use std::borrow::Cow;
use std::collections::HashMap;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Characters per shingle.
pub const SHINGLE: usize = 5;
/// MinHash values per signature.
pub const SIGNATURE_LEN: usize = 128;
/// LSH bands × rows per band (= `SIGNATURE_LEN`). With 32 bands of 4 rows, a pair at Jaccard
/// 0.7 shares a band with probability 1 − (1 − 0.7⁴)³² ≈ 0.9998; at 0.3, ≈ 0.23.
pub const BANDS: usize = 32;
pub const ROWS: usize = SIGNATURE_LEN / BANDS;
/// The longest text compared (characters, after normalisation); the rest is ignored.
pub const MAX_CHARS: usize = 20_000;
/// Texts shorter than this (after normalisation) say too little to match on.
pub const MIN_CHARS: usize = 20;
/// A copy: at least this Jaccard similarity of the shingle sets.
pub const DEFAULT_THRESHOLD: f64 = 0.7;

/// Letters that look like Latin ones in other scripts (Cyrillic, Greek), as used to dodge
/// filters: mapped to the Latin letter they imitate.
fn look_alike(c: char) -> char {
    match c {
        'а' => 'a',
        'в' => 'b',
        'е' | 'ё' => 'e',
        'к' => 'k',
        'м' => 'm',
        'н' => 'h',
        'о' | 'ο' => 'o',
        'р' | 'ρ' => 'p',
        'с' => 'c',
        'т' | 'τ' => 't',
        'у' => 'y',
        'х' | 'χ' => 'x',
        'і' | 'ι' => 'i',
        'ј' => 'j',
        'ѕ' => 's',
        'ν' => 'v',
        'α' => 'a',
        'ε' => 'e',
        'κ' => 'k',
        'ʼ' | '’' | '‘' | '`' | '´' => '\'',
        other => other,
    }
}

/// The text as it is compared: NFKC (so 𝐁𝐎𝐋𝐃 and ｗｉｄｅ letters are plain), lower case,
/// accents removed (é → e, ë → e), look-alike letters in Latin words mapped to Latin, URLs and @handles
/// removed (copies on other accounts link and tag differently), hashtags removed (re-posts add
/// them), emoji and other symbols removed, and everything that is not a letter or digit made
/// one space. Digits stay: times and dates tell calls apart.
pub fn normalise(text: &str) -> String {
    // ASCII is its own NFKC and NFD: most Dutch posts skip both passes.
    let nfkc: Cow<str> = if text.is_ascii() {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfkc().collect())
    };
    let mut kept = String::with_capacity(nfkc.len());
    for word in nfkc.split_whitespace() {
        let lower = word.to_lowercase();
        if lower.starts_with('@')
            || lower.starts_with('#')
            || lower.starts_with("http://")
            || lower.starts_with("https://")
            || lower.starts_with("www.")
            || lower.starts_with("t.me/")
        {
            kept.push(' ');
            continue;
        }
        let plain: String = if lower.is_ascii() {
            lower
        } else {
            lower.nfd().filter(|c| !is_combining_mark(*c)).collect()
        };
        // Look-alikes are mapped only in words that mix them with Latin letters (the way
        // filters are dodged); a word wholly in another script stays as it is.
        if plain.chars().any(|c| c.is_ascii_alphabetic()) {
            kept.extend(plain.chars().map(look_alike));
        } else {
            kept.push_str(&plain);
        }
        kept.push(' ');
    }
    let mut out = String::with_capacity(kept.len());
    let mut space = true;
    for c in kept.chars() {
        if c.is_alphanumeric() {
            out.push(c);
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
        if out.len() >= MAX_CHARS * 4 {
            break;
        }
    }
    let trimmed = out.trim_end();
    trimmed.chars().take(MAX_CHARS).collect()
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

const fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The set of shingle hashes of a normalised text: every run of [`SHINGLE`] characters
/// (a shorter text is one shingle).
pub fn shingles(normalised: &str) -> Shingles {
    let starts: Vec<usize> = normalised
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(normalised.len()))
        .collect();
    let chars = starts.len() - 1;
    if chars == 0 {
        return Vec::new();
    }
    if chars <= SHINGLE {
        return vec![fnv1a(normalised.as_bytes())];
    }
    let mut out: Vec<u64> = (0..=chars - SHINGLE)
        .map(|k| fnv1a(&normalised.as_bytes()[starts[k]..starts[k + SHINGLE]]))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// A text's shingle hashes: sorted, each once.
pub type Shingles = Vec<u64>;

/// The Jaccard similarity of two shingle sets (0 when both are empty).
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - both;
    if union == 0 {
        return 0.0;
    }
    both as f64 / union as f64
}

/// A MinHash signature: for each of [`SIGNATURE_LEN`] hash functions, the least value over the
/// shingles.
pub type Signature = [u32; SIGNATURE_LEN];

pub fn signature(shingles: &[u64]) -> Signature {
    let mut sig = [u32::MAX; SIGNATURE_LEN];
    for s in shingles {
        // The shingle hashed once; each of the hash functions is then a 32-bit multiply-add
        // with its own odd multiplier (a bijection of the 32-bit values), as MinHash
        // implementations usually do, instead of a full hash per function — lanes a compiler
        // can run side by side.
        let base = (splitmix(*s) >> 32) as u32;
        for (slot, (a, b)) in sig.iter_mut().zip(PERMUTATIONS.iter()) {
            *slot = (*slot).min(a.wrapping_mul(base).wrapping_add(*b));
        }
    }
    sig
}

/// The multipliers (odd) and increments of the signature's hash functions, fixed: stored
/// signatures stay comparable.
const PERMUTATIONS: [(u32, u32); SIGNATURE_LEN] = {
    let mut out = [(0u32, 0u32); SIGNATURE_LEN];
    let mut i = 0;
    while i < SIGNATURE_LEN {
        out[i] = (
            (splitmix(2 * i as u64 + 1) >> 32) as u32 | 1,
            (splitmix(2 * i as u64 + 2) >> 32) as u32,
        );
        i += 1;
    }
    out
};

/// The share of equal positions: an estimate of the Jaccard similarity.
pub fn estimate(a: &Signature, b: &Signature) -> f64 {
    a.iter().zip(b.iter()).filter(|(x, y)| x == y).count() as f64 / SIGNATURE_LEN as f64
}

/// The band keys of a signature: one per band, its rows hashed together with the band's number.
pub fn band_keys(sig: &Signature) -> [u64; BANDS] {
    let mut keys = [0u64; BANDS];
    for (band, key) in keys.iter_mut().enumerate() {
        let mut h = splitmix(band as u64 + 1);
        for v in &sig[band * ROWS..(band + 1) * ROWS] {
            h = splitmix(h ^ u64::from(*v));
        }
        *key = h;
    }
    keys
}

/// What a stored text is compared by.
#[derive(Debug, Clone, PartialEq)]
pub struct TextPrint {
    pub shingles: Shingles,
    pub signature: Signature,
}

/// The print of a text, or `None` when it says too little to match on after normalisation
/// (fewer than [`MIN_CHARS`] characters: an empty text, only emoji or links).
pub fn print(text: &str) -> Option<TextPrint> {
    let n = normalise(text);
    if n.chars().count() < MIN_CHARS {
        return None;
    }
    let shingles = shingles(&n);
    let signature = signature(&shingles);
    Some(TextPrint {
        shingles,
        signature,
    })
}

/// The in-memory LSH index: band key → the ids of the texts with that band. A cache over the
/// stored signatures; any process can rebuild it.
#[derive(Debug, Default)]
pub struct TextIndex {
    buckets: HashMap<u64, Vec<i64>>,
    len: usize,
}

impl TextIndex {
    pub fn insert(&mut self, id: i64, sig: &Signature) {
        self.insert_bands(id, &band_keys(sig));
    }

    /// Inserts a text by its stored band keys.
    pub fn insert_bands(&mut self, id: i64, keys: &[u64; BANDS]) {
        for key in keys {
            self.buckets.entry(*key).or_default().push(id);
        }
        self.len += 1;
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The ids sharing at least one band with `sig`, each once, in ascending order.
    pub fn candidates(&self, sig: &Signature) -> Vec<i64> {
        self.candidates_of_bands(&band_keys(sig))
    }

    /// The ids sharing at least one of these band keys, each once, in ascending order.
    pub fn candidates_of_bands(&self, keys: &[u64; BANDS]) -> Vec<i64> {
        let mut out: Vec<i64> = keys
            .iter()
            .filter_map(|k| self.buckets.get(k))
            .flatten()
            .copied()
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_removes_what_copies_change_and_keeps_times() {
        let a = normalise("Zaterdag 20:00 ALLEMAAL naar het station!!! 🔥🔥 #avondklok @rellen_nl https://t.me/x/1");
        assert_eq!(a, "zaterdag 20 00 allemaal naar het station");
        // Accents, wide and bold letters, Cyrillic look-alikes.
        assert_eq!(normalise("Café ëën"), "cafe een");
        assert_eq!(normalise("ｓｔａｔｉｏｎ 𝐍𝐔"), "station nu");
        assert_eq!(normalise("stаtiоn"), "station");
        assert_eq!(normalise("   "), "");
        assert!(print("🔥🔥🔥 #rellen").is_none());
        assert!(print("").is_none());
        // Another script is kept as it is (and so only matches text in that script).
        assert_eq!(normalise("Ἀθήνα"), "αθηνα");
        // A megabyte of text is cut, not refused.
        let long = "oproep ".repeat(150_000);
        assert_eq!(normalise(&long).chars().count(), MAX_CHARS);
    }

    #[test]
    fn a_re_typed_copy_is_similar_and_another_call_is_not() {
        let original = "Zaterdag 20:00 iedereen naar het Stationsplein in Ede. Neem stenen en vuurwerk mee, we pakken de politie terug!";
        let copy = "zaterdag 20.00 iedereen naar t stationsplein in Ede 🔥 neem stenen en vuurwerk mee we pakken de politie terug #ede #avondklok";
        let other = "Zaterdag 20:00 braderie op het Stationsplein in Ede, neem je kinderen mee, gratis ijs voor iedereen!";
        let (p, q, r) = (
            print(original).unwrap(),
            print(copy).unwrap(),
            print(other).unwrap(),
        );
        let copy_j = jaccard(&p.shingles, &q.shingles);
        let other_j = jaccard(&p.shingles, &r.shingles);
        assert!(copy_j >= DEFAULT_THRESHOLD, "copy {copy_j}");
        assert!(other_j < 0.4, "other call {other_j}");
    }

    /// A small deterministic generator for the brute-force comparison.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = splitmix(self.0);
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    const WORDS: [&str; 24] = [
        "zaterdag", "station", "politie", "stenen", "vuurwerk", "iedereen", "avond", "plein",
        "mee", "nemen", "rellen", "centrum", "komen", "jongens", "twintig", "uur", "snel", "delen",
        "groep", "wijk", "morgen", "straks", "samen", "los",
    ];

    fn random_text(rng: &mut Rng, words: usize) -> Vec<&'static str> {
        (0..words).map(|_| WORDS[rng.below(WORDS.len())]).collect()
    }

    fn mutate(rng: &mut Rng, words: &[&'static str], changes: usize) -> Vec<&'static str> {
        let mut out = words.to_vec();
        for _ in 0..changes {
            let at = rng.below(out.len());
            out[at] = WORDS[rng.below(WORDS.len())];
        }
        out
    }

    #[test]
    fn minhash_estimates_and_lsh_candidates_agree_with_brute_force() {
        let mut rng = Rng(7);
        let mut texts: Vec<String> = Vec::new();
        for _ in 0..60 {
            let base = random_text(&mut rng, 40);
            texts.push(base.join(" "));
            for changes in [1, 3, 8, 20] {
                texts.push(mutate(&mut rng, &base, changes).join(" "));
            }
        }
        let prints: Vec<TextPrint> = texts.iter().map(|t| print(t).unwrap()).collect();
        let mut index = TextIndex::default();
        for (i, p) in prints.iter().enumerate() {
            index.insert(i as i64, &p.signature);
        }
        assert_eq!(index.len(), prints.len());
        let (mut similar, mut found, mut worst) = (0, 0, 0f64);
        for (i, p) in prints.iter().enumerate() {
            let candidates = index.candidates(&p.signature);
            assert!(candidates.contains(&(i as i64)));
            for (j, q) in prints.iter().enumerate().skip(i + 1) {
                let real = jaccard(&p.shingles, &q.shingles);
                worst = worst.max((estimate(&p.signature, &q.signature) - real).abs());
                if real >= DEFAULT_THRESHOLD {
                    similar += 1;
                    if candidates.contains(&(j as i64)) {
                        found += 1;
                    }
                }
            }
        }
        assert!(similar >= 60, "the data holds {similar} similar pairs");
        assert!(
            found as f64 >= 0.99 * similar as f64,
            "LSH found {found} of {similar} pairs at Jaccard ≥ 0.7"
        );
        // With 128 values the estimate's standard error is at most 0.045.
        assert!(worst < 0.25, "the estimate was {worst} off");
    }

    /// The labelled Dutch set (`scripts/gen-text-set.py`): re-posts of 40 invented calls with
    /// typos, emoji, reordered lines, hashtags, handles and links, and hard negatives sharing a
    /// call's town, day and time. Recall: of the pairs at Jaccard ≥ 0.7, the share LSH puts
    /// forward; precision: of what is proposed (candidate and Jaccard ≥ 0.7), the share that
    /// are copies of one message.
    #[test]
    fn on_the_labelled_dutch_set_recall_and_precision_meet_the_targets() {
        let set = include_str!("../../tests/data/text_match/labelled.tsv");
        let rows: Vec<(u32, TextPrint)> = set
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.splitn(3, '\t').collect();
                (
                    f[0].parse().unwrap(),
                    print(&f[2].replace(" | ", "\n")).unwrap(),
                )
            })
            .collect();
        assert!(rows.len() > 250);
        let mut index = TextIndex::default();
        for (i, (_, p)) in rows.iter().enumerate() {
            index.insert(i as i64, &p.signature);
        }
        let (mut at_threshold, mut found, mut proposed, mut right, mut copies, mut copies_proposed) =
            (0, 0, 0, 0, 0, 0);
        for (i, (g, p)) in rows.iter().enumerate() {
            let candidates = index.candidates(&p.signature);
            for (j, (h, q)) in rows.iter().enumerate().skip(i + 1) {
                let real = jaccard(&p.shingles, &q.shingles);
                let candidate = candidates.binary_search(&(j as i64)).is_ok();
                if real >= DEFAULT_THRESHOLD {
                    at_threshold += 1;
                    if candidate {
                        found += 1;
                    }
                }
                let is_proposed = candidate && real >= DEFAULT_THRESHOLD;
                if is_proposed {
                    proposed += 1;
                    if g == h {
                        right += 1;
                    }
                }
                if g == h {
                    copies += 1;
                    if is_proposed {
                        copies_proposed += 1;
                    }
                }
            }
        }
        let recall = found as f64 / at_threshold as f64;
        let precision = right as f64 / proposed as f64;
        eprintln!(
            "labelled set: {at_threshold} pairs at Jaccard >= 0.7, recall {recall:.3}, \
             precision {precision:.3} of {proposed} proposed; {copies_proposed} of {copies} copy pairs proposed"
        );
        assert!(recall >= 0.95, "recall {recall}");
        assert!(precision >= 0.98, "precision {precision}");
        assert!(
            copies_proposed * 10 >= copies * 8,
            "{copies_proposed} of {copies} copy pairs"
        );
    }

    #[test]
    fn signatures_are_the_same_on_every_run() {
        let p = print("Zaterdag 20:00 iedereen naar het station van Ede").unwrap();
        let q = print("Zaterdag 20:00 iedereen naar het station van Ede").unwrap();
        assert_eq!(p, q);
        // FNV-1a's published test vectors: the stored hashes do not depend on this build.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
