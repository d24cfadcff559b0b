"""`marts.publish_log`: one row per publish, for BI users to see what they are reading."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb

_DDL = """
create table if not exists marts.publish_log (
    published_at timestamp,
    run_id varchar,
    source_files integer,
    source_sha256 varchar,
    mart_rows varchar
)
"""


def record_publish(warehouse: Path, run_id: str) -> dict[str, object]:
    """Add this publish to the build's log: source files (by sha256) and the marts' row counts."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute(_DDL)
        hashes = sorted(
            h
            for (h,) in con.execute(
                "select distinct sha256 from raw.ingest_log where status = 'loaded'"
            ).fetchall()
        )
        marts = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' and table_name <> 'publish_log' order by 1"
            ).fetchall()
        ]
        rows = {t: con.execute(f'select count(*) from marts."{t}"').fetchone()[0] for t in marts}
        entry = {
            "published_at": datetime.now(UTC).replace(tzinfo=None),
            "run_id": run_id,
            "source_files": len(hashes),
            "source_sha256": json.dumps(hashes),
            "mart_rows": json.dumps(rows),
        }
        con.execute("insert into marts.publish_log values (?, ?, ?, ?, ?)", list(entry.values()))
        con.execute("checkpoint")
    return entry
