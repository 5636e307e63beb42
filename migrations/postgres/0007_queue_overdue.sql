-- The queue at a million cases (store::cases::queue). The overdue cases of an urgency, when
-- they are few, are read from their deadlines rather than by walking the urgency's ordered
-- index to its end; the counts per urgency (all, and overdue) are answered by one covering
-- index. Keep in step with the other backend's 0007_queue_overdue.sql.
CREATE INDEX cases_queue_overdue ON cases(urgency, deadline_at);
DROP INDEX cases_queue_count;
CREATE INDEX cases_queue_count ON cases(status, urgency, deadline_at);
