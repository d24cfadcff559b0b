"""The reader pattern: a read-only connection per query, closed at once.

A read-only DuckDB connection never takes the writer's lock, and the refresh never writes the
served file, so readers and refreshes never block each other. Opening a new connection per
query (or per dashboard refresh) is what lets a reader see a publish: a connection kept open
keeps reading the file it opened, by design.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd


def read_query(warehouse: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    if not warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}: run `kinerja refresh` first")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).df()
