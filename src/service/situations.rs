//! Situations: creating one, moving its phase, linking and unlinking cases, and the
//! suggestions a person confirms or dismisses. Each change is one transaction with its
//! history entry and its audit entry; each refusal is audited (`audit_refusal`).

use serde_json::json;

use super::history::record;
use super::notices::by;
use super::notices::refusals::{audit_refusal, not_found};
use super::{Ctx, Result, ServiceError, Settings};
use crate::domain::audit::{AuditAction, Outcome as AuditOutcome};
use crate::domain::case::CaseEventKind;
use crate::domain::message::Message;
use crate::domain::org;
use crate::domain::report::{dutch_year, reference};
use crate::domain::situation::{
    self, change_phase as decide_phase, Phase, PhaseDirection, SituationDraft, Suggestion,
};
use crate::domain::Millis;
use crate::store::situations::{self as store_situations, NewSituationEvent, SituationEventKind};
use crate::store::situations::{Situation, SuggestionDecision};
use crate::store::{audit, cases, notify, Store, StoreError};

/// Creates a situation in phase *signal*, and links `case_ids` to it (the cases of a
/// confirmed suggestion; `suggestion` is its key, recorded as confirmed).
pub async fn create(
    store: &Store,
    ctx: &Ctx,
    draft: &SituationDraft,
    case_ids: &[i64],
    suggestion: Option<&str>,
) -> Result<i64> {
    let result = create_tx(store, ctx, draft, case_ids, suggestion).await;
    audit_refusal(
        store,
        ctx,
        AuditAction::SituationCreated,
        ("situation", 0),
        result,
    )
    .await
}

async fn create_tx(
    store: &Store,
    ctx: &Ctx,
    draft: &SituationDraft,
    case_ids: &[i64],
    suggestion: Option<&str>,
) -> Result<i64> {
    let valid = situation::validate(draft, |c| org::municipality(c).is_some())
        .map_err(ServiceError::Rejected)?;
    let mut tx = store.begin_write().await?;
    let year = dutch_year(ctx.now);
    let number = cases::next_number(&mut tx, &format!("situation-{year}")).await?;
    let reference = reference("SIT", year, number);
    let id = store_situations::insert(&mut tx, &reference, &valid, by(ctx)).await?;
    store_situations::append_event(
        &mut tx,
        &NewSituationEvent {
            situation_id: id,
            kind: SituationEventKind::Created,
            from_phase: None,
            to_phase: Some(Phase::Signal),
            case_id: None,
            note: None,
        },
        by(ctx),
    )
    .await?;
    for case_id in case_ids {
        link_in(&mut tx, ctx, id, &reference, *case_id).await?;
    }
    if let Some(key) = suggestion {
        decide_suggestion_in(&mut tx, key, SuggestionDecision::Confirmed, ctx).await?;
    }
    let event = ctx.event(
        AuditAction::SituationCreated,
        "situation",
        id,
        None,
        AuditOutcome::Success,
        json!({"reference": reference, "municipalities": valid.municipality_codes,
               "cases": case_ids, "suggestion": suggestion}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(id)
}

async fn decide_suggestion_in(
    tx: &mut crate::store::WriteTx,
    key: &str,
    decision: SuggestionDecision,
    ctx: &Ctx,
) -> Result<()> {
    store_situations::decide_suggestion(tx, key, decision, by(ctx))
        .await
        .map_err(|e| match e {
            StoreError::Conflict => {
                ServiceError::Conflict(Message::new("situation.suggestion_decided"))
            }
            e => e.into(),
        })
}

/// Links one case inside `tx`, with the entries in both histories. Refused when the case is
/// in a situation already: a case belongs to one situation at a time (unlink it first).
pub(crate) async fn link_in(
    tx: &mut crate::store::WriteTx,
    ctx: &Ctx,
    situation_id: i64,
    situation_reference: &str,
    case_id: i64,
) -> Result<()> {
    let case = cases::get_locked(tx, case_id).await.map_err(not_found)?;
    if let Some(other) = store_situations::of_case_in(tx, case_id).await? {
        return Err(ServiceError::Unprocessable(
            Message::new(if other == situation_id {
                "situation.case_already_here"
            } else {
                "situation.case_in_other_situation"
            })
            .with("case", &case.reference),
        ));
    }
    store_situations::link(tx, situation_id, case_id, by(ctx)).await?;
    store_situations::append_event(
        tx,
        &NewSituationEvent {
            situation_id,
            kind: SituationEventKind::CaseLinked,
            from_phase: None,
            to_phase: None,
            case_id: Some(case_id),
            note: None,
        },
        by(ctx),
    )
    .await?;
    record(
        tx,
        ctx,
        case_id,
        CaseEventKind::LinkedToSituation,
        Some(situation_reference),
    )
    .await?;
    Ok(())
}

/// Links a case to an open situation (`suggestion`: the key of the confirmed suggestion).
pub async fn link_case(
    store: &Store,
    ctx: &Ctx,
    situation_id: i64,
    case_id: i64,
    suggestion: Option<&str>,
) -> Result<()> {
    let result = link_tx(store, ctx, situation_id, case_id, suggestion).await;
    audit_refusal(
        store,
        ctx,
        AuditAction::SituationCaseLinked,
        ("situation", situation_id),
        result,
    )
    .await
}

async fn link_tx(
    store: &Store,
    ctx: &Ctx,
    situation_id: i64,
    case_id: i64,
    suggestion: Option<&str>,
) -> Result<()> {
    let mut tx = store.begin_write().await?;
    let s = store_situations::get_locked(&mut tx, situation_id)
        .await
        .map_err(not_found)?;
    if !s.phase.is_open() {
        return Err(ServiceError::refused("situation.closed"));
    }
    link_in(&mut tx, ctx, situation_id, &s.reference, case_id).await?;
    if let Some(key) = suggestion {
        decide_suggestion_in(&mut tx, key, SuggestionDecision::Confirmed, ctx).await?;
    }
    let event = ctx.event(
        AuditAction::SituationCaseLinked,
        "situation",
        situation_id,
        None,
        AuditOutcome::Success,
        json!({"reference": s.reference, "case": case_id, "suggestion": suggestion}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}

/// Unlinks a case, with the reason (it was not about this disturbance after all).
pub async fn unlink_case(
    store: &Store,
    ctx: &Ctx,
    situation_id: i64,
    case_id: i64,
    reason: &str,
) -> Result<()> {
    let result = unlink_tx(store, ctx, situation_id, case_id, reason).await;
    audit_refusal(
        store,
        ctx,
        AuditAction::SituationCaseUnlinked,
        ("situation", situation_id),
        result,
    )
    .await
}

async fn unlink_tx(
    store: &Store,
    ctx: &Ctx,
    situation_id: i64,
    case_id: i64,
    reason: &str,
) -> Result<()> {
    let reason = reason.trim();
    if !(situation::MIN_REASON_CHARS..=situation::MAX_REASON_CHARS)
        .contains(&reason.chars().count())
    {
        return Err(ServiceError::invalid(
            "reason",
            Message::new("situation.unlink_reason_required"),
        ));
    }
    let mut tx = store.begin_write().await?;
    let s = store_situations::get_locked(&mut tx, situation_id)
        .await
        .map_err(not_found)?;
    let case = cases::get_locked(&mut tx, case_id)
        .await
        .map_err(not_found)?;
    store_situations::unlink(&mut tx, situation_id, case_id, ctx.now)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ServiceError::Unprocessable(
                Message::new("situation.case_not_here").with("case", &case.reference),
            ),
            e => e.into(),
        })?;
    store_situations::append_event(
        &mut tx,
        &NewSituationEvent {
            situation_id,
            kind: SituationEventKind::CaseUnlinked,
            from_phase: None,
            to_phase: None,
            case_id: Some(case_id),
            note: Some(reason),
        },
        by(ctx),
    )
    .await?;
    record(
        &mut tx,
        ctx,
        case_id,
        CaseEventKind::UnlinkedFromSituation,
        Some(&format!("{}: {reason}", s.reference)),
    )
    .await?;
    // A case taken out is not suggested for this situation again.
    let key = Suggestion::Link {
        situation_id,
        case_id,
    }
    .key();
    if !store_situations::is_settled(&mut tx, &key).await? {
        decide_suggestion_in(&mut tx, &key, SuggestionDecision::Dismissed, ctx).await?;
    }
    let event = ctx.event(
        AuditAction::SituationCaseUnlinked,
        "situation",
        situation_id,
        None,
        AuditOutcome::Success,
        json!({"reference": s.reference, "case": case.reference, "reason": reason}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}

/// Moves a situation to another phase, with its reason; the reporters of the municipalities
/// concerned are told (in meldpunt and by e-mail).
pub async fn change_phase(
    store: &Store,
    settings: &Settings,
    ctx: &Ctx,
    situation_id: i64,
    to: Phase,
    reason: &str,
) -> Result<()> {
    let result = phase_tx(store, settings, ctx, situation_id, to, reason).await;
    audit_refusal(
        store,
        ctx,
        AuditAction::SituationPhaseChanged,
        ("situation", situation_id),
        result,
    )
    .await
}

async fn phase_tx(
    store: &Store,
    settings: &Settings,
    ctx: &Ctx,
    situation_id: i64,
    to: Phase,
    reason: &str,
) -> Result<()> {
    let mut tx = store.begin_write().await?;
    let s = store_situations::get_locked(&mut tx, situation_id)
        .await
        .map_err(not_found)?;
    let direction = decide_phase(s.phase, to, reason)
        .map_err(|refused| ServiceError::invalid("reason", refused.message()))?;
    let reason = reason.trim();
    store_situations::set_phase(&mut tx, situation_id, s.phase, to, ctx.now)
        .await
        .map_err(|e| match e {
            StoreError::Conflict => ServiceError::Conflict(Message::new("situation.changed")),
            e => e.into(),
        })?;
    store_situations::append_event(
        &mut tx,
        &NewSituationEvent {
            situation_id,
            kind: SituationEventKind::PhaseChanged,
            from_phase: Some(s.phase),
            to_phase: Some(to),
            case_id: None,
            note: Some(reason),
        },
        by(ctx),
    )
    .await?;
    inform_municipalities(&mut tx, settings, &s, to, direction, reason, ctx.now).await?;
    let event = ctx.event(
        AuditAction::SituationPhaseChanged,
        "situation",
        situation_id,
        None,
        AuditOutcome::Success,
        json!({"reference": s.reference, "from": s.phase.as_str(), "to": to.as_str(),
               "reason": reason}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}

/// Tells the reporters of every municipality the situation concerns that its phase changed.
async fn inform_municipalities(
    tx: &mut crate::store::WriteTx,
    settings: &Settings,
    s: &Situation,
    to: Phase,
    direction: PhaseDirection,
    reason: &str,
    now: Millis,
) -> Result<()> {
    let link = format!("/situaties/{}", s.id);
    let what = match direction {
        PhaseDirection::Closing => "is gesloten".to_string(),
        PhaseDirection::Reopening => format!("is heropend in fase {}", to.label_nl()),
        PhaseDirection::Back => format!("is teruggezet naar fase {}", to.label_nl()),
        PhaseDirection::Forward => format!("is nu in fase {}", to.label_nl()),
    };
    let line = format!("Situatie {} ({}) {what}.", s.reference, s.title);
    for (user_id, email, name) in
        notify::reporters_of_municipalities(tx, &s.municipality_codes).await?
    {
        notify::notify(tx, user_id, &line, &link, now).await?;
        let body = format!(
            "Beste {name},\n\n{line}\nReden: {reason}\n\n\
             Bekijk de situatie: {}{link}\n\n\
             Dit bericht is automatisch verstuurd door meldpunt.",
            settings.public_url.trim_end_matches('/'),
        );
        notify::enqueue_mail(
            tx,
            &email,
            &format!("[meldpunt] Situatie {}: {}", s.reference, to.label_nl()),
            &body,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Dismisses a suggestion: it is not made again.
pub async fn dismiss_suggestion(store: &Store, ctx: &Ctx, key: &str) -> Result<()> {
    let result = async {
        if !valid_key(key) {
            return Err(ServiceError::invalid(
                "key",
                Message::new("situation.suggestion_unknown"),
            ));
        }
        let mut tx = store.begin_write().await?;
        decide_suggestion_in(&mut tx, key, SuggestionDecision::Dismissed, ctx).await?;
        let event = ctx.event(
            AuditAction::SituationSuggestionDismissed,
            "suggestion",
            key,
            None,
            AuditOutcome::Success,
            json!({}),
        );
        audit::append(&mut tx, &event, ctx.now).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    audit_refusal(
        store,
        ctx,
        AuditAction::SituationSuggestionDismissed,
        ("suggestion", 0),
        result,
    )
    .await
}

/// Whether a key has the shape `Suggestion::key` gives (`new:GM0599:2026-01-25`,
/// `link:3:17`).
fn valid_key(key: &str) -> bool {
    let parts: Vec<&str> = key.split(':').collect();
    match parts.as_slice() {
        ["new", code, date] => {
            org::municipality(code).is_some() && date.parse::<jiff::civil::Date>().is_ok()
        }
        ["link", s, c] => s.parse::<i64>().is_ok() && c.parse::<i64>().is_ok(),
        _ => false,
    }
}

/// The suggestions open now: new situations for open cases that share a municipality and a
/// date, and links of open cases to open situations they fit.
pub async fn suggestions(store: &Store) -> Result<Vec<Suggestion>> {
    let unlinked = store_situations::unlinked_signals(store).await?;
    let open = store_situations::list(
        store,
        &store_situations::SituationFilter {
            open_only: true,
            ..Default::default()
        },
    )
    .await?;
    let scopes: Vec<_> = open.iter().map(Situation::scope).collect();
    let settled = store_situations::settled_suggestions(store).await?;
    Ok(situation::suggest(&unlinked, &scopes, dutch_date, |k| {
        settled.contains(k)
    }))
}

/// The Dutch calendar date of a moment, `YYYY-MM-DD`.
pub fn dutch_date(ms: Millis) -> String {
    crate::domain::dutch_day(ms)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestion_keys_are_checked_before_they_are_recorded() {
        assert!(valid_key("new:GM0599:2026-01-25"));
        assert!(valid_key("link:3:17"));
        assert!(!valid_key("new:GM9999:2026-01-25"));
        assert!(!valid_key("new:GM0599:25-01-2026"));
        assert!(!valid_key("link:x:1"));
        assert!(!valid_key("anything"));
    }

    #[test]
    fn the_dutch_date_is_the_date_in_amsterdam() {
        // 2026-01-25 23:30 UTC is already the 26th in Amsterdam (UTC+1).
        let ms = jiff::Timestamp::from_second(1_769_383_800)
            .unwrap()
            .as_millisecond();
        assert_eq!(dutch_date(ms), "2026-01-26");
    }
}
