"""Running `kinerja` as the scheduler does, killing it at a named stage, and checking what is left.

A run is a process of its own in a new session, so that a crash point (or the test) can SIGKILL
its whole process group, dbt included, as a power cut would.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import yaml

from ingest.manifest import DEFAULT_MANIFEST
from ingest.options import raw_tables, sources
from ingest.raw_store import replace_key
from orchestration.settings import PROJECT_ROOT, Settings

KILLED = -9


def kinerja(*args: str, settings: Settings, env: dict | None = None, **popen) -> subprocess.Popen:
    environment = os.environ | {
        "KINERJA_SOURCES_DIR": str(settings.sources_dir),
        "KINERJA_WAREHOUSE": str(settings.warehouse),
        "KINERJA_MANIFEST": str(settings.manifest),
        "KINERJA_RETRY_DELAY_SECONDS": "0",
    }
    environment.pop("DAGSTER_HOME", None)
    return subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", *args],
        cwd=PROJECT_ROOT,
        env=environment | (env or {}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        **popen,
    )


def run(*args: str, settings: Settings, env: dict | None = None, timeout: float = 600):
    process = kinerja(*args, settings=settings, env=env)
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, output


def manifest_with(path: Path, *entries: dict) -> Path:
    """The project's manifest with more entries."""
    document = yaml.safe_load(DEFAULT_MANIFEST.read_text(encoding="utf-8"))
    document["sources"] += list(entries)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


class StallingPortal:
    """Serves one document; while `stall` is set it sends half of it and then waits, so that a
    download is caught half-written, for as long as the test needs."""

    def __init__(self, body: bytes):
        self.body, self.stall, self.released = body, threading.Event(), threading.Event()
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the http.server API)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(portal.body)))
                self.end_headers()
                if portal.stall.is_set():
                    self.wfile.write(portal.body[: len(portal.body) // 2])
                    self.wfile.flush()
                    portal.released.wait(timeout=600)
                    return
                self.wfile.write(portal.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/spbe_karawang_2022.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


def wait_for(condition, what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def assert_no_stale_lock(settings: Settings) -> None:
    lock = settings.warehouse.resolve().with_name(settings.warehouse.name + ".lock")
    if lock.exists():
        with lock.open("a") as f:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if a dead run still held it
            fcntl.flock(f, fcntl.LOCK_UN)


def assert_landing_holds_only_whole_files(settings: Settings) -> list[Path]:
    """Every landed file is complete (its name is its sha256); return what is mid-write."""
    partial = []
    for path in settings.landing_dir.rglob("*"):
        if not path.is_file():
            continue
        if path.name.endswith(".partial"):
            partial.append(path)
        elif path.parent.parent == settings.landing_dir and path.parent.name != "_downloads":
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            assert path.stem == digest, f"{path} is not whole"
    return partial


def assert_no_duplicate_rows(settings: Settings) -> None:
    """Raw tables hold one row per key; the served facts one row per agency, index and year."""
    if settings.working.exists():
        with duckdb.connect(str(settings.working), read_only=True) as con:
            for source in sources():
                table = raw_tables(source)[0]
                if table == "agency_master":
                    continue  # one row per agency version, many per regency
                key = ", ".join(replace_key(table))
                [(rows, keys)] = con.execute(
                    f"select count(*), count(distinct ({key})) from raw.{table}"
                ).fetchall()
                assert rows == keys, f"raw.{table}: {rows} rows for {keys} keys"
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        [(rows, keys)] = con.execute(
            "select count(*), count(distinct (agency_code, index_code, evaluation_year)) "
            "from marts.fct_agency_score"
        ).fetchall()
        assert rows == keys
