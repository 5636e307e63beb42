//! Reports, their links (each joined to a case), evidence records and idempotency keys.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{insert_many, opt_i64, Backend, Result, Store, StoreError, WriteTx};
use crate::domain::case::CaseStatus;
use crate::domain::evidence::EvidenceKind;
use crate::domain::link::Platform;
use crate::domain::report::{Category, Channel, ReportStatus, Urgency, ValidReport};
use crate::domain::Millis;

pub struct NewReport<'a> {
    pub reference: &'a str,
    pub org_id: i64,
    pub reporter_user_id: Option<i64>,
    pub api_token_id: Option<i64>,
    pub channel: Channel,
    pub report: &'a ValidReport,
}

pub async fn insert(tx: &mut WriteTx, r: &NewReport<'_>, now: Millis) -> Result<i64> {
    let row = ReportRow::new(r, now);
    if tx.kept.on {
        if let Some(id) = tx.kept.free_ids.pop() {
            tx.kept.reports.push((id, row));
            return Ok(id);
        }
        // More reports than reserved: the kept ones go first, so that ids stay in order.
        flush_kept(tx).await?;
    }
    let row = bind_report(
        sqlx::query(&format!(
            "INSERT INTO reports ({REPORT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
             $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id"
        )),
        &row,
    )
    .fetch_one(tx.conn())
    .await?;
    Ok(row.try_get(0)?)
}

pub async fn insert_link(
    tx: &mut WriteTx,
    report_id: i64,
    position: i64,
    submitted_url: &str,
    case_id: i64,
    remark: Option<&str>,
    content_text: Option<&str>,
) -> Result<()> {
    let link = LinkRow {
        report_id,
        position,
        submitted_url: submitted_url.to_string(),
        case_id,
        remark: remark.map(str::to_string),
        content_text: content_text.map(str::to_string),
    };
    if tx.kept.on {
        tx.kept.links.push(link);
        return Ok(());
    }
    insert_links(tx, std::slice::from_ref(&link)).await
}

const REPORT_COLUMNS: &str = "reference, org_id, reporter_user_id, api_token_id, channel, \
     category, summary, exp_municipality_code, exp_place, exp_date, exp_time_from, exp_time_to, \
     exp_size, expected_start_at, urgency, justification, on_behalf_of, status, created_at";

/// A new report's row, as stored.
#[derive(Debug, Clone)]
pub(crate) struct ReportRow {
    reference: String,
    org_id: i64,
    reporter_user_id: Option<i64>,
    api_token_id: Option<i64>,
    channel: &'static str,
    category: &'static str,
    summary: Option<String>,
    exp_municipality_code: Option<String>,
    exp_place: Option<String>,
    exp_date: Option<String>,
    exp_time_from: Option<String>,
    exp_time_to: Option<String>,
    exp_size: Option<i64>,
    expected_start_at: Option<i64>,
    urgency: &'static str,
    justification: String,
    on_behalf_of: String,
    created_at: Millis,
}

impl ReportRow {
    fn new(r: &NewReport<'_>, now: Millis) -> ReportRow {
        let v = r.report;
        let e = &v.expected;
        ReportRow {
            reference: r.reference.to_string(),
            org_id: r.org_id,
            reporter_user_id: r.reporter_user_id,
            api_token_id: r.api_token_id,
            channel: r.channel.as_str(),
            category: v.category.as_str(),
            summary: v.summary.clone(),
            exp_municipality_code: e.municipality_code.clone(),
            exp_place: e.place.clone(),
            exp_date: e.date.map(|d| d.to_string()),
            exp_time_from: e.time_from.map(|t| t.strftime("%H:%M").to_string()),
            exp_time_to: e.time_to.map(|t| t.strftime("%H:%M").to_string()),
            exp_size: e.size,
            expected_start_at: e.starts_at(),
            urgency: v.urgency.as_str(),
            justification: v.justification.clone(),
            on_behalf_of: v.on_behalf_of.clone(),
            created_at: now,
        }
    }
}

/// Binds a report's values in `REPORT_COLUMNS` order.
fn bind_report<'q>(q: super::AnyQuery<'q>, r: &'q ReportRow) -> super::AnyQuery<'q> {
    q.bind(r.reference.as_str())
        .bind(r.org_id)
        .bind(r.reporter_user_id)
        .bind(r.api_token_id)
        .bind(r.channel)
        .bind(r.category)
        .bind(r.summary.as_deref())
        .bind(r.exp_municipality_code.as_deref())
        .bind(r.exp_place.as_deref())
        .bind(r.exp_date.as_deref())
        .bind(r.exp_time_from.as_deref())
        .bind(r.exp_time_to.as_deref())
        .bind(r.exp_size)
        .bind(r.expected_start_at)
        .bind(r.urgency)
        .bind(r.justification.as_str())
        .bind(r.on_behalf_of.as_str())
        .bind(ReportStatus::Active.as_str())
        .bind(r.created_at)
}

/// A report's link, as stored.
#[derive(Debug, Clone)]
pub(crate) struct LinkRow {
    report_id: i64,
    position: i64,
    submitted_url: String,
    case_id: i64,
    remark: Option<String>,
    content_text: Option<String>,
}

/// The rows an intake transaction keeps in memory (see `WriteTx::keep_intake_rows`).
#[derive(Debug, Default)]
pub(crate) struct Kept {
    on: bool,
    /// Report ids reserved for this transaction, the next one last.
    free_ids: Vec<i64>,
    reports: Vec<(i64, ReportRow)>,
    links: Vec<LinkRow>,
    keys: Vec<KeyRow>,
    /// Prints of the reports' content (`store::matching::insert_print`).
    pub(crate) prints: Vec<(super::matching::NewPrint, Millis)>,
}

/// What was kept at a savepoint.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeptLengths {
    free_ids: Vec<i64>,
    reports: usize,
    links: usize,
    keys: usize,
    prints: usize,
}

impl Kept {
    pub(crate) fn lengths(&self) -> KeptLengths {
        KeptLengths {
            free_ids: self.free_ids.clone(),
            reports: self.reports.len(),
            links: self.links.len(),
            keys: self.keys.len(),
            prints: self.prints.len(),
        }
    }

    /// Rows are being kept in memory.
    pub(crate) fn on(&self) -> bool {
        self.on
    }

    /// Back to a savepoint (rows flushed since are undone by the database).
    pub(crate) fn truncate(&mut self, to: &KeptLengths) {
        self.free_ids.clone_from(&to.free_ids);
        self.reports.truncate(to.reports);
        self.links.truncate(to.links);
        self.keys.truncate(to.keys);
        self.prints.truncate(to.prints);
    }
}

/// Reserves ids for the next `n` reports and keeps new rows in memory from now on.
pub(crate) async fn keep_rows(tx: &mut WriteTx, n: usize) -> Result<()> {
    let n = i64::try_from(n).map_err(|_| StoreError::Database("too many reports".into()))?;
    let mut ids: Vec<i64> = match tx.backend() {
        // Taken from the table's own sequence: no other transaction gets them.
        Backend::Postgres => {
            let rows = sqlx::query(
                "SELECT nextval(pg_get_serial_sequence('reports', 'id')) FROM generate_series(1, $1)",
            )
            .bind(n)
            .fetch_all(tx.conn())
            .await?;
            rows.iter()
                .map(|r| r.try_get::<i64, _>(0))
                .collect::<std::result::Result<_, _>>()?
        }
        // This transaction is the only writer: the ids after the largest are free.
        Backend::Sqlite => {
            let row = sqlx::query("SELECT COALESCE(MAX(id), 0) FROM reports")
                .fetch_one(tx.conn())
                .await?;
            let max: i64 = row.try_get(0)?;
            (max + 1..=max + n).collect()
        }
    };
    ids.reverse();
    tx.kept.free_ids = ids;
    tx.kept.on = true;
    Ok(())
}

/// Inserts the kept reports, links and keys (in that order: each refers to the one before).
/// Called at commit, and before a statement of the transaction reads or refers to reports.
pub(crate) async fn flush_kept(tx: &mut WriteTx) -> Result<()> {
    let reports = std::mem::take(&mut tx.kept.reports);
    if !reports.is_empty() {
        insert_many(
            tx,
            &format!("reports (id, {REPORT_COLUMNS})"),
            20,
            &reports,
            |q, (id, r)| bind_report(q.bind(*id), r),
        )
        .await?;
    }
    let links = std::mem::take(&mut tx.kept.links);
    if !links.is_empty() {
        insert_links(tx, &links).await?;
    }
    let keys = std::mem::take(&mut tx.kept.keys);
    if !keys.is_empty() {
        insert_keys(tx, &keys).await?;
    }
    let prints = std::mem::take(&mut tx.kept.prints);
    if !prints.is_empty() {
        super::matching::insert_prints(tx, &prints).await?;
    }
    Ok(())
}

async fn insert_links(tx: &mut WriteTx, rows: &[LinkRow]) -> Result<()> {
    insert_many(
        tx,
        "report_links (report_id, position, submitted_url, case_id, remark, content_text)",
        6,
        rows,
        |q, l| {
            q.bind(l.report_id)
                .bind(l.position)
                .bind(l.submitted_url.as_str())
                .bind(l.case_id)
                .bind(l.remark.as_deref())
                .bind(l.content_text.as_deref())
        },
    )
    .await
}

pub struct NewEvidence<'a> {
    pub report_id: i64,
    pub link_position: Option<i64>,
    pub sha256: &'a str,
    pub size_bytes: i64,
    pub kind: EvidenceKind,
    pub file_name: &'a str,
    pub uploaded_by: &'a str,
}

pub async fn insert_evidence(tx: &mut WriteTx, e: &NewEvidence<'_>, now: Millis) -> Result<i64> {
    // Reports this transaction keeps in memory are read too.
    flush_kept(tx).await?;
    let row = sqlx::query(
        "INSERT INTO evidence (report_id, link_position, sha256, size_bytes, media_type, file_name, uploaded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(e.report_id)
    .bind(e.link_position)
    .bind(e.sha256)
    .bind(e.size_bytes)
    .bind(e.kind.media_type())
    .bind(e.file_name)
    .bind(e.uploaded_by)
    .bind(now)
    .fetch_one(tx.conn())
    .await?;
    Ok(row.try_get(0)?)
}

/// A report as its municipality and the central team see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub id: i64,
    pub reference: String,
    pub org_id: i64,
    pub org_name: String,
    pub reporter_user_id: Option<i64>,
    pub reporter_name: Option<String>,
    pub reporter_email: Option<String>,
    pub channel: Channel,
    pub category: Category,
    pub summary: Option<String>,
    pub exp_municipality_code: Option<String>,
    pub exp_place: Option<String>,
    pub exp_date: Option<String>,
    pub exp_time_from: Option<String>,
    pub exp_time_to: Option<String>,
    pub exp_size: Option<i64>,
    pub urgency: Urgency,
    pub justification: String,
    pub on_behalf_of: String,
    pub status: ReportStatus,
    pub withdrawn_at: Option<Millis>,
    pub withdraw_reason: Option<String>,
    pub created_at: Millis,
}

const SELECT: &str = "SELECT r.id, r.reference, r.org_id, o.name AS org_name, r.reporter_user_id, \
     u.name AS reporter_name, u.email AS reporter_email, r.channel, r.category, r.summary, \
     r.exp_municipality_code, r.exp_place, r.exp_date, r.exp_time_from, r.exp_time_to, r.exp_size, \
     r.urgency, r.justification, r.on_behalf_of, r.status, r.withdrawn_at, r.withdraw_reason, r.created_at \
     FROM reports r JOIN organisations o ON o.id = r.org_id LEFT JOIN users u ON u.id = r.reporter_user_id";

fn bad(what: &str, v: &str) -> StoreError {
    StoreError::Database(format!("unknown {what} {v}"))
}

fn from_row(row: &AnyRow) -> Result<Report> {
    let channel: String = row.try_get("channel")?;
    let category: String = row.try_get("category")?;
    let urgency: String = row.try_get("urgency")?;
    let status: String = row.try_get("status")?;
    Ok(Report {
        id: row.try_get("id")?,
        reference: row.try_get("reference")?,
        org_id: row.try_get("org_id")?,
        org_name: row.try_get("org_name")?,
        reporter_user_id: opt_i64(row, "reporter_user_id")?,
        reporter_name: row.try_get("reporter_name")?,
        reporter_email: row.try_get("reporter_email")?,
        channel: Channel::parse(&channel).ok_or_else(|| bad("channel", &channel))?,
        category: Category::parse(&category).ok_or_else(|| bad("category", &category))?,
        summary: row.try_get("summary")?,
        exp_municipality_code: row.try_get("exp_municipality_code")?,
        exp_place: row.try_get("exp_place")?,
        exp_date: row.try_get("exp_date")?,
        exp_time_from: row.try_get("exp_time_from")?,
        exp_time_to: row.try_get("exp_time_to")?,
        exp_size: opt_i64(row, "exp_size")?,
        urgency: Urgency::parse(&urgency).ok_or_else(|| bad("urgency", &urgency))?,
        justification: row.try_get("justification")?,
        on_behalf_of: row.try_get("on_behalf_of")?,
        status: ReportStatus::parse(&status).ok_or_else(|| bad("status", &status))?,
        withdrawn_at: opt_i64(row, "withdrawn_at")?,
        withdraw_reason: row.try_get("withdraw_reason")?,
        created_at: row.try_get("created_at")?,
    })
}

pub async fn get(store: &Store, id: i64) -> Result<Report> {
    let row = sqlx::query(&format!("{SELECT} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

pub async fn get_in(tx: &mut WriteTx, id: i64) -> Result<Report> {
    // Reports this transaction keeps in memory are read too.
    flush_kept(tx).await?;
    let row = sqlx::query(&format!("{SELECT} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

pub async fn by_reference(store: &Store, reference: &str) -> Result<Report> {
    let row = sqlx::query(&format!("{SELECT} WHERE r.reference = $1"))
        .bind(reference)
        .fetch_optional(store.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// A municipality's reports, newest first.
pub async fn list_by_org(
    store: &Store,
    org_id: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<Report>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE r.org_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(org_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// Every report a person submitted, oldest first.
pub async fn list_by_reporter(store: &Store, user_id: i64) -> Result<Vec<Report>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE r.reporter_user_id = $1 ORDER BY r.created_at, r.id"
    ))
    .bind(user_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// Every report in a case, oldest first.
pub async fn list_by_case(store: &Store, case_id: i64) -> Result<Vec<(Report, ReportLink)>> {
    let rows = sqlx::query(&format!(
        "SELECT x.*, l.position, l.submitted_url, l.remark, l.content_text, l.case_id FROM ({SELECT}) x \
         JOIN report_links l ON l.report_id = x.id WHERE l.case_id = $1 ORDER BY x.created_at, x.id"
    ))
    .bind(case_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                from_row(r)?,
                ReportLink {
                    position: r.try_get("position")?,
                    submitted_url: r.try_get("submitted_url")?,
                    remark: r.try_get("remark")?,
                    content_text: r.try_get("content_text")?,
                    case_id: r.try_get("case_id")?,
                    case_reference: String::new(),
                    canonical_url: String::new(),
                    platform: Platform::Website,
                    case_status: CaseStatus::Received,
                    case_deadline_at: None,
                    known_copy: false,
                },
            ))
        })
        .collect()
}

/// One link of a report with the state of its case.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportLink {
    pub position: i64,
    pub submitted_url: String,
    pub remark: Option<String>,
    /// The content's text as the reporter pasted it.
    pub content_text: Option<String>,
    pub case_id: i64,
    pub case_reference: String,
    pub canonical_url: String,
    pub platform: Platform,
    pub case_status: CaseStatus,
    /// The case's handling deadline, where the reader asked for it (`links`).
    pub case_deadline_at: Option<Millis>,
    /// The case copies content a platform took down after a notice (`links`).
    pub known_copy: bool,
}

pub async fn links(store: &Store, report_id: i64) -> Result<Vec<ReportLink>> {
    let rows = sqlx::query(
        "SELECT l.position, l.submitted_url, l.remark, l.content_text, l.case_id, c.reference, c.canonical_url, c.platform, c.status, c.deadline_at, c.reupload_of \
         FROM report_links l JOIN cases c ON c.id = l.case_id WHERE l.report_id = $1 ORDER BY l.position",
    )
    .bind(report_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let platform: String = r.try_get("platform")?;
            let status: String = r.try_get("status")?;
            Ok(ReportLink {
                position: r.try_get("position")?,
                submitted_url: r.try_get("submitted_url")?,
                remark: r.try_get("remark")?,
                content_text: r.try_get("content_text")?,
                case_id: r.try_get("case_id")?,
                case_reference: r.try_get("reference")?,
                canonical_url: r.try_get("canonical_url")?,
                platform: Platform::parse(&platform).ok_or_else(|| bad("platform", &platform))?,
                case_status: CaseStatus::parse(&status).ok_or_else(|| bad("status", &status))?,
                case_deadline_at: Some(r.try_get("deadline_at")?),
                known_copy: r.try_get::<Option<i64>, _>("reupload_of")?.is_some(),
            })
        })
        .collect()
}

/// The case ids a report's links belong to.
pub async fn case_ids_in(tx: &mut WriteTx, report_id: i64) -> Result<Vec<i64>> {
    // Reports this transaction keeps in memory are read too.
    flush_kept(tx).await?;
    let rows =
        sqlx::query("SELECT case_id FROM report_links WHERE report_id = $1 ORDER BY position")
            .bind(report_id)
            .fetch_all(tx.conn())
            .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

pub async fn withdraw(tx: &mut WriteTx, report_id: i64, reason: &str, now: Millis) -> Result<bool> {
    // Reports this transaction keeps in memory are read too.
    flush_kept(tx).await?;
    let done = sqlx::query(
        "UPDATE reports SET status = $1, withdrawn_at = $2, withdraw_reason = $3 WHERE id = $4 AND status = $5",
    )
    .bind(ReportStatus::Withdrawn.as_str())
    .bind(now)
    .bind(reason)
    .bind(report_id)
    .bind(ReportStatus::Active.as_str())
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An evidence file's record (the bytes live in the object store under `sha256`).
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub id: i64,
    pub report_id: i64,
    pub report_org_id: i64,
    pub link_position: Option<i64>,
    pub sha256: String,
    pub size_bytes: i64,
    pub kind: EvidenceKind,
    pub file_name: String,
    pub uploaded_by: String,
    pub created_at: Millis,
}

const EVIDENCE: &str = "SELECT e.id, e.report_id, r.org_id, e.link_position, e.sha256, e.size_bytes, \
     e.media_type, e.file_name, e.uploaded_by, e.created_at FROM evidence e JOIN reports r ON r.id = e.report_id";

fn evidence_from_row(r: &AnyRow) -> Result<Evidence> {
    let media: String = r.try_get("media_type")?;
    Ok(Evidence {
        id: r.try_get("id")?,
        report_id: r.try_get("report_id")?,
        report_org_id: r.try_get("org_id")?,
        link_position: opt_i64(r, "link_position")?,
        sha256: r.try_get("sha256")?,
        size_bytes: r.try_get("size_bytes")?,
        kind: EvidenceKind::parse_media_type(&media).ok_or_else(|| bad("media type", &media))?,
        file_name: r.try_get("file_name")?,
        uploaded_by: r.try_get("uploaded_by")?,
        created_at: r.try_get("created_at")?,
    })
}

pub async fn evidence_of_report(store: &Store, report_id: i64) -> Result<Vec<Evidence>> {
    let rows = sqlx::query(&format!("{EVIDENCE} WHERE e.report_id = $1 ORDER BY e.id"))
        .bind(report_id)
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(evidence_from_row).collect()
}

/// The evidence of every report with a link in the case, in one query.
pub async fn evidence_of_case(store: &Store, case_id: i64) -> Result<Vec<Evidence>> {
    let rows = sqlx::query(&format!(
        "{EVIDENCE} WHERE e.report_id IN (SELECT report_id FROM report_links WHERE case_id = $1) \
         ORDER BY e.id"
    ))
    .bind(case_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(evidence_from_row).collect()
}

pub async fn evidence(store: &Store, id: i64) -> Result<Evidence> {
    let row = sqlx::query(&format!("{EVIDENCE} WHERE e.id = $1"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
    evidence_from_row(&row)
}

/// The report an idempotency key already produced, with the hash of its request.
pub async fn idempotent(tx: &mut WriteTx, org_id: i64, key: &str) -> Result<Option<(String, i64)>> {
    // Reports this transaction keeps in memory are read too.
    flush_kept(tx).await?;
    let row = sqlx::query(
        "SELECT request_hash, report_id FROM idempotency_keys WHERE org_id = $1 AND key = $2",
    )
    .bind(org_id)
    .bind(key)
    .fetch_optional(tx.conn())
    .await?;
    Ok(match row {
        Some(r) => Some((r.try_get(0)?, r.try_get(1)?)),
        None => None,
    })
}

/// An idempotency key kept until its transaction commits (see `WriteTx::keep_intake_rows`).
#[derive(Debug)]
pub(crate) struct KeyRow {
    org_id: i64,
    key: String,
    request_hash: String,
    report_id: i64,
    created_at: Millis,
}

/// Records the key; [`StoreError::Conflict`] when another request took it first — at once,
/// or at commit when the transaction keeps its intake rows.
pub async fn remember_key(
    tx: &mut WriteTx,
    org_id: i64,
    key: &str,
    request_hash: &str,
    report_id: i64,
    now: Millis,
) -> Result<()> {
    let row = KeyRow {
        org_id,
        key: key.to_string(),
        request_hash: request_hash.to_string(),
        report_id,
        created_at: now,
    };
    if tx.kept.on {
        tx.kept.keys.push(row);
        return Ok(());
    }
    insert_keys(tx, std::slice::from_ref(&row)).await
}

async fn insert_keys(tx: &mut WriteTx, rows: &[KeyRow]) -> Result<()> {
    insert_many(
        tx,
        "idempotency_keys (org_id, key, request_hash, report_id, created_at)",
        5,
        rows,
        |q, r| {
            q.bind(r.org_id)
                .bind(r.key.as_str())
                .bind(r.request_hash.as_str())
                .bind(r.report_id)
                .bind(r.created_at)
        },
    )
    .await
}

/// How many reports exist (for tests and the start page).
pub async fn count(store: &Store) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) FROM reports")
        .fetch_one(store.pool())
        .await?;
    Ok(row.try_get(0)?)
}

/// The active reports with a link in this case, once each.
pub async fn active_in_case(tx: &mut WriteTx, case_id: i64) -> Result<Vec<Report>> {
    // Reports this transaction keeps in memory are read too.
    flush_kept(tx).await?;
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE r.status = $1 AND r.id IN (SELECT report_id FROM report_links WHERE case_id = $2) \
         ORDER BY r.id"
    ))
    .bind(ReportStatus::Active.as_str())
    .bind(case_id)
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(from_row).collect()
}

/// Forgets idempotency keys recorded before `before`.
pub async fn purge_idempotency_keys(tx: &mut WriteTx, before: Millis) -> Result<u64> {
    let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
        .bind(before)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected())
}

/// The status of the case behind each link of these reports: (report id, status).
pub async fn case_statuses(store: &Store, report_ids: &[i64]) -> Result<Vec<(i64, CaseStatus)>> {
    if report_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = report_ids.iter().map(|i| i.to_string()).collect();
    let rows = sqlx::query(&format!(
        "SELECT l.report_id, c.status FROM report_links l JOIN cases c ON c.id = l.case_id \
         WHERE l.report_id IN ({}) ORDER BY l.report_id, l.position",
        ids.join(",")
    ))
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get(1)?;
            Ok((
                r.try_get(0)?,
                CaseStatus::parse(&status).ok_or_else(|| bad("status", &status))?,
            ))
        })
        .collect()
}

/// Who reported a case's content, from which municipality, at which address (any status).
#[derive(Debug, Clone, PartialEq)]
pub struct CaseSource {
    pub report_id: i64,
    pub reporter_user_id: Option<i64>,
    pub org_name: String,
    pub submitted_url: String,
    pub active: bool,
}

pub async fn case_sources(tx: &mut WriteTx, case_id: i64) -> Result<Vec<CaseSource>> {
    // Reports this transaction keeps in memory are read too.
    flush_kept(tx).await?;
    let rows = sqlx::query(
        "SELECT r.id, r.reporter_user_id, o.name, l.submitted_url, r.status FROM report_links l \
         JOIN reports r ON r.id = l.report_id JOIN organisations o ON o.id = r.org_id \
         WHERE l.case_id = $1 ORDER BY r.id, l.position",
    )
    .bind(case_id)
    .fetch_all(tx.conn())
    .await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get(4)?;
            Ok(CaseSource {
                report_id: r.try_get(0)?,
                reporter_user_id: r.try_get(1)?,
                org_name: r.try_get(2)?,
                submitted_url: r.try_get(3)?,
                active: status == ReportStatus::Active.as_str(),
            })
        })
        .collect()
}
