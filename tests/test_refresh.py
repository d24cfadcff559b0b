"""The refresh job, materialized for real into a temporary DuckDB warehouse."""

import copy
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from contracts import reference
from orchestration import cli
from orchestration.automation import nightly_refresh
from orchestration.cli import refresh as refresh_command
from orchestration.definitions import build_definitions
from orchestration.freshness import FRESHNESS_CHECKS
from orchestration.settings import PROJECT_ROOT
from tests import builders as b
from tests.conftest import (
    BEKASI,
    KARAWANG,
    SAMPLES,
    keep_only_the_masters,
    query,
    query_internal,
    run_refresh,
    sha256,
)
from tests.test_fetch import Portal

BEKASI_YEARS, KARAWANG_YEARS = range(2021, 2026), range(2023, 2026)
# What the bundled samples hold, per regency: Bekasi's 61 agencies and the regency for SAKIP and
# RB; IPP for the three units KemenPAN-RB evaluated in 2021 and every agency from the 2022 decree
# on; one regency row a year for SPIP, SPBE and merit, and SPBE's 47 indicators. Karawang (55
# agencies and the regency) from 2023, its RB results for 2025 not in yet, merit for 2024 only.
EXPECTED_ROWS = {
    "sakip": {BEKASI: dict.fromkeys(BEKASI_YEARS, 62), KARAWANG: dict.fromkeys(KARAWANG_YEARS, 56)},
    "rb": {BEKASI: dict.fromkeys(BEKASI_YEARS, 62), KARAWANG: {2023: 56, 2024: 56}},
    "ipp": {
        BEKASI: {2021: 3} | dict.fromkeys(range(2022, 2026), 61),
        KARAWANG: dict.fromkeys(KARAWANG_YEARS, 55),
    },
    "spip": {BEKASI: dict.fromkeys(BEKASI_YEARS, 1), KARAWANG: dict.fromkeys(KARAWANG_YEARS, 1)},
    "spbe": {BEKASI: dict.fromkeys(BEKASI_YEARS, 1), KARAWANG: dict.fromkeys(KARAWANG_YEARS, 1)},
    "spbe_indicator": {
        BEKASI: dict.fromkeys(BEKASI_YEARS, 47),
        KARAWANG: dict.fromkeys(KARAWANG_YEARS, 47),
    },
    "merit": {BEKASI: dict.fromkeys(BEKASI_YEARS, 1), KARAWANG: {2024: 1}},
}
SAMPLE_FILES = 43


def rows_per_year(settings, table, pemda_code=BEKASI, run_id=None):
    sql = (
        f"select evaluation_year, count(*) from raw.{table} where agency_code = ? "
        "or agency_code like ? group by 1 order by 1"
    )
    return dict(query_internal(settings, sql, [pemda_code, f"{pemda_code}.%"], run_id=run_id))


def contract_checks(result):
    return {
        e.asset_check_evaluation_data.asset_key.path[-1]: e.asset_check_evaluation_data.passed
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.asset_check_evaluation_data.check_name == "pandera_contract"
    }


ALL_PASSED = dict.fromkeys(
    ["agency_master", "targets", "sakip", "rb", "spip", "spbe", "ipp", "merit"], True
)


def test_refresh_loads_every_sample_file_of_both_regencies(settings):
    result = run_refresh(settings)
    assert result.success
    assert contract_checks(result) == ALL_PASSED
    for table, regencies in EXPECTED_ROWS.items():
        for pemda_code, expected in regencies.items():
            assert rows_per_year(settings, table, pemda_code) == expected, (table, pemda_code)
    assert query_internal(settings, "select status, count(*) from raw.ingest_log group by 1") == [
        ("loaded", SAMPLE_FILES)
    ]
    # Each regency's master and targets land under its own code.
    assert query_internal(
        settings,
        "select pemda_code, count(distinct agency_code) from raw.agency_master group by 1 order by 1",
    ) == [(KARAWANG, 56), (BEKASI, 62)]
    assert query_internal(
        settings,
        "select pemda_code, count(*), count(*) filter (where agency_code not like pemda_code || '%') "
        "from raw.targets group by 1 order by 1",
    ) == [(KARAWANG, 510, 0), (BEKASI, 879, 0)]
    # Real results quoted in docs/indices.md arrive intact.
    assert query_internal(
        settings,
        "select evaluation_year, score, predicate from raw.spbe where agency_code = ? order by 1",
        [BEKASI],
    ) == [
        (2021, 1.6, "Kurang"),
        (2022, 1.71, "Kurang"),
        (2023, 3.28, "Baik"),
        (2024, 4.08, "Sangat Baik"),
        (2025, 4.48, "Memuaskan"),
    ]
    assert query_internal(
        settings,
        "select native_score, score, predicate from raw.ipp "
        "where agency_code = '32.16.RSUD' and evaluation_year = 2025",
    ) == [(97.8, 4.89, "A")]
    assert query_internal(
        settings,
        "select score from raw.sakip where agency_code = '32.16' order by evaluation_year limit 3",
    ) == [(50.29,), (61.79,), (62.74,)]
    # The province's SPIP answer resolved each record under its own regency.
    assert query_internal(
        settings, "select agency_code, count(*) from raw.spip group by 1 order by 1"
    ) == [
        (KARAWANG, 3),
        (BEKASI, 5),
    ]
    # Lineage back to the raw file, and the file kept in landing under its sha256.
    source_file, sha256 = query_internal(
        settings,
        "select source_file, source_sha256 from raw.merit where agency_code = ? "
        "and evaluation_year = 2024",
        [BEKASI],
    )[0]
    assert source_file == "merit/32.16/merit_2024-2025.csv"
    assert (settings.landing_dir / "merit" / f"{sha256}.csv").exists()


def test_rerun_on_unchanged_inputs_reads_builds_and_publishes_nothing(settings):
    """A night with nothing new: the job reads no file, runs no dbt, publishes nothing, and still
    checks every source's freshness; the schedule asks for the freshness checks alone, and
    `kinerja refresh` says so without Dagster."""
    run_refresh(settings)
    snapshot = "select count(*), sum(hash(agency_code, evaluation_year, source_row, loaded_at)) from raw.{}"
    tables = [*EXPECTED_ROWS, "targets"]
    before = {t: query_internal(settings, snapshot.format(t)) for t in tables}
    served, working = sha256(settings.warehouse), sha256(settings.working)
    second = run_refresh(settings)
    assert second.success
    assert sha256(settings.warehouse) == served and sha256(settings.working) == working
    assert {t: query_internal(settings, snapshot.format(t)) for t in tables} == before
    logged = "select count(*) from raw.ingest_log where run_id = ?"
    assert query_internal(settings, logged, [second.run_id]) == [(0,)]
    assert not settings.files.built_by(second.run_id)
    succeeded = {e.step_key for e in second.all_events if e.is_step_success}
    assert "published__warehouse" not in succeeded and "warehouse_models" in succeeded
    freshness = {
        e.asset_key.path[-1]
        for e in second.get_asset_check_evaluations()
        if e.check_name == "new_evaluation_year_within_cadence"
    }
    assert freshness == set(reference.indices())
    with dg.instance_for_test() as instance:
        request = nightly_refresh(
            dg.build_schedule_context(instance=instance, resources={"settings": settings})
        )
    assert request.asset_selection == []
    assert set(request.asset_check_keys) == {check.check_key for check in FRESHNESS_CHECKS}
    checks_only = (
        build_definitions(settings)
        .resolve_job_def("refresh")
        .get_subset(asset_selection=set(), asset_check_selection=set(request.asset_check_keys))
    )
    night = checks_only.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
    assert night.success and not night.get_asset_materialization_events()
    assert {e.asset_key.path[-1] for e in night.get_asset_check_evaluations()} == freshness
    env = {
        "KINERJA_SOURCES_DIR": str(settings.sources_dir),
        "KINERJA_WAREHOUSE": str(settings.warehouse),
    }
    third = kinerja("refresh", env_overrides=env)
    assert third.returncode == 0, third.stdout
    assert f"nothing new: {SAMPLE_FILES} files as last read, no model changed" in third.stdout
    assert sha256(settings.warehouse) == served and sha256(settings.working) == working


def test_an_http_source_is_fetched_paged_and_loaded(settings, tmp_path):
    keep_only_the_masters(settings.sources_dir)
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
        "sources:\n  - source: agencies\n    path: agencies/**/*\n"
        f"  - source: spip\n    url: {portal.url}\n    paging: ckan\n    page_size: 2\n"
        f"    name: spip_portal.json\n    pemda_code: '32'\n"
        "  - source: spbe\n    url: http://127.0.0.1:9/closed\n    timeout_seconds: 1\n"
        "    pemda_code: '32.16'\n",
        encoding="utf-8",
    )
    try:
        quick = settings.__class__(
            settings.sources_dir, settings.warehouse, manifest, retry_delay_seconds=0.05
        )
        result = run_refresh(quick)
    finally:
        portal.close()
    assert result.success, "a dead portal does not stop the other sources"
    assert rows_per_year(settings, "spip") == {2021: 1, 2022: 1, 2023: 1}
    log = query_internal(
        settings, "select index_code, status, file, pemda_code from raw.ingest_log"
    )
    assert sorted(log) == [
        ("agencies", "loaded", "agencies/32.15/agencies_kab_karawang.csv", KARAWANG),
        ("agencies", "loaded", "agencies/32.16/agencies_kab_bekasi.csv", BEKASI),
        ("spbe", "refused", "http://127.0.0.1:9/closed", BEKASI),
        ("spip", "loaded", portal.url, "32"),
    ]
    assert contract_checks(result)["spbe"] is False and contract_checks(result)["spip"] is True
    assert query(settings, "select count(*) from marts.fct_agency_score") == [(3,)]


def test_a_portal_answer_fetched_to_decide_what_is_new_is_the_one_the_refresh_loads(
    settings, tmp_path, monkeypatch
):
    keep_only_the_masters(settings.sources_dir)
    records = [b.SPIP_RECORD | {"tahun": 2022}, b.SPIP_RECORD | {"tahun": 2023}]
    portal = Portal([(200, b.ckan_answer(records, total=2), 0)])
    manifest = tmp_path / "sources.yaml"
    manifest.write_text(
        f"sources:\n  - source: spip\n    url: {portal.url}\n    paging: ckan\n"
        "    page_size: 2\n    name: spip_portal.json\n    pemda_code: '32'\n",
        encoding="utf-8",
    )
    for name, value in (
        ("KINERJA_SOURCES_DIR", settings.sources_dir),
        ("KINERJA_WAREHOUSE", settings.warehouse),
        ("KINERJA_MANIFEST", manifest),
    ):
        monkeypatch.setenv(name, str(value))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    try:
        code = cli.main(["refresh"])
    finally:
        portal.close()
    assert code == 0
    assert len(portal.requests) == 1, portal.requests  # by the decision, not again by the step
    assert rows_per_year(settings, "spip") == {2022: 1, 2023: 1}


def kinerja(*args, env_overrides):
    """The CLI in a process of its own; DAGSTER_HOME only when the test gives one."""
    env = os.environ | env_overrides
    if "DAGSTER_HOME" not in env_overrides:
        env.pop("DAGSTER_HOME", None)
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def break_and_add_files(sources: Path) -> dict[str, str]:
    """A night's delivery: one good new file and five bad ones, as the issue found them."""
    rb_2023 = sources / "rb" / BEKASI / "rb_2023.csv"
    rb_2023.write_text(  # an update of a loaded file, with a typo in an agency name
        rb_2023.read_text(encoding="utf-8").replace("Dinas Sosial", "Dinas Sosail"), "utf-8"
    )
    rows = copy.deepcopy(b.SAKIP_ROWS[:1])
    rows[0][1], rows[0][7] = "Sekretariat Daerah", "A"  # 75,75 is BB
    b.sakip_csv(sources / "sakip" / KARAWANG / "sakip_2026.csv", rows)
    header = ["No", "Unit Penyelenggara Pelayanan Publik", "Nilai Indeks", "Kategori", "Keterangan"]
    b.xlsx(
        sources / "ipp" / BEKASI / "ipp_2026.xlsx",
        {"Lampiran I": [header, [1, "Dinas Sosial", 4.2, "A-", ""], [2, "Dinsos", 188, "A", ""]]},
    )
    b.xlsx(
        sources / "merit" / KARAWANG / "merit_2026.xlsx",
        {
            "Penilaian": [
                ["Tahun", "Instansi", "Nilai", "Kategori"],
                [2026, "Kab. Karawang", "0,62", "Dasar"],
            ]
        },
    )
    b.write_json(
        sources / "spbe" / BEKASI / "spbe_2026.json", {"indeks": 4.5, "domain": {"kode": "layanan"}}
    )
    (sources / "merit" / BEKASI / "merit_2026.csv").write_text(
        "Tahun;Instansi;Nilai;Kategori\n2026;Pemerintah Kabupaten Bekasi;301,5;III\n", "utf-8"
    )
    return {
        "rb/32.16/rb_2023.csv": "[known_agency]",
        "sakip/32.15/sakip_2026.csv": "[predicate_matches_score]",
        "ipp/32.16/ipp_2026.xlsx": "[scale_unknown]",
        "merit/32.15/merit_2026.xlsx": "[unsupported_model]",
        "spbe/32.16/spbe_2026.json": "[wrong_type]",
    }


def test_refused_files_are_quarantined_and_every_good_file_publishes(settings, sources, tmp_path):
    env = {
        "KINERJA_SOURCES_DIR": str(sources),
        "KINERJA_WAREHOUSE": str(settings.warehouse),
        "DAGSTER_HOME": str(tmp_path / "not yet" / "dagster_home"),
    }
    first = kinerja("refresh", env_overrides=env)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert (tmp_path / "not yet" / "dagster_home" / "dagster.yaml").exists()
    log_file = next((settings.warehouse.parent / "logs").glob("refresh-*.log"))
    assert f"Dagster's log: {log_file}" in first.stdout
    assert 'Finished execution of run for "refresh"' in log_file.read_text(encoding="utf-8")
    assert "dbt" not in first.stdout.split("kinerja refresh: run")[0], (
        "dbt's output goes to the log"
    )
    assert f"{SAMPLE_FILES} files: {SAMPLE_FILES} loaded, 0 unchanged, 0 refused" in first.stdout
    assert "fct_agency_score 1334" in first.stdout
    assert f"Published {settings.warehouse}" in first.stdout
    original_rb = (sources / "rb" / BEKASI / "rb_2023.csv").read_bytes()

    refused = break_and_add_files(sources)
    second = kinerja("refresh", env_overrides=env)
    assert second.returncode == 1, second.stdout[-3000:]
    assert "Traceback" not in second.stdout + second.stderr
    for file, check in refused.items():
        assert f"{'refused':<10} {0:>6}  {file.split('/')[0]}: {file}" in second.stdout
        assert check in second.stdout
    assert f"Published {settings.warehouse}" in second.stdout
    # The good file's rows are served, none of the bad files' rows, and the earlier good load of
    # the refused update stays.
    served = "select count(*) from marts.fct_agency_score where evaluation_year = 2026"
    assert query(settings, served) == [(1,)]
    assert query(
        settings, "select agency_code from marts.fct_agency_score where evaluation_year = 2026"
    ) == [(BEKASI,)]
    assert rows_per_year(settings, "rb")[2023] == 62
    refusals = dict(
        query(
            settings,
            "select source_file, first_error from marts.source_status where status = 'refused' "
            "and refused_at is not null",
        )
    )
    assert set(refusals) == set(refused)
    for file, check in refused.items():
        assert file in refusals[file] and check in refusals[file]
    status = query(
        settings,
        "select source_file, status from marts.source_status where source_file in (?, ?) "
        "order by 1, 2",
        ["merit/32.16/merit_2026.csv", "rb/32.16/rb_2023.csv"],
    )
    assert status == [
        ("merit/32.16/merit_2026.csv", "loaded"),
        ("rb/32.16/rb_2023.csv", "loaded"),  # the version loaded before, still served
        ("rb/32.16/rb_2023.csv", "refused"),
    ]

    (sources / "rb" / BEKASI / "rb_2023.csv").write_bytes(original_rb)
    fixed = copy.deepcopy(b.SAKIP_ROWS[:1])
    fixed[0][1] = "Sekretariat Daerah"
    b.sakip_csv(sources / "sakip" / KARAWANG / "sakip_2026.csv", fixed)
    for file in (
        "ipp/32.16/ipp_2026.xlsx",
        "merit/32.15/merit_2026.xlsx",
        "spbe/32.16/spbe_2026.json",
    ):
        (sources / file).unlink()
    third = kinerja("refresh", env_overrides=env)
    assert third.returncode == 0, third.stdout[-3000:]
    assert f"{'loaded':<10} {1:>6}  sakip: sakip/32.15/sakip_2026.csv" in third.stdout
    history = query(
        settings,
        "select source_file, status from marts.source_status where refused_at is not null "
        "order by 1",
    )
    # the two files sent again end their refusal; the three taken away stay refused
    corrected = {"rb/32.16/rb_2023.csv", "sakip/32.15/sakip_2026.csv"}
    assert history == sorted(
        (file, "corrected" if file in corrected else "refused") for file in refused
    )
    assert query(
        settings,
        "select count(*) from marts.source_status where source_file = 'sakip/32.15/sakip_2026.csv' "
        "and status = 'loaded'",
    ) == [(1,)]
    # `kinerja validate` checks against the served masters: Babelan is Bekasi's, not Karawang's.
    foreign = b.sakip_csv(
        tmp_path / "check" / "sakip" / KARAWANG / "sakip_2027.csv", b.SAKIP_ROWS[1:2]
    )
    checked = kinerja("validate", str(foreign), env_overrides=env)
    assert checked.returncode == 1
    assert (
        "value 'Kec. Babelan' [known_agency] agency not in the master for 32.15" in checked.stdout
    )


def test_cli_validate_checks_against_the_masters_named_without_loading(tmp_path, settings):
    master = SAMPLES / "agencies" / BEKASI / "agencies_kab_bekasi.csv"
    good = SAMPLES / "sakip" / BEKASI / "sakip_2024.xlsx"
    bad = b.sakip_csv(
        tmp_path / "sakip" / BEKASI / "sakip_2023.csv",
        rows=[[1, "Dinas Pendidkan", "1", "1", "1", "1", "4", "D"]],
    )
    env = {"KINERJA_WAREHOUSE": str(settings.warehouse)}
    without_master = kinerja("validate", str(good), env_overrides=env)
    assert without_master.returncode == 1
    assert "no agency master for 32.16 has been loaded yet" in without_master.stdout
    result = kinerja("validate", str(good), str(bad), str(master), env_overrides=env)
    assert result.returncode == 1
    assert f"{master} [agencies, 32.16]: ok (63 rows)" in result.stdout
    assert f"{good} [sakip, 32.16]: ok (61 rows)" in result.stdout
    assert f"{bad} [sakip, 32.16]: REFUSED (1 errors)" in result.stdout
    assert (
        "row 2, column 'Perangkat Daerah': value 'Dinas Pendidkan' [known_agency]" in result.stdout
    )
    assert not settings.warehouse.exists()


@pytest.mark.parametrize("name", ["notes.csv"])
def test_cli_validate_asks_for_the_index_when_it_cannot_tell(tmp_path, name):
    path = tmp_path / name
    path.write_text("a,b\n", encoding="utf-8")
    result = kinerja("validate", str(path), env_overrides={})
    assert result.returncode == 64
    assert result.stderr == f"kinerja validate: {path}: cannot tell the source; pass --index " + (
        "(agencies, targets, sakip, rb, spip, spbe, ipp, merit)\n"
    )


def test_cli_validate_refuses_a_region_that_contradicts_the_files_folder():
    path = SAMPLES / "sakip" / BEKASI / "sakip_2024.xlsx"
    result = kinerja("validate", str(path), "--pemda-code", KARAWANG, env_overrides={})
    assert (result.returncode, result.stdout) == (64, "")
    assert result.stderr == (
        f"kinerja validate: {path} is under the folder of region {BEKASI}, but --pemda-code "
        f"says {KARAWANG}: a file belongs to the region its folder names\n"
    )


def test_past_300_files_the_summary_is_per_source_with_every_refused_file(capsys):
    files = pd.DataFrame(
        {
            "index_code": ["sakip"] * 250 + ["rb"] * 100,
            "file": [f"sakip/32.{n:02d}/sakip_2025.xlsx" for n in range(250)]
            + [f"rb/32.{n:02d}/rb_2025.csv" for n in range(100)],
            "status": ["loaded"] * 249 + ["refused"] + ["unchanged"] * 99 + ["refused"],
            "rows": [61] * 249 + [0] + [0] * 100,
        }
    )
    refresh_command._print_files(files)
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == ["sakip", "249", "0", "1", "15189"]
    assert out[2].split() == ["rb", "0", "99", "1", "0"]
    assert out[3:] == [
        "refused    sakip: sakip/32.249/sakip_2025.xlsx",
        "refused    rb: rb/32.99/rb_2025.csv",
    ]


def test_a_warehouse_an_earlier_version_made_refreshes_after_the_upgrade(settings, monkeypatch):
    """The first night after an upgrade brings no new file, only a changed dbt project: no
    ingest step runs, yet the models read raw columns the earlier version did not write. The
    build gains them before dbt reads it, and the refresh reports its issues as usual."""
    assert run_refresh(settings).success
    with duckdb.connect(str(settings.working)) as con:  # the raw schema before issue 18
        con.execute("alter table raw.ingest_log drop column first_error_indonesian")
        con.execute("alter table raw.contract_issues drop column message_template")
        con.execute("alter table raw.contract_issues drop column message_params")
    settings.files.models.unlink()  # built by another dbt project than this one
    monkeypatch.setenv("KINERJA_SOURCES_DIR", str(settings.sources_dir))
    monkeypatch.setenv("KINERJA_WAREHOUSE", str(settings.warehouse))
    assert cli.main(["refresh"]) == cli.PUBLISHED
    assert query(settings, "select count(*) from marts.source_status")[0][0] > 0
