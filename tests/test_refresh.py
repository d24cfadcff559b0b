"""The refresh job, materialized for real into a temporary DuckDB warehouse."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.settings import PROJECT_ROOT
from tests import builders as b
from tests.conftest import query, run_refresh, sha256
from tests.test_fetch import Portal

YEARS = range(2021, 2026)
# What the bundled samples hold: 61 agencies and the regency for SAKIP and RB; IPP for the three
# units KemenPAN-RB evaluated in 2021 and every agency from the 2022 decree on; one regency row a
# year for SPIP, SPBE and merit, and SPBE's 47 indicators.
EXPECTED_ROWS = {
    "sakip": dict.fromkeys(YEARS, 62),
    "rb": dict.fromkeys(YEARS, 62),
    "ipp": {2021: 3} | dict.fromkeys(range(2022, 2026), 61),
    "spip": dict.fromkeys(YEARS, 1),
    "spbe": dict.fromkeys(YEARS, 1),
    "spbe_indicator": dict.fromkeys(YEARS, 47),
    "merit": dict.fromkeys(YEARS, 1),
}


def rows_per_year(settings, table, run_id=None):
    sql = f"select evaluation_year, count(*) from raw.{table} group by 1 order by 1"
    return dict(query(settings, sql, run_id=run_id))


def contract_checks(result):
    return {
        e.asset_check_evaluation_data.asset_key.path[-1]: e.asset_check_evaluation_data.passed
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.asset_check_evaluation_data.check_name == "pandera_contract"
    }


def test_refresh_loads_every_sample_file_of_all_six_sources(settings):
    result = run_refresh(settings)
    assert result.success
    assert contract_checks(result) == dict.fromkeys(
        ["sakip", "rb", "spip", "spbe", "ipp", "merit"], True
    )
    for table, expected in EXPECTED_ROWS.items():
        assert rows_per_year(settings, table) == expected, table
    assert query(settings, "select status, count(*) from raw.ingest_log group by 1") == [
        ("loaded", 25)
    ]
    # Real results quoted in DOMAIN.md arrive intact.
    assert query(settings, "select evaluation_year, score, predicate from raw.spbe order by 1") == [
        (2021, 1.6, "Kurang"),
        (2022, 1.71, "Kurang"),
        (2023, 3.28, "Baik"),
        (2024, 4.08, "Sangat Baik"),
        (2025, 4.48, "Memuaskan"),
    ]
    assert query(
        settings,
        "select native_score, score, predicate from raw.ipp "
        "where agency_code = '32.16.RSUD' and evaluation_year = 2025",
    ) == [(97.8, 4.89, "A")]
    assert query(
        settings,
        "select score from raw.sakip where agency_code = '32.16' order by evaluation_year limit 3",
    ) == [(50.29,), (61.79,), (62.74,)]
    # Lineage back to the raw file, and the file kept in landing under its sha256.
    source_file, sha256 = query(
        settings, "select source_file, source_sha256 from raw.merit where evaluation_year = 2024"
    )[0]
    assert source_file == "merit/merit_2024-2025.csv"
    assert (settings.landing_dir / "merit" / f"{sha256}.csv").exists()


def test_rerun_on_unchanged_inputs_loads_nothing(settings):
    run_refresh(settings)
    snapshot = "select count(*), sum(hash(agency_code, evaluation_year, source_row, loaded_at)) from raw.{}"
    before = {t: query(settings, snapshot.format(t)) for t in EXPECTED_ROWS}
    second = run_refresh(settings)
    assert second.success
    assert {t: query(settings, snapshot.format(t)) for t in EXPECTED_ROWS} == before
    statuses = query(
        settings,
        "select status, count(*) from raw.ingest_log where run_id = ? group by 1",
        [second.run_id],
    )
    assert statuses == [("unchanged", 25)]


def test_a_refused_file_keeps_the_previous_good_load_and_others_still_load(settings, sources):
    run_refresh(settings)
    served = sha256(settings.warehouse)
    # The 2023 RB export is replaced by one with a typo in an agency name; a 2026 file arrives too.
    bad = sources / "rb" / "rb_2023.csv"
    bad.write_text(
        bad.read_text(encoding="utf-8").replace("Dinas Sosial", "Dinas Sosail"), encoding="utf-8"
    )
    (sources / "rb" / "rb_2026.csv").write_text(
        "Tahun,Kode,Perangkat Daerah,Nilai,Predikat\n2026,SETDA,Sekretariat Daerah,77.10,BB\n",
        encoding="utf-8",
    )
    result = run_refresh(settings)

    assert contract_checks(result)["rb"] is False
    assert sha256(settings.warehouse) == served, "a refused file publishes nothing"
    # In the run's build, the good file loaded and the refused one left the 2023 rows as they were.
    assert rows_per_year(settings, "rb", result.run_id)[2026] == 1
    assert query(
        settings, "select count(*) from raw.rb where evaluation_year = 2023", run_id=result.run_id
    ) == [(62,)]
    log = query(
        settings,
        "select file, status, sha256, landed_path from raw.ingest_log "
        "where run_id = ? and status <> 'unchanged' order by file",
        [result.run_id],
        run_id=result.run_id,
    )
    assert [(f, s) for f, s, _, _ in log] == [
        ("rb/rb_2023.csv", "refused"),
        ("rb/rb_2026.csv", "loaded"),
    ]
    assert Path(log[0][3]).read_bytes() == bad.read_bytes(), "the refused file is kept in landing"
    report = json.loads((settings.quarantine_dir / f"{result.run_id}.json").read_text())
    errors = [r for r in report if r["severity"] == "error"]
    assert len(errors) == 1
    assert errors[0]["file"] == "rb/rb_2023.csv"
    assert errors[0]["column"] == "Perangkat Daerah"
    assert errors[0]["value"] == "Dinas Sosail"
    assert errors[0]["check"] == "known_agency"
    assert errors[0]["row"] > 1
    assert "Dinas Sosial" in errors[0]["message"]


def test_an_http_source_is_fetched_paged_and_loaded(settings, tmp_path):
    records = [
        b.SPIP_RECORD | {"tahun": y, "skor_maturitas": s, "level": lvl}
        for y, s, lvl in ((2021, "2,95", "2"), (2022, "3,05", "3"), (2023, "3,12", "3"))
    ]
    portal = Portal(
        [
            lambda path: (
                200,
                b.ckan_answer(records[int(path.split("offset=")[1].split("&")[0]) :][:2], total=3),
                0,
            )
        ]
    )
    manifest = tmp_path / "sources.yaml"
    manifest.write_text(
        f"sources:\n  - index: spip\n    url: {portal.url}\n    paging: ckan\n    page_size: 2\n"
        f"    name: spip_portal.json\n  - index: spbe\n    url: http://127.0.0.1:9/closed\n"
        f"    timeout_seconds: 1\n",
        encoding="utf-8",
    )
    try:
        # The closed port is a transient failure: retried (quickly here), then refused.
        quick = settings.__class__(
            settings.sources_dir, settings.warehouse, manifest, retry_delay_seconds=0.05
        )
        result = run_refresh(quick)
    finally:
        portal.close()
    assert rows_per_year(settings, "spip", result.run_id) == {2021: 1, 2022: 1, 2023: 1}
    log = dict(
        query(settings, "select index_code, status from raw.ingest_log", run_id=result.run_id)
    )
    assert log == {"spip": "loaded", "spbe": "refused"}
    assert contract_checks(result) == {
        "sakip": True, "rb": True, "ipp": True, "merit": True, "spip": True, "spbe": False,
    }  # fmt: skip


def kinerja(*args, env_overrides):
    env = os.environ | env_overrides | {"DAGSTER_HOME": ""}
    env.pop("DAGSTER_HOME")
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_refresh_prints_the_summary_and_fails_on_a_refused_file(settings, sources):
    env = {"KINERJA_SOURCES_DIR": str(sources), "KINERJA_WAREHOUSE": str(settings.warehouse)}
    first = kinerja("refresh", env_overrides=env)
    assert first.returncode == 0, first.stderr
    assert "25 files: 25 loaded, 0 unchanged, 0 refused; 882 rows loaded" in first.stdout
    assert "fct_agency_score 882" in first.stdout
    assert f"Published {settings.warehouse}" in first.stdout

    b.write_json(sources / "spip" / "spip_2026.json", b.ckan_answer([], success=False))
    second = kinerja("refresh", env_overrides=env)
    assert second.returncode == 1
    assert "refused        0  spip: spip/spip_2026.json" in second.stdout
    assert "[portal_error]" in second.stdout
    assert "Quarantine report:" in second.stdout
    assert "NOT published" in second.stdout


def test_cli_validate_checks_without_loading(tmp_path, settings):
    good = PROJECT_ROOT / "data" / "samples" / "sakip" / "sakip_2024.xlsx"
    bad = b.sakip_csv(
        tmp_path / "sakip" / "sakip_2023.csv",
        rows=[[1, "Dinas Pendidkan", "1", "1", "1", "1", "4", "D"]],
    )
    result = kinerja("validate", str(good), str(bad), env_overrides={})
    assert result.returncode == 1
    assert f"{good} [sakip]: ok (61 rows)" in result.stdout
    assert f"{bad} [sakip]: REFUSED (1 errors)" in result.stdout
    assert (
        "row 2, column 'Perangkat Daerah': value 'Dinas Pendidkan' [known_agency]" in result.stdout
    )
    assert not settings.warehouse.exists()


@pytest.mark.parametrize("name", ["notes.csv"])
def test_cli_validate_asks_for_the_index_when_it_cannot_tell(tmp_path, name):
    path = tmp_path / name
    path.write_text("a,b\n", encoding="utf-8")
    result = kinerja("validate", str(path), env_overrides={})
    assert result.returncode == 1
    assert "cannot tell the index; pass --index" in result.stdout
