//! In-application notifications and the mail outbox.
//!
//! Mail is written to the outbox in the same transaction as the change it reports,
//! so a crash can neither lose it nor send it for a change that did not happen. A
//! sender claims rows with a lease (`claimed_until`); on PostgreSQL the claim skips
//! rows another instance holds.

use sqlx::Row;

use super::{opt_i64, Result, Store, WriteTx};
use crate::domain::user::{Role, UserStatus};
use crate::domain::Millis;

pub async fn notify(
    tx: &mut WriteTx,
    user_id: i64,
    text: &str,
    link: &str,
    now: Millis,
) -> Result<()> {
    sqlx::query("INSERT INTO notifications (user_id, at, text, link) VALUES ($1, $2, $3, $4)")
        .bind(user_id)
        .bind(now)
        .bind(text)
        .bind(link)
        .execute(tx.conn())
        .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: i64,
    pub at: Millis,
    pub text: String,
    pub link: String,
    pub read_at: Option<Millis>,
}

pub async fn list(store: &Store, user_id: i64, limit: i64) -> Result<Vec<Notification>> {
    let rows = sqlx::query(
        "SELECT id, at, text, link, read_at FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Notification {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                text: r.try_get("text")?,
                link: r.try_get("link")?,
                read_at: opt_i64(r, "read_at")?,
            })
        })
        .collect()
}

pub async fn unread_count(store: &Store, user_id: i64) -> Result<i64> {
    let row =
        sqlx::query("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
            .bind(user_id)
            .fetch_one(store.pool())
            .await?;
    Ok(row.try_get(0)?)
}

/// Marks every notification of `user_id` as read.
pub async fn mark_all_read(store: &Store, user_id: i64, now: Millis) -> Result<u64> {
    let mut tx = store.begin_write().await?;
    let done =
        sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
            .bind(now)
            .bind(user_id)
            .execute(tx.conn())
            .await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// People of the central team who handle cases: active analysts and supervisors.
pub async fn case_handlers(tx: &mut WriteTx) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT u.id, u.email FROM users u JOIN organisations o ON o.id = u.org_id \
         WHERE o.kind = 'central_team' AND u.status = $1 AND u.role IN ($2, $3) ORDER BY u.id",
    )
    .bind(UserStatus::Active.as_str())
    .bind(Role::Analyst.as_str())
    .bind(Role::Supervisor.as_str())
    .fetch_all(tx.conn())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

pub async fn enqueue_mail(
    tx: &mut WriteTx,
    to: &str,
    subject: &str,
    body: &str,
    now: Millis,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO mail_outbox (to_addr, subject, body, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
    )
    .bind(to)
    .bind(subject)
    .bind(body)
    .bind(now)
    .fetch_one(tx.conn())
    .await?;
    Ok(row.try_get(0)?)
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutboxMail {
    pub id: i64,
    pub to_addr: String,
    pub subject: String,
    pub body: String,
    pub created_at: Millis,
    pub attempts: i64,
    /// The notice this message carries (or reminds of), if any.
    pub notice_id: Option<i64>,
}

/// Which outbox rows are still to be sent: neither sent nor refused for good (a bounce).
/// The one definition for the sender's claim and the operator's list.
const UNSENT: &str = "sent_at IS NULL AND failed_at IS NULL";

/// Claims the oldest due message for `lease_ms`, or nothing when none is due.
pub async fn claim_mail(store: &Store, now: Millis, lease_ms: i64) -> Result<Option<OutboxMail>> {
    let mut tx = store.begin_write().await?;
    let pick = format!(
        "SELECT id FROM mail_outbox WHERE {UNSENT} AND next_attempt_at <= $1 \
         AND (claimed_until IS NULL OR claimed_until < $1) ORDER BY id LIMIT 1{}",
        tx.skip_locked()
    );
    let Some(row) = sqlx::query(&pick)
        .bind(now)
        .fetch_optional(tx.conn())
        .await?
    else {
        return Ok(None);
    };
    let id: i64 = row.try_get(0)?;
    let row = sqlx::query(
        "UPDATE mail_outbox SET claimed_until = $1, attempts = attempts + 1 WHERE id = $2 \
         RETURNING id, to_addr, subject, body, created_at, attempts, notice_id",
    )
    .bind(now + lease_ms)
    .bind(id)
    .fetch_one(tx.conn())
    .await?;
    let mail = OutboxMail {
        id: row.try_get("id")?,
        to_addr: row.try_get("to_addr")?,
        subject: row.try_get("subject")?,
        body: row.try_get("body")?,
        created_at: row.try_get("created_at")?,
        attempts: row.try_get("attempts")?,
        notice_id: super::opt_i64(&row, "notice_id")?,
    };
    tx.commit().await?;
    Ok(Some(mail))
}

/// Marks a message sent, inside the transaction that records what the sending means.
pub async fn mark_sent_in(tx: &mut WriteTx, id: i64, now: Millis) -> Result<()> {
    sqlx::query("UPDATE mail_outbox SET sent_at = $1, claimed_until = NULL, last_error = NULL WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or never again when `failed_at` is set.
pub async fn mark_failed_in(
    tx: &mut WriteTx,
    id: i64,
    error: &str,
    retry_at: Millis,
    failed_at: Option<Millis>,
) -> Result<()> {
    sqlx::query(
        "UPDATE mail_outbox SET claimed_until = NULL, last_error = $1, next_attempt_at = $2, \
         failed_at = $3 WHERE id = $4",
    )
    .bind(error)
    .bind(retry_at)
    .bind(failed_at)
    .bind(id)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Messages not yet sent (for tests and the operator).
pub async fn pending_mail(store: &Store) -> Result<Vec<OutboxMail>> {
    let rows = sqlx::query(&format!(
        "SELECT id, to_addr, subject, body, created_at, attempts, notice_id FROM mail_outbox \
         WHERE {UNSENT} ORDER BY id"
    ))
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(OutboxMail {
                id: r.try_get("id")?,
                to_addr: r.try_get("to_addr")?,
                subject: r.try_get("subject")?,
                body: r.try_get("body")?,
                created_at: r.try_get("created_at")?,
                attempts: r.try_get("attempts")?,
                notice_id: super::opt_i64(r, "notice_id")?,
            })
        })
        .collect()
}

/// Removes messages sent before `before`. A notice keeps its own text and delivery
/// record (`notice_events`); its link to the outbox row that carried it is cleared first,
/// in the same transaction, so the purge never trips over the reference.
pub async fn purge_sent_mail(tx: &mut WriteTx, before: Millis) -> Result<u64> {
    const OLD_SENT: &str = "sent_at IS NOT NULL AND sent_at < $1";
    sqlx::query(&format!(
        "UPDATE notices SET mail_id = NULL WHERE mail_id IN (SELECT id FROM mail_outbox WHERE {OLD_SENT})"
    ))
    .bind(before)
    .execute(tx.conn())
    .await?;
    let done = sqlx::query(&format!("DELETE FROM mail_outbox WHERE {OLD_SENT}"))
        .bind(before)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected())
}

/// Active supervisors of the central team.
pub async fn supervisors(tx: &mut WriteTx) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT u.id, u.email FROM users u JOIN organisations o ON o.id = u.org_id \
         WHERE o.kind = 'central_team' AND u.status = $1 AND u.role = $2 ORDER BY u.id",
    )
    .bind(UserStatus::Active.as_str())
    .bind(Role::Supervisor.as_str())
    .fetch_all(tx.conn())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// Active reporters of the municipalities with these CBS codes: (user id, e-mail, name).
pub async fn reporters_of_municipalities(
    tx: &mut WriteTx,
    codes: &[String],
) -> Result<Vec<(i64, String, String)>> {
    let mut out = Vec::new();
    for code in codes {
        let rows = sqlx::query(
            "SELECT u.id, u.email, u.name FROM users u JOIN organisations o ON o.id = u.org_id \
             WHERE o.kind = 'municipality' AND o.code = $1 AND u.status = $2 AND u.role = $3 \
             ORDER BY u.id",
        )
        .bind(code)
        .bind(UserStatus::Active.as_str())
        .bind(Role::Reporter.as_str())
        .fetch_all(tx.conn())
        .await?;
        for r in rows {
            out.push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
        }
    }
    Ok(out)
}

/// The same notification for each of `people` (as listed by `case_handlers` or `supervisors`).
pub async fn notify_each(
    tx: &mut WriteTx,
    people: &[(i64, String)],
    text: &str,
    link: &str,
    now: Millis,
) -> Result<()> {
    for (user_id, _) in people {
        notify(tx, *user_id, text, link, now).await?;
    }
    Ok(())
}

/// Active reporters of one organisation: (user id, e-mail, name).
pub async fn reporters_of_org(tx: &mut WriteTx, org_id: i64) -> Result<Vec<(i64, String, String)>> {
    let rows = sqlx::query(
        "SELECT id, email, name FROM users WHERE org_id = $1 AND status = $2 AND role = $3 \
         ORDER BY id",
    )
    .bind(org_id)
    .bind(UserStatus::Active.as_str())
    .bind(Role::Reporter.as_str())
    .fetch_all(tx.conn())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}

/// One person's e-mail address and name, if the account is active.
pub async fn active_user(tx: &mut WriteTx, user_id: i64) -> Result<Option<(String, String)>> {
    let row = sqlx::query("SELECT email, name FROM users WHERE id = $1 AND status = $2")
        .bind(user_id)
        .bind(UserStatus::Active.as_str())
        .fetch_optional(tx.conn())
        .await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
}
