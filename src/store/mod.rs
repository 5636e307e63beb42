//! Storage: the only place with SQL.
//!
//! One API over two real backends through sqlx's `Any` driver: SQLite (embedded
//! default) and PostgreSQL (production, several instances on one database). The SQL is
//! shared (`$N` placeholders, `RETURNING`, integers for times); the schema lives in
//! `migrations/sqlite` and `migrations/postgres` with the same numbering.
//!
//! Every change goes through [`Store::begin_write`], and the audit entry that records
//! it is appended in the same transaction ([`audit::append`]).

pub mod assessment_drafts;
pub mod assessments;
pub mod audit;
pub mod cases;
pub mod groups;
pub mod health;
pub mod matching;
pub mod notices;
pub mod notify;
pub mod orgs;
pub mod passkeys;
pub mod platforms;
pub mod redress;
pub mod reports;
pub mod retention;
pub mod search;
pub mod sessions;
pub mod situations;
pub mod sso;
pub mod throttle;
pub mod tokens;
pub mod transparency;
pub mod users;

use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use health::StorageHealth;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Connection, Executor, Row};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What can go wrong in storage, as the rest of meldpunt needs to know it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// A unique value is taken (duplicate e-mail address, organisation code, …).
    #[error("already exists")]
    Conflict,
    #[error("not found")]
    NotFound,
    /// The database cannot be reached or timed out; the request may be retried.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The database refused or failed in a way that is a bug or a broken setup.
    #[error("database error: {0}")]
    Database(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e.to_string()),
            sqlx::Error::Database(db) if is_busy(db.as_ref()) => {
                StoreError::Unavailable(e.to_string())
            }
            _ => StoreError::Database(e.to_string()),
        }
    }
}

/// The database could not do the work for a reason that passes: the disk is full, an I/O
/// error, the database busy or shutting down, connections refused. Such a request may be
/// retried; nothing was stored.
fn is_busy(db: &dyn sqlx::error::DatabaseError) -> bool {
    let Some(code) = db.code() else {
        return false;
    };
    if let Ok(extended) = code.parse::<i32>() {
        // SQLite (extended result codes): BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN.
        return matches!(extended & 0xff, 5 | 6 | 8 | 10 | 13 | 14);
    }
    // PostgreSQL: connection exceptions, insufficient resources (disk full, out of memory,
    // too many connections), operator intervention (shutdown), system I/O errors.
    code.starts_with("08")
        || code.starts_with("53")
        || code.starts_with("57P")
        || code.starts_with("58")
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The storage handle, cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite allows one writer; taking this gate before `BEGIN` avoids busy errors
    /// between connections of this process. PostgreSQL needs no gate.
    write_gate: Arc<Mutex<()>>,
    /// Whether writes are failing now (see `health`).
    health: Arc<StorageHealth>,
    /// SQLite only: the most pages the database may hold (`PRAGMA max_page_count`); 0 when
    /// no limit was ever set.
    page_limit: Arc<AtomicU64>,
}

/// SQLite's largest `max_page_count`: no limit.
const NO_PAGE_LIMIT: u64 = 4_294_967_294;

/// An open write transaction. Dropped without [`WriteTx::commit`], it rolls back.
pub struct WriteTx {
    pub(crate) tx: sqlx::Transaction<'static, sqlx::Any>,
    backend: Backend,
    _gate: Option<OwnedMutexGuard<()>>,
    /// The audit chain's head as this transaction has moved it (see `audit::append`):
    /// read and locked at the first append, written back once at commit.
    pub(crate) audit_head: Option<AuditHead>,
    /// Audit entries appended but not yet inserted: written at commit, in as few
    /// statements as possible (`audit::flush`), before the head.
    pub(crate) audit_rows: Vec<audit::AuditRow>,
    /// Yearly series (`cases::next_number`) this transaction has read and locked, with the
    /// value it has reached and whether it moved: written back once at commit.
    pub(crate) counters: Vec<(String, i64, bool)>,
    /// Texts made searchable in this transaction, inserted at commit (`search::flush`).
    pub(crate) search_texts: Vec<search::NewText>,
    /// Case history entries of this transaction, inserted at commit (`cases::flush_events`).
    pub(crate) case_events: Vec<cases::CaseEventRow>,
    /// Reports, their links and idempotency keys kept in memory while
    /// [`WriteTx::keep_intake_rows`] is on, inserted in multi-row statements before anything
    /// reads them (`reports::flush_kept`) and at commit.
    pub(crate) kept: reports::Kept,
    /// What the in-memory state was at the last savepoint.
    saved: Option<Saved>,
    health: Arc<StorageHealth>,
}

/// The in-memory part of a transaction at a savepoint.
struct Saved {
    audit_head: Option<AuditHead>,
    audit_rows: usize,
    counters: Vec<(String, i64, bool)>,
    search_texts: usize,
    case_events: usize,
    kept: reports::KeptLengths,
}

/// The newest audit entry's sequence number and hash, and whether the stored head row
/// still has to be updated.
#[derive(Debug, Clone)]
pub(crate) struct AuditHead {
    pub seq: i64,
    pub hash: String,
    pub dirty: bool,
}

impl WriteTx {
    /// Commits. When the commit fails (disk full, I/O error, …) nothing of the transaction
    /// stays; the connection is not reused while it is still inside the transaction (the
    /// pool's `before_acquire` check), so the next write can succeed as soon as the cause is
    /// gone.
    pub async fn commit(mut self) -> Result<()> {
        reports::flush_kept(&mut self).await?;
        cases::flush_events(&mut self).await?;
        search::flush(&mut self).await?;
        audit::flush(&mut self).await?;
        for (name, value, moved) in std::mem::take(&mut self.counters) {
            if moved {
                sqlx::query("UPDATE counters SET value = $2 WHERE name = $1")
                    .bind(name)
                    .bind(value)
                    .execute(self.conn())
                    .await?;
            }
        }
        if let Some(head) = self.audit_head.take().filter(|h| h.dirty) {
            sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
                .bind(head.seq)
                .bind(&head.hash)
                .execute(self.conn())
                .await?;
        }
        let health = self.health.clone();
        self.tx.commit().await?;
        health.write_ok();
        Ok(())
    }

    pub(crate) fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }

    pub(crate) fn backend(&self) -> Backend {
        self.backend
    }

    /// From now on, the next `reports` new reports (`reports::insert`), their links and their
    /// idempotency keys are kept in memory and inserted in a few multi-row statements — before
    /// a statement of this transaction reads reports or links, and at commit — instead of
    /// one round trip each: for an intake batch (`service::intake`). A key taken by an earlier
    /// request makes the commit fail with [`StoreError::Conflict`], and nothing of the
    /// transaction stays.
    pub async fn keep_intake_rows(&mut self, reports: usize) -> Result<()> {
        reports::keep_rows(self, reports).await
    }

    /// `FOR UPDATE` on PostgreSQL (row lock until commit); nothing on SQLite, where the
    /// transaction already holds the only write lock.
    pub(crate) fn for_update(&self) -> &'static str {
        match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        }
    }

    /// `FOR UPDATE SKIP LOCKED` on PostgreSQL (claim a row no other instance holds);
    /// nothing on SQLite, where the transaction already holds the only write lock.
    pub(crate) fn skip_locked(&self) -> &'static str {
        match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        }
    }

    /// Marks a point this transaction can return to without giving up the rest.
    pub async fn savepoint(&mut self) -> Result<()> {
        sqlx::query("SAVEPOINT batch_item")
            .execute(self.conn())
            .await?;
        self.saved = Some(Saved {
            audit_head: self.audit_head.clone(),
            audit_rows: self.audit_rows.len(),
            counters: self.counters.clone(),
            search_texts: self.search_texts.len(),
            case_events: self.case_events.len(),
            kept: self.kept.lengths(),
        });
        Ok(())
    }

    /// Undoes everything since [`WriteTx::savepoint`] (and forgets the savepoint).
    pub async fn rollback_to_savepoint(&mut self) -> Result<()> {
        sqlx::query("ROLLBACK TO SAVEPOINT batch_item")
            .execute(self.conn())
            .await?;
        if let Some(saved) = self.saved.take() {
            self.audit_head = saved.audit_head;
            self.audit_rows.truncate(saved.audit_rows);
            self.counters = saved.counters;
            self.search_texts.truncate(saved.search_texts);
            self.case_events.truncate(saved.case_events);
            self.kept.truncate(&saved.kept);
        }
        self.release_savepoint().await
    }

    /// Keeps everything since [`WriteTx::savepoint`].
    pub async fn release_savepoint(&mut self) -> Result<()> {
        sqlx::query("RELEASE SAVEPOINT batch_item")
            .execute(self.conn())
            .await?;
        self.saved = None;
        Ok(())
    }
}

/// A statement with its parameters bound so far.
pub(crate) type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Inserts `rows` into `into` (`table (col, …)` with `columns` columns) in as few statements
/// as the backends allow (SQLite takes at most 32,766 parameters); `bind` binds one row's
/// values in column order. The one multi-row insert of the store (the rows a transaction keeps
/// until its commit: audit entries, case history, search texts).
pub(crate) async fn insert_many<T>(
    tx: &mut WriteTx,
    into: &str,
    columns: usize,
    rows: &[T],
    bind: impl for<'q> Fn(AnyQuery<'q>, &'q T) -> AnyQuery<'q>,
) -> Result<()> {
    let per_statement = (30_000 / columns.max(1)).clamp(1, 500);
    for chunk in rows.chunks(per_statement) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let p: Vec<String> = (1..=columns)
                    .map(|k| format!("${}", i * columns + k))
                    .collect();
                format!("({})", p.join(", "))
            })
            .collect();
        let sql = format!("INSERT INTO {into} VALUES {}", values.join(", "));
        // Not kept as a prepared statement: the row count varies from batch to batch, and
        // keeping each would crowd the connection's statement cache.
        let mut q = sqlx::query(&sql).persistent(false);
        for row in chunk {
            q = bind(q, row);
        }
        q.execute(tx.conn()).await?;
    }
    Ok(())
}

/// The SQLite settings meldpunt relies on: an acknowledged write survives a power cut.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;";

impl Store {
    /// Opens the database named by `url` (`sqlite://path` or `postgres://…`).
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::Database(
                "the database URL must start with sqlite:// or postgres://".into(),
            ));
        };
        let options =
            AnyConnectOptions::from_str(url).map_err(|e| StoreError::Database(e.to_string()))?;
        let page_limit = Arc::new(AtomicU64::new(0));
        let pool_options = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(10))
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            // A connection left inside a transaction (a commit that failed on a full disk,
            // after which SQLite had already rolled back and sqlx could not) is closed, never
            // handed out again: otherwise every later write on it fails.
            .before_acquire({
                let page_limit = page_limit.clone();
                move |conn, _| {
                    let limit = page_limit.load(Ordering::Acquire);
                    Box::pin(async move {
                        if conn.is_in_transaction() {
                            // A rollback queued when its transaction was dropped is done once
                            // the connection answered a ping; if it is still inside, the
                            // rollback failed (the database had already ended it).
                            conn.ping().await?;
                            if conn.is_in_transaction() {
                                tracing::debug!("closing a connection left inside a transaction");
                                return Ok(false);
                            }
                        }
                        if limit != 0 {
                            conn.execute(format!("PRAGMA max_page_count = {limit}").as_str())
                                .await?;
                        }
                        Ok(true)
                    })
                }
            });
        let pool = match backend {
            Backend::Sqlite => {
                let page_limit = page_limit.clone();
                pool_options
                    .after_connect(move |conn, _| {
                        let limit = page_limit.load(Ordering::Acquire);
                        Box::pin(async move {
                            conn.execute(SQLITE_PRAGMAS).await?;
                            if limit != 0 {
                                conn.execute(format!("PRAGMA max_page_count = {limit}").as_str())
                                    .await?;
                            }
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => pool_options.connect_with(options).await?,
        };
        let store = Store {
            pool,
            backend,
            write_gate: Arc::new(Mutex::new(())),
            health: Arc::new(StorageHealth::default()),
            page_limit,
        };
        store.check_durability().await?;
        Ok(store)
    }

    /// Opens (and creates) the SQLite database in `data_dir`.
    pub async fn open_sqlite_dir(data_dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StoreError::Database(format!("cannot create {}: {e}", data_dir.display()))
        })?;
        Store::connect(&sqlite_url(&data_dir.join("meldpunt.db"))).await
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether this process can write to the database right now.
    pub fn health(&self) -> &StorageHealth {
        &self.health
    }

    /// SQLite: caps the database at about `bytes` (`PRAGMA max_page_count`, taken up by every
    /// connection as it is next used), or lifts the cap. A database at its cap answers writes
    /// that need more room with "database or disk is full", as a full disk would; it is how
    /// an operator keeps the database from filling a shared disk, and how the tests fill it.
    /// No effect on PostgreSQL.
    pub fn set_sqlite_size_limit(&self, bytes: Option<u64>) {
        if self.backend != Backend::Sqlite {
            return;
        }
        let pages = bytes.map(|b| (b / 4096).max(1)).unwrap_or(NO_PAGE_LIMIT);
        self.page_limit.store(pages, Ordering::Release);
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Refuses to run on SQLite unless WAL and `synchronous=FULL` are in force.
    async fn check_durability(&self) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        let mut conn = self.pool.acquire().await?;
        let mode: String = sqlx::query("PRAGMA journal_mode")
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
        let sync: i64 = sqlx::query("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
        if !mode.eq_ignore_ascii_case("wal") || sync != 2 {
            return Err(StoreError::Database(format!(
                "SQLite must run with journal_mode=WAL and synchronous=FULL, found {mode} and {sync}"
            )));
        }
        Ok(())
    }

    /// Reports the durability settings in force, for the start-up log.
    pub async fn durability(&self) -> Result<String> {
        match self.backend {
            Backend::Postgres => {
                let row = sqlx::query("SELECT current_setting('synchronous_commit')")
                    .fetch_one(&self.pool)
                    .await?;
                let s: String = row.try_get(0)?;
                Ok(format!("postgresql synchronous_commit={s}"))
            }
            Backend::Sqlite => Ok("sqlite journal_mode=wal synchronous=full".to_string()),
        }
    }

    /// Applies the migrations that have not run yet.
    pub async fn migrate(&self) -> Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        migrator
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Database(format!("migration failed: {e}")))?;
        search::build_once(self).await
    }

    /// Starts a write transaction.
    pub async fn begin_write(&self) -> Result<WriteTx> {
        let (gate, tx) = match self.backend {
            // IMMEDIATE takes the write lock at once, so a transaction never has to
            // upgrade a read snapshot (which fails when another process wrote meanwhile).
            Backend::Sqlite => {
                let gate = self.write_gate.clone().lock_owned().await;
                (Some(gate), self.pool.begin_with("BEGIN IMMEDIATE").await?)
            }
            Backend::Postgres => (None, self.pool.begin().await?),
        };
        Ok(WriteTx {
            tx,
            backend: self.backend,
            _gate: gate,
            audit_head: None,
            audit_rows: Vec::new(),
            counters: Vec::new(),
            search_texts: Vec::new(),
            case_events: Vec::new(),
            kept: reports::Kept::default(),
            saved: None,
            health: self.health.clone(),
        })
    }

    /// Refreshes the planner's statistics (and, on PostgreSQL, the visibility map that lets
    /// counts read an index alone) after a bulk load; the databases do this by themselves
    /// over time, a bulk load should not have to wait for it.
    pub async fn optimise(&self) -> Result<()> {
        let statement = match self.backend {
            Backend::Sqlite => "PRAGMA optimize=0x10002",
            Backend::Postgres => "VACUUM ANALYZE",
        };
        sqlx::query(statement).execute(&self.pool).await?;
        Ok(())
    }

    /// ` INDEXED BY index` on SQLite, to read a table through the index a query names;
    /// nothing on PostgreSQL, whose planner chooses from its statistics. For queries whose
    /// best index depends on the data in a way SQLite's planner cannot see (the queue).
    pub(crate) fn indexed_by(&self, index: &str) -> String {
        if self.plans_by_statistics() {
            return String::new();
        }
        format!(" INDEXED BY {index}")
    }

    /// Whether the database's planner picks indexes from statistics of the data
    /// (PostgreSQL), so that estimates made for `indexed_by` are not needed.
    pub(crate) fn plans_by_statistics(&self) -> bool {
        self.backend == Backend::Postgres
    }

    /// True when the database answers a query.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await.is_ok()
    }

    /// Writes a consistent copy of a (running) SQLite database to `target`.
    pub async fn backup_sqlite(&self, target: &Path) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Database(
                "backup works on SQLite; on PostgreSQL use pg_dump (see README)".into(),
            ));
        }
        if target.exists() {
            return Err(StoreError::Database(format!(
                "{} exists already",
                target.display()
            )));
        }
        let path = target
            .to_str()
            .ok_or_else(|| StoreError::Database("the backup path is not valid UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Reads a setting.
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The sqlx URL of a SQLite file, created when missing.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Reads an optional i64 column by name.
pub(crate) fn opt_i64(row: &sqlx::any::AnyRow, col: &str) -> Result<Option<i64>> {
    Ok(row.try_get::<Option<i64>, _>(col)?)
}
