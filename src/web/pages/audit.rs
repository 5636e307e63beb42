//! The audit trail for auditors: browse, filter, export (itself audited), verify.

use crate::domain::message::Message;
use crate::web::extract::Query;
use crate::web::i18n::Tr;
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{download, render, render_status};
use crate::domain::audit::{AuditAction, AuditRecord, Outcome};
use crate::domain::iso_time;
use crate::domain::policy::{audit_scope, Action, AuditScope};
use crate::store::audit::{self, AuditFilter};
use crate::web::ctx::Page;
use crate::web::error::{Failure, PageError};
use crate::web::forms::FieldErrors;
use crate::web::layout::{local_time, Layout};

const PAGE_SIZE: i64 = 100;
/// The most entries one export holds; narrow the filter for more.
pub const EXPORT_LIMIT: i64 = 100_000;

#[derive(Deserialize, Default, Clone)]
pub struct AuditQuery {
    #[serde(default)]
    pub handeling: String,
    #[serde(default)]
    pub door: String,
    #[serde(default)]
    pub resultaat: String,
    #[serde(default)]
    pub van: String,
    #[serde(default)]
    pub tot: String,
    #[serde(default)]
    pub voor: Option<i64>,
}

impl AuditQuery {
    /// The query string of the filter (without paging).
    fn query_string(&self) -> String {
        format!(
            "handeling={}&door={}&resultaat={}&van={}&tot={}",
            urlencoding::encode(&self.handeling),
            urlencoding::encode(&self.door),
            urlencoding::encode(&self.resultaat),
            urlencoding::encode(&self.van),
            urlencoding::encode(&self.tot),
        )
    }

    /// Turns the form into a store filter; bad dates become field errors.
    fn to_filter(&self, tr: &Tr) -> Result<AuditFilter, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut date = |field: &str, value: &str, next_day: bool| -> Option<i64> {
            if value.trim().is_empty() {
                return None;
            }
            match parse_day(value.trim(), next_day) {
                Some(ms) => Some(ms),
                None => {
                    errors.add(field, tr.message(&Message::new("web.audit_date_format")));
                    None
                }
            }
        };
        let from = date("van", &self.van, false);
        let until = date("tot", &self.tot, true);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(AuditFilter {
            action: AuditAction::parse(&self.handeling).map(|a| a.as_str().to_string()),
            actor: Some(self.door.trim().to_string()).filter(|s| !s.is_empty()),
            org_id: None,
            outcome: Outcome::parse(&self.resultaat).map(|o| o.as_str().to_string()),
            from,
            until,
        })
    }
}

/// Midnight (Europe/Amsterdam) at the start of the day, or of the next day.
fn parse_day(s: &str, next_day: bool) -> Option<i64> {
    let date: jiff::civil::Date = s.parse().ok()?;
    let date = if next_day {
        date.tomorrow().ok()?
    } else {
        date
    };
    let tz = jiff::tz::TimeZone::get("Europe/Amsterdam").ok()?;
    Some(date.to_zoned(tz).ok()?.timestamp().as_millisecond())
}

pub struct Row {
    seq: i64,
    when: String,
    actor: String,
    action: String,
    object: String,
    outcome: String,
    origin: String,
    details: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    errors: FieldErrors,
    f: AuditQuery,
    scoped: bool,
    action_options: Vec<&'static str>,
    outcome_options: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
    query: String,
    has_newer: bool,
    older_href: Option<String>,
}

async fn scope(p: &Page, action: Action) -> Result<AuditScope, PageError> {
    p.authorize(action).await?;
    audit_scope(&p.actor).map_err(|_| PageError::forbidden())
}

pub async fn list(p: Page, Query(q): Query<AuditQuery>) -> Result<Response, PageError> {
    let scope = scope(&p, Action::ViewAuditTrail).await?;
    let (filter, errors) = match q.to_filter(&p.tr) {
        Ok(f) => (f, FieldErrors::default()),
        Err(e) => (AuditFilter::default(), e),
    };
    let records = audit::list(&p.state.store, scope, &filter, PAGE_SIZE, q.voor).await?;
    p.record_view(
        AuditAction::ViewedAuditTrail,
        "audit_log",
        q.voor.unwrap_or(0),
        None,
    )
    .await?;
    let query = q.query_string();
    let older_href = (records.len() as i64 == PAGE_SIZE)
        .then(|| {
            records
                .last()
                .map(|r| format!("/audit?{query}&voor={}", r.seq))
        })
        .flatten();
    let tr = p.tr;
    let page = AuditPage {
        layout: p.layout(tr.t("audit_title")),
        errors: errors.clone(),
        scoped: scope != AuditScope::All,
        action_options: AuditAction::ALL.iter().map(|a| a.as_str()).collect(),
        outcome_options: vec![
            ("success", tr.t("outcome_success")),
            ("failure", tr.t("outcome_failure")),
            ("denied", tr.t("outcome_denied")),
        ],
        rows: records
            .into_iter()
            .map(|r| Row {
                seq: r.seq,
                when: local_time(r.at),
                actor: r.actor_label,
                action: r.action,
                object: format!("{} {}", r.object_type, r.object_id),
                outcome: match r.outcome.as_str() {
                    "success" => tr.t("outcome_success").into(),
                    "denied" => tr.t("outcome_denied").into(),
                    _ => tr.t("outcome_failure").into(),
                },
                origin: r.origin,
                details: r.details,
            })
            .collect(),
        query,
        has_newer: q.voor.is_some(),
        older_href,
        f: q,
    };
    if errors.is_empty() {
        render(&page)
    } else {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    }
}

/// Fetches what an export holds and records the export in the same breath.
async fn export_records(
    p: &Page,
    q: &AuditQuery,
    format: &str,
) -> Result<Vec<AuditRecord>, PageError> {
    let scope = scope(p, Action::ExportAuditTrail).await?;
    let filter = q
        .to_filter(&p.tr)
        .map_err(|_| PageError::bad_request(Message::new("web.audit_date_format")))?;
    let records = audit::list(&p.state.store, scope, &filter, EXPORT_LIMIT, None).await?;
    let ctx = p.ctx();
    let event = ctx.event(
        AuditAction::ExportedAuditTrail,
        "audit_log",
        format,
        None,
        Outcome::Success,
        json!({"entries": records.len(), "filter": q.query_string()}),
    );
    audit::record(&p.state.store, &event, ctx.now).await?;
    Ok(records)
}

pub async fn export_csv(p: Page, Query(q): Query<AuditQuery>) -> Result<Response, PageError> {
    let records = export_records(&p, &q, "csv").await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "seq",
        "at",
        "actor_user_id",
        "actor",
        "org_id",
        "action",
        "object_type",
        "object_id",
        "outcome",
        "origin",
        "details",
        "prev_hash",
        "hash",
    ];
    let write = |w: &mut csv::Writer<Vec<u8>>| -> Result<(), csv::Error> {
        w.write_record(header)?;
        for r in &records {
            w.write_record([
                r.seq.to_string(),
                iso_time(r.at),
                r.actor_user_id.map(|x| x.to_string()).unwrap_or_default(),
                neutralise_formula(&r.actor_label),
                r.org_id.map(|x| x.to_string()).unwrap_or_default(),
                r.action.clone(),
                r.object_type.clone(),
                neutralise_formula(&r.object_id),
                r.outcome.clone(),
                r.origin.clone(),
                neutralise_formula(&r.details),
                r.prev_hash.clone(),
                r.hash.clone(),
            ])?;
        }
        Ok(())
    };
    write(&mut w).map_err(|_| PageError(Failure::Internal))?;
    let body = w.into_inner().map_err(|_| PageError(Failure::Internal))?;
    Ok(download(
        body,
        "text/csv; charset=utf-8",
        "meldpunt-audittrail.csv",
    ))
}

/// Spreadsheet programs run cells that start with these characters as formulas.
fn neutralise_formula(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

pub async fn export_json(p: Page, Query(q): Query<AuditQuery>) -> Result<Response, PageError> {
    let records = export_records(&p, &q, "json").await?;
    let entries: Vec<_> = records
        .iter()
        .map(|r| {
            json!({
                "seq": r.seq,
                "at": iso_time(r.at),
                "at_ms": r.at,
                "actor_user_id": r.actor_user_id,
                "actor": r.actor_label,
                "org_id": r.org_id,
                "action": r.action,
                "object_type": r.object_type,
                "object_id": r.object_id,
                "outcome": r.outcome,
                "origin": r.origin,
                "details": r.details,
                "prev_hash": r.prev_hash,
                "hash": r.hash,
            })
        })
        .collect();
    let body = serde_json::to_vec_pretty(&json!({ "entries": entries }))
        .map_err(|_| PageError(Failure::Internal))?;
    Ok(download(
        body,
        "application/json",
        "meldpunt-audittrail.json",
    ))
}

#[derive(Template)]
#[template(path = "audit_verify.html")]
struct VerifyPage {
    layout: Layout,
    fault: Option<String>,
    entries: usize,
    head: String,
}

/// Verifies the whole chain (auditors of the central team).
pub async fn verify(p: Page) -> Result<Response, PageError> {
    let scope = scope(&p, Action::ViewAuditTrail).await?;
    if scope != AuditScope::All {
        return Err(PageError::forbidden());
    }
    let result = audit::verify(&p.state.store, None).await?;
    let (fault, entries, head) = match result {
        Ok(v) => (
            None,
            v.entries,
            v.head.map(|h| h.to_string()).unwrap_or_default(),
        ),
        Err(f) => (
            Some(f.to_string()),
            audit::count(&p.state.store).await? as usize,
            audit::recorded_head(&p.state.store)
                .await?
                .map(|h| h.to_string())
                .unwrap_or_default(),
        ),
    };
    render(&VerifyPage {
        layout: p.layout(p.tr.t("verify_chain")),
        fault,
        entries,
        head,
    })
}
