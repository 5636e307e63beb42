//! Situations: the list with suggestions, the form, a situation's page (phase, cases,
//! municipalities, platforms, outcomes, timeline, guidance) and the map of the Netherlands.
//!
//! The team sees everything. A municipality's reporters see the situations and counts of
//! their own municipality and its safety region — never another municipality's reports,
//! reporters or the content's links (`SituationView::Municipality`).

use std::collections::{BTreeMap, HashSet};

use crate::web::extract::{Path, Query};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{render, render_status};
use crate::domain::case::queue_key;
use crate::domain::link::Platform;
use crate::domain::org;
use crate::domain::policy::{Action, SituationView};
use crate::domain::situation::{
    median, timeline, ExpectedSize, Phase, SituationDraft, Suggestion, TimelineEntry, TimelineKind,
};
use crate::domain::{parse_dutch_local, Millis};
use crate::service::cases::entry;
use crate::service::situations as service;
use crate::service::{now_ms, ServiceError};
use crate::store::situations::{self as store, Situation, SituationFilter};
use crate::store::{cases, orgs, StoreError};
use crate::web::ctx::Page;
use crate::web::error::{refusal_message, PageError};
use crate::web::forms::{FieldErrors, Form, Pairs};
use crate::web::layout::{local_time, Layout};
use crate::web::map_svg::{self, MapData};

/// What this person may see: everything, or their safety region.
enum Sees {
    Team,
    Region {
        /// The municipality's own CBS code and organisation.
        home: String,
        org_id: i64,
        codes: HashSet<String>,
    },
}

impl Sees {
    fn is_team(&self) -> bool {
        matches!(self, Sees::Team)
    }

    fn covers(&self, s: &Situation) -> bool {
        match self {
            Sees::Team => true,
            Sees::Region { codes, .. } => s.municipality_codes.iter().any(|c| codes.contains(c)),
        }
    }

    fn codes(&self) -> Option<Vec<String>> {
        match self {
            Sees::Team => None,
            Sees::Region { codes, .. } => Some(codes.iter().cloned().collect()),
        }
    }

    /// The organisation whose reported situations it sees besides its region's.
    fn org(&self) -> Option<i64> {
        match self {
            Sees::Team => None,
            Sees::Region { org_id, .. } => Some(*org_id),
        }
    }
}

async fn sees(p: &Page) -> Result<Sees, PageError> {
    Ok(match p.situation_view().await? {
        SituationView::Team => Sees::Team,
        SituationView::Municipality(org_id) => {
            let own = orgs::get(&p.state.store, org_id).await?;
            Sees::Region {
                codes: org::safety_region_of(&own.code).into_iter().collect(),
                home: own.code,
                org_id,
            }
        }
    })
}

fn municipality_name(code: &str) -> String {
    org::municipality(code)
        .map(|m| m.name.clone())
        .unwrap_or_else(|| code.to_string())
}

fn names(codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| municipality_name(c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A situation as a row of a list.
pub struct Row {
    id: i64,
    reference: String,
    title: String,
    phase: &'static str,
    phase_id: &'static str,
    municipalities: String,
    window: String,
    cases: i64,
    updated: String,
}

fn window(s: &Situation) -> String {
    format!(
        "{} – {}",
        local_time(s.window_start),
        local_time(s.window_end)
    )
}

fn row(s: &Situation, en: bool) -> Row {
    Row {
        id: s.id,
        reference: s.reference.clone(),
        title: s.title.clone(),
        phase: s.phase.label(en),
        phase_id: s.phase.as_str(),
        municipalities: names(&s.municipality_codes),
        window: window(s),
        cases: s.case_count,
        updated: local_time(s.updated_at),
    }
}

/// A suggestion as the list shows it.
pub struct SuggestionRow {
    key: String,
    text: String,
    /// Confirming a new situation opens the form, filled in.
    new_href: Option<String>,
    /// Confirming a link posts to the situation.
    link_situation: Option<i64>,
    link_case: i64,
    cases: Vec<(i64, String)>,
}

async fn suggestion_rows(p: &Page, list: Vec<Suggestion>) -> Result<Vec<SuggestionRow>, PageError> {
    let mut out = Vec::new();
    for s in list {
        let key = s.key();
        match s {
            Suggestion::NewSituation {
                municipality_code,
                date,
                case_ids,
            } => {
                let mut refs = Vec::new();
                for id in &case_ids {
                    refs.push((*id, cases::get(&p.state.store, *id).await?.reference));
                }
                let ids: Vec<String> = case_ids.iter().map(i64::to_string).collect();
                out.push(SuggestionRow {
                    text: format!(
                        "{} {} {} ({date})",
                        case_ids.len(),
                        p.tr.t("suggestion_new_text"),
                        municipality_name(&municipality_code),
                    ),
                    new_href: Some(format!(
                        "/situaties/nieuw?gemeente={municipality_code}&datum={date}&zaken={}&suggestie={}",
                        ids.join(","),
                        key
                    )),
                    key,
                    link_situation: None,
                    link_case: 0,
                    cases: refs,
                });
            }
            Suggestion::Link {
                situation_id,
                case_id,
            } => {
                let case = cases::get(&p.state.store, case_id).await?;
                let target = store::get(&p.state.store, situation_id).await?;
                out.push(SuggestionRow {
                    text: format!(
                        "{} {} {} ({})",
                        case.reference,
                        p.tr.t("suggestion_fits"),
                        target.reference,
                        target.title
                    ),
                    key,
                    new_href: None,
                    link_situation: Some(situation_id),
                    link_case: case_id,
                    cases: vec![(case_id, case.reference)],
                });
            }
        }
    }
    Ok(out)
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    fase: String,
    #[serde(default)]
    alle: Option<String>,
}

#[derive(Template)]
#[template(path = "situations.html")]
struct ListPage {
    layout: Layout,
    team: bool,
    rows: Vec<Row>,
    suggestions: Vec<SuggestionRow>,
    back: String,
    phases: Vec<(&'static str, &'static str, bool)>,
    any_phase: bool,
    show_closed: bool,
}

pub async fn list(p: Page, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    let sees = sees(&p).await?;
    let en = p.tr.is_en();
    let phase = Phase::parse(&q.fase);
    let show_closed = q.alle.is_some() || phase == Some(Phase::Closed);
    let filter = SituationFilter {
        open_only: !show_closed,
        phase,
        municipality_codes: sees.codes(),
        or_reported_by: sees.org(),
        ..Default::default()
    };
    let rows = store::list(&p.state.store, &filter)
        .await?
        .iter()
        .map(|s| row(s, en))
        .collect();
    let suggestions = if sees.is_team() {
        suggestion_rows(&p, service::suggestions(&p.state.store).await?).await?
    } else {
        Vec::new()
    };
    render(&ListPage {
        layout: p.layout(p.tr.t("situations")),
        team: sees.is_team(),
        rows,
        suggestions,
        back: "/situaties".into(),
        phases: Phase::ALL
            .iter()
            .map(|ph| (ph.as_str(), ph.label(en), Some(*ph) == phase))
            .collect(),
        any_phase: phase.is_some(),
        show_closed,
    })
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    gemeente: String,
    #[serde(default)]
    datum: String,
    #[serde(default)]
    zaken: String,
    #[serde(default)]
    suggestie: String,
}

/// The form's values, as typed (or as a suggestion fills them in).
pub struct FormValues {
    title: String,
    municipalities: Vec<String>,
    place: String,
    start: String,
    end: String,
    size: String,
    cases: String,
    suggestion: String,
}

#[derive(Template)]
#[template(path = "situation_form.html")]
struct FormPage {
    layout: Layout,
    errors: FieldErrors,
    v: FormValues,
    /// (code, name, chosen), sorted as people look names up.
    municipalities: Vec<(String, String, bool)>,
    sizes: Vec<(&'static str, &'static str)>,
}

fn form_page(p: &Page, v: FormValues, errors: FieldErrors) -> FormPage {
    let mut list: Vec<(String, String)> = org::municipality_list()
        .iter()
        .map(|m| (m.code.as_str().to_string(), m.name.clone()))
        .collect();
    org::sort_by_name(&mut list);
    let en = p.tr.is_en();
    FormPage {
        layout: p.layout(p.tr.t("situation_new")),
        errors,
        municipalities: list
            .into_iter()
            .map(|(code, name)| {
                let chosen = v.municipalities.contains(&code);
                (code, name, chosen)
            })
            .collect(),
        sizes: ExpectedSize::ALL
            .iter()
            .map(|s| (s.as_str(), s.label(en)))
            .collect(),
        v,
    }
}

pub async fn new_form(p: Page, Query(q): Query<NewQuery>) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnSituations).await?;
    let (start, end) = match q.datum.parse::<jiff::civil::Date>() {
        Ok(d) => (format!("{d}T00:00"), format!("{d}T23:59")),
        Err(_) => (String::new(), String::new()),
    };
    let v = FormValues {
        title: String::new(),
        municipalities: org::municipality(&q.gemeente)
            .map(|m| vec![m.code.as_str().to_string()])
            .unwrap_or_default(),
        place: String::new(),
        start,
        end,
        size: ExpectedSize::Unknown.as_str().into(),
        cases: q
            .zaken
            .split(',')
            .filter(|s| s.parse::<i64>().is_ok())
            .collect::<Vec<_>>()
            .join(","),
        suggestion: q.suggestie.chars().take(100).collect(),
    };
    render(&form_page(&p, v, FieldErrors::default()))
}

pub async fn create(p: Page, f: Pairs) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnSituations).await?;
    let v = FormValues {
        title: f.one("title"),
        municipalities: f.all("municipalities"),
        place: f.one("place"),
        start: f.one("window_start"),
        end: f.one("window_end"),
        size: f.one("size"),
        cases: f.one("cases"),
        suggestion: f.one("suggestion"),
    };
    let draft = SituationDraft {
        title: v.title.clone(),
        municipality_codes: v.municipalities.clone(),
        place: v.place.clone(),
        window_start: parse_dutch_local(&v.start),
        window_end: parse_dutch_local(&v.end),
        size: v.size.clone(),
    };
    let case_ids: Vec<i64> = v
        .cases
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let suggestion = (!v.suggestion.is_empty()).then_some(v.suggestion.as_str());
    match service::create(&p.state.store, &p.ctx(), &draft, &case_ids, suggestion).await {
        Ok(id) => Ok(Redirect::to(&format!("/situaties/{id}")).into_response()),
        Err(ServiceError::Rejected(list)) => {
            let errors = FieldErrors::rejected(&p.tr, &list);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &form_page(&p, v, errors))
        }
        Err(e) => {
            let m = refusal_message(e)?;
            let errors = FieldErrors::message(&p.tr, "title", &m);
            render_status(StatusCode::CONFLICT, &form_page(&p, v, errors))
        }
    }
}

/// A case as the situation page lists it.
pub struct CaseRow {
    id: i64,
    reference: String,
    platform: &'static str,
    status: &'static str,
    status_id: &'static str,
    urgency: &'static str,
    deadline: String,
    overdue: bool,
    municipalities: i64,
    reports: i64,
}

/// One platform's line: its cases, the messages sent, and what it did.
pub struct PlatformRow {
    platform: &'static str,
    cases: usize,
    notices: usize,
    answered: usize,
    removed: usize,
}

/// A municipality that reported content of the situation.
pub struct ReporterRow {
    name: String,
    reports: usize,
    own: bool,
}

/// One of the phases, for the phase bar and the guidance.
pub struct PhaseStep {
    label: &'static str,
    current: bool,
    done: bool,
}

pub struct HistoryRow {
    when: String,
    what: String,
    who: String,
    note: String,
}

pub struct TimelineRow {
    when: String,
    kind: &'static str,
    text: String,
    link: Option<String>,
}

/// A report of the person's own municipality on a case of the situation.
pub struct OwnReport {
    id: i64,
    reference: String,
}

#[derive(Template)]
#[template(path = "situation.html")]
struct SituationPage {
    layout: Layout,
    errors: FieldErrors,
    team: bool,
    s: Row,
    place: String,
    size: &'static str,
    steps: Vec<PhaseStep>,
    next_phases: Vec<(&'static str, &'static str)>,
    cases: Vec<CaseRow>,
    reporters: Vec<ReporterRow>,
    other_municipalities: usize,
    own_reports: Vec<OwnReport>,
    platforms: Vec<PlatformRow>,
    answered: usize,
    removed_share: String,
    median_answer: String,
    history: Vec<HistoryRow>,
    timeline: Vec<TimelineRow>,
    /// (decision, number of cases) and how many cases still await a decision.
    decided: Vec<(&'static str, usize)>,
    awaiting: usize,
    suggestions: Vec<SuggestionRow>,
    back: String,
    guidance_key: String,
    closed: bool,
    /// The team's groups of copies, and the situation's cases in no group.
    groups: Vec<GroupRow>,
    ungrouped: Vec<(i64, String, &'static str)>,
}

/// A group of copies as a row on the situation page.
pub struct GroupRow {
    id: i64,
    number: i64,
    title: String,
    members: Vec<(i64, String)>,
    state: &'static str,
}

async fn load(p: &Page, id: i64, sees: &Sees) -> Result<Situation, PageError> {
    let s = store::get(&p.state.store, id).await.map_err(|e| match e {
        StoreError::NotFound => PageError::not_found(),
        e => e.into(),
    })?;
    if !sees.covers(&s) {
        // Outside the person's region — unless their own municipality reported content of
        // it: answered like a missing page, so it reveals nothing.
        let own_report = store::reports_in(&p.state.store, s.id)
            .await?
            .iter()
            .any(|r| r.org_id == p.user.org_id);
        if !own_report {
            return Err(PageError::not_found());
        }
    }
    Ok(s)
}

async fn situation_page(
    p: &Page,
    s: Situation,
    sees: &Sees,
    errors: FieldErrors,
) -> Result<SituationPage, PageError> {
    let en = p.tr.is_en();
    let now = now_ms();
    let store = &p.state.store;
    let mut linked = cases::in_situation(store, s.id).await?;
    linked.sort_by_key(|c| queue_key(&entry(c), now));
    let reports = store::reports_in(store, s.id).await?;
    let notices = store::notices_in(store, s.id).await?;
    let answers = store::answers_in(store, s.id).await?;
    let decisions = store::decisions_in(store, s.id).await?;
    let events = store::events(store, s.id).await?;
    // What was decided: the latest version's decision of each case that is past its decision.
    let decided_ids: HashSet<i64> = linked
        .iter()
        .filter(|c| {
            !c.status.awaits_decision() && c.status != crate::domain::case::CaseStatus::Withdrawn
        })
        .map(|c| c.id)
        .collect();
    let mut decided: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (case_id, d) in store::latest_decisions_in(store, s.id).await? {
        if decided_ids.contains(&case_id) {
            *decided.entry(d.label(en)).or_insert(0) += 1;
        }
    }
    let awaiting = linked.iter().filter(|c| c.status.awaits_decision()).count();
    let reference_of: BTreeMap<i64, String> =
        linked.iter().map(|c| (c.id, c.reference.clone())).collect();
    let platform_of: BTreeMap<i64, Platform> = linked.iter().map(|c| (c.id, c.platform)).collect();
    let own_org = p.user.org_id;

    // The municipalities that reported (public bodies: their names may be shown).
    let mut by_org: BTreeMap<i64, (String, usize)> = BTreeMap::new();
    for r in &reports {
        by_org.entry(r.org_id).or_insert((r.org_name.clone(), 0)).1 += 1;
    }
    let mut reporters: Vec<ReporterRow> = by_org
        .iter()
        .map(|(org_id, (name, n))| ReporterRow {
            name: name.clone(),
            reports: *n,
            own: *org_id == own_org,
        })
        .collect();
    reporters.sort_by_cached_key(|r| org::name_sort_key(&r.name));
    let other_municipalities = by_org.keys().filter(|o| **o != own_org).count();
    let own_reports = reports
        .iter()
        .filter(|r| r.org_id == own_org)
        .map(|r| OwnReport {
            id: r.report_id,
            reference: r.reference.clone(),
        })
        .collect();

    // Platforms: cases, messages sent, answers and removals.
    let mut platforms: BTreeMap<&'static str, PlatformRow> = BTreeMap::new();
    for c in &linked {
        platforms
            .entry(c.platform.label())
            .or_insert(PlatformRow {
                platform: c.platform.label(),
                cases: 0,
                notices: 0,
                answered: 0,
                removed: 0,
            })
            .cases += 1;
    }
    let to_platform: Vec<_> = notices
        .iter()
        .filter(|n| n.kind.goes_to_platform() && n.sent_at.is_some())
        .collect();
    for n in &to_platform {
        if let Some(row) = platform_of
            .get(&n.case_id)
            .and_then(|pl| platforms.get_mut(pl.label()))
        {
            row.notices += 1;
        }
    }
    let sent_at: BTreeMap<i64, Millis> = to_platform
        .iter()
        .filter_map(|n| n.sent_at.map(|t| (n.notice_id, t)))
        .collect();
    let mut answer_times = Vec::new();
    let (mut answered, mut removed) = (0, 0);
    for a in &answers {
        if a.outcome == crate::domain::notice::Outcome::NoAnswer {
            continue;
        }
        answered += 1;
        let gone = a.outcome.made_unavailable();
        if gone {
            removed += 1;
        }
        if let Some(row) = platform_of
            .get(&a.case_id)
            .and_then(|pl| platforms.get_mut(pl.label()))
        {
            row.answered += 1;
            if gone {
                row.removed += 1;
            }
        }
        if let Some(sent) = sent_at.get(&a.notice_id) {
            answer_times.push((a.received_at - sent).max(0));
        }
    }

    // The timeline: reports, links, phase changes, decisions, messages and answers.
    let team = sees.is_team();
    let mut entries = Vec::new();
    for r in &reports {
        let own = r.org_id == own_org;
        entries.push(TimelineEntry {
            at: r.created_at,
            kind: TimelineKind::Report,
            text: if team || own {
                format!(
                    "{} {} ({})",
                    if en { "Report" } else { "Melding" },
                    r.reference,
                    r.org_name
                )
            } else if en {
                format!("Report from {}", r.org_name)
            } else {
                format!("Melding van {}", r.org_name)
            },
            link: if team {
                Some(format!("/zaken/{}", r.case_id))
            } else if own {
                Some(format!("/meldingen/{}", r.report_id))
            } else {
                None
            },
        });
    }
    for e in &events {
        let (kind, text) = match e.kind {
            store::SituationEventKind::Created => {
                (TimelineKind::PhaseChanged, e.kind.label(en).to_string())
            }
            store::SituationEventKind::PhaseChanged => (
                TimelineKind::PhaseChanged,
                format!(
                    "{}: {} → {}",
                    e.kind.label(en),
                    e.from_phase.map(|ph| ph.label(en)).unwrap_or(""),
                    e.to_phase.map(|ph| ph.label(en)).unwrap_or("")
                ),
            ),
            store::SituationEventKind::CaseLinked | store::SituationEventKind::CaseUnlinked => {
                if !team {
                    continue;
                }
                (
                    if e.kind == store::SituationEventKind::CaseLinked {
                        TimelineKind::CaseLinked
                    } else {
                        TimelineKind::CaseUnlinked
                    },
                    format!(
                        "{} {}",
                        e.kind.label(en),
                        e.case_reference.clone().unwrap_or_default()
                    ),
                )
            }
            store::SituationEventKind::GroupCreated | store::SituationEventKind::CaseGrouped => {
                if !team {
                    continue;
                }
                let what = [
                    e.case_reference.clone().unwrap_or_default(),
                    e.note.clone().unwrap_or_default(),
                ]
                .into_iter()
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(" — ");
                (
                    TimelineKind::Grouped,
                    format!("{}: {what}", e.kind.label(en)),
                )
            }
        };
        entries.push(TimelineEntry {
            at: e.at,
            kind,
            text,
            link: None,
        });
    }
    for (case_id, at, kind, _) in &decisions {
        let reference = reference_of.get(case_id).cloned().unwrap_or_default();
        entries.push(TimelineEntry {
            at: *at,
            kind: TimelineKind::Decision,
            text: format!("{}: {reference}", kind.label(en)),
            link: team.then(|| format!("/zaken/{case_id}")),
        });
    }
    for n in &notices {
        if let Some(at) = n.sent_at {
            entries.push(TimelineEntry {
                at,
                kind: TimelineKind::NoticeSent,
                text: format!("{} {}", n.kind.label(en), n.reference),
                link: team.then(|| format!("/kennisgevingen/{}", n.notice_id)),
            });
        }
    }
    for a in &answers {
        entries.push(TimelineEntry {
            at: a.received_at,
            kind: TimelineKind::Answer,
            text: format!(
                "{}: {}",
                if en {
                    "Platform answer"
                } else {
                    "Antwoord platform"
                },
                a.outcome.label(en)
            ),
            link: team.then(|| format!("/kennisgevingen/{}", a.notice_id)),
        });
    }
    let timeline_rows = timeline(entries)
        .into_iter()
        .map(|e| TimelineRow {
            when: local_time(e.at),
            kind: e.kind.label(en),
            text: e.text,
            link: e.link,
        })
        .collect();

    let history = events
        .iter()
        .filter(|e| {
            team || matches!(
                e.kind,
                store::SituationEventKind::Created | store::SituationEventKind::PhaseChanged
            )
        })
        .map(|e| HistoryRow {
            when: local_time(e.at),
            what: match (e.kind, e.from_phase, e.to_phase) {
                (store::SituationEventKind::PhaseChanged, Some(from), Some(to)) => {
                    format!(
                        "{}: {} → {}",
                        e.kind.label(en),
                        from.label(en),
                        to.label(en)
                    )
                }
                (
                    store::SituationEventKind::CaseLinked | store::SituationEventKind::CaseUnlinked,
                    ..,
                ) => {
                    format!(
                        "{} {}",
                        e.kind.label(en),
                        e.case_reference.clone().unwrap_or_default()
                    )
                }
                _ => e.kind.label(en).to_string(),
            },
            // Staff of the central team are named to the team only.
            who: if team {
                e.actor_label.clone()
            } else {
                p.tr.t("situation_team").to_string()
            },
            note: e.note.clone().unwrap_or_default(),
        })
        .collect();

    let suggestions = if team && s.phase.is_open() {
        let mine: Vec<Suggestion> = service::suggestions(store)
            .await?
            .into_iter()
            .filter(
                |sg| matches!(sg, Suggestion::Link { situation_id, .. } if *situation_id == s.id),
            )
            .collect();
        suggestion_rows(p, mine).await?
    } else {
        Vec::new()
    };

    let case_rows = linked
        .iter()
        .map(|c| CaseRow {
            id: c.id,
            reference: c.reference.clone(),
            platform: c.platform.label(),
            status: if en {
                c.status.label_en()
            } else {
                c.status.label_nl()
            },
            status_id: c.status.as_str(),
            urgency: if en {
                c.urgency.label_en()
            } else {
                c.urgency.label_nl()
            },
            deadline: local_time(c.deadline_at),
            overdue: entry(c).is_overdue(now),
            municipalities: c.municipality_count,
            reports: c.report_count,
        })
        .collect();
    let rank = Phase::ALL.iter().position(|ph| *ph == s.phase).unwrap_or(0);
    // Groups of copies: the team's working tool, not shown to municipalities.
    let mut groups = Vec::new();
    let mut ungrouped = Vec::new();
    if team {
        let grouped = crate::store::groups::grouped_in(store, s.id).await?;
        for g in crate::store::groups::of_situation(store, s.id).await? {
            let file = crate::service::notices::group_file(store, g.id).await?;
            groups.push(GroupRow {
                id: g.id,
                number: g.number,
                title: g.title.clone(),
                members: file
                    .members
                    .iter()
                    .map(|m| (m.case.id, m.case.reference.clone()))
                    .collect(),
                state: file
                    .newest
                    .as_ref()
                    .map(|(_, state, _)| state.label(en))
                    .unwrap_or("–"),
            });
        }
        ungrouped = linked
            .iter()
            .filter(|c| !grouped.iter().any(|(id, _)| *id == c.id))
            .map(|c| (c.id, c.reference.clone(), c.platform.label()))
            .collect();
    }
    Ok(SituationPage {
        groups,
        ungrouped,
        layout: p.layout(&format!("{} {}", s.reference, s.title)),
        errors,
        team,
        place: s.place.clone().unwrap_or_default(),
        size: s.size.label(en),
        steps: Phase::ACTIVE
            .iter()
            .enumerate()
            .map(|(i, ph)| PhaseStep {
                label: ph.label(en),
                current: *ph == s.phase,
                done: i < rank,
            })
            .collect(),
        next_phases: Phase::ALL
            .iter()
            .filter(|ph| **ph != s.phase)
            .map(|ph| (ph.as_str(), ph.label(en)))
            .collect(),
        cases: case_rows,
        reporters,
        other_municipalities,
        own_reports,
        platforms: platforms.into_values().collect(),
        answered,
        removed_share: if answered == 0 {
            "–".into()
        } else {
            format!(
                "{:.0}% ({removed}/{answered})",
                100.0 * removed as f64 / answered as f64
            )
        },
        median_answer: median(answer_times)
            .map(|ms| super::cases::duration_label(&p.tr, ms))
            .unwrap_or_else(|| "–".into()),
        history,
        timeline: timeline_rows,
        decided: decided.into_iter().collect(),
        awaiting,
        suggestions,
        back: format!("/situaties/{}", s.id),
        guidance_key: format!("phase_guide_{}", s.phase.as_str()),
        closed: !s.phase.is_open(),
        s: row(&s, en),
    })
}

pub async fn show(p: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let sees = sees(&p).await?;
    let s = load(&p, id, &sees).await?;
    render(&situation_page(&p, s, &sees, FieldErrors::default()).await?)
}

/// The situation page again, with the refusal at `field`.
pub(super) async fn again(
    p: &Page,
    id: i64,
    field: &str,
    e: ServiceError,
) -> Result<Response, PageError> {
    let errors = match e {
        ServiceError::Rejected(list) => FieldErrors::rejected(&p.tr, &list),
        e => FieldErrors::message(&p.tr, field, &refusal_message(e)?),
    };
    let sees = sees(p).await?;
    let s = load(p, id, &sees).await?;
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &situation_page(p, s, &sees, errors).await?,
    )
}

#[derive(Deserialize, Default)]
pub struct PhaseForm {
    #[serde(default)]
    phase: String,
    #[serde(default)]
    reason: String,
}

pub async fn change_phase(
    p: Page,
    Path(id): Path<i64>,
    Form(f): Form<PhaseForm>,
) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnSituations).await?;
    let Some(to) = Phase::parse(&f.phase) else {
        return again(
            &p,
            id,
            "phase",
            ServiceError::invalid(
                "phase",
                crate::domain::message::Message::new("situation.phase_unknown"),
            ),
        )
        .await;
    };
    match service::change_phase(
        &p.state.store,
        &p.state.intake_settings,
        &p.ctx(),
        id,
        to,
        &f.reason,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/situaties/{id}#fase")).into_response()),
        Err(ServiceError::NotFound) => Err(PageError::not_found()),
        Err(e) => again(&p, id, "reason", e).await,
    }
}

#[derive(Deserialize, Default)]
pub struct LinkForm {
    /// A case reference (`ZAAK-2026-000012`) or id.
    #[serde(default)]
    case: String,
    #[serde(default)]
    suggestion: String,
    /// Where to go back to (the case page the suggestion was confirmed on).
    #[serde(default)]
    back: String,
}

/// A page to return to after a form: only the situations' and the cases' own pages
/// (`/situaties`, `/situaties/12`, `/zaken/34`), never anything a form could point elsewhere.
fn safe_back(back: &str) -> Option<String> {
    let ok = |rest: &str| rest.chars().all(|c| c.is_ascii_digit());
    let fine = back == "/situaties"
        || back
            .strip_prefix("/situaties/")
            .is_some_and(|r| !r.is_empty() && ok(r))
        || back
            .strip_prefix("/zaken/")
            .is_some_and(|r| !r.is_empty() && ok(r));
    fine.then(|| back.to_string())
}

pub async fn link(
    p: Page,
    Path(id): Path<i64>,
    Form(f): Form<LinkForm>,
) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnSituations).await?;
    let wanted = f.case.trim();
    let case_id = match wanted.parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => cases::by_reference(&p.state.store, &wanted.to_ascii_uppercase())
            .await
            .ok()
            .map(|c| c.id),
    };
    let unknown = || {
        ServiceError::invalid(
            "case",
            crate::domain::message::Message::new("situation.case_unknown").with("case", wanted),
        )
    };
    let Some(case_id) = case_id else {
        return again(&p, id, "case", unknown()).await;
    };
    let suggestion = (!f.suggestion.is_empty()).then_some(f.suggestion.as_str());
    match service::link_case(&p.state.store, &p.ctx(), id, case_id, suggestion).await {
        Ok(()) => Ok(Redirect::to(
            &safe_back(&f.back).unwrap_or_else(|| format!("/situaties/{id}#zaken")),
        )
        .into_response()),
        Err(ServiceError::NotFound) => again(&p, id, "case", unknown()).await,
        Err(e) => again(&p, id, "case", e).await,
    }
}

#[derive(Deserialize, Default)]
pub struct UnlinkForm {
    #[serde(default)]
    reason: String,
}

pub async fn unlink(
    p: Page,
    Path((id, case_id)): Path<(i64, i64)>,
    Form(f): Form<UnlinkForm>,
) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnSituations).await?;
    match service::unlink_case(&p.state.store, &p.ctx(), id, case_id, &f.reason).await {
        Ok(()) => Ok(Redirect::to(&format!("/situaties/{id}#zaken")).into_response()),
        Err(ServiceError::NotFound) => Err(PageError::not_found()),
        Err(e) => again(&p, id, &format!("reason_{case_id}"), e).await,
    }
}

#[derive(Deserialize, Default)]
pub struct DismissForm {
    #[serde(default)]
    key: String,
    /// Where to go back to (the list or a situation), only inside meldpunt.
    #[serde(default)]
    back: String,
}

pub async fn dismiss(p: Page, Form(f): Form<DismissForm>) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnSituations).await?;
    let back = safe_back(&f.back).unwrap_or_else(|| "/situaties".to_string());
    match service::dismiss_suggestion(&p.state.store, &p.ctx(), &f.key).await {
        Ok(()) | Err(ServiceError::Conflict(_)) => Ok(Redirect::to(&back).into_response()),
        Err(e) => Err(PageError::from(e)),
    }
}

// ---- The map ----

/// The map's time windows, as plain links.
const WINDOWS: [(&str, Millis); 4] = [
    ("1u", 3_600_000),
    ("6u", 6 * 3_600_000),
    ("24u", 24 * 3_600_000),
    ("7d", 7 * 24 * 3_600_000),
];

#[derive(Deserialize, Default)]
pub struct MapQuery {
    #[serde(default)]
    venster: String,
    #[serde(default)]
    fase: String,
    #[serde(default)]
    platform: String,
}

/// A filter link: its label, its address and whether it is the one in force.
pub struct FilterLink {
    label: String,
    href: String,
    current: bool,
}

pub struct MapRow {
    code: String,
    name: String,
    region: String,
    cases: i64,
    situations: i64,
}

#[derive(Template)]
#[template(path = "map.html")]
struct MapPage {
    layout: Layout,
    team: bool,
    region: String,
    svg: String,
    windows: Vec<FilterLink>,
    phases: Vec<FilterLink>,
    platforms: Vec<FilterLink>,
    rows: Vec<MapRow>,
    total_cases: i64,
    total_situations: i64,
    situations: Vec<Row>,
    credit: &'static str,
}

fn map_href(venster: &str, fase: &str, platform: &str) -> String {
    let mut parts = Vec::new();
    for (k, v) in [("venster", venster), ("fase", fase), ("platform", platform)] {
        if !v.is_empty() {
            parts.push(format!("{k}={v}"));
        }
    }
    if parts.is_empty() {
        "/kaart".into()
    } else {
        format!("/kaart?{}", parts.join("&"))
    }
}

pub async fn map(p: Page, Query(q): Query<MapQuery>) -> Result<Response, PageError> {
    let sees = sees(&p).await?;
    let en = p.tr.is_en();
    let now = now_ms();
    let window = WINDOWS.iter().find(|(id, _)| *id == q.venster);
    let phase = Phase::parse(&q.fase).filter(|ph| ph.is_open());
    let platform = Platform::parse(&q.platform);
    let venster = window.map(|(id, _)| *id).unwrap_or("");
    let fase = phase.map(Phase::as_str).unwrap_or("");
    let platform_id = platform.map(Platform::as_str).unwrap_or("");
    let filter = SituationFilter {
        open_only: true,
        phase,
        platform,
        since: window.map(|(_, ms)| now - ms),
        municipality_codes: sees.codes(),
        // The map counts the region only.
        or_reported_by: None,
    };
    let situations = store::list(&p.state.store, &filter).await?;
    let mut situation_counts = store::situations_per_municipality(&situations);
    let mut case_counts = store::open_cases_per_municipality(&p.state.store, &filter).await?;
    let visible = match &sees {
        Sees::Team => None,
        Sees::Region { codes, .. } => Some(codes.clone()),
    };
    if let Some(v) = &visible {
        case_counts.retain(|code, _| v.contains(code));
        situation_counts.retain(|code, _| v.contains(code));
    }
    let svg = map_svg::render(
        &MapData {
            cases: &case_counts,
            situations: &situation_counts,
            visible: visible.as_ref(),
        },
        &p.tr,
        "kaart-titel",
    );
    let mut codes: Vec<&String> = case_counts.keys().chain(situation_counts.keys()).collect();
    codes.sort();
    codes.dedup();
    let mut rows: Vec<MapRow> = codes
        .into_iter()
        .filter_map(|code| {
            let m = org::municipality(code)?;
            Some(MapRow {
                code: code.clone(),
                name: m.name.clone(),
                region: m.safety_region.clone(),
                cases: case_counts.get(code).copied().unwrap_or(0),
                situations: situation_counts.get(code).copied().unwrap_or(0),
            })
        })
        .collect();
    rows.sort_by_cached_key(|r| org::name_sort_key(&r.name));
    let link = |label: String, href: String, current: bool| FilterLink {
        label,
        href,
        current,
    };
    let mut windows = vec![link(
        p.tr.t("map_window_all").into(),
        map_href("", fase, platform_id),
        window.is_none(),
    )];
    for (id, _) in WINDOWS {
        windows.push(link(
            p.tr.t(&format!("map_window_{id}")).into(),
            map_href(id, fase, platform_id),
            venster == id,
        ));
    }
    let mut phases = vec![link(
        p.tr.t("map_phase_all").into(),
        map_href(venster, "", platform_id),
        phase.is_none(),
    )];
    for ph in Phase::ACTIVE {
        phases.push(link(
            ph.label(en).into(),
            map_href(venster, ph.as_str(), platform_id),
            phase == Some(ph),
        ));
    }
    let mut platforms = vec![link(
        p.tr.t("map_platform_all").into(),
        map_href(venster, fase, ""),
        platform.is_none(),
    )];
    for pl in Platform::ALL {
        platforms.push(link(
            pl.label().into(),
            map_href(venster, fase, pl.as_str()),
            platform == Some(pl),
        ));
    }
    let region = match &sees {
        Sees::Team => String::new(),
        Sees::Region { home, .. } => org::municipality(home)
            .map(|m| m.safety_region.clone())
            .unwrap_or_default(),
    };
    render(&MapPage {
        layout: p.layout(p.tr.t("map")),
        team: sees.is_team(),
        region,
        svg,
        windows,
        phases,
        platforms,
        total_cases: rows.iter().map(|r| r.cases).sum(),
        total_situations: situations.len() as i64,
        rows,
        situations: situations.iter().map(|s| row(s, en)).collect(),
        credit: crate::domain::map::SOURCE_CREDIT,
    })
}

/// The situations that concern a municipality, for its start page and its report pages.
pub struct Concern {
    pub id: i64,
    pub reference: String,
    pub title: String,
    pub phase: &'static str,
    pub phase_id: &'static str,
    pub municipalities: String,
}

/// The open situations of these municipalities (`None`: all), the latest changed first.
/// With `org_id`, also the situations that organisation reported into.
pub async fn concerning(
    p: &Page,
    codes: Option<Vec<String>>,
    org_id: Option<i64>,
) -> Result<Vec<Concern>, PageError> {
    let en = p.tr.is_en();
    let list = store::list(
        &p.state.store,
        &SituationFilter {
            open_only: true,
            municipality_codes: codes,
            or_reported_by: org_id,
            ..Default::default()
        },
    )
    .await?;
    Ok(list
        .into_iter()
        .map(|s| Concern {
            id: s.id,
            reference: s.reference,
            title: s.title,
            phase: s.phase.label(en),
            phase_id: s.phase.as_str(),
            municipalities: names(&s.municipality_codes),
        })
        .collect())
}

/// A situation as a municipality's report page shows it.
pub struct ReportSituation {
    pub id: i64,
    pub reference: String,
    pub title: String,
    pub phase: &'static str,
    pub phase_id: &'static str,
    /// How many other municipalities reported content of the situation.
    pub other_municipalities: usize,
}

/// The situations the cases of a report belong to, seen from the reporting municipality.
pub async fn of_cases(
    p: &Page,
    case_ids: &[i64],
    own_org: i64,
) -> Result<Vec<ReportSituation>, PageError> {
    let en = p.tr.is_en();
    let mut out: Vec<ReportSituation> = Vec::new();
    for case_id in case_ids {
        let Some(s) = store::of_case(&p.state.store, *case_id).await? else {
            continue;
        };
        if out.iter().any(|o| o.id == s.id) {
            continue;
        }
        let others: HashSet<i64> = store::reports_in(&p.state.store, s.id)
            .await?
            .iter()
            .map(|r| r.org_id)
            .filter(|o| *o != own_org)
            .collect();
        out.push(ReportSituation {
            id: s.id,
            reference: s.reference,
            title: s.title,
            phase: s.phase.label(en),
            phase_id: s.phase.as_str(),
            other_municipalities: others.len(),
        });
    }
    Ok(out)
}

#[derive(Deserialize, Default)]
pub struct CaseLinkForm {
    #[serde(default)]
    situation: String,
}

/// Links a case to a situation from the case page.
pub async fn link_from_case(
    p: Page,
    Path(case_id): Path<i64>,
    Form(f): Form<CaseLinkForm>,
) -> Result<Response, PageError> {
    p.authorize(Action::WorkOnSituations).await?;
    super::cases::load_case(&p, case_id).await?;
    let Ok(situation_id) = f.situation.parse::<i64>() else {
        return super::cases::again_with(
            &p,
            case_id,
            "situatie",
            ServiceError::invalid(
                "situation",
                crate::domain::message::Message::new("situation.choose"),
            ),
        )
        .await;
    };
    match service::link_case(&p.state.store, &p.ctx(), situation_id, case_id, None).await {
        Ok(()) => Ok(Redirect::to(&format!("/zaken/{case_id}#situatie")).into_response()),
        Err(ServiceError::NotFound) => Err(PageError::not_found()),
        Err(e) => super::cases::again_with(&p, case_id, "situatie", e).await,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_form_returns_only_to_the_pages_it_came_from() {
        use super::safe_back;
        assert_eq!(safe_back("/situaties").as_deref(), Some("/situaties"));
        assert_eq!(safe_back("/situaties/12").as_deref(), Some("/situaties/12"));
        assert_eq!(safe_back("/zaken/3").as_deref(), Some("/zaken/3"));
        for bad in [
            "",
            "/zaken/",
            "//evil.example",
            "/situaties/1/../x",
            "https://x",
            "/zaken/1\t",
        ] {
            assert_eq!(safe_back(bad), None, "{bad}");
        }
    }
}
