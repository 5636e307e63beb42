#!/usr/bin/env python3
"""Fills a meldpunt database (made by `meldpunt demo`) with N reports whose cases the team
closed without action, for the retention benchmark (docs/BENCHMARKS.md, `benches/retention.rs`).

Every report gets what retention reads and erases: the report (with its reporter, texts and a
place), its link with the pasted text, the case (closed, with its closure time
in `closed_at` — on a database made before migration 0019 that migration sets it from the
history), the history entries that opened,
triaged and closed it (the closure is the newest entry moving it to `closed`), and the search
words of the report, and for every third report closed in the last month of the year an
evidence file's record (older evidence would already be gone). Closures are spread evenly
over one year (from --closed-from, 365 days), so a run one year and a day after --closed-from finds one day's closures due. Writes straight
into the tables, in bulk; deterministic (seeded). No audit entries are written per case (a real
case has a few; erasing them is one indexed update each).

  scripts/bench-fill-retention.py --sqlite /tmp/bench-ret/meldpunt.db --reports 1000000
  scripts/bench-fill-retention.py --postgres postgres://postgres@127.0.0.1:5432/benchret --reports 1000000
"""

import argparse
import hashlib
import datetime as dt
import random
import sqlite3

from bench_db import pg_query, write_postgres, write_sqlite

DAY = 86_400_000


def rows(n, closed_from, first_id, first_event, org_ids, reporter, analyst, with_closed_at):
    rng = random.Random(2026)
    start = int(dt.datetime.fromisoformat(closed_from).replace(tzinfo=dt.timezone.utc).timestamp() * 1000)
    reports, links, cases, events, texts, evidence = [], [], [], [], [], []
    # Evidence goes 30 days after closure, so a database in use holds it only for the cases
    # closed in the last month: a screenshot for every third of those.
    evidence_from = start + 334 * DAY
    event_id = first_event
    for k in range(n):
        i = first_id + k
        closed = start + (k * 365 * DAY) // n
        created = closed - rng.randrange(1, 72) * 3_600_000
        url = f"https://bench.example/oproep/{i}"
        reports.append((i, f"MLD-R-{i:08d}", rng.choice(org_ids), reporter, "form", "call_to_gather", "normal",
                        f"Oproep {i} voor vanavond", "Stationsplein", "Oproep met tijd en plaats",
                        "De burgemeester", "active", created))
        links.append((i, 1, url, i, "Gezien door de wijkagent", f"Kom allemaal naar het plein {i}"))
        cases.append((i, f"ZAAK-R-{i:08d}", url, "website", "bench.example", "closed", "normal",
                      "call_to_gather", created + DAY, 1, 1, created, created, closed) + ((closed,) if with_closed_at else ()))
        events.append((event_id, i, created, None, "meldpunt", "opened", None, "received", None))
        events.append((event_id + 1, i, closed - 600_000, analyst, "analist@meldpunt.demo", "status_changed",
                       "received", "in_triage", None))
        events.append((event_id + 2, i, closed, analyst, "analist@meldpunt.demo", "status_changed",
                       "in_triage", "closed", "Geen oproep tot wanordelijkheden."))
        event_id += 3
        texts.append((i, i, reports[-1][2], "report", "oproep plein vanavond stationsplein"))
        if closed >= evidence_from and k % 3 == 0:
            evidence.append((i, i, 1, hashlib.sha256(str(i).encode()).hexdigest(), 180_000, "image/png",
                             "schermafbeelding.png", "melder@amsterdam.demo", created))
    return {
        "reports": ("id, reference, org_id, reporter_user_id, channel, category, urgency, summary, exp_place, "
                    "justification, on_behalf_of, status, created_at", reports),
        "cases": ("id, reference, canonical_url, platform, domain, status, urgency, categories, deadline_at, "
                  "municipality_count, report_count, first_reported_at, last_reported_at, updated_at"
                  + (", closed_at" if with_closed_at else ""), cases),
        "report_links": ("report_id, position, submitted_url, case_id, remark, content_text", links),
        "case_events": ("id, case_id, at, actor_user_id, actor_label, kind, from_status, to_status, note", events),
        "search_texts": ("case_id, report_id, org_id, source, words", texts),
        "evidence": ("id, report_id, link_position, sha256, size_bytes, media_type, file_name, uploaded_by, "
                     "created_at", evidence),
    }


def people(query):
    reporter = query("SELECT id FROM users WHERE email = 'melder@amsterdam.demo'")[0][0]
    analyst = query("SELECT id FROM users WHERE email = 'analist@meldpunt.demo'")[0][0]
    org_ids = [r[0] for r in query("SELECT id FROM organisations WHERE kind = 'municipality'")]
    first = max(query("SELECT COALESCE(MAX(id), 0) FROM cases")[0][0] or 0,
                query("SELECT COALESCE(MAX(id), 0) FROM reports")[0][0] or 0) + 1
    first_event = (query("SELECT COALESCE(MAX(id), 0) FROM case_events")[0][0] or 0) + 1
    return org_ids, reporter, analyst, first, first_event


def fill_sqlite(path, n, closed_from):
    db = sqlite3.connect(path)
    org_ids, reporter, analyst, first, first_event = people(lambda q: db.execute(q).fetchall())
    with_closed_at = any(r[1] == "closed_at" for r in db.execute("PRAGMA table_info(cases)"))
    write_sqlite(db, rows(n, closed_from, first, first_event, org_ids, reporter, analyst, with_closed_at))
    db.close()


def fill_postgres(url, n, closed_from):
    query = pg_query(url)
    org_ids, reporter, analyst, first, first_event = people(query)
    with_closed_at = bool(query("SELECT 1 FROM information_schema.columns WHERE table_name = 'cases' "
                                "AND column_name = 'closed_at'"))
    write_postgres(url, rows(n, closed_from, first, first_event, org_ids, reporter, analyst, with_closed_at),
                   sequences=("reports", "cases", "case_events", "search_texts", "evidence"))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--sqlite")
    g.add_argument("--postgres")
    p.add_argument("--reports", type=int, default=1_000_000)
    p.add_argument("--closed-from", default="2024-07-01")
    a = p.parse_args()
    if a.sqlite:
        fill_sqlite(a.sqlite, a.reports, a.closed_from)
    else:
        fill_postgres(a.postgres, a.reports, a.closed_from)


if __name__ == "__main__":
    main()
