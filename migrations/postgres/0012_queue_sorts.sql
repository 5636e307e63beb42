-- The queue's other orders (its sortable columns, `store::cases::sort_sql`), read from ordered
-- indexes of the open cases so that a page is read without sorting the selection. The status
-- list is the open statuses (`CaseStatus::is_open`; a test checks it). Keep in step with the
-- other backend's 0012_queue_sorts.sql.
CREATE INDEX cases_open_by_deadline ON cases(deadline_at, id)
    WHERE status IN ('received', 'in_triage', 'in_assessment', 'decided', 'notice_sent', 'platform_answered');
CREATE INDEX cases_open_by_first_report ON cases(first_reported_at, id)
    WHERE status IN ('received', 'in_triage', 'in_assessment', 'decided', 'notice_sent', 'platform_answered');
CREATE INDEX cases_open_by_spread ON cases(municipality_count, first_reported_at, id)
    WHERE status IN ('received', 'in_triage', 'in_assessment', 'decided', 'notice_sent', 'platform_answered');
