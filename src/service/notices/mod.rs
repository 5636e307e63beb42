//! From assessment to answer: one module per step.
//!
//! - `assessment`: a new version of a case's assessment, and the four-eyes review;
//! - `dispatch`: rendering the approved decision into a message, the one route to a
//!   platform's contact point, storing the message and starting it on its way, re-sending;
//! - `delivery`: what the outbox and the web form report back, bounces;
//! - `answers`: the platform's answers and "still online?" re-checks;
//! - `follow_up`: reminders and escalation of unanswered notices;
//! - `groups`: one decision for many copies — a situation's cases marked as the same message,
//!   assessed and approved once, one notice per platform;
//! - `outcome`: what a municipality and the API read about a case's outcome;
//! - `refusals`: refused attempts on record in the audit trail.

mod answers;
mod assessment;
mod delivery;
mod dispatch;
mod follow_up;
mod groups;
mod outcome;
pub(crate) mod refusals;

pub(crate) use answers::by;
pub use answers::{recheck, record_answer, AnswerInput};
pub use assessment::{approval_preview, assess, options, review, save_draft, Reviewer, Verdict};
pub(crate) use assessment::{may_write_version, tell_supervisors, write_version};
pub use delivery::{mail_failed, mail_sent, record_bounce, record_web_form};
pub use dispatch::resend;
pub use dispatch::{contact_point_problem, Draft};
pub(crate) use dispatch::{queue_message, route_to};
pub use follow_up::follow_up;
pub(crate) use groups::add_in as add_to_group_in;
pub use groups::{
    add_to_group, assess_group, create_group, group_approval_preview, group_file, review_group,
    GroupFile, GroupMember, GroupVerdict,
};
pub(crate) use outcome::decided_version;
pub use outcome::{case_outcome, outcome_lines, standing_decision, CaseOutcome};
