"""What a warehouse serves, as one hash per mart: the same data gives the same digests.

The columns that record when a file was received, loaded or seen differ between two refreshes of
the same files, and the publish log records each run: both are left out by name.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

LOAD_TIME_COLUMNS = frozenset({"loaded_at", "received_at", "refused_at", "last_seen_at"})
# Of the history of publishes: the log, and what each release changed since the one before.
RUN_TABLES = frozenset({"publish_log", "score_revision"})


def mart_digests(
    warehouse: Path,
    leave_out: frozenset[str] = LOAD_TIME_COLUMNS,
    skip: frozenset[str] = RUN_TABLES,
) -> dict[str, str]:
    """sha256 of each mart's rows, sorted, without the `leave_out` columns."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            table: _digest(con, table, leave_out) for table in mart_tables(con) if table not in skip
        }


def mart_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "order by 1"
        ).fetchall()
    ]


def _digest(con: duckdb.DuckDBPyConnection, table: str, leave_out: frozenset[str]) -> str:
    columns = [
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' "
            "and table_name = ? order by ordinal_position",
            [table],
        ).fetchall()
        if name not in leave_out
    ]
    listed = ", ".join(f'"{c}"' for c in columns)
    digest = hashlib.sha256()
    for row in con.execute(f'select {listed} from marts."{table}" order by all').fetchall():
        digest.update(repr(row).encode())
    return digest.hexdigest()
