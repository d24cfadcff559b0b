"""`marts.publish_log`: one row per publish or rollback, for BI users to see what they read."""

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
    mart_rows varchar,
    event varchar
);
"""
PUBLISH, ROLLBACK = "publish", "rollback"


def loaded_hashes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The sha256 of every source file whose rows the warehouse holds."""
    return sorted(
        h
        for (h,) in con.execute(
            "select distinct sha256 from raw.ingest_log where status = 'loaded'"
        ).fetchall()
    )


def publish_entry(run_id: str, hashes: list[str], rows: dict[str, int]) -> dict[str, object]:
    return {
        "published_at": datetime.now(UTC).replace(tzinfo=None),
        "run_id": run_id,
        "source_files": len(hashes),
        "source_sha256": json.dumps(hashes),
        "mart_rows": json.dumps(rows),
        "event": PUBLISH,
    }


def record_publish(warehouse: Path, run_id: str) -> dict[str, object]:
    """Add this publish to the build's log: source files (by sha256) and the marts' row counts."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute(_DDL)
        marts = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' and table_name <> 'publish_log' order by 1"
            ).fetchall()
        ]
        rows = {t: con.execute(f'select count(*) from marts."{t}"').fetchone()[0] for t in marts}
        entry = publish_entry(run_id, loaded_hashes(con), rows)
        _insert(con, entry)
    return entry


def record_rollback(served_copy: Path) -> None:
    """Note in the generation about to be served again that it is served by a rollback."""
    with duckdb.connect(str(served_copy)) as con:
        con.execute(_DDL)
        last = con.execute(
            "select run_id, source_files, source_sha256, mart_rows from marts.publish_log "
            "order by published_at desc limit 1"
        ).fetchone()
        run_id, files, hashes, rows = last or (None, None, None, None)
        entry = {
            "published_at": datetime.now(UTC).replace(tzinfo=None),
            "run_id": run_id,
            "source_files": files,
            "source_sha256": hashes,
            "mart_rows": rows,
            "event": ROLLBACK,
        }
        _insert(con, entry)


def _insert(con: duckdb.DuckDBPyConnection, entry: dict[str, object]) -> None:
    columns = ", ".join(entry)
    marks = ", ".join("?" * len(entry))
    con.execute(f"insert into marts.publish_log ({columns}) values ({marks})", list(entry.values()))
    con.execute("checkpoint")
