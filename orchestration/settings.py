"""Every environment difference, read in one place: `from_env()` is the only reader of the
environment in kinerja, and the `Settings` it returns is the Dagster resource `settings`.

A relative path in a variable is relative to the working directory; the defaults are the
project's own folders, so `kinerja` finds its warehouse from any folder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.mistakes import OperatorError
from serving.engines import ENGINES
from serving.generations import WarehouseFiles
from serving.retention import Retention

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PostgresConnection:
    """The server of target postgres (dbt's `postgres` profile reads the same variables)."""

    host: str
    user: str
    port: int = 5432
    password: str = field(default="", repr=False)
    dbname: str = "kinerja"
    reader_password: str | None = field(default=None, repr=False)  # the BI role's, when set

    @classmethod
    def from_variables(cls, env: Mapping[str, str]) -> PostgresConnection | None:
        """From KINERJA_PG_HOST, _PORT, _USER, _PASSWORD, _DATABASE, _READER_PASSWORD; None
        without a host."""
        if not env.get("KINERJA_PG_HOST"):
            return None
        if not env.get("KINERJA_PG_USER"):
            raise OperatorError("KINERJA_PG_HOST is set but KINERJA_PG_USER is not")
        return cls(
            host=env["KINERJA_PG_HOST"],
            user=env["KINERJA_PG_USER"],
            port=int(env.get("KINERJA_PG_PORT", "5432")),
            password=env.get("KINERJA_PG_PASSWORD", ""),
            dbname=env.get("KINERJA_PG_DATABASE", "kinerja"),
            reader_password=env.get("KINERJA_PG_READER_PASSWORD") or None,
        )


@dataclass(frozen=True)
class Settings:
    sources_dir: Path
    warehouse: Path
    manifest: Path
    alert_webhook: str | None = None
    retry_delay_seconds: float = 60.0
    target: str = "duckdb"  # an engine of serving/engines: where the marts are built and served
    postgres: PostgresConnection | None = None  # the server of target postgres
    chromium: str | None = None  # the browser that prints the review's PDF; None: from PATH
    dagster_home: Path | None = None  # None: an ephemeral Dagster instance
    # The instance configuration DAGSTER_HOME gets (orchestration/instance.py): SQLite storage,
    # or PostgreSQL's when DAGSTER_PG_HOST is set.
    dagster_config: Path = PROJECT_ROOT / "dagster.yaml"
    retention: Retention = field(default_factory=Retention)  # what is kept (serving/retention.py)
    # The variables a manifest URL or header names (`${PORTAL_TOKEN}`), expanded at request time.
    manifest_variables: Mapping[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        if self.target not in ENGINES:
            raise OperatorError(f"target {self.target!r}: expected one of {', '.join(ENGINES)}")

    @property
    def landing_dir(self) -> Path:
        return self.warehouse.parent / "landing"

    @property
    def quarantine_dir(self) -> Path:
        return self.warehouse.parent / "quarantine"

    @property
    def logs_dir(self) -> Path:
        """Dagster's full log of each `kinerja refresh`."""
        return self.warehouse.parent / "logs"

    @property
    def dbt_artifacts_dir(self) -> Path:
        return self.warehouse.parent.resolve() / "dbt"

    @property
    def docs_dir(self) -> Path:
        """Great Expectations Data Docs of the last refresh."""
        return self.warehouse.parent / "docs"

    @property
    def reports_dir(self) -> Path:
        """The monthly reviews: `<regency>/<YYYY-MM>/` with HTML, PDF, XLSX and CSV."""
        return self.warehouse.parent / "reports"

    @property
    def feedback_dir(self) -> Path:
        """Correction packs of refused files: `<regency>/` with annotated workbooks and letters."""
        return self.warehouse.parent / "feedback"

    @property
    def templates_dir(self) -> Path:
        """Fill-in templates: `<regency>/<source>_<year>.xlsx`."""
        return self.warehouse.parent / "templates"

    @property
    def releases_dir(self) -> Path:
        """Every release: `<id>/marts/` its marts as Parquet (kept at publish), and the bulk release
        `kinerja release` writes beside them."""
        return self.warehouse.parent / "releases"

    @property
    def backups_dir(self) -> Path:
        """`kinerja backup`: `<release id>/` with the working file and the release's marts."""
        return self.warehouse.parent / "backups"

    @property
    def working(self) -> Path:
        """The pipeline's private working file (raw, staging, seeds, snapshots and marts); the
        served file at `warehouse` holds the marts alone."""
        return self.warehouse.parent / "work" / self.warehouse.name

    @property
    def files(self) -> WarehouseFiles:
        return WarehouseFiles(self.warehouse.resolve(), self.working.resolve())

    def entries(self, source: str | None = None):
        """The manifest's entries (of `source`), their `${NAME}`s expanded from these settings."""
        from ingest.manifest import load_manifest

        every = load_manifest(self.manifest, self.manifest_variables)
        return every if source is None else [e for e in every if e.index == source]


def from_env(env: Mapping[str, str] = os.environ) -> Settings:
    """An empty variable is an unset one. KINERJA_SOURCES_DIR (bundled samples), KINERJA_WAREHOUSE (warehouse/kinerja.duckdb in the
    project), KINERJA_MANIFEST (ingest/sources.yaml), KINERJA_ALERT_WEBHOOK (none),
    KINERJA_RETRY_DELAY_SECONDS (60: first wait before retrying a source that could not be
    fetched), KINERJA_TARGET (duckdb; postgres builds and serves the marts on the KINERJA_PG_*
    server), KINERJA_CHROMIUM (found on PATH), DAGSTER_HOME (none: an ephemeral instance),
    DAGSTER_PG_HOST (Dagster's own storage in that PostgreSQL server: dagster.postgres.yaml),
    KINERJA_KEEP_RELEASES (30 releases kept) and KINERJA_KEEP_DAYS (365 days of backups, logs,
    quarantine reports and landing copies).
    """
    home = env.get("DAGSTER_HOME")
    return Settings(
        sources_dir=Path(env.get("KINERJA_SOURCES_DIR") or PROJECT_ROOT / "data" / "samples"),
        warehouse=Path(
            env.get("KINERJA_WAREHOUSE") or PROJECT_ROOT / "warehouse" / "kinerja.duckdb"
        ),
        manifest=Path(env.get("KINERJA_MANIFEST") or PROJECT_ROOT / "ingest" / "sources.yaml"),
        alert_webhook=env.get("KINERJA_ALERT_WEBHOOK") or None,
        retry_delay_seconds=float(env.get("KINERJA_RETRY_DELAY_SECONDS") or 60),
        target=env.get("KINERJA_TARGET") or "duckdb",
        postgres=PostgresConnection.from_variables(env),
        chromium=env.get("KINERJA_CHROMIUM") or None,
        dagster_home=Path(home).resolve() if home else None,
        dagster_config=PROJECT_ROOT
        / ("dagster.postgres.yaml" if env.get("DAGSTER_PG_HOST") else "dagster.yaml"),
        retention=Retention(
            releases=int(env.get("KINERJA_KEEP_RELEASES") or Retention.releases),
            days=int(env.get("KINERJA_KEEP_DAYS") or Retention.days),
        ),
        manifest_variables=dict(env),
    )


def crash_stage(env: Mapping[str, str] = os.environ) -> str | None:
    """KINERJA_CRASH_AT: the stage where a crash test kills the process (serving/crash_points)."""
    return env.get("KINERJA_CRASH_AT")
