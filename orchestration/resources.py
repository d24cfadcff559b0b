"""The Dagster resource that tells the ingest assets where sources, landing and warehouse are."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from ingest.manifest import SourceEntry, load_manifest
from orchestration.settings import Settings


class KinerjaPaths(dg.ConfigurableResource):
    sources_dir: str
    warehouse: str
    manifest: str
    alert_webhook: str | None = None
    retry_delay_seconds: float = 60.0
    target: str = "duckdb"

    @classmethod
    def from_settings(cls, settings: Settings) -> KinerjaPaths:
        return cls(
            sources_dir=str(settings.sources_dir),
            warehouse=str(settings.warehouse),
            manifest=str(settings.manifest),
            alert_webhook=settings.alert_webhook,
            retry_delay_seconds=settings.retry_delay_seconds,
            target=settings.target,
        )

    @property
    def settings(self) -> Settings:
        return Settings(
            Path(self.sources_dir),
            Path(self.warehouse),
            Path(self.manifest),
            self.alert_webhook,
            self.retry_delay_seconds,
            self.target,
        )

    def entries(self, index_code: str) -> list[SourceEntry]:
        return [e for e in load_manifest(Path(self.manifest)) if e.index == index_code]
