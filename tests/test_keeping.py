"""Retiring, keeping, restoring: a file that is gone keeps its rows until a user retires it; a
warehouse keeps what its retention says; a backup restored into an empty folder refreshes on."""

import dataclasses
import os
import shutil
import time

import pytest

from serving.retention import Retention
from tests.conftest import BEKASI, query, run_refresh
from tests.crashes import run

RB_2024 = f"rb/{BEKASI}/rb_2024.csv"
FROM_RB_2024 = f"select count(*) from marts.fct_agency_score where source_file = '{RB_2024}'"


def test_a_retired_file_leaves_the_next_release_and_comes_back_when_sent_again(settings, tmp_path):
    settings = dataclasses.replace(settings, retention=Retention(releases=2))
    assert run_refresh(settings).success
    [(rows,)] = query(settings, FROM_RB_2024)
    assert rows == 61
    code, output = run("retire", RB_2024, "--reason", "x", settings=settings)
    assert code == 64 and "still in the sources dir" in output
    gone = tmp_path / "rb_2024.csv"
    shutil.move(settings.sources_dir / RB_2024, gone)
    code, output = run("refresh", settings=settings)
    assert code == 0 and "nothing new" in output, output
    assert query(settings, FROM_RB_2024) == [(61,)], "a file that is gone keeps its rows"

    code, output = run("retire", RB_2024, "--reason", "diganti berkas kabupaten", settings=settings)
    assert code == 0, output
    assert f"Retired {RB_2024} (rb): 61 rows removed" in output
    code, output = run("retire", "rb/32.16/rb_1999.csv", "--reason", "x", settings=settings)
    assert code == 64 and "no loaded source file 'rb/32.16/rb_1999.csv'" in output
    assert run_refresh(settings).success
    assert query(settings, FROM_RB_2024) == [(0,)]
    assert query(
        settings,
        "select status, retired_at is not null from marts.source_status where source_file = ?",
        [RB_2024],
    ) == [("retired", True)]
    assert query(settings, "select change, count(*) from marts.score_revision group by 1") == [
        ("withdrawn", 61)
    ]
    code, output = run("refresh", settings=settings)
    assert "nothing new" in output, "a retirement is published once"
    code, output = run("release", settings=settings)
    assert code == 0, output
    [(release,)] = query(settings, "select max(release_id) from marts.publish_log")
    notes = (settings.warehouse.parent / "releases" / release / "RELEASE_NOTES.md").read_text()
    assert "0 scores added, 0 revised, 61 withdrawn" in notes
    assert f"## Retired files\n\nWithdrawn by `kinerja retire`:\n\n- {RB_2024} (retired " in notes

    shutil.move(gone, settings.sources_dir / RB_2024)
    assert run_refresh(settings).success
    assert query(settings, FROM_RB_2024) == [(61,)]
    # Three releases published; the retention keeps the newest two.
    kept = sorted(p.name for p in (settings.warehouse.parent / "releases").iterdir())
    assert [name.rsplit(".", 1)[1] for name in kept] == ["2", "3"]


def test_a_backup_restored_into_an_empty_folder_serves_its_release_and_refreshes_on(
    settings, tmp_path
):
    assert run_refresh(settings).success
    [(release,)] = query(settings, "select release_id from marts.publish_log")
    off_the_machine = tmp_path / "usb"
    code, output = run("backup", "--out", str(off_the_machine), settings=settings)
    assert code == 0, output
    backup = off_the_machine / release
    assert (backup / "backup.json").exists() and (backup / "work" / "kinerja.duckdb").exists()
    assert f"restore it with: kinerja restore {release} --from {off_the_machine}" in output

    elsewhere = dataclasses.replace(settings, warehouse=tmp_path / "elsewhere" / "kinerja.duckdb")
    # named as the backup said: the folder `backup --out` wrote to (its own folder works too)
    code, output = run("restore", release, "--from", str(off_the_machine), settings=elsewhere)
    assert code == 0, output
    log = "select event, release_id from marts.publish_log order by published_at"
    assert query(elsewhere, log) == [("publish", release), ("restore", release)]
    count = "select count(*) from marts.fct_agency_score"
    assert query(elsewhere, count) == query(settings, count)

    # Refreshing on: an unchanged source is as last read; a corrected one is new.
    code, output = run("refresh", settings=elsewhere)
    assert code == 0 and "nothing new" in output, output
    path = settings.sources_dir / RB_2024
    path.write_text(path.read_text(encoding="utf-8").replace(",66.50,B", ",71.25,BB"), "utf-8")
    assert run_refresh(elsewhere).success
    assert query(elsewhere, log)[-1] == ("publish", f"{release[:-2]}.2")
    assert query(elsewhere, "select new_score from marts.score_revision") == [(71.25,)]


def test_logs_and_quarantine_reports_past_the_retention_are_removed(settings):
    from serving.retention import prune

    settings = dataclasses.replace(settings, retention=Retention(days=30))
    old, recent = time.time() - 31 * 86400, time.time() - 29 * 86400
    written = {
        settings.logs_dir / "refresh-a.log": old,
        settings.logs_dir / "refresh-b.log": recent,
        settings.quarantine_dir / "run-a.csv": old,
        settings.quarantine_dir / "run-b.csv": recent,
    }
    for path, when in written.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
        os.utime(path, (when, when))
    removed = prune(settings)
    assert (removed["logs"], removed["quarantine"]) == (1, 1)
    assert sorted(p.name for p in written if p.exists()) == ["refresh-b.log", "run-b.csv"]


def test_a_retention_keeps_at_least_one_release_and_one_day():
    with pytest.raises(ValueError, match="at least one release"):
        Retention(releases=0)
