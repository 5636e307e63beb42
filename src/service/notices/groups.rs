//! One decision for many copies: a situation's cases marked as the same message are
//! assessed once (one version per member, all carrying the group version), approved once by a
//! supervisor who wrote none of it and reported none of the content, and sent as one notice per
//! platform listing every URL of that platform's members (`domain::group` holds the rules).

use serde_json::json;

use super::answers::by;
use super::assessment::{
    approvable, approve_version, awaiting, check_review_reason, decided, may_write_version,
    options, send_back_version, tell_supervisors, verdict_refusal, write_version, Reviewer,
};
use super::dispatch::{draft, issue, platform_of, Draft, Numbering, Subject};
use super::outcome::decided_version;
use super::refusals::{audit_refusal, not_found};
use crate::domain::assessment::{
    check_decision, check_four_eyes, validate, AssessmentDraft, Decision, Review, Version,
};
use crate::domain::audit::{AuditAction, Outcome as AuditOutcome};
use crate::domain::case::CaseEventKind;
use crate::domain::group::{
    check_current, check_decisions, check_title, group_review, per_key, GroupRefused, GroupVersion,
    Member,
};
use crate::domain::message::Message;
use crate::service::history::record;
use crate::service::{Ctx, Result, ServiceError, Settings};
use crate::store::cases::{self, Case};
use crate::store::groups::{self, Group};
use crate::store::situations::{self, NewSituationEvent, Situation, SituationEventKind};
use crate::store::{assessments, audit, notify, platforms, Store, WriteTx};

fn refusal(e: GroupRefused) -> ServiceError {
    match e {
        GroupRefused::TitleMissing | GroupRefused::TitleTooLong => {
            ServiceError::invalid("title", e.message())
        }
        GroupRefused::StaleVersion => ServiceError::Conflict(e.message()),
        e => ServiceError::Unprocessable(e.message()),
    }
}

/// Locks the case and reads what the grouping rules need of it; refuses a case not linked to
/// `situation_id`.
async fn member(tx: &mut WriteTx, situation_id: i64, case_id: i64) -> Result<(Case, Member)> {
    let case = cases::get_locked(tx, case_id).await.map_err(not_found)?;
    if situations::of_case_in(tx, case_id).await? != Some(situation_id) {
        return Err(refusal(GroupRefused::NotInSituation(case.reference)));
    }
    let versions = assessments::versions_in(tx, case_id).await?;
    let m = Member {
        case_id,
        reference: case.reference.clone(),
        standing: decided_version(&versions).map(|v| v.a.decision),
    };
    Ok((case, m))
}

fn group_label(s: &Situation, g: &Group) -> String {
    format!("{} groep {} — {}", s.reference, g.number, g.title)
}

fn group_link(g: &Group) -> String {
    format!("/situaties/{}/groepen/{}", g.situation_id, g.id)
}

/// Marks cases of the situation as the same message. Returns the group's id.
pub async fn create_group(
    store: &Store,
    ctx: &Ctx,
    situation_id: i64,
    title: &str,
    case_ids: &[i64],
) -> Result<i64> {
    let result = create_tx(store, ctx, situation_id, title, case_ids).await;
    audit_refusal(
        store,
        ctx,
        AuditAction::SituationGroupCreated,
        ("situation", situation_id),
        result,
    )
    .await
}

async fn create_tx(
    store: &Store,
    ctx: &Ctx,
    situation_id: i64,
    title: &str,
    case_ids: &[i64],
) -> Result<i64> {
    let title = check_title(title).map_err(refusal)?;
    let mut ids = case_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() < 2 {
        return Err(refusal(GroupRefused::TooFew));
    }
    let mut tx = store.begin_write().await?;
    let s = situations::get_locked(&mut tx, situation_id)
        .await
        .map_err(not_found)?;
    if !s.phase.is_open() {
        return Err(ServiceError::refused("situation.closed"));
    }
    let mut members = Vec::new();
    for id in &ids {
        let (case, m) = member(&mut tx, situation_id, *id).await?;
        if groups::of_case_in(&mut tx, *id).await?.is_some() {
            return Err(refusal(GroupRefused::InOtherGroup(case.reference)));
        }
        members.push(m);
    }
    check_decisions(&members, None).map_err(refusal)?;
    let group_id = groups::insert(&mut tx, situation_id, &title, by(ctx)).await?;
    let g = groups::get_in(&mut tx, group_id).await?;
    for m in &members {
        groups::add_member(&mut tx, group_id, situation_id, m.case_id)
            .await
            .map_err(|_| refusal(GroupRefused::InOtherGroup(m.reference.clone())))?;
        record(
            &mut tx,
            ctx,
            m.case_id,
            CaseEventKind::AddedToGroup,
            Some(&group_label(&s, &g)),
        )
        .await?;
    }
    situations::append_event(
        &mut tx,
        &NewSituationEvent {
            situation_id,
            kind: SituationEventKind::GroupCreated,
            from_phase: None,
            to_phase: None,
            case_id: None,
            note: Some(&format!("Groep {}: {title}", g.number)),
        },
        by(ctx),
    )
    .await?;
    let event = ctx.event(
        AuditAction::SituationGroupCreated,
        "situation",
        situation_id,
        None,
        AuditOutcome::Success,
        json!({"reference": s.reference, "group": group_id, "number": g.number,
               "cases": members.iter().map(|m| &m.reference).collect::<Vec<_>>()}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(group_id)
}

/// Adds a copy found later to the group. When the group's decision stands, it is proposed for
/// the copy as a new version of the copy's assessment — which still waits for a supervisor
/// before anything leaves. Returns whether a decision was proposed.
pub async fn add_to_group(
    store: &Store,
    settings: &Settings,
    ctx: &Ctx,
    group_id: i64,
    case_id: i64,
) -> Result<bool> {
    let result = add_tx(store, settings, ctx, group_id, case_id).await;
    audit_refusal(
        store,
        ctx,
        AuditAction::SituationGroupCaseAdded,
        ("group", group_id),
        result,
    )
    .await
}

async fn add_tx(
    store: &Store,
    settings: &Settings,
    ctx: &Ctx,
    group_id: i64,
    case_id: i64,
) -> Result<bool> {
    let mut tx = store.begin_write().await?;
    let proposed = add_in(&mut tx, settings, ctx, group_id, case_id).await?;
    tx.commit().await?;
    Ok(proposed)
}

/// [`add_to_group`] inside `tx` (the caller commits; refusals are audited by the caller).
pub(crate) async fn add_in(
    tx: &mut WriteTx,
    settings: &Settings,
    ctx: &Ctx,
    group_id: i64,
    case_id: i64,
) -> Result<bool> {
    let g = groups::get_in(tx, group_id).await.map_err(not_found)?;
    let s = situations::get_locked(tx, g.situation_id).await?;
    if !s.phase.is_open() {
        return Err(ServiceError::refused("situation.closed"));
    }
    let (case, new) = member(tx, g.situation_id, case_id).await?;
    if groups::of_case_in(tx, case_id).await?.is_some() {
        return Err(refusal(GroupRefused::InOtherGroup(case.reference)));
    }
    let mut members = Vec::new();
    for id in groups::members_in(tx, group_id).await? {
        members.push(member(tx, g.situation_id, id).await?.1);
    }
    members.push(new);
    check_decisions(&members, None).map_err(refusal)?;
    groups::add_member(tx, group_id, g.situation_id, case_id).await?;
    record(
        tx,
        ctx,
        case_id,
        CaseEventKind::AddedToGroup,
        Some(&group_label(&s, &g)),
    )
    .await?;
    situations::append_event(
        tx,
        &NewSituationEvent {
            situation_id: g.situation_id,
            kind: SituationEventKind::CaseGrouped,
            from_phase: None,
            to_phase: None,
            case_id: Some(case_id),
            note: Some(&format!("Groep {}", g.number)),
        },
        by(ctx),
    )
    .await?;
    // The group's decision, if it stands, is proposed for the copy.
    let mut proposed = false;
    if let Some(n) = assessments::newest_group_version_in(tx, group_id).await? {
        let gv = GroupVersion {
            group_id,
            version: n,
        };
        let rows = assessments::of_group_version_in(tx, gv).await?;
        let state = group_review(&rows.iter().map(|v| v.review(v.version)).collect::<Vec<_>>());
        let stands = matches!(state, Some(Review::Approved | Review::NotNeeded));
        if let (true, Some(lead)) = (stands, rows.first()) {
            if may_write_version(tx, &case).await.is_ok() {
                let (_, _, review) =
                    write_version(tx, settings, ctx, &case, &lead.a, Some(gv)).await?;
                proposed = true;
                if review == Review::AwaitingApproval {
                    tell_supervisors(
                        tx,
                        ctx,
                        &format!(
                            "Het besluit van {} is voorgesteld voor {}: wacht op uw goedkeuring",
                            group_label(&s, &g),
                            case.reference
                        ),
                        &format!("{}#goedkeuring", group_link(&g)),
                    )
                    .await?;
                }
            }
        }
    }
    let event = ctx.event(
        AuditAction::SituationGroupCaseAdded,
        "group",
        group_id,
        None,
        AuditOutcome::Success,
        json!({"situation": s.reference, "number": g.number, "case": case.reference,
               "decision_proposed": proposed}),
    );
    audit::append(tx, &event, ctx.now).await?;
    Ok(proposed)
}

/// Writes one assessment for the group: a new version for every member whose assessment is
/// open; members whose message already went out must have been decided the same way. Returns
/// the group's version number.
pub async fn assess_group(
    store: &Store,
    settings: &Settings,
    ctx: &Ctx,
    group_id: i64,
    draft: &AssessmentDraft,
) -> Result<i64> {
    let result = assess_tx(store, settings, ctx, group_id, draft).await;
    audit_refusal(
        store,
        ctx,
        AuditAction::AssessmentSaved,
        ("group", group_id),
        result,
    )
    .await
}

async fn assess_tx(
    store: &Store,
    settings: &Settings,
    ctx: &Ctx,
    group_id: i64,
    draft: &AssessmentDraft,
) -> Result<i64> {
    let mut tx = store.begin_write().await?;
    let g = groups::get_in(&mut tx, group_id).await.map_err(not_found)?;
    let s = situations::get_locked(&mut tx, g.situation_id).await?;
    let config = platforms::settings_in(&mut tx).await?;
    let a = validate(draft, options(&config)).map_err(ServiceError::Rejected)?;
    let mut open = Vec::new();
    let mut closed = Vec::new();
    for id in groups::members_in(&mut tx, group_id).await? {
        let (case, m) = member(&mut tx, g.situation_id, id).await?;
        if may_write_version(&mut tx, &case).await.is_ok() {
            open.push(case);
        } else {
            closed.push(m);
        }
    }
    check_decisions(&closed, Some(a.decision)).map_err(refusal)?;
    if open.is_empty() {
        return Err(refusal(GroupRefused::NothingToAssess));
    }
    if a.decision.goes_to_platform() {
        for case in &open {
            platform_of(&mut tx, case).await?;
        }
    }
    let version = assessments::newest_group_version_in(&mut tx, group_id)
        .await?
        .unwrap_or(0)
        + 1;
    let gv = GroupVersion { group_id, version };
    for case in &open {
        write_version(&mut tx, settings, ctx, case, &a, Some(gv)).await?;
    }
    if Review::initial(a.decision) == Review::AwaitingApproval {
        tell_supervisors(
            &mut tx,
            ctx,
            &format!(
                "Groepsbeoordeling van {} ({} zaken) wacht op uw goedkeuring: {}",
                group_label(&s, &g),
                open.len(),
                a.decision.label_nl()
            ),
            &format!("{}#goedkeuring", group_link(&g)),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(version)
}

/// A supervisor's verdict on a group's version.
#[derive(Debug, Clone, Copy)]
pub struct GroupVerdict<'a> {
    pub group_id: i64,
    /// The group version the supervisor read.
    pub version: i64,
    pub approve: bool,
    /// Required when sending back.
    pub reason: &'a str,
}

/// Approves (or sends back) the member versions of a group's newest version that wait for a
/// supervisor, at once; on approval one message leaves per platform.
pub async fn review_group(
    store: &Store,
    settings: &Settings,
    ctx: &Ctx,
    reviewer: Reviewer,
    verdict: GroupVerdict<'_>,
) -> Result<()> {
    let result = review_tx(store, settings, ctx, reviewer, verdict).await;
    verdict_refusal(
        store,
        ctx,
        verdict.approve,
        ("group", verdict.group_id),
        result,
    )
    .await
}

/// The member versions of the group's version `version` that wait for a supervisor, with
/// their cases locked — refused when `version` is not the group's newest, or a member has
/// since had a version of its own.
async fn pending(tx: &mut WriteTx, group_id: i64, version: i64) -> Result<Vec<(Version, Subject)>> {
    let newest = assessments::newest_group_version_in(tx, group_id).await?;
    check_current(version, newest).map_err(refusal)?;
    let gv = GroupVersion { group_id, version };
    let mut out = Vec::new();
    for v in assessments::of_group_version_in(tx, gv).await? {
        let case = cases::get_locked(tx, v.case_id).await?;
        let newest_of_case = assessments::newest_in(tx, v.case_id).await?;
        if newest_of_case.as_ref().map(|n| n.id) != Some(v.id) {
            return Err(refusal(GroupRefused::StaleVersion));
        }
        if awaiting(&v).is_ok() {
            out.push((v, Subject::load(tx, case).await?));
        }
    }
    if out.is_empty() {
        return Err(refusal(GroupRefused::NotAwaitingApproval));
    }
    Ok(out)
}

/// The members split into one batch per platform (a decision for no platform: one batch).
async fn batches(
    tx: &mut WriteTx,
    decision: Decision,
    members: Vec<(Version, Subject)>,
) -> Result<Vec<Vec<(Version, Subject)>>> {
    let mut keyed = Vec::new();
    for (v, subject) in members {
        let key = if decision.goes_to_platform() {
            Some(platform_of(tx, &subject.case).await?.0.id)
        } else {
            None
        };
        keyed.push((key, (v, subject)));
    }
    Ok(per_key(keyed).into_iter().map(|(_, b)| b).collect())
}

async fn review_tx(
    store: &Store,
    settings: &Settings,
    ctx: &Ctx,
    reviewer: Reviewer,
    verdict: GroupVerdict<'_>,
) -> Result<()> {
    let reason = check_review_reason(verdict.approve, verdict.reason)?;
    let mut tx = store.begin_write().await?;
    let g = groups::get_in(&mut tx, verdict.group_id)
        .await
        .map_err(not_found)?;
    let members = pending(&mut tx, g.id, verdict.version).await?;
    // Four eyes, once for the whole group: not an author, not a reporter of any of its
    // content (also of the copies already decided).
    let mut reporters: Vec<i64> = members
        .iter()
        .flat_map(|(_, s)| s.sources.iter().filter_map(|r| r.reporter_user_id))
        .collect();
    for id in groups::members_in(&mut tx, g.id).await? {
        let sources = crate::store::reports::case_sources(&mut tx, id).await?;
        reporters.extend(sources.iter().filter_map(|r| r.reporter_user_id));
    }
    for (v, _) in &members {
        check_four_eyes(
            reviewer.user_id,
            reviewer.is_supervisor,
            v.author_user_id,
            &reporters,
        )
        .map_err(|e| ServiceError::Denied(e.message()))?;
    }
    if !verdict.approve {
        let mut authors: Vec<i64> = Vec::new();
        for (v, s) in &members {
            send_back_version(&mut tx, ctx, reviewer, &s.case, v, reason).await?;
            if !authors.contains(&v.author_user_id) {
                authors.push(v.author_user_id);
            }
        }
        for author in authors {
            notify::notify(
                &mut tx,
                author,
                &format!(
                    "Uw groepsbeoordeling van groep {} (versie {}) is teruggestuurd: {reason}",
                    g.number, verdict.version
                ),
                &group_link(&g),
                ctx.now,
            )
            .await?;
        }
        tx.commit().await?;
        return Ok(());
    }
    let config = platforms::settings_in(&mut tx).await?;
    for (v, s) in &members {
        approvable(&s.case, v, &config)?;
    }
    for (v, s) in &members {
        approve_version(&mut tx, ctx, reviewer, &s.case, v, reason).await?;
    }
    let decision = members[0].0.a.decision;
    for batch in batches(&mut tx, decision, members).await? {
        let subjects: Vec<Subject> = batch.iter().map(|(_, s)| s.clone()).collect();
        let notice = issue(&mut tx, settings, ctx, &subjects, &batch[0].0, &config).await?;
        for (v, s) in &batch {
            decided(&mut tx, settings, ctx, &s.case, v, notice).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// What approving the group's version would send — one message per platform, made by the
/// function that sends them — or why it could not be sent now. `None` when nothing waits or
/// the decision sends nothing. Nothing is written.
pub async fn group_approval_preview(
    store: &Store,
    settings: &Settings,
    ctx: &Ctx,
    group_id: i64,
) -> Result<Option<std::result::Result<Vec<Draft>, Message>>> {
    let mut tx = store.begin_write().await?;
    let Some(version) = assessments::newest_group_version_in(&mut tx, group_id).await? else {
        return Ok(None);
    };
    let members = match pending(&mut tx, group_id, version).await {
        Ok(m) => m,
        Err(ServiceError::Unprocessable(_) | ServiceError::Conflict(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let config = platforms::settings_in(&mut tx).await?;
    let first = &members[0].0;
    if let Err(e) = check_decision(
        first.a.class,
        &first.a.provisions,
        first.a.decision,
        first.a.category,
        options(&config),
    ) {
        return Ok(Some(Err(e.message())));
    }
    let made = async {
        let mut drafts = Vec::new();
        for batch in batches(&mut tx, first.a.decision, members.clone()).await? {
            let subjects: Vec<Subject> = batch.iter().map(|(_, s)| s.clone()).collect();
            if let Some(d) = draft(
                &mut tx,
                settings,
                ctx,
                &subjects,
                &batch[0].0,
                &config,
                Numbering::Show,
            )
            .await?
            {
                drafts.push(d);
            }
        }
        Ok::<_, ServiceError>(drafts)
    }
    .await;
    drop(tx);
    match made {
        Ok(d) if d.is_empty() => Ok(None),
        Ok(d) => Ok(Some(Ok(d))),
        Err(ServiceError::Unprocessable(m)) => Ok(Some(Err(m))),
        Err(e) => Err(e),
    }
}

/// One member of a group as its page shows it.
#[derive(Debug, Clone)]
pub struct GroupMember {
    pub case: Case,
    /// The decision that stands for the case, if any.
    pub standing: Option<Decision>,
    /// The state of the case's newest version, and whether it is the group's newest version.
    pub newest: Option<(Review, bool)>,
}

/// Everything the group page shows.
#[derive(Debug, Clone)]
pub struct GroupFile {
    pub group: Group,
    pub situation: Situation,
    pub members: Vec<GroupMember>,
    /// The group's newest version: its number, state and one member's copy of the text.
    pub newest: Option<(i64, Review, Version)>,
    /// Every group version: number, state, decision, author, when.
    pub versions: Vec<(i64, Review, Version)>,
}

pub async fn group_file(store: &Store, group_id: i64) -> Result<GroupFile> {
    let group = groups::get(store, group_id).await.map_err(not_found)?;
    let situation = situations::get(store, group.situation_id).await?;
    let all = assessments::of_group(store, group_id).await?;
    let mut members = Vec::new();
    let mut newest_of_case = std::collections::BTreeMap::new();
    let newest_number = all.iter().filter_map(|v| v.group.map(|g| g.version)).max();
    for id in groups::members(store, group_id).await? {
        let case = cases::get(store, id).await?;
        let versions = assessments::versions(store, id).await?;
        let standing = decided_version(&versions).map(|v| v.a.decision);
        let newest = versions.last().map(|v| {
            newest_of_case.insert(id, v.version);
            let of_newest_group_version = v
                .group
                .is_some_and(|g| g.group_id == group_id && Some(g.version) == newest_number);
            (v.review(v.version), of_newest_group_version)
        });
        members.push(GroupMember {
            case,
            standing,
            newest,
        });
    }
    let mut versions = Vec::new();
    let mut numbers: Vec<i64> = all
        .iter()
        .filter_map(|v| v.group.map(|g| g.version))
        .collect();
    numbers.dedup();
    for n in numbers {
        let rows: Vec<&Version> = all
            .iter()
            .filter(|v| v.group.map(|g| g.version) == Some(n))
            .collect();
        let reviews: Vec<Review> = rows
            .iter()
            .map(|v| v.review(*newest_of_case.get(&v.case_id).unwrap_or(&v.version)))
            .collect();
        if let (Some(state), Some(first)) = (group_review(&reviews), rows.first()) {
            versions.push((n, state, (*first).clone()));
        }
    }
    let newest = versions.last().cloned();
    Ok(GroupFile {
        group,
        situation,
        members,
        newest,
        versions,
    })
}
