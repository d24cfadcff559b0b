"""A refresh BI tools can trust: build, check, publish atomically; readers, kills, alerts."""

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.automation import NIGHTLY_CRON, TIMEZONE, new_source_files, nightly_refresh
from orchestration.definitions import build_definitions
from orchestration.settings import PROJECT_ROOT
from tests import builders as b
from tests.conftest import keep_only_the_masters, query, query_internal, run_refresh, sha256
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


def add_merit_2026(sources: Path) -> None:
    """A new, complete result: Bekasi's merit index for 2026 (one fact more, 1335)."""
    (sources / "merit" / "32.16" / "merit_2026.csv").write_text(
        "Tahun;Instansi;Nilai;Kategori\n2026;Pemerintah Kabupaten Bekasi;301,5;III\n",
        encoding="utf-8",
    )


def test_a_warehouse_wide_failure_publishes_nothing_and_exits_2(settings, sources):
    """A broken key no regency explains (here: a row duplicated behind the contracts' back) fails
    a dbt test: the served file stays byte-identical and `kinerja refresh` exits 2."""
    assert run_refresh(settings).success
    with duckdb.connect(str(settings.working)) as con:
        con.execute(
            "insert into raw.rb select * from raw.rb "
            "where agency_code = '32.16.SETDA' and evaluation_year = 2023"
        )
    served = sha256(settings.warehouse)
    add_merit_2026(sources)
    refresh = kinerja_process("refresh", settings=settings)
    out, _ = refresh.communicate(timeout=300)
    assert refresh.returncode == 2, out[-3000:]
    assert "NOT published" in out and "warehouse_models" in out
    assert sha256(settings.warehouse) == served
    assert "Traceback" not in out


READER = r"""
import json, os, sys, time, duckdb
path, stop = sys.argv[1], sys.argv[2]
seen, failures, last = [], 0, False
while not last:
    last = os.path.exists(stop)  # one more read after the refresh has ended
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
    stop = settings.warehouse.parent / "readers.stop"
    readers = [
        subprocess.Popen(
            [PYTHON, "-c", READER, str(settings.warehouse), str(stop)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    refresh.communicate(timeout=600)
    stop.touch()
    assert refresh.returncode == 0
    outcomes = [json.loads(r.communicate(timeout=120)[0]) for r in readers]
    for outcome in outcomes:
        assert outcome["failures"] == 0
        states = {tuple(s) for s in outcome["seen"]}
        # Each reader saw the old warehouse, the new one, or both in turn: never a mix.
        assert states <= {(1334, 1334), (1335, 1335)}, states
        assert (1335, 1335) in states
    assert query(settings, "select count(*) from marts.fct_agency_score") == [(1335,)]


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


def test_refused_files_post_an_alert_and_the_run_goes_on(settings, sources):
    hook = Webhook()
    b.write_json(sources / "spip" / "32" / "spip_2026.json", b.ckan_answer([], success=False))
    try:
        result = run_refresh(settings.__class__(**{**settings.__dict__, "alert_webhook": hook.url}))
    finally:
        hook.close()
    assert result.success, "a refusal fails no step: the rest publishes"
    assert [(a["kind"], a["source"]) for a in hook.received] == [("files_refused", "spip")]
    alert = hook.received[0]
    assert alert["run_id"] == result.run_id
    [refused] = alert["refused_files"]
    assert refused["file"] == "spip/32/spip_2026.json" and refused["pemda_code"] == "32"
    assert "[portal_error]" in refused["first_error"]


def test_a_fetch_that_fails_is_retried_alone_and_logged_once(settings, tmp_path):
    """Two whole fetches fail (503 through urllib3's own retries), the third succeeds: the step
    is not re-run, and each file of the refresh is logged once."""
    keep_only_the_masters(settings.sources_dir)
    answers = [(503, b"down", 0)] * 8 + [(200, b.ckan_answer([b.SPIP_RECORD]), 0)]
    portal = Portal(answers)
    manifest = tmp_path / "sources.yaml"
    manifest.write_text(
        "sources:\n  - source: agencies\n    path: agencies/**/*\n"
        f"  - source: spip\n    url: {portal.url}\n    paging: ckan\n    pemda_code: '32'\n",
        encoding="utf-8",
    )
    try:
        result = run_refresh(
            settings.__class__(
                **{**settings.__dict__, "manifest": manifest, "retry_delay_seconds": 0.1}
            )
        )
    finally:
        portal.close()
    assert result.success
    assert [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"] == []
    assert len(portal.requests) == 9
    log = query_internal(
        settings, "select index_code, status, count(*) from raw.ingest_log group by all"
    )
    assert sorted(log) == [("agencies", "loaded", 2), ("spip", "loaded", 1)]
    assert query(
        settings, "select index_code, evaluation_year, score from marts.fct_agency_score"
    ) == [("spip", 2023, 3.12)]


def test_rollback_serves_the_previous_generation(settings, sources):
    assert run_refresh(settings).success
    first = query(settings, "select run_id from marts.publish_log")
    add_merit_2026(sources)
    assert run_refresh(settings).success
    second = sha256(settings.warehouse)
    working = sha256(settings.working)
    rollback = kinerja_process("rollback", settings=settings)
    said, _ = rollback.communicate(timeout=60)
    assert rollback.returncode == 0
    assert query(settings, "select count(*) from marts.fct_agency_score") == [(1334,)]
    # the history goes on: both publishes, then the rollback naming the first release again
    log = query(settings, "select event, run_id from marts.publish_log order by published_at")
    assert [event for event, _ in log] == ["publish", "publish", "rollback"]
    assert [(log[0][1],)] == first and log[2][1] == log[0][1]
    assert sha256(settings.files.previous) == second
    assert sha256(settings.working) == working
    assert "until the next successful refresh" in said
    reader = kinerja_process(
        "query", "select event from marts.publish_log order by published_at", settings=settings
    )
    assert reader.communicate(timeout=60)[0].split() == ["event", "publish", "publish", "rollback"]
    # The working file is untouched: the next refresh serves its marts again.
    assert run_refresh(settings).success
    assert query(settings, "select count(*) from marts.fct_agency_score") == [(1335,)]


def test_the_sensor_asks_one_refresh_per_news_and_none_once_the_news_is_loaded(settings, sources):
    def evaluate():
        return new_source_files(
            dg.build_sensor_context(
                instance=dg.DagsterInstance.ephemeral(), resources={"settings": settings}
            )
        )

    first = evaluate()
    assert isinstance(first, dg.RunRequest) and first.tags["kinerja/news"] == "no warehouse yet"
    assert evaluate().run_key == first.run_key  # the same news: Dagster starts one run for it
    assert run_refresh(settings).success
    assert isinstance(evaluate(), dg.SkipReason)
    added = sources / "merit" / "32.16" / "merit_2026.csv"
    added.write_text("Tahun;Instansi;Nilai;Kategori\n", encoding="utf-8")
    news = evaluate()
    assert (
        isinstance(news, dg.RunRequest)
        and news.tags["kinerja/news"] == "merit: new or changed files"
    )
    os.utime(added, ns=(time.time_ns(), time.time_ns() + 10**9))  # same bytes, new mtime
    assert evaluate().run_key == news.run_key
    added.write_text("Tahun;Instansi;Nilai;Kategori\n2026;Kab. Bekasi;300;III\n", encoding="utf-8")
    changed = evaluate()
    assert isinstance(changed, dg.RunRequest) and changed.run_key != news.run_key


def test_the_nightly_schedule_runs_at_two_in_jakarta(settings):
    schedule = build_definitions(settings).resolve_schedule_def("nightly_refresh")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 2 * * *", "Asia/Jakarta")
    assert (NIGHTLY_CRON, TIMEZONE) == ("0 2 * * *", "Asia/Jakarta")
    assert schedule.job_name == "refresh"
    with dg.instance_for_test() as instance:
        first_night = nightly_refresh(
            dg.build_schedule_context(instance=instance, resources={"settings": settings})
        )
    refresh = build_definitions(settings).resolve_job_def("refresh")
    assert set(first_night.asset_selection) == set(refresh.asset_layer.selected_asset_keys)
    assert first_night.tags["kinerja/news"] == "no warehouse yet"


def test_a_regency_without_a_new_year_for_longer_than_its_cadence_is_flagged(settings, sources):
    """Bekasi's SPIP stops at 2023 while Karawang's goes on: Bekasi is late, and says so."""
    answer = sources / "spip" / "32" / "spip_maturitas_jabar.json"
    records = json.loads(answer.read_text())
    records["result"]["records"] = [
        r
        for r in records["result"]["records"]
        if r["tahun"] <= 2023 or r["kode_wilayah"] != "32.16"
    ]
    records["result"]["total"] = len(records["result"]["records"])
    answer.write_text(json.dumps(records))
    result = run_refresh(settings)
    assert result.success, "freshness warns, it does not stop the publish"
    checks = {
        e.asset_check_evaluation_data.asset_key.path[-1]: e.asset_check_evaluation_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.asset_check_evaluation_data.check_name == "new_evaluation_year_within_cadence"
    }
    fresh = {table: check.passed for table, check in checks.items()}
    assert checks["spip"].description == "late: 32.16 (newest 2023)"
    assert fresh == {
        "sakip": True,
        "rb": True,
        "spip": False,
        "spbe": True,
        "ipp": True,
        "merit": True,
    }


def test_loading_the_definitions_leaves_the_heavy_libraries_to_the_steps_that_use_them():
    """The code location loads at every `dagster dev` reload and run launch: pandas, pandera, the
    workbook readers and Great Expectations load with the first step that needs them."""
    heavy = {"pandas", "pandera", "numpy", "openpyxl", "python_calamine", "great_expectations"}
    code = f"import sys, orchestration.definitions; print(sorted({heavy!r} & set(sys.modules)))"
    loaded = subprocess.run(
        [PYTHON, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"
