-- Assessment, four-eyes review, outgoing notices and the platforms' answers.
-- Times are Unix milliseconds (UTC). Keep in step with ../postgres/0003_assessment.sql.

-- The platform directory. Contact channels are filled in by administrators; meldpunt
-- never guesses a platform's point of contact.
CREATE TABLE platforms (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    hosts TEXT NOT NULL,
    channel TEXT NOT NULL,
    contact_email TEXT,
    web_form_url TEXT,
    languages TEXT NOT NULL,
    notes TEXT,
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES users(id)
);
INSERT INTO platforms (key, name, hosts, channel, languages, updated_at) VALUES
    ('facebook', 'Facebook', 'facebook.com fb.com fb.watch', 'unconfigured', 'nl en', 0),
    ('instagram', 'Instagram', 'instagram.com', 'unconfigured', 'nl en', 0),
    ('threads', 'Threads', 'threads.com threads.net', 'unconfigured', 'nl en', 0),
    ('x', 'X', 'x.com twitter.com', 'unconfigured', 'nl en', 0),
    ('tiktok', 'TikTok', 'tiktok.com', 'unconfigured', 'nl en', 0),
    ('youtube', 'YouTube', 'youtube.com youtu.be', 'unconfigured', 'nl en', 0),
    ('telegram', 'Telegram', 't.me telegram.org telegram.me', 'unconfigured', 'en', 0),
    ('snapchat', 'Snapchat', 'snapchat.com', 'unconfigured', 'nl en', 0),
    ('reddit', 'Reddit', 'reddit.com redd.it', 'unconfigured', 'en', 0),
    ('discord', 'Discord', 'discord.com discord.gg', 'unconfigured', 'en', 0),
    ('whatsapp', 'WhatsApp', 'whatsapp.com chat.whatsapp.com', 'unconfigured', 'nl en', 0),
    ('twitch', 'Twitch', 'twitch.tv', 'unconfigured', 'en', 0),
    ('kick', 'Kick', 'kick.com', 'unconfigured', 'en', 0),
    ('rumble', 'Rumble', 'rumble.com', 'unconfigured', 'en', 0),
    ('vk', 'VK', 'vk.com', 'unconfigured', 'en', 0);

-- One row: who sends notices, and what the organisation has configured.
CREATE TABLE notice_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    sender_name TEXT NOT NULL,
    sender_email TEXT NOT NULL,
    trusted_flagger INTEGER NOT NULL,
    art9_legal_basis TEXT,
    art9_authority TEXT,
    art9_redress_platform TEXT,
    art9_redress_poster TEXT,
    police_email TEXT,
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES users(id)
);
INSERT INTO notice_settings (id, sender_name, sender_email, trusted_flagger, updated_at)
    VALUES (1, 'Centraal team meldvoorziening', '', 0, 0);

-- Every saved version of an assessment; never changed afterwards.
CREATE TABLE assessments (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    version INTEGER NOT NULL,
    author_user_id INTEGER NOT NULL REFERENCES users(id),
    author_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    class TEXT NOT NULL,
    provisions TEXT NOT NULL,
    facts TEXT NOT NULL,
    locating TEXT NOT NULL,
    risk_time TEXT NOT NULL,
    risk_place TEXT NOT NULL,
    risk_reach TEXT NOT NULL,
    phase TEXT NOT NULL,
    protected_speech TEXT NOT NULL,
    rights_reasoning TEXT NOT NULL,
    lighter_steps TEXT NOT NULL,
    proportionality TEXT NOT NULL,
    decision TEXT NOT NULL,
    category TEXT,
    keywords TEXT NOT NULL,
    reasons TEXT NOT NULL,
    UNIQUE (case_id, version)
);

-- The second pair of eyes: at most one verdict per version.
CREATE TABLE assessment_reviews (
    id INTEGER PRIMARY KEY,
    assessment_id INTEGER NOT NULL UNIQUE REFERENCES assessments(id),
    verdict TEXT NOT NULL,
    reviewer_user_id INTEGER NOT NULL REFERENCES users(id),
    reviewer_name TEXT NOT NULL,
    reason TEXT,
    at INTEGER NOT NULL
);

-- Outgoing messages: notices, referrals, orders, advice and withdrawals.
CREATE TABLE notices (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    assessment_id INTEGER REFERENCES assessments(id),
    kind TEXT NOT NULL,
    platform_id INTEGER REFERENCES platforms(id),
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    urls TEXT NOT NULL,
    urgency TEXT NOT NULL,
    delivery TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
    due_at INTEGER,
    delivery_error TEXT,
    platform_reference TEXT,
    mail_id INTEGER REFERENCES mail_outbox(id),
    reminded_at INTEGER,
    escalated_at INTEGER,
    withdraws_notice_id INTEGER REFERENCES notices(id),
    withdrawn_at INTEGER
);
CREATE INDEX notices_case ON notices(case_id, id);
CREATE INDEX notices_open ON notices(delivery, due_at);

-- What happened to a notice on its way and afterwards (the delivery record).
CREATE TABLE notice_events (
    id INTEGER PRIMARY KEY,
    notice_id INTEGER NOT NULL REFERENCES notices(id),
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX notice_events_notice ON notice_events(notice_id, id);

-- The platform's answer, per URL; a later answer for the same URL supersedes, both kept.
CREATE TABLE notice_answers (
    id INTEGER PRIMARY KEY,
    notice_id INTEGER NOT NULL REFERENCES notices(id),
    url TEXT NOT NULL,
    outcome TEXT NOT NULL,
    platform_reason TEXT,
    received_at INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    recorded_by INTEGER REFERENCES users(id),
    recorder_name TEXT NOT NULL
);
CREATE INDEX notice_answers_notice ON notice_answers(notice_id, id);

-- "Still online?" checks by an analyst.
CREATE TABLE rechecks (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    checked_at INTEGER NOT NULL,
    still_online INTEGER NOT NULL,
    note TEXT,
    recorded_at INTEGER NOT NULL,
    recorded_by INTEGER REFERENCES users(id),
    recorder_name TEXT NOT NULL
);
CREATE INDEX rechecks_case ON rechecks(case_id, id);

-- Mail that belongs to a notice; mail refused for good (bounced) is marked so.
ALTER TABLE mail_outbox ADD COLUMN notice_id INTEGER REFERENCES notices(id);
ALTER TABLE mail_outbox ADD COLUMN failed_at INTEGER;

CREATE TRIGGER assessments_no_update BEFORE UPDATE ON assessments
BEGIN SELECT RAISE(ABORT, 'assessments are append-only'); END;
CREATE TRIGGER assessments_no_delete BEFORE DELETE ON assessments
BEGIN SELECT RAISE(ABORT, 'assessments are append-only'); END;
CREATE TRIGGER assessment_reviews_no_update BEFORE UPDATE ON assessment_reviews
BEGIN SELECT RAISE(ABORT, 'assessment reviews are append-only'); END;
CREATE TRIGGER assessment_reviews_no_delete BEFORE DELETE ON assessment_reviews
BEGIN SELECT RAISE(ABORT, 'assessment reviews are append-only'); END;
CREATE TRIGGER notice_answers_no_update BEFORE UPDATE ON notice_answers
BEGIN SELECT RAISE(ABORT, 'notice answers are append-only'); END;
CREATE TRIGGER notice_answers_no_delete BEFORE DELETE ON notice_answers
BEGIN SELECT RAISE(ABORT, 'notice answers are append-only'); END;
