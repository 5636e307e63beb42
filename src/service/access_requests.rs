//! Access requests (GDPR art. 15) and the view log, for the data protection officer.
//!
//! [`find`] gathers what meldpunt holds about one person — a member of staff by e-mail, or
//! the person whose content was reported by their account or link
//! (`domain::access_request::Subject`) — into an [`Export`]: a faithful copy of the reports,
//! cases, assessments and messages that concern them, the recipients, the periods of
//! retention, and every consultation of that data (when, for what purpose, on whose behalf;
//! the member of staff who looked is withheld, as the Court of Justice allows in C-579/21).
//! The page and the JSON file are two renderings of the same `Export`. Names and addresses
//! of other people are redacted by `domain::access_request::Redaction`.
//!
//! [`view_log`] lists, for the officer only, who consulted a case's or a person's data.
//! Every search, export and listing is itself recorded in the audit trail.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{Ctx, Result};
use crate::domain::access_request::{Redaction, Subject, REDACTED};
use crate::domain::audit::{AuditAction, AuditRecord, Outcome, Purpose};
use crate::domain::retention::{case_kind, DataKind, Schedule};
use crate::domain::{iso_time, Millis};
use crate::store::cases::Case;
use crate::store::reports::Report;
use crate::store::{audit, cases, orgs, platforms, reports, retention, users, Store, StoreError};

/// The version of the export's shape, the first field of every JSON file.
pub const FORMAT: &str = "meldpunt-inzage-v1";

/// A moment: shown as Dutch people read it, exported as RFC 3339 (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Moment(pub Millis);

impl Serialize for Moment {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&iso_time(self.0))
    }
}

impl std::fmt::Display for Moment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::domain::dutch_time(self.0))
    }
}

/// Everything meldpunt holds about one person, as the copy they receive.
#[derive(Debug, Clone, Serialize)]
pub struct Export {
    pub format: &'static str,
    pub produced_at: Moment,
    /// How the person was looked up (their address, account or link).
    pub subject: String,
    /// `staff` or `content`.
    pub subject_kind: &'static str,
    /// The member of staff's account, when the request is about one.
    pub account: Option<StaffAccount>,
    pub reports: Vec<ReportCopy>,
    pub cases: Vec<CaseCopy>,
    /// A member of staff's own actions, from the audit trail.
    pub own_actions: Vec<ActionCopy>,
    pub recipients: Recipients,
    pub retention: Vec<RetentionLine>,
    /// Every consultation of this data: when, what, for which purpose, on whose behalf.
    pub consultations: Vec<Consultation>,
}

impl Export {
    /// Nothing is held about the person.
    pub fn is_empty(&self) -> bool {
        self.account.is_none() && self.reports.is_empty() && self.cases.is_empty()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StaffAccount {
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub organisation: String,
    pub status: &'static str,
    pub created_at: Moment,
    /// Whether an authenticator app is linked (its secret is never copied).
    pub authenticator_app: bool,
    /// The account's passkeys (their public keys are not personal data worth copying).
    pub passkeys: Vec<PasskeyCopy>,
    /// When each known device (a browser with the device cookie) last completed a sign-in.
    pub known_devices: Vec<Moment>,
    /// The organisation's identity provider and the subject it knows the person by, when
    /// the account is linked for single sign-on.
    pub single_sign_on: Option<SsoLinkCopy>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SsoLinkCopy {
    pub issuer: String,
    pub subject: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PasskeyCopy {
    pub name: String,
    pub added_at: Moment,
    pub last_used_at: Option<Moment>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportCopy {
    pub reference: String,
    pub organisation: String,
    pub reporter: String,
    pub submitted_at: Moment,
    pub category: &'static str,
    pub urgency: &'static str,
    pub summary: Option<String>,
    pub justification: String,
    pub on_behalf_of: String,
    pub expected_place: Option<String>,
    pub expected_date: Option<String>,
    pub status: &'static str,
    pub withdrawn_at: Option<Moment>,
    pub withdraw_reason: Option<String>,
    pub links: Vec<LinkCopy>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkCopy {
    pub case_reference: String,
    /// The link as submitted, and the content's text as the reporter pasted it: the
    /// person's own content, or redacted in a copy for the member of staff who reported it.
    pub submitted_url: String,
    pub content_text: Option<String>,
    pub remark: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseCopy {
    pub reference: String,
    pub link: String,
    pub platform: &'static str,
    pub status: &'static str,
    pub first_reported_at: Moment,
    pub last_reported_at: Moment,
    pub municipalities: i64,
    pub reports: i64,
    pub history: Vec<HistoryCopy>,
    pub assessments: Vec<AssessmentCopy>,
    pub messages: Vec<MessageCopy>,
    pub answers: Vec<AnswerCopy>,
    pub objections: Vec<ObjectionCopy>,
    /// When retention erased the case's personal data.
    pub erased_at: Option<Moment>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryCopy {
    pub at: Moment,
    pub by: String,
    pub event: &'static str,
    pub to_status: Option<&'static str>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssessmentCopy {
    pub version: i64,
    pub written_at: Moment,
    pub author: String,
    pub legal_class: &'static str,
    pub provisions: Vec<&'static str>,
    pub facts: String,
    pub rights_reasoning: String,
    pub proportionality: String,
    pub decision: &'static str,
    pub reasons: String,
    pub review: Option<ReviewCopy>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReviewCopy {
    pub approved: bool,
    pub by: String,
    pub at: Moment,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MessageCopy {
    pub reference: String,
    pub kind: &'static str,
    pub recipient: String,
    pub created_at: Moment,
    pub sent_at: Option<Moment>,
    pub subject: String,
    pub body: String,
    pub withdrawn_at: Option<Moment>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnswerCopy {
    pub link: String,
    pub outcome: &'static str,
    pub platform_reason: Option<String>,
    pub received_at: Moment,
}

#[derive(Debug, Clone, Serialize)]
pub struct ObjectionCopy {
    pub received_at: Moment,
    pub source: &'static str,
    pub summary: String,
    pub verdict: Option<&'static str>,
    pub reasons: Option<String>,
    pub decided_at: Option<Moment>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActionCopy {
    pub at: Moment,
    pub action: String,
    pub object: String,
    pub outcome: String,
}

/// Who received the data: the platforms messages went to, other recipients of messages,
/// and the organisations that reported or were told the outcome.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Recipients {
    pub platforms: Vec<String>,
    pub other_recipients: Vec<String>,
    pub organisations: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RetentionLine {
    /// What is kept (a case's reference, or a kind of data).
    pub what: String,
    /// The rule (`case_with_notice P5Y`).
    pub rule: String,
    /// When it is erased; `None` while the period has not started (an open case, an
    /// account in use).
    pub erased_from: Option<Moment>,
    /// A legal hold keeps it longer.
    pub held: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Consultation {
    pub at: Moment,
    pub event: String,
    pub object: String,
    pub purpose: String,
    /// The organisation the person who looked acted for.
    pub on_behalf_of: String,
}

/// One view record as the officer reads it: the consultation and who looked.
#[derive(Debug, Clone)]
pub struct ViewEntry {
    pub consultation: Consultation,
    pub who: String,
    pub seq: i64,
}

fn label(en: bool, nl: &'static str, en_label: &'static str) -> &'static str {
    if en {
        en_label
    } else {
        nl
    }
}

/// What the person's data consists of: the copy and the objects whose views count as
/// consultations of it.
struct Gathered {
    export: Export,
    objects: Vec<(&'static str, String)>,
}

/// Finds what meldpunt holds about `subject` and records the search (or, with `exported`,
/// the export) in the audit trail.
pub async fn find(
    store: &Store,
    ctx: &Ctx,
    schedule: &Schedule,
    subject: &Subject,
    en: bool,
    exported: bool,
) -> Result<Export> {
    let gathered = gather(store, ctx.now, schedule, subject, en).await?;
    let action = if exported {
        AuditAction::AccessRequestExported
    } else {
        AuditAction::AccessRequestSearched
    };
    let e = &gathered.export;
    let event = ctx.event(
        action,
        "access_request",
        subject.kind().as_str(),
        None,
        Outcome::Success,
        serde_json::json!({
            "subject": subject.describe(),
            "reports": e.reports.len(),
            "cases": e.cases.len(),
            "consultations": e.consultations.len(),
        }),
    );
    audit::record(store, &event, ctx.now).await?;
    Ok(gathered.export)
}

/// Who consulted the data of `subject`, newest first (for the officer; recorded).
pub async fn view_log(
    store: &Store,
    ctx: &Ctx,
    schedule: &Schedule,
    subject: &Subject,
    en: bool,
) -> Result<Vec<ViewEntry>> {
    let gathered = gather(store, ctx.now, schedule, subject, en).await?;
    let entries = views(store, &gathered.objects, en).await?;
    record_listing(
        store,
        ctx,
        "access_request",
        subject.describe(),
        entries.len(),
    )
    .await?;
    Ok(entries)
}

/// Who consulted one case's data (the case, its reports, their evidence, its messages),
/// newest first (for the officer; recorded).
pub async fn view_log_of_case(
    store: &Store,
    ctx: &Ctx,
    reference: &str,
    en: bool,
) -> Result<(Case, Vec<ViewEntry>)> {
    let case = cases::by_reference(store, reference.trim())
        .await
        .map_err(not_found)?;
    let mut objects = case_objects(store, &case).await?;
    for (r, _) in reports::list_by_case(store, case.id).await? {
        objects.extend(report_objects(store, &r).await?);
    }
    let entries = views(store, &objects, en).await?;
    record_listing(store, ctx, "case", case.id.to_string(), entries.len()).await?;
    Ok((case, entries))
}

fn not_found(e: StoreError) -> super::ServiceError {
    match e {
        StoreError::NotFound => super::ServiceError::NotFound,
        other => other.into(),
    }
}

async fn record_listing(
    store: &Store,
    ctx: &Ctx,
    object_type: &str,
    object: String,
    count: usize,
) -> Result<()> {
    let details = serde_json::json!({
        "purpose": Purpose::AccessRequest.as_str(),
        "acting_for_org": ctx.actor_org_id,
        "entries": count,
        "of": object,
    });
    let object_id = if object_type == "case" {
        object
    } else {
        String::new()
    };
    let event = ctx.event(
        AuditAction::ViewedViewLog,
        object_type,
        object_id,
        None,
        Outcome::Success,
        details,
    );
    audit::record(store, &event, ctx.now).await?;
    Ok(())
}

async fn views(
    store: &Store,
    objects: &[(&'static str, String)],
    en: bool,
) -> Result<Vec<ViewEntry>> {
    let records = audit::views_of(store, objects).await?;
    let org_names = organisation_names(store).await?;
    let mut entries: Vec<ViewEntry> = records
        .iter()
        .map(|r| ViewEntry {
            consultation: consultation(r, &org_names, en),
            who: if r.erased_at.is_some() {
                REDACTED.to_string()
            } else {
                r.actor_label.clone()
            },
            seq: r.seq,
        })
        .collect();
    entries.reverse();
    Ok(entries)
}

async fn organisation_names(store: &Store) -> Result<BTreeMap<i64, String>> {
    Ok(orgs::list(store, None, "", i64::MAX, 0)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect())
}

fn consultation(r: &AuditRecord, org_names: &BTreeMap<i64, String>, en: bool) -> Consultation {
    let details: serde_json::Value = serde_json::from_str(&r.details).unwrap_or_default();
    let purpose = details
        .get("purpose")
        .and_then(|p| p.as_str())
        .and_then(Purpose::parse)
        .map_or_else(
            || label(en, "Niet vastgelegd", "Not recorded").to_string(),
            |p| label(en, p.label_nl(), p.label_en()).to_string(),
        );
    let acting_for = details
        .get("acting_for_org")
        .and_then(|o| o.as_i64())
        .or(r.org_id);
    Consultation {
        at: Moment(r.at),
        event: r.action.clone(),
        object: format!("{} {}", r.object_type, r.object_id),
        purpose,
        on_behalf_of: acting_for
            .and_then(|o| org_names.get(&o).cloned())
            .unwrap_or_else(|| label(en, "Onbekend", "Unknown").to_string()),
    }
}

async fn case_objects(store: &Store, case: &Case) -> Result<Vec<(&'static str, String)>> {
    let mut objects = vec![("case", case.id.to_string())];
    for n in crate::store::notices::list_by_case(store, case.id).await? {
        objects.push(("notice", n.id.to_string()));
    }
    Ok(objects)
}

async fn report_objects(store: &Store, r: &Report) -> Result<Vec<(&'static str, String)>> {
    let mut objects = vec![("report", r.id.to_string())];
    for e in reports::evidence_of_report(store, r.id).await? {
        objects.push(("evidence", e.id.to_string()));
    }
    Ok(objects)
}

async fn gather(
    store: &Store,
    now: Millis,
    schedule: &Schedule,
    subject: &Subject,
    en: bool,
) -> Result<Gathered> {
    let mut export = Export {
        format: FORMAT,
        produced_at: Moment(now),
        subject: subject.describe(),
        subject_kind: subject.kind().as_str(),
        account: None,
        reports: Vec::new(),
        cases: Vec::new(),
        own_actions: Vec::new(),
        recipients: Recipients::default(),
        retention: Vec::new(),
        consultations: Vec::new(),
    };
    let mut objects: Vec<(&'static str, String)> = Vec::new();
    let mut organisations = BTreeSet::new();
    match subject {
        Subject::Staff(email) => {
            let user = match users::by_email(store, email.as_str()).await {
                Ok(u) => u,
                Err(StoreError::NotFound) => return Ok(Gathered { export, objects }),
                Err(e) => return Err(e.into()),
            };
            let redaction = Redaction {
                own_user_id: Some(user.id),
            };
            export.account = Some(StaffAccount {
                name: user.name.clone(),
                email: user.email.clone(),
                role: label(en, user.role.label_nl(), user.role.label_en()),
                organisation: user.org_name.clone(),
                status: label(en, user.status.label_nl(), user.status.label_en()),
                created_at: Moment(user.created_at),
                authenticator_app: user.totp_secret.is_some(),
                passkeys: crate::store::passkeys::of_user(store, user.id)
                    .await?
                    .into_iter()
                    .map(|k| PasskeyCopy {
                        name: k.name,
                        added_at: Moment(k.created_at),
                        last_used_at: k.last_used_at.map(Moment),
                    })
                    .collect(),
                known_devices: crate::store::throttle::devices_of(store, user.id)
                    .await?
                    .into_iter()
                    .map(Moment)
                    .collect(),
                single_sign_on: crate::store::sso::subject_of(store, user.id)
                    .await?
                    .map(|(issuer, subject)| SsoLinkCopy { issuer, subject }),
            });
            organisations.insert(user.org_name.clone());
            objects.push(("user", user.id.to_string()));
            objects.push(("organisation", user.org_id.to_string()));
            for r in reports::list_by_reporter(store, user.id).await? {
                objects.extend(report_objects(store, &r).await?);
                let links = reports::links(store, r.id)
                    .await?
                    .into_iter()
                    .map(|l| LinkCopy {
                        case_reference: l.case_reference,
                        // The reported content is somebody else's.
                        submitted_url: REDACTED.into(),
                        content_text: l.content_text.map(|_| REDACTED.into()),
                        remark: l.remark,
                    })
                    .collect();
                export.reports.push(report_copy(&r, links, redaction, en));
            }
            export.own_actions = audit::by_actor(store, user.id)
                .await?
                .into_iter()
                .map(|a| ActionCopy {
                    at: Moment(a.at),
                    object: format!("{} {}", a.object_type, a.object_id),
                    action: a.action,
                    outcome: a.outcome,
                })
                .collect();
            export.recipients.other_recipients.push(
                label(
                    en,
                    "Het centrale team van meldpunt (behandeling van de meldingen)",
                    "meldpunt's central team (handling the reports)",
                )
                .into(),
            );
            for kind in [DataKind::SignInRecords, DataKind::Notifications] {
                export.retention.push(RetentionLine {
                    what: kind.label(en).into(),
                    rule: schedule.rule(kind),
                    erased_from: None,
                    held: false,
                });
            }
            export.retention.push(RetentionLine {
                what: label(
                    en,
                    "Account: zolang het in gebruik is; meldingen met de zaken waarin ze staan",
                    "Account: while in use; reports with the cases they are in",
                )
                .into(),
                rule: String::new(),
                erased_from: None,
                held: false,
            });
        }
        Subject::Account(_) | Subject::Link(_) => {
            let candidates = match subject {
                Subject::Account(a) => {
                    cases::on_platform_containing(store, a.platform, &a.name).await?
                }
                Subject::Link(url) => cases::by_url(store, url).await?.into_iter().collect(),
                Subject::Staff(_) => Vec::new(),
            };
            let redaction = Redaction { own_user_id: None };
            let directory = platforms::list(store).await?;
            for case in candidates
                .into_iter()
                .filter(|c| subject.owns_content(&c.canonical_url))
            {
                objects.extend(case_objects(store, &case).await?);
                for (r, link) in reports::list_by_case(store, case.id).await? {
                    objects.extend(report_objects(store, &r).await?);
                    organisations.insert(r.org_name.clone());
                    let links = vec![LinkCopy {
                        case_reference: link.case_reference.clone(),
                        submitted_url: link.submitted_url.clone(),
                        content_text: link.content_text.clone(),
                        remark: link.remark.clone(),
                    }];
                    export.reports.push(report_copy(&r, links, redaction, en));
                }
                let copy = case_copy(store, &case, redaction, &directory, en).await?;
                for m in &copy.messages {
                    let list = if m.kind_goes_to_platform {
                        &mut export.recipients.platforms
                    } else {
                        &mut export.recipients.other_recipients
                    };
                    if !list.contains(&m.recipient) {
                        list.push(m.recipient.clone());
                    }
                }
                let closure = retention::closure(store, case.id).await?;
                let kind = case_kind(closure.has_message);
                export.retention.push(RetentionLine {
                    what: case.reference.clone(),
                    rule: schedule.rule(kind),
                    erased_from: closure
                        .closed_at
                        .and_then(|at| schedule.due(kind, at))
                        .map(Moment),
                    held: retention::hold(store, case.id).await?.is_some(),
                });
                export.cases.push(copy.copy);
            }
            if !export.cases.is_empty() {
                export.retention.push(RetentionLine {
                    what: DataKind::Evidence.label(en).into(),
                    rule: schedule.rule(DataKind::Evidence),
                    erased_from: None,
                    held: false,
                });
            }
        }
    }
    export.recipients.organisations = organisations.into_iter().collect();
    export.consultations = views(store, &objects, en)
        .await?
        .into_iter()
        .rev()
        .map(|v| v.consultation)
        .collect();
    Ok(Gathered { export, objects })
}

fn report_copy(r: &Report, links: Vec<LinkCopy>, redaction: Redaction, en: bool) -> ReportCopy {
    let reporter = r
        .reporter_name
        .as_deref()
        .map_or(REDACTED.to_string(), |name| {
            redaction.staff(r.reporter_user_id, name)
        });
    ReportCopy {
        reference: r.reference.clone(),
        organisation: r.org_name.clone(),
        reporter,
        submitted_at: Moment(r.created_at),
        category: label(en, r.category.label_nl(), r.category.label_en()),
        urgency: label(en, r.urgency.label_nl(), r.urgency.label_en()),
        summary: r.summary.clone(),
        justification: r.justification.clone(),
        // The official the report was made for (a mayor): somebody else's name.
        on_behalf_of: if r.on_behalf_of.is_empty() {
            String::new()
        } else {
            redaction.staff(None, &r.on_behalf_of)
        },
        expected_place: r.exp_place.clone(),
        expected_date: r.exp_date.clone(),
        status: r.status.as_str(),
        withdrawn_at: r.withdrawn_at.map(Moment),
        withdraw_reason: r.withdraw_reason.clone(),
        links,
    }
}

struct CaseCopyWithRecipients {
    copy: CaseCopy,
    messages: Vec<Sent>,
}

struct Sent {
    recipient: String,
    kind_goes_to_platform: bool,
}

async fn case_copy(
    store: &Store,
    case: &Case,
    redaction: Redaction,
    directory: &[crate::domain::platform::PlatformEntry],
    en: bool,
) -> Result<CaseCopyWithRecipients> {
    let file = super::cases::case_file(store, case.clone()).await?;
    let mut sent = Vec::new();
    let messages = file
        .notices
        .iter()
        .map(|n| {
            let to_platform = n.kind.goes_to_platform();
            let recipient = if to_platform {
                n.platform_id
                    .and_then(|id| directory.iter().find(|p| p.id == id))
                    .map_or_else(|| case.platform.label().to_string(), |p| p.name.clone())
            } else {
                n.kind.label(en).to_string()
            };
            sent.push(Sent {
                recipient: recipient.clone(),
                kind_goes_to_platform: to_platform,
            });
            MessageCopy {
                reference: n.reference.clone(),
                kind: n.kind.label(en),
                recipient,
                created_at: Moment(n.created_at),
                sent_at: n.sent_at.map(Moment),
                subject: n.subject.clone(),
                body: n.body.clone(),
                withdrawn_at: n.withdrawn_at.map(Moment),
            }
        })
        .collect();
    let copy = CaseCopy {
        reference: case.reference.clone(),
        link: case.canonical_url.clone(),
        platform: case.platform.label(),
        status: label(en, case.status.label_nl(), case.status.label_en()),
        first_reported_at: Moment(case.first_reported_at),
        last_reported_at: Moment(case.last_reported_at),
        municipalities: case.municipality_count,
        reports: case.report_count,
        history: file
            .events
            .iter()
            .map(|e| HistoryCopy {
                at: Moment(e.at),
                // Case history names people by label; none of them is the person asking.
                by: redaction.staff(None, &e.actor_label),
                event: e.kind.label(en),
                to_status: e.to_status.map(|s| label(en, s.label_nl(), s.label_en())),
                note: e.note.clone(),
            })
            .collect(),
        assessments: file
            .versions
            .iter()
            .map(|v| AssessmentCopy {
                version: v.version,
                written_at: Moment(v.created_at),
                author: redaction.staff(Some(v.author_user_id), &v.author_name),
                legal_class: v.a.class.label(en),
                provisions: v.a.provisions.iter().map(|p| p.label(en)).collect(),
                facts: v.a.facts.clone(),
                rights_reasoning: v.a.rights_reasoning.clone(),
                proportionality: v.a.proportionality.clone(),
                decision: v.a.decision.label(en),
                reasons: v.a.reasons.clone(),
                review: v.verdict.as_ref().map(|r| ReviewCopy {
                    approved: r.approved,
                    by: redaction.staff(Some(r.reviewer_user_id), &r.reviewer_name),
                    at: Moment(r.at),
                    reason: r.reason.clone(),
                }),
            })
            .collect(),
        messages,
        answers: file
            .answers
            .iter()
            .map(|a| AnswerCopy {
                link: a.url.clone(),
                outcome: a.outcome.label(en),
                platform_reason: a.platform_reason.clone(),
                received_at: Moment(a.received_at),
            })
            .collect(),
        objections: file
            .objections
            .iter()
            .map(|o| ObjectionCopy {
                received_at: Moment(o.received_at),
                source: o.source.label(en),
                summary: o.summary.clone(),
                verdict: o.verdict.map(|v| v.label(en)),
                reasons: o.reasons.clone(),
                decided_at: o.decided_at.map(Moment),
            })
            .collect(),
        erased_at: case.erased_at.map(Moment),
    };
    Ok(CaseCopyWithRecipients {
        copy,
        messages: sent,
    })
}
