//! Outgoing messages (notices, referrals, orders, advice, withdrawals), their delivery
//! record, the platforms' answers and re-checks.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{opt_i64, Result, Store, StoreError, WriteTx};
use crate::domain::notice::{Delivery, NoticeChannel, NoticeEventKind, NoticeKind, Outcome, Route};
use crate::domain::report::Urgency;
use crate::domain::Millis;

#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub id: i64,
    pub reference: String,
    pub case_id: i64,
    pub assessment_id: Option<i64>,
    pub kind: NoticeKind,
    pub platform_id: Option<i64>,
    pub channel: NoticeChannel,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub urls: Vec<String>,
    pub urgency: Urgency,
    pub delivery: Delivery,
    pub created_at: Millis,
    pub sent_at: Option<Millis>,
    pub due_at: Option<Millis>,
    pub delivery_error: Option<String>,
    pub platform_reference: Option<String>,
    pub mail_id: Option<i64>,
    pub reminded_at: Option<Millis>,
    pub escalated_at: Option<Millis>,
    pub withdraws_notice_id: Option<i64>,
    pub withdrawn_at: Option<Millis>,
}

const SELECT: &str = "SELECT id, reference, case_id, assessment_id, kind, platform_id, channel, \
     recipient, subject, body, urls, urgency, delivery, created_at, sent_at, due_at, delivery_error, \
     platform_reference, mail_id, reminded_at, escalated_at, withdraws_notice_id, withdrawn_at FROM notices";

fn bad(what: &str, v: &str) -> StoreError {
    StoreError::Database(format!("unknown {what} {v}"))
}

fn from_row(row: &AnyRow) -> Result<Notice> {
    let kind: String = row.try_get("kind")?;
    let delivery: String = row.try_get("delivery")?;
    let urgency: String = row.try_get("urgency")?;
    let urls: String = row.try_get("urls")?;
    let channel: String = row.try_get("channel")?;
    Ok(Notice {
        id: row.try_get("id")?,
        reference: row.try_get("reference")?,
        case_id: row.try_get("case_id")?,
        assessment_id: opt_i64(row, "assessment_id")?,
        kind: NoticeKind::parse(&kind).ok_or_else(|| bad("kind", &kind))?,
        platform_id: opt_i64(row, "platform_id")?,
        channel: NoticeChannel::parse(&channel).ok_or_else(|| bad("channel", &channel))?,
        recipient: row.try_get("recipient")?,
        subject: row.try_get("subject")?,
        body: row.try_get("body")?,
        urls: urls.lines().map(str::to_string).collect(),
        urgency: Urgency::parse(&urgency).ok_or_else(|| bad("urgency", &urgency))?,
        delivery: Delivery::parse(&delivery).ok_or_else(|| bad("delivery", &delivery))?,
        created_at: row.try_get("created_at")?,
        sent_at: opt_i64(row, "sent_at")?,
        due_at: opt_i64(row, "due_at")?,
        delivery_error: row.try_get("delivery_error")?,
        platform_reference: row.try_get("platform_reference")?,
        mail_id: opt_i64(row, "mail_id")?,
        reminded_at: opt_i64(row, "reminded_at")?,
        escalated_at: opt_i64(row, "escalated_at")?,
        withdraws_notice_id: opt_i64(row, "withdraws_notice_id")?,
        withdrawn_at: opt_i64(row, "withdrawn_at")?,
    })
}

/// A message to be stored.
#[derive(Debug, Clone, Copy)]
pub struct NewNotice<'a> {
    pub reference: &'a str,
    pub case_id: i64,
    pub assessment_id: Option<i64>,
    pub kind: NoticeKind,
    pub platform_id: Option<i64>,
    pub route: &'a Route,
    pub subject: &'a str,
    pub body: &'a str,
    pub urls: &'a [String],
    /// Every case the message is about, with the URLs of each it lists (the first is
    /// `case_id`). A group's notice lists several cases of one platform.
    pub cases: &'a [(i64, Vec<String>)],
    pub urgency: Urgency,
    pub withdraws_notice_id: Option<i64>,
}

pub async fn insert(tx: &mut WriteTx, n: &NewNotice<'_>, now: Millis) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO notices (reference, case_id, assessment_id, kind, platform_id, channel, recipient, \
         subject, body, urls, urgency, delivery, created_at, withdraws_notice_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(n.reference)
    .bind(n.case_id)
    .bind(n.assessment_id)
    .bind(n.kind.as_str())
    .bind(n.platform_id)
    .bind(n.route.channel.as_str())
    .bind(&n.route.recipient)
    .bind(n.subject)
    .bind(n.body)
    .bind(n.urls.join("\n"))
    .bind(n.urgency.as_str())
    .bind(n.route.first_delivery().as_str())
    .bind(now)
    .bind(n.withdraws_notice_id)
    .fetch_one(tx.conn())
    .await?;
    let id: i64 = row.try_get(0)?;
    for (case_id, urls) in n.cases {
        sqlx::query("INSERT INTO notice_cases (notice_id, case_id, urls) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(case_id)
            .bind(urls.join("\n"))
            .execute(tx.conn())
            .await?;
    }
    Ok(id)
}

/// The cases a message is about, each with the URLs of it the message lists, in the order
/// they were listed.
pub async fn cases_of_in(tx: &mut WriteTx, notice_id: i64) -> Result<Vec<(i64, Vec<String>)>> {
    let rows = sqlx::query(CASES_OF)
        .bind(notice_id)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(case_of_row).collect()
}

/// [`cases_of_in`], outside a transaction.
pub async fn cases_of(store: &Store, notice_id: i64) -> Result<Vec<(i64, Vec<String>)>> {
    let rows = sqlx::query(CASES_OF)
        .bind(notice_id)
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(case_of_row).collect()
}

const CASES_OF: &str = "SELECT nc.case_id, nc.urls FROM notice_cases nc \
     JOIN notices n ON n.id = nc.notice_id \
     WHERE nc.notice_id = $1 ORDER BY CASE WHEN nc.case_id = n.case_id THEN 0 ELSE 1 END, nc.case_id";

fn case_of_row(row: &AnyRow) -> Result<(i64, Vec<String>)> {
    let urls: String = row.try_get("urls")?;
    Ok((
        row.try_get("case_id")?,
        urls.lines().map(str::to_string).collect(),
    ))
}

/// Ties the notice to its outbox message, both ways.
pub async fn attach_mail(tx: &mut WriteTx, notice_id: i64, mail_id: i64) -> Result<()> {
    sqlx::query("UPDATE notices SET mail_id = $1 WHERE id = $2")
        .bind(mail_id)
        .bind(notice_id)
        .execute(tx.conn())
        .await?;
    tag_mail(tx, notice_id, mail_id).await
}

/// Marks an outbox message as belonging to a notice (the notice itself or a reminder).
pub async fn tag_mail(tx: &mut WriteTx, notice_id: i64, mail_id: i64) -> Result<()> {
    sqlx::query("UPDATE mail_outbox SET notice_id = $1 WHERE id = $2")
        .bind(notice_id)
        .bind(mail_id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn get(store: &Store, id: i64) -> Result<Notice> {
    let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// The notice, locked for the rest of `tx` (PostgreSQL).
pub async fn get_locked(tx: &mut WriteTx, id: i64) -> Result<Notice> {
    let sql = format!("{SELECT} WHERE id = $1{}", tx.for_update());
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// Every message about the case (alone or with the other copies of its group), oldest first.
pub async fn list_by_case(store: &Store, case_id: i64) -> Result<Vec<Notice>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE {OF_CASE} ORDER BY id"))
        .bind(case_id)
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

/// [`list_by_case`] inside `tx`.
pub async fn list_by_case_in(tx: &mut WriteTx, case_id: i64) -> Result<Vec<Notice>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE {OF_CASE} ORDER BY id"))
        .bind(case_id)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(from_row).collect()
}

/// The messages about case `$1`: every notice listing it.
const OF_CASE: &str = "id IN (SELECT notice_id FROM notice_cases WHERE case_id = $1)";

/// Sets where a notice stands; `sent_at` and `due_at` only when given.
pub async fn set_delivery(
    tx: &mut WriteTx,
    id: i64,
    delivery: Delivery,
    sent_at: Option<Millis>,
    due_at: Option<Millis>,
    error: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "UPDATE notices SET delivery = $1, sent_at = COALESCE($2, sent_at), \
         due_at = COALESCE($3, due_at), delivery_error = $4 WHERE id = $5",
    )
    .bind(delivery.as_str())
    .bind(sent_at)
    .bind(due_at)
    .bind(error)
    .bind(id)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn set_platform_reference(tx: &mut WriteTx, id: i64, reference: &str) -> Result<()> {
    sqlx::query("UPDATE notices SET platform_reference = $1 WHERE id = $2")
        .bind(reference)
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn set_reminded(tx: &mut WriteTx, id: i64, at: Millis) -> Result<()> {
    sqlx::query("UPDATE notices SET reminded_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn set_escalated(tx: &mut WriteTx, id: i64, at: Millis) -> Result<()> {
    sqlx::query("UPDATE notices SET escalated_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Notices that reached a platform, have no answer yet and whose deadline has passed.
pub async fn overdue(store: &Store, now: Millis) -> Result<Vec<Notice>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE delivery IN ('sent', 'submitted-web-form') AND due_at <= $1 \
         AND escalated_at IS NULL AND withdrawn_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM notice_answers a WHERE a.notice_id = notices.id) ORDER BY id"
    ))
    .bind(now)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// Case ids with an escalated, still unanswered notice (for the queue).
pub async fn escalated_cases(store: &Store) -> Result<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT DISTINCT nc.case_id FROM notices n JOIN notice_cases nc ON nc.notice_id = n.id \
         WHERE n.escalated_at IS NOT NULL AND n.withdrawn_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM notice_answers a WHERE a.notice_id = n.id)",
    )
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

/// One line in a notice's delivery record.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeEvent {
    pub at: Millis,
    pub kind: NoticeEventKind,
    pub detail: Option<String>,
}

pub async fn add_event(
    tx: &mut WriteTx,
    notice_id: i64,
    kind: NoticeEventKind,
    detail: Option<&str>,
    at: Millis,
) -> Result<()> {
    sqlx::query("INSERT INTO notice_events (notice_id, at, kind, detail) VALUES ($1, $2, $3, $4)")
        .bind(notice_id)
        .bind(at)
        .bind(kind.as_str())
        .bind(detail)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn events(store: &Store, notice_id: i64) -> Result<Vec<NoticeEvent>> {
    let rows =
        sqlx::query("SELECT at, kind, detail FROM notice_events WHERE notice_id = $1 ORDER BY id")
            .bind(notice_id)
            .fetch_all(store.pool())
            .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(NoticeEvent {
                at: r.try_get("at")?,
                kind: NoticeEventKind::parse(&kind).ok_or_else(|| bad("event", &kind))?,
                detail: r.try_get("detail")?,
            })
        })
        .collect()
}

/// A platform's answer for one URL.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub id: i64,
    pub notice_id: i64,
    /// The case the URL belongs to.
    pub case_id: i64,
    pub url: String,
    pub outcome: Outcome,
    pub platform_reason: Option<String>,
    pub received_at: Millis,
    pub recorded_at: Millis,
    pub recorder_name: String,
}

/// Who records something, and when.
#[derive(Debug, Clone, Copy)]
pub struct RecordedBy<'a> {
    pub user_id: Option<i64>,
    pub name: &'a str,
    pub at: Millis,
}

#[allow(clippy::too_many_arguments)]
pub async fn add_answer(
    tx: &mut WriteTx,
    notice_id: i64,
    case_id: i64,
    url: &str,
    outcome: Outcome,
    reason: Option<&str>,
    received_at: Millis,
    by: RecordedBy<'_>,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO notice_answers (notice_id, case_id, url, outcome, platform_reason, received_at, \
         recorded_at, recorded_by, recorder_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(notice_id)
    .bind(case_id)
    .bind(url)
    .bind(outcome.as_str())
    .bind(reason)
    .bind(received_at)
    .bind(by.at)
    .bind(by.user_id)
    .bind(by.name)
    .fetch_one(tx.conn())
    .await?;
    Ok(row.try_get(0)?)
}

const ANSWERS: &str = "SELECT a.id, a.notice_id, a.case_id, a.url, a.outcome, a.platform_reason, \
     a.received_at, a.recorded_at, a.recorder_name FROM notice_answers a";

/// Every answer about the URLs of a case, oldest first.
pub async fn answers_of_case(store: &Store, case_id: i64) -> Result<Vec<Answer>> {
    let rows = sqlx::query(&format!("{ANSWERS} WHERE a.case_id = $1 ORDER BY a.id"))
        .bind(case_id)
        .fetch_all(store.pool())
        .await?;
    answers_from(&rows)
}

/// Every answer to a notice (about all the cases it lists), oldest first.
pub async fn answers_of_notice(store: &Store, notice_id: i64) -> Result<Vec<Answer>> {
    let rows = sqlx::query(&format!("{ANSWERS} WHERE a.notice_id = $1 ORDER BY a.id"))
        .bind(notice_id)
        .fetch_all(store.pool())
        .await?;
    answers_from(&rows)
}

fn answers_from(rows: &[AnyRow]) -> Result<Vec<Answer>> {
    rows.iter()
        .map(|r| {
            let outcome: String = r.try_get("outcome")?;
            Ok(Answer {
                id: r.try_get("id")?,
                notice_id: r.try_get("notice_id")?,
                case_id: r.try_get("case_id")?,
                url: r.try_get("url")?,
                outcome: Outcome::parse(&outcome).ok_or_else(|| bad("outcome", &outcome))?,
                platform_reason: r.try_get("platform_reason")?,
                received_at: r.try_get("received_at")?,
                recorded_at: r.try_get("recorded_at")?,
                recorder_name: r.try_get("recorder_name")?,
            })
        })
        .collect()
}

/// A "still online?" check.
#[derive(Debug, Clone, PartialEq)]
pub struct Recheck {
    pub checked_at: Millis,
    pub still_online: bool,
    pub note: Option<String>,
    pub recorder_name: String,
}

pub async fn add_recheck(
    tx: &mut WriteTx,
    case_id: i64,
    checked_at: Millis,
    still_online: bool,
    note: Option<&str>,
    by: RecordedBy<'_>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO rechecks (case_id, checked_at, still_online, note, recorded_at, recorded_by, \
         recorder_name) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(case_id)
    .bind(checked_at)
    .bind(i64::from(still_online))
    .bind(note)
    .bind(by.at)
    .bind(by.user_id)
    .bind(by.name)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn rechecks(store: &Store, case_id: i64) -> Result<Vec<Recheck>> {
    let rows = sqlx::query(
        "SELECT checked_at, still_online, note, recorder_name FROM rechecks WHERE case_id = $1 ORDER BY id",
    )
    .bind(case_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Recheck {
                checked_at: r.try_get("checked_at")?,
                still_online: r.try_get::<i64, _>("still_online")? != 0,
                note: r.try_get("note")?,
                recorder_name: r.try_get("recorder_name")?,
            })
        })
        .collect()
}

/// Changes where a notice goes (after its platform's contact point was corrected).
pub async fn set_route(tx: &mut WriteTx, id: i64, route: &Route) -> Result<()> {
    sqlx::query("UPDATE notices SET channel = $1, recipient = $2 WHERE id = $3")
        .bind(route.channel.as_str())
        .bind(&route.recipient)
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// How many answers a notice has, inside `tx`.
pub async fn answers_of_notice_in(tx: &mut WriteTx, notice_id: i64) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) FROM notice_answers WHERE notice_id = $1")
        .bind(notice_id)
        .fetch_one(tx.conn())
        .await?;
    Ok(row.try_get(0)?)
}
