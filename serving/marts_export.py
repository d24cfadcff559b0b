"""The served file: the schema `marts` of a build, copied into a DuckDB file of its own.

BI tools and reports read only the public interface (docs/warehouse.md); `raw`, staging, seeds and
snapshots never leave the pipeline's working file.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

PUBLIC_SCHEMA = "marts"


def export_marts(source: Path, target: Path) -> None:
    """Write every table of `source`'s public schema into a new file `target`, and nothing else."""
    for leftover in (target, target.with_name(target.name + ".wal")):
        leftover.unlink(missing_ok=True)
    with duckdb.connect() as con:
        con.execute("attach ? as build (read_only)", [str(source)])
        con.execute("attach ? as served", [str(target)])
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where database_name = 'build' "
                "and schema_name = ? order by 1",
                [PUBLIC_SCHEMA],
            ).fetchall()
        ]
        con.execute(f"create schema served.{PUBLIC_SCHEMA}")
        for name in tables:
            con.execute(
                f'create table served.{PUBLIC_SCHEMA}."{name}" as '
                f'select * from build.{PUBLIC_SCHEMA}."{name}"'
            )
        con.execute("detach served")
        con.execute("detach build")
