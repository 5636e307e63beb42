-- Groups: cases within a situation marked as the same message, assessed once, approved once
-- and sent as one notice per platform listing every URL. Keep in step with the other
-- backend's 0014_groups.sql.
CREATE TABLE case_groups (
    id INTEGER PRIMARY KEY,
    situation_id INTEGER NOT NULL REFERENCES situations(id),
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES users(id),
    creator_name TEXT NOT NULL,
    UNIQUE (situation_id, number)
);

-- A case is in at most one group, of the situation it is linked to.
ALTER TABLE situation_cases ADD COLUMN group_id INTEGER REFERENCES case_groups(id);
CREATE INDEX situation_cases_group ON situation_cases(group_id, case_id);

-- A group's version N is written to every member case as one assessment version each,
-- all carrying (group_id, N); the supervisor approves them together.
ALTER TABLE assessments ADD COLUMN group_id INTEGER REFERENCES case_groups(id);
ALTER TABLE assessments ADD COLUMN group_version INTEGER;
CREATE INDEX assessments_group ON assessments(group_id, group_version);

-- The cases a message is about, with the URLs of each that it lists. A message about one
-- case has one row; a group's notice one row per member case on that platform.
CREATE TABLE notice_cases (
    notice_id INTEGER NOT NULL REFERENCES notices(id),
    case_id INTEGER NOT NULL REFERENCES cases(id),
    urls TEXT NOT NULL,
    PRIMARY KEY (notice_id, case_id)
);
CREATE INDEX notice_cases_case ON notice_cases(case_id, notice_id);
INSERT INTO notice_cases (notice_id, case_id, urls) SELECT id, case_id, urls FROM notices;

-- Each answer is about one URL, and so about the case that URL belongs to.
ALTER TABLE notice_answers ADD COLUMN case_id INTEGER REFERENCES cases(id);
UPDATE notice_answers SET case_id = (SELECT n.case_id FROM notices n WHERE n.id = notice_answers.notice_id);
CREATE INDEX notice_answers_case ON notice_answers(case_id, id);
