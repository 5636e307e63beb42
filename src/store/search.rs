//! Search: the index of searchable texts (`search_texts`, `0006_search.sql`) and the one search
//! query of the team and the reporters.
//!
//! The words of a text are made by `domain::search` (the same rule for the index and the
//! query); the writers of the texts add them here in the transaction that writes the text
//! (intake, a case's history, an assessment). The backends differ only in how a row's words are
//! matched — FTS5 on SQLite, a GIN-indexed `tsvector` on PostgreSQL —, which
//! [`WordsMatch`] says in one place.

use sqlx::Row;

use super::{insert_many, Backend, Result, Store, StoreError, WriteTx};
use crate::domain::case::CaseStatus;
use crate::domain::link::Platform;
use crate::domain::policy::SearchScope;
use crate::domain::search::{self, Query, ReferenceKind, SearchSource};
use crate::domain::Millis;

/// One text to make searchable.
#[derive(Debug, Clone, PartialEq)]
pub struct NewText {
    pub case_id: i64,
    /// The report the text is part of (a municipality's own text), if any.
    pub report_id: Option<i64>,
    /// The organisation whose text it is (searchable by its reporters), if any.
    pub org_id: Option<i64>,
    pub source: SearchSource,
    /// The search words (`domain::search::document`).
    pub words: String,
}

/// Makes texts searchable with the transaction: they are inserted at its commit, with every
/// other text of the transaction (texts without words are left out).
pub fn add(tx: &mut WriteTx, texts: &[NewText]) {
    tx.search_texts
        .extend(texts.iter().filter(|t| !t.words.is_empty()).cloned());
}

/// Inserts the texts added in `tx` (called by `WriteTx::commit`).
pub(crate) async fn flush(tx: &mut WriteTx) -> Result<()> {
    let texts = std::mem::take(&mut tx.search_texts);
    insert_many(
        tx,
        "search_texts (case_id, report_id, org_id, source, words)",
        5,
        &texts,
        |q, t| {
            q.bind(t.case_id)
                .bind(t.report_id)
                .bind(t.org_id)
                .bind(t.source.as_str())
                .bind(&t.words)
        },
    )
    .await
}

/// One thing found: a case, or one report of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub case_id: i64,
    pub case_reference: String,
    pub canonical_url: String,
    pub platform: Platform,
    pub status: CaseStatus,
    /// The report found (always set for a reporter's search).
    pub report: Option<(i64, String)>,
    /// Where the words were found; `None` when found by reference, link or host.
    pub source: Option<SearchSource>,
    /// When the case (or the report found) was first reported.
    pub reported_at: Millis,
}

/// One page of results, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    pub hits: Vec<Hit>,
    /// How many there are, counted up to [`COUNT_LIMIT`]; `more` says there are more.
    pub total: i64,
    pub more: bool,
}

/// Results are counted up to this many.
pub const COUNT_LIMIT: i64 = 1000;

/// How the words of a row are matched: the one place the backends differ.
struct WordsMatch {
    /// The FROM item and condition: `t` is the `search_texts` row, `$1` the words.
    from: &'static str,
    condition: &'static str,
    /// The row's id as the matching side knows it, to sort by (newest first).
    key: &'static str,
}

impl WordsMatch {
    fn of(backend: Backend) -> WordsMatch {
        match backend {
            // FTS5 hands out its rows by rowid, newest first, without sorting — when the
            // order is asked of its rowid (the same id as `t.id`, but only its own name lets
            // it see that).
            Backend::Sqlite => WordsMatch {
                from: "search_index f JOIN search_texts t ON t.id = f.rowid",
                condition: "search_index MATCH $1",
                key: "f.rowid",
            },
            Backend::Postgres => WordsMatch {
                from: "search_texts t",
                condition: "t.words_vector @@ to_tsquery('simple', $1)",
                key: "t.id",
            },
        }
    }

    /// The words as the backend's query: every word must be there. The words are letters and
    /// digits only (`domain::search::words`); they are quoted all the same.
    fn query(backend: Backend, words: &[String]) -> String {
        match backend {
            Backend::Sqlite => words
                .iter()
                .map(|w| format!("\"{}\"", w.replace('"', "")))
                .collect::<Vec<_>>()
                .join(" AND "),
            Backend::Postgres => words
                .iter()
                .map(|w| format!("'{}'", w.replace(['\'', '\\'], "")))
                .collect::<Vec<_>>()
                .join(" & "),
        }
    }
}

/// Searches. `$1` is the reference, link, host or words; `$2` the organisation of a
/// reporter's search.
pub async fn search(
    store: &Store,
    query: &Query,
    scope: SearchScope,
    offset: i64,
    limit: i64,
) -> Result<Results> {
    let backend = store.backend();
    let team_sources: Vec<String> = SearchSource::ALL
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    let reporter_sources: Vec<String> = SearchSource::ALL
        .iter()
        .filter(|s| s.is_reporters())
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    let words = |sources: &[String]| {
        let m = WordsMatch::of(backend);
        let mine = match scope {
            SearchScope::AllCases => String::new(),
            SearchScope::OwnReports(_) => " AND t.org_id = $2".to_string(),
        };
        format!(
            "SELECT t.case_id, t.report_id, t.source, {} AS k FROM {} WHERE {} \
             AND t.source IN ({}){mine}",
            m.key,
            m.from,
            m.condition,
            sources.join(", ")
        )
    };
    // The cases found, as (case_id, report_id, source, sort key), before the scope.
    // The cases found, as a condition on `c`.
    let (cases_found, param): (String, String) = match query {
        Query::Reference(ReferenceKind::Report, r) => {
            let mine = match scope {
                SearchScope::AllCases => "",
                SearchScope::OwnReports(_) => " AND r.org_id = $2",
            };
            let sql = format!(
                "SELECT l.case_id, r.id AS report_id, CAST(NULL AS TEXT) AS source, r.id AS k FROM reports r \
                 JOIN report_links l ON l.report_id = r.id WHERE r.reference = $1{mine}"
            );
            return page(store, &sql, r, scope, offset, limit).await;
        }
        Query::Reference(ReferenceKind::Case, r) => ("c.reference = $1".into(), r.clone()),
        Query::Reference(ReferenceKind::Message, r) => (
            "c.id IN (SELECT n.case_id FROM notices n WHERE n.reference = $1)".into(),
            r.clone(),
        ),
        Query::Link(url) => ("c.canonical_url = $1".into(), url.clone()),
        Query::Host(domain) => ("c.domain = $1".into(), domain.clone()),
        // An account is found through its links: the cases, then (for a reporter) their
        // organisation's reports of those cases.
        Query::Handle(w) => {
            let m = WordsMatch::of(backend);
            (
                format!(
                    "c.id IN (SELECT t.case_id FROM {} WHERE {} AND t.source = '{}')",
                    m.from,
                    m.condition,
                    SearchSource::Link.as_str()
                ),
                WordsMatch::query(backend, w),
            )
        }
        Query::Words(w) => {
            // A reporter's words are asked together with their organisation's own word, so
            // the index itself finds only their texts (`domain::search::report_document`).
            let (sql, w) = match scope {
                SearchScope::AllCases => (words(&team_sources), w.clone()),
                SearchScope::OwnReports(org) => {
                    let mut w = w.clone();
                    w.push(search::organisation_word(org));
                    (words(&reporter_sources), w)
                }
            };
            return page(
                store,
                &sql,
                &WordsMatch::query(backend, &w),
                scope,
                offset,
                limit,
            )
            .await;
        }
    };
    let sql = match scope {
        SearchScope::AllCases => format!(
            "SELECT c.id AS case_id, CAST(NULL AS BIGINT) AS report_id, CAST(NULL AS TEXT) AS source, c.id AS k FROM cases c \
             WHERE {cases_found}"
        ),
        // A reporter finds their organisation's reports of the cases found.
        // Read from the organisation's reports (few) to their cases.
        SearchScope::OwnReports(_) => format!(
            "SELECT l.case_id, r.id AS report_id, CAST(NULL AS TEXT) AS source, r.id AS k FROM reports r \
             JOIN report_links l ON l.report_id = r.id JOIN cases c ON c.id = l.case_id \
             WHERE r.org_id = $2 AND {cases_found}"
        ),
    };
    page(store, &sql, &param, scope, offset, limit).await
}

/// Counts and reads one page of `found` (rows of case_id, report_id, source, k), newest
/// (largest k) first.
async fn page(
    store: &Store,
    found: &str,
    param: &str,
    scope: SearchScope,
    offset: i64,
    limit: i64,
) -> Result<Results> {
    let org = match scope {
        SearchScope::AllCases => None,
        SearchScope::OwnReports(id) => Some(id),
    };
    let count_sql = format!(
        "SELECT COUNT(*) FROM (SELECT h.k FROM ({found}) h LIMIT {}) counted",
        COUNT_LIMIT + 1
    );
    let mut counted = sqlx::query(&count_sql).bind(param);
    if let Some(org) = org {
        counted = counted.bind(org);
    }
    let total: i64 = counted.fetch_one(store.pool()).await?.try_get(0)?;

    let page_sql = format!(
        "SELECT h.case_id, h.report_id, h.source, c.reference, c.canonical_url, c.platform, \
         c.status, r.reference AS report_reference, COALESCE(r.created_at, c.first_reported_at) AS at \
         FROM (SELECT h.case_id, h.report_id, h.source, h.k FROM ({found}) h ORDER BY h.k DESC \
               LIMIT {limit} OFFSET {offset}) h \
         JOIN cases c ON c.id = h.case_id LEFT JOIN reports r ON r.id = h.report_id \
         ORDER BY h.k DESC",
        limit = limit.max(0),
        offset = offset.max(0),
    );
    let mut listed = sqlx::query(&page_sql).bind(param);
    if let Some(org) = org {
        listed = listed.bind(org);
    }
    let rows = listed.fetch_all(store.pool()).await?;
    let mut hits = Vec::with_capacity(rows.len());
    for row in rows {
        let platform: String = row.try_get("platform")?;
        let status: String = row.try_get("status")?;
        let source: Option<String> = row.try_get("source")?;
        let report_id: Option<i64> = row.try_get("report_id")?;
        let report_reference: Option<String> = row.try_get("report_reference")?;
        hits.push(Hit {
            case_id: row.try_get("case_id")?,
            case_reference: row.try_get("reference")?,
            canonical_url: row.try_get("canonical_url")?,
            platform: Platform::parse(&platform)
                .ok_or_else(|| StoreError::Database(format!("unknown platform {platform}")))?,
            status: CaseStatus::parse(&status)
                .ok_or_else(|| StoreError::Database(format!("unknown status {status}")))?,
            report: report_id.zip(report_reference),
            source: source
                .map(|s| {
                    SearchSource::parse(&s)
                        .ok_or_else(|| StoreError::Database(format!("unknown source {s}")))
                })
                .transpose()?,
            reported_at: row.try_get("at")?,
        });
    }
    Ok(Results {
        hits,
        total: total.min(COUNT_LIMIT),
        more: total > COUNT_LIMIT,
    })
}

/// The version of the rule that makes the index's words (`domain::search`); a database
/// indexed by an older one is indexed again. 2: a report's words carry its organisation's word.
const INDEX_VERSION: i64 = 2;

/// Makes every text searchable that is not (a database from before the index, or indexed by
/// an older rule), once: the first instance to start after the upgrade locks the
/// `search_index` counter and indexes in that transaction; others wait for it, then find the
/// index current.
pub async fn build_once(store: &Store) -> Result<()> {
    // Usually done long ago: a read says so without taking the write lock.
    let current = |row: Option<sqlx::any::AnyRow>| -> Result<bool> {
        Ok(match row {
            Some(row) => row.try_get::<i64, _>(0)? >= INDEX_VERSION,
            None => false,
        })
    };
    let built = sqlx::query("SELECT value FROM counters WHERE name = 'search_index'")
        .fetch_optional(store.pool())
        .await?;
    if current(built)? {
        return Ok(());
    }
    let mut tx = store.begin_write().await?;
    let locked = sqlx::query(
        "INSERT INTO counters (name, value) VALUES ('search_index', 0) \
         ON CONFLICT (name) DO UPDATE SET value = counters.value RETURNING value",
    )
    .fetch_optional(tx.conn())
    .await?;
    if current(locked)? {
        return Ok(()); // another instance did it meanwhile; dropping rolls back
    }
    sqlx::query("DELETE FROM search_texts")
        .execute(tx.conn())
        .await?;
    sqlx::query("UPDATE counters SET value = $1 WHERE name = 'search_index'")
        .bind(INDEX_VERSION)
        .execute(tx.conn())
        .await?;
    reindex(
        &mut tx,
        "reports",
        "SELECT l.case_id, r.id, r.org_id, r.summary, r.justification, l.remark \
         FROM report_links l JOIN reports r ON r.id = l.report_id \
         WHERE r.id > $1 AND r.id <= $2 ORDER BY r.id, l.position",
        |row| {
            let org_id: i64 = row.try_get(2)?;
            let summary: Option<String> = row.try_get(3)?;
            let justification: String = row.try_get(4)?;
            let remark: Option<String> = row.try_get(5)?;
            Ok(Some(NewText {
                case_id: row.try_get(0)?,
                report_id: Some(row.try_get(1)?),
                org_id: Some(org_id),
                source: SearchSource::Report,
                words: search::report_document(
                    org_id,
                    summary.as_deref(),
                    &justification,
                    remark.as_deref(),
                ),
            }))
        },
    )
    .await?;
    reindex(
        &mut tx,
        "cases",
        "SELECT id, canonical_url FROM cases WHERE id > $1 AND id <= $2 ORDER BY id",
        |row| {
            let url: String = row.try_get(1)?;
            Ok(Some(NewText {
                case_id: row.try_get(0)?,
                report_id: None,
                org_id: None,
                source: SearchSource::Link,
                words: search::link_document(&url),
            }))
        },
    )
    .await?;
    reindex(
        &mut tx,
        "case_events",
        "SELECT case_id, kind, note FROM case_events \
         WHERE note IS NOT NULL AND id > $1 AND id <= $2 ORDER BY id",
        |row| {
            let kind: String = row.try_get(1)?;
            let note: String = row.try_get(2)?;
            let Some(kind) = crate::domain::case::CaseEventKind::parse(&kind) else {
                return Err(StoreError::Database(format!(
                    "unknown case event kind {kind}"
                )));
            };
            Ok(match search::note_document(kind, &note) {
                Some(words) => Some(NewText {
                    case_id: row.try_get(0)?,
                    report_id: None,
                    org_id: None,
                    source: SearchSource::CaseNote,
                    words,
                }),
                None => None,
            })
        },
    )
    .await?;
    reindex(
        &mut tx,
        "assessments",
        "SELECT case_id, facts, rights_reasoning, proportionality, reasons FROM assessments \
         WHERE id > $1 AND id <= $2 ORDER BY id",
        |row| {
            let parts: Vec<String> = (1..=4)
                .map(|i| row.try_get::<String, _>(i))
                .collect::<std::result::Result<_, _>>()?;
            Ok(Some(NewText {
                case_id: row.try_get(0)?,
                report_id: None,
                org_id: None,
                source: SearchSource::Assessment,
                words: search::assessment_document(&parts[0], &parts[1], &parts[2], &parts[3]),
            }))
        },
    )
    .await?;
    tx.commit().await
}

/// Rows of `table` read per step when indexing again, by id range: a large database is
/// indexed in steps of this many, with a bounded amount in memory.
const REINDEX_STEP: i64 = 5_000;

/// Indexes the texts `sql` reads (`$1 < id <= $2`) from `table`, one id range at a time,
/// inserting each range's texts before reading the next.
async fn reindex(
    tx: &mut WriteTx,
    table: &str,
    sql: &str,
    text: impl Fn(&sqlx::any::AnyRow) -> Result<Option<NewText>>,
) -> Result<()> {
    let last: Option<i64> = sqlx::query(&format!("SELECT MAX(id) FROM {table}"))
        .fetch_one(tx.conn())
        .await?
        .try_get(0)?;
    let mut from = 0;
    while from < last.unwrap_or(0) {
        let rows = sqlx::query(sql)
            .bind(from)
            .bind(from + REINDEX_STEP)
            .fetch_all(tx.conn())
            .await?;
        let mut texts = Vec::with_capacity(rows.len());
        for row in &rows {
            if let Some(t) = text(row)? {
                texts.push(t);
            }
        }
        add(tx, &texts);
        flush(tx).await?;
        from += REINDEX_STEP;
    }
    Ok(())
}
