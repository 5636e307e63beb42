-- Intake: reports, cases (one per piece of content), evidence, case history,
-- idempotency of API requests, in-app notifications and the mail outbox.
-- Times are Unix milliseconds (UTC). Keep in step with ../postgres/0002_intake.sql.

CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    canonical_url TEXT NOT NULL UNIQUE,
    platform TEXT NOT NULL,
    domain TEXT NOT NULL,
    status TEXT NOT NULL,
    urgency TEXT NOT NULL,
    categories TEXT NOT NULL,
    deadline_at INTEGER NOT NULL,
    expected_start_at INTEGER,
    municipality_count INTEGER NOT NULL,
    report_count INTEGER NOT NULL,
    first_reported_at INTEGER NOT NULL,
    last_reported_at INTEGER NOT NULL,
    assignee_user_id INTEGER REFERENCES users(id),
    assigned_at INTEGER,
    updated_at INTEGER NOT NULL
);
CREATE INDEX cases_status ON cases(status);

CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    reporter_user_id INTEGER REFERENCES users(id),
    api_token_id INTEGER REFERENCES api_tokens(id),
    channel TEXT NOT NULL,
    category TEXT NOT NULL,
    summary TEXT,
    exp_municipality_code TEXT,
    exp_place TEXT,
    exp_date TEXT,
    exp_time_from TEXT,
    exp_time_to TEXT,
    exp_size INTEGER,
    expected_start_at INTEGER,
    urgency TEXT NOT NULL,
    justification TEXT NOT NULL,
    on_behalf_of TEXT NOT NULL,
    status TEXT NOT NULL,
    withdrawn_at INTEGER,
    withdraw_reason TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX reports_org ON reports(org_id, created_at);

CREATE TABLE report_links (
    report_id INTEGER NOT NULL REFERENCES reports(id),
    position INTEGER NOT NULL,
    submitted_url TEXT NOT NULL,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    remark TEXT,
    PRIMARY KEY (report_id, position)
);
CREATE INDEX report_links_case ON report_links(case_id);

CREATE TABLE evidence (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    link_position INTEGER,
    sha256 TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    file_name TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX evidence_report ON evidence(report_id);

-- History is appended, never edited.
CREATE TABLE case_events (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    at INTEGER NOT NULL,
    actor_user_id INTEGER REFERENCES users(id),
    actor_label TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT,
    note TEXT
);
CREATE INDEX case_events_case ON case_events(case_id, id);
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END;
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END;

CREATE TABLE idempotency_keys (
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, key)
);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    at INTEGER NOT NULL,
    text TEXT NOT NULL,
    link TEXT NOT NULL,
    read_at INTEGER
);
CREATE INDEX notifications_user ON notifications(user_id, id);

CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_until INTEGER,
    sent_at INTEGER,
    last_error TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox(sent_at, next_attempt_at);
