"""Releases an official can cite: every publish is one, each changed score is a revision, each
release is a valid open data package, and a query as of an earlier release gives its numbers."""

import hashlib
import json
from datetime import UTC, datetime

import pytest

from serving.releases import next_release_id
from tests.conftest import BEKASI, query, run_refresh
from tests.crashes import run

SETWAN_RB_2024 = (
    "select score, band_code from marts.fct_agency_score "
    "where agency_code = '32.16.SETWAN' and index_code = 'rb' and evaluation_year = 2024"
)


def correct_setwan_rb_2024(sources):
    """The RB 2024 file of Bekasi sent again with one agency's score corrected: 66,50 (B) was
    71,25 (BB)."""
    path = sources / "rb" / BEKASI / "rb_2024.csv"
    text = path.read_text(encoding="utf-8")
    wrong = "Sekretariat Dewan Perwakilan Rakyat Daerah,66.50,B"
    assert wrong in text
    path.write_text(
        text.replace(wrong, "Sekretariat Dewan Perwakilan Rakyat Daerah,71.25,BB"), "utf-8"
    )


@pytest.fixture
def two_releases(settings, sources):
    assert run_refresh(settings).success
    correct_setwan_rb_2024(sources)
    assert run_refresh(settings).success
    return settings


def test_two_refreshes_with_one_corrected_file_give_two_releases_and_a_revision(two_releases):
    settings = two_releases
    today = datetime.now(UTC).date().isoformat()
    log = query(settings, "select event, release_id from marts.publish_log order by published_at")
    assert log == [("publish", f"{today}.1"), ("publish", f"{today}.2")]
    assert query(settings, SETWAN_RB_2024) == [(71.25, "BB")]
    revisions = query(
        settings,
        "select pemda_code, agency_code, index_code, evaluation_year, old_score, new_score, "
        "old_band_code, new_band_code, change, source_file, old_release_id, new_release_id "
        "from marts.score_revision",
    )
    assert revisions == [
        ("32.16", "32.16.SETWAN", "rb", 2024, 66.5, 71.25, "B", "BB", "revised",
         "rb/32.16/rb_2024.csv", f"{today}.1", f"{today}.2"),
    ]  # fmt: skip
    (changed_by,) = query(settings, "select source_sha256 from marts.score_revision")[0]
    path = settings.sources_dir / "rb" / BEKASI / "rb_2024.csv"
    assert changed_by == hashlib.sha256(path.read_bytes()).hexdigest()

    code, output = run(
        "query", "--as-of", f"{today}.1", SETWAN_RB_2024.replace("\n", " "), settings=settings
    )
    assert code == 0, output
    assert output.split("\n")[1].split() == ["66.5", "B"]
    code, output = run("query", "--as-of", "2020-01-01.1", "select 1", settings=settings)
    assert code == 64
    assert "no release '2020-01-01.1' is kept" in output and f"{today}.2" in output


def test_each_release_is_a_valid_data_package_with_notes_and_checksums(two_releases):
    from frictionless import validate

    settings = two_releases
    today = datetime.now(UTC).date().isoformat()
    for release in (f"{today}.1", f"{today}.2"):
        code, output = run("release", "--release", release, settings=settings)
        assert code == 0, output
        folder = settings.warehouse.parent / "releases" / release
        report = validate(str(folder / "datapackage.json"))
        assert report.valid, report.flatten(["resourceName", "type", "note"])
        package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        assert package["version"] == release
        names = {r["name"] for r in package["resources"]}
        assert {"fct-agency-score", "fct-agency-score-parquet", "score-revision"} <= names
        for line in (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
            digest, name = line.split("  ")
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    notes = (folder / "RELEASE_NOTES.md").read_text(encoding="utf-8")
    assert f"Previous release: {today}.1." in notes
    assert "0 scores added, 1 revised, 0 withdrawn" in notes
    assert "| 32.16 | 32.16.SETWAN | rb | 2024 | 66.5 (B) | 71.25 (BB) | revised |" in notes
    dictionary = (folder / "data-dictionary.csv").read_text(encoding="utf-8")
    # A column the files fill names the headers they use for it.
    assert "fct_agency_score" in dictionary and "rb: Nilai, Nilai Indeks" in dictionary


def test_after_a_rollback_the_next_release_is_new_and_revises_what_was_served(two_releases):
    settings = two_releases
    today = datetime.now(UTC).date().isoformat()
    code, output = run("rollback", settings=settings)
    assert code == 0, output
    assert query(settings, SETWAN_RB_2024) == [(66.5, "B")]  # release .1 served again
    path = settings.sources_dir / "rb" / BEKASI / "rb_2024.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace(",71.25,BB", ",72.00,BB"), encoding="utf-8"
    )
    assert run_refresh(settings).success
    assert query(settings, "select release_id from marts.publish_log where event = 'publish'")[
        -1
    ] == (f"{today}.3",)
    assert query(
        settings,
        "select old_score, new_score, old_release_id from marts.score_revision "
        f"where new_release_id = '{today}.3'",
    ) == [(66.5, 72.0, f"{today}.1")]


def test_release_ids_are_the_date_and_the_sequence_that_day():
    at = datetime(2026, 12, 3, 23, 59)
    assert next_release_id(at, []) == "2026-12-03.1"
    assert next_release_id(at, [None, "2026-12-02.4"]) == "2026-12-03.1"
    earlier = [f"2026-12-03.{n}" for n in range(1, 10)]
    assert next_release_id(at, earlier) == "2026-12-03.10"
    assert next_release_id(at, [*earlier, "2026-12-03.10"]) == "2026-12-03.11"
