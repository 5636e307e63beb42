//! An analyst's answer to a proposed copy (`service::matching` proposes; nothing is linked
//! by itself): confirm — the case joins the other's group and situation, whichever of the two
//! has them — or reject, recorded with who and when and not proposed again. And, for a
//! recognised re-upload, proposing the earlier case's decision (a supervisor still approves).

use serde_json::json;

use super::notices::by;
use super::notices::refusals::{audit_refusal, not_found};
use super::notices::{decided_version, may_write_version, tell_supervisors, write_version};
use crate::domain::assessment::Review;
use crate::domain::audit::{AuditAction, Outcome as AuditOutcome};
use crate::domain::case::CaseEventKind;
use crate::domain::matching::ProposalState;
use crate::domain::message::Message;
use crate::service::history::record;
use crate::service::matching::likeness_note;
use crate::service::{Ctx, Result, ServiceError, Settings};
use crate::store::matching::{self as store_matching, Proposal};
use crate::store::{assessments, audit, cases, groups, situations, Store, StoreError, WriteTx};

/// What confirming a copy did besides recording it.
#[derive(Debug, Clone, PartialEq)]
pub enum Joined {
    /// One case joined the other's group (and so its situation).
    Group { case_id: i64, group_id: i64 },
    /// One case joined the other's situation.
    Situation { case_id: i64, situation_id: i64 },
    /// Both were already together, or neither is in a situation yet.
    Nothing,
}

/// The proposal, still open, of this case.
async fn open_proposal(tx: &mut WriteTx, case_id: i64, proposal_id: i64) -> Result<Proposal> {
    let p = store_matching::proposal_of_case_in(tx, case_id, proposal_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if p.state != ProposalState::Proposed {
        return Err(ServiceError::Conflict(Message::new("copy.decided")));
    }
    Ok(p)
}

async fn decide(
    tx: &mut WriteTx,
    ctx: &Ctx,
    case_id: i64,
    p: &Proposal,
    state: ProposalState,
) -> Result<()> {
    store_matching::decide(tx, p.id, state, by(ctx))
        .await
        .map_err(|e| match e {
            StoreError::Conflict => ServiceError::Conflict(Message::new("copy.decided")),
            e => e.into(),
        })?;
    let kind = match state {
        ProposalState::Confirmed => CaseEventKind::CopyConfirmed,
        _ => CaseEventKind::CopyRejected,
    };
    let this_ref = cases::reference_in(tx, case_id).await?;
    let note = format!("{} ({})", p.other_reference, likeness_note(&p.likeness));
    record(tx, ctx, case_id, kind, Some(&note)).await?;
    record(
        tx,
        ctx,
        p.other_case_id,
        kind,
        Some(&format!("{this_ref} ({})", likeness_note(&p.likeness))),
    )
    .await?;
    Ok(())
}

/// Confirms that the case and the other case of the proposal hold the same content.
pub async fn confirm_copy(
    store: &Store,
    settings: &Settings,
    ctx: &Ctx,
    case_id: i64,
    proposal_id: i64,
) -> Result<Joined> {
    let result = confirm_tx(store, settings, ctx, case_id, proposal_id).await;
    audit_refusal(
        store,
        ctx,
        AuditAction::CopyConfirmed,
        ("case", case_id),
        result,
    )
    .await
}

async fn confirm_tx(
    store: &Store,
    settings: &Settings,
    ctx: &Ctx,
    case_id: i64,
    proposal_id: i64,
) -> Result<Joined> {
    let mut tx = store.begin_write().await?;
    cases::get_locked(&mut tx, case_id)
        .await
        .map_err(not_found)?;
    let p = open_proposal(&mut tx, case_id, proposal_id).await?;
    let other = p.other_case_id;
    cases::get_locked(&mut tx, other).await.map_err(not_found)?;
    decide(&mut tx, ctx, case_id, &p, ProposalState::Confirmed).await?;
    let here = (
        situations::of_case_in(&mut tx, case_id).await?,
        groups::of_case_in(&mut tx, case_id).await?,
    );
    let there = (
        situations::of_case_in(&mut tx, other).await?,
        groups::of_case_in(&mut tx, other).await?,
    );
    // The case without a place joins the one with it: into its group if it has one (the
    // group's standing decision is then proposed for the newcomer), else into its situation.
    let joined = match (here, there) {
        ((Some(a), _), (Some(b), _)) if a != b => {
            return Err(ServiceError::Unprocessable(
                Message::new("copy.other_situation").with("case", &p.other_reference),
            ))
        }
        ((Some(_), Some(_)), (Some(_), Some(_))) => Joined::Nothing,
        ((Some(_), None), (Some(_), Some(g))) => {
            join_group(&mut tx, settings, ctx, case_id, g.id).await?
        }
        ((Some(_), Some(g)), (Some(_), None)) => {
            join_group(&mut tx, settings, ctx, other, g.id).await?
        }
        ((Some(_), None), (Some(_), None)) => Joined::Nothing,
        ((None, _), (Some(s), group)) => join(&mut tx, settings, ctx, case_id, s, group).await?,
        ((Some(s), group), (None, _)) => join(&mut tx, settings, ctx, other, s, group).await?,
        ((None, _), (None, _)) => Joined::Nothing,
    };
    let event = ctx.event(
        AuditAction::CopyConfirmed,
        "case",
        case_id,
        None,
        AuditOutcome::Success,
        json!({"proposal": p.id, "other_case": p.other_reference,
               "text_similarity": p.likeness.text_similarity,
               "image_distance": p.likeness.image_distance,
               "joined": match &joined {
                   Joined::Group { case_id, group_id } => json!({"case": case_id, "group": group_id}),
                   Joined::Situation { case_id, situation_id } => json!({"case": case_id, "situation": situation_id}),
                   Joined::Nothing => json!(null),
               }}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(joined)
}

async fn join_group(
    tx: &mut WriteTx,
    settings: &Settings,
    ctx: &Ctx,
    case_id: i64,
    group_id: i64,
) -> Result<Joined> {
    super::notices::add_to_group_in(tx, settings, ctx, group_id, case_id).await?;
    Ok(Joined::Group { case_id, group_id })
}

/// Links `case_id` to the situation and, when the other case is in a group there, adds it.
async fn join(
    tx: &mut WriteTx,
    settings: &Settings,
    ctx: &Ctx,
    case_id: i64,
    situation_id: i64,
    group: Option<crate::store::groups::Group>,
) -> Result<Joined> {
    let s = situations::get_locked(tx, situation_id).await?;
    if !s.phase.is_open() {
        return Err(ServiceError::refused("situation.closed"));
    }
    crate::service::situations::link_in(tx, ctx, situation_id, &s.reference, case_id).await?;
    match group {
        Some(g) => join_group(tx, settings, ctx, case_id, g.id).await,
        None => Ok(Joined::Situation {
            case_id,
            situation_id,
        }),
    }
}

/// Rejects a proposal: the two are not copies; the pair is not proposed again.
pub async fn reject_copy(store: &Store, ctx: &Ctx, case_id: i64, proposal_id: i64) -> Result<()> {
    let result = reject_tx(store, ctx, case_id, proposal_id).await;
    audit_refusal(
        store,
        ctx,
        AuditAction::CopyRejected,
        ("case", case_id),
        result,
    )
    .await
}

async fn reject_tx(store: &Store, ctx: &Ctx, case_id: i64, proposal_id: i64) -> Result<()> {
    let mut tx = store.begin_write().await?;
    cases::get_locked(&mut tx, case_id)
        .await
        .map_err(not_found)?;
    let p = open_proposal(&mut tx, case_id, proposal_id).await?;
    decide(&mut tx, ctx, case_id, &p, ProposalState::Rejected).await?;
    let event = ctx.event(
        AuditAction::CopyRejected,
        "case",
        case_id,
        None,
        AuditOutcome::Success,
        json!({"proposal": p.id, "other_case": p.other_reference,
               "text_similarity": p.likeness.text_similarity,
               "image_distance": p.likeness.image_distance}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}

/// For a recognised re-upload: the decision that stands on the earlier case is written as a
/// new version of this case's assessment, which waits for a supervisor's approval as any
/// other (four eyes). Refused when the case is no re-upload, the earlier case has no standing
/// decision, or this case's assessment is closed.
pub async fn propose_earlier_decision(
    store: &Store,
    settings: &Settings,
    ctx: &Ctx,
    case_id: i64,
) -> Result<Review> {
    let result = earlier_tx(store, settings, ctx, case_id).await;
    audit_refusal(
        store,
        ctx,
        AuditAction::AssessmentSaved,
        ("case", case_id),
        result,
    )
    .await
}

async fn earlier_tx(store: &Store, settings: &Settings, ctx: &Ctx, case_id: i64) -> Result<Review> {
    let mut tx = store.begin_write().await?;
    let case = cases::get_locked(&mut tx, case_id)
        .await
        .map_err(not_found)?;
    let earlier = case
        .reupload_of
        .ok_or(ServiceError::refused("copy.not_a_reupload"))?;
    let versions = assessments::versions_in(&mut tx, earlier).await?;
    let standing = decided_version(&versions)
        .ok_or(ServiceError::refused("copy.earlier_undecided"))?
        .clone();
    may_write_version(&mut tx, &case).await?;
    let (_, _, review) = write_version(&mut tx, settings, ctx, &case, &standing.a, None).await?;
    if review == Review::AwaitingApproval {
        let earlier_ref = cases::reference_in(&mut tx, earlier).await?;
        tell_supervisors(
            &mut tx,
            ctx,
            &format!(
                "Herplaatsing {}: het besluit van {earlier_ref} is voorgesteld en wacht op uw goedkeuring",
                case.reference
            ),
            &format!("/zaken/{case_id}#goedkeuring"),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(review)
}
