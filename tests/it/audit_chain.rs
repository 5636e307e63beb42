//! Tampering with the audit trail, as someone with database access would, is caught.

use meldpunt::domain::audit::{entry_hash, ChainFault, HashInput};
use meldpunt::store::{audit, Backend as StoreBackend};

use crate::both_backends;
use crate::support::*;

/// Removes the append-only triggers, as an attacker with database access can.
pub async fn drop_guards(db: &TestDb) {
    match db.store.backend() {
        StoreBackend::Sqlite => {
            sql(db, "DROP TRIGGER audit_log_no_update").await.unwrap();
            sql(db, "DROP TRIGGER audit_log_no_delete").await.unwrap();
        }
        StoreBackend::Postgres => {
            sql(db, "DROP TRIGGER audit_log_no_update ON audit_log")
                .await
                .unwrap();
        }
    }
}

pub async fn tamper(db: &TestDb, statement: &str) {
    sql(db, statement).await.unwrap();
}

/// Ten entries: four organisations and three people (two entries each).
async fn trail(db: &TestDb) {
    let o = seed_orgs(&db.store).await;
    make_person(
        &db.store,
        o.amsterdam,
        "a@amsterdam.nl",
        meldpunt::domain::user::Role::Reporter,
    )
    .await;
    make_person(
        &db.store,
        o.rotterdam,
        "b@rotterdam.nl",
        meldpunt::domain::user::Role::Reporter,
    )
    .await;
    make_person(
        &db.store,
        o.central,
        "c@meldpunt.nl",
        meldpunt::domain::user::Role::Analyst,
    )
    .await;
    assert_eq!(audit::count(&db.store).await.unwrap(), 10);
    assert!(audit::verify(&db.store, None).await.unwrap().is_ok());
    drop_guards(db).await;
}

both_backends!(an_edited_entry_is_named, |db: TestDb| async move {
    trail(&db).await;
    tamper(
        &db,
        "UPDATE audit_log SET actor_label = 'iemand-anders' WHERE seq = 4",
    )
    .await;
    assert_eq!(
        audit::verify(&db.store, None).await.unwrap(),
        Err(ChainFault::Edited { seq: 4 })
    );
});

both_backends!(a_deleted_entry_is_named, |db: TestDb| async move {
    trail(&db).await;
    tamper(&db, "DELETE FROM audit_log WHERE seq = 6").await;
    assert_eq!(
        audit::verify(&db.store, None).await.unwrap(),
        Err(ChainFault::Deleted { before_seq: 7 })
    );
});

both_backends!(
    a_deleted_last_entry_is_caught_by_the_recorded_head,
    |db: TestDb| async move {
        trail(&db).await;
        tamper(&db, "DELETE FROM audit_log WHERE seq = 10").await;
        assert_eq!(
            audit::verify(&db.store, None).await.unwrap(),
            Err(ChainFault::Truncated {
                last_seq: 9,
                head_seq: 10
            })
        );
    }
);

both_backends!(
    swapped_entries_are_named_as_reordered,
    |db: TestDb| async move {
        trail(&db).await;
        tamper(&db, "UPDATE audit_log SET seq = 1000 WHERE seq = 3").await;
        tamper(&db, "UPDATE audit_log SET seq = 3 WHERE seq = 8").await;
        tamper(&db, "UPDATE audit_log SET seq = 8 WHERE seq = 1000").await;
        assert_eq!(
            audit::verify(&db.store, None).await.unwrap(),
            Err(ChainFault::Reordered { seq: 3 })
        );
    }
);

both_backends!(
    an_inserted_entry_with_a_valid_hash_is_named,
    |db: TestDb| async move {
        trail(&db).await;
        let rows = audit::list(
            &db.store,
            meldpunt::domain::policy::AuditScope::All,
            &Default::default(),
            100,
            None,
        )
        .await
        .unwrap();
        let prev = rows.iter().find(|r| r.seq == 5).unwrap().hash.clone();
        let forged = entry_hash(&HashInput {
            prev_hash: &prev,
            at: 1,
            actor_user_id: None,
            actor_label: "cli",
            org_id: None,
            action: "user.disabled",
            object_type: "user",
            object_id: "1",
            outcome: "success",
            origin: "cli",
            details: "{}",
        });
        tamper(&db, "UPDATE audit_log SET seq = seq + 1000 WHERE seq > 5").await;
        tamper(&db, "UPDATE audit_log SET seq = seq - 999 WHERE seq > 1000").await;
        tamper(&db,
        &format!(
            "INSERT INTO audit_log (seq, at, actor_user_id, actor_label, org_id, action, object_type, object_id, \
             outcome, origin, details, prev_hash, hash) VALUES (6, 1, NULL, 'cli', NULL, 'user.disabled', 'user', '1', \
             'success', 'cli', '{{}}', '{prev}', '{forged}')"
        ),
    )
    .await;
        assert_eq!(
            audit::verify(&db.store, None).await.unwrap(),
            Err(ChainFault::Inserted { seq: 6 })
        );
    }
);

both_backends!(
    a_rewritten_chain_is_caught_against_an_exported_head,
    |db: TestDb| async move {
        trail(&db).await;
        let exported = audit::recorded_head(&db.store).await.unwrap().unwrap();
        // Rewrite entry 2 and recompute every hash after it, and the recorded head too.
        tamper(
            &db,
            "UPDATE audit_log SET actor_label = 'vervalst' WHERE seq = 2",
        )
        .await;
        let rows = audit::list(
            &db.store,
            meldpunt::domain::policy::AuditScope::All,
            &Default::default(),
            100,
            None,
        )
        .await
        .unwrap();
        let mut rows: Vec<_> = rows.into_iter().rev().collect();
        let mut prev = meldpunt::domain::audit::GENESIS_HASH.to_string();
        for r in rows.iter_mut() {
            r.prev_hash = prev.clone();
            r.hash = r.recomputed_hash();
            tamper(
                &db,
                &format!(
                    "UPDATE audit_log SET prev_hash = '{}', hash = '{}' WHERE seq = {}",
                    r.prev_hash, r.hash, r.seq
                ),
            )
            .await;
            prev = r.hash.clone();
        }
        tamper(
            &db,
            &format!("UPDATE audit_head SET hash = '{prev}' WHERE id = 1"),
        )
        .await;
        assert!(
            audit::verify(&db.store, None).await.unwrap().is_ok(),
            "consistent on its own"
        );
        assert_eq!(
            audit::verify(&db.store, Some(exported.clone()))
                .await
                .unwrap(),
            Err(ChainFault::HeadMismatch { seq: exported.seq })
        );
    }
);
