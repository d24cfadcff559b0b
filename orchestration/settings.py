"""Every environment difference, read in one place. Paths are relative to the working directory."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from serving.generations import WarehouseFiles

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    sources_dir: Path
    warehouse: Path
    manifest: Path
    alert_webhook: str | None = None
    retry_delay_seconds: float = 60.0
    target: str = "duckdb"  # or "postgres": where dbt builds and the marts are served

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
    def working(self) -> Path:
        """The pipeline's private working file (raw, staging, seeds, snapshots and marts); the
        served file at `warehouse` holds the marts alone."""
        return self.warehouse.parent / "work" / self.warehouse.name

    @property
    def files(self) -> WarehouseFiles:
        return WarehouseFiles(self.warehouse.resolve(), self.working.resolve())


def from_env() -> Settings:
    """KINERJA_SOURCES_DIR (bundled samples), KINERJA_WAREHOUSE (warehouse/kinerja.duckdb),
    KINERJA_MANIFEST (ingest/sources.yaml), KINERJA_ALERT_WEBHOOK (none),
    KINERJA_RETRY_DELAY_SECONDS (60: first wait before retrying a source that could not be fetched),
    KINERJA_TARGET (duckdb; postgres builds and serves the marts on the KINERJA_PG_* server).
    """
    env = os.environ
    return Settings(
        sources_dir=Path(env.get("KINERJA_SOURCES_DIR", PROJECT_ROOT / "data" / "samples")),
        warehouse=Path(env.get("KINERJA_WAREHOUSE", "warehouse/kinerja.duckdb")),
        manifest=Path(env.get("KINERJA_MANIFEST", PROJECT_ROOT / "ingest" / "sources.yaml")),
        alert_webhook=env.get("KINERJA_ALERT_WEBHOOK") or None,
        retry_delay_seconds=float(env.get("KINERJA_RETRY_DELAY_SECONDS", "60")),
        target=_target(env.get("KINERJA_TARGET", "duckdb")),
    )


TARGETS = ("duckdb", "postgres")


def _target(name: str) -> str:
    if name not in TARGETS:
        raise ValueError(f"KINERJA_TARGET={name!r}: expected one of {', '.join(TARGETS)}")
    return name
