"""Where the marts are built, checked, served and read: one implementation per engine, picked once
from the settings' `target`.

- `on_duckdb.py`: dbt builds the working file's copy; the served file holds the marts alone and a
  publish replaces it by atomic renames (`serving/generations.py`).
- `on_postgres.py`: the raw tables are copied to the server, dbt builds the schema `marts_build`,
  a publish swaps it in as `marts`.

Both keep the pipeline's own state (ingest log, masters, review snapshots) in the DuckDB working
file. Nothing outside this package asks which engine it runs on: a third engine (MotherDuck,
Trino...) is one more module here, named in `ENGINES`, and an output in dbt's `profiles.yml`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import pandas as pd

    from orchestration.settings import Settings
    from serving.expectations import GateResult

# target name -> module of this package holding its `Engine`
ENGINES = {"duckdb": "on_duckdb", "postgres": "on_postgres"}

Read = Callable[..., "pd.DataFrame"]  # read(sql, params=None) with `?` parameters


class Engine(Protocol):
    served: str  # what an operator reads as the thing published, e.g. "schema marts on PostgreSQL"
    # Whether a build still holds every model of the last one, so that dbt need build only what
    # changed inputs reach (DuckDB: a build is a copy of the working file).
    keeps_models: bool

    def dbt_vars(self, build: Path) -> dict[str, str]:
        """dbt's vars for a build from the DuckDB build file `build`."""

    def load_raw(self, build: Path) -> None:
        """Make the build's raw tables readable where dbt builds (nothing to do on DuckDB)."""

    def gate(self, docs_dir: Path, build: Path) -> GateResult:
        """The Great Expectations gate on the built marts; Data Docs into `docs_dir`."""

    def publish(self, run_id: str, manifest: Path) -> dict[str, object]:
        """Serve the built marts atomically, recorded in `marts.publish_log`; its entry. The
        working file becomes the build's, with `manifest`, the dbt project's that built it."""

    def abandon(self) -> None:
        """Give up a build that may not be published (the served marts stay as they are)."""

    def mart_sizes(self, run_id: str, published: bool) -> dict[str, int]:
        """Rows per mart that the run served, or built when it did not publish."""

    def partition_warnings(self) -> list[str]:
        """The served regency partitions that carry a warning (`marts.partition_checks`)."""

    def reader(self, as_reader: bool = False) -> AbstractContextManager[Read]:
        """One consistent read-only view of the served marts, which writes nowhere, on the
        disk or the server. `as_reader`: with the privileges of the BI readers
        (`kinerja_reader` on PostgreSQL), what `kinerja query` runs as."""

    def rollback(self) -> str:
        """Serve the previous generation again; what is now served, in a sentence."""

    def restore(self, release_id: str, marts: Path) -> str:
        """Serve the release whose marts are the Parquet files of `marts` again, recorded in
        `marts.publish_log` as a restore; what is now served, in a sentence."""

    def stale(self) -> str | None:
        """Why the served marts must be published again though no input changed (never
        published here, a rollback in force), or None."""


def engine_for(settings: Settings) -> Engine:
    module = importlib.import_module(f"{__name__}.{ENGINES[settings.target]}")
    return module.ENGINE(settings)
