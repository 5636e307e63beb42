-- Exact queue totals without counting a million index entries (store::cases::queue). Every
-- change to a case's status, urgency or platform appends its +1/-1 to queue_total_changes (by
-- this trigger, so no write path can forget it); store::cases::fold_queue_totals folds the
-- changes into queue_totals now and then. The number of cases with a status, urgency and
-- platform is always the sum over both tables. Appending takes no lock another transaction
-- waits for, so intake transactions on several instances do not queue behind a counter row.
-- Keep in step with the other backend's 0009_queue_totals.sql.
CREATE TABLE queue_totals (
    status TEXT NOT NULL,
    urgency TEXT NOT NULL,
    platform TEXT NOT NULL,
    cases BIGINT NOT NULL,
    PRIMARY KEY (status, urgency, platform)
);
CREATE TABLE queue_total_changes (
    status TEXT NOT NULL,
    urgency TEXT NOT NULL,
    platform TEXT NOT NULL,
    change BIGINT NOT NULL
);
INSERT INTO queue_totals (status, urgency, platform, cases)
    SELECT status, urgency, platform, COUNT(*) FROM cases GROUP BY status, urgency, platform;

CREATE FUNCTION cases_totals_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND old.status IS NOT DISTINCT FROM new.status
        AND old.urgency IS NOT DISTINCT FROM new.urgency
        AND old.platform IS NOT DISTINCT FROM new.platform THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO queue_total_changes VALUES (old.status, old.urgency, old.platform, -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO queue_total_changes VALUES (new.status, new.urgency, new.platform, 1);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER cases_totals AFTER INSERT OR DELETE OR UPDATE OF status, urgency, platform
    ON cases FOR EACH ROW EXECUTE FUNCTION cases_totals_change();

-- The overdue cases of one platform, counted from the index alone.
CREATE INDEX cases_queue_count_platform ON cases(platform, status, urgency, deadline_at);
