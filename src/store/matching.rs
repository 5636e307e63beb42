//! Prints of reported content (`content_prints`), the look-alike pairs proposed from them
//! (`match_proposals`), and the re-upload mark of a case (`cases.reupload_of`).

use sqlx::any::AnyRow;
use sqlx::Row;

use super::notices::RecordedBy;
use super::{Result, Store, StoreError, WriteTx};
use crate::domain::matching::{Likeness, PrintKind, PrintOutcome, ProposalState};
use crate::domain::notice::Outcome;
use crate::domain::Millis;

/// A print to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPrint {
    pub case_id: i64,
    pub report_id: i64,
    /// The link whose text this is, or the link an evidence file came with.
    pub link_position: Option<i64>,
    pub evidence_id: Option<i64>,
    pub kind: PrintKind,
    pub outcome: PrintOutcome,
    /// Text: the band keys; image: the eight orientation hashes, the image as it is first.
    pub print: Option<Vec<u8>>,
    /// An image's PDQ quality.
    pub quality: Option<i64>,
}

/// A stored print.
#[derive(Debug, Clone, PartialEq)]
pub struct Print {
    pub id: i64,
    pub case_id: i64,
    pub report_id: i64,
    pub link_position: Option<i64>,
    pub evidence_id: Option<i64>,
    pub kind: PrintKind,
    pub outcome: PrintOutcome,
    pub print: Option<Vec<u8>>,
    pub quality: Option<i64>,
    pub created_at: Millis,
}

const SELECT: &str = "SELECT id, case_id, report_id, link_position, evidence_id, kind, outcome, \
     print, quality, created_at FROM content_prints";

fn from_row(r: &AnyRow) -> Result<Print> {
    let kind: String = r.try_get("kind")?;
    let outcome: String = r.try_get("outcome")?;
    Ok(Print {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        report_id: r.try_get("report_id")?,
        link_position: r.try_get("link_position")?,
        evidence_id: r.try_get("evidence_id")?,
        kind: PrintKind::parse(&kind)
            .ok_or_else(|| StoreError::Database(format!("print kind {kind}")))?,
        outcome: PrintOutcome::parse(&outcome)
            .ok_or_else(|| StoreError::Database(format!("print outcome {outcome}")))?,
        print: r.try_get("print")?,
        quality: r.try_get("quality")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Runs `sql` — with `{ids}` where a list of ids goes, after the parameters `first` — for
/// `ids` in chunks of 500, and returns every row.
async fn with_ids(
    conn: &mut sqlx::AnyConnection,
    sql: &str,
    first: &[i64],
    ids: &[i64],
) -> Result<Vec<AnyRow>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let list: Vec<String> = (first.len() + 1..=first.len() + chunk.len())
            .map(|i| format!("${i}"))
            .collect();
        let sql = sql.replace("{ids}", &list.join(", "));
        let mut q = sqlx::query(&sql);
        for v in first.iter().chain(chunk) {
            q = q.bind(*v);
        }
        out.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

/// Stores a print. In an intake transaction that keeps its rows (`WriteTx::keep_intake_rows`)
/// it is kept with them and inserted after the report and its links.
pub async fn insert_print(tx: &mut WriteTx, p: &NewPrint, now: Millis) -> Result<()> {
    if tx.kept.on() {
        tx.kept.prints.push((p.clone(), now));
        return Ok(());
    }
    insert_prints(tx, &[(p.clone(), now)]).await
}

pub(crate) async fn insert_prints(tx: &mut WriteTx, rows: &[(NewPrint, Millis)]) -> Result<()> {
    super::insert_many(
        tx,
        "content_prints (case_id, report_id, link_position, evidence_id, kind, outcome, print, \
         quality, created_at)",
        9,
        rows,
        |q, (p, now)| {
            q.bind(p.case_id)
                .bind(p.report_id)
                .bind(p.link_position)
                .bind(p.evidence_id)
                .bind(p.kind.as_str())
                .bind(p.outcome.as_str())
                .bind(p.print.clone())
                .bind(p.quality)
                .bind(*now)
        },
    )
    .await
}

/// The prints made for these reports.
pub async fn ids_of_reports(store: &Store, report_ids: &[i64]) -> Result<Vec<i64>> {
    let mut conn = store.pool().acquire().await?;
    let sql = "SELECT id FROM content_prints WHERE report_id IN ({ids}) ORDER BY id";
    let rows = with_ids(&mut conn, sql, &[], report_ids).await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

/// Up to `limit` prints with an id above `after`, lowest first.
pub async fn prints_after(store: &Store, after: i64, limit: i64) -> Result<Vec<Print>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE id > $1 ORDER BY id LIMIT $2"))
        .bind(after)
        .bind(limit)
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

/// The prints with these ids that exist now.
pub async fn prints_by_id(store: &Store, ids: &[i64]) -> Result<Vec<Print>> {
    let mut conn = store.pool().acquire().await?;
    let sql = format!("{SELECT} WHERE id IN ({{ids}}) ORDER BY id");
    let rows = with_ids(&mut conn, &sql, &[], ids).await?;
    rows.iter().map(from_row).collect()
}

/// Every print of a case, in the order they were made.
pub async fn prints_of_case(store: &Store, case_id: i64) -> Result<Vec<Print>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE case_id = $1 ORDER BY id"))
        .bind(case_id)
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

/// The content text behind text prints: print id → text.
pub async fn texts_of(store: &Store, print_ids: &[i64]) -> Result<Vec<(i64, String)>> {
    let mut conn = store.pool().acquire().await?;
    let sql = "SELECT p.id, l.content_text FROM content_prints p \
         JOIN report_links l ON l.report_id = p.report_id AND l.position = p.link_position \
         WHERE p.id IN ({ids}) AND l.content_text IS NOT NULL";
    let rows = with_ids(&mut conn, sql, &[], print_ids).await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// Compared prints not looked up yet, made before `before`, lowest first.
pub async fn unmatched(store: &Store, before: Millis, limit: i64) -> Result<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT id FROM content_prints WHERE matched_at IS NULL AND created_at < $1 \
         ORDER BY id LIMIT $2",
    )
    .bind(before)
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

pub async fn mark_matched(tx: &mut WriteTx, ids: &[i64], now: Millis) -> Result<()> {
    let sql = "UPDATE content_prints SET matched_at = $1 WHERE id IN ({ids})";
    with_ids(tx.conn(), sql, &[now], ids).await?;
    Ok(())
}

/// A proposed pair, seen from one of its cases.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub id: i64,
    /// The other case of the pair.
    pub other_case_id: i64,
    pub other_reference: String,
    pub likeness: Likeness,
    pub state: ProposalState,
    pub created_at: Millis,
    pub decided_at: Option<Millis>,
    pub decider_name: Option<String>,
}

fn likeness_of(r: &AnyRow) -> Result<Likeness> {
    let distance: Option<i64> = r.try_get("image_distance")?;
    Ok(Likeness {
        text_similarity: r.try_get("text_similarity")?,
        image_distance: distance.map(|d| d.clamp(0, 256) as u32),
    })
}

/// The stored state and likeness of a pair (lower case id first), if proposed before.
pub async fn pair_in(
    tx: &mut WriteTx,
    low: i64,
    high: i64,
) -> Result<Option<(i64, ProposalState, Likeness)>> {
    let row = sqlx::query(
        "SELECT id, state, text_similarity, image_distance FROM match_proposals \
         WHERE low_case_id = $1 AND high_case_id = $2",
    )
    .bind(low)
    .bind(high)
    .fetch_optional(tx.conn())
    .await?;
    let Some(r) = row else { return Ok(None) };
    let state: String = r.try_get("state")?;
    let state = ProposalState::parse(&state)
        .ok_or_else(|| StoreError::Database(format!("proposal state {state}")))?;
    Ok(Some((r.try_get("id")?, state, likeness_of(&r)?)))
}

/// Writes a new proposal or the better likeness into an open one.
pub async fn propose(
    tx: &mut WriteTx,
    low: i64,
    high: i64,
    likeness: Likeness,
    existing: Option<i64>,
    now: Millis,
) -> Result<i64> {
    let distance = likeness.image_distance.map(i64::from);
    match existing {
        Some(id) => {
            sqlx::query(
                "UPDATE match_proposals SET text_similarity = $1, image_distance = $2 \
                 WHERE id = $3 AND state = 'proposed'",
            )
            .bind(likeness.text_similarity)
            .bind(distance)
            .bind(id)
            .execute(tx.conn())
            .await?;
            Ok(id)
        }
        None => {
            let row = sqlx::query(
                "INSERT INTO match_proposals (low_case_id, high_case_id, text_similarity, \
                 image_distance, state, created_at) VALUES ($1, $2, $3, $4, 'proposed', $5) \
                 RETURNING id",
            )
            .bind(low)
            .bind(high)
            .bind(likeness.text_similarity)
            .bind(distance)
            .bind(now)
            .fetch_one(tx.conn())
            .await?;
            Ok(row.try_get(0)?)
        }
    }
}

const PROPOSALS: &str = "SELECT p.id, p.low_case_id, p.high_case_id, p.text_similarity, \
     p.image_distance, p.state, p.created_at, p.decided_at, p.decider_name, \
     lo.reference AS low_reference, hi.reference AS high_reference \
     FROM match_proposals p JOIN cases lo ON lo.id = p.low_case_id \
     JOIN cases hi ON hi.id = p.high_case_id";

fn proposal_from(r: &AnyRow, seen_from: i64) -> Result<Proposal> {
    let low: i64 = r.try_get("low_case_id")?;
    let (other_case_id, other_reference) = if low == seen_from {
        (r.try_get("high_case_id")?, r.try_get("high_reference")?)
    } else {
        (low, r.try_get("low_reference")?)
    };
    let state: String = r.try_get("state")?;
    Ok(Proposal {
        id: r.try_get("id")?,
        other_case_id,
        other_reference,
        likeness: likeness_of(r)?,
        state: ProposalState::parse(&state)
            .ok_or_else(|| StoreError::Database(format!("proposal state {state}")))?,
        created_at: r.try_get("created_at")?,
        decided_at: r.try_get("decided_at")?,
        decider_name: r.try_get("decider_name")?,
    })
}

/// Every proposal a case is part of, newest first.
pub async fn proposals_of_case(store: &Store, case_id: i64) -> Result<Vec<Proposal>> {
    let rows = sqlx::query(&format!(
        "{PROPOSALS} WHERE p.low_case_id = $1 OR p.high_case_id = $1 ORDER BY p.id DESC"
    ))
    .bind(case_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(|r| proposal_from(r, case_id)).collect()
}

/// One proposal of a case, locked for a decision.
pub async fn proposal_of_case_in(
    tx: &mut WriteTx,
    case_id: i64,
    proposal_id: i64,
) -> Result<Option<Proposal>> {
    let row = sqlx::query(&format!(
        "{PROPOSALS} WHERE p.id = $1 AND (p.low_case_id = $2 OR p.high_case_id = $2)"
    ))
    .bind(proposal_id)
    .bind(case_id)
    .fetch_optional(tx.conn())
    .await?;
    row.map(|r| proposal_from(&r, case_id)).transpose()
}

/// Confirms or rejects an open proposal; `Conflict` when it was decided meanwhile.
pub async fn decide(
    tx: &mut WriteTx,
    proposal_id: i64,
    state: ProposalState,
    by: RecordedBy<'_>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE match_proposals SET state = $1, decided_at = $2, decided_by = $3, decider_name = $4 \
         WHERE id = $5 AND state = 'proposed'",
    )
    .bind(state.as_str())
    .bind(by.at)
    .bind(by.user_id)
    .bind(by.name)
    .bind(proposal_id)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict);
    }
    Ok(())
}

/// Of these cases, those whose content a platform made unavailable after a notice.
pub async fn taken_down_in(tx: &mut WriteTx, case_ids: &[i64]) -> Result<Vec<i64>> {
    let sql = "SELECT case_id, outcome FROM notice_answers WHERE case_id IN ({ids}) \
               ORDER BY case_id, id";
    let mut per_case: std::collections::BTreeMap<i64, Vec<Outcome>> = Default::default();
    for r in with_ids(tx.conn(), sql, &[], case_ids).await? {
        let outcome: String = r.try_get(1)?;
        if let Some(o) = Outcome::parse(&outcome) {
            per_case.entry(r.try_get(0)?).or_default().push(o);
        }
    }
    Ok(per_case
        .into_iter()
        .filter(|(_, answers)| crate::domain::matching::was_taken_down(answers))
        .map(|(id, _)| id)
        .collect())
}

/// Marks a case as a re-upload of `of`, unless it is marked already; true when this marked it.
pub async fn mark_reupload(tx: &mut WriteTx, case_id: i64, of: i64) -> Result<bool> {
    let done =
        sqlx::query("UPDATE cases SET reupload_of = $1 WHERE id = $2 AND reupload_of IS NULL")
            .bind(of)
            .bind(case_id)
            .execute(tx.conn())
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Content offered before prints were made (data from before matching, or from a restore):
/// what the `index` command still has to print.
#[derive(Debug, Clone, PartialEq)]
pub enum Unprinted {
    /// A link's content text.
    Text {
        report_id: i64,
        position: i64,
        case_id: i64,
        text: String,
    },
    /// An evidence file, with the cases it is compared for.
    File {
        evidence_id: i64,
        report_id: i64,
        link_position: Option<i64>,
        sha256: String,
        media_type: String,
        case_ids: Vec<i64>,
    },
}

/// How many texts and files have no print yet.
pub async fn unprinted_count(store: &Store) -> Result<i64> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM report_links l WHERE l.content_text IS NOT NULL AND NOT EXISTS \
         (SELECT 1 FROM content_prints p WHERE p.report_id = l.report_id \
          AND p.link_position = l.position AND p.kind = 'text')) + \
         (SELECT COUNT(*) FROM evidence e WHERE NOT EXISTS \
          (SELECT 1 FROM content_prints p WHERE p.evidence_id = e.id))",
    )
    .fetch_one(store.pool())
    .await?;
    Ok(row.try_get(0)?)
}

/// Up to `limit` texts and up to `limit` files without a print, oldest first.
pub async fn unprinted(store: &Store, limit: i64) -> Result<Vec<Unprinted>> {
    let mut out = Vec::new();
    let rows = sqlx::query(
        "SELECT l.report_id, l.position, l.case_id, l.content_text FROM report_links l \
         WHERE l.content_text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM content_prints p \
         WHERE p.report_id = l.report_id AND p.link_position = l.position AND p.kind = 'text') \
         ORDER BY l.report_id, l.position LIMIT $1",
    )
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    for r in rows {
        out.push(Unprinted::Text {
            report_id: r.try_get(0)?,
            position: r.try_get(1)?,
            case_id: r.try_get(2)?,
            text: r.try_get(3)?,
        });
    }
    let rows = sqlx::query(
        "SELECT e.id, e.report_id, e.link_position, e.sha256, e.media_type FROM evidence e \
         WHERE NOT EXISTS (SELECT 1 FROM content_prints p WHERE p.evidence_id = e.id) \
         ORDER BY e.id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    for r in rows {
        let report_id: i64 = r.try_get(1)?;
        let link_position: Option<i64> = r.try_get(2)?;
        let links = sqlx::query(
            "SELECT position, case_id FROM report_links WHERE report_id = $1 ORDER BY position",
        )
        .bind(report_id)
        .fetch_all(store.pool())
        .await?;
        let mut case_ids = Vec::new();
        for l in links {
            let position: i64 = l.try_get(0)?;
            if link_position.is_none_or(|p| p == position) {
                case_ids.push(l.try_get(1)?);
            }
        }
        out.push(Unprinted::File {
            evidence_id: r.try_get(0)?,
            report_id,
            link_position,
            sha256: r.try_get(3)?,
            media_type: r.try_get(4)?,
            case_ids,
        });
    }
    Ok(out)
}
