import hashlib
import shutil
import subprocess
from functools import cache
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from contracts.agencies import Masters, agencies_from_frame
from ingest.options import Options
from ingest.pipeline import check_file
from orchestration.settings import PROJECT_ROOT, Settings

SAMPLES = PROJECT_ROOT / "data" / "samples"
BEKASI, KARAWANG = "32.16", "32.15"


@cache
def sample_masters() -> Masters:
    """The agency masters of the bundled regencies, read through their own contract."""
    agencies = []
    for path in sorted((SAMPLES / "agencies").glob("*/*.csv")):
        frames, issues = check_file(
            "agencies", path, Options(pemda_code=path.parent.name), Masters()
        )
        assert frames, [i.describe() for i in issues]
        agencies += agencies_from_frame(frames["agency_master"])
    return Masters(agencies)


def pytest_configure(config):
    """dbt's manifest, made as `make` makes it when a dbt source is newer: plain `pytest` never
    tests a stale one. Once, in the process that starts the workers (the definitions, which read
    the manifest, are imported by test modules, after this)."""
    if not hasattr(config, "workerinput"):
        subprocess.run(
            ["make", "--silent", "dbt_project/target/manifest.json"], cwd=PROJECT_ROOT, check=True
        )


@pytest.fixture
def sources(tmp_path) -> Path:
    """A private copy of the bundled samples that a test may change."""
    return Path(shutil.copytree(SAMPLES, tmp_path / "sources"))


def receive_and_ingest(
    store, source, entries, sources_dir, landing, run_id, retry=None, received_at=None
):
    """What one ingest step does with its source's manifest entries: receive, then ingest."""
    from ingest.pipeline import ingest_received
    from ingest.receiving import receive

    received = receive(entries, sources_dir, landing, retry)
    return ingest_received(store, source, received, landing, run_id, received_at)


def keep_only_the_masters(sources: Path) -> None:
    """Leave the agency masters alone in a sources dir: a test of portal sources then reads them
    and nothing else (a source no manifest entry names is read from its folder)."""
    for folder in sources.iterdir():
        if folder.is_dir() and folder.name != "agencies":
            shutil.rmtree(folder)


@pytest.fixture
def settings(tmp_path, sources) -> Settings:
    return Settings(
        sources_dir=sources,
        warehouse=tmp_path / "warehouse" / "kinerja.duckdb",
        manifest=PROJECT_ROOT / "ingest" / "sources.yaml",
    )


@pytest.fixture(scope="session")
def published_samples(tmp_path_factory) -> tuple[Settings, dg.ExecuteInProcessResult]:
    """One full refresh of the bundled samples, shared by every test that only reads it."""
    root = tmp_path_factory.mktemp("samples")
    settings = Settings(
        sources_dir=shutil.copytree(SAMPLES, root / "sources"),
        warehouse=root / "warehouse" / "kinerja.duckdb",
        manifest=PROJECT_ROOT / "ingest" / "sources.yaml",
    )
    return settings, run_refresh(settings)


def run_refresh(settings: Settings) -> dg.ExecuteInProcessResult:
    """Run the refresh job for real, as the schedule and `kinerja refresh` do."""
    from orchestration.definitions import build_definitions

    job = build_definitions(settings).resolve_job_def("refresh")
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)


def query(settings: Settings, sql: str, params=None) -> list[tuple]:
    """Query the served warehouse, as BI tools do: the marts alone."""
    return _query(settings.warehouse, sql, params)


def query_internal(settings: Settings, sql: str, params=None, run_id: str | None = None):
    """Query the pipeline's working file (raw, snapshots...), or with `run_id` the file that run
    wrote (its build if unpublished)."""
    return _query(settings.files.current_for(run_id) if run_id else settings.working, sql, params)


def _query(path: Path, sql: str, params) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
