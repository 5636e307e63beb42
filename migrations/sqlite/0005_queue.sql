-- The analysts' queue, computed by the database (store::cases::queue). Each segment of the
-- queue order (pressing or not × urgency × expected start past / to come / unknown) is read
-- from one of these indexes in order, so the first page needs only the first rows of each;
-- the counts read the last one alone. Keep in step with the other backend's 0005_queue.sql.
CREATE INDEX cases_queue_by_start ON cases(urgency, expected_start_at, municipality_count DESC, first_reported_at, id);
CREATE INDEX cases_queue_by_reach ON cases(urgency, municipality_count DESC, first_reported_at, id);
CREATE INDEX cases_queue_count ON cases(status, deadline_at);
