//! Intake: a municipality's report becomes a stored report, joined per link to the
//! one case for that content, with evidence, audit entries and notifications — all in
//! one transaction.
//!
//! Reports are committed in batches: an [`Intake`] worker takes every report waiting
//! at that moment, applies each inside its own savepoint (so one failure does not undo
//! the others), commits once, and only then answers each caller. A durable commit
//! costs an fsync, so this is what lets SQLite with `synchronous=FULL` take more than a
//! few hundred reports a second; no caller hears "stored" before its commit is durable.

use bytes::Bytes;
use serde_json::json;
use tokio::sync::{mpsc, oneshot};

use super::history::{change_status, opened, record, Move};
use super::{Ctx, Result, ServiceError, Settings};
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::case::{
    figures, transition, CaseEventKind, CaseFigures, CaseStatus, Mover, ReportFacts,
};
use crate::domain::credentials::{sha256_hex, sha256_hex_bytes};
use crate::domain::evidence::{check_pixels, safe_file_name, sniff, EvidenceKind};
use crate::domain::link::CanonicalLink;
use crate::domain::matching::PrintKind;
use crate::domain::message::Message;
use crate::domain::report::{
    check_withdrawal_reason, dutch_year, reference, validate, Channel, FieldError,
    HandlingDeadlines, ReportDraft, ReportStatus, Urgency, ValidReport, MAX_FILES,
};
use crate::domain::search::{self as search_words, SearchSource};
use crate::domain::Millis;
use crate::objects::EvidenceStore;
use crate::service::matching::{image_print_blocking, text_print, Made, Matcher};
use crate::store::cases;
use crate::store::matching::{self as prints, NewPrint};
use crate::store::reports::{self, NewEvidence, NewReport, ReportLink};
use crate::store::search::{self, NewText};
use crate::store::{audit, notify, Store, StoreError, WriteTx};

pub fn is_known_municipality(code: &str) -> bool {
    crate::domain::org::municipality(code).is_some()
}

/// The name of the municipality with this CBS code.
pub fn municipality_name(code: &str) -> Option<&'static str> {
    crate::domain::org::municipality(code).map(|m| m.name.as_str())
}

/// Checks a draft against every rule.
pub fn check(
    draft: &ReportDraft,
    now: Millis,
) -> std::result::Result<ValidReport, Vec<FieldError>> {
    validate(draft, &is_known_municipality, now)
}

/// An uploaded file, before it is checked.
pub struct Upload {
    /// The form field it came in (`evidence_2`) or `evidence` for the API.
    pub field: String,
    pub file_name: String,
    pub bytes: Bytes,
    /// The link (1-based) it belongs to, if any.
    pub link_position: Option<i64>,
}

/// An evidence file checked and stored in the object store.
#[derive(Debug, Clone)]
pub struct StoredEvidence {
    pub sha256: String,
    pub size_bytes: i64,
    pub kind: EvidenceKind,
    pub file_name: String,
    pub link_position: Option<i64>,
    /// What it is compared with other content by (an image's PDQ hashes), or why not.
    pub print: Made,
}

/// Checks every upload by content and puts the accepted ones in the object store.
/// Content-addressed storage makes an upload of a report that is later refused
/// harmless: the bytes are only reachable through a stored evidence record.
pub async fn store_evidence(
    objects: &EvidenceStore,
    uploads: Vec<Upload>,
    max_bytes: usize,
) -> Result<Vec<StoredEvidence>> {
    if uploads.len() > MAX_FILES {
        return Err(ServiceError::Rejected(vec![FieldError {
            field: uploads[0].field.clone(),
            message: Message::new("evidence.too_many_files").with("max", MAX_FILES),
        }]));
    }
    let mut errors = Vec::new();
    let mut checked = Vec::new();
    for u in uploads {
        // An image's declared size is checked on its header, before anything decodes it.
        let checked_kind = sniff(&u.bytes, max_bytes).and_then(|kind| {
            match crate::service::thumbnail::declared_size(kind, &u.bytes) {
                Some((w, h)) => check_pixels(w, h).map(|()| kind),
                None => Ok(kind),
            }
        });
        match checked_kind {
            Ok(kind) => checked.push((u, kind)),
            Err(e) => errors.push(FieldError {
                field: u.field.clone(),
                message: e.message(&safe_file_name(&u.file_name, EvidenceKind::Png)),
            }),
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::Rejected(errors));
    }
    let mut stored = Vec::new();
    for (u, kind) in checked {
        let sha256 = sha256_hex_bytes(&u.bytes);
        let print = image_print_blocking(kind, u.bytes.clone()).await;
        objects.put(&sha256, u.bytes.clone()).await.map_err(|e| {
            // Logged once per episode by the storage health (web::middleware).
            tracing::debug!(error = %e, "evidence could not be stored");
            ServiceError::Store(StoreError::Unavailable(format!("evidence store: {e}")))
        })?;
        stored.push(StoredEvidence {
            sha256,
            size_bytes: u.bytes.len() as i64,
            kind,
            file_name: safe_file_name(&u.file_name, kind),
            link_position: u.link_position,
            print,
        });
    }
    Ok(stored)
}

/// A report ready to be stored.
#[derive(Debug, Clone)]
pub struct Submission {
    /// The reporting municipality.
    pub org_id: i64,
    pub reporter_user_id: Option<i64>,
    pub api_token_id: Option<i64>,
    pub channel: Channel,
    pub report: ValidReport,
    pub evidence: Vec<StoredEvidence>,
    /// `Idempotency-Key` and a hash of the request it came with.
    pub idempotency: Option<(String, String)>,
}

/// What the reporter gets back at once.
#[derive(Debug, Clone, PartialEq)]
pub struct Receipt {
    pub report_id: i64,
    pub reference: String,
    /// True when an earlier request with the same idempotency key made this report.
    pub replayed: bool,
    /// Each link with its case as it stood at commit (empty for a replay).
    pub links: Vec<ReportLink>,
}

struct Job {
    ctx: Ctx,
    submission: Submission,
    reply: oneshot::Sender<Result<Receipt>>,
}

/// The intake worker's front door. Cheap to clone.
#[derive(Clone)]
pub struct Intake {
    jobs: mpsc::Sender<Job>,
}

impl Intake {
    /// Starts the worker on the current Tokio runtime. It stops when the last
    /// `Intake` handle is dropped.
    pub fn start(store: Store, settings: Settings) -> Intake {
        let (jobs, rx) = mpsc::channel(4 * settings.max_batch.max(1));
        let matcher = Matcher::new(settings.matching);
        tokio::spawn(worker(store, settings, matcher, rx));
        Intake { jobs }
    }

    /// Stores a report; returns once it is durably committed.
    pub async fn submit(&self, ctx: &Ctx, submission: Submission) -> Result<Receipt> {
        let (reply, answer) = oneshot::channel();
        let gone = || ServiceError::Store(StoreError::Unavailable("intake stopped".into()));
        self.jobs
            .send(Job {
                ctx: ctx.clone(),
                submission,
                reply,
            })
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

/// Under load, how long a batch waits for the rest of its round of reports.
const LINGER: std::time::Duration = std::time::Duration::from_millis(2);

/// How often the worker looks up prints another process stored but never looked up.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

async fn worker(store: Store, settings: Settings, matcher: Matcher, mut rx: mpsc::Receiver<Job>) {
    let mut last = 1;
    let mut sweep = tokio::time::interval(SWEEP_EVERY);
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let first = tokio::select! {
            job = rx.recv() => match job {
                Some(job) => job,
                None => break,
            },
            _ = sweep.tick() => {
                if let Err(e) = matcher.sweep(&store, &settings, super::now_ms()).await {
                    super::background_failure(&store, "matching", &e);
                }
                continue;
            }
        };
        let mut jobs = vec![first];
        // Under load (the last batch held several reports) wait a moment for as many as
        // last time, so that a round of reports is not split into a large batch and a
        // straggler that costs a whole commit of its own; a lone report goes at once.
        let deadline = (last > 1).then(|| tokio::time::Instant::now() + LINGER);
        while jobs.len() < settings.max_batch {
            if let Ok(job) = rx.try_recv() {
                jobs.push(job);
                continue;
            }
            let Some(deadline) = deadline.filter(|_| jobs.len() < last) else {
                break;
            };
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(job)) => jobs.push(job),
                _ => break,
            }
        }
        last = jobs.len();
        run_batch(&store, &settings, &matcher, jobs).await;
    }
}

async fn run_batch(store: &Store, settings: &Settings, matcher: &Matcher, jobs: Vec<Job>) {
    metrics::histogram!("meldpunt_intake_batch_size").record(jobs.len() as f64);
    let started = std::time::Instant::now();
    run_batch_timed(store, settings, matcher, jobs).await;
    metrics::histogram!("meldpunt_intake_batch_seconds").record(started.elapsed().as_secs_f64());
}

async fn run_batch_timed(store: &Store, settings: &Settings, matcher: &Matcher, jobs: Vec<Job>) {
    // First try: every report straight into one transaction, with the batch's lookups made
    // once. Should any report fail, or an idempotency key turn out taken, start again with
    // each report in its own savepoint, so the others still go in — unless storage itself
    // failed (a full disk): then the transaction is gone (SQLite may have rolled it back
    // already), nothing more is written in it, and every report in the batch is refused, to
    // be retried.
    match all_at_once(store, settings, &jobs).await {
        Ok(Some(results)) => return finish(store, settings, matcher, jobs, results).await,
        Ok(None) => {}
        Err(e) => {
            // Storage failed, or the commit did: each report is answered 503 (the storage
            // health logs the episode once), to be retried.
            tracing::debug!(error = %e, "intake batch could not be committed");
            for job in jobs {
                let _ = job.reply.send(Err(e.clone().into()));
            }
            return;
        }
    }
    let mut tx = match store.begin_write().await {
        Ok(tx) => tx,
        Err(e) => {
            for job in jobs {
                let _ = job.reply.send(Err(e.clone().into()));
            }
            return;
        }
    };
    let mut batch = match Batch::look_up(&mut tx, &jobs).await {
        Ok(batch) => batch,
        Err(e) => return refuse_all(jobs, e.into()),
    };
    let mut results = Vec::with_capacity(jobs.len());
    for job in &jobs {
        let result = apply_isolated(&mut tx, &mut batch, settings, &job.ctx, &job.submission).await;
        if let Err(e) = &result {
            if storage_failed(e) {
                let e = ServiceError::Store(StoreError::Unavailable(e.to_string()));
                return refuse_all(jobs, e);
            }
        }
        results.push(result);
    }
    match tx.commit().await {
        Ok(()) => finish(store, settings, matcher, jobs, results).await,
        Err(e) => {
            tracing::debug!(error = %e, "intake batch could not be committed");
            for job in jobs {
                let _ = job.reply.send(Err(e.clone().into()));
            }
        }
    }
}

/// Every report of the batch in one transaction, idempotency keys recorded at commit in one
/// statement. `None` when the batch must go one report at a time: a report failed, a key was
/// already taken (or taken twice in the batch), or taken by another instance meanwhile.
async fn all_at_once(
    store: &Store,
    settings: &Settings,
    jobs: &[Job],
) -> std::result::Result<Option<Vec<Result<Receipt>>>, StoreError> {
    let mut tx = store.begin_write().await?;
    let keys: Vec<(i64, &str)> = jobs
        .iter()
        .filter_map(|j| {
            let (key, _) = j.submission.idempotency.as_ref()?;
            Some((j.submission.org_id, key.as_str()))
        })
        .collect();
    // A key given twice in the batch: one at a time. A key taken before (a retried request,
    // rare) makes the commit fail, and the batch goes one at a time.
    let distinct: std::collections::HashSet<&(i64, &str)> = keys.iter().collect();
    if distinct.len() < keys.len() {
        return Ok(None);
    }
    tx.keep_intake_rows(jobs.len()).await?;
    let mut batch = Batch::look_up(&mut tx, jobs).await?;
    let mut results = Vec::with_capacity(jobs.len());
    for job in jobs {
        match apply(&mut tx, &mut batch, settings, &job.ctx, &job.submission).await {
            Ok(receipt) => results.push(Ok(receipt)),
            Err(ApplyError::Failed(e)) if storage_failed(&e) => {
                return Err(StoreError::Unavailable(e.to_string()))
            }
            Err(_) => return Ok(None),
        }
    }
    match tx.commit().await {
        Ok(()) => Ok(Some(results)),
        // A key another instance took meanwhile.
        Err(StoreError::Conflict) => Ok(None),
        Err(e) => Err(e),
    }
}

/// After the commit: looks up the new reports' prints (so that a copy is proposed, and a
/// re-upload recognised, by the time the reporter hears "stored"), then answers. A failed
/// look-up leaves the prints for the next sweep; the reports stay stored.
async fn finish(
    store: &Store,
    settings: &Settings,
    matcher: &Matcher,
    jobs: Vec<Job>,
    results: Vec<Result<Receipt>>,
) {
    let new_reports: Vec<i64> = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .filter(|r| !r.replayed)
        .map(|r| r.report_id)
        .collect();
    if !new_reports.is_empty() {
        let now = jobs
            .first()
            .map(|j| j.ctx.now)
            .unwrap_or_else(super::now_ms);
        let looked_up = async {
            let ids = prints::ids_of_reports(store, &new_reports).await?;
            matcher.look_up(store, settings, &ids, now).await
        };
        if let Err(e) = looked_up.await {
            super::background_failure(store, "matching", &e);
        }
    }
    answer(jobs, results)
}

fn answer(jobs: Vec<Job>, results: Vec<Result<Receipt>>) {
    for (job, result) in jobs.into_iter().zip(results) {
        let _ = job.reply.send(result);
    }
}

/// What one intake transaction knows about its batch.
struct Batch {
    /// The canonical links that have a case: those found when the transaction began, and
    /// those opened in it since. A link not here has none (unless another instance opens
    /// it meanwhile, which the insert finds), so it is not looked up one by one.
    with_case: std::collections::HashSet<String>,
}

impl Batch {
    async fn look_up(tx: &mut WriteTx, jobs: &[Job]) -> std::result::Result<Batch, StoreError> {
        let urls: Vec<&str> = jobs
            .iter()
            .flat_map(|j| j.submission.report.links.iter())
            .map(|l| l.canonical.url.as_str())
            .collect();
        Ok(Batch {
            with_case: cases::existing_urls(tx, &urls).await?,
        })
    }
}

/// Storage failed under the transaction (or its savepoint could not be undone): the
/// transaction cannot be trusted any further.
fn storage_failed(e: &ServiceError) -> bool {
    matches!(e, ServiceError::Store(StoreError::Unavailable(_)))
}

/// Answers every report of a batch with the same failure; nothing of the batch is kept.
fn refuse_all(jobs: Vec<Job>, e: ServiceError) {
    let detail = e.to_string();
    for job in jobs {
        let _ = job
            .reply
            .send(Err(ServiceError::Store(StoreError::Unavailable(
                detail.clone(),
            ))));
    }
}

/// Why a single report in a batch did not go in.
enum ApplyError {
    /// The idempotency key was taken meanwhile: answer with that request's report.
    KeyTaken,
    Failed(ServiceError),
}

impl<E: Into<ServiceError>> From<E> for ApplyError {
    fn from(e: E) -> ApplyError {
        ApplyError::Failed(e.into())
    }
}

async fn apply_isolated(
    tx: &mut WriteTx,
    batch: &mut Batch,
    settings: &Settings,
    ctx: &Ctx,
    sub: &Submission,
) -> Result<Receipt> {
    tx.savepoint().await?;
    match apply(tx, batch, settings, ctx, sub).await {
        Ok(receipt) => {
            tx.release_savepoint().await?;
            Ok(receipt)
        }
        Err(ApplyError::KeyTaken) => {
            tx.rollback_to_savepoint().await?;
            let (key, hash) = sub.idempotency.as_ref().ok_or(ServiceError::NotFound)?;
            let (first_hash, report_id) = reports::idempotent(tx, sub.org_id, key)
                .await?
                .ok_or(ServiceError::NotFound)?;
            replay(tx, &first_hash, hash, report_id).await
        }
        Err(ApplyError::Failed(e)) => {
            // A savepoint that cannot be undone means the transaction is gone.
            tx.rollback_to_savepoint()
                .await
                .map_err(|r| StoreError::Unavailable(format!("{e}; then {r}")))?;
            Err(e)
        }
    }
}

async fn replay(tx: &mut WriteTx, first_hash: &str, hash: &str, report_id: i64) -> Result<Receipt> {
    if first_hash != hash {
        return Err(ServiceError::refused("intake.idempotency_key_reused"));
    }
    let report = reports::get_in(tx, report_id).await?;
    Ok(Receipt {
        report_id,
        reference: report.reference,
        replayed: true,
        links: Vec::new(),
    })
}

async fn apply(
    tx: &mut WriteTx,
    batch: &mut Batch,
    settings: &Settings,
    ctx: &Ctx,
    sub: &Submission,
) -> std::result::Result<Receipt, ApplyError> {
    // A retried request is rare: its key is found taken when it is recorded at the end,
    // and the batch then answers it from the first request (see `apply_isolated`).
    let now = ctx.now;
    let year = dutch_year(now);
    let number = cases::next_number(tx, &format!("report-{year}")).await?;
    let reference = reference("MLD", year, number);
    let v = &sub.report;
    let report_id = reports::insert(
        tx,
        &NewReport {
            reference: &reference,
            org_id: sub.org_id,
            reporter_user_id: sub.reporter_user_id,
            api_token_id: sub.api_token_id,
            channel: sub.channel,
            report: v,
        },
        now,
    )
    .await?;
    let mut case_ids = Vec::new();
    let mut receipt_links = Vec::new();
    let mut search_texts = Vec::new();
    let facts = ReportFacts {
        org_id: sub.org_id,
        urgency: v.urgency,
        category: v.category,
        status: ReportStatus::Active,
        reported_at: now,
        expected_start: v.expected.starts_at(),
    };
    // A new case's figures are this report's.
    let first =
        figures(std::slice::from_ref(&facts), &settings.deadlines).ok_or(ServiceError::NotFound)?;
    for (i, link) in v.links.iter().enumerate() {
        let position = i as i64 + 1;
        let case = open_or_join(tx, batch, ctx, &link.canonical, &first, year, &reference).await?;
        reports::insert_link(
            tx,
            report_id,
            position,
            &link.submitted,
            case.id,
            link.remark.as_deref(),
            link.content_text.as_deref(),
        )
        .await?;
        if let Some(text) = &link.content_text {
            let made = text_print(text);
            prints::insert_print(
                tx,
                &NewPrint {
                    case_id: case.id,
                    report_id,
                    link_position: Some(position),
                    evidence_id: None,
                    kind: PrintKind::Text,
                    outcome: made.outcome,
                    print: made.print,
                    quality: None,
                },
                now,
            )
            .await?;
        }
        if !case.opened {
            refresh_figures(tx, case.id, &settings.deadlines, now).await?;
            record(
                tx,
                ctx,
                case.id,
                CaseEventKind::ReportAdded,
                Some(&reference),
            )
            .await?;
        }
        search_texts.push(NewText {
            case_id: case.id,
            report_id: Some(report_id),
            org_id: Some(sub.org_id),
            source: SearchSource::Report,
            words: search_words::report_document(
                sub.org_id,
                v.summary.as_deref(),
                &v.justification,
                link.remark.as_deref(),
            ),
        });
        if case.opened {
            search_texts.push(NewText {
                case_id: case.id,
                report_id: None,
                org_id: None,
                source: SearchSource::Link,
                words: search_words::link_document(&link.canonical.url),
            });
        }
        case_ids.push(case.id);
        receipt_links.push(ReportLink {
            position,
            submitted_url: link.submitted.clone(),
            remark: link.remark.clone(),
            content_text: link.content_text.clone(),
            case_id: case.id,
            case_reference: case.reference,
            canonical_url: link.canonical.url.clone(),
            platform: link.canonical.platform,
            case_status: case.status,
            case_deadline_at: None,
            known_copy: false,
        });
    }
    search::add(tx, &search_texts);
    for e in &sub.evidence {
        let id = reports::insert_evidence(
            tx,
            &NewEvidence {
                report_id,
                link_position: e.link_position,
                sha256: &e.sha256,
                size_bytes: e.size_bytes,
                kind: e.kind,
                file_name: &e.file_name,
                uploaded_by: &ctx.actor_label,
            },
            now,
        )
        .await?;
        // An image is compared as part of the case of the link it came with, or of every
        // case of the report when it came with none.
        let of_cases: Vec<i64> = match e.link_position {
            Some(p) => case_ids
                .get((p - 1).max(0) as usize)
                .copied()
                .into_iter()
                .collect(),
            None => case_ids.clone(),
        };
        for case_id in of_cases {
            prints::insert_print(
                tx,
                &NewPrint {
                    case_id,
                    report_id,
                    link_position: e.link_position,
                    evidence_id: Some(id),
                    kind: PrintKind::Image,
                    outcome: e.print.outcome,
                    print: e.print.print.clone(),
                    quality: e.print.quality,
                },
                now,
            )
            .await?;
        }
        let event = ctx.event(
            AuditAction::EvidenceStored,
            "evidence",
            id,
            Some(sub.org_id),
            Outcome::Success,
            json!({"report": reference, "sha256": e.sha256, "size": e.size_bytes,
                   "media_type": e.kind.media_type(), "file_name": e.file_name}),
        );
        audit::append(tx, &event, now).await?;
    }
    let links: Vec<&str> = v.links.iter().map(|l| l.canonical.url.as_str()).collect();
    let event = ctx.event(
        AuditAction::ReportSubmitted,
        "report",
        report_id,
        Some(sub.org_id),
        Outcome::Success,
        json!({"reference": reference, "channel": sub.channel.as_str(), "urgency": v.urgency.as_str(),
               "category": v.category.as_str(), "links": links, "cases": case_ids}),
    );
    audit::append(tx, &event, now).await?;
    if v.urgency == Urgency::Acute {
        alert_team(tx, settings, sub, &reference, &case_ids, now).await?;
    }
    if let Some((key, hash)) = &sub.idempotency {
        match reports::remember_key(tx, sub.org_id, key, hash, report_id, now).await {
            Ok(()) => {}
            Err(StoreError::Conflict) => return Err(ApplyError::KeyTaken),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Receipt {
        report_id,
        reference,
        replayed: false,
        links: receipt_links,
    })
}

/// The case a link joined.
struct JoinedCase {
    id: i64,
    reference: String,
    status: CaseStatus,
    /// Opened by this report.
    opened: bool,
}

/// The case for this content: the existing one (reopened when it was closed or
/// withdrawn), or a new one. A new case's history starts with the report that opened it.
async fn open_or_join(
    tx: &mut WriteTx,
    batch: &mut Batch,
    ctx: &Ctx,
    link: &CanonicalLink,
    first: &CaseFigures,
    year: i16,
    report_reference: &str,
) -> Result<JoinedCase> {
    if batch.with_case.contains(&link.url) {
        if let Some(case) = join(tx, ctx, &link.url).await? {
            return Ok(case);
        }
    }
    batch.with_case.insert(link.url.clone());
    let number = cases::next_number(tx, &format!("case-{year}")).await?;
    let case_reference = reference("ZAAK", year, number);
    match cases::insert(tx, &case_reference, link, first, ctx.now).await? {
        Some(id) => {
            opened(tx, ctx, id, report_reference).await?;
            Ok(JoinedCase {
                id,
                reference: case_reference,
                status: CaseStatus::Received,
                opened: true,
            })
        }
        // Another instance opened it a moment ago.
        None => join(tx, ctx, &link.url)
            .await?
            .ok_or(ServiceError::NotFound),
    }
}

async fn join(tx: &mut WriteTx, ctx: &Ctx, url: &str) -> Result<Option<JoinedCase>> {
    let Some((id, reference, status)) = cases::by_url_locked(tx, url).await? else {
        return Ok(None);
    };
    if status.is_open() {
        return Ok(Some(JoinedCase {
            id,
            reference,
            status,
            opened: false,
        }));
    }
    change_status(
        tx,
        ctx,
        id,
        Move {
            from: status,
            to: CaseStatus::Received,
            by: Mover::System,
        },
        CaseEventKind::Reopened,
        None,
    )
    .await?;
    Ok(Some(JoinedCase {
        id,
        reference,
        status: CaseStatus::Received,
        opened: false,
    }))
}

/// Recomputes a case's figures from its reports.
pub(crate) async fn refresh_figures(
    tx: &mut WriteTx,
    case_id: i64,
    deadlines: &HandlingDeadlines,
    now: Millis,
) -> Result<Option<crate::domain::case::CaseFigures>> {
    let facts = cases::report_facts(tx, case_id).await?;
    let Some(f) = figures(&facts, deadlines) else {
        return Ok(None);
    };
    cases::set_figures(tx, case_id, &f, now).await?;
    Ok(Some(f))
}

/// Every analyst and supervisor hears of an acute report at once: in the application
/// and by e-mail.
async fn alert_team(
    tx: &mut WriteTx,
    settings: &Settings,
    sub: &Submission,
    reference: &str,
    case_ids: &[i64],
    now: Millis,
) -> Result<()> {
    let link = match case_ids.first() {
        Some(id) => format!("/zaken/{id}"),
        None => "/zaken".into(),
    };
    let platforms: Vec<&str> = sub
        .report
        .links
        .iter()
        .map(|l| l.canonical.platform.label())
        .collect();
    let text = format!(
        "Acute melding {reference} ({}): {}",
        platforms.join(", "),
        sub.report.justification
    );
    let body = format!(
        "Er is een acute melding binnengekomen bij meldpunt.\n\n\
         Melding: {reference}\nPlatform: {}\nCategorie: {}\nOnderbouwing: {}\n\n\
         Open de zaak: {}{link}\n\n\
         Dit bericht is automatisch verstuurd door meldpunt.",
        platforms.join(", "),
        sub.report.category.label_nl(),
        sub.report.justification,
        settings.public_url.trim_end_matches('/'),
    );
    for (user_id, email) in notify::case_handlers(tx).await? {
        notify::notify(tx, user_id, &text, &link, now).await?;
        notify::enqueue_mail(
            tx,
            &email,
            &format!("[meldpunt] Acute melding {reference}"),
            &body,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Withdraws a report (by its own municipality) with a reason. Cases whose every report
/// is withdrawn and that the team has not yet begun to assess are withdrawn too.
pub async fn withdraw(
    store: &Store,
    settings: &Settings,
    ctx: &Ctx,
    report_id: i64,
    reason: &str,
) -> Result<()> {
    let reason = check_withdrawal_reason(reason).map_err(|e| ServiceError::Rejected(vec![e]))?;
    let mut tx = store.begin_write().await?;
    let report = reports::get_in(&mut tx, report_id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ServiceError::NotFound,
            e => e.into(),
        })?;
    if !reports::withdraw(&mut tx, report_id, &reason, ctx.now).await? {
        return Err(ServiceError::refused("report.already_withdrawn"));
    }
    for case_id in reports::case_ids_in(&mut tx, report_id).await? {
        let case = cases::get_locked(&mut tx, case_id).await?;
        let f = refresh_figures(&mut tx, case_id, &settings.deadlines, ctx.now).await?;
        record(
            &mut tx,
            ctx,
            case_id,
            CaseEventKind::ReportWithdrawn,
            Some(&report.reference),
        )
        .await?;
        if f.is_some_and(|f| f.all_withdrawn)
            && transition(case.status, CaseStatus::Withdrawn, Mover::System).is_ok()
        {
            change_status(
                &mut tx,
                ctx,
                case_id,
                Move {
                    from: case.status,
                    to: CaseStatus::Withdrawn,
                    by: Mover::System,
                },
                CaseEventKind::StatusChanged,
                Some("Alle meldingen zijn ingetrokken."),
            )
            .await?;
        }
    }
    let event = ctx.event(
        AuditAction::ReportWithdrawn,
        "report",
        report_id,
        Some(report.org_id),
        Outcome::Success,
        json!({"reference": report.reference, "reason": reason}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}

/// A stable hash of an API request body, to recognise a retried request.
pub fn request_hash(body: &serde_json::Value) -> String {
    sha256_hex(&body.to_string())
}
