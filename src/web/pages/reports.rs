//! Reporting: the report form, "Mijn meldingen", one report, withdrawal and evidence
//! downloads.

use crate::domain::message::Message;
use std::collections::HashMap;

use crate::web::extract::{Path, Query};
use askama::Template;
use axum::body::Body;
use axum::extract::Multipart;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{render, render_status};
use crate::domain::audit::AuditAction;
use crate::domain::case::CaseStatus;
use crate::domain::evidence::EvidenceKind;
use crate::domain::org::municipalities_2025;
use crate::domain::policy::{authorize, Action};
use crate::domain::report::{
    reporter_status, Category, Channel, LinkDraft, ReportDraft, ReportStatus, ReporterStatus,
    Urgency,
};
use crate::service::intake::{self, Submission, Upload};
use crate::service::ServiceError;
use crate::store::reports::{self, Report};
use crate::store::{orgs, StoreError};
use crate::web::ctx::Page;
use crate::web::error::{Failure, PageError};
use crate::web::forms::{FieldErrors, Form};
use crate::web::i18n::Tr;
use crate::web::layout::{local_time, Layout};

/// Link rows on the form (the API takes up to `MAX_LINKS`).
const FORM_LINKS: usize = 5;
const PAGE_SIZE: i64 = 50;

pub fn category_label(tr: &Tr, c: Category) -> &'static str {
    if tr.is_en() {
        c.label_en()
    } else {
        c.label_nl()
    }
}

/// A case's categories in the person's language, comma-separated.
pub fn categories_label(tr: &Tr, categories: &[Category]) -> String {
    categories
        .iter()
        .map(|k| category_label(tr, *k))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn urgency_label(tr: &Tr, u: Urgency) -> &'static str {
    if tr.is_en() {
        u.label_en()
    } else {
        u.label_nl()
    }
}

pub fn status_label(tr: &Tr, s: crate::domain::case::CaseStatus) -> &'static str {
    if tr.is_en() {
        s.label_en()
    } else {
        s.label_nl()
    }
}

pub struct LinkRow {
    n: usize,
    url: String,
    remark: String,
    content_text: String,
    /// Shown without the reporter asking for it ("Nog een link"): the first row, and every
    /// row up to the last one that holds something or an error.
    shown: bool,
}

#[derive(Template)]
#[template(path = "report_form.html")]
struct FormPage {
    layout: Layout,
    errors: FieldErrors,
    links: Vec<LinkRow>,
    categories: Vec<(&'static str, &'static str)>,
    urgencies: Vec<(&'static str, &'static str)>,
    municipalities: Vec<(String, String)>,
    d: ReportDraft,
    files_dropped: bool,
    max_mb: usize,
}

fn form_page(p: &Page, d: ReportDraft, errors: FieldErrors, files_dropped: bool) -> FormPage {
    let used = |n: usize| {
        let l = d.links.get(n - 1);
        l.is_some_and(|l| !l.url.is_empty() || !l.remark.is_empty() || !l.content_text.is_empty())
            || ["link_url_", "link_remark_", "link_text_", "evidence_"]
                .iter()
                .any(|f| errors.get(&format!("{f}{n}")).is_some())
    };
    let last_used = (1..=FORM_LINKS).filter(|n| used(*n)).max().unwrap_or(1);
    let links = (1..=FORM_LINKS)
        .map(|n| {
            let l = d.links.get(n - 1).cloned().unwrap_or_default();
            LinkRow {
                n,
                url: l.url,
                remark: l.remark,
                content_text: l.content_text,
                shown: n <= last_used,
            }
        })
        .collect();
    FormPage {
        layout: p.layout(p.tr.t("report_new_title")),
        errors,
        links,
        categories: Category::ALL
            .iter()
            .map(|c| (c.as_str(), category_label(&p.tr, *c)))
            .collect(),
        urgencies: Urgency::ALL
            .iter()
            .map(|u| (u.as_str(), urgency_label(&p.tr, *u)))
            .collect(),
        municipalities: {
            let mut list: Vec<(String, String)> = municipalities_2025()
                .unwrap_or_default()
                .into_iter()
                .map(|m| (m.code.as_str().to_string(), m.name))
                .collect();
            crate::domain::org::sort_by_name(&mut list);
            list
        },
        d,
        files_dropped,
        max_mb: p.state.config.evidence_max_bytes / 1_000_000,
    }
}

pub async fn form(p: Page) -> Result<Response, PageError> {
    p.authorize(Action::SubmitReport).await?;
    let org = orgs::get(&p.state.store, p.user.org_id).await?;
    let draft = ReportDraft {
        municipality: org.code.clone(),
        on_behalf_of: match &org.mayor {
            Some(m) => format!("{m}, burgemeester van {}", org.name),
            None => format!("De burgemeester van {}", org.name),
        },
        ..Default::default()
    };
    render(&form_page(&p, draft, FieldErrors::default(), false))
}

/// The most of one text field that is read: more than any field may hold.
const FIELD_BYTES: usize = 4 * crate::domain::report::MAX_CONTENT_TEXT + 4;

/// Reads the multipart form: text fields and evidence files.
async fn read_form(
    mut multipart: Multipart,
) -> Result<(HashMap<String, String>, Vec<Upload>), PageError> {
    let mut fields = HashMap::new();
    let mut uploads = Vec::new();
    let too_large_or_bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            PageError(Failure::TooLarge)
        } else {
            PageError::bad_request(Message::new("web.upload_incomplete"))
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(too_large_or_bad)? {
        let name = field.name().unwrap_or_default().to_string();
        if let Some(n) = name.strip_prefix("evidence_") {
            let file_name = field.file_name().unwrap_or_default().to_string();
            let bytes = field.bytes().await.map_err(too_large_or_bad)?;
            if file_name.is_empty() && bytes.is_empty() {
                continue; // an empty file input
            }
            uploads.push(Upload {
                field: name.clone(),
                file_name,
                bytes,
                link_position: n.parse().ok(),
            });
        } else {
            let mut text = field.text().await.map_err(too_large_or_bad)?;
            // No field may hold this much (the longest, a content text, holds 20,000
            // characters: at most 80,000 bytes). Kept cut short, so that the form's own rules
            // answer with the field's limit instead of a bare "too large".
            if text.len() > FIELD_BYTES {
                let mut end = FIELD_BYTES;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                text.truncate(end);
            }
            fields.insert(name, text);
        }
    }
    Ok((fields, uploads))
}

fn draft_from(fields: &HashMap<String, String>) -> ReportDraft {
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    ReportDraft {
        links: (1..=FORM_LINKS)
            .map(|n| LinkDraft {
                url: get(&format!("link_url_{n}")),
                remark: get(&format!("link_remark_{n}")),
                content_text: get(&format!("link_text_{n}")),
            })
            .collect(),
        category: get("category"),
        summary: get("summary"),
        municipality: get("municipality"),
        place: get("place"),
        date: get("date"),
        time_from: get("time_from"),
        time_to: get("time_to"),
        size: get("size"),
        urgency: get("urgency"),
        justification: get("justification"),
        on_behalf_of: get("on_behalf_of"),
    }
}

pub async fn submit(p: Page, multipart: Multipart) -> Result<Response, PageError> {
    p.authorize(Action::SubmitReport).await?;
    let (fields, uploads) = read_form(multipart).await?;
    let draft = draft_from(&fields);
    let ctx = p.ctx();
    let had_files = !uploads.is_empty();
    let valid = match intake::check(&draft, ctx.now) {
        Ok(v) => v,
        Err(errors) => {
            let page = form_page(&p, draft, FieldErrors::rejected(&p.tr, &errors), had_files);
            return render_status(StatusCode::BAD_REQUEST, &page);
        }
    };
    // Files come per form row; the stored link position counts only filled rows.
    let filled: Vec<usize> = draft
        .links
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.url.trim().is_empty() || !l.remark.trim().is_empty())
        .map(|(i, _)| i + 1)
        .collect();
    let mut uploads = uploads;
    for u in &mut uploads {
        let row = u
            .link_position
            .filter(|n| (1..=FORM_LINKS as i64).contains(n));
        if row.is_none() {
            return Err(PageError::bad_request(
                Message::new("web.unknown_file_field").with("field", &u.field),
            ));
        }
        u.link_position = row.and_then(|n| {
            filled
                .iter()
                .position(|r| *r as i64 == n)
                .map(|p| p as i64 + 1)
        });
    }
    let evidence = match intake::store_evidence(
        &p.state.evidence,
        uploads,
        p.state.config.evidence_max_bytes,
    )
    .await
    {
        Ok(e) => e,
        Err(ServiceError::Rejected(errors)) => {
            let page = form_page(&p, draft, FieldErrors::rejected(&p.tr, &errors), had_files);
            return render_status(StatusCode::BAD_REQUEST, &page);
        }
        Err(e) => return Err(e.into()),
    };
    let receipt = p
        .state
        .intake
        .submit(
            &ctx,
            Submission {
                org_id: p.user.org_id,
                reporter_user_id: Some(p.user.id),
                api_token_id: None,
                channel: Channel::WebForm,
                report: valid,
                evidence,
                idempotency: None,
            },
        )
        .await?;
    Ok(Redirect::to(&format!("/meldingen/{}?ontvangen=1", receipt.report_id)).into_response())
}

pub struct ReportRow {
    id: i64,
    reference: String,
    created: String,
    category: &'static str,
    urgency: &'static str,
    /// The report's one plain status.
    status: ReporterStatus,
    by: String,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<ReportRow>,
    prev_href: Option<String>,
    next_href: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pagina: Option<i64>,
}

pub async fn list(p: Page, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    p.authorize(Action::ListOwnReports).await?;
    let page = q.pagina.unwrap_or(1).max(1);
    let mut found = reports::list_by_org(
        &p.state.store,
        p.user.org_id,
        PAGE_SIZE + 1,
        (page - 1) * PAGE_SIZE,
    )
    .await?;
    let has_next = found.len() as i64 > PAGE_SIZE;
    found.truncate(PAGE_SIZE as usize);
    let ids: Vec<i64> = found.iter().map(|r| r.id).collect();
    let statuses = reports::case_statuses(&p.state.store, &ids).await?;
    let rows = found
        .into_iter()
        .map(|r| ReportRow {
            id: r.id,
            created: local_time(r.created_at),
            category: category_label(&p.tr, r.category),
            urgency: urgency_label(&p.tr, r.urgency),
            status: {
                let cases: Vec<CaseStatus> = statuses
                    .iter()
                    .filter(|(id, _)| *id == r.id)
                    .map(|(_, s)| *s)
                    .collect();
                reporter_status(r.status, &cases)
            },
            by: r.reporter_name.unwrap_or_else(|| "API".into()),
            reference: r.reference,
        })
        .collect();
    render(&ListPage {
        layout: p.layout(p.tr.t("reports_title")),
        rows,
        prev_href: (page > 1).then(|| format!("/meldingen?pagina={}", page - 1)),
        next_href: has_next.then(|| format!("/meldingen?pagina={}", page + 1)),
    })
}

pub struct LinkView {
    position: i64,
    submitted_url: String,
    canonical_url: String,
    platform: &'static str,
    remark: String,
    case_id: i64,
    case_reference: String,
    /// This link's plain status (the same rule as the report's).
    status: ReporterStatus,
    /// The outcome in plain Dutch (decision, notice, platform's answer).
    outcome: Vec<String>,
    /// The team already knows this content (a copy was taken down after a notice).
    known: bool,
}

pub struct EvidenceView {
    id: i64,
    file_name: String,
    kind: &'static str,
    size: String,
    link: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ShowPage {
    layout: Layout,
    received: bool,
    withdrawn_now: bool,
    r: Report,
    created: String,
    category: &'static str,
    urgency: &'static str,
    status: ReporterStatus,
    /// When the team decides at the latest (empty when nothing waits for a decision).
    deadline: String,
    withdrawn_at: String,
    expected_municipality: String,
    links: Vec<LinkView>,
    evidence: Vec<EvidenceView>,
    can_withdraw: bool,
    sees_cases: bool,
    situations: Vec<super::situations::ReportSituation>,
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    #[serde(default)]
    ontvangen: Option<u8>,
    #[serde(default)]
    ingetrokken: Option<u8>,
}

fn size_label(bytes: i64) -> String {
    if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1_000_000.0)
    } else {
        format!("{} kB", (bytes + 999) / 1000)
    }
}

fn kind_label(k: EvidenceKind) -> &'static str {
    match k {
        EvidenceKind::Png => "PNG",
        EvidenceKind::Jpeg => "JPEG",
        EvidenceKind::WebP => "WebP",
        EvidenceKind::Pdf => "PDF",
        EvidenceKind::Mp4 => "MP4",
    }
}

async fn load_report(p: &Page, id: i64) -> Result<Report, PageError> {
    let r = reports::get(&p.state.store, id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => PageError::not_found(),
            e => e.into(),
        })?;
    p.authorize_object(Action::ViewReport { org_id: r.org_id })
        .await?;
    Ok(r)
}

async fn show_page(p: &Page, r: Report, q: &ShowQuery) -> Result<ShowPage, PageError> {
    let store = &p.state.store;
    let mut links = Vec::new();
    let found = reports::links(store, r.id).await?;
    let statuses: Vec<CaseStatus> = found.iter().map(|l| l.case_status).collect();
    let status = reporter_status(r.status, &statuses);
    // The next deadline among the cases still waiting for a decision.
    let deadline = found
        .iter()
        .filter(|l| l.case_status.awaits_decision())
        .filter_map(|l| l.case_deadline_at)
        .min()
        .map(local_time)
        .unwrap_or_default();
    for l in found {
        links.push(LinkView {
            position: l.position,
            platform: l.platform.label(),
            remark: l.remark.unwrap_or_default(),
            status: reporter_status(r.status, &[l.case_status]),
            known: l.known_copy,
            outcome: crate::service::notices::outcome_lines(store, l.case_id).await?,
            submitted_url: l.submitted_url,
            canonical_url: l.canonical_url,
            case_id: l.case_id,
            case_reference: l.case_reference,
        });
    }
    let evidence = reports::evidence_of_report(store, r.id)
        .await?
        .into_iter()
        .map(|e| EvidenceView {
            id: e.id,
            kind: kind_label(e.kind),
            size: size_label(e.size_bytes),
            link: e.link_position.map(|n| n.to_string()).unwrap_or_default(),
            file_name: e.file_name,
        })
        .collect();
    let case_ids: Vec<i64> = links.iter().map(|l| l.case_id).collect();
    let situations = super::situations::of_cases(p, &case_ids, r.org_id).await?;
    let expected_municipality = r
        .exp_municipality_code
        .as_deref()
        .map(|code| intake::municipality_name(code).unwrap_or(code).to_string())
        .unwrap_or_default();
    Ok(ShowPage {
        layout: p.layout(&r.reference),
        received: q.ontvangen.is_some(),
        withdrawn_now: q.ingetrokken.is_some(),
        created: local_time(r.created_at),
        category: category_label(&p.tr, r.category),
        urgency: urgency_label(&p.tr, r.urgency),
        status,
        deadline,
        withdrawn_at: r.withdrawn_at.map(local_time).unwrap_or_default(),
        can_withdraw: r.status == ReportStatus::Active
            && authorize(&p.actor, Action::WithdrawReport { org_id: r.org_id }).is_ok(),
        sees_cases: authorize(&p.actor, Action::ViewCases).is_ok(),
        expected_municipality,
        links,
        evidence,
        situations,
        r,
    })
}

pub async fn show(
    p: Page,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, PageError> {
    let r = load_report(&p, id).await?;
    p.record_view(AuditAction::ViewedReport, "report", r.id, Some(r.org_id))
        .await?;
    let page = show_page(&p, r, &q).await?;
    render(&page)
}

#[derive(Template)]
#[template(path = "report_withdraw.html")]
struct WithdrawPage {
    layout: Layout,
    errors: FieldErrors,
    r: Report,
    reason: String,
}

fn withdraw_page(p: &Page, r: Report, errors: FieldErrors, reason: String) -> WithdrawPage {
    WithdrawPage {
        layout: p.layout(&format!("{} {}", p.tr.t("withdraw_title"), r.reference)),
        errors,
        r,
        reason,
    }
}

/// The confirmation page before a report is withdrawn: what it means, and the reason.
pub async fn withdraw_form(p: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let r = load_report(&p, id).await?;
    p.authorize_object(Action::WithdrawReport { org_id: r.org_id })
        .await?;
    if r.status == ReportStatus::Withdrawn {
        return Ok(Redirect::to(&format!("/meldingen/{id}")).into_response());
    }
    render(&withdraw_page(&p, r, FieldErrors::default(), String::new()))
}

#[derive(Deserialize, Default)]
pub struct WithdrawForm {
    #[serde(default)]
    reason: String,
}

pub async fn withdraw(
    p: Page,
    Path(id): Path<i64>,
    Form(f): Form<WithdrawForm>,
) -> Result<Response, PageError> {
    let r = load_report(&p, id).await?;
    p.authorize_object(Action::WithdrawReport { org_id: r.org_id })
        .await?;
    match intake::withdraw(
        &p.state.store,
        &p.state.intake_settings,
        &p.ctx(),
        id,
        &f.reason,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/meldingen/{id}?ingetrokken=1")).into_response()),
        Err(ServiceError::Rejected(errors)) => {
            let page = withdraw_page(&p, r, FieldErrors::rejected(&p.tr, &errors), f.reason);
            render_status(StatusCode::BAD_REQUEST, &page)
        }
        Err(e) => Err(e.into()),
    }
}

/// An evidence record the person may see, or 404 / 403.
async fn evidence_record(p: &Page, id: i64) -> Result<reports::Evidence, PageError> {
    let e = reports::evidence(&p.state.store, id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => PageError::not_found(),
            e => e.into(),
        })?;
    p.authorize_object(Action::DownloadEvidence {
        org_id: e.report_org_id,
    })
    .await?;
    Ok(e)
}

/// The stored bytes of an evidence file, checked against the hash recorded at intake.
async fn evidence_bytes(p: &Page, e: &reports::Evidence) -> Result<bytes::Bytes, PageError> {
    let bytes = p.state.evidence.get(&e.sha256).await.map_err(|err| {
        tracing::error!(evidence = e.id, error = %err, "evidence file unavailable");
        PageError(Failure::Unavailable(None))
    })?;
    if crate::domain::credentials::sha256_hex_bytes(&bytes) != e.sha256 {
        tracing::error!(
            evidence = e.id,
            "evidence file does not match its recorded hash"
        );
        return Err(PageError(Failure::Internal));
    }
    Ok(bytes)
}

#[derive(Template)]
#[template(path = "evidence.html")]
struct EvidencePage {
    layout: Layout,
    e: reports::Evidence,
    report_reference: String,
    kind: &'static str,
    size: String,
    received: String,
    has_preview: bool,
}

/// What meldpunt holds about one evidence file: a preview when it is an image, its
/// fingerprint (SHA-256) and where it came from, and the download.
pub async fn evidence_page(p: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let e = evidence_record(&p, id).await?;
    let report = reports::get(&p.state.store, e.report_id).await?;
    p.record_view(
        AuditAction::ViewedEvidence,
        "evidence",
        e.id,
        Some(e.report_org_id),
    )
    .await?;
    render(&EvidencePage {
        layout: p.layout(&e.file_name),
        report_reference: report.reference,
        kind: kind_label(e.kind),
        size: size_label(e.size_bytes),
        received: local_time(e.created_at),
        has_preview: crate::service::thumbnail::has_preview(e.kind),
        e,
    })
}

/// A small PNG preview of image evidence, decoded within limits and re-encoded (see
/// `service::thumbnail`); 404 for files that are not images or cannot be previewed.
pub async fn evidence_preview(p: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let e = evidence_record(&p, id).await?;
    if !crate::service::thumbnail::has_preview(e.kind) {
        return Err(PageError::not_found());
    }
    let bytes = evidence_bytes(&p, &e).await?;
    let kind = e.kind;
    let png =
        tokio::task::spawn_blocking(move || crate::service::thumbnail::preview_png(kind, &bytes))
            .await
            .map_err(|_| PageError(Failure::Internal))?
            .map_err(|err| {
                tracing::warn!(evidence = e.id, error = %err, "no preview for evidence");
                PageError::not_found()
            })?;
    p.record_view(
        AuditAction::ViewedEvidence,
        "evidence",
        e.id,
        Some(e.report_org_id),
    )
    .await?;
    Ok(file_response(png, "image/png"))
}

/// A file from the evidence store as a response: its type, no script or embedding
/// (sandboxed), never cached beyond this browser.
fn file_response(bytes: impl Into<Body>, media_type: &'static str) -> Response {
    let mut res = Response::new(bytes.into());
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    res
}

/// An evidence file, always as a download: never shown inside meldpunt's pages.
pub async fn download_evidence(p: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let e = evidence_record(&p, id).await?;
    let bytes = evidence_bytes(&p, &e).await?;
    p.record_view(
        AuditAction::EvidenceDownloaded,
        "evidence",
        e.id,
        Some(e.report_org_id),
    )
    .await?;
    let mut res = file_response(bytes, e.kind.media_type());
    let h = res.headers_mut();
    // Also for files stored before the extension followed the kind.
    let name = crate::domain::evidence::safe_file_name(&e.file_name, e.kind);
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        urlencoding::encode(&name)
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
