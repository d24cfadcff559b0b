"""`kinerja serve` as a service manager runs it: the daemon ticks the source-file sensor, which
starts a refresh that publishes, and the UI answers; SIGTERM stops both cleanly. Run from a
folder outside the project, as systemd would."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import dagster as dg
import requests

from orchestration.settings import PROJECT_ROOT, Settings
from tests.conftest import SAMPLES, query


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_daemon_ticks_the_sensor_whose_run_publishes_and_the_ui_answers(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    settings = Settings(
        shutil.copytree(SAMPLES, tmp_path / "sources"),
        tmp_path / "warehouse" / "kinerja.duckdb",
        PROJECT_ROOT / "ingest" / "sources.yaml",
    )
    env = os.environ | {
        "DAGSTER_HOME": str(home),
        "KINERJA_SOURCES_DIR": str(settings.sources_dir),
        "KINERJA_WAREHOUSE": str(settings.warehouse),
    }
    port = _free_port()
    # The instance's storage is made here, before two processes of the service would race to.
    instance = dg.DagsterInstance.from_config(str(home))
    log = tmp_path / "serve.log"  # a file, not a pipe: a full pipe would stall the service
    with log.open("w") as out:
        service = subprocess.Popen(
            [sys.executable, "-m", "orchestration.cli", "serve", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        run = _first_sensor_run(instance, deadline=time.monotonic() + 300)
        assert run.status == dg.DagsterRunStatus.SUCCESS, log.read_text()[-3000:]
        answer = requests.get(f"http://127.0.0.1:{port}/server_info", timeout=10)
        assert answer.status_code == 200 and "dagster_webserver_version" in json.dumps(
            answer.json()
        )
    finally:
        service.send_signal(signal.SIGTERM)
        service.wait(timeout=90)
    assert service.returncode == 0, log.read_text()[-3000:]
    assert query(settings, "select count(*) from marts.fct_agency_score")[0][0] > 1000


def _first_sensor_run(instance: dg.DagsterInstance, deadline: float) -> dg.DagsterRun:
    """The refresh the sensor started, once it has finished."""
    while time.monotonic() < deadline:
        runs = instance.get_runs(
            filters=dg.RunsFilter(tags={"kinerja/trigger": "new_source_files"})
        )
        if runs and runs[0].is_finished:
            return runs[0]
        time.sleep(2)
    raise AssertionError("no run of the sensor finished within five minutes")
