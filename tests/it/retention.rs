//! Retention that deletes, on both databases and with a moved clock: closed cases and their
//! evidence go when due and not before (across 29 February and a year end), a held case
//! stays, nothing is erased twice or half, and the audit chain and the published figures are
//! intact afterwards.

use meldpunt::domain::case::CaseStatus;
use meldpunt::domain::notice::Outcome;
use meldpunt::domain::parse_dutch_local;
use meldpunt::domain::retention::{DataKind, Schedule};
use meldpunt::domain::transparency::{open_data, Year};
use meldpunt::domain::Millis;
use meldpunt::objects::EvidenceStore;
use meldpunt::service::{cases as case_service, retention, transparency, Ctx, ServiceError};
use meldpunt::service::{now_ms, Settings};
use meldpunt::store::{audit, retention as retention_store, users, Backend, Store};
use sqlx::Row;

use crate::both_backends;
use crate::delivery::{queue_notices, set_contact};
use crate::notices::{deliver_all, team, Team};
use crate::support::*;

fn at(s: &str) -> Millis {
    parse_dutch_local(s).unwrap()
}

async fn ctx(store: &Store, p: &Person, now: Millis) -> Ctx {
    Ctx::anonymous("127.0.0.1", now).acting_as(&users::get(store, p.id).await.unwrap())
}

/// A report whose case the team closes without any action at `closed`.
async fn closed_without_action(store: &Store, t: &Team, url: &str, closed: Millis) -> i64 {
    let (_, case_id) = submit_report(store, t.cast.o.amsterdam, &t.cast.ams, url).await;
    let c = ctx(store, &t.cast.analyst, closed).await;
    let s = Settings::default();
    case_service::move_case(store, &s, &c, case_id, CaseStatus::InTriage, "")
        .await
        .unwrap();
    case_service::move_case(store, &s, &c, case_id, CaseStatus::Closed, "Geen oproep.")
        .await
        .unwrap();
    case_id
}

async fn one(db: &TestDb, sql: &str, id: i64) -> Option<String> {
    use sqlx::Connection;
    let mut conn = sqlx::AnyConnection::connect(&db.url).await.unwrap();
    let row = sqlx::query(sql)
        .bind(id)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    row.try_get::<Option<String>, _>(0).unwrap()
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    use sqlx::Connection;
    let mut conn = sqlx::AnyConnection::connect(&db.url).await.unwrap();
    let row = sqlx::query(sql).fetch_one(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    row.try_get::<i64, _>(0).unwrap()
}

/// Whether retention erased the case's personal data.
async fn erased(store: &Store, case_id: i64) -> bool {
    meldpunt::store::cases::get(store, case_id)
        .await
        .unwrap()
        .erased_at
        .is_some()
}

/// One retention run at `now` by the default schedule.
pub async fn run(store: &Store, now: Millis) -> retention::RunReport {
    let objects = EvidenceStore::open("", &test_config().data_dir).unwrap();
    retention::run_once(store, &objects, &Schedule::default(), now)
        .await
        .unwrap()
}

async fn figures(store: &Store) -> String {
    let y = Year::containing(now_ms()).unwrap();
    let counted = transparency::count(store, &y, now_ms()).await.unwrap();
    format!("{:?}", open_data(&counted.figures))
}

both_backends!(
    closed_cases_and_their_evidence_go_when_due_and_not_before,
    |db: TestDb| async move {
        let store = &db.store;
        let t = team(&db).await;
        set_contact(store, &t, "dsa-notices@tiktok.example").await;
        // A: closed without action on 28 February 2027 (a year later is 28 February 2028,
        // though 2028 has a 29th). B: a notice the platform acted on, closed the same day.
        // C: closed without action, under a legal hold. D: still open.
        let closed = at("2027-02-28T09:00");
        let a = closed_without_action(store, &t, "https://www.tiktok.com/@rellen/video/1", closed)
            .await;
        let notice = queue_notices(store, &t, 10, 1).await[0];
        deliver_all(store).await;
        let b = meldpunt::store::notices::get(store, notice).await.unwrap();
        crate::transparency::answer(store, &t, notice, Outcome::Removed).await;
        let boss = ctx(store, &t.supervisor, closed).await;
        case_service::move_case(
            store,
            &Settings::default(),
            &boss,
            b.case_id,
            CaseStatus::Closed,
            "",
        )
        .await
        .unwrap();
        let b = b.case_id;
        let c = closed_without_action(store, &t, "https://www.tiktok.com/@rellen/video/3", closed)
            .await;
        retention::place_hold(
            store,
            &boss,
            c,
            "Verzoek van de officier van justitie, zaak 12/345",
        )
        .await
        .unwrap();
        let (_, d) = submit_report(
            store,
            t.cast.o.amsterdam,
            &t.cast.ams,
            "https://www.tiktok.com/@rellen/video/4",
        )
        .await;
        let figures_before = figures(store).await;
        let exported = audit::recorded_head(store).await.unwrap().unwrap();
        let evidence = "SELECT CAST(COUNT(*) AS BIGINT) FROM evidence";
        assert_eq!(count(&db, evidence).await, 4);

        // 29 days after closing: nothing of the cases is due.
        let r = run(store, at("2027-03-29T09:00")).await;
        assert_eq!((r.evidence, r.cases), (0, 0), "{r:?}");
        assert_eq!(count(&db, evidence).await, 4);
        // 30 days: the evidence of A and B goes; C is held, D is open.
        let r = run(store, at("2027-03-30T09:00")).await;
        assert_eq!(r.evidence, 2, "{r:?}");
        assert_eq!(r.cases, 0);
        assert_eq!(count(&db, evidence).await, 2);
        // Run again at once: nothing more, and no second record.
        assert_eq!(run(store, at("2027-03-30T09:01")).await.evidence, 0);
        let records =
            "SELECT CAST(COUNT(*) AS BIGINT) FROM retention_deletions WHERE kind = 'evidence'";
        assert_eq!(count(&db, records).await, 2);

        // A year after 28 February 2027, one minute early: A stays.
        assert_eq!(run(store, at("2028-02-28T08:59")).await.cases, 0);
        let r = run(store, at("2028-02-28T09:00")).await;
        assert_eq!(r.cases, 1, "{r:?}");
        assert!(r.audit_erased > 0);
        assert!(erased(store, a).await);
        assert!(!erased(store, b).await);
        // What is left of A says nothing about anyone.
        let url = one(
            &db,
            "SELECT submitted_url FROM report_links WHERE case_id = $1",
            a,
        )
        .await;
        assert_eq!(url.as_deref(), Some(""));
        let canon = one(&db, "SELECT canonical_url FROM cases WHERE id = $1", a).await;
        assert!(!canon.unwrap().contains("tiktok"));
        let just = one(
            &db,
            "SELECT r.justification FROM reports r JOIN report_links l ON l.report_id = r.id WHERE l.case_id = $1",
            a,
        )
        .await;
        assert_eq!(just.as_deref(), Some(""));
        let note = one(
            &db,
            "SELECT note FROM case_events WHERE case_id = $1 AND to_status = 'closed'",
            a,
        )
        .await;
        assert_eq!(note, None);
        for entry in audit::list(
            store,
            meldpunt::domain::policy::AuditScope::All,
            &Default::default(),
            100_000,
            None,
        )
        .await
        .unwrap()
        {
            if entry.object_type == "case" && entry.object_id == a.to_string() {
                assert!(
                    !entry.details.contains("tiktok") && !entry.actor_label.contains('@'),
                    "{entry:?}"
                );
            }
        }
        // The audit chain verifies, also against the head exported before.
        assert!(audit::verify(store, Some(exported.clone()))
            .await
            .unwrap()
            .is_ok());
        // The published figures are as they were.
        assert_eq!(figures(store).await, figures_before);

        // Five years after B's closure (with a notice): B goes, C is still held, D open.
        let r = run(store, at("2032-02-28T09:00")).await;
        assert_eq!(r.cases, 1, "{r:?}");
        assert!(erased(store, b).await);
        let body = one(&db, "SELECT body FROM notices WHERE case_id = $1", b).await;
        assert_eq!(body.as_deref(), Some(""));
        assert!(!erased(store, c).await);
        assert!(!erased(store, d).await);
        // Lifting the hold lets C go on the next run.
        retention::lift_hold(store, &boss, c).await.unwrap();
        assert_eq!(run(store, at("2032-02-28T09:10")).await.cases, 1);
        assert_eq!(run(store, at("2032-02-28T09:20")).await.cases, 0);
        let cases = "SELECT CAST(COUNT(*) AS BIGINT) FROM retention_deletions \
                     WHERE kind IN ('case_without_action', 'case_with_notice')";
        assert_eq!(count(&db, cases).await, 3);
        // D's evidence is still there, and with it the one file all four shared.
        assert_eq!(count(&db, evidence).await, 1);
        let objects = EvidenceStore::open("", &test_config().data_dir).unwrap();
        let sha = one(&db, "SELECT sha256 FROM evidence WHERE id > $1", 0)
            .await
            .unwrap();
        assert!(objects.get(&sha).await.is_ok());
        assert!(audit::verify(store, Some(exported)).await.unwrap().is_ok());
        assert_eq!(figures(store).await, figures_before);
        // The deletion records name kind, reference, rule and time.
        let records = retention_store::deletions(store, 100).await.unwrap();
        let rec_a = records
            .iter()
            .find(|d| {
                d.kind == DataKind::CaseWithoutAction && d.deleted_at == at("2028-02-28T09:00")
            })
            .unwrap();
        let reference = meldpunt::store::cases::get(store, a)
            .await
            .unwrap()
            .reference;
        assert_eq!(rec_a.reference, reference);
        assert_eq!(rec_a.rule, "case_without_action P1Y");
    }
);

both_backends!(
    a_crash_during_an_erasure_leaves_the_whole_case_and_the_next_run_erases_it_once,
    |db: TestDb| async move {
        let store = &db.store;
        let t = team(&db).await;
        let closed = at("2026-12-31T23:30");
        let a = closed_without_action(store, &t, "https://www.tiktok.com/@rellen/video/9", closed)
            .await;
        // The deletion record cannot be written: the erasure fails at its end.
        match store.backend() {
            Backend::Sqlite => sql(
                &db,
                "CREATE TRIGGER fail_records BEFORE INSERT ON retention_deletions \
                 BEGIN SELECT RAISE(ABORT, 'disk full'); END",
            )
            .await
            .unwrap(),
            Backend::Postgres => {
                sql(
                    &db,
                    "CREATE FUNCTION fail_records() RETURNS trigger LANGUAGE plpgsql AS \
                     $$ BEGIN RAISE EXCEPTION 'disk full'; END; $$",
                )
                .await
                .unwrap();
                sql(
                    &db,
                    "CREATE TRIGGER fail_records BEFORE INSERT ON retention_deletions \
                     FOR EACH ROW EXECUTE FUNCTION fail_records()",
                )
                .await
                .unwrap();
            }
        }
        let objects = EvidenceStore::open("", &test_config().data_dir).unwrap();
        // A year after New Year's Eve 2026, 23:30 Dutch time.
        let due = at("2027-12-31T23:30");
        assert!(
            retention::run_once(store, &objects, &Schedule::default(), due)
                .await
                .is_err()
        );
        assert!(!erased(store, a).await);
        let url = one(
            &db,
            "SELECT submitted_url FROM report_links WHERE case_id = $1",
            a,
        )
        .await;
        assert_eq!(
            url.as_deref(),
            Some("https://www.tiktok.com/@rellen/video/9")
        );
        assert_eq!(
            count(&db, "SELECT CAST(COUNT(*) AS BIGINT) FROM evidence").await,
            1
        );
        assert!(audit::verify(store, None).await.unwrap().is_ok());
        match store.backend() {
            Backend::Sqlite => sql(&db, "DROP TRIGGER fail_records").await.unwrap(),
            Backend::Postgres => sql(&db, "DROP TRIGGER fail_records ON retention_deletions")
                .await
                .unwrap(),
        }
        let r = retention::run_once(store, &objects, &Schedule::default(), due)
            .await
            .unwrap();
        assert_eq!((r.evidence, r.cases), (1, 1), "{r:?}");
        assert!(erased(store, a).await);
        let records =
            "SELECT CAST(COUNT(*) AS BIGINT) FROM retention_deletions WHERE item_count = 1";
        assert_eq!(count(&db, records).await, 2);
        assert!(audit::verify(store, None).await.unwrap().is_ok());
        // The erased case keeps its skeleton; its history can no longer be edited.
        assert!(sql(
            &db,
            &format!("UPDATE case_events SET note = 'x' WHERE case_id = {a}")
        )
        .await
        .is_err());
        assert!(sql(&db, "UPDATE audit_log SET details = 'x' WHERE seq = 1")
            .await
            .is_err());
    }
);

both_backends!(
    a_hold_needs_a_reason_and_a_supervisor_and_bad_input_changes_nothing,
    |db: TestDb| async move {
        let store = &db.store;
        let t = team(&db).await;
        let (_, case_id) = submit_report(
            store,
            t.cast.o.amsterdam,
            &t.cast.ams,
            "https://www.tiktok.com/@rellen/video/5",
        )
        .await;
        let boss = ctx(store, &t.supervisor, now_ms()).await;
        for bad in ["", "   ", &"x".repeat(1001)] {
            assert!(matches!(
                retention::place_hold(store, &boss, case_id, bad).await,
                Err(ServiceError::Invalid {
                    field: "reason",
                    ..
                })
            ));
        }
        assert!(retention_store::hold(store, case_id)
            .await
            .unwrap()
            .is_none());
        assert!(matches!(
            retention::place_hold(store, &boss, 999_999, "Reden").await,
            Err(ServiceError::NotFound) | Err(ServiceError::Store(_))
        ));
        assert!(matches!(
            retention::lift_hold(store, &boss, case_id).await,
            Err(ServiceError::Unprocessable(_))
        ));
        retention::place_hold(store, &boss, case_id, "Lopend strafrechtelijk onderzoek")
            .await
            .unwrap();
        assert!(matches!(
            retention::place_hold(store, &boss, case_id, "Nog een").await,
            Err(ServiceError::Unprocessable(_))
        ));
        let h = retention_store::hold(store, case_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(h.reason, "Lopend strafrechtelijk onderzoek");
        assert_eq!(h.placed_by, Some(t.supervisor.id));
        assert_eq!(trail(store, "legal_hold.placed").await.len(), 1);
        retention::lift_hold(store, &boss, case_id).await.unwrap();
        assert_eq!(trail(store, "legal_hold.lifted").await.len(), 1);
        assert!(retention_store::holds(store).await.unwrap().is_empty());
    }
);

both_backends!(
    sign_in_records_and_notifications_go_after_their_periods,
    |db: TestDb| async move {
        let store = &db.store;
        let t = team(&db).await;
        let app = TestApp::new(store);
        let mut c = app.client();
        c.sign_in(&t.cast.ams).await;
        let sign_ins = trail(store, "sign_in.password").await;
        assert!(!sign_ins.is_empty());
        assert!(sign_ins.iter().all(|e| e.actor_label.contains('@')));
        let (_, case_id) = submit_report(
            store,
            t.cast.o.amsterdam,
            &t.cast.ams,
            "https://www.tiktok.com/@rellen/video/6",
        )
        .await;
        // A status change tells the municipality, in the application.
        let c = ctx(store, &t.cast.analyst, now_ms()).await;
        case_service::move_case(
            store,
            &Settings::default(),
            &c,
            case_id,
            CaseStatus::InTriage,
            "",
        )
        .await
        .unwrap();
        let notifications = "SELECT CAST(COUNT(*) AS BIGINT) FROM notifications";
        assert!(count(&db, notifications).await > 0);
        let devices = "SELECT CAST(COUNT(*) AS BIGINT) FROM known_devices";
        assert!(
            count(&db, devices).await > 0,
            "the sign-in made a known device"
        );
        let now = now_ms();
        // After 30 days the notifications go; the sign-in records stay for six months.
        let r = run(store, now + 31 * 86_400_000).await;
        assert!(r.records > 0);
        assert_eq!(count(&db, notifications).await, 0);
        assert!(trail(store, "sign_in.password").await[0]
            .actor_label
            .contains('@'));
        assert!(count(&db, devices).await > 0);
        run(store, now + 200 * 86_400_000).await;
        assert_eq!(count(&db, devices).await, 0);
        let after = trail(store, "sign_in.password").await;
        assert_eq!(after.len(), sign_ins.len());
        assert!(after
            .iter()
            .all(|e| e.actor_label.is_empty() && e.erased_at.is_some()));
        assert!(audit::verify(store, None).await.unwrap().is_ok());
    }
);

both_backends!(
    the_case_page_places_and_lifts_a_hold_and_the_schedule_page_shows_what_is_due,
    |db: TestDb| async move {
        let store = &db.store;
        let t = team(&db).await;
        let now = now_ms();
        let day = 86_400_000;
        // Closed a year minus ten days ago: due within the page's 30 days. Closed two years
        // ago: erased by a run now.
        let soon = closed_without_action(
            store,
            &t,
            "https://www.tiktok.com/@rellen/video/20",
            now - 355 * day,
        )
        .await;
        let gone = closed_without_action(
            store,
            &t,
            "https://www.tiktok.com/@rellen/video/21",
            now - 730 * day,
        )
        .await;
        let gone_ref = meldpunt::store::cases::get(store, gone)
            .await
            .unwrap()
            .reference;
        assert_eq!(run(store, now).await.cases, 1);

        let app = TestApp::new(store);
        // An analyst may not place a hold; the case is unchanged.
        let mut analyst = app.signed_in(&t.cast.analyst).await;
        let path = format!("/zaken/{soon}/bewaarplicht");
        let r = analyst.post(&path, &[("reason", "Onderzoek")]).await;
        assert_eq!(r.status, axum::http::StatusCode::FORBIDDEN);
        let r = analyst.get(&format!("/zaken/{soon}")).await;
        assert!(!r.body.contains("bewaarplicht/opheffen"));
        assert!(!r.body.contains(&format!("action=\"{path}\"")));
        assert_eq!(
            analyst.get("/beheer/bewaartermijnen").await.status,
            axum::http::StatusCode::FORBIDDEN
        );

        let mut boss = app.signed_in(&t.supervisor).await;
        // Without a reason: the page says why, and nothing is held.
        let r = boss.post(&path, &[("reason", "  ")]).await;
        assert_eq!(r.status, axum::http::StatusCode::CONFLICT);
        assert!(
            r.body.contains("Geef de reden van de bewaarplicht"),
            "{}",
            r.body
        );
        assert!(retention_store::hold(store, soon).await.unwrap().is_none());
        // The schedule page: the periods in words, what falls due within 30 days, the
        // deletion record of the erased case.
        let r = boss.get("/beheer/bewaartermijnen").await;
        assert_eq!(r.status, axum::http::StatusCode::OK);
        assert!(r.body.contains("5 jaar"));
        assert!(r.body.contains("<code>P1Y</code>"));
        let due_row = "Zaak gesloten zonder bericht aan een platform of burgemeester</th><td class=\"utrecht-table__cell utrecht-table__cell--numeric\">";
        assert!(r.body.contains(&format!("{due_row}1</td>")), "{}", r.body);
        assert!(r.body.contains(&gone_ref));
        assert!(r.body.contains("Er zijn geen zaken met een bewaarplicht."));

        // With a reason: held, on the case and the schedule page, no longer due.
        let r = boss
            .post(&path, &[("reason", "Verzoek van de rechter-commissaris")])
            .await;
        assert_eq!(r.status, axum::http::StatusCode::SEE_OTHER);
        assert_eq!(r.location(), format!("/zaken/{soon}#bewaarplicht"));
        let r = boss.get(&format!("/zaken/{soon}")).await;
        assert!(r.body.contains("Verzoek van de rechter-commissaris"));
        let r = boss.get("/beheer/bewaartermijnen").await;
        assert!(r.body.contains("Verzoek van de rechter-commissaris"));
        assert!(r.body.contains(&format!("{due_row}0</td>")), "{}", r.body);
        // Held twice is refused with a message; lifting works once.
        let r = boss.post(&path, &[("reason", "Nog een reden")]).await;
        assert_eq!(r.status, axum::http::StatusCode::CONFLICT);
        assert!(r.body.contains("valt al onder een bewaarplicht"));
        let lift = format!("/zaken/{soon}/bewaarplicht/opheffen");
        assert_eq!(
            boss.post(&lift, &[]).await.status,
            axum::http::StatusCode::SEE_OTHER
        );
        let r = boss.post(&lift, &[]).await;
        assert_eq!(r.status, axum::http::StatusCode::CONFLICT);
        assert!(r.body.contains("valt niet onder een bewaarplicht"));
        // The erased case's page says so and offers no hold.
        let r = boss.get(&format!("/zaken/{gone}")).await;
        assert!(r.body.contains("zijn verwijderd volgens de bewaartermijn"));
        assert!(!r.body.contains(&format!("/zaken/{gone}/bewaarplicht")));
        assert_eq!(trail(store, "legal_hold.placed").await.len(), 1);
        assert_eq!(trail(store, "legal_hold.lifted").await.len(), 1);
    }
);

both_backends!(
    audit_verify_passes_before_and_after_a_retention_run_also_against_the_old_head,
    |db: TestDb| async move {
        use crate::cli::meldpunt;
        let store = &db.store;
        let t = team(&db).await;
        let now = now_ms();
        let case_id = closed_without_action(
            store,
            &t,
            "https://www.tiktok.com/@rellen/video/30",
            now - 800 * 86_400_000,
        )
        .await;
        let (code, out, _) = meldpunt(&db, &["audit", "verify"]);
        assert_eq!(code, 0, "{out}");
        let (_, head, _) = meldpunt(&db, &["audit", "head"]);
        let head = head.trim().to_string();
        let r = run(store, now).await;
        assert_eq!(r.cases, 1);
        assert!(r.audit_erased > 0);
        assert!(erased(store, case_id).await);
        // The chain, the erasures in it, and the head exported before the run all check.
        let (code, out, err) = meldpunt(&db, &["audit", "verify"]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.starts_with("OK:"), "{out}");
        let (code, out, err) = meldpunt(&db, &["audit", "verify", "--head", &head]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(!trail(store, "audit.erased").await.is_empty());
        // An entry erased behind the trail's back (fields blanked as an erasure does, but no
        // audit.erased entry names it) is named.
        crate::audit_chain::drop_guards(&db).await;
        crate::audit_chain::tamper(
            &db,
            "UPDATE audit_log SET actor_label = '', origin = '', details = '', salt = '', \
             erased_at = 1 WHERE seq = (SELECT MAX(seq) FROM audit_log \
             WHERE erased_at IS NULL AND hash_version = 2 AND action <> 'audit.erased')",
        )
        .await;
        let (code, out, _) = meldpunt(&db, &["audit", "verify"]);
        assert_eq!(code, 2, "{out}");
        assert!(
            out.contains("no later audit.erased entry records that"),
            "{out}"
        );
    }
);

both_backends!(
    a_reopened_case_is_kept_while_open_and_counts_from_its_last_closure,
    |db: TestDb| async move {
        let store = &db.store;
        let t = team(&db).await;
        let url = "https://www.tiktok.com/@rellen/video/21";
        let first = at("2027-01-05T10:00");
        let case = closed_without_action(store, &t, url, first).await;
        // Another municipality reports the same video: the case opens again.
        submit_report(store, t.cast.o.rotterdam, &t.cast.rdam, url).await;
        let reopened = meldpunt::store::cases::get(store, case).await.unwrap();
        assert!(reopened.status.is_open(), "{:?}", reopened.status);
        // A year after the first closure the open case stays.
        assert_eq!(run(store, at("2028-01-06T10:00")).await.cases, 0);
        assert!(!erased(store, case).await);
        // Closed again: a year counts from the second closure, not the first.
        let second = at("2028-03-01T10:00");
        let c = ctx(store, &t.cast.analyst, second).await;
        let s = Settings::default();
        case_service::move_case(store, &s, &c, case, CaseStatus::InTriage, "")
            .await
            .unwrap();
        case_service::move_case(store, &s, &c, case, CaseStatus::Closed, "Geen oproep.")
            .await
            .unwrap();
        assert_eq!(run(store, at("2029-02-28T10:00")).await.cases, 0);
        assert!(!erased(store, case).await);
        assert_eq!(run(store, at("2029-03-01T10:00")).await.cases, 1);
        assert!(erased(store, case).await);
    }
);
