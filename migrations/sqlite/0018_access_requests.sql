-- Access requests look up the reports a member of staff submitted.
CREATE INDEX reports_reporter ON reports(reporter_user_id);
