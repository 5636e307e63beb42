//! Groups: cases within one situation that the team marks as *the same message* (copies of one
//! call on several accounts and platforms), so that one assessment, one four-eyes approval and
//! one notice per platform decide them all.
//!
//! A group's version N is one assessment version per member case, all carrying
//! `(group, N)`; the rules below say which cases may be grouped, which members a new version is
//! written for, when a verdict is about a stale version, what state the group's version is in,
//! and how the members are split into one notice per platform. The four-eyes rule itself is
//! `assessment::check_four_eyes`, applied once with every member's reporters.

use super::assessment::{Decision, Review};
use super::message::Message;
use super::report::Urgency;

/// The longest group title.
pub const TITLE_MAX: usize = 200;

/// The N-th assessment written for a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupVersion {
    pub group_id: i64,
    pub version: i64,
}

/// One case as the grouping rules see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub case_id: i64,
    pub reference: String,
    /// The decision that stands for the case (approved, or needing no approval), if any.
    pub standing: Option<Decision>,
}

/// Why a group could not be formed, grown, assessed or approved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupRefused {
    /// A group is two or more copies.
    TooFew,
    TitleMissing,
    TitleTooLong,
    /// The case is not linked to the group's situation.
    NotInSituation(String),
    /// The case is already in a group.
    InOtherGroup(String),
    /// The case's standing decision differs from the others' (or from the one proposed):
    /// content decided differently is not the same message.
    DecidedDifferently {
        reference: String,
        decision: Decision,
    },
    /// No member can get a new version now (every one already had its message sent).
    NothingToAssess,
    /// The verdict is about a version that is no longer the group's newest.
    StaleVersion,
    /// The group's newest version does not wait for a supervisor.
    NotAwaitingApproval,
}

impl GroupRefused {
    /// What a person reads (worded by `web::i18n`).
    pub fn message(&self) -> Message {
        match self {
            GroupRefused::TooFew => Message::new("group.too_few"),
            GroupRefused::TitleMissing => Message::new("group.title_required"),
            GroupRefused::TitleTooLong => Message::new("group.title_too_long"),
            GroupRefused::NotInSituation(r) => {
                Message::new("group.not_in_situation").with("case", r)
            }
            GroupRefused::InOtherGroup(r) => Message::new("group.in_other_group").with("case", r),
            GroupRefused::DecidedDifferently {
                reference,
                decision,
            } => Message::new("group.decided_differently")
                .with("case", reference)
                .label("decision", decision.label_nl(), decision.label_en()),
            GroupRefused::NothingToAssess => Message::new("group.nothing_to_assess"),
            GroupRefused::StaleVersion => Message::new("group.stale_version"),
            GroupRefused::NotAwaitingApproval => Message::new("group.not_awaiting_approval"),
        }
    }
}

/// Checks a group's title; returns it trimmed.
pub fn check_title(title: &str) -> Result<String, GroupRefused> {
    let t = title.trim();
    if t.is_empty() {
        return Err(GroupRefused::TitleMissing);
    }
    if t.chars().count() > TITLE_MAX {
        return Err(GroupRefused::TitleTooLong);
    }
    Ok(t.to_string())
}

/// Content decided differently is not one message: every standing decision among `members`
/// must be the same, and the same as `proposed` when a decision is proposed. Refuses with the
/// first member that differs.
pub fn check_decisions(members: &[Member], proposed: Option<Decision>) -> Result<(), GroupRefused> {
    let mut first = proposed;
    for m in members {
        let Some(d) = m.standing else { continue };
        match first {
            None => first = Some(d),
            Some(f) if f != d => {
                return Err(GroupRefused::DecidedDifferently {
                    reference: m.reference.clone(),
                    decision: d,
                })
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// A verdict is given on the group's newest version only.
pub fn check_current(submitted: i64, newest: Option<i64>) -> Result<(), GroupRefused> {
    match newest {
        Some(n) if n == submitted => Ok(()),
        _ => Err(GroupRefused::StaleVersion),
    }
}

/// The state of a group's version, from the reviews of its member versions: sent back when
/// any was sent back, approved when all were, waiting while any waits.
pub fn group_review(members: &[Review]) -> Option<Review> {
    if members.is_empty() {
        return None;
    }
    let any = |r: Review| members.contains(&r);
    Some(if any(Review::SentBack) {
        Review::SentBack
    } else if any(Review::Superseded) {
        Review::Superseded
    } else if any(Review::AwaitingApproval) {
        Review::AwaitingApproval
    } else if members.iter().all(|r| *r == Review::NotNeeded) {
        Review::NotNeeded
    } else {
        Review::Approved
    })
}

/// Splits items into one batch per key (a platform), in the order keys first appear: one
/// notice per platform, listing every URL of that platform's members.
pub fn per_key<K: PartialEq, T>(items: impl IntoIterator<Item = (K, T)>) -> Vec<(K, Vec<T>)> {
    let mut out: Vec<(K, Vec<T>)> = Vec::new();
    for (k, t) in items {
        match out.iter_mut().find(|(key, _)| *key == k) {
            Some((_, batch)) => batch.push(t),
            None => out.push((k, vec![t])),
        }
    }
    out
}

/// A notice about several cases answers to the most pressing of them.
pub fn most_pressing(urgencies: impl IntoIterator<Item = Urgency>) -> Urgency {
    urgencies.into_iter().min().unwrap_or(Urgency::Normal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(id: i64, standing: Option<Decision>) -> Member {
        Member {
            case_id: id,
            reference: format!("ZK-{id}"),
            standing,
        }
    }

    #[test]
    fn content_decided_differently_is_not_one_message() {
        let notice = Some(Decision::Art16Notice);
        assert_eq!(check_decisions(&[m(1, None), m(2, None)], None), Ok(()));
        assert_eq!(check_decisions(&[m(1, notice), m(2, None)], notice), Ok(()));
        assert_eq!(
            check_decisions(&[m(1, notice), m(2, Some(Decision::NoAction))], None),
            Err(GroupRefused::DecidedDifferently {
                reference: "ZK-2".into(),
                decision: Decision::NoAction
            })
        );
        // The decision proposed for the group counts as the first.
        assert_eq!(
            check_decisions(&[m(1, notice)], Some(Decision::NoAction)),
            Err(GroupRefused::DecidedDifferently {
                reference: "ZK-1".into(),
                decision: Decision::Art16Notice
            })
        );
    }

    #[test]
    fn only_the_newest_group_version_gets_a_verdict() {
        assert_eq!(check_current(2, Some(2)), Ok(()));
        assert_eq!(check_current(1, Some(2)), Err(GroupRefused::StaleVersion));
        assert_eq!(check_current(1, None), Err(GroupRefused::StaleVersion));
    }

    #[test]
    fn a_group_version_waits_until_every_member_is_approved() {
        use Review::*;
        assert_eq!(group_review(&[]), None);
        assert_eq!(group_review(&[Approved, Approved]), Some(Approved));
        assert_eq!(
            group_review(&[Approved, AwaitingApproval]),
            Some(AwaitingApproval)
        );
        assert_eq!(group_review(&[AwaitingApproval, SentBack]), Some(SentBack));
        assert_eq!(group_review(&[NotNeeded, NotNeeded]), Some(NotNeeded));
        assert_eq!(group_review(&[Superseded, Approved]), Some(Superseded));
    }

    #[test]
    fn members_are_split_into_one_batch_per_platform_in_first_seen_order() {
        let batches = per_key([("tiktok", 1), ("telegram", 2), ("tiktok", 3)]);
        assert_eq!(batches, vec![("tiktok", vec![1, 3]), ("telegram", vec![2])]);
    }

    #[test]
    fn a_group_notice_answers_to_its_most_pressing_case() {
        assert_eq!(
            most_pressing([Urgency::Normal, Urgency::Acute, Urgency::High]),
            Urgency::Acute
        );
        assert_eq!(most_pressing([]), Urgency::Normal);
    }

    #[test]
    fn titles_are_required_and_bounded() {
        assert_eq!(check_title("  "), Err(GroupRefused::TitleMissing));
        assert_eq!(check_title(" Oproep 20:00 "), Ok("Oproep 20:00".into()));
        assert_eq!(
            check_title(&"x".repeat(TITLE_MAX + 1)),
            Err(GroupRefused::TitleTooLong)
        );
    }
}
