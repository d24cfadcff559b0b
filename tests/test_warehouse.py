"""The star schema of docs/warehouse.md, queried after a real refresh (ingest, then dbt build)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from orchestration import cli
from orchestration.definitions import build_definitions
from orchestration.settings import PROJECT_ROOT, Settings
from tests.conftest import SAMPLES, query, query_internal, run_refresh

MARTS = {
    "dim_agency", "dim_index", "dim_rating_band", "dim_component", "dim_period",
    "fct_agency_score", "fct_agency_component_score", "agency_scorecard", "agency_score_trend",
    "agency_target_gap", "agency_ranking", "fct_spbe_indicator", "partition_checks",
    "source_status", "publish_log", "score_revision",
}  # fmt: skip
BEKASI_FACTS = "select * from marts.fct_agency_score where agency_code like '32.16%'"


@pytest.fixture
def built(published_samples):
    """One full refresh of the bundled samples, shared by the read-only tests below."""
    return published_samples


def test_the_refresh_builds_every_mart_and_all_dbt_tests_pass(built):
    settings, result = built
    assert result.success
    tables = {
        t
        for (t,) in query(
            settings,
            "select table_name from information_schema.tables where table_schema = 'marts'",
        )
    }
    assert tables == MARTS
    # The served file is the public interface alone: nothing internal leaves the working file.
    schemas = query(
        settings,
        "select distinct schema_name from duckdb_tables() where database_name = current_database()",
    )
    assert schemas == [("marts",)]
    internal = query_internal(
        settings, "select distinct schema_name from duckdb_tables() order by 1"
    )
    assert {s for (s,) in internal} >= {"raw", "marts", "reference", "snapshots"}
    checks = [
        e.asset_check_evaluation_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    assert len(checks) > 60, "dbt tests surface as asset checks"
    assert [c.check_name for c in checks if not c.passed] == []
    # Not-null is a constraint of each mart's contract, enforced by the engine as dbt builds it.
    nullable = query_internal(
        settings,
        "select column_name from duckdb_columns() where schema_name = 'marts' "
        "and table_name = 'fct_agency_score' and not is_nullable order by column_index",
    )
    assert [c for (c,) in nullable][:6] == [
        "agency_key", "agency_code", "pemda_code", "index_code", "evaluation_year", "score",
    ]  # fmt: skip


def test_one_fact_per_agency_index_and_year_with_the_band_of_its_score(built):
    settings, _ = built
    counts = dict(
        (tuple(k), n)
        for *k, n in query(
            settings,
            f"select index_code, evaluation_year, count(*) from ({BEKASI_FACTS}) group by 1, 2",
        )
    )
    assert counts[("sakip", 2023)] == 62 and counts[("rb", 2022)] == 62
    assert counts[("ipp", 2021)] == 3 and counts[("ipp", 2025)] == 61
    assert all(counts[(i, y)] == 1 for i in ("spip", "spbe", "merit") for y in range(2021, 2026))
    spbe = query(
        settings,
        f"select evaluation_year, score, band_code from ({BEKASI_FACTS}) where index_code = 'spbe' order by 1",
    )
    assert spbe == [
        (2021, 1.6, "Kurang"), (2022, 1.71, "Kurang"), (2023, 3.28, "Baik"),
        (2024, 4.08, "Sangat Baik"), (2025, 4.48, "Memuaskan"),
    ]  # fmt: skip
    ipp = dict(
        query(
            settings,
            "select agency_code, band_code from marts.fct_agency_score where index_code = 'ipp' and evaluation_year = 2025",
        )
    )
    assert ipp["32.16.RSUD"] == "A" and ipp["32.16.KEC_SUKAKARYA"] == "A-"
    # Bappeda's 80,00 sits on the BB/A bound: the published A is kept.
    assert query(
        settings,
        "select band_code, score_pct from marts.fct_agency_score where agency_code = '32.16.BAPPEDA' and index_code = 'sakip' and evaluation_year = 2024",
    ) == [("A", 80.0)]
    merit = query(
        settings,
        f"select score, score_pct, band_code from ({BEKASI_FACTS}) where index_code = 'merit' and evaluation_year = 2021",
    )
    assert merit == [(231.5, 43.833333333333336, "II")]


def test_a_renamed_agency_keeps_its_code_and_facts_join_the_version_of_their_year(built):
    settings, _ = built
    versions = query(
        settings,
        "select agency_name, valid_from, valid_to, is_current from marts.dim_agency where agency_code = '32.16.DISKOMINFOSANTIK' order by valid_from",
    )
    assert [(v[0], str(v[1]), str(v[2]), v[3]) for v in versions] == [
        ("Dinas Komunikasi dan Informatika", "2017-01-01", "2023-01-01", False),
        (
            "Dinas Komunikasi, Informatika, Persandian dan Statistik",
            "2023-01-01",
            "9999-12-31",
            True,
        ),
    ]
    by_year = query(
        settings,
        """
        select f.evaluation_year, a.agency_name from marts.fct_agency_score f
        join marts.dim_agency a using (agency_key)
        where f.agency_code = '32.16.DISKOMINFOSANTIK' and f.index_code = 'rb' order by 1""",
    )
    assert [name for _, name in by_year] == ["Dinas Komunikasi dan Informatika"] * 2 + [
        "Dinas Komunikasi, Informatika, Persandian dan Statistik"
    ] * 3


def test_the_marts_answer_the_monthly_review_questions(built):
    settings, _ = built
    # Who is highest and lowest in SAKIP this year, and who are the award candidates?
    ranking = query(
        settings,
        """
        select agency_code, agency_group, score, rank_in_regency, award_candidate, needs_assistance
        from marts.agency_ranking where index_code = 'sakip' and evaluation_year = 2025
        and pemda_code = '32.16' order by rank_in_regency""",
    )
    scores = [r[2] for r in ranking]
    assert len(ranking) == 61 and scores == sorted(scores, reverse=True)
    assert ranking[0][3] == 1 and ranking[-1][3] == 61
    awards = {r[1]: r[0] for r in ranking if r[4]}
    best = {g: next(r[0] for r in ranking if r[1] == g) for g in ("perangkat_daerah", "kecamatan")}
    assert awards == best
    # Who misses the target? The regency's merit index (296,5, band III) misses the IV of 2025.
    gap = query(
        settings,
        """
        select target_band_code, actual_band_code, target_met, points_short
        from marts.agency_target_gap where agency_code = '32.16' and index_code = 'merit'
        and evaluation_year = 2025""",
    )
    assert gap == [("IV", "III", False, 28.5)]
    # An agency that missed its target is on the assistance list.
    missed = query(
        settings,
        """
        select count(*) from marts.agency_ranking r join marts.agency_target_gap g
        using (agency_code, index_code, evaluation_year)
        where g.target_met = false and not r.needs_assistance""",
    )
    assert missed == [(0,)]
    # The scorecard shows each index side by side with the change since the year before.
    card = query(
        settings,
        """
        select sakip_score, sakip_band, sakip_change, spbe_band, merit_score
        from marts.agency_scorecard where agency_code = '32.16' and evaluation_year = 2022""",
    )
    assert card == [(61.79, "B", pytest.approx(11.5), "Kurang", 258.0)]


def test_the_dagster_graph_is_connected_from_file_to_mart():
    defs = build_definitions(
        Settings(SAMPLES, PROJECT_ROOT / "unused.duckdb", PROJECT_ROOT / "ingest" / "sources.yaml")
    )
    graph = defs.resolve_asset_graph()
    mart = dg.AssetKey(["marts", "agency_ranking"])
    upstream = graph.get(mart).parent_keys
    seen, frontier = set(), set(upstream)
    while frontier:
        key = frontier.pop()
        seen.add(key)
        frontier |= set(graph.get(key).parent_keys) - seen
    for table in ("agency_master", "targets", "sakip", "rb", "spip", "spbe", "ipp", "merit"):
        assert dg.AssetKey(["raw", table]) in seen
    indicators = graph.get(dg.AssetKey(["marts", "fct_spbe_indicator"])).parent_keys
    assert dg.AssetKey(["staging", "stg_spbe__indicators"]) in indicators


def test_two_regencies_side_by_side_each_ranked_and_checked_on_its_own(built):
    settings, _ = built
    agencies = query(
        settings,
        "select pemda_code, pemda_name, count(distinct agency_code) from marts.dim_agency "
        "group by 1, 2 order by 1",
    )
    assert agencies == [("32.15", "Kabupaten Karawang", 56), ("32.16", "Kabupaten Bekasi", 62)]
    ranked = query(
        settings,
        "select pemda_code, max(agencies_ranked), count(*) filter (where award_candidate) "
        "from marts.agency_ranking where index_code = 'sakip' and evaluation_year = 2025 "
        "group by 1 order by 1",
    )
    assert ranked == [("32.15", 55, 2), ("32.16", 61, 2)]
    # Karawang has not delivered RB 2025 yet: no partition, no warning, for it or for Bekasi.
    partitions = query(
        settings,
        "select pemda_code, complete, rows_kept, warning from marts.partition_checks "
        "where index_code = 'rb' and evaluation_year = 2025",
    )
    assert partitions == [("32.16", True, True, None)]
    assert query(
        settings, "select count(*) from marts.partition_checks where warning is not null"
    ) == [(0,)]
    # Targets of each regency's plan meet its own facts: Karawang's 55 agencies for SAKIP (3
    # years), RB (2: 2025 is late) and IPP (3), the regency for SAKIP, RB, SPIP, SPBE and merit.
    assert query(
        settings,
        "select count(*) from marts.agency_target_gap g join marts.dim_agency a "
        "using (agency_key) where a.pemda_code = '32.15' and g.actual_band_code is not null",
    ) == [(55 * (3 + 2 + 3) + (3 + 2 + 3 + 3 + 1),)]


def test_a_refused_file_holds_back_nothing_else(settings, sources):
    (sources / "rb" / "32.16" / "rb_2026.csv").write_text(
        "Tahun,Kode,Perangkat Daerah,Nilai,Predikat\n2026,SETDA,Sekretariat Daerah,77.10,A\n",
        encoding="utf-8",
    )
    (sources / "merit" / "32.15" / "merit_2026.csv").write_text(
        "Tahun;Instansi;Nilai;Kategori\n2026;Pemerintah Kabupaten Karawang;301,5;III\n",
        encoding="utf-8",
    )
    result = run_refresh(settings)
    assert result.success, "a refused file fails neither a step nor the run"
    assert query(
        settings,
        "select agency_code, index_code from marts.fct_agency_score where evaluation_year = 2026",
    ) == [("32.15", "merit")]


def test_an_incomplete_year_of_one_regency_is_published_with_a_warning(settings, sources):
    """Bekasi's 2026 RB export holds one agency: valid row by row, incomplete as a whole against
    the 62 with a score in 2025 (its plan sets no target for 2026)."""
    (sources / "rb" / "32.16" / "rb_2026.csv").write_text(
        "Tahun,Kode,Perangkat Daerah,Nilai,Predikat\n2026,SETDA,Sekretariat Daerah,77.10,BB\n",
        encoding="utf-8",
    )
    result = run_refresh(settings)
    assert result.success
    warned = [
        e.asset_check_evaluation_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and not e.asset_check_evaluation_data.passed
    ]
    assert {(c.asset_key.path[-1], c.severity.value) for c in warned} == {
        ("partition_checks", "WARN")
    }
    assert query(
        settings,
        "select pemda_code, complete, rows_kept, warning from marts.partition_checks "
        "where warning is not null",
    ) == [
        (
            "32.16",
            False,
            False,
            "1 of 62 expected agencies present",
        )
    ]
    assert query(
        settings,
        "select warnings from marts.source_status where source_file = 'rb/32.16/rb_2026.csv'",
    ) == [("32.16 rb 2026: 1 of 62 expected agencies present",)]


def test_an_agency_renamed_in_a_new_master_gets_a_new_version(settings, sources):
    """The Bagian Organisasi sends a master with a rename: the old version stays, dim_agency
    gains one, and the snapshot keeps what the masters said before."""
    assert run_refresh(settings).success
    master = sources / "agencies" / "32.16" / "agencies_kab_bekasi.csv"
    with master.open("a", encoding="utf-8") as f:
        f.write("32.16.DISDIK,Dinas Pendidikan dan Kebudayaan,Disdikbud,dinas,32.16,,2026-01-01\n")
    assert run_refresh(settings).success
    versions = query(
        settings,
        "select agency_name, cast(valid_from as varchar), cast(valid_to as varchar) "
        "from marts.dim_agency where agency_code = '32.16.DISDIK' order by valid_from",
    )
    assert versions == [
        ("Dinas Pendidikan", "2017-01-01", "2026-01-01"),
        ("Dinas Pendidikan dan Kebudayaan", "2026-01-01", "9999-12-31"),
    ]
    # Facts of 2025 still join the version in force on 31 December 2025.
    assert query(
        settings,
        "select distinct a.agency_name from marts.fct_agency_score f join marts.dim_agency a "
        "using (agency_key) where f.agency_code = '32.16.DISDIK' and f.evaluation_year = 2025",
    ) == [("Dinas Pendidikan",)]
    assert query_internal(
        settings,
        "select count(*) from snapshots.agency_master_snapshot where agency_code = '32.16.DISDIK'",
    ) == [(2,)]

    # A broken master (an alias naming two agencies) is refused: the previous one stays in force.
    master.write_text(
        master.read_text(encoding="utf-8").replace(
            "Dinas Sosial,Dinsos,dinas,32.16,", "Dinas Sosial,Dinsos,dinas,32.16,Disdik"
        ),
        encoding="utf-8",
    )
    refused = run_refresh(settings)
    assert refused.success
    assert query(
        settings,
        "select status, coalesce(first_error like '%name_names_one_agency%', false) "
        "from marts.source_status "
        "where source_file = 'agencies/32.16/agencies_kab_bekasi.csv' order by received_at",
    ) == [("loaded", False), ("loaded", False), ("refused", True)]
    assert query(
        settings,
        "select count(*) from marts.dim_agency where agency_code = '32.16.DISDIK'",
    ) == [(2,)]


def test_the_dbt_unit_tests_pass(built, tmp_path):
    """The nightly build leaves dbt's unit tests out (they test the models' logic, not the night's
    data); here they run, on a copy of a built working file for the input relations' columns."""
    settings, _ = built
    working = Path(shutil.copyfile(settings.working, tmp_path / "kinerja.duckdb"))
    dbt_project = PROJECT_ROOT / "dbt_project"
    run = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "test",
            "--select",
            "test_type:unit",
            "--project-dir",
            str(dbt_project),
            "--profiles-dir",
            str(dbt_project),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
            "--vars",
            json.dumps({"warehouse_path": str(working)}),
        ],  # fmt: skip
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert "PASS=10 " in run.stdout and "ERROR=0" in run.stdout


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["query", "select * from marts.no_such_mart"], "kinerja query: Catalog Error"),
        (["rollback"], "kinerja rollback: nothing to roll back to"),
        (["refresh", "--target", "postgres"], "kinerja refresh: target postgres needs its server"),
        (["restore", "2026-01-01.1", "--from", "/nowhere"], "kinerja restore: no backup of"),
    ],
    ids=["bad-sql", "nothing-to-roll-back", "postgres-without-a-server", "no-backup-there"],
)
def test_an_operators_mistake_is_one_line_and_exit_64(
    built, tmp_path, monkeypatch, capsys, arguments, says
):
    served = tmp_path / "kinerja.duckdb"
    shutil.copyfile(built[0].warehouse, served)  # published once: no generation to roll back to
    for name in [n for n in os.environ if n.startswith("KINERJA_PG_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("KINERJA_WAREHOUSE", str(served))
    assert cli.main(arguments) == 64
    error = capsys.readouterr().err
    assert error.startswith(says) and error.count("\n") == 1, error


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["feedback", "--since", "2026-13-01"], "Invalid value for '--since': '2026-13-01'"),
        (["validate", "--pemda-code", "32.99", "x.csv"], "Invalid value for '--pemda-code'"),
        (["report", "--province", "32.16"], "'32.16' is no province"),
        (["template", "--regency", "32.16", "--source", "rb"], "Missing option '--year'"),
        (["query"], "Missing argument 'SQL'"),
    ],
    ids=["bad-date", "no-such-region", "not-a-province", "missing-option", "missing-argument"],
)
def test_a_usage_error_names_its_option_and_exits_64(capsys, arguments, says):
    assert cli.main(arguments) == 64
    error = capsys.readouterr().err
    assert error.startswith(f"Usage: kinerja {arguments[0]} ") and says in error, error
    assert "Traceback" not in error


def test_a_bug_keeps_its_traceback(monkeypatch):
    """Only what the code raises on purpose for an operator's mistake is one line: anything
    else is a bug, and its traceback is what whoever fixes it needs."""
    from serving.engines import on_duckdb

    def broken(self):
        raise LookupError("a bug, not a mistake")

    monkeypatch.setattr(on_duckdb.DuckDBEngine, "rollback", broken)
    with pytest.raises(LookupError, match="a bug, not a mistake"):
        cli.main(["rollback"])
