-- Situations: an expected or ongoing disturbance at a place and time, the cases linked to it,
-- its history (phase changes with their reasons, links and unlinks) and the suggestions a
-- person confirmed or dismissed. Keep in step with the other backend's 0013_situations.sql.
CREATE TABLE situations (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    place TEXT,
    window_start BIGINT NOT NULL,
    window_end BIGINT NOT NULL,
    size TEXT NOT NULL,
    phase TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    creator_name TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX situations_phase ON situations(phase, updated_at);

CREATE TABLE situation_municipalities (
    situation_id BIGINT NOT NULL REFERENCES situations(id),
    code TEXT NOT NULL,
    PRIMARY KEY (situation_id, code)
);
CREATE INDEX situation_municipalities_code ON situation_municipalities(code, situation_id);

-- A case is in at most one situation at a time: the primary key says so.
CREATE TABLE situation_cases (
    case_id BIGINT PRIMARY KEY REFERENCES cases(id),
    situation_id BIGINT NOT NULL REFERENCES situations(id),
    linked_at BIGINT NOT NULL,
    linked_by BIGINT REFERENCES users(id),
    linker_name TEXT NOT NULL
);
CREATE INDEX situation_cases_situation ON situation_cases(situation_id, case_id);

-- History is appended, never edited.
CREATE TABLE situation_events (
    id INTEGER PRIMARY KEY,
    situation_id BIGINT NOT NULL REFERENCES situations(id),
    at BIGINT NOT NULL,
    actor_user_id BIGINT REFERENCES users(id),
    actor_label TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_phase TEXT,
    to_phase TEXT,
    case_id BIGINT REFERENCES cases(id),
    note TEXT
);
CREATE INDEX situation_events_situation ON situation_events(situation_id, id);

-- A suggestion (domain::situation::Suggestion::key) somebody confirmed or dismissed: it is not
-- made again.
CREATE TABLE suggestion_decisions (
    key TEXT PRIMARY KEY,
    decision TEXT NOT NULL,
    decided_at BIGINT NOT NULL,
    decided_by BIGINT REFERENCES users(id),
    decider_name TEXT NOT NULL
);
CREATE TRIGGER situation_events_no_update BEFORE UPDATE ON situation_events
BEGIN SELECT RAISE(ABORT, 'situation_events is append-only'); END;
CREATE TRIGGER situation_events_no_delete BEFORE DELETE ON situation_events
BEGIN SELECT RAISE(ABORT, 'situation_events is append-only'); END;
