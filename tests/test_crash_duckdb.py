"""A refresh killed at each stage, then run again, on the embedded DuckDB warehouse.

One chain of runs serves every test: a refresh publishes the old generation; tonight's new files
arrive (a local file and a portal's document); a refresh is killed half-way through the download,
then one run is killed at each named stage of serving/crash_points.py, each run starting where
the killed one left the files; then a last run completes. After every kill: the served warehouse
is the old generation or the new, never a mix; no duplicate rows; no stale lock; no landed file
half-written. Then a review is killed while it records its snapshot.
"""

from __future__ import annotations

import json
import os
import shutil
import signal

import duckdb
import pytest

from orchestration.settings import Settings
from tests.conftest import BEKASI, SAMPLES, query, query_internal, run_refresh
from tests.corpus.make_corpus import spbe_document
from tests.crashes import (
    KILLED,
    StallingPortal,
    assert_landing_holds_only_whole_files,
    assert_no_duplicate_rows,
    assert_no_stale_lock,
    kinerja,
    manifest_with,
    run,
    wait_for,
)
from tests.digests import mart_digests
from tests.test_serving import add_merit_2026

STAGES = ["raw_load", "dbt", "gate", "publish_exported", "publish_served"]
KARAWANG_SPBE_2022 = spbe_document(
    instansi="Pemerintah Kabupaten Karawang", kode_wilayah="32.15", tahun=2022,
    tanggal_pengumuman="2023-01-20", indeks=2.71, predikat="Baik",
)  # fmt: skip


def _state(settings: Settings) -> dict:
    """What a reader and the next run find after a kill."""
    assert_no_stale_lock(settings)
    assert_no_duplicate_rows(settings)
    return {
        "marts": mart_digests(settings.warehouse),
        "half_written": assert_landing_holds_only_whole_files(settings),
    }


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    root = tmp_path_factory.mktemp("crash")
    settings = Settings(
        sources_dir=shutil.copytree(SAMPLES, root / "sources"),
        warehouse=root / "warehouse" / "kinerja.duckdb",
        manifest=manifest_with(root / "sources.yaml"),
    )
    assert run_refresh(settings).success
    old = mart_digests(settings.warehouse)

    add_merit_2026(settings.sources_dir)
    # Padded past the reader's first chunk, so that half of it is on disk while the rest waits.
    body = (json.dumps(KARAWANG_SPBE_2022) + " " * 400_000).encode()
    portal = StallingPortal(body)
    entry = {"source": "spbe", "url": portal.url, "pemda_code": "32.15", "name": "spbe_2022.json"}
    manifest_with(settings.manifest, entry)
    seen = {}

    portal.stall.set()
    refresh = kinerja("refresh", settings=settings)
    downloads = settings.landing_dir / "_downloads" / "spbe"

    def half_written() -> bool:
        return any(p.stat().st_size > 0 for p in downloads.glob(".spbe_2022.json.*.partial"))

    wait_for(half_written, "a half-written download")
    os.killpg(refresh.pid, signal.SIGKILL)
    refresh.wait()
    portal.stall.clear()
    portal.released.set()
    seen["fetch"] = _state(settings) | {"code": refresh.returncode}

    for stage in STAGES:
        code, output = run("refresh", settings=settings, env={"KINERJA_CRASH_AT": stage})
        seen[stage] = _state(settings) | {"code": code, "output": output}
    code, output = run("refresh", settings=settings)
    assert code == 0, output[-3000:]
    seen["after"] = _state(settings)
    yield settings, old, seen, portal.url
    portal.close()


def test_each_run_was_killed_at_its_stage(chain):
    _, _, seen, _ = chain
    for stage in ["fetch", *STAGES]:
        assert seen[stage]["code"] == KILLED, seen[stage].get("output", "")[-3000:]


def test_the_served_warehouse_is_the_old_generation_or_the_new_never_a_mix(chain):
    settings, old, seen, _ = chain
    new = seen["after"]["marts"]
    assert new != old
    for stage in ["fetch", "raw_load", "dbt", "gate", "publish_exported"]:
        assert seen[stage]["marts"] == old, f"killed at {stage}: the served file changed"
    assert seen["publish_served"]["marts"] == new, "killed after the rename: the new generation"
    assert query(settings, "select count(*) from marts.fct_agency_score") == [(1336,)]


def test_nothing_half_written_survives_the_next_run(chain):
    _, _, seen, _ = chain
    [left] = seen["fetch"]["half_written"]
    assert left.name.startswith(".spbe_2022.json.") and left.name.endswith(".partial")
    left = {stage: seen[stage]["half_written"] for stage in [*STAGES, "after"]}
    assert all(paths == [] for paths in left.values()), left


def test_the_working_file_holds_each_new_file_once(chain):
    settings, _, _, url = chain
    loaded = query_internal(
        settings,
        "select file, count(*) from raw.ingest_log where status = 'loaded' "
        "and file in ('merit/32.16/merit_2026.csv', ?) group by 1 order by 1",
        [url],
    )
    assert [count for _, count in loaded] == [1, 1]


def test_a_review_killed_while_recording_its_snapshot_leaves_no_trace(chain):
    settings, _, _, url = chain
    month = settings.reports_dir / BEKASI / "2025-12"
    code, output = run(
        "report", "--regency", BEKASI, "--as-of", "2025-12", "--no-pdf",
        settings=settings, env={"KINERJA_CRASH_AT": "report"},
    )  # fmt: skip
    assert code == KILLED, output[-3000:]
    assert not month.exists(), "the review's files appear only once it is recorded"
    assert_no_stale_lock(settings)
    with duckdb.connect(str(settings.working), read_only=True) as con:
        tables = con.execute(
            "select count(*) from information_schema.tables where table_name = 'review_snapshot'"
        ).fetchone()[0]
        if tables:
            assert con.execute("select count(*) from marts.review_snapshot").fetchone()[0] == 0

    code, output = run(
        "report", "--regency", BEKASI, "--as-of", "2025-12", "--no-pdf", settings=settings
    )
    assert code == 0, output[-3000:]
    assert sorted(p.name for p in month.iterdir()) == [
        "csv",
        f"tinjauan-{BEKASI}-2025-12.html",
        f"tinjauan-{BEKASI}-2025-12.xlsx",
    ]
    assert [p.name for p in month.parent.iterdir()] == ["2025-12"], "no half-made review is left"
    [(rows,)] = query_internal(settings, "select count(*) from marts.review_snapshot")
    assert rows == 5 + 3 * 61


def test_a_release_kept_but_never_served_is_no_release_and_a_served_one_is_recorded(chain):
    """Killed at publish_exported, a run kept its release's Parquet and never served it: that
    release answers no `--as-of`. Killed at publish_served, a run served its release before
    saying so: the next run records it, and it answers."""
    settings, _, _, _ = chain
    kept = sorted(p.name for p in settings.releases_dir.iterdir() if not p.name.startswith("."))
    logged = [r for (r,) in query(settings, "select release_id from marts.publish_log "
                                            "where event = 'publish' order by published_at")]  # fmt: skip
    [never_served] = sorted(set(kept) - set(logged))
    code, output = run("query", "--as-of", never_served, "select 1", settings=settings)
    assert code == 64 and f"release {never_served} was kept but never served" in output
    for release in logged:
        code, output = run("query", "--as-of", release, "select 1 as one", settings=settings)
        assert code == 0, output
    assert len(logged) == 3, "the first, the one killed after it served, and the last"
