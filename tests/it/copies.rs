//! Copies found by themselves, on both backends: a re-typed call and a rotated screenshot
//! reported by other municipalities are proposed (never linked) with their similarity; the
//! remark is not compared; rejected pairs are not proposed again; a confirmed copy joins the
//! other's group and situation; a re-upload of content a platform took down is marked and its
//! municipality told; several processes find the same matches; bad input never half-stores.

use axum::http::StatusCode;
use meldpunt::domain::case::CaseEventKind;
use meldpunt::domain::matching::{PrintKind, PrintOutcome, ProposalState};
use meldpunt::domain::notice::Outcome;
use meldpunt::domain::report::{Channel, LinkDraft, ReportDraft};
use meldpunt::domain::user::Role;
use meldpunt::objects::EvidenceStore;
use meldpunt::service::copies::{self, Joined};
use meldpunt::service::intake::{self, Intake, Submission, Upload};
use meldpunt::service::notices::{self as notice_service, AnswerInput, Reviewer, Verdict};
use meldpunt::service::{now_ms, Ctx, ServiceError, Settings};
use meldpunt::store::matching as prints;
use meldpunt::store::{assessments, cases, groups, notices, reports, situations, users, Store};

use crate::both_backends;
use crate::groups::{group_draft, scene, set_contacts};
use crate::support::*;

const CALL: &str = "Zaterdag 20:00 allemaal naar het Centraal Station! Neem vuurwerk mee, we \
                    laten ze zien wie de baas is in deze stad.";
const CALL_RETYPED: &str = "ZATERDAG 20:00 allemaal naar het centraal station!!! 🔥🔥 neem \
                            vuurwerk mee, we laten ze zien wie de baas is in deze staaad #avondklok";
/// Shares the town and the date, but is another call.
const OTHER_CALL: &str = "Zaterdag 20:00 demonstratie bij het Centraal Station tegen de \
                          woningnood, kom met spandoeken en houd het vreedzaam.";

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/pdq");

fn image(file: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}/{file}")).unwrap()
}

async fn ctx_for(store: &Store, p: &Person) -> Ctx {
    Ctx::anonymous("127.0.0.1", now_ms()).acting_as(&users::get(store, p.id).await.unwrap())
}

/// One report of one link, with the content's text and evidence files, through an intake
/// worker (one per process). Returns (report id, case id).
async fn report(
    store: &Store,
    intake: &Intake,
    (org_id, reporter): (i64, &Person),
    url: &str,
    text: &str,
    remark: &str,
    files: &[(&str, Vec<u8>)],
) -> Result<(i64, i64), ServiceError> {
    let draft = ReportDraft {
        links: vec![LinkDraft {
            url: url.into(),
            remark: remark.into(),
            content_text: text.into(),
        }],
        category: "call_to_gather".into(),
        urgency: "high".into(),
        justification: "Oproep voor zaterdag".into(),
        on_behalf_of: "De burgemeester".into(),
        ..Default::default()
    };
    let valid = intake::check(&draft, now_ms()).map_err(ServiceError::Rejected)?;
    let objects = EvidenceStore::open("", &test_config().data_dir).unwrap();
    let uploads = files
        .iter()
        .map(|(name, bytes)| Upload {
            field: "evidence_1".into(),
            file_name: (*name).into(),
            bytes: bytes.clone().into(),
            link_position: Some(1),
        })
        .collect();
    let evidence = intake::store_evidence(&objects, uploads, 25_000_000).await?;
    let ctx = ctx_for(store, reporter).await;
    let receipt = intake
        .submit(
            &ctx,
            Submission {
                org_id,
                reporter_user_id: Some(reporter.id),
                api_token_id: None,
                channel: Channel::WebForm,
                report: valid,
                evidence,
                idempotency: None,
            },
        )
        .await?;
    Ok((receipt.report_id, receipt.links[0].case_id))
}

fn worker(store: &Store) -> Intake {
    Intake::start(store.clone(), Settings::default())
}

/// The open proposals of a case: (other case, text similarity, image distance).
async fn proposed(store: &Store, case_id: i64) -> Vec<(i64, Option<f64>, Option<u32>)> {
    prints::proposals_of_case(store, case_id)
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.state == ProposalState::Proposed)
        .map(|p| {
            (
                p.other_case_id,
                p.likeness.text_similarity,
                p.likeness.image_distance,
            )
        })
        .collect()
}

async fn outcomes(store: &Store, case_id: i64) -> Vec<(PrintKind, PrintOutcome)> {
    prints::prints_of_case(store, case_id)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.kind, p.outcome))
        .collect()
}

both_backends!(
    a_retyped_call_is_proposed_and_another_call_in_the_same_town_is_not,
    |db: TestDb| async move {
        let store = &db.store;
        let orgs = seed_orgs(store).await;
        let r = make_person(store, orgs.rotterdam, "r@rotterdam.nl", Role::Reporter).await;
        let a = make_person(store, orgs.amsterdam, "a@amsterdam.nl", Role::Reporter).await;
        let intake = worker(store);
        let (_, first) = report(
            store,
            &intake,
            (orgs.rotterdam, &r),
            "https://t.me/rellen/1",
            CALL,
            "",
            &[],
        )
        .await
        .unwrap();
        let (_, other) = report(
            store,
            &intake,
            (orgs.rotterdam, &r),
            "https://t.me/demo/2",
            OTHER_CALL,
            "",
            &[],
        )
        .await
        .unwrap();
        // The remark is the reporter's, not the content: it is not compared.
        let (_, remark_only) = report(
            store,
            &intake,
            (orgs.amsterdam, &a),
            "https://t.me/x/3",
            "",
            CALL,
            &[],
        )
        .await
        .unwrap();
        assert!(proposed(store, first).await.is_empty());
        let (_, copy) = report(
            store,
            &intake,
            (orgs.amsterdam, &a),
            "https://www.tiktok.com/@oproep/video/7300000000000000099",
            CALL_RETYPED,
            "",
            &[],
        )
        .await
        .unwrap();
        // Proposed by the time the reporter hears "stored", once, with the real similarity.
        let found = proposed(store, copy).await;
        assert_eq!(found.len(), 1, "{found:?}");
        let (with, similarity, distance) = found[0];
        assert_eq!(with, first);
        assert!(
            similarity.unwrap() >= 0.7 && similarity.unwrap() < 1.0,
            "{similarity:?}"
        );
        assert_eq!(distance, None);
        assert_eq!(
            proposed(store, first).await.len(),
            1,
            "seen from both cases"
        );
        assert!(proposed(store, other).await.is_empty());
        assert!(proposed(store, remark_only).await.is_empty());
        assert_eq!(outcomes(store, remark_only).await, vec![]);
        assert_eq!(
            outcomes(store, copy).await,
            vec![(PrintKind::Text, PrintOutcome::Compared)]
        );
        // Nothing was linked by itself.
        assert_eq!(situations::of_case(store, copy).await.unwrap(), None);
        let events = cases::events(store, copy).await.unwrap();
        let note = events
            .iter()
            .find(|e| e.kind == CaseEventKind::CopyProposed)
            .and_then(|e| e.note.clone())
            .unwrap();
        assert!(
            note.starts_with(&cases::get(store, first).await.unwrap().reference),
            "{note}"
        );
        // A third copy in the same case as the first adds no second proposal for the pair.
        report(
            store,
            &intake,
            (orgs.amsterdam, &a),
            "https://t.me/rellen/1",
            CALL_RETYPED,
            "",
            &[],
        )
        .await
        .unwrap();
        assert_eq!(proposed(store, copy).await.len(), 1);
    }
);

both_backends!(
    a_rotated_screenshot_is_proposed_and_weak_or_unreadable_images_are_stored_uncompared,
    |db: TestDb| async move {
        let store = &db.store;
        let orgs = seed_orgs(store).await;
        let r = make_person(store, orgs.rotterdam, "r@rotterdam.nl", Role::Reporter).await;
        let a = make_person(store, orgs.amsterdam, "a@amsterdam.nl", Role::Reporter).await;
        let intake = worker(store);
        let (_, original) = report(
            store,
            &intake,
            (orgs.rotterdam, &r),
            "https://t.me/rellen/10",
            "",
            "",
            &[(
                "flyer.jpg",
                image("reg-test-input/dih/bridge-1-original.jpg"),
            )],
        )
        .await
        .unwrap();
        let (_, rotated) = report(
            store,
            &intake,
            (orgs.amsterdam, &a),
            "https://t.me/rellen/11",
            "",
            "",
            &[(
                "scherm.jpg",
                image("reg-test-input/dih/bridge-2-rotate-90.jpg"),
            )],
        )
        .await
        .unwrap();
        let found = proposed(store, rotated).await;
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, original);
        assert!(found[0].2.unwrap() <= 31, "{found:?}");
        assert_eq!(found[0].1, None);

        // An image too flat to match on (quality < 50), twice: stored, never matched.
        let weak = image("reg-test-input/labelme-subset/q0003.jpg");
        let (_, w1) = report(
            store,
            &intake,
            (orgs.rotterdam, &r),
            "https://t.me/w/1",
            "",
            "",
            &[("a.jpg", weak.clone())],
        )
        .await
        .unwrap();
        let (_, w2) = report(
            store,
            &intake,
            (orgs.amsterdam, &a),
            "https://t.me/w/2",
            "",
            "",
            &[("b.jpg", weak)],
        )
        .await
        .unwrap();
        assert!(proposed(store, w2).await.is_empty());
        assert_eq!(
            outcomes(store, w1).await,
            vec![(PrintKind::Image, PrintOutcome::LowQuality)]
        );

        // A truncated PNG, a PNG with a side longer than any decoder here takes, a video: the
        // report is stored in full, each file says why it was not compared.
        let png = image("reg-test-input/pen-and-coaster.png");
        let truncated = png[..png.len() / 2].to_vec();
        let (report_id, bad) = report(
            store,
            &intake,
            (orgs.rotterdam, &r),
            "https://t.me/bad/1",
            "",
            "",
            &[
                ("kapot.png", truncated),
                ("lang.png", huge_png(20_000, 2_000)),
                ("film.mp4", mp4()),
            ],
        )
        .await
        .unwrap();
        assert_eq!(
            reports::evidence_of_report(store, report_id)
                .await
                .unwrap()
                .len(),
            3
        );
        assert_eq!(
            outcomes(store, bad).await,
            vec![
                (PrintKind::Image, PrintOutcome::Unreadable),
                (PrintKind::Image, PrintOutcome::TooLarge),
                (PrintKind::Image, PrintOutcome::Video),
            ]
        );
        // A PNG declaring 100 megapixels is refused at intake, from its header.
        let refused = report(
            store,
            &intake,
            (orgs.rotterdam, &r),
            "https://t.me/bad/2",
            "",
            "",
            &[("enorm.png", huge_png(10_000, 10_000))],
        )
        .await;
        assert!(
            matches!(refused, Err(ServiceError::Rejected(ref e)) if e[0].message.key == "evidence.too_many_pixels"),
            "{refused:?}"
        );
    }
);

/// A PNG whose header declares `w` × `h` pixels (with valid checksums), and little else.
fn huge_png(w: u32, h: u32) -> Vec<u8> {
    fn crc(bytes: &[u8]) -> u32 {
        let mut c = 0xffff_ffffu32;
        for b in bytes {
            c ^= u32::from(*b);
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(data);
        out.extend(&body);
        out.extend(crc(&body).to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

/// The start of an MP4 file (an `ftyp` box), as the evidence check recognises it.
fn mp4() -> Vec<u8> {
    let mut v = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom".to_vec();
    v.extend([0u8; 64]);
    v
}

both_backends!(
    a_rejected_pair_is_not_proposed_again_and_a_decided_proposal_cannot_be_decided_twice,
    |db: TestDb| async move {
        let store = &db.store;
        let orgs = seed_orgs(store).await;
        let r = make_person(store, orgs.rotterdam, "r@rotterdam.nl", Role::Reporter).await;
        let analyst = make_person(store, orgs.central, "an@meldpunt.nl", Role::Analyst).await;
        let intake = worker(store);
        let (_, a) = report(
            store,
            &intake,
            (orgs.rotterdam, &r),
            "https://t.me/p/1",
            CALL,
            "",
            &[],
        )
        .await
        .unwrap();
        let (_, b) = report(
            store,
            &intake,
            (orgs.rotterdam, &r),
            "https://t.me/p/2",
            CALL_RETYPED,
            "",
            &[],
        )
        .await
        .unwrap();
        let proposal = prints::proposals_of_case(store, b).await.unwrap()[0].clone();
        let ctx = ctx_for(store, &analyst).await;
        copies::reject_copy(store, &ctx, b, proposal.id)
            .await
            .unwrap();
        let after = prints::proposals_of_case(store, a).await.unwrap();
        assert_eq!(after[0].state, ProposalState::Rejected);
        assert_eq!(
            after[0].decider_name.as_deref(),
            Some(ctx.actor_label.as_str())
        );
        assert!(after[0].decided_at.is_some());
        assert_eq!(trail(store, "copy.rejected").await.len(), 1);
        // Another report of the same content to case b: the pair stays rejected.
        report(
            store,
            &intake,
            (orgs.rotterdam, &r),
            "https://t.me/p/2",
            CALL,
            "",
            &[],
        )
        .await
        .unwrap();
        assert!(proposed(store, a).await.is_empty());
        assert_eq!(prints::proposals_of_case(store, a).await.unwrap().len(), 1);
        // Deciding it again is refused, changes nothing, and is audited.
        let again = copies::confirm_copy(store, &Settings::default(), &ctx, b, proposal.id).await;
        assert!(matches!(again, Err(ServiceError::Conflict(_))), "{again:?}");
        assert_eq!(
            prints::proposals_of_case(store, a).await.unwrap()[0].state,
            ProposalState::Rejected
        );
        // A proposal of other cases cannot be decided from this case.
        let foreign = copies::reject_copy(store, &ctx, a + 1000, proposal.id).await;
        assert!(
            matches!(foreign, Err(ServiceError::NotFound)),
            "{foreign:?}"
        );
    }
);

both_backends!(
    a_confirmed_copy_joins_the_group_and_situation_of_the_other_case,
    |db: TestDb| async move {
        let store = &db.store;
        let settings = Settings::default();
        let s = scene(store).await;
        let analyst = ctx_for(store, &s.analyst).await;
        let group =
            notice_service::create_group(store, &analyst, s.situation_id, "Oproep", &s.cases[..2])
                .await
                .unwrap();
        // The grouped Telegram case's content, pasted later; then a copy of it elsewhere.
        let intake = worker(store);
        let (_, first_text) = report(
            store,
            &intake,
            (s.orgs.rotterdam, &s.reporters[0]),
            crate::groups::TELEGRAM,
            CALL,
            "",
            &[],
        )
        .await
        .unwrap();
        assert_eq!(first_text, s.cases[0]);
        let (_, copy) = report(
            store,
            &intake,
            (s.utrecht, &s.reporters[2]),
            "https://www.instagram.com/p/Cxyz123/",
            CALL_RETYPED,
            "",
            &[],
        )
        .await
        .unwrap();
        let p = prints::proposals_of_case(store, copy).await.unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].other_case_id, s.cases[0]);
        let joined = copies::confirm_copy(store, &settings, &analyst, copy, p[0].id)
            .await
            .unwrap();
        assert_eq!(
            joined,
            Joined::Group {
                case_id: copy,
                group_id: group
            }
        );
        assert_eq!(
            situations::of_case(store, copy)
                .await
                .unwrap()
                .map(|x| x.id),
            Some(s.situation_id)
        );
        assert_eq!(
            groups::of_case(store, copy).await.unwrap().map(|g| g.id),
            Some(group)
        );
        assert_eq!(
            prints::proposals_of_case(store, copy).await.unwrap()[0].state,
            ProposalState::Confirmed
        );
        let events = cases::events(store, copy).await.unwrap();
        assert!(events
            .iter()
            .any(|e| e.kind == CaseEventKind::CopyConfirmed));
        assert!(events.iter().any(|e| e.kind == CaseEventKind::AddedToGroup));
        assert_eq!(trail(store, "copy.confirmed").await.len(), 1);
    }
);

both_backends!(
    a_copy_of_content_taken_down_is_a_re_upload_and_its_municipality_is_told,
    |db: TestDb| async move {
        let store = &db.store;
        let settings = Settings::default();
        let orgs = seed_orgs(store).await;
        let r = make_person(store, orgs.rotterdam, "r@rotterdam.nl", Role::Reporter).await;
        let a = make_person(store, orgs.amsterdam, "a@amsterdam.nl", Role::Reporter).await;
        let analyst = make_person(store, orgs.central, "an@meldpunt.nl", Role::Analyst).await;
        let boss = make_person(store, orgs.central, "sup@meldpunt.nl", Role::Supervisor).await;
        let admin = make_person(
            store,
            orgs.central,
            "beheer@meldpunt.nl",
            Role::Administrator,
        )
        .await;
        set_contacts(store, &admin).await;
        let intake = worker(store);
        let url = "https://www.tiktok.com/@rellen/video/7300000000000000123";
        let (_, earlier) = report(store, &intake, (orgs.rotterdam, &r), url, CALL, "", &[])
            .await
            .unwrap();
        // The team decides, a supervisor approves, the platform removes it.
        let an = ctx_for(store, &analyst).await;
        let sup = ctx_for(store, &boss).await;
        notice_service::assess(store, &settings, &an, earlier, &group_draft())
            .await
            .unwrap();
        let v = assessments::versions(store, earlier).await.unwrap();
        notice_service::review(
            store,
            &settings,
            &sup,
            Reviewer {
                user_id: boss.id,
                is_supervisor: true,
            },
            Verdict {
                case_id: earlier,
                assessment_id: v[0].id,
                approve: true,
                reason: "",
            },
        )
        .await
        .unwrap();
        let notice = notices::list_by_case(store, earlier).await.unwrap()[0].clone();
        crate::notices::deliver_all(store).await;
        notice_service::record_answer(
            store,
            &settings,
            &sup,
            notice.id,
            &[AnswerInput {
                url: url.into(),
                outcome: Outcome::Removed,
                reason: String::new(),
            }],
            now_ms(),
        )
        .await
        .unwrap();

        // The same call, re-uploaded on another account, reported by another municipality.
        let (report_id, again) = report(
            store,
            &intake,
            (orgs.amsterdam, &a),
            "https://www.tiktok.com/@rellen2/video/7300000000000000456",
            CALL_RETYPED,
            "",
            &[],
        )
        .await
        .unwrap();
        let case = cases::get(store, again).await.unwrap();
        assert_eq!(case.reupload_of, Some(earlier));
        assert!(cases::events(store, again)
            .await
            .unwrap()
            .iter()
            .any(|e| e.kind == CaseEventKind::ReuploadDetected));
        assert_eq!(trail(store, "copy.reupload_detected").await.len(), 1);
        // The municipality is told, in the application and by e-mail, and sees it on its report.
        let told = meldpunt::store::notify::list(store, a.id, 20)
            .await
            .unwrap();
        assert!(
            told.iter()
                .any(|n| n.text.contains("al bekend bij het centrale team")),
            "{told:?}"
        );
        let mail = meldpunt::store::notify::pending_mail(store).await.unwrap();
        assert!(mail
            .iter()
            .any(|m| m.to_addr == "a@amsterdam.nl" && m.subject.contains("inhoud al bekend")));
        assert!(reports::links(store, report_id).await.unwrap()[0].known_copy);
        // The reporter of the earlier case is not told anything about the new report.
        assert!(!meldpunt::store::notify::list(store, r.id, 50)
            .await
            .unwrap()
            .iter()
            .any(|n| n.text.contains("al bekend")));

        // The analyst proposes the earlier decision; it waits for a supervisor.
        let review = copies::propose_earlier_decision(store, &settings, &an, again)
            .await
            .unwrap();
        assert_eq!(
            review,
            meldpunt::domain::assessment::Review::AwaitingApproval
        );
        let mine = assessments::versions(store, again).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].a.decision, v[0].a.decision);
        assert!(
            notices::list_by_case(store, again)
                .await
                .unwrap()
                .is_empty(),
            "nothing sent before approval"
        );
        // A case that is no re-upload is refused.
        let refused = copies::propose_earlier_decision(store, &settings, &an, earlier).await;
        assert!(
            matches!(refused, Err(ServiceError::Unprocessable(_))),
            "{refused:?}"
        );
    }
);

both_backends!(
    several_processes_find_the_same_copies,
    |db: TestDb| async move {
        let store = &db.store;
        let orgs = seed_orgs(store).await;
        let r = make_person(store, orgs.rotterdam, "r@rotterdam.nl", Role::Reporter).await;
        // Two intake workers, each with its own index, as two `serve` processes have; the
        // second on its own connection pool.
        let other_store = Store::connect(&db.url).await.unwrap();
        let one = worker(store);
        let two = worker(&other_store);
        let (_, a) = report(
            store,
            &one,
            (orgs.rotterdam, &r),
            "https://t.me/i/1",
            CALL,
            "",
            &[],
        )
        .await
        .unwrap();
        // Process two has never seen `a` being stored, and finds it.
        let (_, b) = report(
            &other_store,
            &two,
            (orgs.rotterdam, &r),
            "https://t.me/i/2",
            CALL_RETYPED,
            "",
            &[],
        )
        .await
        .unwrap();
        assert_eq!(
            proposed(store, b)
                .await
                .iter()
                .map(|p| p.0)
                .collect::<Vec<_>>(),
            vec![a]
        );
        // And process one, whose index last read before `b`, finds `b` for a third copy.
        let (_, c) = report(
            store,
            &one,
            (orgs.rotterdam, &r),
            "https://t.me/i/3",
            &format!("{CALL} Deel dit!"),
            "",
            &[],
        )
        .await
        .unwrap();
        let mut with: Vec<i64> = proposed(store, c).await.iter().map(|p| p.0).collect();
        with.sort();
        assert_eq!(with, vec![a, b]);
        // A print stored while no process looked it up (its process stopped before) is found
        // by the next sweep of any process, once it is a minute old.
        sql(
            &db,
            &format!("DELETE FROM match_proposals WHERE low_case_id = {c} OR high_case_id = {c}"),
        )
        .await
        .unwrap();
        sql(
            &db,
            &format!("UPDATE content_prints SET matched_at = NULL WHERE case_id = {c}"),
        )
        .await
        .unwrap();
        let matcher = meldpunt::service::matching::Matcher::new(Default::default());
        assert_eq!(
            matcher
                .sweep(store, &Settings::default(), now_ms())
                .await
                .unwrap(),
            0
        );
        assert!(proposed(store, c).await.is_empty());
        let later = now_ms() + 120_000;
        assert_eq!(
            matcher
                .sweep(store, &Settings::default(), later)
                .await
                .unwrap(),
            1
        );
        assert_eq!(proposed(store, c).await.len(), 2);
        assert_eq!(
            matcher
                .sweep(store, &Settings::default(), later)
                .await
                .unwrap(),
            0
        );
    }
);

both_backends!(
    bad_content_text_gets_a_clear_message_and_stores_nothing,
    |db: TestDb| async move {
        let store = &db.store;
        let orgs = seed_orgs(store).await;
        let r = make_person(store, orgs.rotterdam, "r@rotterdam.nl", Role::Reporter).await;
        let intake = worker(store);
        let megabyte = "a".repeat(1_000_000);
        let refused = report(
            store,
            &intake,
            (orgs.rotterdam, &r),
            "https://t.me/t/1",
            &megabyte,
            "",
            &[],
        )
        .await;
        match refused {
            Err(ServiceError::Rejected(errors)) => {
                assert_eq!(errors[0].field, "link_text_1");
                assert_eq!(errors[0].message.key, "report.content_text_too_long");
            }
            other => panic!("{other:?}"),
        }
        assert!(reports::list_by_org(store, orgs.rotterdam, 10, 0)
            .await
            .unwrap()
            .is_empty());
        // Only emoji and a link: stored, not compared, and it says so.
        let (_, short) = report(
            store,
            &intake,
            (orgs.rotterdam, &r),
            "https://t.me/t/2",
            "🔥🔥🔥 https://t.me/x #go",
            "",
            &[],
        )
        .await
        .unwrap();
        assert_eq!(
            outcomes(store, short).await,
            vec![(PrintKind::Text, PrintOutcome::TooShort)]
        );
        // Another script is compared as it is: an Arabic call and its copy are found.
        let arabic = "الجميع إلى محطة القطار يوم السبت الساعة الثامنة مساء، أحضروا الألعاب النارية";
        let (_, ar1) = report(
            store,
            &intake,
            (orgs.rotterdam, &r),
            "https://t.me/t/3",
            arabic,
            "",
            &[],
        )
        .await
        .unwrap();
        let (_, ar2) = report(
            store,
            &intake,
            (orgs.rotterdam, &r),
            "https://t.me/t/4",
            &format!("{arabic} 🔥 #نار"),
            "",
            &[],
        )
        .await
        .unwrap();
        assert_eq!(
            proposed(store, ar2)
                .await
                .iter()
                .map(|p| p.0)
                .collect::<Vec<_>>(),
            vec![ar1]
        );
    }
);

both_backends!(
    indexing_existing_data_prints_what_has_no_print_and_proposes_its_copies_once,
    |db: TestDb| async move {
        let store = &db.store;
        let orgs = seed_orgs(store).await;
        let r = make_person(store, orgs.rotterdam, "r@rotterdam.nl", Role::Reporter).await;
        let intake = worker(store);
        let (_, a) = report(
            store,
            &intake,
            (orgs.rotterdam, &r),
            "https://t.me/old/1",
            CALL,
            "",
            &[("a.jpg", image("reg-test-input/dih/bridge-1-original.jpg"))],
        )
        .await
        .unwrap();
        let (_, b) = report(
            store,
            &intake,
            (orgs.rotterdam, &r),
            "https://t.me/old/2",
            CALL_RETYPED,
            "",
            &[("b.jpg", image("reg-test-input/dih/bridge-5-flipx.jpg"))],
        )
        .await
        .unwrap();
        // As data stored before matching existed: no prints, no proposals.
        sql(&db, "DELETE FROM match_proposals").await.unwrap();
        sql(&db, "DELETE FROM content_prints").await.unwrap();
        let objects = EvidenceStore::open("", &test_config().data_dir).unwrap();
        let calls = std::sync::Mutex::new(Vec::new());
        let done = meldpunt::service::matching::index_existing(
            store,
            &objects,
            &Settings::default(),
            now_ms(),
            &|d, t| calls.lock().unwrap().push((d, t)),
        )
        .await
        .unwrap();
        assert_eq!((done.printed, done.compared), (4, 4));
        assert_eq!(done.found.proposed.len(), 1);
        assert_eq!(calls.lock().unwrap().last(), Some(&(4, 4)));
        let found = proposed(store, b).await;
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, a);
        assert!(
            found[0].1.is_some() && found[0].2.is_some(),
            "text and image both found: {found:?}"
        );
        // Run again (as the command, a new user would): nothing left to do, nothing twice.
        let (code, out, err) = crate::cli::meldpunt(&db, &["index"]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("0 texts and files printed"), "{out}");
        assert!(out.contains("0 copies proposed"), "{out}");
        assert_eq!(prints::proposals_of_case(store, a).await.unwrap().len(), 1);
    }
);

both_backends!(
    through_the_api_the_content_text_is_compared_and_a_megabyte_of_it_is_refused_by_field,
    |db: TestDb| async move {
        let store = &db.store;
        let orgs = seed_orgs(store).await;
        let analyst = make_person(store, orgs.central, "an@meldpunt.nl", Role::Analyst).await;
        let token = crate::intake::api_token(&db, orgs.amsterdam).await;
        let app = TestApp::new(store);
        let mut c = app.client();
        let body = |url: &str, text: &str| {
            serde_json::json!({
                "links": [{"url": url, "opmerking": "Gedeeld in groepsapp", "inhoudTekst": text}],
                "categorie": "call_to_gather",
                "urgentie": "high",
                "onderbouwing": "Oproep voor zaterdag",
                "namens": "De burgemeester van Amsterdam"
            })
        };
        let first =
            crate::intake::api_post(&mut c, &token, None, &body("https://t.me/api/1", CALL)).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
        let second = crate::intake::api_post(
            &mut c,
            &token,
            None,
            &body("https://t.me/api/2", CALL_RETYPED),
        )
        .await;
        assert_eq!(second.status, StatusCode::CREATED, "{}", second.body);
        let v: serde_json::Value = serde_json::from_str(&second.body).unwrap();
        let reference = v["links"][0]["zaak"]["referentie"]
            .as_str()
            .unwrap()
            .to_string();
        let case = cases::by_reference(store, &reference).await.unwrap();
        assert_eq!(proposed(store, case.id).await.len(), 1);

        // The case page shows the copy side by side, with what was and was not compared.
        let mut team = app.signed_in(&analyst).await;
        let page = team.get(&format!("/zaken/{}", case.id)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Mogelijke kopie van"), "{}", page.body);
        assert!(page.body.contains("vergeleken met andere meldingen"));
        assert!(page.body.contains("/kopieen/"));

        // A megabyte of text: 400, named by its API field, and nothing stored.
        let before = reports::list_by_org(store, orgs.amsterdam, 10, 0)
            .await
            .unwrap()
            .len();
        let big = crate::intake::api_post(
            &mut c,
            &token,
            None,
            &body("https://t.me/api/3", &"a".repeat(1_000_000)),
        )
        .await;
        assert!(
            big.status == StatusCode::BAD_REQUEST || big.status == StatusCode::PAYLOAD_TOO_LARGE,
            "{}",
            big.status
        );
        if big.status == StatusCode::BAD_REQUEST {
            assert!(big.body.contains("links[0].inhoudTekst"), "{}", big.body);
        }
        assert!(big.content_type().starts_with("application/problem+json"));
        assert_eq!(
            reports::list_by_org(store, orgs.amsterdam, 10, 0)
                .await
                .unwrap()
                .len(),
            before
        );
    }
);
