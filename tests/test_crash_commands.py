"""Every command that writes, killed (SIGKILL of its process group) at each of its named stages
(serving/crash_points.py), then run again: the served file opens and is whole, the next command
succeeds, nothing half is served, restored or left where a reader looks.

One warehouse serves the module, in order: two releases (the second revises a score), a refused
file for the packs; then each command is killed and run again.
"""

from __future__ import annotations

import hashlib
import shutil

import duckdb
import openpyxl
import pytest

from orchestration.settings import Settings
from tests.conftest import BEKASI, SAMPLES, query
from tests.crashes import KILLED, assert_no_stale_lock, manifest_with, run
from tests.digests import mart_digests
from tests.test_releases import correct_setwan_rb_2024

RB_2023 = f"rb/{BEKASI}/rb_2023.csv"
FACTS = "select count(*) from marts.fct_agency_score"


def killed_at(stage: str, *command: str, settings: Settings) -> str:
    code, output = run(*command, settings=settings, env={"KINERJA_CRASH_AT": stage})
    assert code == KILLED, output[-3000:]
    assert_no_stale_lock(settings)
    return output


def done(*command: str, settings: Settings) -> str:
    code, output = run(*command, settings=settings)
    assert code == 0, output[-3000:]
    return output


def served_whole(settings: Settings) -> dict[str, str]:
    """The served file opens, read-only as BI opens it, and holds every mart."""
    digests = mart_digests(settings.warehouse)
    assert len(digests) >= 14, digests
    return digests


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Settings:
    root = tmp_path_factory.mktemp("commands")
    settings = Settings(
        sources_dir=shutil.copytree(SAMPLES, root / "sources"),
        warehouse=root / "warehouse" / "kinerja.duckdb",
        manifest=manifest_with(root / "sources.yaml"),
    )
    (settings.sources_dir / "sakip" / BEKASI / "sakip_2026.csv").write_text(
        "Kode;Nama;Nilai\n1;Dinas X;banyak\n", encoding="utf-8"
    )
    assert run("refresh", settings=settings)[0] == 1  # published, one file refused
    correct_setwan_rb_2024(settings.sources_dir)
    assert run("refresh", settings=settings)[0] == 0  # the refused file unchanged: not read
    return settings


def test_a_retirement_killed_after_its_commit_is_published_and_nothing_blocks(warehouse):
    """Its .wal is on disk: the next refresh folds it in (the retirement is published), and no
    stale .wal is ever replayed into another file."""
    settings = warehouse
    gone = settings.sources_dir.parent / "rb_2023.csv"
    shutil.move(settings.sources_dir / RB_2023, gone)
    killed_at("retire_committed", "retire", RB_2023, "--reason", "x", settings=settings)
    assert settings.working.with_name(settings.working.name + ".wal").exists()
    served_whole(settings)
    done("refresh", settings=settings)
    assert query(settings, f"{FACTS} where source_file = ?", [RB_2023]) == [(0,)]
    assert "nothing new" in done("refresh", settings=settings)
    done("report", "--regency", BEKASI, "--as-of", "2025-12", "--no-pdf", settings=settings)
    shutil.move(gone, settings.sources_dir / RB_2023)
    done("refresh", settings=settings)
    assert query(settings, f"{FACTS} where source_file = ?", [RB_2023]) == [(61,)]


def test_a_review_killed_after_recording_is_rendered_whole_by_the_next(warehouse):
    settings = warehouse
    month = settings.reports_dir / BEKASI / "2024-06"
    killed_at(
        "report_recorded", "report", "--regency", BEKASI, "--as-of", "2024-06", "--no-pdf",
        settings=settings,
    )  # fmt: skip
    assert not month.exists()
    done("report", "--regency", BEKASI, "--as-of", "2024-06", "--no-pdf", settings=settings)
    assert sorted(p.name for p in month.parent.iterdir() if "2024-06" in p.name) == ["2024-06"]
    assert (month / f"tinjauan-{BEKASI}-2024-06.xlsx").exists()


def test_a_rollback_killed_before_its_swap_serves_what_it_served(warehouse):
    settings = warehouse
    before = served_whole(settings)
    killed_at("rollback_recorded", "rollback", settings=settings)
    assert served_whole(settings) == before
    done("rollback", settings=settings)
    assert served_whole(settings) != before
    done("refresh", settings=settings)  # a rollback in force is news: the working file served
    after = served_whole(settings)
    # the review recorded above reaches the served marts with this publish
    assert {k: v for k, v in after.items() if k != "review_snapshot"} == {
        k: v for k, v in before.items() if k != "review_snapshot"
    }


def test_a_backup_killed_before_it_is_whole_is_not_there_and_a_half_one_is_not_restored(
    warehouse, tmp_path
):
    settings = warehouse
    out = tmp_path / "off the machine"
    [(release,)] = query(settings, "select max(release_id) from marts.publish_log")
    killed_at("backup_copied", "backup", "--out", str(out), settings=settings)
    assert not (out / release).exists(), "a backup appears only whole"
    code, output = run("restore", release, "--from", str(out), settings=settings)
    assert code == 64 and "no backup of release" in output
    done("backup", "--out", str(out), settings=settings)
    killed_at("backup_copied", "backup", "--out", str(out), settings=settings)
    # the backup taken before the killed one is whole and still there: restored, verified
    elsewhere = Settings(settings.sources_dir, tmp_path / "elsewhere" / "kinerja.duckdb",
                         settings.manifest)  # fmt: skip
    done("restore", release, "--from", str(out), settings=elsewhere)
    assert query(elsewhere, FACTS) == query(settings, FACTS)
    # one mart lost from a copy of it: refused, nothing touched
    half = tmp_path / "half"
    shutil.copytree(out / release, half / release)
    (half / release / "marts" / "fct_agency_score.parquet").unlink()
    working = hashlib.sha256(elsewhere.working.read_bytes()).hexdigest()
    code, output = run("restore", release, "--from", str(half), settings=elsewhere)
    assert code == 64 and "is not whole: missing ['marts/fct_agency_score.parquet']" in output
    assert hashlib.sha256(elsewhere.working.read_bytes()).hexdigest() == working


def test_a_restore_killed_before_it_serves_stops_the_refresh_until_it_is_run_again(
    warehouse, tmp_path
):
    settings = warehouse
    out = tmp_path / "backups"
    done("backup", "--out", str(out), settings=settings)
    [(release,)] = query(settings, "select max(release_id) from marts.publish_log")
    killed_at("restore_working", "restore", release, "--from", str(out), settings=settings)
    served_whole(settings)
    code, output = run("refresh", settings=settings)
    assert (
        code == 2
        and (
            f"a restore was cut off before it served its release: run `kinerja restore {release} "
            f"--from {out / release}` again first"
        )
        in output
    ), output
    done("restore", release, "--from", str(out), settings=settings)
    assert query(settings, "select event from marts.publish_log order by published_at desc")[0] == (
        "restore",
    )
    assert "nothing new" in done("refresh", settings=settings)
    served_whole(settings)


def test_a_bulk_release_killed_before_it_is_in_place_leaves_the_release_as_it_was(warehouse):
    settings = warehouse
    [(release,)] = query(settings, "select max(release_id) from marts.publish_log")
    folder = settings.releases_dir / release
    killed_at("release_written", "release", settings=settings)
    assert sorted(p.name for p in folder.iterdir()) == ["marts"], "no half bulk release"
    code, output = run("query", "--as-of", release, FACTS, settings=settings)
    assert code == 0, output
    done("release", settings=settings)
    sums = (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert len(sums) > 30
    for line in sums:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    assert (folder / "datapackage.json").exists()
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]


def test_a_pack_killed_before_it_is_in_place_leaves_the_pack_before_it(warehouse):
    settings = warehouse
    done("feedback", "--no-pdf", settings=settings)
    pack = settings.feedback_dir / BEKASI
    before = sorted(p.name for p in pack.iterdir())
    assert "sakip-sakip_2026.csv-perbaikan.xlsx" in before
    killed_at("feedback_written", "feedback", "--no-pdf", settings=settings)
    assert sorted(p.name for p in pack.iterdir()) == before
    done("feedback", "--no-pdf", settings=settings)
    assert sorted(p.name for p in pack.iterdir()) == before
    assert not [p for p in settings.feedback_dir.iterdir() if p.name.startswith(".")]


def test_a_template_killed_before_it_is_in_place_is_not_there(warehouse):
    settings = warehouse
    command = ("template", "--regency", BEKASI, "--source", "rb", "--year", "2026")
    killed_at("template_written", *command, settings=settings)
    assert not (settings.templates_dir / BEKASI / "rb_2026.xlsx").exists()
    path = done(*command, settings=settings).strip().splitlines()[-1]
    assert openpyxl.load_workbook(path).sheetnames == ["Isian", "Daftar"]


def test_history_survives_a_publish_killed_after_it_served(warehouse):
    """Killed after the new served file is in place, before its build became the working file:
    the next refresh records that release in the history (the log and its revisions), and a
    rollback's row stays in the log across later publishes."""
    settings = warehouse
    rb = settings.sources_dir / "rb" / BEKASI / "rb_2025.csv"
    rb.write_text(
        rb.read_text(encoding="utf-8").replace(
            "SETWAN,Sekretariat DPRD,75.96,BB", "SETWAN,Sekretariat DPRD,81.20,A"
        ),
        encoding="utf-8",
    )
    killed_at("publish_served", "refresh", settings=settings)
    [(served,)] = query(settings, "select max(release_id) from marts.publish_log")
    done("refresh", settings=settings)
    log = query(settings, "select event, release_id from marts.publish_log order by published_at")
    published = [r for e, r in log if e == "publish"]
    assert published == sorted(published, key=lambda r: int(r.rsplit(".", 1)[1]))
    assert [int(r.rsplit(".", 1)[1]) for r in published] == list(range(1, len(published) + 1))
    # the rollback and the restore of the tests above, noted in served files alone, are kept
    assert {"rollback", "restore"} <= {event for event, _ in log}
    revised = query(
        settings,
        "select new_release_id, old_score, new_score from marts.score_revision "
        "where agency_code = '32.16.SETWAN' and index_code = 'rb' and evaluation_year = 2025",
    )
    assert revised == [(served, 75.96, 81.2)], "the release that served it lists the revision"
    with duckdb.connect(str(settings.working), read_only=True) as con:
        assert con.execute("select count(*) from marts.publish_log").fetchone()[0] == len(log)
