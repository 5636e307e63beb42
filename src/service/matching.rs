//! Finding copies: the prints of reported content (a link's pasted text, an evidence image),
//! the per-process index over every stored print, and the look-up that turns look-alikes into
//! proposals and recognises re-uploads of content a platform already took down.
//!
//! The prints live in the database (`content_prints`); the index is a cache each process
//! builds from it and keeps current before every look-up ([`CatchUp`]), so several `serve`
//! processes on one PostgreSQL find the same matches. A print is looked up right after the
//! report that made it is committed, by the process that took the report; a print left
//! unmatched (the process stopped in between) is looked up by the next sweep of any process.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::json;
use tokio::sync::Mutex;

use super::history::record;
use super::{Ctx, Result, Settings};
use crate::domain::audit::{AuditAction, Outcome as AuditOutcome};
use crate::domain::case::CaseEventKind;
use crate::domain::evidence::EvidenceKind;
use crate::domain::image_index::ImageIndex;
use crate::domain::matching::{
    decode_bands, decode_pdq, encode_bands, encode_pdq, pair, should_propose, CatchUp, Likeness,
    MatchSettings, PrintKind, PrintOutcome,
};
use crate::domain::pdq::{PdqHash, MIN_QUALITY};
use crate::domain::text_match::{self, TextIndex};
use crate::domain::Millis;
use crate::service::thumbnail::PreviewError;
use crate::store::matching::{self as prints, Print};
use crate::store::{audit, cases, groups, notify, reports, Store, WriteTx};

/// A print as made from the content, before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Made {
    pub outcome: PrintOutcome,
    pub print: Option<Vec<u8>>,
    pub quality: Option<i64>,
}

impl Made {
    /// Not compared, for this reason.
    pub fn uncompared(outcome: PrintOutcome) -> Made {
        Made {
            outcome,
            print: None,
            quality: None,
        }
    }
}

/// The print of a link's text: its band keys, or why it is not compared.
pub fn text_print(text: &str) -> Made {
    match text_match::print(text) {
        Some(p) => Made {
            outcome: PrintOutcome::Compared,
            print: Some(encode_bands(&text_match::band_keys(&p.signature))),
            quality: None,
        },
        None => Made::uncompared(PrintOutcome::TooShort),
    }
}

/// The print of an evidence file: the PDQ hashes of its eight orientations, or why it is not
/// compared. A hash of low quality is kept (with its quality) but not matched on. CPU-bound:
/// call it from a blocking thread.
pub fn image_print(kind: EvidenceKind, bytes: &[u8]) -> Made {
    let not = Made::uncompared;
    match kind {
        EvidenceKind::Mp4 => return not(PrintOutcome::Video),
        EvidenceKind::Pdf => return not(PrintOutcome::NotAnImage),
        EvidenceKind::Png | EvidenceKind::Jpeg | EvidenceKind::WebP => {}
    }
    match super::image_hash::pdq_of(kind, bytes) {
        Ok(Some(p)) => Made {
            outcome: if p.quality >= MIN_QUALITY {
                PrintOutcome::Compared
            } else {
                PrintOutcome::LowQuality
            },
            print: Some(p.dihedral.iter().flat_map(encode_pdq).collect()),
            quality: Some(i64::from(p.quality)),
        },
        Ok(None) => not(PrintOutcome::LowQuality),
        Err(PreviewError::TooLarge) => not(PrintOutcome::TooLarge),
        Err(PreviewError::NotAnImage) => not(PrintOutcome::NotAnImage),
        Err(PreviewError::Undecodable) => not(PrintOutcome::Unreadable),
    }
}

/// [`image_print`] on a blocking thread (a thread that fails counts as unreadable).
pub async fn image_print_blocking(kind: EvidenceKind, bytes: bytes::Bytes) -> Made {
    tokio::task::spawn_blocking(move || image_print(kind, &bytes))
        .await
        .unwrap_or(Made::uncompared(PrintOutcome::Unreadable))
}

/// The eight orientation hashes of a stored image print.
fn orientations(print: &[u8]) -> Option<Vec<PdqHash>> {
    if print.len() != 8 * 32 {
        return None;
    }
    print.chunks_exact(32).map(decode_pdq).collect()
}

/// The per-process index over every compared print.
#[derive(Default)]
struct Index {
    read: CatchUp,
    texts: TextIndex,
    images: ImageIndex,
    /// Print id → its case.
    case_of: HashMap<i64, i64>,
}

impl Index {
    fn add(&mut self, p: &Print) {
        self.case_of.insert(p.id, p.case_id);
        let Some(bytes) = p.print.as_deref().filter(|_| p.outcome.is_compared()) else {
            return;
        };
        match p.kind {
            PrintKind::Text => {
                if let Some(keys) = decode_bands(bytes) {
                    self.texts.insert_bands(p.id, &keys);
                }
            }
            PrintKind::Image => {
                if let Some(hashes) = orientations(bytes) {
                    self.images.insert(p.id, &hashes[0]);
                }
            }
        }
    }

    /// Reads every print committed since the last read (and any that was missing then).
    async fn catch_up(&mut self, store: &Store, now: Millis) -> Result<()> {
        const PAGE: i64 = 20_000;
        loop {
            let page = prints::prints_after(store, self.read.max_seen, PAGE).await?;
            let ids: Vec<i64> = page.iter().map(|p| p.id).collect();
            for p in &page {
                self.add(p);
            }
            self.read.record(&ids, now);
            if (page.len() as i64) < PAGE {
                break;
            }
        }
        let gaps = self.read.gap_ids();
        if !gaps.is_empty() {
            let found = prints::prints_by_id(store, &gaps).await?;
            for p in &found {
                self.add(p);
            }
            let ids: Vec<i64> = found.iter().map(|p| p.id).collect();
            self.read.record(&ids, now);
        }
        Ok(())
    }
}

/// Finds copies. Cheap to clone; one per process (the intake worker's).
#[derive(Clone)]
pub struct Matcher {
    index: Arc<Mutex<Index>>,
    settings: MatchSettings,
}

/// What one look-up found.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Found {
    /// Pairs newly proposed (lower case id first).
    pub proposed: Vec<(i64, i64)>,
    /// Cases newly marked as re-uploads: (case, the earlier case taken down).
    pub reuploads: Vec<(i64, i64)>,
}

impl Matcher {
    pub fn new(settings: MatchSettings) -> Matcher {
        Matcher {
            index: Arc::new(Mutex::new(Index::default())),
            settings,
        }
    }

    /// Brings the index up to date with the database (at start, and before every look-up).
    pub async fn catch_up(&self, store: &Store, now: Millis) -> Result<usize> {
        let mut index = self.index.lock().await;
        index.catch_up(store, now).await?;
        Ok(index.case_of.len())
    }

    /// Looks up these prints against every other stored print, writes the proposals and
    /// re-upload marks they lead to, and marks them looked up — in one transaction.
    pub async fn look_up(
        &self,
        store: &Store,
        settings: &Settings,
        print_ids: &[i64],
        now: Millis,
    ) -> Result<Found> {
        if print_ids.is_empty() {
            return Ok(Found::default());
        }
        let wanted = prints::prints_by_id(store, print_ids).await?;
        // Per pair of cases: how alike, and which print of the pair is the new one.
        let mut pairs: BTreeMap<(i64, i64), (Likeness, i64)> = BTreeMap::new();
        {
            let mut index = self.index.lock().await;
            index.catch_up(store, now).await?;
            let own_texts: Vec<i64> = wanted
                .iter()
                .filter(|p| p.kind == PrintKind::Text && p.outcome.is_compared())
                .map(|p| p.id)
                .collect();
            let mut text_candidates: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
            for p in wanted.iter().filter(|p| p.outcome.is_compared()) {
                let Some(bytes) = p.print.as_deref() else {
                    continue;
                };
                match p.kind {
                    PrintKind::Text => {
                        let Some(keys) = decode_bands(bytes) else {
                            continue;
                        };
                        let others: Vec<i64> = index
                            .texts
                            .candidates_of_bands(&keys)
                            .into_iter()
                            .filter(|id| index.case_of.get(id).is_some_and(|c| *c != p.case_id))
                            .collect();
                        text_candidates.insert(p.id, others);
                    }
                    PrintKind::Image => {
                        let Some(hashes) = orientations(bytes) else {
                            continue;
                        };
                        for (other, distance) in
                            index.images.within(&hashes, self.settings.image_distance)
                        {
                            let Some(&other_case) = index.case_of.get(&other) else {
                                continue;
                            };
                            if let Some(key) = pair(p.case_id, other_case) {
                                let found = Likeness {
                                    text_similarity: None,
                                    image_distance: Some(distance),
                                };
                                let e =
                                    pairs.entry(key).or_insert((Likeness::default(), p.case_id));
                                e.0 = e.0.best(found);
                            }
                        }
                    }
                }
            }
            // The real Jaccard similarity of each text and its candidates, from the stored
            // texts, before anything is proposed.
            let mut need: Vec<i64> = own_texts.clone();
            need.extend(text_candidates.values().flatten());
            need.sort_unstable();
            need.dedup();
            let texts: HashMap<i64, text_match::Shingles> = prints::texts_of(store, &need)
                .await?
                .into_iter()
                .map(|(id, t)| (id, text_match::shingles(&text_match::normalise(&t))))
                .collect();
            for (id, candidates) in &text_candidates {
                let (Some(own), Some(&case)) = (texts.get(id), index.case_of.get(id)) else {
                    continue;
                };
                for other in candidates {
                    let (Some(theirs), Some(&other_case)) =
                        (texts.get(other), index.case_of.get(other))
                    else {
                        continue;
                    };
                    let similarity = text_match::jaccard(own, theirs);
                    if similarity < self.settings.text_threshold {
                        continue;
                    }
                    if let Some(key) = pair(case, other_case) {
                        let found = Likeness {
                            text_similarity: Some(similarity),
                            image_distance: None,
                        };
                        let e = pairs.entry(key).or_insert((Likeness::default(), case));
                        e.0 = e.0.best(found);
                    }
                }
            }
        }
        let mut tx = store.begin_write().await?;
        let found = write(&mut tx, settings, &wanted, &pairs, now).await?;
        prints::mark_matched(&mut tx, print_ids, now).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// Looks up prints that were stored but never looked up (their process stopped in
    /// between), older than a minute. Returns how many were looked up.
    pub async fn sweep(&self, store: &Store, settings: &Settings, now: Millis) -> Result<usize> {
        let ids = prints::unmatched(store, now - 60_000, 500).await?;
        self.look_up(store, settings, &ids, now).await?;
        Ok(ids.len())
    }
}

/// What indexing existing data did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Indexed {
    /// Texts and files printed.
    pub printed: usize,
    /// Of them, compared (the rest say why not).
    pub compared: usize,
    pub found: Found,
}

/// Prints every text and file stored before matching existed (or restored without prints),
/// then looks up every print not yet looked up. Safe to run again and while `serve` runs:
/// what has a print is skipped, and a pair is proposed once. `progress(done, total)` is called
/// as it goes.
pub async fn index_existing(
    store: &Store,
    objects: &crate::objects::EvidenceStore,
    settings: &Settings,
    now: Millis,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Indexed> {
    use crate::store::matching::{NewPrint, Unprinted};
    let total = prints::unprinted_count(store).await?.max(0) as u64;
    let mut done = 0u64;
    let mut out = Indexed::default();
    progress(0, total);
    loop {
        let batch = prints::unprinted(store, 200).await?;
        if batch.is_empty() {
            break;
        }
        let mut rows = Vec::new();
        for item in &batch {
            match item {
                Unprinted::Text {
                    report_id,
                    position,
                    case_id,
                    text,
                } => {
                    let made = text_print(text);
                    rows.push(NewPrint {
                        case_id: *case_id,
                        report_id: *report_id,
                        link_position: Some(*position),
                        evidence_id: None,
                        kind: PrintKind::Text,
                        outcome: made.outcome,
                        print: made.print,
                        quality: None,
                    });
                }
                Unprinted::File {
                    evidence_id,
                    report_id,
                    link_position,
                    sha256,
                    media_type,
                    case_ids,
                } => {
                    let made = match (
                        EvidenceKind::parse_media_type(media_type),
                        objects.get(sha256).await,
                    ) {
                        (Some(kind), Ok(bytes)) => image_print_blocking(kind, bytes).await,
                        _ => Made::uncompared(PrintOutcome::Unreadable),
                    };
                    for &case_id in case_ids {
                        rows.push(NewPrint {
                            case_id,
                            report_id: *report_id,
                            link_position: *link_position,
                            evidence_id: Some(*evidence_id),
                            kind: PrintKind::Image,
                            outcome: made.outcome,
                            print: made.print.clone(),
                            quality: made.quality,
                        });
                    }
                }
            }
        }
        let mut tx = store.begin_write().await?;
        for row in &rows {
            prints::insert_print(&mut tx, row, now).await?;
        }
        tx.commit().await?;
        out.printed += batch.len();
        out.compared += rows.iter().filter(|r| r.outcome.is_compared()).count();
        done += batch.len() as u64;
        progress(done.min(total), total);
        if rows.is_empty() {
            // Files of reports without links: nothing can be stored for them; stop rather
            // than read the same ones again.
            break;
        }
    }
    let matcher = Matcher::new(settings.matching);
    loop {
        let ids = prints::unmatched(store, now + 1, 500).await?;
        if ids.is_empty() {
            break;
        }
        let found = matcher.look_up(store, settings, &ids, now).await?;
        out.found.proposed.extend(found.proposed);
        out.found.reuploads.extend(found.reuploads);
    }
    Ok(out)
}

/// A short account of how alike, for the history (Dutch): "tekst 0,86 · afbeelding 12 bits
/// verschil".
pub fn likeness_note(l: &Likeness) -> String {
    likeness_label(l, false)
}

/// How alike, in Dutch or (`en`) English: "text 0.86 / image distance 12".
pub fn likeness_label(l: &Likeness, en: bool) -> String {
    let mut parts = Vec::new();
    if let Some(s) = l.text_similarity {
        parts.push(if en {
            format!("text {s:.2}")
        } else {
            format!("tekst {}", format!("{s:.2}").replace('.', ","))
        });
    }
    if let Some(d) = l.image_distance {
        parts.push(if en {
            format!("image distance {d}")
        } else {
            format!("afbeelding {d} bits verschil")
        });
    }
    parts.join(if en { " / " } else { " · " })
}

async fn write(
    tx: &mut WriteTx,
    settings: &Settings,
    wanted: &[Print],
    pairs: &BTreeMap<(i64, i64), (Likeness, i64)>,
    now: Millis,
) -> Result<Found> {
    let mut found = Found::default();
    let ctx = Ctx::system(now);
    // The pairs that are (still) proposals: neither in one group nor decided.
    let mut open_pairs: Vec<(i64, i64)> = Vec::new();
    for (&(low, high), &(likeness, new_case)) in pairs {
        // Already marked as the same message: nothing to propose.
        if let (Some(a), Some(b)) = (
            groups::of_case_in(tx, low).await?,
            groups::of_case_in(tx, high).await?,
        ) {
            if a.id == b.id {
                continue;
            }
        }
        let existing = prints::pair_in(tx, low, high).await?;
        if !should_propose(existing.map(|(_, state, _)| state)) {
            continue;
        }
        open_pairs.push((low, high));
        let best = existing
            .map(|(_, _, l)| l.best(likeness))
            .unwrap_or(likeness);
        prints::propose(tx, low, high, best, existing.map(|(id, _, _)| id), now).await?;
        if existing.is_none() {
            let other = if new_case == low { high } else { low };
            let other_ref = cases::reference_in(tx, other).await?;
            record(
                tx,
                &ctx,
                new_case,
                CaseEventKind::CopyProposed,
                Some(&format!("{other_ref} ({})", likeness_note(&likeness))),
            )
            .await?;
            found.proposed.push((low, high));
        }
    }
    // Of an open pair, the case whose content a platform took down after a notice makes the
    // other a re-upload (whichever of the two brought the new print).
    let mut involved: Vec<i64> = open_pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
    involved.sort_unstable();
    involved.dedup();
    let taken_down = prints::taken_down_in(tx, &involved).await?;
    for &(low, high) in &open_pairs {
        let (case_id, earlier) = match (taken_down.contains(&low), taken_down.contains(&high)) {
            (true, false) => (high, low),
            (false, true) => (low, high),
            _ => continue,
        };
        if !prints::mark_reupload(tx, case_id, earlier).await? {
            continue;
        }
        found.reuploads.push((case_id, earlier));
        tell_reupload(tx, settings, &ctx, wanted, case_id, earlier, now).await?;
    }
    Ok(found)
}

/// Records a recognised re-upload and tells the municipality whose report brought it.
async fn tell_reupload(
    tx: &mut WriteTx,
    settings: &Settings,
    ctx: &Ctx,
    wanted: &[Print],
    case_id: i64,
    earlier: i64,
    now: Millis,
) -> Result<()> {
    let case_ref = cases::reference_in(tx, case_id).await?;
    let earlier_ref = cases::reference_in(tx, earlier).await?;
    record(
        tx,
        ctx,
        case_id,
        CaseEventKind::ReuploadDetected,
        Some(&earlier_ref),
    )
    .await?;
    let mut report_ids: Vec<i64> = wanted
        .iter()
        .filter(|p| p.case_id == case_id)
        .map(|p| p.report_id)
        .collect();
    report_ids.sort_unstable();
    report_ids.dedup();
    for report_id in report_ids {
        let report = reports::get_in(tx, report_id).await?;
        let event = ctx.event(
            AuditAction::ReuploadDetected,
            "case",
            case_id,
            Some(report.org_id),
            AuditOutcome::Success,
            json!({"case": case_ref, "earlier_case": earlier_ref, "report": report.reference}),
        );
        audit::append(tx, &event, now).await?;
        let people = match report.reporter_user_id {
            Some(id) => notify::active_user(tx, id)
                .await?
                .map(|(email, name)| vec![(id, email, name)])
                .unwrap_or_default(),
            None => notify::reporters_of_org(tx, report.org_id).await?,
        };
        let link = format!("/meldingen/{report_id}");
        let line = format!(
            "Melding {}: deze inhoud is al bekend bij het centrale team. Een kopie ervan is \
             eerder na een verzoek van meldpunt door het platform verwijderd of ontoegankelijk \
             gemaakt.",
            report.reference
        );
        for (user_id, email, name) in people {
            notify::notify(tx, user_id, &line, &link, now).await?;
            let body = format!(
                "Beste {name},\n\n{line}\n\nHet team beoordeelt uw melding zoals altijd; u hoeft \
                 niets te doen.\n\nBekijk de melding: {}{link}\n\n\
                 Dit bericht is automatisch verstuurd door meldpunt.",
                settings.public_url.trim_end_matches('/'),
            );
            notify::enqueue_mail(
                tx,
                &email,
                &format!("[meldpunt] Melding {}: inhoud al bekend", report.reference),
                &body,
                now,
            )
            .await?;
        }
    }
    Ok(())
}
