//! The platform directory (who takes notices how) and the notice settings.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{opt_i64, Result, Store, StoreError, WriteTx};
use crate::domain::notice::ContactChannel;
use crate::domain::platform::{pick, PlatformEntry};
use crate::domain::Millis;

const SELECT: &str =
    "SELECT id, key, name, hosts, channel, contact_email, web_form_url, languages, \
     notes, updated_at FROM platforms";

fn from_row(row: &AnyRow) -> Result<PlatformEntry> {
    let channel: String = row.try_get("channel")?;
    Ok(PlatformEntry {
        id: row.try_get("id")?,
        key: row.try_get("key")?,
        name: row.try_get("name")?,
        hosts: row.try_get("hosts")?,
        channel: ContactChannel::parse(&channel)
            .ok_or_else(|| StoreError::Database(format!("unknown channel {channel}")))?,
        contact_email: row.try_get("contact_email")?,
        web_form_url: row.try_get("web_form_url")?,
        languages: row.try_get("languages")?,
        notes: row.try_get("notes")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub async fn list(store: &Store) -> Result<Vec<PlatformEntry>> {
    let rows = sqlx::query(&format!("{SELECT} ORDER BY name"))
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get(store: &Store, id: i64) -> Result<PlatformEntry> {
    let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

pub async fn get_in(tx: &mut WriteTx, id: i64) -> Result<PlatformEntry> {
    let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// The entry for content on `platform_key` at `domain`: by key first, else by host.
pub async fn for_content(
    tx: &mut WriteTx,
    platform_key: &str,
    domain: &str,
) -> Result<Option<PlatformEntry>> {
    let rows = sqlx::query(&format!("{SELECT} ORDER BY id"))
        .fetch_all(tx.conn())
        .await?;
    let all: Vec<PlatformEntry> = rows.iter().map(from_row).collect::<Result<_>>()?;
    Ok(pick(&all, platform_key, domain).cloned())
}

/// The editable part of an entry.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformChange {
    pub name: String,
    pub hosts: String,
    pub channel: ContactChannel,
    pub contact_email: Option<String>,
    pub web_form_url: Option<String>,
    pub languages: String,
    pub notes: Option<String>,
}

pub async fn update(
    tx: &mut WriteTx,
    id: i64,
    c: &PlatformChange,
    by: i64,
    now: Millis,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE platforms SET name = $1, hosts = $2, channel = $3, contact_email = $4, \
         web_form_url = $5, languages = $6, notes = $7, updated_at = $8, updated_by = $9 WHERE id = $10",
    )
    .bind(&c.name)
    .bind(&c.hosts)
    .bind(c.channel.as_str())
    .bind(&c.contact_email)
    .bind(&c.web_form_url)
    .bind(&c.languages)
    .bind(&c.notes)
    .bind(now)
    .bind(by)
    .bind(id)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn insert(
    tx: &mut WriteTx,
    key: &str,
    c: &PlatformChange,
    by: i64,
    now: Millis,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO platforms (key, name, hosts, channel, contact_email, web_form_url, languages, \
         notes, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(key)
    .bind(&c.name)
    .bind(&c.hosts)
    .bind(c.channel.as_str())
    .bind(&c.contact_email)
    .bind(&c.web_form_url)
    .bind(&c.languages)
    .bind(&c.notes)
    .bind(now)
    .bind(by)
    .fetch_one(tx.conn())
    .await?;
    Ok(row.try_get(0)?)
}

/// Who sends notices, and what is configured.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeSettings {
    pub sender_name: String,
    /// The team's functional mailbox; empty until an administrator sets it.
    pub sender_email: String,
    pub trusted_flagger: bool,
    pub art9_legal_basis: Option<String>,
    pub art9_authority: Option<String>,
    pub art9_redress_platform: Option<String>,
    pub art9_redress_poster: Option<String>,
    pub police_email: Option<String>,
    /// How the team keeps its independence (DSA art. 22(3)), for the year report.
    pub independence_statement: Option<String>,
    pub updated_at: Millis,
    pub updated_by: Option<i64>,
}

fn settings_from_row(row: &AnyRow) -> Result<NoticeSettings> {
    Ok(NoticeSettings {
        sender_name: row.try_get("sender_name")?,
        sender_email: row.try_get("sender_email")?,
        trusted_flagger: row.try_get::<i64, _>("trusted_flagger")? != 0,
        art9_legal_basis: row.try_get("art9_legal_basis")?,
        art9_authority: row.try_get("art9_authority")?,
        art9_redress_platform: row.try_get("art9_redress_platform")?,
        art9_redress_poster: row.try_get("art9_redress_poster")?,
        police_email: row.try_get("police_email")?,
        independence_statement: row.try_get("independence_statement")?,
        updated_at: row.try_get("updated_at")?,
        updated_by: opt_i64(row, "updated_by")?,
    })
}

const SETTINGS: &str = "SELECT sender_name, sender_email, trusted_flagger, art9_legal_basis, \
     art9_authority, art9_redress_platform, art9_redress_poster, police_email, independence_statement, updated_at, \
     updated_by FROM notice_settings WHERE id = 1";

pub async fn settings(store: &Store) -> Result<NoticeSettings> {
    let row = sqlx::query(SETTINGS).fetch_one(store.pool()).await?;
    settings_from_row(&row)
}

pub async fn settings_in(tx: &mut WriteTx) -> Result<NoticeSettings> {
    let row = sqlx::query(SETTINGS).fetch_one(tx.conn()).await?;
    settings_from_row(&row)
}

pub async fn save_settings(
    tx: &mut WriteTx,
    s: &NoticeSettings,
    by: Option<i64>,
    now: Millis,
) -> Result<()> {
    sqlx::query(
        "UPDATE notice_settings SET sender_name = $1, sender_email = $2, trusted_flagger = $3, \
         art9_legal_basis = $4, art9_authority = $5, art9_redress_platform = $6, \
         art9_redress_poster = $7, police_email = $8, updated_at = $9, updated_by = $10, \
         independence_statement = $11 WHERE id = 1",
    )
    .bind(&s.sender_name)
    .bind(&s.sender_email)
    .bind(i64::from(s.trusted_flagger))
    .bind(&s.art9_legal_basis)
    .bind(&s.art9_authority)
    .bind(&s.art9_redress_platform)
    .bind(&s.art9_redress_poster)
    .bind(&s.police_email)
    .bind(now)
    .bind(by)
    .bind(&s.independence_statement)
    .execute(tx.conn())
    .await?;
    Ok(())
}
