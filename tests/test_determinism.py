"""The same inputs give the same warehouse, whatever order the files are read in; and when two
files hold the same agency, index and year, the stated rule decides (ingest/raw_store.py): the
later announcement date, then the later receipt, then the later file name, then the sha256.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime

import yaml

from ingest import raw_store
from ingest.manifest import DEFAULT_MANIFEST, SourceEntry
from orchestration.settings import Settings
from tests.conftest import BEKASI, SAMPLES, query, query_internal, receive_and_ingest, run_refresh
from tests.corpus.make_corpus import SAKIP_HEADER, SAKIP_ROWS, csv_text, spbe_document
from tests.digests import mart_digests

# A correction of three 2024 SAKIP results, and a later announcement of Bekasi's SPBE 2024 in a
# file whose name sorts before the first announcement's.
KOREKSI = f"sakip/{BEKASI}/sakip_2024_koreksi.csv"
REVISI = f"spbe/{BEKASI}/spbe_2024-revisi.json"
REVISED_SPBE = spbe_document(tanggal_pengumuman="2025-02-10", indeks=4.12, predikat="Sangat Baik")


def _sources(root):
    sources = shutil.copytree(SAMPLES, root / "sources")
    (sources / KOREKSI).write_text(csv_text([SAKIP_HEADER, *SAKIP_ROWS]), encoding="utf-8-sig")
    (sources / REVISI).write_text(json.dumps(REVISED_SPBE), encoding="utf-8")
    return sources


def _manifest(path, first: list[str]):
    """The project's manifest with `first` files named before the globs that also match them,
    so that they are read first."""
    document = yaml.safe_load(DEFAULT_MANIFEST.read_text(encoding="utf-8"))
    named = [{"source": f.split("/")[0], "path": f} for f in first]
    document["sources"] = [*named, *document["sources"]]
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def test_the_order_files_are_read_in_does_not_change_the_warehouse(tmp_path):
    sources = _sources(tmp_path)
    in_name_order = Settings(sources, tmp_path / "a" / "kinerja.duckdb", DEFAULT_MANIFEST)
    reversed_pairs = Settings(
        sources,
        tmp_path / "b" / "kinerja.duckdb",
        _manifest(tmp_path / "reversed.yaml", [KOREKSI, f"spbe/{BEKASI}/spbe_2024.json"]),
    )
    assert run_refresh(in_name_order).success and run_refresh(reversed_pairs).success
    assert mart_digests(in_name_order.warehouse) == mart_digests(reversed_pairs.warehouse)

    # The correction wins by its later file name; the revised SPBE by its later announcement.
    setda = query(
        in_name_order,
        "select score, band_code, source_file from marts.fct_agency_score "
        "where agency_code = '32.16.SETDA' and index_code = 'sakip' and evaluation_year = 2024",
    )
    assert setda == [(75.75, "BB", KOREKSI)]
    spbe = query(
        in_name_order,
        "select score, source_file from marts.fct_agency_score "
        "where agency_code = ? and index_code = 'spbe' and evaluation_year = 2024",
        [BEKASI],
    )
    assert spbe == [(4.12, REVISI)]
    # Each clash is named, as a warning on the file read second, whichever that was.
    for settings in (in_name_order, reversed_pairs):
        clashes = query_internal(
            settings,
            "select distinct file, value from raw.contract_issues where \"check\" = 'superseded'",
        )
        assert {frozenset(pair) for pair in clashes} == {
            frozenset({f"sakip/{BEKASI}/sakip_2024.xlsx", KOREKSI}),
            frozenset({f"spbe/{BEKASI}/spbe_2024.json", REVISI}),
        }, clashes


def _load(store, sources, landing, night: datetime, run_id: str):
    entry = [SourceEntry("sakip", path="sakip/**/*")]
    return receive_and_ingest(store, "sakip", entry, sources, landing, run_id, received_at=night)


def test_a_correction_sent_on_a_later_night_wins_and_a_file_put_back_is_received_again(tmp_path):
    sources = shutil.copytree(SAMPLES, tmp_path / "sources")
    landing = tmp_path / "landing"
    # Named to sort before the Inspektorat's original: only its later receipt makes it win.
    correction = sources / "sakip" / BEKASI / "sakip_2025-a.csv"

    def setda(evaluation: str, score: str, band: str) -> str:
        row = ["1", "Sekretariat Daerah", "20,00", "20,00", "10,00", evaluation, score, band]
        return csv_text([SAKIP_HEADER, row])

    with raw_store.RawStore(tmp_path / "work.duckdb") as store:
        receive_and_ingest(
            store,
            "agencies",
            [SourceEntry("agencies", path="agencies/**/*")],
            sources,
            landing,
            "m",
        )

        def setda_2025():
            return store._con.execute(
                "select score, source_file from raw.sakip "
                "where agency_code = '32.16.SETDA' and evaluation_year = 2025"
            ).fetchall()

        _load(store, sources, landing, datetime(2026, 3, 1, 2), "night 1")
        assert setda_2025()[0][1] == f"sakip/{BEKASI}/sakip_2025.xlsx"
        correction.write_text(setda("20,00", "70,00", "B"), encoding="utf-8-sig")
        _load(store, sources, landing, datetime(2026, 3, 2, 2), "night 2")
        assert setda_2025() == [(70.0, f"sakip/{BEKASI}/sakip_2025-a.csv")]
        correction.write_text(setda("22,00", "72,00", "BB"), encoding="utf-8-sig")
        _load(store, sources, landing, datetime(2026, 3, 3, 2), "night 3")
        assert setda_2025()[0][0] == 72.0
        # The correction of the correction is withdrawn: the file is put back as it was.
        correction.write_text(setda("20,00", "70,00", "B"), encoding="utf-8-sig")
        outcomes = _load(store, sources, landing, datetime(2026, 3, 4, 2), "night 4")
        assert {o.file: o.status for o in outcomes}[f"sakip/{BEKASI}/sakip_2025-a.csv"] == "loaded"
        assert setda_2025()[0][0] == 70.0


def test_a_night_that_rebuilds_only_what_a_new_file_reaches_serves_what_a_full_build_serves(
    tmp_path,
):
    """The second night loads one SAKIP correction: dbt leaves out the seeds and the other
    sources' staging models and tests, and the marts are exactly those of a first build of the
    same files into an empty warehouse."""
    sources = shutil.copytree(SAMPLES, tmp_path / "sources")
    nightly = Settings(sources, tmp_path / "nightly" / "kinerja.duckdb", DEFAULT_MANIFEST)
    assert run_refresh(nightly).success
    (sources / KOREKSI).write_text(csv_text([SAKIP_HEADER, *SAKIP_ROWS]), encoding="utf-8-sig")
    assert run_refresh(nightly).success
    results = json.loads((nightly.dbt_artifacts_dir / "run_results.json").read_text())
    built = {result["unique_id"].split(".")[0] + "." + result["unique_id"].split(".")[2]
             for result in results["results"]}  # fmt: skip
    assert {"model.stg_sakip__scores", "model.agency_scorecard"} <= built
    assert "test.assert_fact_rows_match_sources" in built  # reads every source's staging
    assert not {"model.stg_rb__scores", "snapshot.agency_master_snapshot"} & built
    assert not any(node.startswith("seed.") for node in built)
    at_once = Settings(sources, tmp_path / "at_once" / "kinerja.duckdb", DEFAULT_MANIFEST)
    assert run_refresh(at_once).success
    assert mart_digests(nightly.warehouse) == mart_digests(at_once.warehouse)
