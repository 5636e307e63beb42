//! The case page's view model: everything about one case (`service::cases::CaseFile`) in
//! the person's language, with the actions the page offers. Built without I/O.

use askama::Template;

use super::cases::duration_label;
use super::reports::{categories_label, category_label, status_label, urgency_label};
use crate::domain::assessment::Review;
use crate::domain::case::{team_moves, Stage};
use crate::domain::next_step::{next_step, Facts, NextStep, NoticeFacts};
use crate::domain::notice::ContactChannel;
use crate::domain::policy::Action;
use crate::domain::report::ReportStatus;
use crate::domain::{dutch_local_input, Millis};
use crate::service::cases::{entry, CaseFile};
use crate::store::cases::Case;
use crate::web::ctx::Page;
use crate::web::forms::FieldErrors;
use crate::web::i18n::Tr;
use crate::web::layout::{local_time, Layout};

pub struct CaseReportRow {
    id: i64,
    reference: String,
    org: String,
    reporter: String,
    when: String,
    urgency: &'static str,
    category: &'static str,
    justification: String,
    submitted_url: String,
    remark: String,
    /// The content's text as the reporter pasted it, and whether and how it was compared.
    content_text: String,
    text_compared: &'static str,
    withdrawn: bool,
    expected: String,
    /// Each file: its id, its name, whether it has a preview (an image), and whether and
    /// how it was compared with other reports.
    evidence: Vec<(i64, String, bool, &'static str)>,
    /// Some of the files have no preview (PDF, video).
    unpreviewed: bool,
}

/// A case proposed as a copy of this one, side by side.
pub struct CopyView {
    id: i64,
    other_id: i64,
    other_reference: String,
    other_platform: &'static str,
    other_status: &'static str,
    likeness: String,
    open: bool,
    /// Both are in one group already.
    same_group: bool,
    state: &'static str,
    decided: String,
    own_texts: Vec<String>,
    other_texts: Vec<String>,
    own_images: Vec<i64>,
    other_images: Vec<i64>,
    taken_down: bool,
    decision: String,
    notices: Vec<(i64, String)>,
}

/// The case is a re-upload of content taken down earlier: that case, its decision, its notices.
pub struct ReuploadView {
    other_id: i64,
    other_reference: String,
    decision: String,
    notices: Vec<(i64, String)>,
    /// The earlier decision can be proposed for this case now.
    can_propose: bool,
}

pub struct EventRow {
    when: String,
    who: String,
    what: &'static str,
    change: String,
    note: String,
}

/// Where a step of the work stands, for the process bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StepState {
    Done,
    Current,
    ToCome,
}

impl StepState {
    pub fn class(self) -> &'static str {
        match self {
            StepState::Done => "mp-step mp-step--done",
            StepState::Current => "mp-step mp-step--current",
            StepState::ToCome => "mp-step",
        }
    }
}

/// The message approval would send, as the approval block shows it.
pub struct PreviewView {
    pub kind: &'static str,
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

#[derive(Template)]
#[template(path = "case.html")]
pub struct CasePage {
    layout: Layout,
    /// The situation the case belongs to: (id, reference and title, phase label, phase id).
    situation: Option<(i64, String, &'static str, &'static str)>,
    /// The open situations it could be linked to: (id, reference and title).
    link_options: Vec<(i64, String)>,
    /// The situations meldpunt suggests for it: (id, reference and title, suggestion key).
    suggested: Vec<(i64, String, String)>,
    /// What approval would send (or, `Err`, why it cannot be sent now).
    preview: Option<Result<PreviewView, String>>,
    /// Why a message to the content's platform could not leave now, told at the top.
    contact_warning: Option<String>,
    /// The process bar: each step's label, and whether it is done, the current one, or to come.
    steps: Vec<(&'static str, StepState)>,
    errors: FieldErrors,
    c: Case,
    platform: &'static str,
    status: &'static str,
    urgency: &'static str,
    categories: String,
    deadline: String,
    time_left: String,
    overdue: bool,
    expected: String,
    first: String,
    last: String,
    assignee: String,
    mine: bool,
    reports: Vec<CaseReportRow>,
    events: Vec<EventRow>,
    moves: Vec<(&'static str, &'static str)>,
    versions: Vec<VersionView>,
    awaiting: Option<VersionView>,
    can_review: bool,
    notices: Vec<NoticeRow>,
    rechecks: Vec<(String, &'static str, String, String)>,
    now_input: String,
    channel: String,
    objections: Vec<ObjectionView>,
    notice_options: Vec<(i64, String)>,
    /// The action panel's one next step for this person.
    next: NextStep,
    /// The person may take up and release cases.
    may_work: bool,
    /// Cases proposed as copies of this one.
    copies: Vec<CopyView>,
    /// Set when this case copies content a platform took down after a notice.
    reupload: Option<ReuploadView>,
    /// The person may confirm and reject proposed copies.
    may_decide_copies: bool,
    /// Retention: the hold (reason, placed when), when the data were erased, whether this
    /// person may place or lift a hold.
    hold: Option<(String, String)>,
    erased: Option<String>,
    may_hold: bool,
}

pub struct ObjectionView {
    id: i64,
    source: &'static str,
    received: String,
    summary: String,
    notice: String,
    open: bool,
    decision: String,
}

/// One version of the assessment, for reading.
#[derive(Clone)]
pub struct VersionView {
    /// The group page where this version is approved, when it belongs to a group.
    group_link: Option<String>,
    id: i64,
    version: i64,
    author: String,
    mine: bool,
    when: String,
    class: &'static str,
    provisions: Vec<&'static str>,
    facts: String,
    locating: String,
    risk: String,
    phase: &'static str,
    speech: String,
    rights_reasoning: String,
    steps: String,
    proportionality: String,
    decision: &'static str,
    category: String,
    reasons: String,
    review: &'static str,
    review_note: String,
}

pub struct NoticeRow {
    id: i64,
    reference: String,
    kind: &'static str,
    recipient: String,
    delivery: &'static str,
    sent: String,
    answer: String,
    escalated: bool,
}

fn version_view(
    tr: &Tr,
    v: &crate::domain::assessment::Version,
    newest: i64,
    me: i64,
) -> VersionView {
    let en = tr.is_en();
    let a = &v.a;
    let join = |items: Vec<&'static str>| items.join(", ");
    VersionView {
        group_link: None,
        id: v.id,
        version: v.version,
        author: v.author_name.clone(),
        mine: v.author_user_id == me,
        when: local_time(v.created_at),
        class: a.class.label(en),
        provisions: a.provisions.iter().map(|p| p.label(en)).collect(),
        facts: a.facts.clone(),
        locating: a.locating.clone(),
        risk: format!("{} · {} · {}", a.risk_time, a.risk_place, a.risk_reach),
        phase: a.phase.label(en),
        speech: if a.protected_speech.is_empty() {
            tr.t("assess_no_speech").to_string()
        } else {
            join(a.protected_speech.iter().map(|s| s.label(en)).collect())
        },
        rights_reasoning: a.rights_reasoning.clone(),
        steps: join(a.lighter_steps.iter().map(|s| s.label(en)).collect()),
        proportionality: a.proportionality.clone(),
        decision: a.decision.label(en),
        category: a
            .category
            .map(|c| format!("{} ({})", c.label(en), c.as_str()))
            .unwrap_or_default(),
        reasons: a.reasons.clone(),
        review: v.review(newest).label(en),
        review_note: v
            .verdict
            .as_ref()
            .map(|r| {
                format!(
                    "{} — {}{}",
                    r.reviewer_name,
                    local_time(r.at),
                    r.reason
                        .as_ref()
                        .map(|x| format!(": {x}"))
                        .unwrap_or_default()
                )
            })
            .unwrap_or_default(),
    }
}

/// The case page's view of a case file: words and labels in the person's language, and
/// the actions the page offers (as the policy and the assessment rule decide). No I/O.
pub fn case_page(p: &Page, f: CaseFile, errors: FieldErrors, now: Millis) -> CasePage {
    let en = p.tr.is_en();
    let situation = f.situation.as_ref().map(|s| {
        (
            s.id,
            format!("{} {}", s.reference, s.title),
            s.phase.label(en),
            s.phase.as_str(),
        )
    });
    let link_options = f
        .open_situations
        .iter()
        .map(|s| (s.id, format!("{} {}", s.reference, s.title)))
        .collect();
    let suggested = f
        .suggested_situations
        .iter()
        .map(|(s, key)| (s.id, format!("{} {}", s.reference, s.title), key.clone()))
        .collect();
    let c = f.case;
    let prints = &f.prints;
    let compared = |print: Option<&crate::store::matching::Print>| match print {
        Some(p) => p.outcome.label(en),
        None => p.tr.t("not_compared_yet"),
    };
    let mut own_texts = Vec::new();
    let mut own_images = Vec::new();
    let mut rows = Vec::new();
    for (r, link, evidence) in f.reports {
        let evidence: Vec<(i64, String, bool, &'static str)> = evidence
            .into_iter()
            .map(|e| {
                let preview = crate::service::thumbnail::has_preview(e.kind);
                if preview {
                    own_images.push(e.id);
                }
                let print = prints.iter().find(|p| p.evidence_id == Some(e.id));
                (e.id, e.file_name, preview, compared(print))
            })
            .collect();
        let unpreviewed = evidence.iter().any(|(_, _, preview, _)| !preview);
        let text_print = prints.iter().find(|p| {
            p.report_id == r.id
                && p.kind == crate::domain::matching::PrintKind::Text
                && p.link_position == Some(link.position)
        });
        let text_compared = if link.content_text.is_some() {
            compared(text_print)
        } else {
            ""
        };
        if let Some(t) = &link.content_text {
            own_texts.push(t.clone());
        }
        let mut expected = Vec::new();
        if let Some(code) = &r.exp_municipality_code {
            expected.push(
                crate::service::intake::municipality_name(code)
                    .unwrap_or(code)
                    .to_string(),
            );
        }
        if let Some(pl) = &r.exp_place {
            expected.push(pl.clone());
        }
        if let Some(dt) = &r.exp_date {
            expected.push(format!(
                "{dt} {}{}",
                r.exp_time_from.clone().unwrap_or_default(),
                r.exp_time_to
                    .as_ref()
                    .map(|t| format!("–{t}"))
                    .unwrap_or_default()
            ));
        }
        if let Some(n) = r.exp_size {
            expected.push(format!("{n} {}", p.tr.t("persons")));
        }
        rows.push(CaseReportRow {
            id: r.id,
            reference: r.reference,
            org: r.org_name,
            reporter: r.reporter_name.unwrap_or_else(|| "API".into()),
            when: local_time(r.created_at),
            urgency: urgency_label(&p.tr, r.urgency),
            category: category_label(&p.tr, r.category),
            justification: r.justification,
            submitted_url: link.submitted_url,
            remark: link.remark.unwrap_or_default(),
            content_text: link.content_text.unwrap_or_default(),
            text_compared,
            withdrawn: r.status == ReportStatus::Withdrawn,
            expected: expected.join(" · "),
            evidence,
            unpreviewed,
        });
    }
    let events = f
        .events
        .into_iter()
        .map(|e| EventRow {
            when: local_time(e.at),
            who: e.actor_label,
            what: if p.tr.is_en() {
                e.kind.label_en()
            } else {
                e.kind.label_nl()
            },
            change: match (e.from_status, e.to_status) {
                (Some(f), Some(t)) => {
                    format!("{} → {}", status_label(&p.tr, f), status_label(&p.tr, t))
                }
                (None, Some(t)) => status_label(&p.tr, t).to_string(),
                _ => String::new(),
            },
            note: e.note.unwrap_or_default(),
        })
        .collect();
    let e = entry(&c);
    let en = p.tr.is_en();
    let all_versions = f.versions;
    let newest = all_versions.last().map(|v| v.version).unwrap_or(0);
    let versions: Vec<VersionView> = all_versions
        .iter()
        .rev()
        .map(|v| version_view(&p.tr, v, newest, p.user.id))
        .collect();
    // A group's version is approved on the group's page, with the other copies.
    let situation_id = f.situation.as_ref().map(|s| s.id);
    let awaiting = all_versions
        .last()
        .filter(|v| v.review(newest) == Review::AwaitingApproval)
        .map(|v| {
            let mut view = version_view(&p.tr, v, newest, p.user.id);
            view.group_link = v.group.map(|g| match situation_id {
                Some(s) => format!("/situaties/{s}/groepen/{}#goedkeuring", g.group_id),
                None => String::new(),
            });
            view
        });
    let answers = f.answers;
    let notice_list = f.notices;
    let next = next_step(&Facts {
        may_work: p.may(Action::WorkOnCases),
        may_review: p.may(Action::ReviewAssessments),
        awaiting: awaiting.as_ref().map(|v| (v.id, v.mine)),
        assessment_open: f.assessment.is_ok(),
        has_assessment: !all_versions.is_empty(),
        notices: notice_list
            .iter()
            .map(|n| NoticeFacts {
                id: n.id,
                kind: n.kind,
                delivery: n.delivery,
                answered: answers.iter().any(|a| a.notice_id == n.id),
            })
            .collect(),
        open_objection: f.objections.iter().any(|o| o.is_open()),
    });
    let notice_rows = notice_list
        .iter()
        .map(|n| NoticeRow {
            answer: answers
                .iter()
                .filter(|a| a.notice_id == n.id)
                .map(|a| a.outcome.label(en))
                .collect::<Vec<_>>()
                .join(", "),
            escalated: n.escalated_at.is_some(),
            id: n.id,
            reference: n.reference.clone(),
            kind: n.kind.label(en),
            recipient: n.recipient.clone(),
            delivery: n.delivery.label(en),
            sent: n.sent_at.map(local_time).unwrap_or_default(),
        })
        .collect();
    let rechecks = f
        .rechecks
        .into_iter()
        .map(|r| {
            (
                local_time(r.checked_at),
                if r.still_online {
                    p.tr.t("recheck_online")
                } else {
                    p.tr.t("recheck_offline")
                },
                r.note.unwrap_or_default(),
                r.recorder_name,
            )
        })
        .collect();
    let channel = match &f.platform {
        Some(x) => format!("{}: {}", x.name, x.channel.label(en)),
        None => format!("{}: {}", c.domain, ContactChannel::Unconfigured.label(en)),
    };
    let objections: Vec<ObjectionView> = f
        .objections
        .into_iter()
        .map(|o| ObjectionView {
            open: o.is_open(),
            id: o.id,
            source: o.source.label(en),
            received: local_time(o.received_at),
            summary: o.summary,
            notice: o
                .notice_id
                .and_then(|id| notice_list.iter().find(|n| n.id == id))
                .map(|n| n.reference.clone())
                .unwrap_or_default(),
            decision: match (o.verdict, o.reasons, o.decider_name, o.decided_at) {
                (Some(v), r, who, at) => format!(
                    "{} — {} ({}, {})",
                    v.label(en),
                    r.unwrap_or_default(),
                    who.unwrap_or_default(),
                    at.map(local_time).unwrap_or_default()
                ),
                _ => String::new(),
            },
        })
        .collect();
    let notice_options = notice_list
        .iter()
        .filter(|n| n.kind.goes_to_platform())
        .map(|n| (n.id, format!("{} — {}", n.reference, n.kind.label(en))))
        .collect();
    let preview = f.approval_preview.map(|made| match made {
        Ok(d) => Ok(PreviewView {
            kind: d.kind.label(en),
            recipient: format!("{} ({})", d.route.recipient, d.route.channel.label(en)),
            subject: d.subject,
            body: d.body,
        }),
        Err(m) => Err(p.tr.message(&m)),
    });
    let contact_warning =
        crate::service::notices::contact_point_problem(f.platform.as_ref(), &c.domain)
            .map(|m| p.tr.message(&m));
    // Shown while the work is open; a closed or withdrawn case says so in its status.
    let steps = match c.status.stage() {
        Some(now) => Stage::ALL
            .iter()
            .map(|step| {
                let state = if *step < now {
                    StepState::Done
                } else if *step == now {
                    StepState::Current
                } else {
                    StepState::ToCome
                };
                (step.label(en), state)
            })
            .collect(),
        None => Vec::new(),
    };
    let notice_refs = |list: &[crate::store::notices::Notice]| -> Vec<(i64, String)> {
        list.iter()
            .map(|n| (n.id, format!("{} — {}", n.reference, n.kind.label(en))))
            .collect()
    };
    let decision_label = |d: Option<crate::domain::assessment::Decision>| {
        d.map(|d| d.label(en).to_string())
            .unwrap_or_else(|| p.tr.t("no_decision_yet").to_string())
    };
    let reupload = c.reupload_of.and_then(|earlier| {
        let x = f.copies.iter().find(|x| x.other.id == earlier)?;
        Some(ReuploadView {
            other_id: earlier,
            other_reference: x.other.reference.clone(),
            decision: decision_label(x.decision),
            notices: notice_refs(&x.notices),
            can_propose: x.decision.is_some() && f.assessment.is_ok() && p.may(Action::WorkOnCases),
        })
    });
    let copies = f
        .copies
        .iter()
        .map(|x| {
            let pr = &x.proposal;
            CopyView {
                id: pr.id,
                other_id: x.other.id,
                other_reference: x.other.reference.clone(),
                other_platform: x.other.platform.label(),
                other_status: status_label(&p.tr, x.other.status),
                likeness: crate::service::matching::likeness_label(&pr.likeness, en),
                open: pr.state == crate::domain::matching::ProposalState::Proposed && !x.same_group,
                same_group: x.same_group,
                state: pr.state.label(en),
                decided: match (&pr.decider_name, pr.decided_at) {
                    (Some(who), Some(at)) => format!("{who}, {}", local_time(at)),
                    _ => String::new(),
                },
                own_texts: own_texts.clone(),
                other_texts: x.texts.clone(),
                own_images: own_images.iter().copied().take(4).collect(),
                other_images: x.images.iter().map(|e| e.id).collect(),
                taken_down: x.taken_down,
                decision: decision_label(x.decision),
                notices: notice_refs(&x.notices),
            }
        })
        .collect();
    CasePage {
        copies,
        reupload,
        may_decide_copies: p.may(Action::WorkOnSituations),
        hold: f
            .hold
            .as_ref()
            .map(|h| (h.reason.clone(), local_time(h.placed_at))),
        erased: c.erased_at.map(local_time),
        may_hold: p.may(Action::PlaceLegalHold),
        situation,
        link_options,
        suggested,
        may_work: p.may(Action::WorkOnCases),
        next,
        steps,
        contact_warning,
        preview,
        objections,
        notice_options,
        versions,
        awaiting,
        can_review: p.may(Action::ReviewAssessments),
        notices: notice_rows,
        rechecks,
        now_input: dutch_local_input(now),
        channel,
        layout: p.layout(&c.reference),
        errors,
        platform: c.platform.label(),
        status: status_label(&p.tr, c.status),
        urgency: urgency_label(&p.tr, c.urgency),
        categories: categories_label(&p.tr, &c.categories),
        deadline: local_time(c.deadline_at),
        time_left: duration_label(&p.tr, c.deadline_at - now),
        overdue: e.is_overdue(now),
        expected: c.expected_start_at.map(local_time).unwrap_or_default(),
        first: local_time(c.first_reported_at),
        last: local_time(c.last_reported_at),
        assignee: c.assignee_name.clone().unwrap_or_default(),
        mine: c.assignee_user_id == Some(p.user.id),
        moves: team_moves(c.status)
            .into_iter()
            .map(|s| (s.as_str(), status_label(&p.tr, s)))
            .collect(),
        reports: rows,
        events,
        c,
    }
}
