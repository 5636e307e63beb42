-- Search (store::search): the search words of every searchable text, one row per text, with
-- the case it belongs to and, for a municipality's own text, the report and organisation (so
-- a reporter searches only their own). The words are made in Rust by domain::search::words —
-- the same rule for the index and the query on both backends. Rows are added by the writers
-- of the texts and removed with them. Keep in step with the other backend's 0006_search.sql.
CREATE TABLE search_texts (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    report_id INTEGER REFERENCES reports(id),
    org_id INTEGER REFERENCES organisations(id),
    source TEXT NOT NULL,
    words TEXT NOT NULL
);
CREATE INDEX search_texts_case ON search_texts(case_id);
CREATE INDEX search_texts_report ON search_texts(report_id);

-- The full-text index over search_texts.words (FTS5, external content: the words are stored
-- once). The words are already folded and stemmed, so the tokenizer only splits on spaces.
CREATE VIRTUAL TABLE search_index USING fts5(
    words, content='search_texts', content_rowid='id', tokenize='unicode61 remove_diacritics 0', detail='none'
);
CREATE TRIGGER search_texts_added AFTER INSERT ON search_texts BEGIN
    INSERT INTO search_index(rowid, words) VALUES (new.id, new.words);
END;
CREATE TRIGGER search_texts_removed AFTER DELETE ON search_texts BEGIN
    INSERT INTO search_index(search_index, rowid, words) VALUES ('delete', old.id, old.words);
END;
CREATE TRIGGER search_texts_no_update BEFORE UPDATE ON search_texts
BEGIN SELECT RAISE(ABORT, 'search_texts rows are replaced, never updated'); END;

-- Search by host: the cases of a registrable domain, newest first.
CREATE INDEX cases_domain ON cases(domain, id);
