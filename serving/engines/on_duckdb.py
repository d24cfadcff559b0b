"""DuckDB: dbt builds a copy of the working file; a publish serves its marts as a file of their
own, by atomic renames (`serving/generations.py`).

Readers open the served file read-only, one connection per query or view: a read-only connection
never takes the writer's lock, and the refresh never writes the served file, so readers and
refreshes never block each other. A new connection per query (or dashboard refresh) is what lets
a reader see a publish: a connection kept open keeps reading the file it opened, by design.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import duckdb

from orchestration.mistakes import OperatorError
from serving.publish_log import (
    RESTORE,
    ROLLBACK,
    record_publish,
    record_rollback,
    served_release,
)
from serving.releases import Releases, keep_duckdb, load_marts

_READ_ONLY = {"enable_external_access": False, "lock_configuration": True}


class DuckDBEngine:
    keeps_models = True

    def __init__(self, settings):
        self.files = settings.files
        self.served = str(settings.warehouse)
        self.releases = Releases(settings.releases_dir)

    def dbt_vars(self, build: Path) -> dict[str, str]:
        return {"warehouse_path": str(build)}

    def load_raw(self, build: Path) -> None:
        """dbt reads the build's raw tables where they are."""

    def gate(self, docs_dir: Path, build: Path):
        from serving.expectations import duckdb_batches, run_gate

        return run_gate(docs_dir, duckdb_batches(build))

    def publish(self, run_id: str, manifest: Path) -> dict[str, object]:
        # A release in the served log was served, even by a run that died before it said so.
        self.releases.served(served_release(self.files.served))
        entry = record_publish(self.files.build, run_id, self.releases, self.files.served)
        self.releases.keeping(entry["release_id"])
        keep_duckdb(self.files.build, self.releases.marts(entry["release_id"]))
        self.files.publish(run_id, manifest)
        self.releases.served(entry["release_id"])
        return entry

    def abandon(self) -> None:
        self.files.abandon()

    def mart_sizes(self, run_id: str, published: bool) -> dict[str, int]:
        return _table_sizes(self.files.current_for(run_id))

    def partition_warnings(self) -> list[str]:
        with self.reader() as read:
            rows = read(
                "select pemda_code, index_code, evaluation_year, warning "
                "from marts.partition_checks where warning is not null order by 1, 2, 3"
            ).itertuples(index=False)
        return [f"{pemda} {index} {year}: {warning}" for pemda, index, year, warning in rows]

    @contextlib.contextmanager
    def reader(self, as_reader: bool = False):
        """The served file holds the marts alone, so every reader reads as a BI reader. No file
        but the served one is reachable (no COPY TO, ATTACH or read_csv), and that stays so."""
        if not self.files.served.exists():
            raise OperatorError(f"no warehouse at {self.files.served}: run `kinerja refresh`")
        with duckdb.connect(str(self.files.served), read_only=True, config=_READ_ONLY) as con:
            yield lambda sql, params=None: con.execute(sql, params or []).df()

    def rollback(self) -> str:
        if not self.files.previous.exists():
            raise OperatorError(
                f"nothing to roll back to: {self.files.served} is the only generation published"
            )
        self.files.rollback(lambda copy: record_rollback(copy, self.files.served))
        return f"{self.files.served} now serves the previous generation"

    def restore(self, release_id: str, marts: Path) -> str:
        def write(candidate: Path) -> None:
            with duckdb.connect(str(candidate)) as con:
                load_marts(con, marts)
            record_rollback(candidate, self.files.served, RESTORE)

        self.files.serve_written(write)
        return f"{self.files.served} now serves release {release_id}"

    def stale(self) -> str | None:
        if not self.files.served.exists():
            return "the warehouse is not served yet" if self.files.working.exists() else None
        with duckdb.connect(str(self.files.served), read_only=True) as con:
            last = con.execute(
                "select event from marts.publish_log order by published_at desc limit 1"
            ).fetchone()
        return "a rollback is in force" if last == (ROLLBACK,) else None


def _table_sizes(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "order by 1"
        ).fetchall()
        return {
            t: con.execute(f'select count(*) from marts."{t}"').fetchone()[0] for (t,) in tables
        }


ENGINE = DuckDBEngine
