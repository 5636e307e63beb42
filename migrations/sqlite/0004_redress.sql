-- Redress: objections from posters and platforms, their decision, and the corrections
-- register. Times are Unix milliseconds (UTC). Keep in step with ../postgres/0004_redress.sql.

CREATE TABLE objections (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    notice_id INTEGER REFERENCES notices(id),
    source TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    summary TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    recorded_by INTEGER REFERENCES users(id),
    recorder_name TEXT NOT NULL,
    verdict TEXT,
    reasons TEXT,
    decided_at INTEGER,
    decided_by INTEGER REFERENCES users(id),
    decider_name TEXT
);
CREATE INDEX objections_case ON objections(case_id, id);

-- What proved wrong and what was done about it; auditors read it. Append-only.
CREATE TABLE corrections (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    notice_id INTEGER NOT NULL REFERENCES notices(id),
    objection_id INTEGER REFERENCES objections(id),
    withdrawal_notice_id INTEGER REFERENCES notices(id),
    what_was_wrong TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    recorded_by INTEGER REFERENCES users(id),
    recorder_name TEXT NOT NULL
);
CREATE INDEX corrections_at ON corrections(recorded_at);

CREATE TRIGGER corrections_no_update BEFORE UPDATE ON corrections
BEGIN SELECT RAISE(ABORT, 'the corrections register is append-only'); END;
CREATE TRIGGER corrections_no_delete BEFORE DELETE ON corrections
BEGIN SELECT RAISE(ABORT, 'the corrections register is append-only'); END;
