-- A person's unread notifications, counted on every page (the badge in the navigation): the
-- team gets one per acute report, so under a surge a person has tens of thousands, nearly all
-- read. Keep in step with the other backend's 0008_notifications_unread.sql.
CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at IS NULL;
