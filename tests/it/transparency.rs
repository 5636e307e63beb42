//! The public transparency page and its open data, on both databases: figures counted from
//! what really happened (reports, decisions, notices, answers), no count from 1 to 4 and no
//! personal field in anything published — on data built to tempt it — and a clear message
//! for a year that cannot have figures.

use axum::http::StatusCode;
use meldpunt::domain::notice::Outcome;
use meldpunt::domain::transparency::Year;
use meldpunt::service::notices::{self as notice_service, AnswerInput};
use meldpunt::service::{now_ms, Ctx, Settings};
use meldpunt::store::{notices, users};
use serde_json::Value;

use crate::both_backends;
use crate::delivery::{queue_notices, set_contact};
use crate::notices::{deliver_all, team, Team};
use crate::support::*;

fn this_year() -> i16 {
    Year::containing(now_ms()).unwrap().year
}

/// Every count in the CSV: (table, period, item, platform, measure, value).
fn csv_rows(body: &str) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_reader(body.as_bytes());
    r.records().map(|x| x.unwrap()).collect()
}

fn find<'a>(
    rows: &'a [csv::StringRecord],
    table: &str,
    period: &str,
    item: &str,
    measure: &str,
) -> &'a csv::StringRecord {
    rows.iter()
        .find(|r| &r[0] == table && &r[1] == period && &r[2] == item && &r[7] == measure)
        .unwrap_or_else(|| panic!("no row {table} {period} {item} {measure}"))
}

/// The numbers in the page's table cells.
fn cell_texts(page: &str) -> Vec<String> {
    page.split("<td class=\"utrecht-table__cell utrecht-table__cell--numeric\">")
        .skip(1)
        .map(|p| p.split("</td>").next().unwrap().to_string())
        .collect()
}

/// What a person's data could look like anywhere in a published file.
fn assert_nothing_personal(what: &str, text: &str, t: &Team) {
    for needle in [
        t.cast.ams.email.as_str(),
        t.cast.rdam.email.as_str(),
        t.cast.analyst.email.as_str(),
        t.supervisor.email.as_str(),
        "dsa-notices@tiktok.example",
        "@rellen",
        "@enkel",
        "https://",
        "tiktok.com/",
        "Amsterdam",
        "Rotterdam",
        "MLD-",
        "ZAAK-",
    ] {
        assert!(
            !text.contains(needle),
            "{what} contains personal or identifying data: {needle}"
        );
    }
    // Every person in these tests is called this.
    assert!(!text.contains("Test Persoon"), "{what} names a person");
}

pub async fn answer(store: &meldpunt::store::Store, t: &Team, notice_id: i64, outcome: Outcome) {
    let n = notices::get(store, notice_id).await.unwrap();
    let ctx = Ctx::anonymous("127.0.0.1", now_ms())
        .acting_as(&users::get(store, t.cast.analyst.id).await.unwrap());
    notice_service::record_answer(
        store,
        &Settings::default(),
        &ctx,
        notice_id,
        &[AnswerInput {
            url: n.urls[0].clone(),
            outcome,
            reason: if outcome.needs_reason() {
                "Volgens het platform geen schending.".into()
            } else {
                String::new()
            },
        }],
        now_ms(),
    )
    .await
    .unwrap();
}

both_backends!(
    no_small_count_and_nothing_personal_is_published_on_data_built_to_tempt_it,
    |db: TestDb| async move {
        let t = team(&db).await;
        set_contact(&db.store, &t, "dsa-notices@tiktok.example").await;
        // One platform with two notices (one answered), one municipality with a single report.
        let ids = queue_notices(&db.store, &t, 0, 2).await;
        deliver_all(&db.store).await;
        answer(&db.store, &t, ids[0], Outcome::Removed).await;
        submit_report(
            &db.store,
            t.cast.o.rotterdam,
            &t.cast.rdam,
            "https://www.tiktok.com/@enkel/video/7311111111111111111",
        )
        .await;

        let app = TestApp::new(&db.store);
        let mut visitor = app.client();
        let year = this_year();
        let page = visitor.get(&format!("/transparantie?jaar={year}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let csv = visitor
            .get(&format!("/transparantie/{year}/cijfers.csv"))
            .await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.content_type().starts_with("text/csv"));
        assert!(csv.body.contains("\r\n"), "RFC 4180 line ends");
        let json = visitor
            .get(&format!("/transparantie/{year}/cijfers.json"))
            .await;
        assert_eq!(json.status, StatusCode::OK);

        let rows = csv_rows(&csv.body);
        for r in &rows {
            if &r[7] == "count" || &r[7] == "acted" {
                if let Ok(n) = r[8].parse::<u64>() {
                    assert!(!(1..=4).contains(&n), "published a small count: {r:?}");
                }
                assert_eq!(r[8].is_empty(), &r[9] == "true", "{r:?}");
            }
        }
        // Three reports this year: withheld, and so is whatever would give it away.
        let reports = find(&rows, "overview", &year.to_string(), "reports", "count");
        assert_eq!((&reports[8], &reports[9]), ("", "true"));
        let notices_total = find(&rows, "notices-total", &year.to_string(), "", "count");
        assert_eq!(&notices_total[9], "true");
        let doc: Value = serde_json::from_str(&json.body).unwrap();
        for r in doc["rows"].as_array().unwrap() {
            if r["measure"] == "count" || r["measure"] == "acted" {
                if let Some(n) = r["value"].as_u64() {
                    assert!(!(1..=4).contains(&n), "JSON published a small count: {r}");
                }
            }
        }
        for text in cell_texts(&page.body) {
            assert!(
                !["1", "2", "3", "4"].contains(&text.trim()),
                "the page shows a small count: {text}"
            );
        }
        assert!(page.body.contains("Kleine aantallen tonen we niet"));
        assert_nothing_personal("the page", &page.body, &t);
        assert_nothing_personal("the CSV", &csv.body, &t);
        assert_nothing_personal("the JSON", &json.body, &t);
    }
);

both_backends!(
    the_figures_count_what_happened_and_agree_between_page_csv_and_json,
    |db: TestDb| async move {
        let t = team(&db).await;
        set_contact(&db.store, &t, "dsa-notices@tiktok.example").await;
        let ids = queue_notices(&db.store, &t, 0, 12).await;
        deliver_all(&db.store).await;
        for id in &ids[..6] {
            answer(&db.store, &t, *id, Outcome::Removed).await;
        }
        for id in &ids[6..11] {
            answer(&db.store, &t, *id, Outcome::NoAction).await;
        }
        let app = TestApp::new(&db.store);
        let mut visitor = app.client();
        let year = this_year();
        let y = year.to_string();
        let csv = visitor
            .get(&format!("/transparantie/{year}/cijfers.csv"))
            .await;
        let rows = csv_rows(&csv.body);
        let value = |table: &str, item: &str, measure: &str| {
            find(&rows, table, &y, item, measure)[8].to_string()
        };
        assert_eq!(value("overview", "reports", "count"), "12");
        assert_eq!(value("overview", "cases", "count"), "12");
        assert_eq!(value("decisions-by-class", "illegal", "count"), "12");
        assert_eq!(
            value("decisions-by-decision", "dsa-art16-notice", "count"),
            "12"
        );
        assert_eq!(value("messages-by-kind", "dsa-art16-notice", "count"), "12");
        assert_eq!(value("notices-total", "", "count"), "12");
        // Six removed, five no action, one without an answer (withheld: one).
        assert_eq!(value("notices-total", "", "acted"), "6");
        assert_eq!(value("notices-total", "", "share_acted"), "0.5");
        let removed = rows
            .iter()
            .find(|r| &r[0] == "notices-by-action" && &r[1] == y.as_str() && &r[5] == "removed")
            .unwrap();
        assert_eq!(
            (&removed[6], &removed[8]),
            ("DECISION_VISIBILITY_CONTENT_REMOVED", "6")
        );
        let pending = rows
            .iter()
            .find(|r| &r[0] == "notices-by-action" && &r[1] == y.as_str() && &r[5] == "pending")
            .unwrap();
        assert_eq!(
            &pending[9], "true",
            "one notice without an answer is withheld"
        );
        let median = value("notices-total", "", "median_hours_to_action");
        assert!(median.parse::<f64>().is_ok(), "a median over six: {median}");

        let json = visitor
            .get(&format!("/transparantie/{year}/cijfers.json"))
            .await;
        let doc: Value = serde_json::from_str(&json.body).unwrap();
        let total = doc["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| {
                r["table"] == "notices-total"
                    && r["period"] == y.as_str()
                    && r["measure"] == "count"
            })
            .unwrap()
            .clone();
        assert_eq!(total["value"], 12.0);
        let page = visitor.get(&format!("/transparantie?jaar={year}")).await;
        assert!(page.body.contains("TikTok"));
        assert!(
            page.body.contains(r#"data-label="TikTok" data-value="12""#),
            "the chart"
        );
        assert!(page.body.contains("50,0 %"), "the share, in Dutch");
    }
);

both_backends!(
    a_year_without_figures_gets_a_clear_message,
    |db: TestDb| async move {
        let app = TestApp::new(&db.store);
        let mut visitor = app.client();
        let next = this_year() + 1;
        let r = visitor.get(&format!("/transparantie?jaar={next}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("nog niet begonnen"), "{}", r.body);
        let r = visitor.get("/transparantie?jaar=twintig").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("geen jaar"), "{}", r.body);
        let r = visitor.get("/transparantie?jaar=2019").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("niets vastgelegd"), "{}", r.body);
        let r = visitor.get("/transparantie/2019/cijfers.csv").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("Over 2019 is in meldpunt niets vastgelegd"),
            "{}",
            r.body
        );
        let r = visitor
            .get(&format!("/transparantie/{next}/cijfers.json"))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = visitor.get("/transparantie/2026/cijfers.xlsx").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
);

/// The central administrator's context at `now` (the clock moved forward where a test needs it).
async fn admin_ctx_at(store: &meldpunt::store::Store, t: &Team, now: i64) -> Ctx {
    Ctx::anonymous("127.0.0.1", now).acting_as(&users::get(store, t.admin.id).await.unwrap())
}

async fn set_independence(store: &meldpunt::store::Store, t: &Team, text: &str) {
    let admin = admin_ctx_at(store, t, now_ms()).await;
    meldpunt::service::notice_setup::save_settings(
        store,
        &admin,
        &meldpunt::service::notice_setup::SettingsForm {
            sender_name: "Centraal team meldvoorziening".into(),
            sender_email: "meldpunt@meldpunt.nl".into(),
            independence_statement: text.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

async fn editions(db: &TestDb) -> i64 {
    use sqlx::{Connection, Row};
    let mut conn = sqlx::AnyConnection::connect(&db.url).await.unwrap();
    let n: i64 = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM year_report_editions")
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
    conn.close().await.unwrap();
    n
}

both_backends!(
    the_year_report_is_byte_identical_on_a_rerun_and_a_correction_is_a_marked_new_edition,
    |db: TestDb| async move {
        let t = team(&db).await;
        set_contact(&db.store, &t, "dsa-notices@tiktok.example").await;
        let ids = queue_notices(&db.store, &t, 0, 7).await;
        deliver_all(&db.store).await;
        for id in &ids[..6] {
            answer(&db.store, &t, *id, Outcome::Removed).await;
        }
        let year = this_year();
        let after = Year::new(year).unwrap().to() + 5 * 86_400_000;
        let make = |now: i64, draft: bool| {
            let store = db.store.clone();
            let t = &t;
            async move {
                let ctx = admin_ctx_at(&store, t, now).await;
                meldpunt::service::year_report::make(&store, &ctx, year as i64, draft).await
            }
        };
        let message = |e: meldpunt::service::ServiceError| match e {
            meldpunt::service::ServiceError::Unprocessable(m) => m.key.to_string(),
            other => format!("{other:?}"),
        };
        // Without the explanation of independence nothing is made.
        let e = make(after, false).await.unwrap_err();
        assert_eq!(message(e), "year_report.independence_missing");
        // The year is not over yet: refused, nothing stored; a draft is possible.
        set_independence(
            &db.store,
            &t,
            "Het team beslist zelf; een tweede persoon keurt elk verzoek goed.",
        )
        .await;
        let e = make(now_ms(), false).await.unwrap_err();
        assert_eq!(message(e), "year_report.year_not_over");
        assert_eq!(editions(&db).await, 0);
        let draft = make(now_ms(), true).await.unwrap();
        assert!(!draft.new_edition);
        assert_eq!(editions(&db).await, 0, "a draft stores no edition");

        // After the year: edition 1, and the same bytes again on a second run.
        let first = make(after, false).await.unwrap();
        assert_eq!((first.edition.number, first.new_edition), (1, true));
        let again = make(after + 86_400_000, false).await.unwrap();
        assert_eq!((again.edition.number, again.new_edition), (1, false));
        assert_eq!(first.files, again.files, "byte-identical on a re-run");
        assert_eq!(editions(&db).await, 1);
        let by_provider = String::from_utf8(first.files[1].1.clone()).unwrap();
        // Seven notices, six acted upon, one without an answer: the seven are published, the
        // six would give the one away and are withheld with it.
        assert!(
            by_provider.contains("TikTok,2026-01-01/2026-12-31,7,,,\r\n")
                || by_provider.contains(&format!("TikTok,{year}-01-01/{year}-12-31,7,,,\r\n")),
            "{by_provider}"
        );
        let page = String::from_utf8(first.files.last().unwrap().1.clone()).unwrap();
        assert!(page.contains("Editie 1"));
        assert!(page.contains("een tweede persoon keurt elk verzoek goed"));
        for (name, bytes) in &first.files {
            assert_nothing_personal(name, &String::from_utf8_lossy(bytes), &t);
        }
        // The pending notice (one) is withheld, and with it what would reveal it.
        let by_action = String::from_utf8(first.files[3].1.clone()).unwrap();
        assert!(by_action.contains(",PENDING,pending,\r\n"), "{by_action}");

        // A late answer changes the figures: edition 2, marked as a correction.
        answer(&db.store, &t, ids[6], Outcome::DisabledInNl).await;
        let corrected = make(after + 2 * 86_400_000, false).await.unwrap();
        assert_eq!((corrected.edition.number, corrected.new_edition), (2, true));
        assert_eq!(corrected.edition.replaces.map(|(n, _)| n), Some(1));
        let page = String::from_utf8(corrected.files.last().unwrap().1.clone()).unwrap();
        assert!(page.contains("Gecorrigeerde editie 2"), "{page}");
        assert!(page.contains("vervangt editie 1"));
        let rerun = make(after + 3 * 86_400_000, false).await.unwrap();
        assert_eq!(
            rerun.files, corrected.files,
            "the corrected edition again, byte for byte"
        );
        assert_eq!(editions(&db).await, 2);
        assert_eq!(trail(&db.store, "year_report.edition").await.len(), 2);
    }
);

both_backends!(
    the_report_command_writes_the_files_and_refuses_a_year_it_cannot_report,
    |db: TestDb| async move {
        let (code, _, err) = crate::cli::meldpunt(&db, &["demo"]);
        assert_eq!(code, 0, "{err}");
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join("verslag");
        let year = this_year().to_string();
        let d = dir.to_str().unwrap();
        let (code, stdout, err) =
            crate::cli::meldpunt(&db, &["report", "--year", &year, "--out", d, "--draft"]);
        assert_eq!(code, 0, "{err}");
        assert!(stdout.contains("a draft"), "{stdout}");
        let first: Vec<(String, Vec<u8>)> = [
            "notices.csv",
            "notices-by-provider.csv",
            "notices-by-category.csv",
            "notices-by-action.csv",
            "report.html",
        ]
        .iter()
        .map(|n| (n.to_string(), std::fs::read(dir.join(n)).unwrap()))
        .collect();
        crate::cli::meldpunt(&db, &["report", "--year", &year, "--out", d, "--draft"]);
        for (n, bytes) in &first {
            assert_eq!(
                &std::fs::read(dir.join(n)).unwrap(),
                bytes,
                "{n} changed on a re-run"
            );
        }
        let next = (this_year() + 1).to_string();
        let (code, _, err) = crate::cli::meldpunt(&db, &["report", "--year", &next, "--out", d]);
        assert_ne!(code, 0);
        assert!(err.contains("has not begun"), "{err}");
        let (code, _, err) = crate::cli::meldpunt(&db, &["report", "--year", &year, "--out", d]);
        assert_ne!(code, 0);
        assert!(err.contains("is not over yet"), "{err}");
        let empty = out.path().join("leeg");
        let (code, _, err) = crate::cli::meldpunt(
            &db,
            &[
                "report",
                "--year",
                "2019",
                "--out",
                empty.to_str().unwrap(),
                "--draft",
            ],
        );
        assert_ne!(code, 0);
        assert!(err.contains("Nothing was recorded"), "{err}");
        assert!(!empty.exists(), "nothing written for a year without data");
    }
);
