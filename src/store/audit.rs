//! The audit trail: appending (inside the caller's transaction), reading, verifying.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{insert_many, opt_i64, AuditHead, Backend, Result, Store, StoreError, WriteTx};
use crate::domain::audit::{
    entry_hash_v2, personal_digest, AuditAction, AuditEvent, AuditRecord, ChainFault, ChainHead,
    ChainVerifier, Erasure, HashInputV2, HashVersion, Outcome, Personal, Verified,
};
use crate::domain::policy::AuditScope;
use crate::domain::Millis;

/// Appends `event` to the chain inside `tx`, so it commits or rolls back with the
/// change it records. The first append in a transaction reads the head row and locks it
/// (`FOR UPDATE` on PostgreSQL; on SQLite the transaction holds the write lock already),
/// so concurrent appends take turns; the transaction keeps the head and the new entries and
/// writes them at commit (`flush`), so a batch of reports costs a few statements, not one
/// per entry.
pub async fn append(tx: &mut WriteTx, event: &AuditEvent, now: Millis) -> Result<i64> {
    let head = match tx.audit_head.take() {
        Some(head) => head,
        None => {
            let sql = format!(
                "SELECT seq, hash FROM audit_head WHERE id = 1{}",
                tx.for_update()
            );
            let row = sqlx::query(&sql).fetch_one(tx.conn()).await?;
            AuditHead {
                seq: row.try_get("seq")?,
                hash: row.try_get("hash")?,
                dirty: false,
            }
        }
    };
    let seq = head.seq + 1;
    let salt = hex::encode(rand::random::<[u8; 16]>());
    let digest = personal_digest(&Personal {
        salt: &salt,
        actor_label: &event.actor_label,
        origin: &event.origin,
        details: &event.details,
    });
    let hash = entry_hash_v2(&HashInputV2 {
        prev_hash: &head.hash,
        at: now,
        actor_user_id: event.actor_user_id,
        org_id: event.org_id,
        action: event.action.as_str(),
        object_type: &event.object_type,
        object_id: &event.object_id,
        outcome: event.outcome.as_str(),
        personal_digest: &digest,
    });
    tx.audit_rows.push(AuditRow {
        seq,
        at: now,
        actor_user_id: event.actor_user_id,
        actor_label: event.actor_label.clone(),
        org_id: event.org_id,
        action: event.action.as_str(),
        object_type: event.object_type.clone(),
        object_id: event.object_id.clone(),
        outcome: event.outcome.as_str(),
        origin: event.origin.clone(),
        details: event.details.clone(),
        prev_hash: head.hash,
        hash: hash.clone(),
        salt,
        personal_digest: digest,
    });
    tx.audit_head = Some(AuditHead {
        seq,
        hash,
        dirty: true,
    });
    Ok(seq)
}

/// An audit entry waiting for its transaction's commit.
#[derive(Debug, Clone)]
pub(crate) struct AuditRow {
    seq: i64,
    at: Millis,
    actor_user_id: Option<i64>,
    actor_label: String,
    org_id: Option<i64>,
    action: &'static str,
    object_type: String,
    object_id: String,
    outcome: &'static str,
    origin: String,
    details: String,
    prev_hash: String,
    hash: String,
    salt: String,
    personal_digest: String,
}

/// Inserts the entries appended in `tx`, oldest first (called by `WriteTx::commit`, before
/// the head is written back).
pub(crate) async fn flush(tx: &mut WriteTx) -> Result<()> {
    let rows = std::mem::take(&mut tx.audit_rows);
    insert_many(
        tx,
        "audit_log (seq, at, actor_user_id, actor_label, org_id, action, object_type, \
         object_id, outcome, origin, details, prev_hash, hash, hash_version, salt, \
         personal_digest)",
        16,
        &rows,
        |q, r| {
            q.bind(r.seq)
                .bind(r.at)
                .bind(r.actor_user_id)
                .bind(&r.actor_label)
                .bind(r.org_id)
                .bind(r.action)
                .bind(&r.object_type)
                .bind(&r.object_id)
                .bind(r.outcome)
                .bind(&r.origin)
                .bind(&r.details)
                .bind(&r.prev_hash)
                .bind(&r.hash)
                .bind(HashVersion::V2.as_i64())
                .bind(&r.salt)
                .bind(&r.personal_digest)
        },
    )
    .await
}

/// Records a single event in a transaction of its own (for events that change nothing
/// else, such as a view of personal data or a refused request).
pub async fn record(store: &Store, event: &AuditEvent, now: Millis) -> Result<i64> {
    let mut tx = store.begin_write().await?;
    let seq = append(&mut tx, event, now).await?;
    tx.commit().await?;
    Ok(seq)
}

fn record_from_row(row: &AnyRow) -> Result<AuditRecord> {
    Ok(AuditRecord {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor_user_id: opt_i64(row, "actor_user_id")?,
        actor_label: row.try_get("actor_label")?,
        org_id: opt_i64(row, "org_id")?,
        action: row.try_get("action")?,
        object_type: row.try_get("object_type")?,
        object_id: row.try_get("object_id")?,
        outcome: row.try_get("outcome")?,
        origin: row.try_get("origin")?,
        details: row.try_get("details")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
        version: HashVersion::from_i64(row.try_get("hash_version")?),
        salt: row.try_get("salt")?,
        personal_digest: row.try_get("personal_digest")?,
        erased_at: opt_i64(row, "erased_at")?,
    })
}

const COLUMNS: &str =
    "seq, at, actor_user_id, actor_label, org_id, action, object_type, object_id, \
     outcome, origin, details, prev_hash, hash, hash_version, salt, personal_digest, erased_at";

/// The objects whose entries an erasure covers: (object type, object id).
pub type Objects<'a> = &'a [(&'a str, Vec<i64>)];

/// Erases the personal fields (actor label, origin, details) of every version 2 entry about
/// `objects` and appends one `audit.erased` entry naming them, inside `tx`. Entries already
/// erased are left as they are; version 1 entries (written before erasure existed) cannot be
/// erased without breaking the chain and are counted in the second number returned.
pub async fn erase(
    tx: &mut WriteTx,
    objects: Objects<'_>,
    ground: &str,
    now: Millis,
) -> Result<(Vec<i64>, u64)> {
    // Only stored entries are read: call this before appending entries of its own.
    let mut erased = Vec::new();
    let mut kept_v1 = 0u64;
    for (object_type, ids) in objects {
        for chunk in ids.chunks(500) {
            if chunk.is_empty() {
                continue;
            }
            let list = (0..chunk.len())
                .map(|i| format!("${}", i + 2))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT seq, hash_version FROM audit_log WHERE object_type = $1 \
                 AND object_id IN ({list}) AND erased_at IS NULL"
            );
            let mut q = sqlx::query(&sql).bind(*object_type);
            for id in chunk {
                q = q.bind(id.to_string());
            }
            for row in q.fetch_all(tx.conn()).await? {
                let seq: i64 = row.try_get("seq")?;
                match HashVersion::from_i64(row.try_get("hash_version")?) {
                    HashVersion::V2 => erased.push(seq),
                    HashVersion::V1 => kept_v1 += 1,
                }
            }
        }
    }
    let n = erase_entries(tx, erased.clone(), ground, now).await?;
    debug_assert_eq!(n, erased.len());
    Ok((erased, kept_v1))
}

/// Erases the personal fields of the version 2 entries `seqs` and appends one
/// `audit.erased` entry naming them (nothing when `seqs` is empty); returns how many.
pub async fn erase_entries(
    tx: &mut WriteTx,
    mut seqs: Vec<i64>,
    ground: &str,
    now: Millis,
) -> Result<usize> {
    seqs.sort_unstable();
    seqs.dedup();
    for chunk in seqs.chunks(500) {
        let list = (0..chunk.len())
            .map(|i| format!("${}", i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "UPDATE audit_log SET actor_label = '', origin = '', details = '', salt = '', \
             erased_at = $1 WHERE seq IN ({list}) AND hash_version = 2 AND erased_at IS NULL"
        );
        let mut q = sqlx::query(&sql).bind(now);
        for seq in chunk {
            q = q.bind(*seq);
        }
        q.execute(tx.conn()).await?;
    }
    if seqs.is_empty() {
        return Ok(0);
    }
    let n = seqs.len();
    let details = serde_json::to_string(&Erasure {
        entries: seqs,
        ground: ground.to_string(),
    })
    .map_err(|e| StoreError::Database(e.to_string()))?;
    append(
        tx,
        &AuditEvent {
            actor_user_id: None,
            actor_label: "meldpunt".into(),
            org_id: None,
            action: AuditAction::AuditErased,
            object_type: "audit".into(),
            object_id: n.to_string(),
            outcome: Outcome::Success,
            origin: "retention".into(),
            details,
        },
        now,
    )
    .await?;
    Ok(n)
}

/// The head the database records next to the entries.
pub async fn recorded_head(store: &Store) -> Result<Option<ChainHead>> {
    let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(store.pool())
        .await?;
    let seq: i64 = row.try_get("seq")?;
    Ok((seq > 0).then(|| ChainHead {
        seq,
        hash: row.try_get("hash").unwrap_or_default(),
    }))
}

/// Verifies the whole chain in stored order against the recorded head and optionally
/// against a head exported earlier. Runs in one read snapshot, so entries appended
/// meanwhile by other requests do not count as tampering.
pub async fn verify(
    store: &Store,
    exported: Option<ChainHead>,
) -> Result<std::result::Result<Verified, ChainFault>> {
    const PAGE: i64 = 5_000;
    let mut tx = store.pool().begin().await?;
    if store.backend() == Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *tx)
            .await?;
    }
    let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut *tx)
        .await?;
    let head_seq: i64 = row.try_get("seq")?;
    let recorded = (head_seq > 0).then(|| ChainHead {
        seq: head_seq,
        hash: row.try_get("hash").unwrap_or_default(),
    });
    let mut verifier = ChainVerifier::new(recorded, exported);
    // Keyset paging on the primary key: each page is an index range scan.
    let mut after = i64::MIN;
    loop {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(after)
        .bind(PAGE)
        .fetch_all(&mut *tx)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.try_get("seq")?;
        for row in &rows {
            verifier.push(&record_from_row(row)?);
        }
        if (rows.len() as i64) < PAGE {
            break;
        }
    }
    tx.rollback().await?;
    Ok(verifier.finish())
}

/// What an auditor filters the trail on.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    /// Matches the actor's label (e-mail) or id, case-insensitively, as a substring.
    pub actor: Option<String>,
    pub org_id: Option<i64>,
    pub outcome: Option<String>,
    pub from: Option<Millis>,
    pub until: Option<Millis>,
}

/// A page of the trail, newest first, within the auditor's scope.
pub async fn list(
    store: &Store,
    scope: AuditScope,
    filter: &AuditFilter,
    limit: i64,
    before_seq: Option<i64>,
) -> Result<Vec<AuditRecord>> {
    let mut sql = format!("SELECT {COLUMNS} FROM audit_log WHERE 1 = 1");
    let mut binds: Vec<Bind> = Vec::new();
    let mut push = |clause: &str, b: Bind, sql: &mut String| {
        binds.push(b);
        sql.push_str(&clause.replace("?", &format!("${}", binds.len())));
    };
    if let AuditScope::Organisation(org) = scope {
        push(" AND org_id = ?", Bind::I(org), &mut sql);
    }
    if let Some(org) = filter.org_id {
        push(" AND org_id = ?", Bind::I(org), &mut sql);
    }
    if let Some(a) = &filter.action {
        push(" AND action = ?", Bind::S(a.clone()), &mut sql);
    }
    if let Some(o) = &filter.outcome {
        push(" AND outcome = ?", Bind::S(o.clone()), &mut sql);
    }
    if let Some(actor) = &filter.actor {
        push(
            " AND LOWER(actor_label) LIKE ?",
            Bind::S(format!(
                "%{}%",
                actor.to_lowercase().replace(['%', '_'], "")
            )),
            &mut sql,
        );
    }
    if let Some(f) = filter.from {
        push(" AND at >= ?", Bind::I(f), &mut sql);
    }
    if let Some(u) = filter.until {
        push(" AND at < ?", Bind::I(u), &mut sql);
    }
    if let Some(b) = before_seq {
        push(" AND seq < ?", Bind::I(b), &mut sql);
    }
    push(" ORDER BY seq DESC LIMIT ?", Bind::I(limit), &mut sql);
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = match b {
            Bind::I(i) => q.bind(i),
            Bind::S(s) => q.bind(s),
        };
    }
    let rows = q.fetch_all(store.pool()).await?;
    rows.iter().map(record_from_row).collect()
}

enum Bind {
    I(i64),
    S(String),
}

/// The most recent entries about one person (for their own start page).
pub async fn recent_for_user(
    store: &Store,
    user_id: i64,
    action: &str,
    limit: i64,
) -> Result<Vec<AuditRecord>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM audit_log WHERE actor_user_id = $1 AND action = $2 ORDER BY seq DESC LIMIT $3"
    ))
    .bind(user_id)
    .bind(action)
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(record_from_row).collect()
}

/// Every entry of one person's actions, oldest first.
pub async fn by_actor(store: &Store, user_id: i64) -> Result<Vec<AuditRecord>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM audit_log WHERE actor_user_id = $1 ORDER BY seq"
    ))
    .bind(user_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(record_from_row).collect()
}

/// The view records (`AuditAction::is_view`) of these objects (object type, object id),
/// oldest first.
pub async fn views_of(store: &Store, objects: &[(&str, String)]) -> Result<Vec<AuditRecord>> {
    let actions: Vec<&str> = AuditAction::ALL
        .into_iter()
        .filter(|a| a.is_view())
        .map(AuditAction::as_str)
        .collect();
    let mut found = Vec::new();
    for chunk in objects.chunks(200) {
        let mut sql = format!("SELECT {COLUMNS} FROM audit_log WHERE action IN (");
        let mut n = 0;
        for i in 0..actions.len() {
            n += 1;
            sql.push_str(&format!("{}${n}", if i == 0 { "" } else { ", " }));
        }
        sql.push_str(") AND (");
        for i in 0..chunk.len() {
            sql.push_str(&format!(
                "{}(object_type = ${} AND object_id = ${})",
                if i == 0 { "" } else { " OR " },
                n + 1,
                n + 2
            ));
            n += 2;
        }
        sql.push_str(") ORDER BY seq");
        let mut q = sqlx::query(&sql);
        for a in &actions {
            q = q.bind(*a);
        }
        for (kind, id) in chunk {
            q = q.bind(*kind).bind(id.clone());
        }
        for row in q.fetch_all(store.pool()).await? {
            found.push(record_from_row(&row)?);
        }
    }
    found.sort_by_key(|r| r.seq);
    Ok(found)
}

/// Number of entries.
pub async fn count(store: &Store) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM audit_log")
        .fetch_one(store.pool())
        .await?;
    row.try_get("n").map_err(StoreError::from)
}
