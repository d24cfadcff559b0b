"""The reader pattern: a read-only connection per query, closed at once.

A read-only DuckDB connection never takes the writer's lock, and the refresh never writes the
served file, so readers and refreshes never block each other. Opening a new connection per
query (or per dashboard refresh) is what lets a reader see a publish: a connection kept open
keeps reading the file it opened, by design.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import duckdb
import pandas as pd


def read_query(warehouse: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    if not warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}: run `kinerja refresh` first")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).df()


@contextlib.contextmanager
def marts_reader(served: Path, target: str = "duckdb"):
    """`read(sql, params)` -> DataFrame on one consistent view of the served marts: one read-only
    DuckDB connection, or one repeatable-read PostgreSQL transaction. SQL uses `?` parameters."""
    if target == "postgres":
        from serving import postgres

        with postgres.connect() as pg:
            pg.execute("set transaction isolation level repeatable read, read only")

            def read(sql: str, params=None) -> pd.DataFrame:
                cursor = pg.execute(sql.replace("?", "%s"), params or [])
                frame = pd.DataFrame(
                    cursor.fetchall(), columns=[c.name for c in cursor.description]
                )
                return frame.infer_objects()

            yield read
        return
    if not served.exists():
        raise FileNotFoundError(f"no warehouse at {served}: run `kinerja refresh` first")
    with duckdb.connect(str(served), read_only=True) as con:
        yield lambda sql, params=None: con.execute(sql, params or []).df()
