//! Outgoing messages: rendering an approved decision into a notice, storing it, and starting
//! it on its way to the platform's contact point (or the police, or the municipalities).
//! [`route_to`] is the one way to a platform's contact point and [`queue_message`] the one
//! place a message is created; a bounced message goes out again through [`resend`].

use serde_json::json;

use super::assessment::art9_basis;
use super::refusals::{audit_refusal, not_found};
use crate::domain::assessment::{DecisionRefused, Version};
use crate::domain::audit::{AuditAction, Outcome as AuditOutcome};
use crate::domain::case::CaseEventKind;
use crate::domain::dutch_time;
use crate::domain::group::most_pressing;
use crate::domain::message::Message;
use crate::domain::notice::{Delivery, NoticeChannel, NoticeEventKind, NoticeKind, Route};
use crate::domain::notice_text::{self, Extra, NoticeFacts, Sender};
use crate::domain::platform::PlatformEntry;
use crate::domain::report::Urgency;
use crate::domain::report::{dutch_year, reference};
use crate::service::history::record;
use crate::service::{Ctx, Result, ServiceError, Settings};
use crate::store::cases::{self, Case};
use crate::store::notices::{self, NewNotice};
use crate::store::platforms::{self, NoticeSettings};
use crate::store::{audit, notify, reports, Store, WriteTx};

/// The one way to a platform's contact point: the route its directory entry configures,
/// or a refusal that names the platform. Approval, a new notice, a re-send after a bounce and
/// a withdrawal all go through here.
pub(crate) fn route_to(entry: &PlatformEntry) -> Result<Route> {
    entry.route().ok_or_else(|| no_contact_point(&entry.name))
}

/// Why a message to the platform hosting `domain`'s content (directory entry `entry`) could
/// not leave now, if it could not — the rule approval applies ([`route_to`]), told before work
/// starts: on the case page and the assessment form.
pub fn contact_point_problem(entry: Option<&PlatformEntry>, domain: &str) -> Option<Message> {
    let problem = match entry {
        Some(e) => route_to(e).err(),
        None => Some(no_contact_point(domain)),
    };
    match problem {
        Some(ServiceError::Unprocessable(m)) => Some(m),
        _ => None,
    }
}

fn no_contact_point(platform: &str) -> ServiceError {
    ServiceError::Unprocessable(Message::new("notice.no_contact_point").with("platform", platform))
}

/// The directory entry of the platform hosting the case's content, and the route to it.
pub(crate) async fn platform_of(tx: &mut WriteTx, case: &Case) -> Result<(PlatformEntry, Route)> {
    let entry = platforms::for_content(tx, case.platform.as_str(), &case.domain)
        .await?
        .ok_or_else(|| no_contact_point(&case.domain))?;
    let route = route_to(&entry)?;
    Ok((entry, route))
}

/// Whether a draft takes the next notice number or only shows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Numbering {
    /// The message is sent: the number is taken (gap-free, with the transaction).
    Take,
    /// The message is shown before approval: the number it would get now.
    Show,
}

/// The message an approved version makes, before it is stored: what [`issue`] sends, and what
/// the approval block shows the supervisor beforehand (the same function makes both).
#[derive(Debug, Clone)]
pub struct Draft {
    pub kind: NoticeKind,
    pub platform_id: Option<i64>,
    pub route: Route,
    pub reference: String,
    pub urls: Vec<String>,
    /// Each case the message is about, with its URLs (the first is the lead case).
    pub cases: Vec<(i64, Vec<String>)>,
    /// The most pressing urgency among the cases: the deadline it sets.
    pub urgency: Urgency,
    pub subject: String,
    pub body: String,
}

/// One case a message is about, with the reports that point at it.
#[derive(Debug, Clone)]
pub(crate) struct Subject {
    pub case: Case,
    pub sources: Vec<reports::CaseSource>,
}

impl Subject {
    pub(crate) async fn load(tx: &mut WriteTx, case: Case) -> Result<Subject> {
        let sources = reports::case_sources(tx, case.id).await?;
        Ok(Subject { case, sources })
    }

    /// The case's URLs a message lists: its canonical link and every distinct link an active
    /// report gave.
    fn urls(&self) -> Vec<String> {
        let mut urls = vec![self.case.canonical_url.clone()];
        for s in self.sources.iter().filter(|s| s.active) {
            if !urls.contains(&s.submitted_url) {
                urls.push(s.submitted_url.clone());
            }
        }
        urls
    }
}

/// The message `v` makes at `ctx.now` about `subjects` — one case, or a group's cases on
/// one platform (the first leads) — if its decision makes one.
pub(crate) async fn draft(
    tx: &mut WriteTx,
    settings: &Settings,
    ctx: &Ctx,
    subjects: &[Subject],
    v: &Version,
    config: &NoticeSettings,
    numbering: Numbering,
) -> Result<Option<Draft>> {
    let Some(kind) = NoticeKind::for_decision(v.a.decision) else {
        return Ok(None);
    };
    let Some(lead) = subjects.first() else {
        return Ok(None);
    };
    let case = &lead.case;
    if config.sender_email.trim().is_empty() {
        return Err(ServiceError::refused("notice.no_sender"));
    }
    let (platform_id, platform_name, route) = if kind.goes_to_platform() {
        let (entry, route) = platform_of(tx, case).await?;
        (Some(entry.id), entry.name, route)
    } else if kind == NoticeKind::PoliceReferral {
        let to = config
            .police_email
            .clone()
            .filter(|m| !m.trim().is_empty())
            .ok_or_else(|| ServiceError::refused("notice.no_police_address"))?;
        let route = Route {
            channel: NoticeChannel::Email,
            recipient: to,
        };
        (None, case.platform.label().to_string(), route)
    } else {
        let route = Route {
            channel: NoticeChannel::InApp,
            recipient: "gemeenten".to_string(),
        };
        (None, case.platform.label().to_string(), route)
    };
    let mut urls: Vec<String> = Vec::new();
    let mut cases = Vec::new();
    let mut municipalities = Vec::new();
    for subject in subjects {
        let own: Vec<String> = subject
            .urls()
            .into_iter()
            .filter(|u| !urls.contains(u))
            .collect();
        urls.extend(own.iter().cloned());
        cases.push((subject.case.id, own));
        for s in subject.sources.iter().filter(|s| s.active) {
            if !municipalities.contains(&s.org_name) {
                municipalities.push(s.org_name.clone());
            }
        }
    }
    let urgency = most_pressing(subjects.iter().map(|s| s.case.urgency));
    let case_reference = subjects
        .iter()
        .map(|s| s.case.reference.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let series = format!("notice-{}", dutch_year(ctx.now));
    let number = match numbering {
        Numbering::Take => cases::next_number(tx, &series).await?,
        Numbering::Show => cases::peek_number(tx, &series).await?,
    };
    let reference = reference("KG", dutch_year(ctx.now), number);
    let respond_by = format!(
        "{} (Europe/Amsterdam)",
        dutch_time(settings.answer_deadlines.due(urgency, ctx.now))
    );
    let facts = NoticeFacts {
        reference: reference.clone(),
        case_reference,
        platform_name,
        urls: urls.clone(),
        locating: v.a.locating.clone(),
        provisions: v.a.provisions.clone(),
        facts: v.a.facts.clone(),
        reasons: v.a.reasons.clone(),
        category: v.a.category,
        keywords: v.a.keywords.clone(),
        urgency,
        respond_by,
        municipalities,
        sender: Sender {
            name: config.sender_name.clone(),
            email: config.sender_email.clone(),
            trusted_flagger: config.trusted_flagger,
        },
    };
    let basis = art9_basis(config);
    let extra = match (&basis, kind) {
        (Some(b), NoticeKind::Art9Order) => Extra::Art9(b),
        _ => Extra::None,
    };
    let rendered = notice_text::render(kind, &facts, extra)
        .map_err(|_| ServiceError::Unprocessable(DecisionRefused::Art9Unavailable.message()))?;
    Ok(Some(Draft {
        kind,
        platform_id,
        route,
        reference,
        urls,
        cases,
        urgency,
        subject: rendered.subject,
        body: rendered.body,
    }))
}

/// Renders and stores the message of an approved version about `subjects` (see [`draft`]);
/// queues e-mail in the outbox.
pub(crate) async fn issue(
    tx: &mut WriteTx,
    settings: &Settings,
    ctx: &Ctx,
    subjects: &[Subject],
    v: &Version,
    config: &NoticeSettings,
) -> Result<Option<NoticeKind>> {
    let Some(d) = draft(tx, settings, ctx, subjects, v, config, Numbering::Take).await? else {
        return Ok(None);
    };
    let lead = &subjects[0].case;
    queue_message(
        tx,
        ctx,
        lead,
        &NewNotice {
            reference: &d.reference,
            case_id: lead.id,
            assessment_id: Some(v.id),
            kind: d.kind,
            platform_id: d.platform_id,
            route: &d.route,
            subject: &d.subject,
            body: &d.body,
            urls: &d.urls,
            cases: &d.cases,
            urgency: d.urgency,
            withdraws_notice_id: None,
        },
    )
    .await?;
    Ok(Some(d.kind))
}

/// Stores a rendered message and starts it on its way along `m.route` (see [`start`]).
/// The one place a message is created. Returns the notice id.
pub(crate) async fn queue_message(
    tx: &mut WriteTx,
    ctx: &Ctx,
    case: &Case,
    m: &NewNotice<'_>,
) -> Result<i64> {
    let notice_id = notices::insert(tx, m, ctx.now).await?;
    let recipient = (m.route.channel != NoticeChannel::InApp).then_some(m.route.recipient.as_str());
    notices::add_event(tx, notice_id, m.route.first_event(), recipient, ctx.now).await?;
    let case_ids: Vec<i64> = m.cases.iter().map(|(id, _)| *id).collect();
    start(
        tx,
        ctx,
        &case.reference,
        &case_ids,
        notice_id,
        m.reference,
        m.route,
        m.subject,
        m.body,
    )
    .await?;
    for id in &case_ids {
        record(
            tx,
            ctx,
            *id,
            CaseEventKind::NoticeQueued,
            Some(&format!("{}: {}", m.reference, m.kind.label_nl())),
        )
        .await?;
    }
    let event = ctx.event(
        AuditAction::NoticeQueued,
        "notice",
        notice_id,
        None,
        AuditOutcome::Success,
        json!({"reference": m.reference, "case": case.reference, "cases": case_ids, "kind": m.kind.as_str(),
               "channel": m.route.channel.as_str(), "recipient": m.route.recipient}),
    );
    audit::append(tx, &event, ctx.now).await?;
    Ok(notice_id)
}

/// The one way a stored message starts on its way along `route`: e-mail into the outbox,
/// a web-form message to the analysts (who submit it by hand), a message in meldpunt
/// delivered at once (and mailed to the reporting municipalities of every case it is about).
/// The caller writes the line of the delivery record that says why (stored, or sent again).
#[allow(clippy::too_many_arguments)]
async fn start(
    tx: &mut WriteTx,
    ctx: &Ctx,
    lead_reference: &str,
    case_ids: &[i64],
    notice_id: i64,
    reference: &str,
    route: &Route,
    subject: &str,
    body: &str,
) -> Result<()> {
    let delivery = route.first_delivery();
    let delivered_at = (delivery == Delivery::Delivered).then_some(ctx.now);
    notices::set_delivery(tx, notice_id, delivery, delivered_at, None, None).await?;
    match route.channel {
        NoticeChannel::Email => {
            let mail_id =
                notify::enqueue_mail(tx, &route.recipient, subject, body, ctx.now).await?;
            notices::attach_mail(tx, notice_id, mail_id).await?;
        }
        NoticeChannel::WebForm => {
            let people = notify::case_handlers(tx).await?;
            notify::notify_each(
                tx,
                &people,
                &format!(
                    "{reference} ({lead_reference}) moet via het webformulier van het platform worden ingediend."
                ),
                &format!("/kennisgevingen/{notice_id}"),
                ctx.now,
            )
            .await?;
        }
        NoticeChannel::InApp => {
            let mut mailed: Vec<String> = Vec::new();
            for case_id in case_ids {
                for report in reports::active_in_case(tx, *case_id).await? {
                    if let Some(email) = report.reporter_email {
                        if !mailed.contains(&email) {
                            notify::enqueue_mail(tx, &email, subject, body, ctx.now).await?;
                            mailed.push(email);
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// Sends a bounced message again, through the platform's channel as it is configured now.
pub async fn resend(store: &Store, ctx: &Ctx, notice_id: i64) -> Result<()> {
    let result = async {
        let mut tx = store.begin_write().await?;
        let n = notices::get_locked(&mut tx, notice_id)
            .await
            .map_err(not_found)?;
        if n.delivery != Delivery::Bounced {
            return Err(ServiceError::refused("notice.resend_only_bounced"));
        }
        // A referral to the police has no directory entry: it goes to the address it had.
        let route = match n.platform_id {
            Some(id) => route_to(&platforms::get_in(&mut tx, id).await?)?,
            None => Route {
                channel: n.channel,
                recipient: n.recipient.clone(),
            },
        };
        let case = cases::get_locked(&mut tx, n.case_id).await?;
        let case_ids: Vec<i64> = notices::cases_of_in(&mut tx, n.id)
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        notices::set_route(&mut tx, n.id, &route).await?;
        notices::add_event(
            &mut tx,
            n.id,
            NoticeEventKind::Resent,
            Some(&route.recipient),
            ctx.now,
        )
        .await?;
        start(
            &mut tx,
            ctx,
            &case.reference,
            &case_ids,
            n.id,
            &n.reference,
            &route,
            &n.subject,
            &n.body,
        )
        .await?;
        let recipient = &route.recipient;
        for id in &case_ids {
            record(
                &mut tx,
                ctx,
                *id,
                CaseEventKind::NoticeQueued,
                Some(&format!("{} opnieuw naar {recipient}", n.reference)),
            )
            .await?;
        }
        let event = ctx.event(
            AuditAction::NoticeQueued,
            "notice",
            n.id,
            None,
            AuditOutcome::Success,
            json!({"reference": n.reference, "resent": true, "channel": route.channel.as_str(),
                   "recipient": recipient}),
        );
        audit::append(&mut tx, &event, ctx.now).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    audit_refusal(
        store,
        ctx,
        AuditAction::NoticeQueued,
        ("notice", notice_id),
        result,
    )
    .await
}

/// Writes one line in the history of every case the message is about; returns those cases.
pub(crate) async fn record_for_notice(
    tx: &mut WriteTx,
    ctx: &Ctx,
    notice_id: i64,
    kind: CaseEventKind,
    note: &str,
) -> Result<Vec<i64>> {
    let case_ids: Vec<i64> = notices::cases_of_in(tx, notice_id)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    for id in &case_ids {
        record(tx, ctx, *id, kind, Some(note)).await?;
    }
    Ok(case_ids)
}
