"""Every environment difference, read in one place. Paths are relative to the working directory."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    sources_dir: Path
    warehouse: Path
    manifest: Path

    @property
    def landing_dir(self) -> Path:
        return self.warehouse.parent / "landing"

    @property
    def quarantine_dir(self) -> Path:
        return self.warehouse.parent / "quarantine"


def from_env() -> Settings:
    """KINERJA_SOURCES_DIR (bundled samples), KINERJA_WAREHOUSE (warehouse/kinerja.duckdb),
    KINERJA_MANIFEST (ingest/sources.yaml)."""
    env = os.environ
    return Settings(
        sources_dir=Path(env.get("KINERJA_SOURCES_DIR", PROJECT_ROOT / "data" / "samples")),
        warehouse=Path(env.get("KINERJA_WAREHOUSE", "warehouse/kinerja.duckdb")),
        manifest=Path(env.get("KINERJA_MANIFEST", PROJECT_ROOT / "ingest" / "sources.yaml")),
    )
