//! Storage behaviour, the same on SQLite and PostgreSQL.

use meldpunt::domain::audit::{AuditAction, Outcome};
use meldpunt::domain::org::{NewOrganisation, OrgKind};
use meldpunt::domain::user::{NewUser, Role, UserStatus};
use meldpunt::service::{accounts, orgs as org_service, ServiceError};
use meldpunt::store::{audit, orgs, users, StoreError};

use crate::both_backends;
use crate::support::*;

both_backends!(
    importing_municipalities_twice_adds_them_once,
    |db: TestDb| async move {
        let ctx = cli_ctx();
        assert_eq!(
            org_service::import_municipalities(&db.store, &ctx)
                .await
                .unwrap(),
            342
        );
        let entries = audit::count(&db.store).await.unwrap();
        assert_eq!(
            org_service::import_municipalities(&db.store, &ctx)
                .await
                .unwrap(),
            0
        );
        assert_eq!(orgs::count(&db.store).await.unwrap(), 342);
        assert_eq!(
            audit::count(&db.store).await.unwrap(),
            entries,
            "a no-op import records nothing"
        );
        let utrecht = orgs::by_code(&db.store, "gm0344").await.unwrap();
        assert_eq!(utrecht.name, "Utrecht");
        assert_eq!(utrecht.safety_region.as_deref(), Some("Utrecht"));
        assert!(utrecht.lat.is_some());
    }
);

both_backends!(
    a_duplicate_organisation_code_is_refused_and_changes_nothing,
    |db: TestDb| async move {
        let ctx = cli_ctx();
        let org = NewOrganisation::new(OrgKind::Municipality, "GM0363", "Amsterdam", None).unwrap();
        org_service::create(&db.store, &ctx, &org).await.unwrap();
        let entries = audit::count(&db.store).await.unwrap();
        let again = org_service::create(&db.store, &ctx, &org).await;
        assert!(
            matches!(again, Err(ServiceError::Conflict(m)) if m.key == "org.code_taken" && m.to_string().contains("GM0363"))
        );
        assert_eq!(orgs::count(&db.store).await.unwrap(), 1);
        assert_eq!(audit::count(&db.store).await.unwrap(), entries);
    }
);

both_backends!(
    a_duplicate_account_is_refused_and_changes_nothing,
    |db: TestDb| async move {
        let o = seed_orgs(&db.store).await;
        let ctx = cli_ctx();
        let new = NewUser::new("jan@amsterdam.nl", "Jan", Role::Reporter).unwrap();
        accounts::create_user(&db.store, &ctx, o.amsterdam, &new)
            .await
            .unwrap();
        let entries = audit::count(&db.store).await.unwrap();
        let upper = NewUser::new("JAN@Amsterdam.nl", "Jan 2", Role::Reporter).unwrap();
        let again = accounts::create_user(&db.store, &ctx, o.rotterdam, &upper).await;
        assert!(matches!(again, Err(ServiceError::Conflict(_))));
        assert_eq!(users::count(&db.store).await.unwrap(), 1);
        assert_eq!(audit::count(&db.store).await.unwrap(), entries);
    }
);

both_backends!(
    a_role_that_does_not_fit_the_organisation_is_refused,
    |db: TestDb| async move {
        let o = seed_orgs(&db.store).await;
        let new = NewUser::new("analist@amsterdam.nl", "A", Role::Analyst).unwrap();
        let r = accounts::create_user(&db.store, &cli_ctx(), o.amsterdam, &new).await;
        assert!(matches!(
            r,
            Err(ServiceError::Invalid { field: "role", .. })
        ));
        assert_eq!(users::count(&db.store).await.unwrap(), 0);
    }
);

both_backends!(
    an_activation_link_works_once_and_reset_issues_a_new_one,
    |db: TestDb| async move {
        let o = seed_orgs(&db.store).await;
        let ctx = cli_ctx();
        let new = NewUser::new("eva@rotterdam.nl", "Eva", Role::Reporter).unwrap();
        let a = accounts::create_user(&db.store, &ctx, o.rotterdam, &new)
            .await
            .unwrap();
        let short = accounts::activate(&db.store, &ctx, &a.token, "kort", "kort").await;
        assert!(matches!(
            short,
            Err(ServiceError::Invalid {
                field: "password",
                ..
            })
        ));
        accounts::activate(&db.store, &ctx, &a.token, PASSWORD, PASSWORD)
            .await
            .unwrap();
        let twice = accounts::activate(&db.store, &ctx, &a.token, PASSWORD, PASSWORD).await;
        assert!(matches!(twice, Err(ServiceError::NotFound)));
        assert_eq!(
            users::get(&db.store, a.user_id).await.unwrap().status,
            UserStatus::Active
        );

        let b = accounts::reset_user(&db.store, &ctx, a.user_id)
            .await
            .unwrap();
        let user = users::get(&db.store, a.user_id).await.unwrap();
        assert_eq!(user.status, UserStatus::Pending);
        assert!(user.password_hash.is_none() && user.totp_secret.is_none());
        accounts::activate(
            &db.store,
            &ctx,
            &b.token,
            "nog een lang wachtwoord",
            "nog een lang wachtwoord",
        )
        .await
        .unwrap();
    }
);

both_backends!(
    an_expired_activation_link_is_refused,
    |db: TestDb| async move {
        let o = seed_orgs(&db.store).await;
        let ctx = cli_ctx();
        let new = NewUser::new("laat@rotterdam.nl", "Laat", Role::Reporter).unwrap();
        let a = accounts::create_user(&db.store, &ctx, o.rotterdam, &new)
            .await
            .unwrap();
        let later = meldpunt::service::Ctx {
            now: ctx.now + accounts::ACTIVATION_VALID_MS + 1,
            ..ctx
        };
        let r = accounts::activate(&db.store, &later, &a.token, PASSWORD, PASSWORD).await;
        assert!(matches!(r, Err(ServiceError::NotFound)));
    }
);

both_backends!(
    every_change_leaves_exactly_one_audit_entry_in_the_same_transaction,
    |db: TestDb| async move {
        let before = audit::count(&db.store).await.unwrap();
        let o = seed_orgs(&db.store).await;
        assert_eq!(audit::count(&db.store).await.unwrap(), before + 4);
        let p = make_person(&db.store, o.amsterdam, "x@amsterdam.nl", Role::Reporter).await;
        let entries = audit::list(
            &db.store,
            meldpunt::domain::policy::AuditScope::All,
            &audit::AuditFilter::default(),
            10,
            None,
        )
        .await
        .unwrap();
        let newest: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            newest[..2],
            [
                AuditAction::AccountActivated.as_str(),
                AuditAction::UserCreated.as_str()
            ]
        );
        assert_eq!(entries[0].actor_user_id, Some(p.id));
        assert_eq!(entries[0].outcome, Outcome::Success.as_str());
        assert!(audit::verify(&db.store, None).await.unwrap().is_ok());
    }
);

both_backends!(
    a_rolled_back_change_leaves_no_audit_entry,
    |db: TestDb| async move {
        let before = audit::count(&db.store).await.unwrap();
        {
            let mut tx = db.store.begin_write().await.unwrap();
            let org = NewOrganisation::new(OrgKind::PoliceUnit, "POL-X", "X", None).unwrap();
            orgs::insert(&mut tx, &org, 1).await.unwrap();
            let ev = cli_ctx().event(
                AuditAction::OrganisationCreated,
                "organisation",
                1,
                None,
                Outcome::Success,
                serde_json::json!({}),
            );
            audit::append(&mut tx, &ev, 1).await.unwrap();
            // dropped without commit
        }
        assert_eq!(audit::count(&db.store).await.unwrap(), before);
        assert!(matches!(
            orgs::by_code(&db.store, "POL-X").await,
            Err(StoreError::NotFound)
        ));
        assert!(audit::verify(&db.store, None).await.unwrap().is_ok());
    }
);

both_backends!(
    concurrent_appends_keep_one_unbroken_chain,
    |db: TestDb| async move {
        let mut handles = Vec::new();
        for i in 0..8 {
            let store = db.store.clone();
            handles.push(tokio::spawn(async move {
                for j in 0..10 {
                    let ev = cli_ctx().event(
                        AuditAction::ViewedUsers,
                        "test",
                        i * 100 + j,
                        None,
                        Outcome::Success,
                        serde_json::json!({}),
                    );
                    audit::record(&store, &ev, meldpunt::service::now_ms())
                        .await
                        .unwrap();
                }
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
        let v = audit::verify(&db.store, None)
            .await
            .unwrap()
            .expect("chain intact");
        assert_eq!(v.entries, 80);
        assert_eq!(v.head.unwrap().seq, 80);
    }
);

both_backends!(
    the_database_refuses_to_edit_or_delete_audit_entries,
    |db: TestDb| async move {
        seed_orgs(&db.store).await;
        let edit = sql(&db, "UPDATE audit_log SET actor_label = 'x' WHERE seq = 1").await;
        assert!(edit.is_err(), "update must be refused");
        let delete = sql(&db, "DELETE FROM audit_log WHERE seq = 1").await;
        assert!(delete.is_err(), "delete must be refused");
    }
);

both_backends!(
    a_known_device_belongs_to_its_account_and_is_forgotten_after_ninety_days_unused,
    |db: TestDb| async move {
        use meldpunt::domain::throttle::KNOWN_DEVICE_MS;
        use meldpunt::service::{housekeeping, now_ms};
        use meldpunt::store::throttle::{is_known_device, remember_device};
        let o = seed_orgs(&db.store).await;
        let a = make_person(&db.store, o.amsterdam, "a@amsterdam.nl", Role::Reporter).await;
        let b = make_person(&db.store, o.amsterdam, "b@amsterdam.nl", Role::Reporter).await;
        let now = now_ms();
        let mut tx = db.store.begin_write().await.unwrap();
        remember_device(&mut tx, a.id, "shared-browser", now)
            .await
            .unwrap();
        remember_device(&mut tx, b.id, "shared-browser", now - 10)
            .await
            .unwrap();
        // Signing in again refreshes, it does not add.
        remember_device(&mut tx, a.id, "shared-browser", now + 1_000)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(is_known_device(&db.store, a.id, "shared-browser")
            .await
            .unwrap());
        assert!(is_known_device(&db.store, b.id, "shared-browser")
            .await
            .unwrap());
        assert!(!is_known_device(&db.store, a.id, "other-browser")
            .await
            .unwrap());
        let limits = meldpunt::domain::session::SessionLimits::default();
        // b's last sign-in there is 90 days old first: only b's goes.
        housekeeping::run_once(&db.store, &limits, now - 10 + KNOWN_DEVICE_MS + 500)
            .await
            .unwrap();
        assert!(is_known_device(&db.store, a.id, "shared-browser")
            .await
            .unwrap());
        assert!(!is_known_device(&db.store, b.id, "shared-browser")
            .await
            .unwrap());
    }
);

both_backends!(
    housekeeping_removes_expired_sessions_and_old_counters_only,
    |db: TestDb| async move {
        use meldpunt::domain::session::SessionLimits;
        use meldpunt::service::{housekeeping, now_ms};
        use meldpunt::store::sessions;
        let o = seed_orgs(&db.store).await;
        let p = make_person(&db.store, o.amsterdam, "m@amsterdam.nl", Role::Reporter).await;
        let live = session_for(&db.store, &p).await;
        let stale = session_for(&db.store, &p).await;
        let stale_hash = meldpunt::domain::credentials::sha256_hex(&stale);
        let old = now_ms() - 40 * 60 * 1000;
        sql(
            &db,
            &format!("UPDATE sessions SET last_seen_at = {old} WHERE id_hash = '{stale_hash}'"),
        )
        .await
        .unwrap();
        let mut tx = db.store.begin_write().await.unwrap();
        meldpunt::store::throttle::put(
            &mut tx,
            "addr:203.0.113.1",
            &meldpunt::domain::throttle::Counter {
                failures: 3,
                last_failure_at: old - 3_600_000,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let removed = housekeeping::run_once(&db.store, &SessionLimits::default(), now_ms())
            .await
            .unwrap();
        assert_eq!(removed, 2);
        assert_eq!(sessions::count_for_user(&db.store, p.id).await.unwrap(), 1);
        let live_hash = meldpunt::domain::credentials::sha256_hex(&live);
        assert!(sessions::get(&db.store, &live_hash)
            .await
            .unwrap()
            .is_some());
        assert!(
            meldpunt::store::throttle::get(&db.store, "addr:203.0.113.1")
                .await
                .unwrap()
                .is_none()
        );
    }
);

both_backends!(
    a_totp_code_raced_from_two_sessions_signs_in_exactly_once,
    |db: TestDb| async move {
        use meldpunt::service::auth::{self, SecondFactor};
        use meldpunt::service::{now_ms, Ctx};
        let o = seed_orgs(&db.store).await;
        let p = make_person(&db.store, o.central, "analist@meldpunt.nl", Role::Analyst).await;
        let secret = p.totp_secret.clone().unwrap();
        let ctx = Ctx {
            origin: "127.0.0.1".into(),
            ..cli_ctx()
        };
        let mut pending = Vec::new();
        for _ in 0..4 {
            let s = auth::sign_in_password(&db.store, &ctx, &p.email, PASSWORD, None)
                .await
                .unwrap();
            let hash = meldpunt::domain::credentials::sha256_hex(&s.token);
            pending.push(
                meldpunt::store::sessions::get(&db.store, &hash)
                    .await
                    .unwrap()
                    .unwrap(),
            );
        }
        let now = now_ms();
        let code =
            meldpunt::domain::credentials::totp_code_at(&secret, (now / 1000) as u64).unwrap();
        let user = users::get(&db.store, p.id).await.unwrap();
        let mut handles = Vec::new();
        for session in pending {
            let (store, user, code, ctx) = (
                db.store.clone(),
                user.clone(),
                code.clone(),
                Ctx { now, ..ctx.clone() },
            );
            handles.push(tokio::spawn(async move {
                auth::sign_in_second_factor(
                    &store,
                    &ctx,
                    &session,
                    &user,
                    SecondFactor::Totp,
                    &code,
                    None,
                )
                .await
                .is_ok()
            }));
        }
        let mut wins = 0;
        for h in handles {
            if h.await.unwrap() {
                wins += 1;
            }
        }
        assert_eq!(wins, 1, "one code, one sign-in");
    }
);

both_backends!(
    numbers_and_audit_entries_undone_at_a_savepoint_leave_no_gap_and_commit_once,
    |db: TestDb| async move {
        use meldpunt::store::cases::next_number;
        let ctx = cli_ctx();
        let entry = |what: &str| {
            ctx.event(
                AuditAction::OrganisationCreated,
                "test",
                what,
                None,
                Outcome::Success,
                serde_json::json!({}),
            )
        };
        let before = audit::verify(&db.store, None)
            .await
            .unwrap()
            .unwrap()
            .entries;
        let mut tx = db.store.begin_write().await.unwrap();
        assert_eq!(next_number(&mut tx, "test-2026").await.unwrap(), 1);
        assert_eq!(next_number(&mut tx, "test-2026").await.unwrap(), 2);
        audit::append(&mut tx, &entry("kept"), 1).await.unwrap();
        tx.savepoint().await.unwrap();
        assert_eq!(next_number(&mut tx, "test-2026").await.unwrap(), 3);
        assert_eq!(next_number(&mut tx, "other-2026").await.unwrap(), 1);
        audit::append(&mut tx, &entry("undone"), 2).await.unwrap();
        tx.rollback_to_savepoint().await.unwrap();
        assert_eq!(
            next_number(&mut tx, "test-2026").await.unwrap(),
            3,
            "no gap"
        );
        audit::append(&mut tx, &entry("after"), 3).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = db.store.begin_write().await.unwrap();
        assert_eq!(next_number(&mut tx, "test-2026").await.unwrap(), 4);
        assert_eq!(next_number(&mut tx, "other-2026").await.unwrap(), 1);
        drop(tx); // rolled back: nothing taken
        let mut tx = db.store.begin_write().await.unwrap();
        assert_eq!(next_number(&mut tx, "test-2026").await.unwrap(), 4);
        drop(tx);

        let verified = audit::verify(&db.store, None).await.unwrap().unwrap();
        assert_eq!(verified.entries, before + 2, "kept and after, not undone");
        let objects: Vec<String> = trail(&db.store, AuditAction::OrganisationCreated.as_str())
            .await
            .into_iter()
            .filter(|r| r.object_type == "test")
            .map(|r| r.object_id)
            .collect();
        assert_eq!(objects, vec!["after".to_string(), "kept".to_string()]);
    }
);
