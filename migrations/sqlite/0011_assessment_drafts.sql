-- An analyst's unfinished assessment of a case: the form as it was left, one per person and
-- case, seen only by its writer and removed when the version is saved. Keep in step with the
-- other backend's 0011_assessment_drafts.sql.
CREATE TABLE assessment_drafts (
    case_id BIGINT NOT NULL REFERENCES cases(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    saved_at BIGINT NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
