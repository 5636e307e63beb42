//! The in-memory index of stored PDQ hashes: multi-index hashing (Norouzi et al., as in Meta's
//! `pdq/cpp/index/mih.h`). The 256 bits are cut into 16 words of 16 bits; two hashes at most
//! 31 bits apart differ in at most one bit in at least one word (16 words, 31 bits), so probing
//! each word's table with the query's word and its 16 one-bit neighbours finds every hash
//! within the radius. Candidates are then checked by their full distance. For radii above 31
//! the index falls back to scanning every hash. A cache: any process rebuilds it from the
//! stored hashes.

use super::pdq::PdqHash;

const WORDS: usize = 16;
const BUCKETS: usize = 1 << 16;
/// The largest radius the probes cover (see the module text).
pub const MIH_RADIUS: u32 = 2 * WORDS as u32 - 1;

#[derive(Debug)]
pub struct ImageIndex {
    hashes: Vec<[u64; 4]>,
    ids: Vec<i64>,
    /// Per word, per 16-bit value: the positions (in `hashes`) having it.
    tables: Vec<Vec<u32>>,
}

impl Default for ImageIndex {
    fn default() -> ImageIndex {
        ImageIndex {
            hashes: Vec::new(),
            ids: Vec::new(),
            tables: vec![Vec::new(); WORDS * BUCKETS],
        }
    }
}

fn wide(h: &PdqHash) -> [u64; 4] {
    std::array::from_fn(|i| {
        let w = &h.0[i * 4..i * 4 + 4];
        w[0] as u64 | (w[1] as u64) << 16 | (w[2] as u64) << 32 | (w[3] as u64) << 48
    })
}

fn distance(a: &[u64; 4], b: &[u64; 4]) -> u32 {
    (a[0] ^ b[0]).count_ones()
        + (a[1] ^ b[1]).count_ones()
        + (a[2] ^ b[2]).count_ones()
        + (a[3] ^ b[3]).count_ones()
}

impl ImageIndex {
    pub fn insert(&mut self, id: i64, hash: &PdqHash) {
        let pos = self.hashes.len() as u32;
        for (word, value) in hash.0.iter().enumerate() {
            self.tables[word * BUCKETS + *value as usize].push(pos);
        }
        self.hashes.push(wide(hash));
        self.ids.push(id);
    }

    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Every stored id within `radius` bits of any of `queries` (an image's orientations),
    /// with its least distance, in ascending order of id.
    pub fn within(&self, queries: &[PdqHash], radius: u32) -> Vec<(i64, u32)> {
        let mut found: Vec<(i64, u32)> = Vec::new();
        let wide_queries: Vec<[u64; 4]> = queries.iter().map(wide).collect();
        if radius > MIH_RADIUS {
            for (pos, h) in self.hashes.iter().enumerate() {
                if let Some(d) = wide_queries.iter().map(|q| distance(q, h)).min() {
                    if d <= radius {
                        found.push((self.ids[pos], d));
                    }
                }
            }
        } else {
            // Per orientation: its probes, then the full distance to that orientation only (a
            // stored hash within the radius of an orientation is among that one's probes).
            let mut near: Vec<(u32, u32)> = Vec::new();
            let mut positions: Vec<u32> = Vec::new();
            for (q, wide_q) in queries.iter().zip(&wide_queries) {
                positions.clear();
                for (word, value) in q.0.iter().enumerate() {
                    let table = &self.tables[word * BUCKETS..(word + 1) * BUCKETS];
                    positions.extend_from_slice(&table[*value as usize]);
                    for bit in 0..16 {
                        positions.extend_from_slice(&table[(*value ^ (1 << bit)) as usize]);
                    }
                }
                positions.sort_unstable();
                positions.dedup();
                for &pos in &positions {
                    let d = distance(wide_q, &self.hashes[pos as usize]);
                    if d <= radius {
                        near.push((pos, d));
                    }
                }
            }
            // Each stored hash once, at its least distance.
            near.sort_unstable();
            near.dedup_by_key(|(pos, _)| *pos);
            found.extend(near.into_iter().map(|(pos, d)| (self.ids[pos as usize], d)));
        }
        found.sort_unstable();
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift), so that failures can be repeated.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn hash(&mut self) -> PdqHash {
            PdqHash(std::array::from_fn(|_| self.next() as u16))
        }
        fn near(&mut self, h: &PdqHash, bits: u32) -> PdqHash {
            let mut out = *h;
            for _ in 0..bits {
                let k = (self.next() % 256) as usize;
                out.0[k / 16] ^= 1 << (k % 16);
            }
            out
        }
    }

    fn brute(stored: &[(i64, PdqHash)], queries: &[PdqHash], radius: u32) -> Vec<(i64, u32)> {
        let mut out: Vec<(i64, u32)> = stored
            .iter()
            .filter_map(|(id, h)| {
                let d = queries.iter().map(|q| q.distance(h)).min()?;
                (d <= radius).then_some((*id, d))
            })
            .collect();
        out.sort_unstable();
        out
    }

    #[test]
    fn finds_exactly_what_a_full_scan_finds_at_every_radius() {
        let mut rng = Rng(0x5eed_1234_abcd_ef01);
        let mut index = ImageIndex::default();
        let mut stored = Vec::new();
        let bases: Vec<PdqHash> = (0..40).map(|_| rng.hash()).collect();
        for id in 0..3_000i64 {
            // Many near copies of a few images (distances 0–60), and unrelated hashes.
            let h = if id % 3 == 0 {
                rng.hash()
            } else {
                let base = bases[(id as usize) % bases.len()];
                let bits = (rng.next() % 61) as u32;
                rng.near(&base, bits)
            };
            index.insert(id, &h);
            stored.push((id, h));
        }
        for (i, base) in bases.iter().enumerate() {
            let queries: Vec<PdqHash> = (0..8)
                .map(|k| if k == 0 { *base } else { rng.hash() })
                .collect();
            for radius in [0, 8, 16, 31, 32, 45] {
                let want = brute(&stored, &queries, radius);
                assert_eq!(
                    index.within(&queries, radius),
                    want,
                    "query {i} radius {radius}"
                );
                if radius == 31 {
                    assert!(
                        !want.is_empty(),
                        "the test data holds copies within 31 bits"
                    );
                }
            }
        }
        assert_eq!(index.len(), 3_000);
    }
}
