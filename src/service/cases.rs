//! The central team's work on cases: the queue, taking a case up, moving it through
//! its lifecycle, and telling the reporting municipalities.

use crate::domain::message::Message;
use serde_json::json;

use super::history::{change_status, inform_reporters, record, Move};
use super::{Ctx, Result, ServiceError, Settings};
use crate::domain::assessment::{assessment_open, AssessmentClosed, Version};
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::case::{CaseEventKind, CaseStatus, Mover, QueueEntry, QueueSort};
use crate::domain::link::Platform;
use crate::domain::platform::{pick, PlatformEntry};
use crate::domain::report::{Category, Urgency};
use crate::domain::Millis;
use crate::store::cases::{self, Case, CaseEvent, QueuePage, QueueQuery};
use crate::store::notices::{self, Answer, Notice, Recheck};
use crate::store::redress::{self, Objection};
use crate::store::reports::{Evidence, Report, ReportLink};
use crate::store::{assessments, platforms, reports};
use crate::store::{audit, Store, StoreError};

/// Cases per page of the queue.
pub const QUEUE_PAGE: i64 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeliness {
    OnTime,
    Late,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueFilter {
    pub platform: Option<Platform>,
    /// Reported by this municipality (organisation id).
    pub org_id: Option<i64>,
    pub category: Option<Category>,
    /// One status; none means every open status.
    pub status: Option<CaseStatus>,
    pub timeliness: Option<Timeliness>,
    pub urgency: Option<Urgency>,
    pub view: QueueView,
    pub sort: QueueSort,
}

/// Which cases of the queue: all of them, the viewer's own, or those awaiting approval.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum QueueView {
    #[default]
    All,
    /// In the hands of this person.
    Mine(i64),
    /// Whose newest assessment awaits a supervisor's approval.
    AwaitingApproval,
}

/// Page `page` (from 0) of the queue: matching cases, most pressing first
/// (`domain::case::queue_key`), with the exact total and number overdue. Never truncated:
/// every open case is on some page, and pressing ones on the first.
pub async fn queue(
    store: &Store,
    filter: &QueueFilter,
    now: Millis,
    page: i64,
) -> Result<QueuePage> {
    let page = page.max(0);
    let q = QueueQuery {
        statuses: filter.status.into_iter().collect(),
        platform: filter.platform,
        org_id: filter.org_id,
        category: filter.category,
        urgency: filter.urgency,
        overdue: filter.timeliness.map(|t| t == Timeliness::Late),
        assignee_user_id: match filter.view {
            QueueView::Mine(user) => Some(user),
            _ => None,
        },
        case_ids: match filter.view {
            QueueView::AwaitingApproval => Some(assessments::awaiting_approval(store).await?),
            _ => None,
        },
        sort: Some(filter.sort),
    };
    Ok(cases::queue(store, &q, now, page * QUEUE_PAGE, QUEUE_PAGE).await?)
}

/// How many cases are open and how many of them overdue (for the start page), counted by
/// the database.
pub async fn open_counts(store: &Store, now: Millis) -> Result<(i64, i64)> {
    let page = cases::queue(store, &QueueQuery::default(), now, 0, 0).await?;
    Ok((page.total, page.overdue))
}

/// Everything the case page shows about one case, read in one pass.
pub struct CaseFile {
    pub case: Case,
    /// Each report with its link to this case and the evidence that belongs to that link.
    pub reports: Vec<(Report, ReportLink, Vec<Evidence>)>,
    pub events: Vec<CaseEvent>,
    pub versions: Vec<Version>,
    pub notices: Vec<Notice>,
    pub answers: Vec<Answer>,
    pub rechecks: Vec<Recheck>,
    pub objections: Vec<Objection>,
    /// The directory entry of the platform hosting the content, if it has one.
    pub platform: Option<PlatformEntry>,
    /// Whether a new version of the assessment may be written now (the rule the
    /// assessment use case refuses by).
    pub assessment: std::result::Result<(), AssessmentClosed>,
    /// What approving the version that awaits approval would send, or why it cannot be sent
    /// (`service::notices::approval_preview`); filled by the case page.
    pub approval_preview: Option<std::result::Result<crate::service::notices::Draft, Message>>,
    /// The situation the case belongs to, if any.
    pub situation: Option<crate::store::situations::Situation>,
    /// The open situations it could be linked to (when it is in none).
    pub open_situations: Vec<crate::store::situations::Situation>,
    /// Those of them meldpunt suggests: the case fits them (`SituationScope::fits`) and
    /// nobody dismissed the suggestion.
    pub suggested_situations: Vec<(crate::store::situations::Situation, String)>,
    /// What of the case's content was compared with other reports, and how it came out.
    pub prints: Vec<crate::store::matching::Print>,
    /// Cases whose content looks like this one's, newest proposal first.
    pub copies: Vec<CopyCandidate>,
    /// The legal hold that keeps the case from erasure, if any.
    pub hold: Option<crate::store::retention::LegalHold>,
}

/// A case proposed as a copy of this one, with what is needed to compare them side by side.
#[derive(Debug, Clone)]
pub struct CopyCandidate {
    pub proposal: crate::store::matching::Proposal,
    pub other: Case,
    /// The other case's content texts, as its reporters pasted them.
    pub texts: Vec<String>,
    /// The other case's image evidence (shown as previews).
    pub images: Vec<Evidence>,
    /// A platform made the other case's content unavailable after a notice.
    pub taken_down: bool,
    /// The decision that stands on the other case, if any.
    pub decision: Option<crate::domain::assessment::Decision>,
    /// The other case's outgoing messages (references).
    pub notices: Vec<Notice>,
    /// Both cases are in one group already (marked as the same message since).
    pub same_group: bool,
}

async fn copy_candidate(
    store: &Store,
    group: Option<i64>,
    proposal: crate::store::matching::Proposal,
) -> Result<CopyCandidate> {
    let other_id = proposal.other_case_id;
    let same_group = group.is_some()
        && crate::store::groups::of_case(store, other_id)
            .await?
            .map(|g| g.id)
            == group;
    let other = cases::get(store, other_id).await?;
    let texts = reports::list_by_case(store, other_id)
        .await?
        .into_iter()
        .filter_map(|(_, link)| link.content_text)
        .collect();
    let images = reports::evidence_of_case(store, other_id)
        .await?
        .into_iter()
        .filter(|e| crate::service::thumbnail::has_preview(e.kind))
        .take(4)
        .collect();
    let answers: Vec<crate::domain::notice::Outcome> = notices::answers_of_case(store, other_id)
        .await?
        .into_iter()
        .map(|a| a.outcome)
        .collect();
    let versions = assessments::versions(store, other_id).await?;
    let decision = crate::service::notices::standing_decision(&versions);
    Ok(CopyCandidate {
        proposal,
        texts,
        images,
        taken_down: crate::domain::matching::was_taken_down(&answers),
        decision,
        notices: notices::list_by_case(store, other_id).await?,
        same_group,
        other,
    })
}

/// The directory entry of the platform hosting the case's content, if it has one.
pub async fn platform_entry(store: &Store, case: &Case) -> Result<Option<PlatformEntry>> {
    let directory = platforms::list(store).await?;
    Ok(pick(&directory, case.platform.as_str(), &case.domain).cloned())
}

pub async fn case_file(store: &Store, case: Case) -> Result<CaseFile> {
    let id = case.id;
    let mut evidence = reports::evidence_of_case(store, id).await?;
    let reports = reports::list_by_case(store, id)
        .await?
        .into_iter()
        .map(|(r, link)| {
            let (mine, rest): (Vec<Evidence>, Vec<Evidence>) =
                std::mem::take(&mut evidence).into_iter().partition(|e| {
                    e.report_id == r.id && e.link_position.is_none_or(|n| n == link.position)
                });
            evidence = rest;
            (r, link, mine)
        })
        .collect();
    let notices = notices::list_by_case(store, id).await?;
    let objections = redress::of_case(store, id).await?;
    let open_objection = objections.iter().any(Objection::is_open);
    let situation = crate::store::situations::of_case(store, id).await?;
    let open_situations = if situation.is_none() {
        crate::store::situations::list(
            store,
            &crate::store::situations::SituationFilter {
                open_only: true,
                ..Default::default()
            },
        )
        .await?
    } else {
        Vec::new()
    };
    let suggested_situations = match crate::store::situations::unlinked_signal_of(store, id).await?
    {
        Some(signal) if !open_situations.is_empty() => {
            let settled = crate::store::situations::settled_suggestions(store).await?;
            open_situations
                .iter()
                .filter(|s| s.scope().fits(&signal))
                .map(|s| {
                    let key = crate::domain::situation::Suggestion::Link {
                        situation_id: s.id,
                        case_id: id,
                    }
                    .key();
                    (s.clone(), key)
                })
                .filter(|(_, key)| !settled.contains(key))
                .collect()
        }
        _ => Vec::new(),
    };
    let mut copies = Vec::new();
    let group = crate::store::groups::of_case(store, id)
        .await?
        .map(|g| g.id);
    for proposal in crate::store::matching::proposals_of_case(store, id).await? {
        copies.push(copy_candidate(store, group, proposal).await?);
    }
    Ok(CaseFile {
        hold: crate::store::retention::hold(store, id).await?,
        prints: crate::store::matching::prints_of_case(store, id).await?,
        copies,
        situation,
        open_situations,
        suggested_situations,
        assessment: assessment_open(case.status, !notices.is_empty(), open_objection),
        approval_preview: None,
        platform: platform_entry(store, &case).await?,
        events: cases::events(store, id).await?,
        versions: assessments::versions(store, id).await?,
        answers: notices::answers_of_case(store, id).await?,
        rechecks: notices::rechecks(store, id).await?,
        notices,
        objections,
        reports,
        case,
    })
}

pub fn entry(c: &Case) -> QueueEntry {
    QueueEntry {
        case_id: c.id,
        status: c.status,
        platform: c.platform,
        urgency: c.urgency,
        deadline_at: c.deadline_at,
        expected_start_at: c.expected_start_at,
        municipality_count: c.municipality_count,
        first_reported_at: c.first_reported_at,
    }
}

fn not_found(e: StoreError) -> ServiceError {
    match e {
        StoreError::NotFound => ServiceError::NotFound,
        e => e.into(),
    }
}

/// Takes a case up ("in behandeling bij …"). Taking over from a colleague must be
/// asked for explicitly, so two analysts never both think they hold it.
pub async fn claim(store: &Store, ctx: &Ctx, case_id: i64, take_over: bool) -> Result<()> {
    let user_id = ctx.actor_user_id.ok_or(ServiceError::NotFound)?;
    let mut tx = store.begin_write().await?;
    let case = cases::get_locked(&mut tx, case_id)
        .await
        .map_err(not_found)?;
    if case.assignee_user_id == Some(user_id) {
        return Ok(());
    }
    if let (Some(_), false) = (case.assignee_user_id, take_over) {
        return Err(ServiceError::Conflict(
            Message::new("case.held_by_other").with("name", case.assignee_name.unwrap_or_default()),
        ));
    }
    cases::set_assignee(&mut tx, case_id, Some(user_id), ctx.now).await?;
    let note = case
        .assignee_name
        .as_ref()
        .map(|n| format!("Overgenomen van {n}"));
    record(
        &mut tx,
        ctx,
        case_id,
        CaseEventKind::Claimed,
        note.as_deref(),
    )
    .await?;
    let event = ctx.event(
        AuditAction::CaseClaimed,
        "case",
        case_id,
        None,
        Outcome::Success,
        json!({"reference": case.reference, "took_over_from": case.assignee_user_id}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}

/// Gives a case back to the queue.
pub async fn release(store: &Store, ctx: &Ctx, case_id: i64) -> Result<()> {
    let mut tx = store.begin_write().await?;
    let case = cases::get_locked(&mut tx, case_id)
        .await
        .map_err(not_found)?;
    if case.assignee_user_id.is_none() {
        return Ok(());
    }
    cases::set_assignee(&mut tx, case_id, None, ctx.now).await?;
    record(&mut tx, ctx, case_id, CaseEventKind::Released, None).await?;
    let event = ctx.event(
        AuditAction::CaseReleased,
        "case",
        case_id,
        None,
        Outcome::Success,
        json!({"reference": case.reference}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}

/// Moves a case to `to`, if the lifecycle allows it, and tells every municipality with
/// an active report in it (in the application and by e-mail).
pub async fn move_case(
    store: &Store,
    settings: &Settings,
    ctx: &Ctx,
    case_id: i64,
    to: CaseStatus,
    note: &str,
) -> Result<()> {
    let note = note.trim();
    if note.chars().count() > 2000 {
        return Err(ServiceError::invalid(
            "note",
            Message::new("field.explanation_too_long"),
        ));
    }
    let mut tx = store.begin_write().await?;
    let case = cases::get_locked(&mut tx, case_id)
        .await
        .map_err(not_found)?;
    change_status(
        &mut tx,
        ctx,
        case_id,
        Move {
            from: case.status,
            to,
            by: Mover::Team,
        },
        CaseEventKind::StatusChanged,
        (!note.is_empty()).then_some(note),
    )
    .await?;
    let event = ctx.event(
        AuditAction::CaseStatusChanged,
        "case",
        case_id,
        None,
        Outcome::Success,
        json!({"reference": case.reference, "from": case.status.as_str(), "to": to.as_str()}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tell_reporters(&mut tx, settings, case_id, case.status, to, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}

/// Tells the municipalities when the status they see (`domain::report::reporter_status`)
/// changes; a move inside the team's own steps (triage to assessment) is not news to them.
async fn tell_reporters(
    tx: &mut crate::store::WriteTx,
    settings: &Settings,
    case_id: i64,
    from: CaseStatus,
    to: CaseStatus,
    now: Millis,
) -> Result<()> {
    use crate::domain::report::{reporter_status, ReportStatus};
    let seen = |s: CaseStatus| reporter_status(ReportStatus::Active, &[s]);
    if seen(from) == seen(to) {
        return Ok(());
    }
    let line = format!("heeft een nieuwe status: {}.", seen(to).label_nl());
    inform_reporters(tx, settings, case_id, &line, now).await
}
