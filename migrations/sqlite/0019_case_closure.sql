-- Issue 15. Keep in step with the other backend's 0019_case_closure.sql.

-- When a case was last closed (moved to a closed status), set with the status by
-- store::cases::set_status and cleared when it is reopened: retention finds the due cases
-- through this index instead of reading every case's history.
ALTER TABLE cases ADD COLUMN closed_at INTEGER;
UPDATE cases SET closed_at = (
    SELECT MAX(e.at) FROM case_events e WHERE e.case_id = cases.id AND e.to_status = cases.status
) WHERE status IN ('closed', 'withdrawn');
CREATE INDEX cases_closed ON cases(closed_at) WHERE closed_at IS NOT NULL AND erased_at IS NULL;
