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


def run_refresh(settings: Settings) -> dg.ExecuteInProcessResult:
    job = build_definitions(settings).resolve_job_def("refresh")
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)


def query(settings: Settings, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()
