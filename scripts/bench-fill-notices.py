#!/usr/bin/env python3
"""Fills a meldpunt database (made by `meldpunt demo`) with N art. 16 notices of one past year,
for the benchmarks of the transparency page and the year report (docs/BENCHMARKS.md).

Every notice gets what the figures read in production: a report from a municipality, a case,
an approved assessment (legal class, decision, EU category), the notice to a platform of the
directory, and for most an answer (outcome, time). Writes straight into the tables, in bulk:
going through the real intake and review for a million notices would take hours, and the
figures only read these columns. Deterministic (seeded).

  scripts/bench-fill-notices.py --sqlite /tmp/bench15/meldpunt.db --notices 1000000 --year 2025
  scripts/bench-fill-notices.py --postgres postgres://postgres@127.0.0.1:5432/bench15 --notices 1000000 --year 2025
"""

import argparse
import datetime as dt
import random
import sqlite3

from bench_db import pg_query, write_postgres, write_sqlite

PLATFORMS = [  # (directory key, share)
    ("tiktok", 30), ("instagram", 18), ("facebook", 14), ("x", 12), ("telegram", 10),
    ("youtube", 6), ("snapchat", 5), ("discord", 3), ("reddit", 2),
]
CATEGORIES = [
    ("STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", 50), ("STATEMENT_CATEGORY_VIOLENCE", 30),
    ("STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", 12), ("STATEMENT_CATEGORY_CYBER_VIOLENCE", 6),
    ("STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS", 2),
]
OUTCOMES = [  # None: no answer yet
    ("removed", 45), ("disabled-nl", 20), ("no-action", 12), ("visibility-restricted", 4),
    ("labelled", 2), ("account-suspended", 2), ("cannot-comply-insufficient-info", 3), (None, 12),
]
CLASSES = [("illegal", 80), ("unlawful", 20)]


def pick(rng, table):
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def rows(n, year, first_id, platform_ids, org_ids, analyst, boss):
    rng = random.Random(2026)
    start = int(dt.datetime(year, 1, 1, tzinfo=dt.timezone.utc).timestamp() * 1000)
    span = int(dt.datetime(year + 1, 1, 1, tzinfo=dt.timezone.utc).timestamp() * 1000) - start - 4 * 86_400_000
    reports, cases, assessments, reviews, notices, answers = [], [], [], [], [], []
    # Times in the order of the ids, as in a real database (rows are written as time passes).
    times = sorted(start + rng.randrange(span) for _ in range(n))
    for k in range(n):
        i = first_id + k
        at = times[k]
        platform = pick(rng, PLATFORMS)
        url = f"https://bench.example/{platform}/{i}"
        reports.append((i, f"MLD-B-{i:08d}", rng.choice(org_ids), "form", "incitement",
                        "normal", "", "", "active", at))
        cases.append((i, f"ZAAK-B-{i:08d}", url, platform, "bench.example", "platform_answered",
                       "normal", "incitement", at + 86_400_000, 1, 1, at, at, at))
        decided = at + rng.randrange(1, 12) * 3_600_000
        assessments.append((i, i, 1, analyst[0], analyst[1], decided - 1_800_000, pick(rng, CLASSES),
                            "art-131-sr", "bench", "bench", "bench", "bench", "bench", "mobilisation",
                            "", "bench", "", "bench", "dsa-art16-notice", pick(rng, CATEGORIES), "", "bench"))
        reviews.append((i, i, "approved", boss[0], boss[1], decided))
        sent = decided + 60_000
        notices.append((i, f"VRZ-B-{i:08d}", i, i, "dsa-art16-notice", platform_ids[platform], "email",
                        "dsa@platform.example", "bench", "bench", url, "normal", "answered",
                        decided, sent, sent + 86_400_000))
        outcome = pick(rng, OUTCOMES)
        if outcome is not None:
            received = sent + int(rng.expovariate(1 / 20) * 3_600_000) + 600_000
            answers.append((i, i, url, outcome, "bench" if outcome in ("no-action", "cannot-comply-insufficient-info") else None,
                            received, received, "bench", i))
    return {
        "reports": ("id, reference, org_id, channel, category, urgency, justification, on_behalf_of, status, created_at", reports),
        "cases": ("id, reference, canonical_url, platform, domain, status, urgency, categories, deadline_at, "
                  "municipality_count, report_count, first_reported_at, last_reported_at, updated_at", cases),
        "assessments": ("id, case_id, version, author_user_id, author_name, created_at, class, provisions, facts, "
                        "locating, risk_time, risk_place, risk_reach, phase, protected_speech, rights_reasoning, "
                        "lighter_steps, proportionality, decision, category, keywords, reasons", assessments),
        "assessment_reviews": ("id, assessment_id, verdict, reviewer_user_id, reviewer_name, at", reviews),
        "notices": ("id, reference, case_id, assessment_id, kind, platform_id, channel, recipient, subject, body, "
                    "urls, urgency, delivery, created_at, sent_at, due_at", notices),
        "notice_answers": ("id, notice_id, url, outcome, platform_reason, received_at, recorded_at, recorder_name, case_id",
                           answers),
    }


def people(query):
    analyst = query("SELECT id, name FROM users WHERE email = 'analist@meldpunt.demo'")[0]
    boss = query("SELECT id, name FROM users WHERE email = 'supervisor@meldpunt.demo'")[0]
    platform_ids = {k: i for i, k in query("SELECT id, key FROM platforms")}
    org_ids = [r[0] for r in query("SELECT id FROM organisations WHERE kind = 'municipality'")]
    first = (query("SELECT COALESCE(MAX(id), 0) FROM notices")[0][0] or 0) + 1_000_000
    return analyst, boss, platform_ids, org_ids, first


def fill_sqlite(path, n, year):
    db = sqlite3.connect(path)
    analyst, boss, platform_ids, org_ids, first = people(lambda q: db.execute(q).fetchall())
    write_sqlite(db, rows(n, year, first, platform_ids, org_ids, analyst, boss))
    db.close()


def fill_postgres(url, n, year):
    analyst, boss, platform_ids, org_ids, first = people(pg_query(url))
    write_postgres(url, rows(n, year, first, platform_ids, org_ids, analyst, boss))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--sqlite")
    g.add_argument("--postgres")
    p.add_argument("--notices", type=int, default=1_000_000)
    p.add_argument("--year", type=int, default=2025)
    a = p.parse_args()
    if a.sqlite:
        fill_sqlite(a.sqlite, a.notices, a.year)
    else:
        fill_postgres(a.postgres, a.notices, a.year)


if __name__ == "__main__":
    main()
