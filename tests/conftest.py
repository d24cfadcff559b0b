import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.definitions import build_definitions
from orchestration.settings import PROJECT_ROOT, Settings

SAMPLES = PROJECT_ROOT / "data" / "samples"


@pytest.fixture
def sources(tmp_path) -> Path:
    """A private copy of the bundled samples that a test may change."""
    return Path(shutil.copytree(SAMPLES, tmp_path / "sources"))


@pytest.fixture
def settings(tmp_path, sources) -> Settings:
    return Settings(
        sources_dir=sources,
        warehouse=tmp_path / "warehouse" / "kinerja.duckdb",
        manifest=PROJECT_ROOT / "ingest" / "sources.yaml",
    )


INGEST_ONLY = dg.AssetSelection.groups("ingest")


def run_refresh(
    settings: Settings, selection: dg.AssetSelection | None = None
) -> dg.ExecuteInProcessResult:
    """Run the refresh job for real; `selection=INGEST_ONLY` stops before dbt."""
    defs = build_definitions(settings)
    job = defs.resolve_job_def("refresh")
    keys = selection.resolve(defs.resolve_asset_graph()) if selection else None
    return job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
        asset_selection=list(keys) if keys else None,
    )


def query(settings: Settings, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()
