//! Situations, the cases linked to them, their history, the decided suggestions, and the
//! counts the map shows.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use sqlx::any::AnyRow;
use sqlx::Row;

use super::cases::open_statuses_sql;
use super::notices::RecordedBy;
use super::{opt_i64, Result, Store, StoreError, WriteTx};
use crate::domain::link::Platform;
use crate::domain::situation::{CaseSignal, ExpectedSize, Phase, SituationScope, ValidSituation};
use crate::domain::Millis;

#[derive(Debug, Clone, PartialEq)]
pub struct Situation {
    pub id: i64,
    pub reference: String,
    pub title: String,
    pub place: Option<String>,
    pub window_start: Millis,
    pub window_end: Millis,
    pub size: ExpectedSize,
    pub phase: Phase,
    pub created_at: Millis,
    pub creator_name: String,
    pub updated_at: Millis,
    /// CBS codes, sorted.
    pub municipality_codes: Vec<String>,
    /// How many cases are linked.
    pub case_count: i64,
}

impl Situation {
    pub fn scope(&self) -> SituationScope {
        SituationScope {
            situation_id: self.id,
            municipality_codes: self.municipality_codes.iter().cloned().collect(),
            window_start: self.window_start,
            window_end: self.window_end,
        }
    }
}

const SELECT: &str = "SELECT s.id, s.reference, s.title, s.place, s.window_start, s.window_end, \
     s.size, s.phase, s.created_at, s.creator_name, s.updated_at, \
     (SELECT COUNT(*) FROM situation_cases sc WHERE sc.situation_id = s.id) AS case_count \
     FROM situations s";

fn bad(what: &str, v: &str) -> StoreError {
    StoreError::Database(format!("unknown {what} {v}"))
}

fn from_row(row: &AnyRow) -> Result<Situation> {
    let size: String = row.try_get("size")?;
    let phase: String = row.try_get("phase")?;
    Ok(Situation {
        id: row.try_get("id")?,
        reference: row.try_get("reference")?,
        title: row.try_get("title")?,
        place: row.try_get("place")?,
        window_start: row.try_get("window_start")?,
        window_end: row.try_get("window_end")?,
        size: ExpectedSize::parse(&size).ok_or_else(|| bad("size", &size))?,
        phase: Phase::parse(&phase).ok_or_else(|| bad("phase", &phase))?,
        created_at: row.try_get("created_at")?,
        creator_name: row.try_get("creator_name")?,
        updated_at: row.try_get("updated_at")?,
        municipality_codes: Vec::new(),
        case_count: row.try_get("case_count")?,
    })
}

/// Adds the municipality codes to situations read without them.
async fn with_municipalities(
    conn: &mut sqlx::AnyConnection,
    mut list: Vec<Situation>,
) -> Result<Vec<Situation>> {
    if list.is_empty() {
        return Ok(list);
    }
    let ids: Vec<String> = list.iter().map(|s| s.id.to_string()).collect();
    let rows = sqlx::query(&format!(
        "SELECT situation_id, code FROM situation_municipalities WHERE situation_id IN ({}) \
         ORDER BY code",
        ids.join(", ")
    ))
    .fetch_all(&mut *conn)
    .await?;
    let mut codes: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for r in rows {
        codes
            .entry(r.try_get("situation_id")?)
            .or_default()
            .push(r.try_get("code")?);
    }
    for s in &mut list {
        s.municipality_codes = codes.remove(&s.id).unwrap_or_default();
    }
    Ok(list)
}

pub async fn insert(
    tx: &mut WriteTx,
    reference: &str,
    s: &ValidSituation,
    by: RecordedBy<'_>,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO situations (reference, title, place, window_start, window_end, size, phase, \
         created_at, created_by, creator_name, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $8) RETURNING id",
    )
    .bind(reference)
    .bind(&s.title)
    .bind(&s.place)
    .bind(s.window_start)
    .bind(s.window_end)
    .bind(s.size.as_str())
    .bind(Phase::Signal.as_str())
    .bind(by.at)
    .bind(by.user_id)
    .bind(by.name)
    .fetch_one(tx.conn())
    .await?;
    let id: i64 = row.try_get(0)?;
    for code in &s.municipality_codes {
        sqlx::query("INSERT INTO situation_municipalities (situation_id, code) VALUES ($1, $2)")
            .bind(id)
            .bind(code)
            .execute(tx.conn())
            .await?;
    }
    Ok(id)
}

pub async fn get(store: &Store, id: i64) -> Result<Situation> {
    let mut conn = store.pool().acquire().await?;
    let row = sqlx::query(&format!("{SELECT} WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let one = vec![from_row(&row)?];
    Ok(with_municipalities(&mut conn, one).await?.remove(0))
}

/// The situation, locked for the rest of `tx` (PostgreSQL; SQLite's write lock covers it).
pub async fn get_locked(tx: &mut WriteTx, id: i64) -> Result<Situation> {
    let lock = format!("SELECT id FROM situations WHERE id = $1{}", tx.for_update());
    sqlx::query(&lock)
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    let row = sqlx::query(&format!("{SELECT} WHERE s.id = $1"))
        .bind(id)
        .fetch_one(tx.conn())
        .await?;
    let one = vec![from_row(&row)?];
    Ok(with_municipalities(tx.conn(), one).await?.remove(0))
}

/// Moves the phase if it is still `from`; `Conflict` when someone moved it meanwhile.
pub async fn set_phase(
    tx: &mut WriteTx,
    id: i64,
    from: Phase,
    to: Phase,
    now: Millis,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE situations SET phase = $1, updated_at = $2 WHERE id = $3 AND phase = $4",
    )
    .bind(to.as_str())
    .bind(now)
    .bind(id)
    .bind(from.as_str())
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict);
    }
    Ok(())
}

async fn touch(tx: &mut WriteTx, id: i64, now: Millis) -> Result<()> {
    sqlx::query("UPDATE situations SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

crate::vocabulary! {
    /// The kinds of entry in a situation's history.
    pub enum SituationEventKind {
        Created => ("created", "Situatie aangemaakt", "Situation created"),
        PhaseChanged => ("phase_changed", "Fase gewijzigd", "Phase changed"),
        CaseLinked => ("case_linked", "Zaak gekoppeld", "Case linked"),
        CaseUnlinked => ("case_unlinked", "Zaak ontkoppeld", "Case unlinked"),
        GroupCreated => ("group_created", "Groep gemaakt (zelfde bericht)", "Group made (same message)"),
        CaseGrouped => ("case_grouped", "Zaak aan groep toegevoegd", "Case added to group"),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SituationEvent {
    pub at: Millis,
    pub actor_label: String,
    pub kind: SituationEventKind,
    pub from_phase: Option<Phase>,
    pub to_phase: Option<Phase>,
    pub case_id: Option<i64>,
    pub case_reference: Option<String>,
    pub note: Option<String>,
}

pub struct NewSituationEvent<'a> {
    pub situation_id: i64,
    pub kind: SituationEventKind,
    pub from_phase: Option<Phase>,
    pub to_phase: Option<Phase>,
    pub case_id: Option<i64>,
    pub note: Option<&'a str>,
}

pub async fn append_event(
    tx: &mut WriteTx,
    e: &NewSituationEvent<'_>,
    by: RecordedBy<'_>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO situation_events (situation_id, at, actor_user_id, actor_label, kind, \
         from_phase, to_phase, case_id, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(e.situation_id)
    .bind(by.at)
    .bind(by.user_id)
    .bind(by.name)
    .bind(e.kind.as_str())
    .bind(e.from_phase.map(Phase::as_str))
    .bind(e.to_phase.map(Phase::as_str))
    .bind(e.case_id)
    .bind(e.note)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn events(store: &Store, situation_id: i64) -> Result<Vec<SituationEvent>> {
    let rows = sqlx::query(
        "SELECT e.at, e.actor_label, e.kind, e.from_phase, e.to_phase, e.case_id, \
         c.reference AS case_reference, e.note FROM situation_events e \
         LEFT JOIN cases c ON c.id = e.case_id WHERE e.situation_id = $1 ORDER BY e.id",
    )
    .bind(situation_id)
    .fetch_all(store.pool())
    .await?;
    let phase = |v: Option<String>| -> Result<Option<Phase>> {
        v.map(|s| Phase::parse(&s).ok_or_else(|| bad("phase", &s)))
            .transpose()
    };
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(SituationEvent {
                at: r.try_get("at")?,
                actor_label: r.try_get("actor_label")?,
                kind: SituationEventKind::parse(&kind).ok_or_else(|| bad("event", &kind))?,
                from_phase: phase(r.try_get("from_phase")?)?,
                to_phase: phase(r.try_get("to_phase")?)?,
                case_id: opt_i64(r, "case_id")?,
                case_reference: r.try_get("case_reference")?,
                note: r.try_get("note")?,
            })
        })
        .collect()
}

/// The situation a case is linked to, if any.
pub async fn of_case_in(tx: &mut WriteTx, case_id: i64) -> Result<Option<i64>> {
    let row = sqlx::query("SELECT situation_id FROM situation_cases WHERE case_id = $1")
        .bind(case_id)
        .fetch_optional(tx.conn())
        .await?;
    row.map(|r| r.try_get(0).map_err(StoreError::from))
        .transpose()
}

/// The situation a case is linked to, if any (for the case page).
pub async fn of_case(store: &Store, case_id: i64) -> Result<Option<Situation>> {
    let row = sqlx::query("SELECT situation_id FROM situation_cases WHERE case_id = $1")
        .bind(case_id)
        .fetch_optional(store.pool())
        .await?;
    match row {
        None => Ok(None),
        Some(r) => Ok(Some(get(store, r.try_get(0)?).await?)),
    }
}

/// Links a case; `Conflict` when it is linked to a situation already (one at a time).
pub async fn link(
    tx: &mut WriteTx,
    situation_id: i64,
    case_id: i64,
    by: RecordedBy<'_>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO situation_cases (case_id, situation_id, linked_at, linked_by, linker_name) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(case_id)
    .bind(situation_id)
    .bind(by.at)
    .bind(by.user_id)
    .bind(by.name)
    .execute(tx.conn())
    .await?;
    touch(tx, situation_id, by.at).await
}

/// Unlinks a case; `NotFound` when it was not linked to this situation.
pub async fn unlink(tx: &mut WriteTx, situation_id: i64, case_id: i64, now: Millis) -> Result<()> {
    let done = sqlx::query("DELETE FROM situation_cases WHERE case_id = $1 AND situation_id = $2")
        .bind(case_id)
        .bind(situation_id)
        .execute(tx.conn())
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    touch(tx, situation_id, now).await
}

/// Which situations to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SituationFilter {
    /// Only situations that are not closed.
    pub open_only: bool,
    pub phase: Option<Phase>,
    /// Only situations with a linked case on this platform.
    pub platform: Option<Platform>,
    /// Only situations changed, or with a report on a linked case, at or after this moment.
    pub since: Option<Millis>,
    /// Only situations concerning one of these municipalities…
    pub municipality_codes: Option<Vec<String>>,
    /// …or with an active report of this organisation on a linked case.
    pub or_reported_by: Option<i64>,
}

/// `'a', 'b'` for codes that were checked to be CBS codes (letters and digits only).
fn code_list(codes: &[String]) -> String {
    codes
        .iter()
        .filter(|c| c.chars().all(|ch| ch.is_ascii_alphanumeric()))
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The situations the filter selects, the latest changed first.
pub async fn list(store: &Store, f: &SituationFilter) -> Result<Vec<Situation>> {
    let mut conditions: Vec<String> = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    let mut since_bind = None;
    if f.open_only {
        conditions.push(format!("s.phase <> '{}'", Phase::Closed.as_str()));
    }
    if let Some(p) = f.phase {
        conditions.push(format!("s.phase = '{}'", p.as_str()));
    }
    if let Some(p) = f.platform {
        binds.push(p.as_str().to_string());
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM situation_cases sc JOIN cases c ON c.id = sc.case_id \
             WHERE sc.situation_id = s.id AND c.platform = ${})",
            binds.len()
        ));
    }
    if let Some(since) = f.since {
        since_bind = Some(since);
        let n = binds.len() + 1;
        conditions.push(format!(
            "(s.updated_at >= ${n} OR EXISTS (SELECT 1 FROM situation_cases sc \
             JOIN cases c ON c.id = sc.case_id WHERE sc.situation_id = s.id \
             AND c.last_reported_at >= ${n}))"
        ));
    }
    if let Some(codes) = &f.municipality_codes {
        let concerning = format!(
            "EXISTS (SELECT 1 FROM situation_municipalities sm WHERE sm.situation_id = s.id \
             AND sm.code IN ({}))",
            if codes.is_empty() {
                "NULL".to_string()
            } else {
                code_list(codes)
            }
        );
        conditions.push(match f.or_reported_by {
            // An organisation id is a number, never user text.
            Some(org_id) => format!(
                "({concerning} OR EXISTS (SELECT 1 FROM situation_cases sc \
                 JOIN report_links rl ON rl.case_id = sc.case_id \
                 JOIN reports r ON r.id = rl.report_id WHERE sc.situation_id = s.id \
                 AND r.org_id = {org_id} AND r.status = 'active'))"
            ),
            None => concerning,
        });
    }
    let sql = format!(
        "{SELECT}{}{} ORDER BY s.updated_at DESC, s.id DESC",
        if conditions.is_empty() { "" } else { " WHERE " },
        conditions.join(" AND ")
    );
    let mut q = sqlx::query(&sql);
    for b in &binds {
        q = q.bind(b.clone());
    }
    if let Some(since) = since_bind {
        q = q.bind(since);
    }
    let mut conn = store.pool().acquire().await?;
    let rows = q.fetch_all(&mut *conn).await?;
    let list = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    with_municipalities(&mut conn, list).await
}

/// The municipality a report places its disturbance in: the one it names, else the
/// reporting municipality. The one rule the suggestions and the map count by.
const REPORT_PLACE: &str = "COALESCE(r.exp_municipality_code, o.code)";

/// The (case, municipality) pairs of open cases — a case counts in every municipality its
/// active reports place it in — with the map's filters.
fn case_places_sql(f: &SituationFilter) -> (String, Option<String>, Option<Millis>) {
    let mut conditions = vec![
        format!("c.status IN ({})", open_statuses_sql()),
        "r.status = 'active'".to_string(),
    ];
    let mut platform = None;
    let mut since = None;
    let mut n = 0;
    if let Some(p) = f.platform {
        n += 1;
        platform = Some(p.as_str().to_string());
        conditions.push(format!("c.platform = ${n}"));
    }
    if let Some(s) = f.since {
        n += 1;
        since = Some(s);
        conditions.push(format!("r.created_at >= ${n}"));
    }
    if let Some(p) = f.phase {
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM situation_cases sc JOIN situations s ON s.id = sc.situation_id \
             WHERE sc.case_id = c.id AND s.phase = '{}')",
            p.as_str()
        ));
    }
    (
        format!(
            "SELECT DISTINCT c.id AS case_id, {REPORT_PLACE} AS code FROM cases c \
             JOIN report_links rl ON rl.case_id = c.id JOIN reports r ON r.id = rl.report_id \
             JOIN organisations o ON o.id = r.org_id WHERE {}",
            conditions.join(" AND ")
        ),
        platform,
        since,
    )
}

/// Open cases per municipality (CBS code → count) under the map's filters.
pub async fn open_cases_per_municipality(
    store: &Store,
    f: &SituationFilter,
) -> Result<BTreeMap<String, i64>> {
    let (places, platform, since) = case_places_sql(f);
    let sql = format!("SELECT p.code, COUNT(*) AS n FROM ({places}) p GROUP BY p.code");
    let mut q = sqlx::query(&sql);
    if let Some(p) = platform {
        q = q.bind(p);
    }
    if let Some(s) = since {
        q = q.bind(s);
    }
    let rows = q.fetch_all(store.pool()).await?;
    let mut out = BTreeMap::new();
    for r in rows {
        let code: Option<String> = r.try_get("code")?;
        if let Some(code) = code {
            out.insert(code, r.try_get::<i64, _>("n")?);
        }
    }
    Ok(out)
}

/// Open situations per municipality (CBS code → count): each situation counts once in every
/// municipality it concerns.
pub fn situations_per_municipality(situations: &[Situation]) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for s in situations {
        for code in &s.municipality_codes {
            *out.entry(code.clone()).or_insert(0) += 1;
        }
    }
    out
}

/// What the suggestions know of the open cases that are in no situation: where their
/// reports place the disturbance and when it is expected.
pub async fn unlinked_signals(store: &Store) -> Result<Vec<CaseSignal>> {
    signals(store, None).await
}

/// The same for one case, if it is open and in no situation.
pub async fn unlinked_signal_of(store: &Store, case_id: i64) -> Result<Option<CaseSignal>> {
    Ok(signals(store, Some(case_id)).await?.pop())
}

async fn signals(store: &Store, case_id: Option<i64>) -> Result<Vec<CaseSignal>> {
    let sql = format!(
        "SELECT rl.case_id, {REPORT_PLACE} AS code, r.expected_start_at FROM cases c \
         JOIN report_links rl ON rl.case_id = c.id JOIN reports r ON r.id = rl.report_id \
         JOIN organisations o ON o.id = r.org_id \
         WHERE c.status IN ({}) AND r.status = 'active' AND r.expected_start_at IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM situation_cases sc WHERE sc.case_id = c.id){} \
         ORDER BY rl.case_id",
        open_statuses_sql(),
        if case_id.is_some() {
            " AND c.id = $1"
        } else {
            ""
        }
    );
    let mut q = sqlx::query(&sql);
    if let Some(id) = case_id {
        q = q.bind(id);
    }
    let rows = q.fetch_all(store.pool()).await?;
    let mut by_case: BTreeMap<i64, CaseSignal> = BTreeMap::new();
    for r in rows {
        let case_id: i64 = r.try_get("case_id")?;
        let code: Option<String> = r.try_get("code")?;
        let at = opt_i64(&r, "expected_start_at")?;
        let entry = by_case.entry(case_id).or_insert_with(|| CaseSignal {
            case_id,
            municipality_codes: BTreeSet::new(),
            expected_at: Vec::new(),
        });
        if let Some(code) = code {
            entry.municipality_codes.insert(code);
        }
        if let Some(at) = at {
            if !entry.expected_at.contains(&at) {
                entry.expected_at.push(at);
            }
        }
    }
    Ok(by_case.into_values().collect())
}

crate::vocabulary! {
    /// What a person did with a suggestion.
    pub enum SuggestionDecision {
        Confirmed => ("confirmed", "Bevestigd", "Confirmed"),
        Dismissed => ("dismissed", "Afgewezen", "Dismissed"),
    }
}

/// Records a decision on a suggestion; `Conflict` when it was decided already.
pub async fn decide_suggestion(
    tx: &mut WriteTx,
    key: &str,
    decision: SuggestionDecision,
    by: RecordedBy<'_>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO suggestion_decisions (key, decision, decided_at, decided_by, decider_name) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(key)
    .bind(decision.as_str())
    .bind(by.at)
    .bind(by.user_id)
    .bind(by.name)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The keys of every decided suggestion.
pub async fn settled_suggestions(store: &Store) -> Result<HashSet<String>> {
    let rows = sqlx::query("SELECT key FROM suggestion_decisions")
        .fetch_all(store.pool())
        .await?;
    rows.iter()
        .map(|r| r.try_get::<String, _>(0).map_err(StoreError::from))
        .collect()
}

/// Whether a suggestion was decided (inside a write, so a decision is never made twice).
pub async fn is_settled(tx: &mut WriteTx, key: &str) -> Result<bool> {
    let row = sqlx::query("SELECT 1 FROM suggestion_decisions WHERE key = $1")
        .bind(key)
        .fetch_optional(tx.conn())
        .await?;
    Ok(row.is_some())
}

/// A report on a case of a situation, with the municipality that sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct SituationReport {
    pub report_id: i64,
    pub reference: String,
    pub org_id: i64,
    pub org_name: String,
    pub case_id: i64,
    pub created_at: Millis,
}

/// The active reports on the situation's cases, oldest first.
pub async fn reports_in(store: &Store, situation_id: i64) -> Result<Vec<SituationReport>> {
    let rows = sqlx::query(
        "SELECT DISTINCT r.id, r.reference, r.org_id, o.name, rl.case_id, r.created_at \
         FROM situation_cases sc JOIN report_links rl ON rl.case_id = sc.case_id \
         JOIN reports r ON r.id = rl.report_id JOIN organisations o ON o.id = r.org_id \
         WHERE sc.situation_id = $1 AND r.status = 'active' ORDER BY r.created_at, r.id",
    )
    .bind(situation_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SituationReport {
                report_id: r.try_get(0)?,
                reference: r.try_get(1)?,
                org_id: r.try_get(2)?,
                org_name: r.try_get(3)?,
                case_id: r.try_get(4)?,
                created_at: r.try_get(5)?,
            })
        })
        .collect()
}

/// A message the team sent about a case of the situation.
#[derive(Debug, Clone, PartialEq)]
pub struct SituationNotice {
    pub notice_id: i64,
    pub reference: String,
    pub case_id: i64,
    pub kind: crate::domain::notice::NoticeKind,
    pub sent_at: Option<Millis>,
    pub withdrawn_at: Option<Millis>,
}

pub async fn notices_in(store: &Store, situation_id: i64) -> Result<Vec<SituationNotice>> {
    let rows = sqlx::query(
        "SELECT n.id, n.reference, n.case_id, n.kind, n.sent_at, n.withdrawn_at FROM notices n \
         WHERE EXISTS (SELECT 1 FROM notice_cases nc JOIN situation_cases sc ON sc.case_id = nc.case_id \
         WHERE nc.notice_id = n.id AND sc.situation_id = $1) ORDER BY n.id",
    )
    .bind(situation_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get(3)?;
            Ok(SituationNotice {
                notice_id: r.try_get(0)?,
                reference: r.try_get(1)?,
                case_id: r.try_get(2)?,
                kind: crate::domain::notice::NoticeKind::parse(&kind)
                    .ok_or_else(|| bad("notice kind", &kind))?,
                sent_at: opt_i64(r, "sent_at")?,
                withdrawn_at: opt_i64(r, "withdrawn_at")?,
            })
        })
        .collect()
}

/// A platform's answer for one URL of a message about a case of the situation.
#[derive(Debug, Clone, PartialEq)]
pub struct SituationAnswer {
    pub notice_id: i64,
    pub case_id: i64,
    pub outcome: crate::domain::notice::Outcome,
    pub received_at: Millis,
}

pub async fn answers_in(store: &Store, situation_id: i64) -> Result<Vec<SituationAnswer>> {
    let rows = sqlx::query(
        "SELECT a.notice_id, a.case_id, a.outcome, a.received_at \
         FROM situation_cases sc JOIN notice_answers a ON a.case_id = sc.case_id \
         WHERE sc.situation_id = $1 ORDER BY a.id",
    )
    .bind(situation_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let outcome: String = r.try_get(2)?;
            Ok(SituationAnswer {
                notice_id: r.try_get(0)?,
                case_id: r.try_get(1)?,
                outcome: crate::domain::notice::Outcome::parse(&outcome)
                    .ok_or_else(|| bad("outcome", &outcome))?,
                received_at: r.try_get(3)?,
            })
        })
        .collect()
}

/// The decisions on the situation's cases: (case id, when, the history entry's kind, note).
pub async fn decisions_in(
    store: &Store,
    situation_id: i64,
) -> Result<
    Vec<(
        i64,
        Millis,
        crate::domain::case::CaseEventKind,
        Option<String>,
    )>,
> {
    use crate::domain::case::CaseEventKind;
    let rows = sqlx::query(&format!(
        "SELECT e.case_id, e.at, e.kind, e.note FROM situation_cases sc \
         JOIN case_events e ON e.case_id = sc.case_id \
         WHERE sc.situation_id = $1 AND e.kind IN ('{}', '{}') ORDER BY e.id",
        CaseEventKind::Assessed.as_str(),
        CaseEventKind::Approved.as_str()
    ))
    .bind(situation_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get(2)?;
            Ok((
                r.try_get(0)?,
                r.try_get(1)?,
                CaseEventKind::parse(&kind).ok_or_else(|| bad("event", &kind))?,
                r.try_get(3)?,
            ))
        })
        .collect()
}

/// The decision of the latest assessment version of each linked case that has one:
/// (case id, decision). The caller counts only cases whose status says they were decided.
pub async fn latest_decisions_in(
    store: &Store,
    situation_id: i64,
) -> Result<Vec<(i64, crate::domain::assessment::Decision)>> {
    let rows = sqlx::query(
        "SELECT a.case_id, a.decision FROM situation_cases sc \
         JOIN assessments a ON a.case_id = sc.case_id \
         WHERE sc.situation_id = $1 \
         AND a.version = (SELECT MAX(b.version) FROM assessments b WHERE b.case_id = a.case_id) \
         ORDER BY a.case_id",
    )
    .bind(situation_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let d: String = r.try_get(1)?;
            Ok((
                r.try_get(0)?,
                crate::domain::assessment::Decision::parse(&d)
                    .ok_or_else(|| bad("decision", &d))?,
            ))
        })
        .collect()
}
