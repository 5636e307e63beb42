//! Copies found by themselves: what was offered for comparison and how it came out, the stored
//! form of a print, the rules that turn a look-alike into a proposal, and the bookkeeping that
//! lets every process keep its in-memory index current from the database.
//!
//! The prints themselves are made by `domain::text_match` (MinHash over shingles) and
//! `domain::pdq` (images). Matching never links anything by itself: it proposes, and an
//! analyst confirms or rejects.

use std::collections::BTreeMap;

use super::notice::Outcome;
use super::pdq::PdqHash;
use super::text_match::BANDS;
use super::Millis;
use crate::vocabulary;

vocabulary! {
    /// What a print is of.
    pub enum PrintKind {
        Text => ("text", "tekst", "text"),
        Image => ("image", "afbeelding", "image"),
    }
}

vocabulary! {
    /// Whether a text or file was compared with other content, and if not, why.
    pub enum PrintOutcome {
        Compared => ("compared", "vergeleken met andere meldingen", "compared with other reports"),
        TooShort => ("too-short", "niet vergeleken: te weinig tekst om op te vergelijken", "not compared: too little text to compare on"),
        LowQuality => ("low-quality", "niet vergeleken: de afbeelding is te vlak of te klein voor een betrouwbare vergelijking", "not compared: the image is too flat or too small to compare reliably"),
        Unreadable => ("unreadable", "niet vergeleken: het bestand kon niet worden gelezen", "not compared: the file could not be read"),
        TooLarge => ("too-large", "niet vergeleken: de afbeelding heeft te veel beeldpunten", "not compared: the image has too many pixels"),
        Video => ("video", "niet vergeleken: video wordt niet vergeleken", "not compared: video is not compared"),
        NotAnImage => ("not-an-image", "niet vergeleken: alleen afbeeldingen worden vergeleken", "not compared: only images are compared"),
    }
}

impl PrintOutcome {
    /// The print is used to find copies.
    pub fn is_compared(self) -> bool {
        self == PrintOutcome::Compared
    }
}

vocabulary! {
    /// Where a proposed pair of look-alike cases stands.
    pub enum ProposalState {
        Proposed => ("proposed", "voorgesteld", "proposed"),
        Confirmed => ("confirmed", "bevestigd als kopie", "confirmed as a copy"),
        Rejected => ("rejected", "afgewezen: geen kopie", "rejected: not a copy"),
    }
}

/// Settings of matching (configurable; the defaults are the operating points).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchSettings {
    /// The least Jaccard similarity of two texts' shingles that is proposed.
    pub text_threshold: f64,
    /// The largest PDQ distance (bits) that is proposed.
    pub image_distance: u32,
}

impl Default for MatchSettings {
    fn default() -> MatchSettings {
        MatchSettings {
            text_threshold: super::text_match::DEFAULT_THRESHOLD,
            image_distance: super::pdq::MATCH_DISTANCE,
        }
    }
}

/// How alike two cases' contents are: the best text similarity and the least image
/// distance found between them, as far as either was found.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Likeness {
    pub text_similarity: Option<f64>,
    pub image_distance: Option<u32>,
}

impl Likeness {
    /// The best of both: the higher similarity, the smaller distance.
    pub fn best(self, other: Likeness) -> Likeness {
        Likeness {
            text_similarity: max_opt(self.text_similarity, other.text_similarity, f64::max),
            image_distance: max_opt(self.image_distance, other.image_distance, u32::min),
        }
    }
}

fn max_opt<T: Copy>(a: Option<T>, b: Option<T>, pick: fn(T, T) -> T) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(pick(a, b)),
        (a, None) => a,
        (None, b) => b,
    }
}

/// The pair as stored: the lower case id first. `None` for a case and itself.
pub fn pair(a: i64, b: i64) -> Option<(i64, i64)> {
    match a.cmp(&b) {
        std::cmp::Ordering::Less => Some((a, b)),
        std::cmp::Ordering::Greater => Some((b, a)),
        std::cmp::Ordering::Equal => None,
    }
}

/// Whether a look-alike found now should be written as (or into) a proposal: a pair already
/// decided — confirmed or rejected — is not proposed again.
pub fn should_propose(existing: Option<ProposalState>) -> bool {
    matches!(existing, None | Some(ProposalState::Proposed))
}

/// A case whose content a platform made unavailable after one of meldpunt's notices: a new
/// copy of it is a re-upload. `answers` are the platform answers about that case.
pub fn was_taken_down(answers: &[Outcome]) -> bool {
    answers.iter().any(|o| o.made_unavailable())
}

/// Band keys as stored: 8 bytes each, little-endian.
pub fn encode_bands(keys: &[u64; BANDS]) -> Vec<u8> {
    keys.iter().flat_map(|k| k.to_le_bytes()).collect()
}

pub fn decode_bands(bytes: &[u8]) -> Option<[u64; BANDS]> {
    if bytes.len() != BANDS * 8 {
        return None;
    }
    let mut keys = [0u64; BANDS];
    for (k, chunk) in keys.iter_mut().zip(bytes.chunks_exact(8)) {
        *k = u64::from_le_bytes(chunk.try_into().ok()?);
    }
    Some(keys)
}

/// A PDQ hash as stored: its 16 words, little-endian (32 bytes).
pub fn encode_pdq(hash: &PdqHash) -> Vec<u8> {
    hash.0.iter().flat_map(|w| w.to_le_bytes()).collect()
}

pub fn decode_pdq(bytes: &[u8]) -> Option<PdqHash> {
    if bytes.len() != 32 {
        return None;
    }
    let mut words = [0u16; 16];
    for (w, chunk) in words.iter_mut().zip(bytes.chunks_exact(2)) {
        *w = u16::from_le_bytes([chunk[0], chunk[1]]);
    }
    Some(PdqHash(words))
}

/// How long an id below the highest one seen may still turn up: a write transaction of
/// another instance that took its id earlier and committed later. After this it is taken to
/// have been rolled back.
pub const GAP_PATIENCE: Millis = 10 * 60 * 1000;
/// At most this many missing ids are watched; the lowest are given up first.
pub const MAX_GAPS: usize = 10_000;

/// What a process's index has read of `content_prints`: every id up to `max_seen`, except the
/// `gaps` (ids not yet committed when it last read, or rolled back), each with when it was
/// first missed. Ids come from one sequence, but with several instances on one PostgreSQL
/// they commit out of order, so "everything above the highest id seen" alone would miss rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatchUp {
    pub max_seen: i64,
    pub gaps: BTreeMap<i64, Millis>,
}

impl CatchUp {
    /// Records the ids a read returned (every row above `max_seen` and every gap that has
    /// turned up), at `now`; drops gaps older than [`GAP_PATIENCE`].
    pub fn record(&mut self, ids: &[i64], now: Millis) {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        for id in &ids {
            self.gaps.remove(id);
        }
        let mut next = self.max_seen + 1;
        for &id in ids.iter().filter(|&&id| id > self.max_seen) {
            for missing in next.max(id - MAX_GAPS as i64)..id {
                self.gaps.insert(missing, now);
            }
            next = id + 1;
        }
        self.max_seen = self.max_seen.max(next - 1);
        self.gaps.retain(|_, since| now - *since <= GAP_PATIENCE);
        while self.gaps.len() > MAX_GAPS {
            self.gaps.pop_first();
        }
    }

    /// The missing ids to ask for again.
    pub fn gap_ids(&self) -> Vec<i64> {
        self.gaps.keys().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catch_up_asks_again_for_ids_committed_out_of_order_until_they_come_or_expire() {
        let mut c = CatchUp::default();
        c.record(&[1, 2, 3], 0);
        assert_eq!((c.max_seen, c.gap_ids()), (3, vec![]));
        // Another instance's 4 and 6 are not committed yet; 5 and 7 are.
        c.record(&[5, 7], 1_000);
        assert_eq!((c.max_seen, c.gap_ids()), (7, vec![4, 6]));
        // 6 turns up; 4 never does (rolled back) and is given up after the patience.
        c.record(&[6], 2_000);
        assert_eq!(c.gap_ids(), vec![4]);
        c.record(&[], 1_000 + GAP_PATIENCE);
        assert_eq!(c.gap_ids(), vec![4]);
        c.record(&[], 1_001 + GAP_PATIENCE);
        assert_eq!((c.max_seen, c.gap_ids()), (7, vec![]));
        // Reading the same rows twice changes nothing.
        c.record(&[5, 6, 7], 3_000 + GAP_PATIENCE);
        assert_eq!((c.max_seen, c.gap_ids()), (7, vec![]));
    }

    #[test]
    fn catch_up_keeps_at_most_max_gaps_dropping_the_lowest() {
        let mut c = CatchUp::default();
        c.record(&[1], 0);
        c.record(&[(MAX_GAPS as i64) + 3], 5);
        assert_eq!(c.gaps.len(), MAX_GAPS);
        assert_eq!(c.gap_ids().first(), Some(&3), "the lowest went");
        // A jump of a million ids (rows deleted meanwhile) watches only the last ones.
        c.record(&[2_000_000], 6);
        assert_eq!(c.gaps.len(), MAX_GAPS);
        assert_eq!(c.gap_ids().first(), Some(&(2_000_000 - MAX_GAPS as i64)));
    }

    #[test]
    fn prints_survive_storage_and_bad_bytes_are_refused() {
        let keys: [u64; BANDS] =
            std::array::from_fn(|i| (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        assert_eq!(decode_bands(&encode_bands(&keys)), Some(keys));
        assert_eq!(decode_bands(&[0; 7]), None);
        let hash = PdqHash(std::array::from_fn(|i| (i as u16) * 4099));
        assert_eq!(decode_pdq(&encode_pdq(&hash)), Some(hash));
        assert_eq!(decode_pdq(&[1; 31]), None);
    }

    #[test]
    fn the_best_likeness_keeps_the_higher_similarity_and_the_smaller_distance() {
        let a = Likeness {
            text_similarity: Some(0.8),
            image_distance: None,
        };
        let b = Likeness {
            text_similarity: Some(0.75),
            image_distance: Some(12),
        };
        let c = Likeness {
            text_similarity: None,
            image_distance: Some(4),
        };
        assert_eq!(
            a.best(b).best(c),
            Likeness {
                text_similarity: Some(0.8),
                image_distance: Some(4)
            }
        );
    }

    #[test]
    fn decided_pairs_are_not_proposed_again_and_a_case_is_no_copy_of_itself() {
        assert!(should_propose(None));
        assert!(should_propose(Some(ProposalState::Proposed)));
        assert!(!should_propose(Some(ProposalState::Rejected)));
        assert!(!should_propose(Some(ProposalState::Confirmed)));
        assert_eq!(pair(9, 4), Some((4, 9)));
        assert_eq!(pair(4, 4), None);
    }

    #[test]
    fn only_content_made_unavailable_makes_a_re_upload() {
        assert!(!was_taken_down(&[Outcome::NoAction, Outcome::Labelled]));
        assert!(was_taken_down(&[Outcome::NoAction, Outcome::Removed]));
        assert!(was_taken_down(&[Outcome::DisabledInNl]));
        assert!(!was_taken_down(&[]));
    }
}
