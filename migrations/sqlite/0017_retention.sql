-- Issue 15: retention that deletes. Keep in step with the other backend's 0017_retention.sql.

-- A case under a legal hold is not erased, whatever its retention period says.
CREATE TABLE legal_holds (
    case_id INTEGER PRIMARY KEY REFERENCES cases(id),
    reason TEXT NOT NULL,
    placed_by INTEGER REFERENCES users(id),
    placed_at INTEGER NOT NULL
);

-- What retention removed: only the metadata that proves it happened. One row per case or
-- evidence file; one row per run for short-lived records (sign-in records, notifications).
CREATE TABLE retention_deletions (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    item_count INTEGER NOT NULL,
    item_created_at INTEGER,
    deleted_at INTEGER NOT NULL,
    rule TEXT NOT NULL
);
CREATE INDEX retention_deletions_at ON retention_deletions(deleted_at);
-- A case or an evidence file is recorded once, whichever instance erased it.
CREATE UNIQUE INDEX retention_deletions_item ON retention_deletions(kind, reference)
    WHERE item_count = 1 AND kind IN ('case_without_action', 'case_with_notice', 'evidence');

-- A case whose personal data were erased keeps its skeleton (times, status, legal class,
-- platform) for the figures; erased_at says when.
ALTER TABLE cases ADD COLUMN erased_at INTEGER;
-- Evidence files whose rows are gone: the object is removed once no row holds its hash
-- (after a delay, so an upload of the same file meanwhile keeps it).
CREATE TABLE evidence_object_removals (
    sha256 TEXT PRIMARY KEY,
    due_at INTEGER NOT NULL
);

-- The append-only tables of a case accept one kind of update: the erasure of its personal
-- fields, inside the transaction that holds the case's permit (store::retention).
CREATE TABLE erasure_permits (
    case_id INTEGER PRIMARY KEY
);
DROP TRIGGER case_events_no_update;
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
WHEN NOT EXISTS (SELECT 1 FROM erasure_permits WHERE case_id = OLD.case_id)
BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END;
DROP TRIGGER assessments_no_update;
CREATE TRIGGER assessments_no_update BEFORE UPDATE ON assessments
WHEN NOT EXISTS (SELECT 1 FROM erasure_permits WHERE case_id = OLD.case_id)
BEGIN SELECT RAISE(ABORT, 'assessments are append-only'); END;
DROP TRIGGER assessment_reviews_no_update;
CREATE TRIGGER assessment_reviews_no_update BEFORE UPDATE ON assessment_reviews
WHEN NOT EXISTS (SELECT 1 FROM erasure_permits p JOIN assessments a ON a.case_id = p.case_id
                 WHERE a.id = OLD.assessment_id)
BEGIN SELECT RAISE(ABORT, 'assessment reviews are append-only'); END;
DROP TRIGGER notice_answers_no_update;
CREATE TRIGGER notice_answers_no_update BEFORE UPDATE ON notice_answers
WHEN NOT EXISTS (SELECT 1 FROM erasure_permits p JOIN notices n ON n.case_id = p.case_id
                 WHERE n.id = OLD.notice_id)
BEGIN SELECT RAISE(ABORT, 'notice answers are append-only'); END;
DROP TRIGGER corrections_no_update;
CREATE TRIGGER corrections_no_update BEFORE UPDATE ON corrections
WHEN NOT EXISTS (SELECT 1 FROM erasure_permits WHERE case_id = OLD.case_id)
BEGIN SELECT RAISE(ABORT, 'the corrections register is append-only'); END;

-- The audit trail: entries of hash version 2 cover a salted digest of their personal fields
-- (actor label, origin, details), which can then be erased without breaking the chain. The
-- database accepts exactly that update and nothing else.
ALTER TABLE audit_log ADD COLUMN hash_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit_log ADD COLUMN salt TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN personal_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN erased_at INTEGER;
CREATE INDEX audit_log_object ON audit_log(object_type, object_id);
CREATE INDEX audit_log_action_at ON audit_log(action, at);
DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT (OLD.hash_version = 2 AND OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL
    AND NEW.seq = OLD.seq AND NEW.at = OLD.at AND NEW.actor_user_id IS OLD.actor_user_id
    AND NEW.org_id IS OLD.org_id AND NEW.action = OLD.action
    AND NEW.object_type = OLD.object_type AND NEW.object_id = OLD.object_id
    AND NEW.outcome = OLD.outcome AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash
    AND NEW.hash_version = 2 AND NEW.personal_digest = OLD.personal_digest
    AND NEW.actor_label = '' AND NEW.origin = '' AND NEW.details = '' AND NEW.salt = '')
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: only the personal fields of a version 2 entry can be erased'); END;
