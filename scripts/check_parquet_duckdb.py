"""Read the Parquet tables `runql convert` wrote with DuckDB, as another engine would.

    python3 -m venv .venv-duckdb && .venv-duckdb/bin/pip install duckdb==2.0.1
    runql gen --runs 20 --format parquet -o /some/new/dir
    .venv-duckdb/bin/python scripts/check_parquet_duckdb.py /some/new/dir

Checks that every table opens, that string columns are VARCHAR (no dictionary surprises),
that time columns are TIMESTAMP WITH TIME ZONE, and runs DESIGN.md's ranking query.
Not part of the Rust test suite; exits non-zero on the first mismatch.
"""

import sys
from pathlib import Path

import duckdb

TABLES = ["runs", "params", "metrics", "tags", "metric_summary", "runs_wide", "models"]


def main(folder: str) -> int:
    root = Path(folder)
    con = duckdb.connect()
    for t in TABLES:
        path = root / f"{t}.parquet"
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{path}')")
        types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {t})").fetchall())
        rows = con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        print(f"{t:<15} {rows:>10} rows  {len(types)} columns")
        for col in ("run_id", "key"):
            if col in types and types[col] != "VARCHAR":
                print(f"  {t}.{col} is {types[col]}, expected VARCHAR")
                return 1
        for col in ("created_at", "ended_at", "timestamp"):
            if col in types and types[col] != "TIMESTAMP WITH TIME ZONE":
                print(f"  {t}.{col} is {types[col]}, expected TIMESTAMP WITH TIME ZONE")
                return 1
    top = con.execute(
        "SELECT r.name, s.last FROM metric_summary s JOIN runs r USING (run_id) "
        "WHERE s.key = 'val/loss' AND NOT isnan(s.last) ORDER BY s.last LIMIT 3"
    ).fetchall()
    print("ranking by final val/loss:", top)
    print(f"duckdb {duckdb.__version__}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
