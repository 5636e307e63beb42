//! A case (zaak): one piece of online content, however many municipalities reported it.
//! Its lifecycle is typed and its transitions are decided here; its queue priority too.

use super::link::Platform;
use super::message::Message;
use super::report::{Category, HandlingDeadlines, ReportStatus, Urgency};
use super::Millis;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseStatus {
    Received,
    InTriage,
    InAssessment,
    Decided,
    NoticeSent,
    PlatformAnswered,
    Closed,
    Withdrawn,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 8] = [
        CaseStatus::Received,
        CaseStatus::InTriage,
        CaseStatus::InAssessment,
        CaseStatus::Decided,
        CaseStatus::NoticeSent,
        CaseStatus::PlatformAnswered,
        CaseStatus::Closed,
        CaseStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Received => "received",
            CaseStatus::InTriage => "in_triage",
            CaseStatus::InAssessment => "in_assessment",
            CaseStatus::Decided => "decided",
            CaseStatus::NoticeSent => "notice_sent",
            CaseStatus::PlatformAnswered => "platform_answered",
            CaseStatus::Closed => "closed",
            CaseStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<CaseStatus> {
        CaseStatus::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label_nl(self) -> &'static str {
        match self {
            CaseStatus::Received => "Ontvangen",
            CaseStatus::InTriage => "In triage",
            CaseStatus::InAssessment => "In beoordeling",
            CaseStatus::Decided => "Besluit genomen",
            CaseStatus::NoticeSent => "Verzoek aan platform verstuurd",
            CaseStatus::PlatformAnswered => "Platform heeft geantwoord",
            CaseStatus::Closed => "Afgesloten",
            CaseStatus::Withdrawn => "Ingetrokken",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            CaseStatus::Received => "Received",
            CaseStatus::InTriage => "In triage",
            CaseStatus::InAssessment => "In assessment",
            CaseStatus::Decided => "Decided",
            CaseStatus::NoticeSent => "Notice sent to platform",
            CaseStatus::PlatformAnswered => "Platform answered",
            CaseStatus::Closed => "Closed",
            CaseStatus::Withdrawn => "Withdrawn",
        }
    }

    /// Still waiting for the central team to decide: the handling deadline applies.
    pub fn awaits_decision(self) -> bool {
        matches!(
            self,
            CaseStatus::Received | CaseStatus::InTriage | CaseStatus::InAssessment
        )
    }

    /// Open cases appear in the queue.
    pub fn is_open(self) -> bool {
        !matches!(self, CaseStatus::Closed | CaseStatus::Withdrawn)
    }
}

/// Who moves a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mover {
    /// An analyst or supervisor, by hand.
    Team,
    /// meldpunt itself: all reports withdrawn, or a new report reopening the case.
    System,
    /// The assessment and notice workflow: saving an assessment, a supervisor's approval,
    /// a notice leaving, a platform's answer. Never chosen by hand on the case page.
    Workflow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a case cannot go from {from:?} to {to:?}")]
pub struct TransitionRefused {
    pub from: CaseStatus,
    pub to: CaseStatus,
}

impl TransitionRefused {
    /// What a person reads (worded by `web::i18n`).
    pub fn message(&self) -> Message {
        Message::new("case.transition_refused")
            .label("from", self.from.label_nl(), self.from.label_en())
            .label("to", self.to.label_nl(), self.to.label_en())
    }
}

crate::vocabulary! {
    /// The steps of the work on a case, in order, as the case page's process bar shows them.
    pub enum Stage {
        Received => ("received", "Ontvangen", "Received"),
        Assessment => ("assessment", "Beoordeling", "Assessment"),
        Decision => ("decision", "Besluit", "Decision"),
        Sent => ("sent", "Verstuurd", "Sent"),
        Answer => ("answer", "Antwoord", "Answer"),
    }
}

impl CaseStatus {
    /// The step of the work a case in this status is at; `None` when the work ended (closed
    /// or withdrawn).
    pub fn stage(self) -> Option<Stage> {
        match self {
            CaseStatus::Received | CaseStatus::InTriage => Some(Stage::Received),
            CaseStatus::InAssessment => Some(Stage::Assessment),
            CaseStatus::Decided => Some(Stage::Decision),
            CaseStatus::NoticeSent => Some(Stage::Sent),
            CaseStatus::PlatformAnswered => Some(Stage::Answer),
            CaseStatus::Closed | CaseStatus::Withdrawn => None,
        }
    }
}

crate::vocabulary! {
    /// What happened to a case (its history, `case_events.kind`).
    pub enum CaseEventKind {
        Opened => ("opened", "Zaak geopend", "Case opened"),
        ReportAdded => ("report_added", "Melding toegevoegd", "Report added"),
        ReportWithdrawn => ("report_withdrawn", "Melding ingetrokken", "Report withdrawn"),
        StatusChanged => ("status_changed", "Status gewijzigd", "Status changed"),
        Claimed => ("claimed", "In behandeling genomen", "Taken up"),
        Released => ("released", "Vrijgegeven", "Released"),
        Reopened => ("reopened", "Heropend door nieuwe melding", "Reopened by a new report"),
        Assessed => ("assessed", "Beoordeling opgeslagen", "Assessment saved"),
        Approved => ("approved", "Goedgekeurd (vier ogen)", "Approved (four eyes)"),
        SentBack => ("sent_back", "Teruggestuurd door supervisor", "Sent back by supervisor"),
        NoticeQueued => ("notice_queued", "Verzoek klaargezet", "Request queued"),
        NoticeSent => ("notice_sent", "Verzoek verstuurd", "Request sent"),
        NoticeFailed => ("notice_failed", "Verzoek niet afgeleverd", "Request not delivered"),
        AnswerRecorded => ("answer_recorded", "Antwoord platform vastgelegd", "Platform answer recorded"),
        Reminded => ("reminded", "Herinnering aan platform", "Reminder to platform"),
        Escalated => ("escalated", "Geëscaleerd naar supervisor", "Escalated to supervisor"),
        Rechecked => ("rechecked", "Nagekeken of de inhoud nog online staat", "Re-checked whether content is still online"),
        ObjectionRecorded => ("objection_recorded", "Bezwaar ontvangen", "Objection received"),
        ObjectionDecided => ("objection_decided", "Besluit op bezwaar", "Decision on objection"),
        NoticeWithdrawn => ("notice_withdrawn", "Verzoek aan platform ingetrokken", "Request to platform withdrawn"),
        LinkedToSituation => ("linked_to_situation", "Gekoppeld aan situatie", "Linked to situation"),
        UnlinkedFromSituation => ("unlinked_from_situation", "Ontkoppeld van situatie", "Unlinked from situation"),
        AddedToGroup => ("added_to_group", "Toegevoegd aan groep (zelfde bericht)", "Added to group (same message)"),
        CopyProposed => ("copy_proposed", "Mogelijke kopie gevonden", "Possible copy found"),
        CopyConfirmed => ("copy_confirmed", "Bevestigd als kopie", "Confirmed as a copy"),
        CopyRejected => ("copy_rejected", "Afgewezen als kopie", "Rejected as a copy"),
        ReuploadDetected => ("reupload_detected", "Herplaatsing herkend van verwijderde inhoud", "Re-upload of removed content recognised"),
    }
}

impl CaseEventKind {
    /// Whether the entry's note holds what a person wrote (a reason, a summary of an answer
    /// or an objection), and so is searched as text; the other notes are references and
    /// states the system wrote.
    pub fn note_is_written_by_a_person(self) -> bool {
        matches!(
            self,
            CaseEventKind::StatusChanged
                | CaseEventKind::SentBack
                | CaseEventKind::AnswerRecorded
                | CaseEventKind::Rechecked
                | CaseEventKind::ObjectionRecorded
                | CaseEventKind::ObjectionDecided
        )
    }
}

/// The allowed moves. Everything not listed is refused.
pub fn transition(from: CaseStatus, to: CaseStatus, by: Mover) -> Result<(), TransitionRefused> {
    use CaseStatus::*;
    let allowed = match by {
        Mover::Team => matches!(
            (from, to),
            (Received, InTriage)
                | (InTriage, InAssessment)
                | (InTriage, Closed)
                | (InAssessment, InTriage)
                | (Decided, Closed)
                | (PlatformAnswered, Closed)
        ),
        Mover::Workflow => matches!(
            (from, to),
            (
                Received | InTriage | Decided | NoticeSent | PlatformAnswered | Closed,
                InAssessment
            ) | (InAssessment, Decided)
                | (Decided, NoticeSent)
                | (NoticeSent, PlatformAnswered)
        ),
        Mover::System => matches!(
            (from, to),
            (Received | InTriage, Withdrawn) | (Closed | Withdrawn, Received)
        ),
    };
    if allowed {
        Ok(())
    } else {
        Err(TransitionRefused { from, to })
    }
}

/// The moves the team can make from `from`, for the case page.
pub fn team_moves(from: CaseStatus) -> Vec<CaseStatus> {
    CaseStatus::ALL
        .into_iter()
        .filter(|to| transition(from, *to, Mover::Team).is_ok())
        .collect()
}

/// What a case needs to know about each of its reports to derive its own figures.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportFacts {
    pub org_id: i64,
    pub urgency: Urgency,
    pub category: Category,
    pub status: ReportStatus,
    pub reported_at: Millis,
    pub expected_start: Option<Millis>,
}

/// A case's figures, derived from its active reports (or all, when all are withdrawn).
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFigures {
    pub urgency: Urgency,
    pub deadline_at: Millis,
    pub expected_start_at: Option<Millis>,
    pub municipality_count: i64,
    pub report_count: i64,
    pub categories: Vec<Category>,
    pub first_reported_at: Millis,
    pub last_reported_at: Millis,
    pub all_withdrawn: bool,
}

/// Derives the figures. The most urgent report sets the urgency; the deadline runs from
/// the first report with that urgency; the earliest expected start counts.
pub fn figures(reports: &[ReportFacts], deadlines: &HandlingDeadlines) -> Option<CaseFigures> {
    let active: Vec<&ReportFacts> = reports
        .iter()
        .filter(|r| r.status == ReportStatus::Active)
        .collect();
    let all_withdrawn = active.is_empty();
    let counted: Vec<&ReportFacts> = if all_withdrawn {
        reports.iter().collect()
    } else {
        active
    };
    let urgency = counted.iter().map(|r| r.urgency).min()?;
    let deadline_at = counted
        .iter()
        .filter(|r| r.urgency == urgency)
        .map(|r| deadlines.deadline(urgency, r.reported_at))
        .min()?;
    let mut orgs: Vec<i64> = counted.iter().map(|r| r.org_id).collect();
    orgs.sort_unstable();
    orgs.dedup();
    let mut categories: Vec<Category> = counted.iter().map(|r| r.category).collect();
    categories.sort();
    categories.dedup();
    Some(CaseFigures {
        urgency,
        deadline_at,
        expected_start_at: counted.iter().filter_map(|r| r.expected_start).min(),
        municipality_count: orgs.len() as i64,
        report_count: counted.len() as i64,
        categories,
        first_reported_at: reports.iter().map(|r| r.reported_at).min()?,
        last_reported_at: reports.iter().map(|r| r.reported_at).max()?,
        all_withdrawn,
    })
}

/// A case as the queue sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueEntry {
    pub case_id: i64,
    pub status: CaseStatus,
    pub platform: Platform,
    pub urgency: Urgency,
    pub deadline_at: Millis,
    pub expected_start_at: Option<Millis>,
    pub municipality_count: i64,
    pub first_reported_at: Millis,
}

impl QueueEntry {
    /// Past its handling deadline and still waiting for a decision.
    pub fn is_overdue(&self, now: Millis) -> bool {
        self.status.awaits_decision() && now > self.deadline_at
    }

    /// Needs the team now: acute, or overdue.
    pub fn is_pressing(&self, now: Millis) -> bool {
        self.urgency == Urgency::Acute || self.is_overdue(now)
    }
}

/// A case's place in the queue, smallest first: pressing cases (acute, or overdue) before
/// all others, so they are on the first page however many cases are open; then urgency; then
/// the disturbance that comes soonest (unknown dates last; dates already past count as "now");
/// then the number of municipalities that reported it (most first); then the oldest report;
/// then the case number. `store::cases::queue` orders by the same key in SQL, and a property
/// test on both backends proves that they agree.
pub fn queue_key(e: &QueueEntry, now: Millis) -> (u8, u8, i64, i64, i64, i64) {
    (
        u8::from(!e.is_pressing(now)),
        e.urgency.rank(),
        e.expected_start_at.map(|s| s.max(now)).unwrap_or(i64::MAX),
        -e.municipality_count,
        e.first_reported_at,
        e.case_id,
    )
}

crate::vocabulary! {
    /// The orders the queue can be read in (its sortable columns); the identifier is the
    /// query string's `sorteer` value.
    #[derive(Default)]
    pub enum QueueSort {
        #[default]
        Pressing => ("urgentie", "Meest dringend eerst", "Most pressing first"),
        Deadline => ("termijn", "Termijn: eerst verlopend eerst", "Deadline: soonest first"),
        Newest => ("nieuw", "Nieuwste zaken eerst", "Newest cases first"),
        Spread => ("gemeenten", "Meeste gemeenten eerst", "Most municipalities first"),
    }
}

impl QueueSort {
    /// The order of two entries in this sort: every sort ends on the case id, so the order
    /// is total and pages never overlap. The store's SQL (`store::cases::sort_sql`) follows it.
    pub fn compare(self, a: &QueueEntry, b: &QueueEntry, now: Millis) -> std::cmp::Ordering {
        match self {
            QueueSort::Pressing => queue_key(a, now).cmp(&queue_key(b, now)),
            QueueSort::Deadline => (a.deadline_at, a.case_id).cmp(&(b.deadline_at, b.case_id)),
            QueueSort::Newest => {
                (b.first_reported_at, b.case_id).cmp(&(a.first_reported_at, a.case_id))
            }
            QueueSort::Spread => (b.municipality_count, b.first_reported_at, b.case_id).cmp(&(
                a.municipality_count,
                a.first_reported_at,
                a.case_id,
            )),
        }
    }
}

/// Orders the queue by [`queue_key`].
pub fn prioritise(entries: &mut [QueueEntry], now: Millis) {
    entries.sort_by_key(|e| queue_key(e, now));
}

#[cfg(test)]
mod tests {
    use super::CaseStatus::*;
    use super::*;

    #[test]
    fn every_status_of_open_work_is_at_a_step_and_the_steps_follow_the_lifecycle() {
        let steps: Vec<Option<Stage>> = CaseStatus::ALL.iter().map(|s| s.stage()).collect();
        assert!(CaseStatus::ALL
            .iter()
            .all(|s| s.stage().is_some() == s.is_open()));
        // In the lifecycle's order, the steps never go back.
        let open: Vec<Stage> = steps.into_iter().flatten().collect();
        assert!(open.windows(2).all(|w| w[0] <= w[1]), "{open:?}");
        assert_eq!(open.first(), Some(&Stage::Received));
        assert_eq!(open.last(), Some(&Stage::Answer));
    }

    /// Every pair of statuses, for both movers: exactly the listed moves are allowed.
    #[test]
    fn every_transition_is_allowed_or_refused_as_the_table_says() {
        let team_allowed = [
            (Received, InTriage),
            (InTriage, InAssessment),
            (InTriage, Closed),
            (InAssessment, InTriage),
            (Decided, Closed),
            (PlatformAnswered, Closed),
        ];
        let workflow_allowed = [
            (Received, InAssessment),
            (InTriage, InAssessment),
            (Decided, InAssessment),
            (NoticeSent, InAssessment),
            (PlatformAnswered, InAssessment),
            (Closed, InAssessment),
            (InAssessment, Decided),
            (Decided, NoticeSent),
            (NoticeSent, PlatformAnswered),
        ];
        let system_allowed = [
            (Received, Withdrawn),
            (InTriage, Withdrawn),
            (Closed, Received),
            (Withdrawn, Received),
        ];
        let mut checked = 0;
        for from in CaseStatus::ALL {
            for to in CaseStatus::ALL {
                for (by, table) in [
                    (Mover::Team, &team_allowed[..]),
                    (Mover::System, &system_allowed[..]),
                    (Mover::Workflow, &workflow_allowed[..]),
                ] {
                    let expected = table.contains(&(from, to));
                    assert_eq!(
                        transition(from, to, by).is_ok(),
                        expected,
                        "{from:?} → {to:?} by {by:?}"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 8 * 8 * 3);
    }

    #[test]
    fn nothing_moves_to_itself_and_closed_cases_only_reopen_by_a_new_report() {
        for s in CaseStatus::ALL {
            assert!(transition(s, s, Mover::Team).is_err());
            assert!(transition(s, s, Mover::System).is_err());
            assert!(transition(s, s, Mover::Workflow).is_err());
        }
        assert!(team_moves(Closed).is_empty());
        assert!(team_moves(Withdrawn).is_empty());
        assert_eq!(team_moves(InTriage), vec![InAssessment, Closed]);
    }

    fn facts(org: i64, urgency: Urgency, at: Millis) -> ReportFacts {
        ReportFacts {
            org_id: org,
            urgency,
            category: Category::CallToGather,
            status: ReportStatus::Active,
            reported_at: at,
            expected_start: None,
        }
    }

    #[test]
    fn figures_follow_the_most_urgent_active_report() {
        let d = HandlingDeadlines::default();
        let mut reports = vec![
            facts(1, Urgency::Normal, 1_000),
            facts(2, Urgency::Acute, 5_000),
            facts(2, Urgency::High, 6_000),
        ];
        let f = figures(&reports, &d).unwrap();
        assert_eq!(f.urgency, Urgency::Acute);
        assert_eq!(f.deadline_at, 5_000 + 3_600_000);
        assert_eq!(f.municipality_count, 2);
        assert_eq!(f.report_count, 3);
        assert_eq!((f.first_reported_at, f.last_reported_at), (1_000, 6_000));
        reports[1].status = ReportStatus::Withdrawn;
        let f = figures(&reports, &d).unwrap();
        assert_eq!(f.urgency, Urgency::High);
        assert!(!f.all_withdrawn);
        for r in &mut reports {
            r.status = ReportStatus::Withdrawn;
        }
        assert!(figures(&reports, &d).unwrap().all_withdrawn);
        assert_eq!(figures(&[], &d), None);
    }

    fn entry(id: i64, urgency: Urgency, start: Option<Millis>, munis: i64) -> QueueEntry {
        QueueEntry {
            case_id: id,
            status: Received,
            platform: Platform::TikTok,
            urgency,
            deadline_at: 0,
            expected_start_at: start,
            municipality_count: munis,
            first_reported_at: id,
        }
    }

    #[test]
    fn the_queue_puts_acute_then_soonest_then_most_reported_first() {
        let now = 1_000_000;
        let mut q = vec![
            entry(1, Urgency::Normal, Some(now + 10), 9),
            entry(2, Urgency::Acute, None, 1),
            entry(3, Urgency::Acute, Some(now + 7_200_000), 1),
            entry(4, Urgency::Acute, Some(now + 3_600_000), 1),
            entry(5, Urgency::Acute, None, 3),
            entry(6, Urgency::High, None, 1),
            entry(7, Urgency::Acute, Some(now - 60_000), 1),
        ];
        prioritise(&mut q, now);
        let order: Vec<i64> = q.iter().map(|e| e.case_id).collect();
        assert_eq!(order, vec![7, 4, 3, 5, 2, 6, 1]);
    }

    #[test]
    fn an_overdue_case_comes_before_every_case_that_is_not_pressing() {
        let now = 1_000_000;
        let mut late = entry(1, Urgency::Normal, None, 1);
        late.deadline_at = now - 1;
        let mut on_time = entry(2, Urgency::High, Some(now + 10), 5);
        on_time.deadline_at = now + 1_000;
        let mut acute = entry(3, Urgency::Acute, None, 1);
        acute.deadline_at = now + 1_000;
        let mut q = vec![on_time, late, acute];
        prioritise(&mut q, now);
        let order: Vec<i64> = q.iter().map(|e| e.case_id).collect();
        assert_eq!(order, vec![3, 1, 2]);
    }

    #[test]
    fn overdue_means_past_the_deadline_and_undecided() {
        let mut e = entry(1, Urgency::Acute, None, 1);
        e.deadline_at = 100;
        assert!(!e.is_overdue(100));
        assert!(e.is_overdue(101));
        e.status = Decided;
        assert!(!e.is_overdue(101));
    }
}
