//! Cases: one per piece of content, with their derived figures and append-only history.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::search::{self, NewText};
use super::{insert_many, opt_i64, Backend, Result, Store, StoreError, WriteTx};
use crate::domain::case::{CaseEventKind, CaseFigures, CaseStatus, QueueSort, ReportFacts};
use crate::domain::link::{CanonicalLink, Platform};
use crate::domain::report::{Category, ReportStatus, Urgency};
use crate::domain::search::{self as search_words, SearchSource};

use crate::domain::Millis;

#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub id: i64,
    pub reference: String,
    pub canonical_url: String,
    pub platform: Platform,
    pub domain: String,
    pub status: CaseStatus,
    pub urgency: Urgency,
    pub categories: Vec<Category>,
    pub deadline_at: Millis,
    pub expected_start_at: Option<Millis>,
    pub municipality_count: i64,
    pub report_count: i64,
    pub first_reported_at: Millis,
    pub last_reported_at: Millis,
    pub assignee_user_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub assigned_at: Option<Millis>,
    pub updated_at: Millis,
    /// The earlier case whose content a platform took down and this one copies.
    pub reupload_of: Option<i64>,
    /// When retention erased its personal data (`store::retention::erase_case`).
    pub erased_at: Option<Millis>,
}

const SELECT: &str = "SELECT c.id, c.reference, c.canonical_url, c.platform, c.domain, c.status, \
     c.urgency, c.categories, c.deadline_at, c.expected_start_at, c.municipality_count, \
     c.report_count, c.first_reported_at, c.last_reported_at, c.assignee_user_id, \
     u.name AS assignee_name, c.assigned_at, c.updated_at, c.reupload_of, c.erased_at \
     FROM cases c LEFT JOIN users u ON u.id = c.assignee_user_id";

fn bad(what: &str, v: &str) -> StoreError {
    StoreError::Database(format!("unknown {what} {v}"))
}

fn from_row(row: &AnyRow) -> Result<Case> {
    let platform: String = row.try_get("platform")?;
    let status: String = row.try_get("status")?;
    let urgency: String = row.try_get("urgency")?;
    let categories: String = row.try_get("categories")?;
    Ok(Case {
        id: row.try_get("id")?,
        reference: row.try_get("reference")?,
        canonical_url: row.try_get("canonical_url")?,
        platform: Platform::parse(&platform).ok_or_else(|| bad("platform", &platform))?,
        domain: row.try_get("domain")?,
        status: CaseStatus::parse(&status).ok_or_else(|| bad("status", &status))?,
        urgency: Urgency::parse(&urgency).ok_or_else(|| bad("urgency", &urgency))?,
        categories: categories
            .split(',')
            .filter(|c| !c.is_empty())
            .map(|c| Category::parse(c).ok_or_else(|| bad("category", c)))
            .collect::<Result<_>>()?,
        deadline_at: row.try_get("deadline_at")?,
        expected_start_at: opt_i64(row, "expected_start_at")?,
        municipality_count: row.try_get("municipality_count")?,
        report_count: row.try_get("report_count")?,
        first_reported_at: row.try_get("first_reported_at")?,
        last_reported_at: row.try_get("last_reported_at")?,
        assignee_user_id: opt_i64(row, "assignee_user_id")?,
        assignee_name: row.try_get("assignee_name")?,
        assigned_at: opt_i64(row, "assigned_at")?,
        updated_at: row.try_get("updated_at")?,
        reupload_of: opt_i64(row, "reupload_of")?,
        erased_at: opt_i64(row, "erased_at")?,
    })
}

/// The next number of a yearly series (`report-2026`, `case-2026`), inside `tx`. The first
/// number a transaction takes of a series reads its row and locks it (the upsert takes the
/// row lock on PostgreSQL; on SQLite the transaction holds the write lock); the rest are
/// counted in memory and written back once at commit, so numbers stay gap-free and unique
/// across instances at one statement per series and batch.
pub async fn next_number(tx: &mut WriteTx, series: &str) -> Result<i64> {
    if let Some(entry) = tx.counters.iter_mut().find(|(name, _, _)| name == series) {
        entry.1 += 1;
        entry.2 = true;
        return Ok(entry.1);
    }
    let row = sqlx::query(
        "INSERT INTO counters (name, value) VALUES ($1, 0) \
         ON CONFLICT (name) DO UPDATE SET value = counters.value RETURNING value",
    )
    .bind(series)
    .fetch_one(tx.conn())
    .await?;
    let value: i64 = row.try_get::<i64, _>(0)? + 1;
    tx.counters.push((series.to_string(), value, true));
    Ok(value)
}

/// The number `next_number` would give in `series` now, without taking it (for showing a
/// message before it is sent).
pub async fn peek_number(tx: &mut WriteTx, series: &str) -> Result<i64> {
    if let Some((_, value, _)) = tx.counters.iter().find(|(name, _, _)| name == series) {
        return Ok(value + 1);
    }
    let row = sqlx::query("SELECT value FROM counters WHERE name = $1")
        .bind(series)
        .fetch_optional(tx.conn())
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<i64, _>(0)? + 1,
        None => 1,
    })
}

/// Which of these canonical links have a case already (a lookup for a whole intake batch:
/// a link not among them has no case unless one is opened after this read).
pub async fn existing_urls(
    tx: &mut WriteTx,
    canonical_urls: &[&str],
) -> Result<std::collections::HashSet<String>> {
    let mut found = std::collections::HashSet::new();
    for chunk in canonical_urls.chunks(512) {
        // Padded to a power of two with its last link, so that a few prepared statements
        // serve every batch size.
        let Some(last) = chunk.last() else {
            continue;
        };
        let size = chunk.len().next_power_of_two().max(8);
        let params: Vec<String> = (1..=size).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT canonical_url FROM cases WHERE canonical_url IN ({})",
            params.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for url in chunk
            .iter()
            .chain(std::iter::repeat_n(last, size - chunk.len()))
        {
            q = q.bind(*url);
        }
        for row in q.fetch_all(tx.conn()).await? {
            found.insert(row.try_get(0)?);
        }
    }
    Ok(found)
}

/// The case for this content (id, reference, status), locked for the rest of `tx`
/// (PostgreSQL), if there is one.
pub async fn by_url_locked(
    tx: &mut WriteTx,
    canonical_url: &str,
) -> Result<Option<(i64, String, CaseStatus)>> {
    let sql = format!(
        "SELECT id, reference, status FROM cases WHERE canonical_url = $1{}",
        tx.for_update()
    );
    let row = sqlx::query(&sql)
        .bind(canonical_url)
        .fetch_optional(tx.conn())
        .await?;
    match row {
        None => Ok(None),
        Some(r) => {
            let status: String = r.try_get("status")?;
            Ok(Some((
                r.try_get("id")?,
                r.try_get("reference")?,
                CaseStatus::parse(&status).ok_or_else(|| bad("status", &status))?,
            )))
        }
    }
}

/// Opens a case for new content with its first figures. Returns `None` when another
/// transaction opened it first (the caller then locks that one).
pub async fn insert(
    tx: &mut WriteTx,
    reference: &str,
    link: &CanonicalLink,
    f: &CaseFigures,
    now: Millis,
) -> Result<Option<i64>> {
    let categories: Vec<&str> = f.categories.iter().map(|c| c.as_str()).collect();
    let row = sqlx::query(
        "INSERT INTO cases (reference, canonical_url, platform, domain, status, urgency, categories, \
         deadline_at, expected_start_at, municipality_count, report_count, first_reported_at, \
         last_reported_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (canonical_url) DO NOTHING RETURNING id",
    )
    .bind(reference)
    .bind(&link.url)
    .bind(link.platform.as_str())
    .bind(&link.domain)
    .bind(CaseStatus::Received.as_str())
    .bind(f.urgency.as_str())
    .bind(categories.join(","))
    .bind(f.deadline_at)
    .bind(f.expected_start_at)
    .bind(f.municipality_count)
    .bind(f.report_count)
    .bind(f.first_reported_at)
    .bind(f.last_reported_at)
    .bind(now)
    .fetch_optional(tx.conn())
    .await?;
    Ok(match row {
        Some(r) => Some(r.try_get(0)?),
        None => None,
    })
}

/// What the case's reports say, for deriving its figures.
pub async fn report_facts(tx: &mut WriteTx, case_id: i64) -> Result<Vec<ReportFacts>> {
    // Reports this transaction keeps in memory are read too.
    super::reports::flush_kept(tx).await?;
    let rows = sqlx::query(
        "SELECT r.org_id, r.urgency, r.category, r.status, r.created_at, r.expected_start_at \
         FROM report_links l JOIN reports r ON r.id = l.report_id WHERE l.case_id = $1",
    )
    .bind(case_id)
    .fetch_all(tx.conn())
    .await?;
    rows.iter()
        .map(|r| {
            let urgency: String = r.try_get("urgency")?;
            let category: String = r.try_get("category")?;
            let status: String = r.try_get("status")?;
            Ok(ReportFacts {
                org_id: r.try_get("org_id")?,
                urgency: Urgency::parse(&urgency).ok_or_else(|| bad("urgency", &urgency))?,
                category: Category::parse(&category).ok_or_else(|| bad("category", &category))?,
                status: ReportStatus::parse(&status).ok_or_else(|| bad("status", &status))?,
                reported_at: r.try_get("created_at")?,
                expected_start: opt_i64(r, "expected_start_at")?,
            })
        })
        .collect()
}

pub async fn set_figures(
    tx: &mut WriteTx,
    case_id: i64,
    f: &CaseFigures,
    now: Millis,
) -> Result<()> {
    let categories: Vec<&str> = f.categories.iter().map(|c| c.as_str()).collect();
    sqlx::query(
        "UPDATE cases SET urgency = $1, categories = $2, deadline_at = $3, expected_start_at = $4, \
         municipality_count = $5, report_count = $6, first_reported_at = $7, last_reported_at = $8, \
         updated_at = $9 WHERE id = $10",
    )
    .bind(f.urgency.as_str())
    .bind(categories.join(","))
    .bind(f.deadline_at)
    .bind(f.expected_start_at)
    .bind(f.municipality_count)
    .bind(f.report_count)
    .bind(f.first_reported_at)
    .bind(f.last_reported_at)
    .bind(now)
    .bind(case_id)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Moves a case from `from` to `to`. Only `service::history::change_status` calls this,
/// after `domain::case::transition` allowed the move; the update also requires the case to
/// still be in `from`, so a stale read can never move it.
pub(crate) async fn set_status(
    tx: &mut WriteTx,
    case_id: i64,
    from: CaseStatus,
    to: CaseStatus,
    now: Millis,
) -> Result<()> {
    // A case moved to a closed status is closed from now (retention counts from it); moving
    // it on to an open one clears that.
    let closed_at = (!to.is_open()).then_some(now);
    let done = sqlx::query(
        "UPDATE cases SET status = $1, updated_at = $2, closed_at = $5 WHERE id = $3 AND status = $4",
    )
    .bind(to.as_str())
    .bind(now)
    .bind(case_id)
    .bind(from.as_str())
    .bind(closed_at)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Database(format!(
            "case {case_id} is not in status {} any more",
            from.as_str()
        )));
    }
    Ok(())
}

pub async fn set_assignee(
    tx: &mut WriteTx,
    case_id: i64,
    user_id: Option<i64>,
    now: Millis,
) -> Result<()> {
    sqlx::query(
        "UPDATE cases SET assignee_user_id = $1, assigned_at = $2, updated_at = $2 WHERE id = $3",
    )
    .bind(user_id)
    .bind(now)
    .bind(case_id)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The case for exactly this canonical link, if there is one.
pub async fn by_url(store: &Store, canonical_url: &str) -> Result<Option<Case>> {
    let row = sqlx::query(&format!("{SELECT} WHERE c.canonical_url = $1"))
        .bind(canonical_url)
        .fetch_optional(store.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Cases on `platform` whose link contains `needle` (lower-case), oldest first: the
/// preselection of an access request, whose exact account match is
/// `domain::access_request::Subject::owns_content`.
pub async fn on_platform_containing(
    store: &Store,
    platform: Platform,
    needle: &str,
) -> Result<Vec<Case>> {
    // `_` and `%` in a handle only widen the preselection; the domain decides.
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE c.platform = $1 AND LOWER(c.canonical_url) LIKE $2 ORDER BY c.id"
    ))
    .bind(platform.as_str())
    .bind(format!("%{}%", needle.to_lowercase()))
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get(store: &Store, id: i64) -> Result<Case> {
    let row = sqlx::query(&format!("{SELECT} WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// The case inside a write transaction, locked (PostgreSQL) until commit.
/// The case with this reference (`ZAAK-2026-000012`).
pub async fn by_reference(store: &Store, reference: &str) -> Result<Case> {
    let row = sqlx::query(&format!("{SELECT} WHERE c.reference = $1"))
        .bind(reference)
        .fetch_optional(store.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// A case's reference (`ZAAK-2026-000123`).
pub async fn reference_in(tx: &mut WriteTx, id: i64) -> Result<String> {
    let row = sqlx::query("SELECT reference FROM cases WHERE id = $1")
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(row.try_get(0)?)
}

pub async fn get_locked(tx: &mut WriteTx, id: i64) -> Result<Case> {
    // Lock first, then read with the join (FOR UPDATE cannot lock the nullable side).
    sqlx::query(&format!(
        "SELECT id FROM cases WHERE id = $1{}",
        tx.for_update()
    ))
    .bind(id)
    .fetch_optional(tx.conn())
    .await?
    .ok_or(StoreError::NotFound)?;
    let row = sqlx::query(&format!("{SELECT} WHERE c.id = $1"))
        .bind(id)
        .fetch_one(tx.conn())
        .await?;
    from_row(&row)
}

/// Cases in any of `statuses`, at most `limit`, newest report first.
/// Which cases the queue shows. Every condition is optional; `statuses` empty means every
/// open status.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueQuery {
    pub statuses: Vec<CaseStatus>,
    pub platform: Option<Platform>,
    /// Reported by this organisation (an active report of it in the case).
    pub org_id: Option<i64>,
    pub category: Option<Category>,
    pub urgency: Option<Urgency>,
    /// `Some(true)`: only overdue cases; `Some(false)`: only cases not overdue.
    pub overdue: Option<bool>,
    /// Only the cases in this person's hands.
    pub assignee_user_id: Option<i64>,
    /// Only these cases (a small set the caller chose, such as those awaiting approval).
    pub case_ids: Option<Vec<i64>>,
    /// The order; `None` is the queue's own (most pressing first).
    pub sort: Option<QueueSort>,
}

/// The SQL order of a sort other than the queue's own: `QueueSort::compare`, read from the
/// open cases' ordered indexes of `0012_queue_sorts.sql` (scanned backwards when descending).
fn sort_sql(sort: QueueSort) -> Option<(&'static str, &'static str)> {
    match sort {
        QueueSort::Pressing => None,
        QueueSort::Deadline => Some(("c.deadline_at, c.id", "cases_open_by_deadline")),
        QueueSort::Newest => Some((
            "c.first_reported_at DESC, c.id DESC",
            "cases_open_by_first_report",
        )),
        QueueSort::Spread => Some((
            "c.municipality_count DESC, c.first_reported_at DESC, c.id DESC",
            "cases_open_by_spread",
        )),
    }
}

/// One page of the queue, with the exact numbers of the whole selection.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuePage {
    pub cases: Vec<Case>,
    pub total: i64,
    pub overdue: i64,
}

/// A list of closed-vocabulary identifiers as SQL literals (never user input).
pub(crate) fn ids<T: Copy>(items: &[T], id: impl Fn(T) -> &'static str) -> String {
    items
        .iter()
        .map(|i| format!("'{}'", id(*i)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `c` is overdue at `$1`: the SQL of `QueueEntry::is_overdue`.
fn overdue_sql() -> String {
    let awaiting: Vec<CaseStatus> = CaseStatus::ALL
        .into_iter()
        .filter(|s| s.awaits_decision())
        .collect();
    format!(
        "(c.status IN ({}) AND c.deadline_at < $1)",
        ids(&awaiting, CaseStatus::as_str)
    )
}

/// `domain::case::queue_key` in SQL (`$1` is now).
fn queue_order_sql() -> String {
    let rank: Vec<String> = Urgency::ALL
        .iter()
        .map(|u| format!("WHEN '{}' THEN {}", u.as_str(), u.rank()))
        .collect();
    format!(
        "CASE WHEN c.urgency = '{acute}' OR {overdue} THEN 0 ELSE 1 END, \
         CASE c.urgency {rank} END, \
         CASE WHEN c.expected_start_at IS NULL THEN {max} \
              WHEN c.expected_start_at < $1 THEN $1 ELSE c.expected_start_at END, \
         c.municipality_count DESC, c.first_reported_at, c.id",
        acute = Urgency::Acute.as_str(),
        overdue = overdue_sql(),
        rank = rank.join(" "),
        max = i64::MAX,
    )
}

/// The parts of an urgency by expected start are counted up to this many: enough to tell
/// rare from common, without reading a large part to its end.
const ESTIMATE_UP_TO: i64 = 5_000;

/// What the counts told about one urgency in the selection: exact (`open`, `late`), and
/// over every case of the urgency whatever its status or the filter (`past`, `unknown`:
/// expected start already past, or unknown; up to `ESTIMATE_UP_TO`) — enough to estimate how
/// many rows each segment holds.
#[derive(Debug, Clone, Copy, Default)]
struct UrgencyCounts {
    open: i64,
    late: i64,
    /// Every case of the urgency (counted only when the selection is filtered; else `open`).
    all: i64,
    past: i64,
    unknown: i64,
}

/// The three parts of the expected start, each a segment with an order of plain columns.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Start {
    Past,
    ToCome,
    Unknown,
}

impl Start {
    const ALL: [Start; 3] = [Start::Past, Start::ToCome, Start::Unknown];

    fn condition(self) -> &'static str {
        match self {
            Start::Past => "c.expected_start_at < $1",
            Start::ToCome => "c.expected_start_at >= $1",
            Start::Unknown => "c.expected_start_at IS NULL",
        }
    }

    /// The segment's order; the index that holds it (after the urgency).
    fn order(self) -> (&'static str, &'static str) {
        match self {
            Start::Past => (
                "c.municipality_count DESC, c.first_reported_at, c.id",
                "cases_queue_by_reach",
            ),
            Start::ToCome | Start::Unknown => (
                "c.expected_start_at, c.municipality_count DESC, c.first_reported_at, c.id",
                "cases_queue_by_start",
            ),
        }
    }

    /// Of the urgency's cases, about how many are in this part (a part counted up to
    /// `ESTIMATE_UP_TO` that reached it counts as common: as large as the urgency).
    fn share(self, c: &UrgencyCounts) -> i64 {
        let common = |n: i64| if n >= ESTIMATE_UP_TO { c.all } else { n };
        match self {
            Start::Past => common(c.past),
            Start::Unknown => common(c.unknown),
            Start::ToCome => {
                (c.all - c.past.min(ESTIMATE_UP_TO - 1) - c.unknown.min(ESTIMATE_UP_TO - 1)).max(0)
            }
        }
    }
}

/// How to read one segment: from the index that holds its order, in order, until a page's
/// rows are found (cheap when the segment's rows are common in that index), or from the index
/// of its rarest condition, sorting what it holds (cheap when they are rare). `store`'s
/// `indexed_by` names the index for SQLite, whose planner cannot know which is cheaper (the
/// condition depends on the clock); PostgreSQL's planner estimates that from its statistics.
fn segment_index(start: Start, late_only: bool, c: &UrgencyCounts, wanted: i64) -> &'static str {
    let (_, ordered) = start.order();
    // The rows of the index range read in order (every status, unfiltered), and the rows of
    // it the segment holds (assuming the filter, lateness and start independent).
    let in_order_range = match start {
        Start::Past => c.all,
        _ => start.share(c),
    }
    .max(1);
    let selected = if late_only { c.late } else { c.open };
    let rows = (start.share(c) as f64 * selected as f64 / c.all.max(1) as f64).max(1.0);
    let in_order_cost = wanted as f64 * in_order_range as f64 / rows;
    // The alternative: read the rarest condition's rows and sort them.
    let (rare_index, rare_cost) = if late_only {
        ("cases_queue_overdue", c.late as f64)
    } else {
        ("cases_queue_by_start", start.share(c) as f64)
    };
    if in_order_cost <= rare_cost {
        ordered
    } else {
        rare_index
    }
}

/// The ids that can be on a page: the first `$2` of every segment of the queue order. Within a
/// segment — pressing or not, one urgency, the expected start already past (all count as
/// now), still to come, or unknown — the order is plain columns, so the first `$2` are read
/// from an index in order (`0005_queue.sql`) or, when the segment's rows are rare there, from
/// its rarest condition (`segment_index`). The first `$2` of the whole order are among them.
/// A segment the counts show empty is left out, and so is the rest of the queue when the
/// pressing cases fill the page.
fn queue_segments_sql(
    store: &Store,
    filter: &str,
    q: &QueueQuery,
    counts: &[(Urgency, UrgencyCounts)],
    wanted: i64,
) -> String {
    let overdue = overdue_sql();
    let pressing_late: i64 = counts
        .iter()
        .filter(|(u, _)| *u != Urgency::Acute)
        .map(|(_, c)| c.late)
        .sum();
    let beyond_pressing = pressing_late < wanted;
    let mut segments = Vec::new();
    for (urgency, c) in counts {
        let acute = *urgency == Urgency::Acute;
        if c.open == 0 {
            continue;
        }
        for pressed in [true, false] {
            // An acute case is always pressing, and an overdue one too.
            if !pressed && (acute || q.overdue == Some(true) || !beyond_pressing) {
                continue;
            }
            // A case that is not acute is pressing only when overdue.
            if pressed && !acute && (q.overdue == Some(false) || c.late == 0) {
                continue;
            }
            let which = match (pressed, acute) {
                (true, true) => String::from("1 = 1"),
                (true, false) => overdue.clone(),
                (false, _) => format!("NOT {overdue}"),
            };
            for start in Start::ALL {
                // Counted over every case of the urgency: none there, none in the segment.
                if start != Start::ToCome && start.share(c) == 0 {
                    continue;
                }
                let (order, _) = start.order();
                // Only overdue cases: pressing ones that are not acute, or all when so filtered.
                let late_only = (pressed && !acute) || q.overdue == Some(true);
                let index = segment_index(start, late_only, c, wanted);
                segments.push(format!(
                    "SELECT s{n}.id FROM (SELECT c.id FROM cases c{hint} WHERE {filter} AND \
                     c.urgency = '{u}' AND {which} AND {cond} ORDER BY {order} LIMIT $2) AS s{n}",
                    n = segments.len(),
                    hint = store.indexed_by(index),
                    u = urgency.as_str(),
                    cond = start.condition(),
                ));
            }
        }
    }
    if segments.is_empty() {
        // Nothing can be on the page; still a query of the same shape.
        return "SELECT c.id FROM cases c WHERE 1 = 0".into();
    }
    segments.join(" UNION ALL ")
}

/// One row `(urgency, what, cases)`: how many cases the queue totals hold where `condition`
/// holds (over `t`: status, urgency, platform) — the folded totals plus the changes not yet
/// folded (`0009_queue_totals.sql`).
fn totals_sql(urgency: &str, what: &str, condition: &str) -> String {
    format!(
        "SELECT '{urgency}', '{what}', CAST(COALESCE(SUM(x.n), 0) AS BIGINT) FROM (\
         SELECT t.cases AS n FROM queue_totals t WHERE {condition} UNION ALL \
         SELECT t.change FROM queue_total_changes t WHERE {condition}) AS x"
    )
}

/// Folds the changes to the queue totals into the totals (`0009_queue_totals.sql`); the sum
/// over both stays the same, so any instance may do this at any time. Returns how many
/// totals changed.
pub async fn fold_queue_totals(store: &Store) -> Result<u64> {
    let mut tx = store.begin_write().await?;
    let folded = match store.backend() {
        // One statement, one snapshot: exactly the changes it deletes are added.
        Backend::Postgres => sqlx::query(
            "WITH gone AS (DELETE FROM queue_total_changes \
                 RETURNING status, urgency, platform, change) \
                 INSERT INTO queue_totals (status, urgency, platform, cases) \
                 SELECT status, urgency, platform, CAST(SUM(change) AS BIGINT) FROM gone \
                 GROUP BY status, urgency, platform ORDER BY status, urgency, platform \
                 ON CONFLICT (status, urgency, platform) \
                 DO UPDATE SET cases = queue_totals.cases + excluded.cases",
        )
        .execute(tx.conn())
        .await?
        .rows_affected(),
        // One writer at a time: nothing is appended between the two statements.
        Backend::Sqlite => {
            let n = sqlx::query(
                "INSERT INTO queue_totals (status, urgency, platform, cases) \
                 SELECT status, urgency, platform, SUM(change) FROM queue_total_changes \
                 WHERE 1 = 1 GROUP BY status, urgency, platform \
                 ON CONFLICT (status, urgency, platform) \
                 DO UPDATE SET cases = queue_totals.cases + excluded.cases",
            )
            .execute(tx.conn())
            .await?
            .rows_affected();
            sqlx::query("DELETE FROM queue_total_changes")
                .execute(tx.conn())
                .await?;
            n
        }
    };
    tx.commit().await?;
    Ok(folded)
}

/// A page of the queue, most pressing first (`domain::case::queue_key`), computed by the
/// database: filtered, ordered and paged in SQL, never truncated; the total and the number
/// overdue are exact.
pub async fn queue(
    store: &Store,
    q: &QueueQuery,
    now: Millis,
    offset: i64,
    limit: i64,
) -> Result<QueuePage> {
    let statuses: Vec<CaseStatus> = if q.statuses.is_empty() {
        CaseStatus::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .collect()
    } else {
        q.statuses.clone()
    };
    let status_condition = format!("status IN ({})", ids(&statuses, CaseStatus::as_str));
    let mut conditions = vec![format!("c.{status_condition}")];
    let mut totals_conditions = vec![format!("t.{status_condition}")];
    if let Some(p) = q.platform {
        conditions.push(format!("c.platform = '{}'", p.as_str()));
        totals_conditions.push(format!("t.platform = '{}'", p.as_str()));
    }
    if let Some(u) = q.urgency {
        conditions.push(format!("c.urgency = '{}'", u.as_str()));
    }
    if let Some(k) = q.category {
        conditions.push(format!(
            "(',' || c.categories || ',') LIKE '%,{},%'",
            k.as_str()
        ));
    }
    // The organisation's cases, as a set read through its reports (`reports_org`); `$org` is
    // its parameter, numbered per query below.
    if q.org_id.is_some() {
        conditions.push(
            "c.id IN (SELECT l.case_id FROM reports r JOIN report_links l ON l.report_id = r.id \
             WHERE r.org_id = $org)"
                .to_string(),
        );
    }
    if let Some(user) = q.assignee_user_id {
        conditions.push(format!("c.assignee_user_id = {user}"));
    }
    if let Some(ids) = &q.case_ids {
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        conditions.push(if list.is_empty() {
            "1 = 0".to_string()
        } else {
            format!("c.id IN ({})", list.join(", "))
        });
    }
    // A selection of few cases: read as a set and sorted whole.
    let few = q.org_id.is_some() || q.assignee_user_id.is_some() || q.case_ids.is_some();
    // Before the filter on lateness: what the counts start from.
    let base = conditions.join(" AND ");
    match q.overdue {
        Some(true) => conditions.push(overdue_sql()),
        Some(false) => conditions.push(format!("NOT {}", overdue_sql())),
        None => {}
    }
    let filter = conditions.join(" AND ");

    // The counts: `$1` now, `$2` the organisation. Per urgency, the cases of the selection
    // before the filter on lateness — kept as totals per status, urgency and platform
    // (`0009_queue_totals.sql`) when that is all the selection asks, else counted — and the
    // overdue ones among them, counted from one covering index (`cases_queue_count`, or its
    // twin by platform); and for the estimates below, the urgency's cases whose expected start
    // is past or unknown (`cases_queue_by_start`).
    let count_base = base.replace("$org", "$2");
    let urgencies: Vec<Urgency> = Urgency::ALL
        .into_iter()
        .filter(|u| q.urgency.is_none_or(|only| only == *u))
        .collect();
    let kept_as_totals = !few && q.category.is_none();
    // Filtered beyond the open statuses and the urgency, the selection is not the urgency's
    // cases: count those too, for the estimates.
    let filtered = !q.statuses.is_empty()
        || q.platform.is_some()
        || few
        || q.category.is_some()
        || q.overdue.is_some();
    let exact = store.indexed_by(if q.platform.is_some() {
        "cases_queue_count_platform"
    } else {
        "cases_queue_count"
    });
    let by_start = store.indexed_by("cases_queue_by_start");
    let mut parts = Vec::new();
    for u in &urgencies {
        let u = u.as_str();
        if kept_as_totals {
            let mut only = totals_conditions.clone();
            only.push(format!("t.urgency = '{u}'"));
            parts.push(totals_sql(u, "selected", &only.join(" AND ")));
        } else {
            parts.push(format!(
                "SELECT '{u}', 'selected', COUNT(*) FROM cases c{exact} WHERE {count_base} AND c.urgency = '{u}'"
            ));
        }
        parts.push(format!(
            "SELECT '{u}', 'late', COUNT(*) FROM cases c{exact} WHERE {count_base} AND c.urgency = '{u}' AND {}",
            overdue_sql()
        ));
        // The estimates choose SQLite's indexes; PostgreSQL's planner has its statistics.
        if store.plans_by_statistics() {
            continue;
        }
        if filtered {
            parts.push(totals_sql(u, "all", &format!("t.urgency = '{u}'")));
        }
        for (what, cond) in [
            ("past", "c.expected_start_at < $1"),
            ("unknown", "c.expected_start_at IS NULL"),
        ] {
            parts.push(format!(
                "SELECT '{u}', '{what}', COUNT(*) FROM (SELECT 1 FROM cases c{by_start} \
                 WHERE c.urgency = '{u}' AND {cond} LIMIT {ESTIMATE_UP_TO}) AS e"
            ));
        }
    }
    let counted_sql = parts.join(" UNION ALL ");
    let mut counted = sqlx::query(&counted_sql).bind(now);
    if let Some(org) = q.org_id {
        counted = counted.bind(org);
    }
    let mut counts: Vec<(Urgency, UrgencyCounts)> = urgencies
        .iter()
        .map(|u| (*u, UrgencyCounts::default()))
        .collect();
    for row in counted.fetch_all(store.pool()).await? {
        let urgency: String = row.try_get(0)?;
        let what: String = row.try_get(1)?;
        let n: i64 = row.try_get(2)?;
        let Some((_, c)) = counts.iter_mut().find(|(u, _)| u.as_str() == urgency) else {
            return Err(bad("urgency", &urgency));
        };
        match what.as_str() {
            "selected" => c.open = n,
            "late" => c.late = n,
            "all" => c.all = n,
            "past" => c.past = n,
            _ => c.unknown = n,
        }
    }
    for (_, c) in counts.iter_mut() {
        // Counted before the filter on lateness: apply it.
        match q.overdue {
            Some(true) => c.open = c.late,
            Some(false) => (c.open, c.late) = (c.open - c.late, 0),
            None => {}
        }
        if store.plans_by_statistics() {
            // Not counted: every part may hold cases.
            (c.all, c.past, c.unknown) = (c.open, ESTIMATE_UP_TO, ESTIMATE_UP_TO);
        } else if !filtered {
            c.all = c.open;
        }
    }
    let total: i64 = counts.iter().map(|(_, c)| c.open).sum();
    let overdue: i64 = counts.iter().map(|(_, c)| c.late).sum();

    // The page: `$1` now, `$2` how many rows the candidates may hold (offset + limit), `$3`
    // limit, `$4` offset, `$5` the organisation. A few cases (one organisation's, one person's,
    // a chosen set): their first rows in queue order are the candidates. Otherwise the
    // segments are.
    let page_filter = filter.replace("$org", "$5");
    let page_sql = match q.sort.and_then(sort_sql) {
        // Another order: its first rows are read from the order's index — named to SQLite
        // when the selection is the open cases the index holds (its planner otherwise reads
        // the deadline order from an index of all statuses). `$1` (now) is named even when no
        // filter uses it, so that PostgreSQL knows its type.
        Some((order, index)) => {
            let indexed = if q.statuses.is_empty() {
                store.indexed_by(index)
            } else {
                String::new()
            };
            format!(
                "{SELECT} WHERE CAST($1 AS BIGINT) IS NOT NULL AND c.id IN \
                 (SELECT c.id FROM cases c{indexed} WHERE {page_filter} ORDER BY {order} LIMIT $2) \
                 ORDER BY {order} LIMIT $3 OFFSET $4"
            )
        }
        None => {
            let candidates = if few {
                format!(
                    "SELECT c.id FROM cases c WHERE {page_filter} ORDER BY {} LIMIT $2",
                    queue_order_sql()
                )
            } else {
                queue_segments_sql(store, &page_filter, q, &counts, offset + limit)
            };
            format!(
                "{SELECT} WHERE c.id IN ({candidates}) ORDER BY {} LIMIT $3 OFFSET $4",
                queue_order_sql()
            )
        }
    };
    let mut listed = sqlx::query(&page_sql)
        .bind(now)
        .bind(offset + limit)
        .bind(limit)
        .bind(offset);
    if let Some(org) = q.org_id {
        listed = listed.bind(org);
    }
    let rows = listed.fetch_all(store.pool()).await?;
    Ok(QueuePage {
        cases: rows.iter().map(from_row).collect::<Result<_>>()?,
        total,
        overdue,
    })
}

pub async fn list(store: &Store, statuses: &[CaseStatus], limit: i64) -> Result<Vec<Case>> {
    let list: Vec<String> = statuses
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE c.status IN ({}) ORDER BY c.last_reported_at DESC LIMIT $1",
        list.join(",")
    ))
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

#[derive(Debug, Clone, PartialEq)]
pub struct CaseEvent {
    pub at: Millis,
    pub actor_label: String,
    pub kind: CaseEventKind,
    pub from_status: Option<CaseStatus>,
    pub to_status: Option<CaseStatus>,
    pub note: Option<String>,
}

pub struct NewCaseEvent<'a> {
    pub case_id: i64,
    pub actor_user_id: Option<i64>,
    pub actor_label: &'a str,
    pub kind: CaseEventKind,
    pub from_status: Option<CaseStatus>,
    pub to_status: Option<CaseStatus>,
    pub note: Option<&'a str>,
}

/// Appends to a case's history with the transaction: the entry is inserted at its commit,
/// with every other entry of the transaction, in order (`flush_events`).
pub async fn append_event(tx: &mut WriteTx, e: &NewCaseEvent<'_>, now: Millis) -> Result<()> {
    tx.case_events.push(CaseEventRow {
        case_id: e.case_id,
        at: now,
        actor_user_id: e.actor_user_id,
        actor_label: e.actor_label.to_string(),
        kind: e.kind.as_str(),
        from_status: e.from_status.map(CaseStatus::as_str),
        to_status: e.to_status.map(CaseStatus::as_str),
        note: e.note.map(str::to_string),
    });
    if let Some(words) = e.note.and_then(|n| search_words::note_document(e.kind, n)) {
        let text = NewText {
            case_id: e.case_id,
            report_id: None,
            org_id: None,
            source: SearchSource::CaseNote,
            words,
        };
        search::add(tx, &[text]);
    }
    Ok(())
}

/// A history entry waiting for its transaction's commit.
#[derive(Debug, Clone)]
pub(crate) struct CaseEventRow {
    case_id: i64,
    at: Millis,
    actor_user_id: Option<i64>,
    actor_label: String,
    kind: &'static str,
    from_status: Option<&'static str>,
    to_status: Option<&'static str>,
    note: Option<String>,
}

/// Inserts the history entries appended in `tx` (called by `WriteTx::commit`).
pub(crate) async fn flush_events(tx: &mut WriteTx) -> Result<()> {
    let rows = std::mem::take(&mut tx.case_events);
    insert_many(
        tx,
        "case_events (case_id, at, actor_user_id, actor_label, kind, from_status, to_status, note)",
        8,
        &rows,
        |q, r| {
            q.bind(r.case_id)
                .bind(r.at)
                .bind(r.actor_user_id)
                .bind(&r.actor_label)
                .bind(r.kind)
                .bind(r.from_status)
                .bind(r.to_status)
                .bind(&r.note)
        },
    )
    .await
}

/// The cases linked to a situation, most pressing first (the queue's order is applied by the
/// caller), and the open statuses as SQL literals for the other readers of open cases.
pub async fn in_situation(store: &Store, situation_id: i64) -> Result<Vec<Case>> {
    let rows = sqlx::query(&format!(
        "{SELECT} JOIN situation_cases sc ON sc.case_id = c.id WHERE sc.situation_id = $1 \
         ORDER BY c.id"
    ))
    .bind(situation_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// The open statuses as SQL literals (`'received', …`): the SQL of `CaseStatus::is_open`.
pub(crate) fn open_statuses_sql() -> String {
    let open: Vec<CaseStatus> = CaseStatus::ALL
        .into_iter()
        .filter(|s| s.is_open())
        .collect();
    ids(&open, CaseStatus::as_str)
}

pub async fn events(store: &Store, case_id: i64) -> Result<Vec<CaseEvent>> {
    let rows = sqlx::query(
        "SELECT at, actor_label, kind, from_status, to_status, note FROM case_events \
         WHERE case_id = $1 ORDER BY id",
    )
    .bind(case_id)
    .fetch_all(store.pool())
    .await?;
    let status = |v: Option<String>| -> Result<Option<CaseStatus>> {
        v.map(|s| CaseStatus::parse(&s).ok_or_else(|| bad("status", &s)))
            .transpose()
    };
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(CaseEvent {
                at: r.try_get("at")?,
                actor_label: r.try_get("actor_label")?,
                kind: CaseEventKind::parse(&kind).ok_or_else(|| bad("event", &kind))?,
                from_status: status(r.try_get("from_status")?)?,
                to_status: status(r.try_get("to_status")?)?,
                note: r.try_get("note")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod sort_index_tests {
    use super::*;

    /// The partial indexes of the queue's sorts name the open statuses, in the order the
    /// queue's own condition lists them (SQLite uses a partial index only when the query
    /// repeats its condition).
    #[test]
    fn the_sort_indexes_cover_exactly_the_open_statuses() {
        let open: Vec<CaseStatus> = CaseStatus::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .collect();
        let condition = format!("WHERE status IN ({})", ids(&open, CaseStatus::as_str));
        for sql in [
            include_str!("../../migrations/sqlite/0012_queue_sorts.sql"),
            include_str!("../../migrations/postgres/0012_queue_sorts.sql"),
        ] {
            let indexes = sql.matches("CREATE INDEX").count();
            assert_eq!(indexes, 3);
            assert_eq!(sql.matches(&condition).count(), indexes, "{sql}");
        }
    }
}
