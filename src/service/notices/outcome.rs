//! What came of a case, for the reporting municipality (plain Dutch lines) and for
//! systems (the API): the decision that stands, what was sent, what each platform did.

use crate::domain::assessment::{Review, Version};
use crate::domain::notice::{NoticeKind, Outcome};
use crate::domain::{dutch_time, Millis};
use crate::service::Result;
use crate::store::assessments;
use crate::store::notices::{self};
use crate::store::Store;

/// What a reporting municipality is told about a case's outcome, in plain Dutch:
/// the team's decision, what was sent, and what each platform did.
pub async fn outcome_lines(store: &Store, case_id: i64) -> Result<Vec<String>> {
    let mut lines = Vec::new();
    let versions = assessments::versions(store, case_id).await?;
    if let Some(v) = decided_version(&versions) {
        lines.push(format!(
            "Besluit van het centrale team: {}.",
            v.a.decision.label_nl()
        ));
    }
    let answers = notices::answers_of_case(store, case_id).await?;
    for n in notices::list_by_case(store, case_id).await? {
        if n.kind == NoticeKind::MayorAdvice {
            if let Some(v) = versions.iter().find(|v| Some(v.id) == n.assessment_id) {
                lines.push(format!("Advies van het centrale team: {}", v.a.reasons));
            }
            continue;
        }
        if n.kind == NoticeKind::Withdrawal {
            if let Some(at) = n.sent_at {
                lines.push(format!(
                    "De melding is ingetrokken bij het platform op {}.",
                    dutch_time(at)
                ));
            }
            continue;
        }
        if !n.kind.goes_to_platform() {
            continue;
        }
        match n.sent_at {
            Some(at) => lines.push(format!(
                "{} verstuurd op {}.",
                n.kind.label_nl(),
                dutch_time(at)
            )),
            None => lines.push(format!("{}: {}.", n.kind.label_nl(), n.delivery.label_nl())),
        }
        // The newest answer per URL counts.
        let mut seen: Vec<&str> = Vec::new();
        for a in answers.iter().rev().filter(|a| a.notice_id == n.id) {
            if seen.contains(&a.url.as_str()) {
                continue;
            }
            seen.push(&a.url);
            lines.push(format!(
                "{} (antwoord van {})",
                a.outcome.plain_dutch(),
                dutch_time(a.received_at)
            ));
        }
    }
    Ok(lines)
}

/// The version whose decision stands: the newest one approved or needing no approval.
/// The decision that stands on a case (its newest approved or approval-free version).
pub fn standing_decision(versions: &[Version]) -> Option<crate::domain::assessment::Decision> {
    decided_version(versions).map(|v| v.a.decision)
}

pub(crate) fn decided_version(versions: &[Version]) -> Option<&Version> {
    let newest = versions.last().map(|v| v.version).unwrap_or(0);
    versions
        .iter()
        .rev()
        .find(|v| matches!(v.review(newest), Review::Approved | Review::NotNeeded))
}

/// A case's outcome for systems (the API): the decision that stands and the platforms'
/// answers, newest per URL.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseOutcome {
    pub decision: Option<crate::domain::assessment::Decision>,
    pub answers: Vec<(String, Outcome, Millis)>,
}

pub async fn case_outcome(store: &Store, case_id: i64) -> Result<CaseOutcome> {
    let versions = assessments::versions(store, case_id).await?;
    let decision = decided_version(&versions).map(|v| v.a.decision);
    let mut answers: Vec<(String, Outcome, Millis)> = Vec::new();
    for a in notices::answers_of_case(store, case_id)
        .await?
        .into_iter()
        .rev()
    {
        if !answers.iter().any(|(u, _, _)| *u == a.url) {
            answers.push((a.url, a.outcome, a.received_at));
        }
    }
    answers.reverse();
    Ok(CaseOutcome { decision, answers })
}
