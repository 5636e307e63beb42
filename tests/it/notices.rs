//! Assessment, four eyes, notices and the platform's answer, through the real pages on
//! both databases: the whole path, every refusal the issue names (clear message,
//! nothing changed, the attempt audited), the web-form channel and the follow-up.

use axum::http::StatusCode;
use meldpunt::domain::case::CaseStatus;
use meldpunt::domain::notice::Delivery;
use meldpunt::domain::user::Role;
use meldpunt::service::notices as notice_service;
use meldpunt::service::now_ms;
use meldpunt::service::Settings;
use meldpunt::store::{assessments, cases, notices, notify, platforms, redress, reports};

use crate::both_backends;
use crate::intake::{cast, Cast};
use crate::support::*;

pub const VIDEO: &str = "https://www.tiktok.com/@rellen_ede/video/7300000000000000001";

pub struct Team {
    pub cast: Cast,
    pub supervisor: Person,
    pub supervisor2: Person,
    pub admin: Person,
}

pub async fn team(db: &TestDb) -> Team {
    let cast = cast(db).await;
    let central = cast.o.central;
    Team {
        supervisor: make_person(
            &db.store,
            central,
            "supervisor@meldpunt.nl",
            Role::Supervisor,
        )
        .await,
        supervisor2: make_person(
            &db.store,
            central,
            "supervisor2@meldpunt.nl",
            Role::Supervisor,
        )
        .await,
        admin: make_person(
            &db.store,
            central,
            "beheer@meldpunt.nl",
            Role::Administrator,
        )
        .await,
        cast,
    }
}

/// A complete assessment asking TikTok (DSA art. 16) to remove the video.
pub fn assessment() -> Vec<(&'static str, &'static str)> {
    vec![
        ("class", "illegal"),
        ("provisions", "art-131-sr"),
        ("provisions", "art-141-sr"),
        (
            "facts",
            "De video roept op zaterdag om 21:00 bij het station van Ede de politie met stenen te bekogelen.",
        ),
        ("locating", "Oproep vanaf 0:12 in de video"),
        ("risk_time", "zaterdag 21:00"),
        ("risk_place", "Ede, stationsplein"),
        ("risk_reach", "12.000 weergaven, 300 keer gedeeld"),
        ("phase", "mobilisation"),
        ("no_protected_speech", "1"),
        (
            "rights_reasoning",
            "Geen politieke boodschap of betoging: alleen een oproep tot geweld.",
        ),
        ("lighter_steps", "monitoring"),
        ("lighter_steps", "mayor-talks"),
        (
            "proportionality",
            "Volgen volstaat niet: de oproep wordt snel gedeeld en de plaatser is onbekend.",
        ),
        ("decision", "dsa-art16-notice"),
        ("category", "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY"),
        ("keywords", "KEYWORD_INCITEMENT_VIOLENCE_HATRED"),
        (
            "reasons",
            "Openbare, concrete oproep tot geweld tegen het openbaar gezag met tijd en plaats.",
        ),
    ]
}

pub fn with(
    fields: &[(&'static str, &'static str)],
    key: &str,
    value: &'static str,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = fields
        .iter()
        .filter(|(k, _)| *k != key)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if !value.is_empty() {
        out.push((key.to_string(), value.to_string()));
    }
    out
}

/// Posts owned fields with the client's CSRF token.
pub async fn post_fields(c: &mut Client<'_>, path: &str, fields: &[(String, String)]) -> Resp {
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    c.post(path, &refs).await
}

fn owned(fields: &[(&'static str, &'static str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The central administrator sets the team's mailbox and TikTok's point of contact.
pub async fn configure(app: &TestApp, admin: &Person, tiktok_channel: &[(&str, &str)]) {
    let mut c = app.signed_in(admin).await;
    let r = c
        .post(
            "/beheer/berichten/instellingen",
            &[
                ("sender_name", "Centraal team meldvoorziening"),
                ("sender_email", "meldpunt@meldpunt.nl"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let tiktok = tiktok_id(&app.store).await;
    let mut fields = vec![
        ("name", "TikTok"),
        ("hosts", "tiktok.com"),
        ("languages", "nl en"),
    ];
    fields.extend_from_slice(tiktok_channel);
    let r = c
        .post(&format!("/beheer/platforms/{tiktok}"), &fields)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

pub async fn tiktok_id(store: &meldpunt::store::Store) -> i64 {
    platforms::list(store)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.key == "tiktok")
        .unwrap()
        .id
}

pub const EMAIL_CHANNEL: &[(&str, &str)] = &[
    ("channel", "email"),
    ("contact_email", "dsa-notices@tiktok.example"),
];

async fn case_of(store: &meldpunt::store::Store, report_id: i64) -> i64 {
    reports::links(store, report_id).await.unwrap()[0].case_id
}

async fn status(store: &meldpunt::store::Store, case_id: i64) -> CaseStatus {
    cases::get(store, case_id).await.unwrap().status
}

async fn refusals(store: &meldpunt::store::Store, action: &str) -> usize {
    trail(store, action)
        .await
        .iter()
        .filter(|e| e.outcome != "success")
        .count()
}

/// The outbox delivers everything due, as the mail worker would after the SMTP
/// server accepted each message.
/// The text of the message shown in the approval block, unescaped.
fn preview_text(page: &str) -> String {
    let start = page
        .find("id=\"voorbeeld-tekst\"")
        .expect("a preview of the message");
    let open = start + page[start..].find('>').unwrap() + 1;
    let close = open + page[open..].find("</pre>").unwrap();
    unescape(&page[open..close])
}

/// HTML character references (named ones for `& < > "`, and numeric ones) back to text.
fn unescape(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let end = after.find(';').expect("a complete character reference");
        let name = &after[1..end];
        let c = match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            _ if name.starts_with("#x") => {
                char::from_u32(u32::from_str_radix(&name[2..], 16).unwrap()).unwrap()
            }
            _ if name.starts_with('#') => char::from_u32(name[1..].parse().unwrap()).unwrap(),
            _ => panic!("unknown character reference &{name};"),
        };
        out.push(c);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn without_deadline(body: &str) -> String {
    body.lines()
        .filter(|l| !l.contains("(Europe/Amsterdam)"))
        .collect::<Vec<_>>()
        .join("\n")
}

pub async fn deliver_all(store: &meldpunt::store::Store) -> Vec<notify::OutboxMail> {
    let mut out = Vec::new();
    while let Some(mail) = notify::claim_mail(store, now_ms(), 60_000).await.unwrap() {
        notice_service::mail_sent(store, &Settings::default(), &mail, now_ms())
            .await
            .unwrap();
        out.push(mail);
    }
    out
}

both_backends!(
    a_case_goes_from_report_to_platform_answer_by_three_people,
    |db: TestDb| async move {
        let t = team(&db).await;
        let app = TestApp::new(&db.store);
        let mut ams = app.signed_in(&t.cast.ams).await;
        let report_id = crate::intake::report(
            &mut ams,
            &crate::intake::form(&format!("{VIDEO}?is_from_webapp=1"), "acute"),
            &[],
        )
        .await;
        let case_id = case_of(&db.store, report_id).await;
        let mut analyst = app.signed_in(&t.cast.analyst).await;

        // With TikTok's channel not filled in, the case page and the assessment form say so
        // before any work starts, and the administrators' platform list names it.
        for page in [
            format!("/zaken/{case_id}"),
            format!("/zaken/{case_id}/beoordeling"),
        ] {
            let r = analyst.get(&page).await;
            // In the page's content, before its first form.
            let main = &r.body[r.body.find("<main").unwrap()..];
            let top = &main[..main.find("<form").unwrap_or(main.len())];
            assert!(
                top.contains("id=\"meldkanaal\"")
                    && top.contains("Voor TikTok is geen meldkanaal ingesteld"),
                "{page}: {}",
                r.body
            );
        }
        let mut admin = app.signed_in(&t.admin).await;
        let setup = admin.get("/beheer/platforms").await;
        assert!(
            setup.body.contains("Zonder meldkanaal") && setup.body.contains("TikTok"),
            "{}",
            setup.body
        );
        // A notice to TikTok is refused at once.
        let r = post_fields(
            &mut analyst,
            &format!("/zaken/{case_id}/beoordeling"),
            &owned(&assessment()),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("geen meldkanaal ingesteld"), "{}", r.body);
        assert!(assessments::versions(&db.store, case_id)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(refusals(&db.store, "assessment.saved").await, 1);
        // The work is not lost: the analyst keeps it as a draft, unchecked, finds it in the
        // form again, and it is theirs alone.
        let mut as_draft = owned(&assessment());
        as_draft.retain(|(k, _)| k != "reasons");
        as_draft.push(("intent".into(), "concept".into()));
        let r = post_fields(
            &mut analyst,
            &format!("/zaken/{case_id}/beoordeling"),
            &as_draft,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let form = analyst.get(&format!("/zaken/{case_id}/beoordeling")).await;
        assert!(
            form.body.contains("Uw concept is opgeslagen op"),
            "{}",
            form.body
        );
        assert!(form.body.contains("Oproep vanaf 0:12 in de video"));
        assert!(!form.body.contains("Openbare, concrete oproep"));
        let other = app
            .signed_in(&t.supervisor)
            .await
            .get(&format!("/zaken/{case_id}/beoordeling"))
            .await;
        assert!(!other.body.contains("Oproep vanaf 0:12 in de video"));
        assert!(assessments::versions(&db.store, case_id)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(refusals(&db.store, "assessment.draft_saved").await, 0);

        configure(&app, &t.admin, EMAIL_CHANNEL).await;
        let r = analyst.get(&format!("/zaken/{case_id}/beoordeling")).await;
        assert!(
            !r.body.contains("id=\"meldkanaal\""),
            "warning gone once configured"
        );
        let r = post_fields(
            &mut analyst,
            &format!("/zaken/{case_id}/beoordeling"),
            &owned(&assessment()),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(status(&db.store, case_id).await, CaseStatus::InAssessment);
        // The draft became the version.
        assert_eq!(
            meldpunt::store::assessment_drafts::get(&db.store, case_id, t.cast.analyst.id)
                .await
                .unwrap(),
            None
        );
        assert_eq!(trail(&db.store, "assessment.draft_saved").await.len(), 1);
        let versions = assessments::versions(&db.store, case_id).await.unwrap();
        assert_eq!(versions.len(), 1);
        let v1 = versions[0].id;
        // The queue and the case page show that a supervisor must look.
        let page = analyst.get("/zaken").await;
        assert!(page.body.contains("Wacht op goedkeuring"));
        let reference = meldpunt::store::cases::get(&db.store, case_id)
            .await
            .unwrap()
            .reference;
        let waiting = analyst.get("/zaken?zaken=goedkeuring").await;
        assert!(waiting.body.contains(&reference), "{}", waiting.body);
        assert!(
            waiting.body.contains("1 zaken, waarvan"),
            "{}",
            waiting.body
        );
        assert!(waiting
            .body
            .contains("aria-current=\"page\">Wacht op goedkeuring"));
        // Not in the analyst's own cases until they take it up; then there.
        let mine = analyst.get("/zaken?zaken=mijn").await;
        assert!(!mine.body.contains(&reference));
        let r = analyst
            .post(&format!("/zaken/{case_id}/oppakken"), &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let mine = analyst.get("/zaken?zaken=mijn&platform=tiktok").await;
        assert!(mine.body.contains(&reference), "{}", mine.body);
        assert!(
            mine.body.contains("name=\"zaken\" value=\"mijn\""),
            "the filter keeps the view"
        );
        let mut boss = app.signed_in(&t.supervisor).await;
        let page = boss.get(&format!("/zaken/{case_id}")).await;
        assert!(
            page.body.contains("Goedkeuren en versturen"),
            "{}",
            page.body
        );
        // The supervisor sees the message itself before approving: recipient, subject and
        // the text, in Dutch and English.
        let previewed_at = now_ms();
        // Where the case stands, and the way back to the queue; the content opens apart.
        assert!(
            page.body.contains("aria-current=\"step\">Beoordeling"),
            "{}",
            page.body
        );
        assert!(page
            .body
            .contains("<a class=\"utrecht-link\" href=\"/zaken\">Werkvoorraad</a>"));
        assert!(page
            .body
            .contains("target=\"_blank\" rel=\"noopener noreferrer\">https://tiktok.com/@rellen_ede/video/7300000000000000001"));
        assert!(page.body.contains("Dit verzoek gaat weg na goedkeuring"));
        assert!(page.body.contains("dsa-notices@tiktok.example"));
        let preview = preview_text(&page.body);
        assert!(preview.contains("art. 131 Sr (opruiing)"), "{preview}");
        assert!(notify::list(&db.store, t.supervisor.id, 10)
            .await
            .unwrap()
            .iter()
            .any(|n| n.text.contains("wacht op uw goedkeuring")));

        // The analyst cannot approve (not a supervisor): refused, nothing changes.
        let r = analyst
            .post(
                &format!("/zaken/{case_id}/beoordeling/{v1}/goedkeuring"),
                &[("verdict", "approve")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(notices::list_by_case(&db.store, case_id)
            .await
            .unwrap()
            .is_empty());

        // A supervisor who did not write it approves: the notice is queued for TikTok.
        let r = boss
            .post(
                &format!("/zaken/{case_id}/beoordeling/{v1}/goedkeuring"),
                &[("verdict", "approve")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(status(&db.store, case_id).await, CaseStatus::Decided);
        let sent = notices::list_by_case(&db.store, case_id).await.unwrap();
        assert_eq!(sent.len(), 1);
        let notice = &sent[0];
        assert_eq!(notice.delivery, Delivery::Queued);
        assert_eq!(notice.recipient, "dsa-notices@tiktok.example");
        assert!(notice.reference.starts_with("KG-"));
        // The canonical address first, then the address exactly as reported.
        assert_eq!(
            notice.urls,
            vec![
                "https://tiktok.com/@rellen_ede/video/7300000000000000001".to_string(),
                format!("{VIDEO}?is_from_webapp=1")
            ]
        );
        assert!(notice.body.contains("art. 131 Sr (opruiing)"));
        assert!(notice.body.contains("Oproep vanaf 0:12"));
        // Exactly the fields the form marks go to the platform: the rest stays inside.
        for (field, value) in assessment() {
            if value.len() < 12 || field == "decision" {
                continue;
            }
            let sent = meldpunt::domain::assessment::SENT_TO_PLATFORM.contains(&field);
            assert_eq!(notice.body.contains(value), sent, "{field}: {value}");
        }
        assert!(notice.body.contains("meldpunt@meldpunt.nl"));
        assert_eq!(trail(&db.store, "assessment.approved").await.len(), 1);

        // An answer for a notice that has not left yet is refused and audited.
        let answer = [
            ("outcome_0", "removed"),
            ("reason_0", ""),
            ("received_at", "2020-01-01T10:00"),
        ];
        let r = analyst
            .post(&format!("/kennisgevingen/{}/antwoord", notice.id), &answer)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("niet bij het platform aangekomen"),
            "{}",
            r.body
        );
        assert!(notices::answers_of_case(&db.store, case_id)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(refusals(&db.store, "notice.answer_recorded").await, 1);

        // The outbox sends it: the case records that the notice went out.
        let mails = deliver_all(&db.store).await;
        let to_tiktok: Vec<_> = mails
            .iter()
            .filter(|m| m.to_addr == "dsa-notices@tiktok.example")
            .collect();
        assert_eq!(to_tiktok.len(), 1);
        assert_eq!(to_tiktok[0].notice_id, Some(notice.id));
        // What left is exactly what the supervisor was shown (the answer deadline is set at
        // approval: the same text when it fell in the same minute).
        let same_minute = previewed_at / 60_000 == notice.created_at / 60_000;
        if same_minute {
            assert_eq!(preview, notice.body);
        } else {
            assert_eq!(without_deadline(&preview), without_deadline(&notice.body));
        }
        assert!(to_tiktok[0].body.contains(&notice.body));
        assert_eq!(status(&db.store, case_id).await, CaseStatus::NoticeSent);
        let notice = notices::get(&db.store, notice.id).await.unwrap();
        assert_eq!(notice.delivery, Delivery::Sent);
        assert!(notice.due_at.unwrap() > notice.sent_at.unwrap());

        // The analyst records TikTok's answer on the notice page.
        let now_input = meldpunt::domain::dutch_local_input(now_ms());
        let r = analyst
            .post(
                &format!("/kennisgevingen/{}/antwoord", notice.id),
                &[
                    ("outcome_0", "removed"),
                    ("reason_0", ""),
                    ("received_at", now_input.as_str()),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            status(&db.store, case_id).await,
            CaseStatus::PlatformAnswered
        );
        let page = analyst.get(&format!("/kennisgevingen/{}", notice.id)).await;
        assert!(page.body.contains("DECISION_VISIBILITY_CONTENT_REMOVED"));

        // The municipality sees the outcome in plain Dutch and was told so.
        let page = ams.get(&format!("/meldingen/{report_id}")).await;
        assert!(
            page.body
                .contains("Het platform heeft de inhoud verwijderd."),
            "{}",
            page.body
        );
        assert!(page
            .body
            .contains("Verzoek aan platform (DSA art. 16) verstuurd op"));
        let told = notify::list(&db.store, t.cast.ams.id, 20).await.unwrap();
        assert!(told.iter().any(|n| n
            .text
            .contains("antwoord van het platform: Het platform heeft de inhoud verwijderd.")));
        // A municipal system reads the same outcome through the API.
        let token = crate::intake::api_token(&db, t.cast.o.amsterdam).await;
        let reference = reports::get(&db.store, report_id).await.unwrap().reference;
        let auth = format!("Bearer {token}");
        let got = app
            .client()
            .send(
                axum::http::Method::GET,
                &format!("/api/v1/meldingen/{reference}"),
                None,
                &[("authorization", auth.as_str())],
            )
            .await;
        assert_eq!(got.status, StatusCode::OK);
        let json: serde_json::Value = serde_json::from_str(&got.body).unwrap();
        let zaak = &json["links"][0]["zaak"];
        assert_eq!(zaak["status"], "platform_answered");
        assert_eq!(zaak["besluit"], "dsa-art16-notice");
        assert_eq!(zaak["platformAntwoorden"][0]["uitkomst"], "removed");
        // Another municipality sees nothing of it.
        let mut rdam = app.signed_in(&t.cast.rdam).await;
        assert_eq!(
            rdam.get(&format!("/meldingen/{report_id}")).await.status,
            StatusCode::NOT_FOUND
        );
        // The history names every step and its actor.
        let kinds: Vec<String> = cases::events(&db.store, case_id)
            .await
            .unwrap()
            .iter()
            .map(|e| e.kind.as_str().to_string())
            .collect();
        for k in [
            "assessed",
            "approved",
            "notice_queued",
            "notice_sent",
            "answer_recorded",
        ] {
            assert!(kinds.iter().any(|x| x == k), "{k} missing in {kinds:?}");
        }
    }
);

both_backends!(
    bad_input_is_refused_with_a_clear_message_changes_nothing_and_is_audited,
    |db: TestDb| async move {
        let t = team(&db).await;
        let app = TestApp::new(&db.store);
        configure(&app, &t.admin, EMAIL_CHANNEL).await;
        let (_, case_id) = submit_report(&db.store, t.cast.o.amsterdam, &t.cast.ams, VIDEO).await;
        let path = format!("/zaken/{case_id}/beoordeling");
        let mut analyst = app.signed_in(&t.cast.analyst).await;

        // Without reasons.
        let r = post_fields(&mut analyst, &path, &with(&assessment(), "reasons", "")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("Schrijf de redenen voor het besluit op"),
            "{}",
            r.body
        );
        // A notice without a legal provision.
        let no_law: Vec<(String, String)> = with(&assessment(), "provisions", "platform-terms")
            .into_iter()
            .map(|(k, v)| {
                if k == "class" {
                    (k, "unlawful".to_string())
                } else {
                    (k, v)
                }
            })
            .collect();
        let r = post_fields(&mut analyst, &path, &no_law).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("ten minste één wettelijke bepaling"),
            "{}",
            r.body
        );
        // Undesirable content can never produce an illegality notice.
        let undesirable: Vec<(&'static str, &'static str)> = assessment()
            .into_iter()
            .filter(|(k, _)| *k != "provisions" && *k != "class")
            .chain([("class", "undesirable"), ("provisions", "platform-terms")])
            .collect();
        let r = post_fields(&mut analyst, &path, &owned(&undesirable)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("kan nooit leiden tot een melding"),
            "{}",
            r.body
        );
        // An art. 9 order while no legal basis is configured; the form says why.
        let r = post_fields(
            &mut analyst,
            &path,
            &with(&assessment(), "decision", "dsa-art9-order"),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("geen wettelijke grondslag ingesteld"));
        let form = analyst.get(&path).await;
        assert!(form.body.contains("value=\"dsa-art9-order\" disabled"));
        assert!(assessments::versions(&db.store, case_id)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(refusals(&db.store, "assessment.saved").await, 4);
        assert_eq!(status(&db.store, case_id).await, CaseStatus::Received);

        // Self-approval: a supervisor who wrote the assessment cannot approve it.
        let mut boss = app.signed_in(&t.supervisor).await;
        let r = post_fields(&mut boss, &path, &owned(&assessment())).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let v = assessments::versions(&db.store, case_id).await.unwrap()[0].id;
        let approve = format!("/zaken/{case_id}/beoordeling/{v}/goedkeuring");
        let r = boss.post(&approve, &[("verdict", "approve")]).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(
            r.body.contains("u schreef deze beoordeling zelf"),
            "{}",
            r.body
        );
        assert!(notices::list_by_case(&db.store, case_id)
            .await
            .unwrap()
            .is_empty());
        let denied = trail(&db.store, "assessment.approved").await;
        assert_eq!(denied.len(), 1);
        assert_eq!(denied[0].outcome, "denied");
        // A reporter cannot reach the approval at all.
        let mut ams = app.signed_in(&t.cast.ams).await;
        let r = ams.post(&approve, &[("verdict", "approve")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // Sending back needs a reason; with one, the author is told.
        let mut other = app.signed_in(&t.supervisor2).await;
        let r = other.post(&approve, &[("verdict", "send_back")]).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("waarom u de beoordeling terugstuurt"));
        let r = other
            .post(
                &approve,
                &[
                    ("verdict", "send_back"),
                    ("reason", "Bereik onderbouwen met bron"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(notify::list(&db.store, t.supervisor.id, 10)
            .await
            .unwrap()
            .iter()
            .any(|n| n
                .text
                .contains("teruggestuurd: Bereik onderbouwen met bron")));
        // The sent-back version cannot be approved afterwards.
        let r = other.post(&approve, &[("verdict", "approve")]).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("al beoordeeld"));
        // A revision by the analyst is version 2; both versions are kept.
        let r = post_fields(&mut analyst, &path, &owned(&assessment())).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let versions = assessments::versions(&db.store, case_id).await.unwrap();
        assert_eq!(
            versions.iter().map(|v| v.version).collect::<Vec<_>>(),
            vec![1, 2]
        );
        // Approving the old version once a new one exists is refused.
        let r = other.post(&approve, &[("verdict", "approve")]).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        // A case moved back to triage meanwhile is not approved behind anyone's back.
        let r = analyst
            .post(
                &format!("/zaken/{case_id}/status"),
                &[("status", "in_triage")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let approve2 = format!(
            "/zaken/{case_id}/beoordeling/{}/goedkeuring",
            versions[1].id
        );
        let r = other.post(&approve2, &[("verdict", "approve")]).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("niet meer in beoordeling"), "{}", r.body);
        assert!(notices::list_by_case(&db.store, case_id)
            .await
            .unwrap()
            .is_empty());
        let r = post_fields(&mut analyst, &path, &owned(&assessment())).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let v3 = assessments::versions(&db.store, case_id).await.unwrap()[2].id;
        let r = other
            .post(
                &format!("/zaken/{case_id}/beoordeling/{v3}/goedkeuring"),
                &[("verdict", "approve")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            notices::list_by_case(&db.store, case_id)
                .await
                .unwrap()
                .len(),
            1
        );
        // The database keeps every version as it was written.
        assert!(sql(&db, "UPDATE assessments SET reasons = 'x'")
            .await
            .is_err());
    }
);

both_backends!(
    a_web_form_platform_gets_the_notice_by_hand_and_unanswered_notices_are_followed_up,
    |db: TestDb| async move {
        let t = team(&db).await;
        let app = TestApp::new(&db.store);
        configure(
            &app,
            &t.admin,
            &[
                ("channel", "web-form"),
                (
                    "web_form_url",
                    "https://www.tiktok.com/legal/report/feedback",
                ),
            ],
        )
        .await;
        let (report_id, case_id) =
            submit_report(&db.store, t.cast.o.amsterdam, &t.cast.ams, VIDEO).await;
        let mut analyst = app.signed_in(&t.cast.analyst).await;
        let r = post_fields(
            &mut analyst,
            &format!("/zaken/{case_id}/beoordeling"),
            &owned(&assessment()),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let v = assessments::versions(&db.store, case_id).await.unwrap()[0].id;
        let mut boss = app.signed_in(&t.supervisor).await;
        let r = boss
            .post(
                &format!("/zaken/{case_id}/beoordeling/{v}/goedkeuring"),
                &[("verdict", "approve")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let n = notices::list_by_case(&db.store, case_id)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(n.delivery, Delivery::AwaitingWebForm);
        assert!(notify::pending_mail(&db.store)
            .await
            .unwrap()
            .iter()
            .all(|m| m.notice_id.is_none()));
        let page = analyst.get(&format!("/kennisgevingen/{}", n.id)).await;
        assert!(page.body.contains("webformulier"));
        // Without the platform's reference: refused.
        let path = format!("/kennisgevingen/{}/webformulier", n.id);
        let r = analyst.post(&path, &[("platform_reference", " ")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = analyst
            .post(&path, &[("platform_reference", "TT-2026-55501")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let n = notices::get(&db.store, n.id).await.unwrap();
        assert_eq!(n.delivery, Delivery::SubmittedViaWebForm);
        assert_eq!(n.platform_reference.as_deref(), Some("TT-2026-55501"));
        assert_eq!(status(&db.store, case_id).await, CaseStatus::NoticeSent);

        // No answer: after the deadline a reminder, after as long again an escalation.
        let due = n.due_at.unwrap();
        let span = due - n.sent_at.unwrap();
        assert_eq!(
            notice_service::follow_up(&db.store, due - 1).await.unwrap(),
            0
        );
        assert_eq!(notice_service::follow_up(&db.store, due).await.unwrap(), 1);
        assert_eq!(
            notice_service::follow_up(&db.store, due + 1).await.unwrap(),
            0
        );
        let n2 = notices::get(&db.store, n.id).await.unwrap();
        assert!(n2.reminded_at.is_some() && n2.escalated_at.is_none());
        assert_eq!(
            notice_service::follow_up(&db.store, due + span)
                .await
                .unwrap(),
            1
        );
        assert!(notices::get(&db.store, n.id)
            .await
            .unwrap()
            .escalated_at
            .is_some());
        assert!(notify::list(&db.store, t.supervisor.id, 20)
            .await
            .unwrap()
            .iter()
            .any(|x| x.text.starts_with("Geëscaleerd")));
        let queue = boss.get("/zaken").await;
        assert!(queue.body.contains("Geëscaleerd"));
        assert_eq!(trail(&db.store, "notice.reminded").await.len(), 1);
        assert_eq!(trail(&db.store, "notice.escalated").await.len(), 1);

        // A platform refusal needs its reason; the re-check is recorded on the case.
        let when = meldpunt::domain::dutch_local_input(now_ms());
        let answer = format!("/kennisgevingen/{}/antwoord", n.id);
        let r = analyst
            .post(
                &answer,
                &[
                    ("outcome_0", "cannot-comply-insufficient-info"),
                    ("received_at", when.as_str()),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("reden op die het platform gaf"));
        let r = analyst
            .post(
                &answer,
                &[
                    ("outcome_0", "no-action"),
                    ("reason_0", "Valt volgens TikTok onder nieuwsgaring"),
                    ("received_at", when.as_str()),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = analyst
            .post(
                &format!("/zaken/{case_id}/hercontrole"),
                &[
                    ("checked_at", when.as_str()),
                    ("result", "online"),
                    ("note", "Nog steeds te zien"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let page = analyst.get(&format!("/zaken/{case_id}")).await;
        assert!(page.body.contains("Nog steeds te zien"));
        let mine = app
            .signed_in(&t.cast.ams)
            .await
            .get(&format!("/meldingen/{report_id}"))
            .await;
        assert!(mine
            .body
            .contains("Het platform heeft besloten niets te doen."));
    }
);

both_backends!(
    an_upheld_objection_withdraws_the_notice_and_enters_the_corrections_register,
    |db: TestDb| async move {
        let t = team(&db).await;
        let app = TestApp::new(&db.store);
        configure(&app, &t.admin, EMAIL_CHANNEL).await;
        let (report_id, case_id) =
            submit_report(&db.store, t.cast.o.amsterdam, &t.cast.ams, VIDEO).await;
        let mut analyst = app.signed_in(&t.cast.analyst).await;
        let r = post_fields(
            &mut analyst,
            &format!("/zaken/{case_id}/beoordeling"),
            &owned(&assessment()),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let v = assessments::versions(&db.store, case_id).await.unwrap()[0].id;
        let mut boss = app.signed_in(&t.supervisor).await;
        boss.post(
            &format!("/zaken/{case_id}/beoordeling/{v}/goedkeuring"),
            &[("verdict", "approve")],
        )
        .await;
        deliver_all(&db.store).await;
        let original = notices::list_by_case(&db.store, case_id)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(original.delivery, Delivery::Sent);

        // Without an objection the case is not reassessed once a notice went out.
        let r = post_fields(
            &mut analyst,
            &format!("/zaken/{case_id}/beoordeling"),
            &with(&assessment(), "decision", "no-action"),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("leg eerst het bezwaar vast"));

        // An objection needs a summary.
        let when = meldpunt::domain::dutch_local_input(now_ms());
        let objection = format!("/zaken/{case_id}/bezwaar");
        let r = analyst
            .post(
                &objection,
                &[
                    ("source", "poster"),
                    ("received_at", when.as_str()),
                    ("summary", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("Vat het bezwaar samen"));
        assert!(redress::of_case(&db.store, case_id)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(refusals(&db.store, "objection.recorded").await, 1);

        // The poster objects: it was a lawful demonstration. The case is reassessed.
        let id = original.id.to_string();
        let r = analyst
            .post(
                &objection,
                &[
                    ("source", "poster"),
                    ("notice", id.as_str()),
                    ("received_at", when.as_str()),
                    (
                        "summary",
                        "De plaatser stelt dat het om een aangemelde, rechtmatige betoging ging.",
                    ),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(status(&db.store, case_id).await, CaseStatus::InAssessment);
        // Deciding before the case was reassessed is refused.
        let o = redress::of_case(&db.store, case_id)
            .await
            .unwrap()
            .remove(0);
        let decide = format!("/zaken/{case_id}/bezwaar/{}/besluit", o.id);
        let r = boss
            .post(
                &decide,
                &[
                    ("verdict", "upheld"),
                    ("reasons", "Snel besloten zonder herbeoordeling"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(
            r.body.contains("Beoordeel de zaak eerst opnieuw"),
            "{}",
            r.body
        );
        let r = post_fields(
            &mut analyst,
            &format!("/zaken/{case_id}/beoordeling"),
            &with(&assessment(), "decision", "no-action"),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            assessments::versions(&db.store, case_id)
                .await
                .unwrap()
                .len(),
            2
        );

        // The supervisor upholds it; withdrawing needs reasons.
        let o = redress::of_case(&db.store, case_id)
            .await
            .unwrap()
            .remove(0);
        let decide = format!("/zaken/{case_id}/bezwaar/{}/besluit", o.id);
        let r = boss
            .post(&decide, &[("verdict", "upheld"), ("withdraw", "1")])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("Schrijf de redenen"));
        let r = boss
            .post(
                &decide,
                &[
                    ("verdict", "upheld"),
                    ("withdraw", "1"),
                    (
                        "reasons",
                        "De betoging was aangemeld; de video riep niet op tot geweld.",
                    ),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let all = notices::list_by_case(&db.store, case_id).await.unwrap();
        assert_eq!(all.len(), 2);
        assert!(all[0].withdrawn_at.is_some());
        let withdrawal = &all[1];
        assert_eq!(withdrawal.withdraws_notice_id, Some(original.id));
        assert_eq!(withdrawal.recipient, "dsa-notices@tiktok.example");
        assert!(withdrawal.body.contains(&format!(
            "INTREKKING VAN ONZE MELDING {}",
            original.reference
        )));
        assert!(withdrawal.body.contains("De betoging was aangemeld"));
        // Deciding twice is refused.
        let r = boss
            .post(
                &decide,
                &[
                    ("verdict", "rejected"),
                    ("reasons", "Toch niet, bij nader inzien"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("al besloten"));

        // The withdrawal leaves through the outbox and awaits no answer.
        let sent = deliver_all(&db.store).await;
        assert!(sent.iter().any(|m| m.notice_id == Some(withdrawal.id)));
        let w = notices::get(&db.store, withdrawal.id).await.unwrap();
        assert_eq!(w.delivery, Delivery::Sent);
        assert_eq!(w.due_at, None);
        assert_eq!(
            notice_service::follow_up(&db.store, now_ms() + 30 * 86_400_000)
                .await
                .unwrap(),
            0,
            "a withdrawn notice is not chased"
        );

        // Auditors read the corrections register; a municipal auditor may not.
        let auditor = make_person(
            &db.store,
            t.cast.o.central,
            "audit@meldpunt.nl",
            Role::Auditor,
        )
        .await;
        let page = app.signed_in(&auditor).await.get("/correcties").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains(&original.reference) && page.body.contains(&withdrawal.reference)
        );
        assert!(page.body.contains("De betoging was aangemeld"));
        // They open the withdrawn notice from the register (read-only; the view is logged).
        let page = app
            .signed_in(&auditor)
            .await
            .get(&format!("/kennisgevingen/{}", original.id))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("art. 131 Sr (opruiing)"));
        assert!(!page.body.contains("/antwoord"));
        assert!(trail(&db.store, "view.notice")
            .await
            .iter()
            .any(|e| e.actor_user_id == Some(auditor.id)));
        let muni_auditor = make_person(
            &db.store,
            t.cast.o.amsterdam,
            "audit@amsterdam.nl",
            Role::Auditor,
        )
        .await;
        assert_eq!(
            app.signed_in(&muni_auditor)
                .await
                .get("/correcties")
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(trail(&db.store, "notice.withdrawn").await.len(), 1);
        // The municipality is told, and the register cannot be edited.
        let mine = app
            .signed_in(&t.cast.ams)
            .await
            .get(&format!("/meldingen/{report_id}"))
            .await;
        assert_eq!(mine.status, StatusCode::OK);
        assert!(notify::list(&db.store, t.cast.ams.id, 30)
            .await
            .unwrap()
            .iter()
            .any(|n| n.text.contains("verzoek aan het platform ingetrokken")));
        assert!(sql(&db, "DELETE FROM corrections").await.is_err());
    }
);

both_backends!(
    a_bounce_that_arrives_later_is_recorded_and_the_notice_sent_again,
    |db: TestDb| async move {
        let t = team(&db).await;
        let app = TestApp::new(&db.store);
        configure(&app, &t.admin, EMAIL_CHANNEL).await;
        let (_, case_id) = submit_report(&db.store, t.cast.o.amsterdam, &t.cast.ams, VIDEO).await;
        let mut analyst = app.signed_in(&t.cast.analyst).await;
        post_fields(
            &mut analyst,
            &format!("/zaken/{case_id}/beoordeling"),
            &owned(&assessment()),
        )
        .await;
        let v = assessments::versions(&db.store, case_id).await.unwrap()[0].id;
        app.signed_in(&t.supervisor)
            .await
            .post(
                &format!("/zaken/{case_id}/beoordeling/{v}/goedkeuring"),
                &[("verdict", "approve")],
            )
            .await;
        deliver_all(&db.store).await;
        let n = notices::list_by_case(&db.store, case_id)
            .await
            .unwrap()
            .remove(0);
        // Re-sending a message that was delivered is refused.
        let r = analyst
            .post(&format!("/kennisgevingen/{}/opnieuw", n.id), &[])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        // The team's mailbox received a delivery-status notification: recorded by hand.
        let r = analyst
            .post(
                &format!("/kennisgevingen/{}/onbestelbaar", n.id),
                &[(
                    "detail",
                    "550 5.1.1 <dsa-notices@tiktok.example>: user unknown",
                )],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = analyst.get(&format!("/kennisgevingen/{}", n.id)).await;
        assert!(page.body.contains("Opnieuw versturen"));
        assert_eq!(
            notices::get(&db.store, n.id).await.unwrap().delivery,
            Delivery::Bounced
        );
        let r = analyst
            .post(&format!("/kennisgevingen/{}/opnieuw", n.id), &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let mails = deliver_all(&db.store).await;
        assert_eq!(
            mails.iter().filter(|m| m.notice_id == Some(n.id)).count(),
            1
        );
        let n = notices::get(&db.store, n.id).await.unwrap();
        assert_eq!(n.delivery, Delivery::Sent);
        let record: Vec<String> = notices::events(&db.store, n.id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind.as_str().to_string())
            .collect();
        assert_eq!(record, vec!["queued", "sent", "bounced", "resent", "sent"]);
    }
);

both_backends!(
    advice_reaches_the_mayor_and_a_police_referral_needs_a_configured_address,
    |db: TestDb| async move {
        let t = team(&db).await;
        let app = TestApp::new(&db.store);
        // No platform channel is needed for advice to the mayor.
        let mut admin = app.signed_in(&t.admin).await;
        admin
            .post(
                "/beheer/berichten/instellingen",
                &[
                    ("sender_name", "Centraal team meldvoorziening"),
                    ("sender_email", "meldpunt@meldpunt.nl"),
                ],
            )
            .await;
        let (report_id, case_id) =
            submit_report(&db.store, t.cast.o.amsterdam, &t.cast.ams, VIDEO).await;
        let mut analyst = app.signed_in(&t.cast.analyst).await;
        let advice: Vec<(String, String)> = with(&assessment(), "decision", "mayor-advice")
            .into_iter()
            .map(|(k, v)| {
                if k == "reasons" {
                    (
                        k,
                        "Spreek de plaatser aan; hij is bekend bij het jongerenwerk.".to_string(),
                    )
                } else {
                    (k, v)
                }
            })
            .collect();
        let r = post_fields(
            &mut analyst,
            &format!("/zaken/{case_id}/beoordeling"),
            &advice,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let v = assessments::versions(&db.store, case_id).await.unwrap()[0].id;
        let mut boss = app.signed_in(&t.supervisor).await;
        let approve = format!("/zaken/{case_id}/beoordeling/{v}/goedkeuring");
        let r = boss.post(&approve, &[("verdict", "approve")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let n = notices::list_by_case(&db.store, case_id)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(n.delivery, Delivery::Delivered);
        assert!(notify::pending_mail(&db.store)
            .await
            .unwrap()
            .iter()
            .any(|m| m.to_addr == "melder@amsterdam.nl"
                && m.body.contains("ADVIES AAN DE BURGEMEESTER")));
        let page = app
            .signed_in(&t.cast.ams)
            .await
            .get(&format!("/meldingen/{report_id}"))
            .await;
        assert!(page
            .body
            .contains("Advies van het centrale team: Spreek de plaatser aan"));

        // A referral to the police without a configured address is refused at approval.
        let (_, case2) = submit_report(
            &db.store,
            t.cast.o.amsterdam,
            &t.cast.ams,
            "https://www.tiktok.com/@a/video/7300000000000000999",
        )
        .await;
        let r = post_fields(
            &mut analyst,
            &format!("/zaken/{case2}/beoordeling"),
            &with(&assessment(), "decision", "police-referral"),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let v2 = assessments::versions(&db.store, case2).await.unwrap()[0].id;
        let r = boss
            .post(
                &format!("/zaken/{case2}/beoordeling/{v2}/goedkeuring"),
                &[("verdict", "approve")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(
            r.body.contains("geen e-mailadres voor doorverwijzingen"),
            "{}",
            r.body
        );
        assert!(notices::list_by_case(&db.store, case2)
            .await
            .unwrap()
            .is_empty());
        assert!(assessments::versions(&db.store, case2).await.unwrap()[0]
            .verdict
            .is_none());
    }
);
