-- Copies found by themselves: the text of the content as the reporter saw it, the prints
-- meldpunt compares (text: MinHash band keys; images: PDQ), and the proposals an analyst
-- confirms or rejects. Keep in step with the other backend's 0015_matching.sql.

-- Pasted by the reporter, per link; not the reporter's remark.
ALTER TABLE report_links ADD COLUMN content_text TEXT;

-- One row per thing offered for comparison: a link's text, an evidence file per case it
-- belongs to. `outcome` says whether it was compared and, if not, why; only `compared`
-- rows carry a print that is matched on. `matched_at` is set once it was looked up.
CREATE TABLE content_prints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    report_id INTEGER NOT NULL REFERENCES reports(id),
    link_position INTEGER,
    evidence_id INTEGER REFERENCES evidence(id),
    kind TEXT NOT NULL CHECK (kind IN ('text', 'image')),
    outcome TEXT NOT NULL,
    print BLOB,
    quality INTEGER,
    created_at INTEGER NOT NULL,
    matched_at INTEGER
);
CREATE INDEX content_prints_case ON content_prints(case_id, id);
CREATE INDEX content_prints_report ON content_prints(report_id);
CREATE INDEX content_prints_unmatched ON content_prints(id) WHERE matched_at IS NULL;

-- A pair of cases whose content looks alike. One row per pair (low id first), whichever
-- print found it; the best score of each kind is kept.
CREATE TABLE match_proposals (
    id INTEGER PRIMARY KEY,
    low_case_id INTEGER NOT NULL REFERENCES cases(id),
    high_case_id INTEGER NOT NULL REFERENCES cases(id),
    text_similarity REAL,
    image_distance INTEGER,
    state TEXT NOT NULL CHECK (state IN ('proposed', 'confirmed', 'rejected')),
    created_at INTEGER NOT NULL,
    decided_at INTEGER,
    decided_by INTEGER REFERENCES users(id),
    decider_name TEXT,
    CHECK (low_case_id < high_case_id),
    UNIQUE (low_case_id, high_case_id)
);
CREATE INDEX match_proposals_high ON match_proposals(high_case_id);

-- A case whose content matches content a platform made unavailable after a notice: the
-- earlier case. Shown in the queue as a re-upload.
ALTER TABLE cases ADD COLUMN reupload_of INTEGER REFERENCES cases(id);
