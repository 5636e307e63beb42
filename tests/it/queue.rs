//! The analysts' queue at scale: computed by the database, never truncated, most pressing
//! first in exactly the order `domain::case::prioritise` gives, paged.

use axum::http::StatusCode;
use meldpunt::domain::case::{prioritise, CaseFigures, CaseStatus, QueueEntry, QueueSort};
use meldpunt::domain::link::{CanonicalLink, Platform};
use meldpunt::domain::report::{Category, Urgency};
use meldpunt::service::now_ms;
use meldpunt::store::cases::{self, QueueQuery};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config as PropConfig, TestRunner};

use crate::both_backends;
use crate::support::*;

const HOUR: i64 = 3_600_000;

/// One generated case: urgency, deadline and expected start relative to now,
/// municipalities, first report relative to now, status.
type Spec = (Urgency, i64, Option<i64>, i64, i64, CaseStatus);

fn spec() -> impl Strategy<Value = Spec> {
    (
        prop::sample::select(Urgency::ALL.to_vec()),
        -48 * HOUR..96 * HOUR,
        prop::option::of(-24 * HOUR..72 * HOUR),
        1i64..6,
        -72 * HOUR..0,
        prop::sample::select(CaseStatus::ALL.to_vec()),
    )
}

/// Replaces every case in the database by `specs`; returns the queue entries the domain
/// would see for them.
async fn fill(db: &TestDb, specs: &[Spec], now: i64, round: usize) -> Vec<QueueEntry> {
    sql(db, "DELETE FROM cases").await.unwrap();
    let mut tx = db.store.begin_write().await.unwrap();
    let mut entries = Vec::new();
    for (i, (urgency, deadline, start, munis, first, status)) in specs.iter().enumerate() {
        // Two platforms, so that the queue is filtered by one.
        let (platform, domain) = if i % 3 == 1 {
            (Platform::X, "x.com")
        } else {
            (Platform::TikTok, "tiktok.com")
        };
        let link = CanonicalLink {
            url: format!("https://{domain}/q/status/{round}{i:05}"),
            platform,
            domain: domain.into(),
        };
        let f = CaseFigures {
            urgency: *urgency,
            deadline_at: now + deadline,
            expected_start_at: start.map(|s| now + s),
            municipality_count: *munis,
            report_count: *munis,
            categories: vec![Category::CallToGather],
            first_reported_at: now + first,
            last_reported_at: now + first,
            all_withdrawn: false,
        };
        let id = cases::insert(&mut tx, &format!("ZAAK-Q{round}-{i}"), &link, &f, now)
            .await
            .unwrap()
            .unwrap();
        entries.push((
            id,
            QueueEntry {
                case_id: id,
                status: *status,
                platform,
                urgency: *urgency,
                deadline_at: f.deadline_at,
                expected_start_at: f.expected_start_at,
                municipality_count: *munis,
                first_reported_at: f.first_reported_at,
            },
        ));
    }
    tx.commit().await.unwrap();
    for status in CaseStatus::ALL {
        let ids: Vec<String> = entries
            .iter()
            .filter(|(_, e)| e.status == status)
            .map(|(id, _)| id.to_string())
            .collect();
        if !ids.is_empty() && status != CaseStatus::Received {
            sql(
                db,
                &format!(
                    "UPDATE cases SET status = '{}' WHERE id IN ({})",
                    status.as_str(),
                    ids.join(",")
                ),
            )
            .await
            .unwrap();
        }
    }
    entries.into_iter().map(|(_, e)| e).collect()
}

/// Every page of the store's queue for `q`, one after the other.
async fn all_pages(db: &TestDb, q: &QueueQuery, now: i64, per_page: i64) -> (Vec<i64>, i64, i64) {
    let mut ids = Vec::new();
    let mut offset = 0;
    loop {
        let page = cases::queue(&db.store, q, now, offset, per_page)
            .await
            .unwrap();
        assert!(page.cases.len() as i64 <= per_page);
        let done = page.cases.is_empty();
        ids.extend(page.cases.iter().map(|c| c.id));
        if done {
            return (ids, page.total, page.overdue);
        }
        offset += per_page;
    }
}

both_backends!(
    paging_through_the_stores_queue_gives_exactly_the_domains_order,
    |db: TestDb| async move {
        seed_orgs(&db.store).await;
        let now = now_ms();
        let mut runner = TestRunner::new(PropConfig::with_cases(24));
        let sets = prop::collection::vec(spec(), 0..130);
        for round in 0..24 {
            let mut specs = sets.new_tree(&mut runner).unwrap().current();
            // Every third round: a larger set in which overdue cases are rare (about one in
            // 150), as in a surge of fresh reports — the queue then reads them differently.
            if round % 3 == 2 {
                let more = sets.new_tree(&mut runner).unwrap().current();
                let again = sets.new_tree(&mut runner).unwrap().current();
                specs.extend(more);
                specs.extend(again);
                for (i, s) in specs.iter_mut().enumerate() {
                    if i % 150 != 7 {
                        s.1 = s.1.abs() + HOUR;
                    }
                }
            }
            let entries = fill(&db, &specs, now, round).await;
            // The counts are exact whether or not the totals' changes were folded yet.
            if round % 2 == 1 {
                cases::fold_queue_totals(&db.store).await.unwrap();
            }
            // A chosen set (as "awaiting approval" is): every third case.
            let chosen: Vec<i64> = entries.iter().map(|e| e.case_id).step_by(3).collect();
            for (q, keep) in [
                (QueueQuery::default(), None),
                (
                    QueueQuery {
                        overdue: Some(true),
                        ..Default::default()
                    },
                    Some(true),
                ),
                (
                    QueueQuery {
                        overdue: Some(false),
                        urgency: Some(Urgency::High),
                        ..Default::default()
                    },
                    Some(false),
                ),
                (
                    QueueQuery {
                        overdue: Some(false),
                        urgency: Some(Urgency::Acute),
                        ..Default::default()
                    },
                    Some(false),
                ),
                (
                    QueueQuery {
                        overdue: Some(true),
                        urgency: Some(Urgency::Normal),
                        ..Default::default()
                    },
                    Some(true),
                ),
                (
                    QueueQuery {
                        urgency: Some(Urgency::Normal),
                        statuses: vec![CaseStatus::InTriage, CaseStatus::Decided],
                        ..Default::default()
                    },
                    None,
                ),
                (
                    QueueQuery {
                        platform: Some(Platform::X),
                        ..Default::default()
                    },
                    None,
                ),
                (
                    QueueQuery {
                        platform: Some(Platform::TikTok),
                        overdue: Some(false),
                        ..Default::default()
                    },
                    Some(false),
                ),
                (
                    QueueQuery {
                        case_ids: Some(chosen.clone()),
                        ..Default::default()
                    },
                    None,
                ),
            ] {
                let mut want: Vec<QueueEntry> = entries
                    .iter()
                    .filter(|e| {
                        if q.statuses.is_empty() {
                            e.status.is_open()
                        } else {
                            q.statuses.contains(&e.status)
                        }
                    })
                    .filter(|e| keep.is_none_or(|late| e.is_overdue(now) == late))
                    .filter(|e| q.urgency.is_none_or(|u| e.urgency == u))
                    .filter(|e| q.platform.is_none_or(|p| e.platform == p))
                    .filter(|e| {
                        q.case_ids
                            .as_ref()
                            .is_none_or(|ids| ids.contains(&e.case_id))
                    })
                    .cloned()
                    .collect();
                prioritise(&mut want, now);
                let want_ids: Vec<i64> = want.iter().map(|e| e.case_id).collect();
                let per_page = [7, 50][round % 2];
                let (got, total, overdue) = all_pages(&db, &q, now, per_page).await;
                assert_eq!(got, want_ids, "round {round}, {q:?}");
                assert_eq!(total, want.len() as i64);
                assert_eq!(
                    overdue,
                    want.iter().filter(|e| e.is_overdue(now)).count() as i64
                );
                // Pressing cases first: no case that is not pressing before one that is.
                let pressing: Vec<bool> = want.iter().map(|e| e.is_pressing(now)).collect();
                assert!(pressing.windows(2).all(|w| w[0] >= w[1]));
                // The sortable columns: the same selection, in the order `QueueSort` gives.
                for sort in [QueueSort::Deadline, QueueSort::Newest, QueueSort::Spread] {
                    let mut sorted = want.clone();
                    sorted.sort_by(|a, b| sort.compare(a, b, now));
                    let sorted_ids: Vec<i64> = sorted.iter().map(|e| e.case_id).collect();
                    let by = QueueQuery {
                        sort: Some(sort),
                        ..q.clone()
                    };
                    let (got, total, _) = all_pages(&db, &by, now, per_page).await;
                    assert_eq!(got, sorted_ids, "round {round}, {by:?}");
                    assert_eq!(total, sorted.len() as i64);
                }
            }
        }
    }
);

both_backends!(
    the_queue_page_shows_pressing_cases_first_with_exact_counts_and_pages_of_fifty,
    |db: TestDb| async move {
        let t = crate::notices::team(&db).await;
        let now = now_ms();
        // 120 ordinary cases, then two acute ones reported first.
        let mut specs: Vec<Spec> = (0..120)
            .map(|i| {
                (
                    Urgency::Normal,
                    70 * HOUR,
                    Some(48 * HOUR),
                    1,
                    -i * 60_000,
                    CaseStatus::Received,
                )
            })
            .collect();
        specs.push((
            Urgency::Acute,
            HOUR,
            None,
            1,
            -100 * HOUR,
            CaseStatus::InTriage,
        ));
        specs.push((
            Urgency::High,
            -HOUR,
            None,
            1,
            -101 * HOUR,
            CaseStatus::Received,
        ));
        fill(&db, &specs, now, 99).await;
        let app = TestApp::new(&db.store);
        let mut c = app.signed_in(&t.cast.analyst).await;
        let first = c.get("/zaken").await;
        assert_eq!(first.status, StatusCode::OK);
        assert_eq!(
            first.body.matches("href=\"/zaken/").count(),
            50,
            "50 rows a page"
        );
        let acute = first
            .body
            .find("ZAAK-Q99-120")
            .expect("the acute case is on page 1");
        let late = first
            .body
            .find("ZAAK-Q99-121")
            .expect("the late case is on page 1");
        let ordinary = first.body.find("ZAAK-Q99-0<").unwrap_or(usize::MAX);
        assert!(acute < late && late < ordinary);
        assert!(
            first.body.contains("122 zaken, waarvan 1 te laat."),
            "{}",
            first.body
        );
        assert!(first.body.contains("Pagina 1 van 3"));
        assert!(first.body.contains("href=\"/zaken?pagina=2\""));
        // The sortable columns: the current order marked, each header a link to its order,
        // and the pages keep it.
        assert!(first.body.contains("aria-sort=\"other\""));
        assert!(
            first.body.contains("href=\"/zaken?sorteer=termijn\""),
            "{}",
            first.body
        );
        let by_deadline = c.get("/zaken?sorteer=termijn").await;
        assert_eq!(by_deadline.status, StatusCode::OK);
        assert!(by_deadline.body.contains("aria-sort=\"ascending\""));
        let late_at = by_deadline.body.find("ZAAK-Q99-121").unwrap();
        let acute_at = by_deadline.body.find("ZAAK-Q99-120").unwrap();
        assert!(late_at < acute_at, "soonest deadline first");
        assert!(by_deadline
            .body
            .contains("href=\"/zaken?sorteer=termijn&#38;pagina=2\""));
        // The last page, filters kept in the links, and pages beyond the end.
        let last = c.get("/zaken?termijn=op-tijd&pagina=3").await;
        assert_eq!(last.status, StatusCode::OK);
        assert!(
            last.body.contains("121 zaken, waarvan 0 te laat."),
            "{}",
            last.body
        );
        assert_eq!(last.body.matches("href=\"/zaken/").count(), 21);
        assert!(
            last.body
                .contains("href=\"/zaken?termijn=op-tijd&#38;pagina=2\""),
            "{}",
            last.body
        );
        for bad in [
            "pagina=99",
            "pagina=-1",
            "pagina=x",
            "pagina=99999999999",
            "urgentie=zeer",
            "status=onzin",
        ] {
            let r = c.get(&format!("/zaken?{bad}")).await;
            assert_eq!(r.status, StatusCode::OK, "{bad}");
        }
        let beyond = c.get("/zaken?pagina=99").await;
        assert!(
            beyond.body.contains("Deze pagina bestaat niet"),
            "{}",
            beyond.body
        );
        // The start page counts the same, without loading the cases.
        let start = c.get("/start").await;
        assert!(start.body.contains("122"), "{}", start.body);
    }
);

/// `(status, urgency, platform, cases)` by `statement`, sorted.
async fn groups(db: &TestDb, statement: &str) -> Vec<(String, String, String, i64)> {
    use sqlx::{Connection, Row};
    let mut conn = sqlx::AnyConnection::connect(&db.url).await.unwrap();
    let rows = sqlx::query(statement).fetch_all(&mut conn).await.unwrap();
    let mut out: Vec<_> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get::<i64, _>(3)))
        .filter(|g: &(String, String, String, i64)| g.3 != 0)
        .collect();
    out.sort();
    conn.close().await.unwrap();
    out
}

both_backends!(
    the_queue_totals_always_equal_a_count_of_the_cases,
    |db: TestDb| async move {
        seed_orgs(&db.store).await;
        let now = now_ms();
        let counted = "SELECT status, urgency, platform, CAST(COUNT(*) AS BIGINT) FROM cases \
                       GROUP BY status, urgency, platform";
        let kept = "SELECT status, urgency, platform, CAST(SUM(n) AS BIGINT) FROM (\
                    SELECT status, urgency, platform, cases AS n FROM queue_totals UNION ALL \
                    SELECT status, urgency, platform, change FROM queue_total_changes) AS x \
                    GROUP BY status, urgency, platform";
        let mut runner = TestRunner::new(PropConfig::with_cases(8));
        let sets = prop::collection::vec(spec(), 1..60);
        for round in 0..8 {
            let specs = sets.new_tree(&mut runner).unwrap().current();
            // Inserts, status changes (`fill`), and then changes of urgency and platform, a
            // change that changes nothing, and deletions: every write the triggers must see.
            fill(&db, &specs, now, round).await;
            assert_eq!(groups(&db, kept).await, groups(&db, counted).await);
            if round % 2 == 0 {
                cases::fold_queue_totals(&db.store).await.unwrap();
                assert_eq!(groups(&db, kept).await, groups(&db, counted).await);
            }
            for statement in [
                "UPDATE cases SET urgency = 'acute' WHERE id % 4 = 0",
                "UPDATE cases SET platform = 'youtube', urgency = 'normal' WHERE id % 5 = 1",
                "UPDATE cases SET municipality_count = municipality_count + 1",
                "UPDATE cases SET status = status",
                "DELETE FROM cases WHERE id % 7 = 3",
            ] {
                sql(&db, statement).await.unwrap();
                assert_eq!(
                    groups(&db, kept).await,
                    groups(&db, counted).await,
                    "after {statement}"
                );
            }
            cases::fold_queue_totals(&db.store).await.unwrap();
            assert_eq!(groups(&db, kept).await, groups(&db, counted).await);
            let folded = groups(
                &db,
                "SELECT status, urgency, platform, change FROM queue_total_changes",
            )
            .await;
            assert!(folded.is_empty(), "changes left after folding: {folded:?}");
        }
    }
);
