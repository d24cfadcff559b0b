"""A refresh BI tools can trust: build, check, publish atomically; readers, kills, alerts."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg

from orchestration.automation import NIGHTLY_CRON, TIMEZONE, new_source_files
from orchestration.definitions import build_definitions
from orchestration.resources import KinerjaPaths
from orchestration.settings import PROJECT_ROOT
from tests import builders as b
from tests.conftest import query, run_refresh, sha256
from tests.test_fetch import Portal

PYTHON = sys.executable


def kinerja_process(*args, settings, extra_env=None, **popen):
    env = (
        os.environ
        | {
            "KINERJA_SOURCES_DIR": str(settings.sources_dir),
            "KINERJA_WAREHOUSE": str(settings.warehouse),
        }
        | (extra_env or {})
    )
    env.pop("DAGSTER_HOME", None)
    return subprocess.Popen(
        [PYTHON, "-m", "orchestration.cli", *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        **popen,
    )


def add_incomplete_rb_year(sources: Path) -> None:
    """A 2026 RB export with one agency of 61: valid row by row, incomplete as a whole."""
    (sources / "rb" / "rb_2026.csv").write_text(
        "Tahun,Kode,Perangkat Daerah,Nilai,Predikat\n2026,SETDA,Sekretariat Daerah,77.10,BB\n",
        encoding="utf-8",
    )


def add_merit_2026(sources: Path) -> None:
    """A new, complete result: the regency's merit index for 2026 (one fact more, 883)."""
    (sources / "merit" / "merit_2026.csv").write_text(
        "Tahun;Instansi;Nilai;Kategori\n2026;Pemerintah Kabupaten Bekasi;301,5;III\n",
        encoding="utf-8",
    )


def test_a_failing_expectation_leaves_the_served_file_byte_identical(settings, sources):
    assert run_refresh(settings).success
    served, previous = (
        sha256(settings.warehouse),
        sha256(settings.files.previous) if settings.files.previous.exists() else None,
    )
    add_incomplete_rb_year(sources)
    result = run_refresh(settings)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert failure.step_key == "published__warehouse"
    assert (
        "Great Expectations refused the build"
        in failure.step_failure_data.user_failure_data.description
    )
    assert sha256(settings.warehouse) == served
    assert (
        sha256(settings.files.previous) if settings.files.previous.exists() else None
    ) == previous
    assert (settings.docs_dir / "index.html").exists(), "Data Docs show what failed"
    # dbt itself passed: the build is complete, just not published.
    incomplete = "select count(*) from marts.fct_agency_score where index_code = 'rb' and evaluation_year = 2026"
    assert query(settings, incomplete, run_id=result.run_id) == [(1,)]


READER = r"""
import json, sys, time, duckdb
path, deadline = sys.argv[1], time.time() + float(sys.argv[2])
seen, failures = [], 0
while time.time() < deadline:
    try:
        with duckdb.connect(path, read_only=True) as con:
            facts = con.execute("select count(*) from marts.fct_agency_score").fetchone()[0]
            logged = con.execute(
                "select mart_rows from marts.publish_log order by published_at desc limit 1"
            ).fetchone()[0]
            seen.append([facts, json.loads(logged)["fct_agency_score"]])
    except Exception as exc:
        failures += 1
        print(repr(exc), file=sys.stderr)
    time.sleep(0.01)
print(json.dumps({"seen": seen, "failures": failures}))
"""


def test_readers_never_fail_and_never_see_a_partial_state_during_a_refresh(settings, sources):
    assert run_refresh(settings).success
    add_merit_2026(sources)
    refresh = kinerja_process("refresh", settings=settings)
    readers = [
        subprocess.Popen(
            [PYTHON, "-c", READER, str(settings.warehouse), "90"], stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    refresh.communicate(timeout=300)
    assert refresh.returncode == 0
    outcomes = [json.loads(r.communicate(timeout=120)[0]) for r in readers]
    for outcome in outcomes:
        assert outcome["failures"] == 0
        states = {tuple(s) for s in outcome["seen"]}
        # Each reader saw the old warehouse, the new one, or both in turn: never a mix.
        assert states <= {(882, 882), (883, 883)}, states
        assert (883, 883) in states
    assert query(settings, "select count(*) from marts.fct_agency_score") == [(883,)]


def test_a_refresh_killed_mid_build_leaves_old_or_new_and_no_stray_lock(settings, sources):
    assert run_refresh(settings).success
    served = sha256(settings.warehouse)
    add_merit_2026(sources)
    refresh = kinerja_process("refresh", settings=settings, start_new_session=True)
    deadline = time.time() + 120
    while not settings.files.build.exists() and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(2)  # into the build: ingest done or dbt running
    os.killpg(refresh.pid, signal.SIGKILL)
    refresh.wait()
    assert sha256(settings.warehouse) == served, "killed before publish: the old warehouse"
    rerun = run_refresh(settings)
    assert rerun.success, "no stray lock or half-built file stops the next refresh"
    assert query(settings, "select count(*) from marts.fct_agency_score") == [(883,)]


class Webhook:
    def __init__(self):
        self.received: list[dict] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the http.server API)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.received.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_a_failed_refresh_posts_an_alert_to_the_webhook(settings, sources):
    hook = Webhook()
    b.write_json(sources / "spip" / "spip_2026.json", b.ckan_answer([], success=False))
    try:
        result = run_refresh(settings.__class__(**{**settings.__dict__, "alert_webhook": hook.url}))
    finally:
        hook.close()
    assert not result.success
    assert [a["failed_step"] for a in hook.received] == ["ingest_spip"]
    alert = hook.received[0]
    assert alert["run_id"] == result.run_id
    assert "pandera_contract" in alert["message"]


def test_an_unreachable_source_is_retried_with_backoff(settings, tmp_path):
    answers = [(503, b"down", 0)] * 4 + [(200, b.ckan_answer([b.SPIP_RECORD]), 0)]
    portal = Portal(answers)
    manifest = tmp_path / "sources.yaml"
    manifest.write_text(
        f"sources:\n  - index: spip\n    url: {portal.url}\n    paging: ckan\n", encoding="utf-8"
    )
    try:
        result = run_refresh(
            settings.__class__(
                **{**settings.__dict__, "manifest": manifest, "retry_delay_seconds": 0.1}
            )
        )
    finally:
        portal.close()
    retried = [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    assert [e.step_key for e in retried] == ["ingest_spip"]
    # One source is enough to build and publish: the other raw tables exist, empty.
    assert result.success
    assert query(
        settings, "select index_code, evaluation_year, score from marts.fct_agency_score"
    ) == [("spip", 2023, 3.12)]


def test_rollback_serves_the_previous_generation(settings, sources):
    assert run_refresh(settings).success
    first = sha256(settings.warehouse)
    add_merit_2026(sources)
    assert run_refresh(settings).success
    second = sha256(settings.warehouse)
    rollback = kinerja_process("rollback", settings=settings)
    rollback.communicate(timeout=60)
    assert rollback.returncode == 0
    assert sha256(settings.warehouse) == first
    assert sha256(settings.files.previous) == second
    reader = kinerja_process(
        "query", "select count(*) as n from marts.publish_log", settings=settings
    )
    assert reader.communicate(timeout=60)[0].split() == ["n", "1"]


def test_the_sensor_starts_a_refresh_for_a_new_file_and_not_for_an_unchanged_one(settings, sources):
    paths = KinerjaPaths.from_settings(settings)

    def evaluate(cursor):
        context = dg.build_sensor_context(cursor=cursor, resources={"paths": paths})
        return new_source_files(context), context.cursor

    first, cursor = evaluate(None)
    assert isinstance(first, dg.RunRequest)
    unchanged, cursor = evaluate(cursor)
    assert isinstance(unchanged, dg.SkipReason)
    (sources / "merit" / "merit_2026.csv").write_text(
        "Tahun;Instansi;Nilai;Kategori\n", encoding="utf-8"
    )
    added, cursor = evaluate(cursor)
    assert isinstance(added, dg.RunRequest)
    touched = sources / "merit" / "merit_2026.csv"
    os.utime(touched, ns=(time.time_ns(), time.time_ns() + 10**9))  # same bytes, new mtime
    same_bytes, cursor = evaluate(cursor)
    assert isinstance(same_bytes, dg.SkipReason)
    touched.write_text(
        "Tahun;Instansi;Nilai;Kategori\n2026;Kab. Bekasi;300;III\n", encoding="utf-8"
    )
    changed, _ = evaluate(cursor)
    assert isinstance(changed, dg.RunRequest) and changed.run_key != added.run_key


def test_the_nightly_schedule_runs_at_two_in_jakarta(settings):
    schedule = build_definitions(settings).resolve_schedule_def("nightly_refresh")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 2 * * *", "Asia/Jakarta")
    assert (NIGHTLY_CRON, TIMEZONE) == ("0 2 * * *", "Asia/Jakarta")
    assert schedule.job_name == "refresh"


def test_a_source_without_a_new_year_for_longer_than_its_cadence_is_flagged(settings, sources):
    records = json.loads((sources / "spip" / "spip_maturitas_jabar.json").read_text())
    records["result"]["records"] = [r for r in records["result"]["records"] if r["tahun"] <= 2023]
    records["result"]["total"] = len(records["result"]["records"])
    (sources / "spip" / "spip_maturitas_jabar.json").write_text(json.dumps(records))
    result = run_refresh(settings)
    assert result.success, "freshness warns, it does not stop the publish"
    fresh = {
        e.asset_check_evaluation_data.asset_key.path[-1]: e.asset_check_evaluation_data.passed
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.asset_check_evaluation_data.check_name == "new_evaluation_year_within_cadence"
    }
    assert fresh == {
        "sakip": True,
        "rb": True,
        "spip": False,
        "spbe": True,
        "ipp": True,
        "merit": True,
    }
