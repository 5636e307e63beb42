"""Writing benchmark data straight into a meldpunt database, for the fill scripts
(`bench-fill-notices.py`, `bench-fill-retention.py`): rows in bulk, into SQLite with
`executemany` or into PostgreSQL with `\\copy` through `psql`, then ANALYZE."""

import io
import subprocess
import sys


def psql(url, sql, stdin=None):
    out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                         input=stdin, capture_output=True, text=True, check=True)
    return [line.split("|") for line in out.stdout.splitlines() if line]


def pg_query(url):
    """A query function over psql that returns rows of ints and strings."""
    def query(q):
        return [tuple(int(x) if x.lstrip("-").isdigit() else x for x in r) for r in psql(url, q)]
    return query


def write_sqlite(db, tables):
    """tables: {name: (columns, rows)}; commits and analyses."""
    for table, (cols, data) in tables.items():
        marks = ", ".join("?" for _ in cols.split(","))
        db.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", data)
        print(f"{table}: {len(data)} rows", file=sys.stderr)
    db.commit()
    db.execute("ANALYZE")


def write_postgres(url, tables, sequences=()):
    """tables: {name: (columns, rows)}; moves the id sequences of `sequences` past the rows
    written, and analyses."""
    for table, (cols, data) in tables.items():
        buf = io.StringIO()
        for r in data:
            buf.write("\t".join("\\N" if v is None else str(v) for v in r) + "\n")
        psql(url, f"\\copy {table} ({cols}) FROM pstdin", stdin=buf.getvalue())
        print(f"{table}: {len(data)} rows", file=sys.stderr)
    for seq_table in sequences:
        psql(url, f"SELECT setval(pg_get_serial_sequence('{seq_table}', 'id'), (SELECT MAX(id) FROM {seq_table}))")
    psql(url, "ANALYZE")
