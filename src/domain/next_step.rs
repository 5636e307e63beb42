//! The one next step a person has on a case, as the case page's action panel offers it.
//! Pure: the facts come from the case file and the policy.

use crate::domain::notice::{answer_can_be_recorded, Delivery, NoticeKind};

/// A message of the case, as far as the next step needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoticeFacts {
    pub id: i64,
    pub kind: NoticeKind,
    pub delivery: Delivery,
    /// The platform's answer has been recorded.
    pub answered: bool,
}

/// What the case page knows when it offers the next step.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Facts {
    /// The person may work on cases (analyst or supervisor).
    pub may_work: bool,
    /// The person may approve assessments (supervisor).
    pub may_review: bool,
    /// The assessment version awaiting approval, and whether this person wrote it.
    pub awaiting: Option<(i64, bool)>,
    /// A new assessment version may be written now.
    pub assessment_open: bool,
    /// The case has an assessment version already.
    pub has_assessment: bool,
    pub notices: Vec<NoticeFacts>,
    /// An objection waits for a decision.
    pub open_objection: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// Approve or send back this version (four eyes: never the author's own).
    Approve { version_id: i64 },
    /// The assessment waits for a supervisor who did not write it.
    AwaitApproval,
    /// Decide an open objection (supervisor).
    DecideObjection,
    /// Submit this message through the platform's web form and record that it was done.
    SubmitViaWebForm { notice_id: i64 },
    /// Record the platform's answer to this message.
    RecordAnswer { notice_id: i64 },
    /// Write the assessment (`first`) or a new version of it.
    WriteAssessment { first: bool },
    /// Nothing for this person to do now.
    Nothing,
}

/// The most pressing step for this person: approval before anything else (nothing leaves
/// without it), then objections, then messages on their way, then the assessment.
pub fn next_step(f: &Facts) -> NextStep {
    if let Some((version_id, mine)) = f.awaiting {
        return if f.may_review && !mine {
            NextStep::Approve { version_id }
        } else {
            NextStep::AwaitApproval
        };
    }
    if f.open_objection && f.may_review {
        return NextStep::DecideObjection;
    }
    if f.may_work {
        if let Some(n) = f
            .notices
            .iter()
            .find(|n| n.delivery == Delivery::AwaitingWebForm)
        {
            return NextStep::SubmitViaWebForm { notice_id: n.id };
        }
        if let Some(n) = f
            .notices
            .iter()
            .find(|n| !n.answered && answer_can_be_recorded(n.kind, n.delivery))
        {
            return NextStep::RecordAnswer { notice_id: n.id };
        }
        if f.assessment_open {
            return NextStep::WriteAssessment {
                first: !f.has_assessment,
            };
        }
    }
    NextStep::Nothing
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyst() -> Facts {
        Facts {
            may_work: true,
            assessment_open: true,
            ..Default::default()
        }
    }

    fn sent(id: i64, answered: bool) -> NoticeFacts {
        NoticeFacts {
            id,
            kind: NoticeKind::Art16Notice,
            delivery: Delivery::Sent,
            answered,
        }
    }

    #[test]
    fn a_new_case_asks_for_the_first_assessment() {
        assert_eq!(
            next_step(&analyst()),
            NextStep::WriteAssessment { first: true }
        );
        let mut f = analyst();
        f.has_assessment = true;
        assert_eq!(next_step(&f), NextStep::WriteAssessment { first: false });
    }

    #[test]
    fn approval_is_for_another_supervisor_than_the_author() {
        let mut f = analyst();
        f.may_review = true;
        f.awaiting = Some((7, false));
        assert_eq!(next_step(&f), NextStep::Approve { version_id: 7 });
        f.awaiting = Some((7, true));
        assert_eq!(next_step(&f), NextStep::AwaitApproval);
        f.may_review = false;
        f.awaiting = Some((7, false));
        assert_eq!(next_step(&f), NextStep::AwaitApproval);
    }

    #[test]
    fn a_sent_message_asks_for_the_platforms_answer_once() {
        let mut f = analyst();
        f.assessment_open = false;
        f.notices = vec![sent(1, true), sent(2, false)];
        assert_eq!(next_step(&f), NextStep::RecordAnswer { notice_id: 2 });
        f.notices = vec![sent(1, true)];
        assert_eq!(next_step(&f), NextStep::Nothing);
        // A message to the police or the mayor gets no platform answer.
        f.notices = vec![NoticeFacts {
            kind: NoticeKind::PoliceReferral,
            ..sent(3, false)
        }];
        assert_eq!(next_step(&f), NextStep::Nothing);
    }

    #[test]
    fn a_web_form_message_is_submitted_before_its_answer() {
        let mut f = analyst();
        f.notices = vec![
            sent(1, false),
            NoticeFacts {
                delivery: Delivery::AwaitingWebForm,
                ..sent(2, false)
            },
        ];
        assert_eq!(next_step(&f), NextStep::SubmitViaWebForm { notice_id: 2 });
    }

    #[test]
    fn an_open_objection_goes_to_a_supervisor_and_auditors_do_nothing() {
        let mut f = analyst();
        f.open_objection = true;
        assert_eq!(next_step(&f), NextStep::WriteAssessment { first: true });
        f.may_review = true;
        assert_eq!(next_step(&f), NextStep::DecideObjection);
        assert_eq!(next_step(&Facts::default()), NextStep::Nothing);
    }
}
