"""The operator's command line as a scheduler and a person use it: a refresh never reports
success on nothing, one refresh at a time said at once, outputs readable as the umask says,
queries that write nothing, one decision of the Dagster instance."""

import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg

from orchestration.automation import new_source_files, nightly_refresh
from orchestration.instance import prepared_home
from orchestration.settings import PROJECT_ROOT, from_env
from tests.conftest import BEKASI, query, run_refresh, sha256
from tests.crashes import kinerja, run


def test_a_missing_or_emptied_sources_dir_publishes_nothing_and_exits_2(settings, tmp_path):
    missing = tmp_path / "not mounted"
    code, output = run("refresh", settings=settings, env={"KINERJA_SOURCES_DIR": str(missing)})
    assert (code, output) == (
        2,
        f"kinerja refresh: NOT published: the sources dir {missing} does not exist (an "
        "unmounted share? a mistyped KINERJA_SOURCES_DIR?)\n",
    )
    assert not settings.warehouse.exists(), "a new install publishes nothing on nothing"

    assert run_refresh(settings).success
    served = sha256(settings.warehouse)
    empty = tmp_path / "empty mount point"
    empty.mkdir()
    code, output = run("refresh", settings=settings, env={"KINERJA_SOURCES_DIR": str(empty)})
    assert code == 2
    assert output == (
        f"kinerja refresh: NOT published: the sources dir {empty} holds no file, where the last "
        "refresh read 43 (an unmounted share? a mistyped KINERJA_SOURCES_DIR?)\n"
    )
    assert sha256(settings.warehouse) == served


def test_a_source_folder_emptied_alone_is_a_warning_in_the_refresh_and_source_status(settings):
    assert run_refresh(settings).success
    rb = settings.sources_dir / "rb"
    files = sorted(str(p.relative_to(settings.sources_dir)) for p in rb.rglob("*.csv"))
    shutil.rmtree(rb)
    rb.mkdir()
    warning = (
        f"warning: {rb}/ holds no file, where the last refresh read {len(files)}: the rows of "
        "its files stay published (`kinerja retire` withdraws a file that is gone)"
    )
    for night in ("first", "second"):
        code, output = run("refresh", settings=settings)
        assert code == 0 and warning in output.splitlines(), (night, output)
    assert "nothing new" in output, "the warning is recorded once, then only said"
    status = query(
        settings,
        "select source_file, status, warnings from marts.source_status where source_code = 'rb'",
    )
    assert sorted(file for file, *_ in status) == files
    for _, state, warnings in status:
        assert state == "loaded"
        assert warnings.startswith("not in the sources dir: the folder of rb held no file at ")
    assert (
        query(settings, "select count(*) from marts.fct_agency_score where index_code = 'rb'")[0][0]
        > 0
    ), "its rows stay published"


def test_a_second_refresh_says_at_once_that_one_is_running_and_the_ticks_skip(settings):
    first = kinerja("refresh", settings=settings)
    try:
        deadline = time.monotonic() + 60
        while not settings.files.being_written():
            assert time.monotonic() < deadline and first.poll() is None, "the first never locked"
            time.sleep(0.1)
        code, output = run("refresh", settings=settings)
        assert first.poll() is None, "said while the first still runs, not after it"
        assert (code, output) == (
            75,
            f"kinerja refresh: another refresh is writing {settings.warehouse}: try again when "
            "it has finished\n",
        )
        with dg.instance_for_test() as instance:
            context = {"instance": instance, "resources": {"settings": settings}}
            sensor = new_source_files(dg.build_sensor_context(**context))
            schedule = nightly_refresh(dg.build_schedule_context(**context))
        for tick in (sensor, schedule):
            assert isinstance(tick, dg.SkipReason)
            assert tick.skip_message == f"another process is writing {settings.warehouse}"
    finally:
        output, _ = first.communicate(timeout=600)
    assert first.returncode == 0, output[-3000:]


def test_a_tick_skips_while_a_refresh_run_is_in_progress_in_the_instance(settings):
    instance = dg.DagsterInstance.ephemeral()
    from orchestration.definitions import build_definitions

    job = build_definitions(settings).resolve_job_def("refresh")
    started = instance.create_run_for_job(job, status=dg.DagsterRunStatus.STARTED)
    context = {"instance": instance, "resources": {"settings": settings}}
    tick = new_source_files(dg.build_sensor_context(**context))
    assert tick.skip_message == f"refresh run {started.run_id} is in progress"


def _modes(folder: Path) -> set[tuple[str, str]]:
    return {
        ("dir" if path.is_dir() else "file", stat.filemode(path.stat().st_mode))
        for path in [folder, *folder.rglob("*")]
    }


def test_every_output_follows_the_umask(settings, tmp_path):
    """Reports, releases, feedback packs, templates and backups: a web server or an analysts'
    group reads them when the umask lets them (022 here), never only their maker."""
    (settings.sources_dir / "sakip" / BEKASI / "sakip_2026.csv").write_text(
        "Kode;Nama;Nilai\n1;Dinas X;banyak\n", encoding="utf-8"
    )
    umask = os.umask(0o022)  # the refresh keeps the release's marts: in this process
    try:
        assert run_refresh(settings).success
    finally:
        os.umask(umask)
    commands = [
        ["release"],
        ["report", "--regency", BEKASI, "--province", "32", "--as-of", "2025-12", "--no-pdf"],
        ["feedback", "--no-pdf"],
        ["template", "--regency", BEKASI, "--source", "sakip", "--year", "2026"],
        ["backup", "--out", str(tmp_path / "backups")],
    ]
    env = os.environ | {
        "KINERJA_SOURCES_DIR": str(settings.sources_dir),
        "KINERJA_WAREHOUSE": str(settings.warehouse),
    }
    for command in commands:
        done = subprocess.run(
            ["sh", "-c", 'umask 022 && exec "$0" -m orchestration.cli "$@"', sys.executable,
             *command],
            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
    outputs = [settings.reports_dir, settings.releases_dir, settings.feedback_dir,
               settings.templates_dir, tmp_path / "backups"]  # fmt: skip
    for folder in outputs:
        assert _modes(folder) == {("dir", "drwxr-xr-x"), ("file", "-rw-r--r--")}, folder


def test_a_query_writes_nothing_anywhere(published_samples, tmp_path):
    settings, _ = published_samples
    out = tmp_path / "out.csv"
    for sql in (
        f"copy (select 1) to '{out}'",
        f"attach '{tmp_path / 'other.duckdb'}' as other",
        "select * from read_csv('/etc/passwd')",
        "set enable_external_access = true",
    ):
        code, output = run("query", sql, settings=settings)
        assert code == 64 and output.startswith("kinerja query: "), output
        assert output.count("\n") == 1 and "Traceback" not in output
    assert list(tmp_path.iterdir()) == []
    code, output = run("query", "select count(*) as n from marts.dim_index", settings=settings)
    assert (code, output.split()) == (0, ["n", "6"])


def test_make_serve_and_refresh_give_dagster_home_one_configuration(tmp_path):
    home = tmp_path / "dagster_home"
    postgres = from_env({"DAGSTER_HOME": str(home), "DAGSTER_PG_HOST": "db.example"})
    assert prepared_home(postgres) == home
    installed = home / "dagster.yaml"
    assert installed.read_text() == (PROJECT_ROOT / "dagster.postgres.yaml").read_text()
    assert prepared_home(from_env({"DAGSTER_HOME": str(home)})) == home
    assert installed.read_text() == (PROJECT_ROOT / "dagster.yaml").read_text()
    assert prepared_home(from_env({})) is None
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "dagster.postgres.yaml" not in makefile, "make asks orchestration/instance.py"


def test_the_set_up_never_asks_apt_for_a_package_that_conflicts_with_nodesource():
    """Node.js from NodeSource carries its own npm; Debian's npm conflicts with it, and apt then
    installs nothing at all (the fresh-machine failure of issue 25)."""
    listed = subprocess.run(
        ["make", "--silent", "--no-print-directory", "-f", "-", "print"],
        input="include Makefile\nprint:\n\t@echo \"$$DEBIAN_PACKAGES\"\n",
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    packages = [line.split()[0] for line in listed.splitlines() if line.strip()]
    assert {"chromium", "poppler-utils", "postgresql", "python3-venv"} <= set(packages)
    assert "npm" not in packages
