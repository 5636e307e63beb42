-- Issue 15: the trusted-flagger year report. Keep in step with the other backend's 0016_accountability.sql.

-- The explanation of the procedures that keep the team independent (DSA art. 22(3)),
-- maintained by an administrator and printed in the year report.
ALTER TABLE notice_settings ADD COLUMN independence_statement TEXT;

-- Every edition of a year report: the same content keeps its edition (so a re-run gives the
-- same bytes); different content for a year already reported is a corrected edition.
CREATE TABLE year_report_editions (
    year INTEGER NOT NULL,
    edition INTEGER NOT NULL,
    digest TEXT NOT NULL,
    -- The edition's CSV lines, so that a corrected edition can list what changed.
    content TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (year, edition)
);

CREATE INDEX notices_created ON notices(created_at);
CREATE INDEX reports_created ON reports(created_at);
CREATE INDEX cases_first_reported ON cases(first_reported_at);
CREATE INDEX assessments_created ON assessments(created_at);
CREATE INDEX assessment_reviews_at ON assessment_reviews(at);
CREATE INDEX objections_received ON objections(received_at);
