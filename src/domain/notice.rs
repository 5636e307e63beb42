//! What leaves meldpunt after an approved assessment: DSA art. 16 notices, terms-of-service
//! referrals, art. 9 orders, referrals to police, advice to the mayor, and withdrawals of
//! notices that proved wrong. Also what comes back: the platform's answer per URL, and the
//! follow-up when no answer comes.
//!
//! Rendering lives in `notice_text`; this module holds the types and the rules.

use super::assessment::Decision;
use super::message::Message;
use super::report::Urgency;
use super::Millis;
use crate::vocabulary;

vocabulary! {
    /// The kinds of outgoing message.
    pub enum NoticeKind {
        Art16Notice => ("dsa-art16-notice", "Verzoek aan platform (DSA art. 16)", "Request to platform (DSA art. 16)"),
        TosReferral => ("tos-referral", "Verwijzing naar de gebruiksvoorwaarden", "Terms-of-service referral"),
        Art9Order => ("dsa-art9-order", "Bevel (DSA art. 9)", "Order (DSA art. 9)"),
        PoliceReferral => ("police-referral", "Doorverwijzing naar politie / OM", "Referral to police / prosecutor"),
        MayorAdvice => ("mayor-advice", "Advies aan de burgemeester", "Advice to the mayor"),
        Withdrawal => ("withdrawal", "Intrekking van een melding", "Withdrawal of a notice"),
    }
}

impl NoticeKind {
    /// The message an approved decision sends, if any.
    pub fn for_decision(d: Decision) -> Option<NoticeKind> {
        match d {
            Decision::NoAction | Decision::Monitor => None,
            Decision::Art16Notice => Some(NoticeKind::Art16Notice),
            Decision::TosReferral => Some(NoticeKind::TosReferral),
            Decision::Art9Order => Some(NoticeKind::Art9Order),
            Decision::PoliceReferral => Some(NoticeKind::PoliceReferral),
            Decision::MayorAdvice => Some(NoticeKind::MayorAdvice),
        }
    }

    /// Sent to the platform hosting the content, whose answer is then awaited.
    pub fn goes_to_platform(self) -> bool {
        matches!(
            self,
            NoticeKind::Art16Notice | NoticeKind::TosReferral | NoticeKind::Art9Order
        )
    }
}

vocabulary! {
    /// How a platform takes notices, as set in the platform directory.
    pub enum ContactChannel {
        Unconfigured => ("unconfigured", "Nog niet ingesteld", "Not configured yet"),
        Email => ("email", "E-mail (elektronisch contactpunt)", "E-mail (electronic point of contact)"),
        WebForm => ("web-form", "Alleen via webformulier", "Web form only"),
    }
}

vocabulary! {
    /// How one message goes out: the channel stored with the notice.
    pub enum NoticeChannel {
        Email => ("email", "E-mail", "E-mail"),
        WebForm => ("web-form", "Webformulier van het platform", "The platform's web form"),
        InApp => ("in-app", "In meldpunt", "In meldpunt"),
    }
}

/// Where one message goes: a channel and its recipient (an address, a web form's URL or
/// the platform's name, or the municipalities in meldpunt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub channel: NoticeChannel,
    pub recipient: String,
}

impl Route {
    /// The route to a platform's contact point as configured in the directory, or `None`
    /// when there is none: not configured, or an e-mail channel without an address.
    pub fn to_platform(
        channel: ContactChannel,
        contact_email: Option<&str>,
        web_form_url: Option<&str>,
        platform_name: &str,
    ) -> Option<Route> {
        fn filled(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|v| !v.is_empty())
        }
        match channel {
            ContactChannel::Email => filled(contact_email).map(|to| Route {
                channel: NoticeChannel::Email,
                recipient: to.to_string(),
            }),
            ContactChannel::WebForm => Some(Route {
                channel: NoticeChannel::WebForm,
                recipient: filled(web_form_url).unwrap_or(platform_name).to_string(),
            }),
            ContactChannel::Unconfigured => None,
        }
    }

    /// The first line of the delivery record of a message stored for this route.
    pub fn first_event(&self) -> NoticeEventKind {
        match self.channel {
            NoticeChannel::Email => NoticeEventKind::Queued,
            NoticeChannel::WebForm => NoticeEventKind::AwaitingWebForm,
            NoticeChannel::InApp => NoticeEventKind::Delivered,
        }
    }

    /// Where a message starts when it is stored: e-mail waits in the outbox, a web-form
    /// message waits for the analyst, a message in meldpunt is there at once.
    pub fn first_delivery(&self) -> Delivery {
        match self.channel {
            NoticeChannel::Email => Delivery::Queued,
            NoticeChannel::WebForm => Delivery::AwaitingWebForm,
            NoticeChannel::InApp => Delivery::Delivered,
        }
    }
}

vocabulary! {
    /// A line of a message's delivery record (`notice_events.kind`).
    pub enum NoticeEventKind {
        Queued => ("queued", "In de wachtrij voor verzending", "Queued for sending"),
        Sent => ("sent", "Verstuurd (aangenomen door de mailserver)", "Sent (accepted by the mail server)"),
        AttemptFailed => ("attempt-failed", "Verzendpoging mislukt; volgt opnieuw", "Sending failed; will retry"),
        Bounced => ("bounced", "Niet afgeleverd", "Not delivered"),
        Resent => ("resent", "Opnieuw klaargezet", "Queued again"),
        AwaitingWebForm => ("awaiting-web-form", "Wacht op indiening via het webformulier", "Awaiting web-form submission"),
        SubmittedWebForm => ("submitted-web-form", "Ingediend via het webformulier", "Submitted through the web form"),
        Delivered => ("delivered", "Afgeleverd in meldpunt", "Delivered in meldpunt"),
        Answered => ("answered", "Antwoord van het platform vastgelegd", "Platform's answer recorded"),
        Reminder => ("reminder", "Herinnering klaargezet", "Reminder queued"),
        ReminderSent => ("reminder-sent", "Herinnering verstuurd", "Reminder sent"),
        Escalated => ("escalated", "Geëscaleerd naar de supervisors", "Escalated to the supervisors"),
        Withdrawn => ("withdrawn", "Ingetrokken", "Withdrawn"),
    }
}

vocabulary! {
    /// Where a message stands on its way out.
    pub enum Delivery {
        Queued => ("queued", "In de wachtrij voor verzending", "Queued for sending"),
        Sent => ("sent", "Verstuurd", "Sent"),
        Bounced => ("bounced", "Niet afgeleverd (bounce)", "Bounced"),
        AwaitingWebForm => ("awaiting-web-form", "Wacht op invoer in het webformulier van het platform", "Awaiting submission through the platform's web form"),
        SubmittedViaWebForm => ("submitted-web-form", "Ingediend via webformulier", "Submitted through web form"),
        Delivered => ("delivered", "Afgeleverd in meldpunt", "Delivered in meldpunt"),
    }
}

impl Delivery {
    /// The platform has the message, so an answer can be recorded.
    pub fn reached_platform(self) -> bool {
        matches!(self, Delivery::Sent | Delivery::SubmittedViaWebForm)
    }
}

/// Whether the platform's answer to a message of this kind, at this point of its delivery,
/// can be recorded (the notice page's answer form and the case page's next step).
pub fn answer_can_be_recorded(kind: NoticeKind, delivery: Delivery) -> bool {
    kind.goes_to_platform() && delivery.reached_platform()
}

vocabulary! {
    /// A platform's answer for one URL. Where the EU Transparency Database has an
    /// identifier, `eu_identifier` gives it.
    pub enum Outcome {
        Removed => ("removed", "Verwijderd", "Removed"),
        DisabledInNl => ("disabled-nl", "Ontoegankelijk gemaakt in Nederland", "Access disabled in the Netherlands"),
        VisibilityRestricted => ("visibility-restricted", "Zichtbaarheid beperkt", "Visibility restricted"),
        Demoted => ("demoted", "Minder vaak getoond", "Demoted"),
        Labelled => ("labelled", "Voorzien van een label", "Labelled"),
        AccountSuspended => ("account-suspended", "Account opgeschort", "Account suspended"),
        NoAction => ("no-action", "Geen actie door het platform", "No action by the platform"),
        CannotComplyForceMajeure => ("cannot-comply-force-majeure", "Kan niet voldoen: overmacht of feitelijke onmogelijkheid", "Cannot comply: force majeure or de facto impossibility"),
        CannotComplyManifestError => ("cannot-comply-manifest-error", "Kan niet voldoen: kennelijke fout in de melding", "Cannot comply: manifest error"),
        CannotComplyInsufficientInfo => ("cannot-comply-insufficient-info", "Kan niet voldoen: onvoldoende informatie", "Cannot comply: insufficient information"),
        NoAnswer => ("no-answer", "Geen antwoord ontvangen", "No answer received"),
    }
}

impl Outcome {
    /// The platform acted on the content.
    pub fn is_action(self) -> bool {
        matches!(
            self,
            Outcome::Removed
                | Outcome::DisabledInNl
                | Outcome::VisibilityRestricted
                | Outcome::Demoted
                | Outcome::Labelled
                | Outcome::AccountSuspended
        )
    }

    /// The content is gone or cannot be reached from the Netherlands: what "removed" means
    /// in the figures of a situation.
    pub fn made_unavailable(self) -> bool {
        matches!(self, Outcome::Removed | Outcome::DisabledInNl)
    }

    /// The platform's reason must be written down.
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            Outcome::NoAction
                | Outcome::CannotComplyForceMajeure
                | Outcome::CannotComplyManifestError
                | Outcome::CannotComplyInsufficientInfo
        )
    }

    pub fn eu_identifier(self) -> Option<&'static str> {
        match self {
            Outcome::Removed => Some("DECISION_VISIBILITY_CONTENT_REMOVED"),
            Outcome::DisabledInNl => Some("DECISION_VISIBILITY_CONTENT_DISABLED"),
            Outcome::VisibilityRestricted => Some("DECISION_VISIBILITY_OTHER"),
            Outcome::Demoted => Some("DECISION_VISIBILITY_CONTENT_DEMOTED"),
            Outcome::Labelled => Some("DECISION_VISIBILITY_CONTENT_LABELLED"),
            Outcome::AccountSuspended => Some("DECISION_ACCOUNT_SUSPENDED"),
            _ => None,
        }
    }

    /// One sentence for the reporting municipality, in plain Dutch.
    pub fn plain_dutch(self) -> &'static str {
        match self {
            Outcome::Removed => "Het platform heeft de inhoud verwijderd.",
            Outcome::DisabledInNl => "Het platform heeft de inhoud in Nederland onbereikbaar gemaakt.",
            Outcome::VisibilityRestricted => "Het platform heeft de inhoud minder zichtbaar gemaakt.",
            Outcome::Demoted => "Het platform toont de inhoud minder vaak.",
            Outcome::Labelled => "Het platform heeft een waarschuwing of label bij de inhoud gezet.",
            Outcome::AccountSuspended => "Het platform heeft het account dat de inhoud plaatste opgeschort.",
            Outcome::NoAction => "Het platform heeft besloten niets te doen.",
            Outcome::CannotComplyForceMajeure
            | Outcome::CannotComplyManifestError
            | Outcome::CannotComplyInsufficientInfo => {
                "Het platform kon het verzoek niet uitvoeren; het centrale team bekijkt de volgende stap."
            }
            Outcome::NoAnswer => "Het platform heeft niet geantwoord; het centrale team volgt dit op.",
        }
    }
}

vocabulary! {
    /// Who objects to a notice.
    pub enum ObjectionSource {
        Poster => ("poster", "Degene die de inhoud plaatste", "The person who posted the content"),
        Platform => ("platform", "Het platform", "The platform"),
    }
}

vocabulary! {
    /// The decision on an objection.
    pub enum ObjectionVerdict {
        Upheld => ("upheld", "Gegrond", "Upheld"),
        Rejected => ("rejected", "Ongegrond", "Rejected"),
    }
}

/// Why an answer cannot be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AnswerRefused {
    #[error("the notice never reached the platform")]
    NotSent,
    #[error("this message does not go to a platform")]
    NotToPlatform,
    #[error("the platform's reason is required for this outcome")]
    ReasonRequired,
    #[error("the answer cannot be dated before the notice was sent")]
    BeforeSending,
    #[error("the answer cannot be dated in the future")]
    InTheFuture,
}

impl AnswerRefused {
    /// What a person reads (worded by `web::i18n`).
    pub fn message(self) -> Message {
        Message::new(match self {
            AnswerRefused::NotSent => "answer.not_sent",
            AnswerRefused::NotToPlatform => "answer.not_to_platform",
            AnswerRefused::ReasonRequired => "answer.reason_required",
            AnswerRefused::BeforeSending => "answer.before_sending",
            AnswerRefused::InTheFuture => "answer.in_the_future",
        })
    }
}

/// Checks an answer to a notice.
pub fn check_answer(
    kind: NoticeKind,
    delivery: Delivery,
    sent_at: Option<Millis>,
    outcome: Outcome,
    reason: &str,
    received_at: Millis,
    now: Millis,
) -> Result<(), AnswerRefused> {
    if !kind.goes_to_platform() {
        return Err(AnswerRefused::NotToPlatform);
    }
    let Some(sent_at) = sent_at.filter(|_| delivery.reached_platform()) else {
        return Err(AnswerRefused::NotSent);
    };
    if outcome.needs_reason() && reason.trim().is_empty() {
        return Err(AnswerRefused::ReasonRequired);
    }
    // A minute of slack for clocks and for answers typed in right after sending.
    if received_at + 60_000 < sent_at {
        return Err(AnswerRefused::BeforeSending);
    }
    if received_at > now + 60_000 {
        return Err(AnswerRefused::InTheFuture);
    }
    Ok(())
}

/// When a platform is asked to have handled a notice, by urgency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerDeadlines {
    pub acute_minutes: i64,
    pub high_minutes: i64,
    pub normal_minutes: i64,
}

impl Default for AnswerDeadlines {
    /// One hour for acute (the terrorist-content regulation's removal time as the model),
    /// a day for high, three days otherwise.
    fn default() -> AnswerDeadlines {
        AnswerDeadlines {
            acute_minutes: 60,
            high_minutes: 24 * 60,
            normal_minutes: 72 * 60,
        }
    }
}

impl AnswerDeadlines {
    pub fn minutes(&self, urgency: Urgency) -> i64 {
        match urgency {
            Urgency::Acute => self.acute_minutes,
            Urgency::High => self.high_minutes,
            Urgency::Normal => self.normal_minutes,
        }
    }

    pub fn due(&self, urgency: Urgency, sent_at: Millis) -> Millis {
        sent_at + self.minutes(urgency) * 60_000
    }
}

/// The next follow-up of a notice the platform has not answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUp {
    /// The deadline passed: send the platform a reminder.
    Remind,
    /// As long again passed after the deadline: a supervisor takes it up.
    Escalate,
}

/// What an unanswered notice needs now, if anything.
pub fn follow_up(
    sent_at: Millis,
    due_at: Millis,
    answered: bool,
    reminded: bool,
    escalated: bool,
    now: Millis,
) -> Option<FollowUp> {
    if answered || now < due_at {
        return None;
    }
    if !reminded {
        return Some(FollowUp::Remind);
    }
    let escalate_at = due_at + (due_at - sent_at).max(0);
    (!escalated && now >= escalate_at).then_some(FollowUp::Escalate)
}

/// Hours and minutes of time-to-action for people ("2 u 05 min").
pub fn time_to_action_label(sent_at: Millis, answered_at: Millis) -> String {
    let minutes = ((answered_at - sent_at).max(0)) / 60_000;
    let (d, h, m) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    if d > 0 {
        format!("{d} d {h} u {m:02} min")
    } else {
        format!("{h} u {m:02} min")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Millis = 3_600_000;

    #[test]
    fn answers_need_a_sent_notice_to_a_platform() {
        let now = 10 * HOUR;
        let ok = |delivery, sent| {
            check_answer(
                NoticeKind::Art16Notice,
                delivery,
                sent,
                Outcome::Removed,
                "",
                now,
                now,
            )
        };
        assert_eq!(ok(Delivery::Queued, None), Err(AnswerRefused::NotSent));
        assert_eq!(
            ok(Delivery::Bounced, Some(HOUR)),
            Err(AnswerRefused::NotSent)
        );
        assert_eq!(
            ok(Delivery::AwaitingWebForm, None),
            Err(AnswerRefused::NotSent)
        );
        assert_eq!(ok(Delivery::Sent, Some(HOUR)), Ok(()));
        assert_eq!(ok(Delivery::SubmittedViaWebForm, Some(HOUR)), Ok(()));
        assert_eq!(
            check_answer(
                NoticeKind::MayorAdvice,
                Delivery::Delivered,
                Some(HOUR),
                Outcome::Removed,
                "",
                now,
                now
            ),
            Err(AnswerRefused::NotToPlatform)
        );
    }

    #[test]
    fn refusals_and_no_action_need_the_platforms_reason() {
        for outcome in Outcome::ALL {
            let r = check_answer(
                NoticeKind::Art16Notice,
                Delivery::Sent,
                Some(HOUR),
                *outcome,
                " ",
                2 * HOUR,
                2 * HOUR,
            );
            assert_eq!(r.is_err(), outcome.needs_reason(), "{outcome:?}");
        }
        assert!(!Outcome::NoAnswer.needs_reason());
    }

    #[test]
    fn answers_are_dated_between_sending_and_now() {
        let check = |at| {
            check_answer(
                NoticeKind::TosReferral,
                Delivery::Sent,
                Some(5 * HOUR),
                Outcome::Labelled,
                "",
                at,
                10 * HOUR,
            )
        };
        assert_eq!(check(4 * HOUR), Err(AnswerRefused::BeforeSending));
        assert_eq!(check(11 * HOUR), Err(AnswerRefused::InTheFuture));
        assert_eq!(check(6 * HOUR), Ok(()));
    }

    #[test]
    fn an_unanswered_notice_is_reminded_then_escalated() {
        let (sent, due) = (0, HOUR);
        assert_eq!(follow_up(sent, due, false, false, false, HOUR - 1), None);
        assert_eq!(
            follow_up(sent, due, false, false, false, HOUR),
            Some(FollowUp::Remind)
        );
        assert_eq!(follow_up(sent, due, false, true, false, HOUR + 1), None);
        assert_eq!(
            follow_up(sent, due, false, true, false, 2 * HOUR),
            Some(FollowUp::Escalate)
        );
        assert_eq!(follow_up(sent, due, false, true, true, 9 * HOUR), None);
        assert_eq!(follow_up(sent, due, true, false, false, 9 * HOUR), None);
    }

    #[test]
    fn deadlines_follow_urgency() {
        let d = AnswerDeadlines::default();
        assert_eq!(d.due(Urgency::Acute, 0), HOUR);
        assert_eq!(d.due(Urgency::High, 0), 24 * HOUR);
        assert_eq!(time_to_action_label(0, 2 * HOUR + 5 * 60_000), "2 u 05 min");
    }

    #[test]
    fn every_decision_that_leaves_has_a_message_kind() {
        for d in Decision::ALL {
            assert_eq!(NoticeKind::for_decision(*d).is_some(), d.is_outgoing());
            if let Some(k) = NoticeKind::for_decision(*d) {
                assert_eq!(k.goes_to_platform(), d.goes_to_platform());
            }
        }
    }
}
