-- Exact queue totals without counting a million index entries (store::cases::queue). Every
-- change to a case's status, urgency or platform appends its +1/-1 to queue_total_changes (by
-- these triggers, so no write path can forget it); store::cases::fold_queue_totals folds the
-- changes into queue_totals now and then. The number of cases with a status, urgency and
-- platform is always the sum over both tables. Appending takes no lock another transaction
-- waits for, so intake transactions do not queue behind a counter row. Keep in step with the
-- other backend's 0009_queue_totals.sql.
CREATE TABLE queue_totals (
    status TEXT NOT NULL,
    urgency TEXT NOT NULL,
    platform TEXT NOT NULL,
    cases INTEGER NOT NULL,
    PRIMARY KEY (status, urgency, platform)
);
CREATE TABLE queue_total_changes (
    status TEXT NOT NULL,
    urgency TEXT NOT NULL,
    platform TEXT NOT NULL,
    change INTEGER NOT NULL
);
INSERT INTO queue_totals (status, urgency, platform, cases)
    SELECT status, urgency, platform, COUNT(*) FROM cases GROUP BY status, urgency, platform;

CREATE TRIGGER cases_totals_insert AFTER INSERT ON cases BEGIN
    INSERT INTO queue_total_changes VALUES (new.status, new.urgency, new.platform, 1);
END;
CREATE TRIGGER cases_totals_delete AFTER DELETE ON cases BEGIN
    INSERT INTO queue_total_changes VALUES (old.status, old.urgency, old.platform, -1);
END;
CREATE TRIGGER cases_totals_update AFTER UPDATE OF status, urgency, platform ON cases
WHEN old.status IS NOT new.status OR old.urgency IS NOT new.urgency OR old.platform IS NOT new.platform
BEGIN
    INSERT INTO queue_total_changes VALUES (old.status, old.urgency, old.platform, -1);
    INSERT INTO queue_total_changes VALUES (new.status, new.urgency, new.platform, 1);
END;

-- The overdue cases of one platform, counted from the index alone.
CREATE INDEX cases_queue_count_platform ON cases(platform, status, urgency, deadline_at);
