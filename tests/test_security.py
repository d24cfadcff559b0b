"""What must never leak or escape: files outside the sources dir, credentials of a portal, secrets
in the repository. (The reader role's limits: tests/test_postgres.py; escaping in the review and
its exports: tests/test_report.py.)
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import duckdb
import pytest

from ingest import raw_store
from ingest.manifest import ManifestError, SourceEntry, load_manifest
from orchestration.settings import PROJECT_ROOT, Settings
from tests.conftest import BEKASI, SAMPLES, receive_and_ingest
from tests.corpus.make_corpus import SAKIP_HEADER, SAKIP_ROWS, SPIP_RECORD, ckan, csv_text
from tests.crashes import manifest_with, run

KEY, TOKEN = "test-key-9f8e7d6c5b4a", "test-token-0a1b2c3d4e5f"  # as a portal's operators issue


@pytest.mark.parametrize(
    "path",
    ["../elsewhere/*.csv", "sakip/../../etc/*", "/etc/passwd", "~/scores/*.xlsx", "C:/data/*"],
)
def test_a_manifest_path_cannot_leave_the_sources_dir(tmp_path, path):
    manifest = tmp_path / "sources.yaml"
    manifest.write_text(f"sources:\n  - source: sakip\n    path: '{path}'\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="inside the sources dir"):
        load_manifest(manifest)


def test_a_manifest_url_cannot_hold_credentials(tmp_path):
    manifest = tmp_path / "sources.yaml"
    manifest.write_text(
        "sources:\n  - source: spip\n    url: https://admin:test-only@portal.example.go.id/x\n",
        encoding="utf-8",
    )
    with pytest.raises(ManifestError, match="environment variables"):
        load_manifest(manifest)


def test_a_symlink_out_of_the_sources_dir_is_refused_unread(tmp_path):
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "sakip_2024.csv").write_text(csv_text([SAKIP_HEADER, *SAKIP_ROWS]), encoding="utf-8")
    (outside / "folder" / "sakip_2023.csv").write_text(
        csv_text([SAKIP_HEADER, *SAKIP_ROWS]), encoding="utf-8"
    )
    sources = shutil.copytree(SAMPLES, tmp_path / "sources")
    (sources / "sakip" / BEKASI / "sakip_2024_link.csv").symlink_to(outside / "sakip_2024.csv")
    (sources / "sakip" / BEKASI / "linked_folder").symlink_to(outside / "folder")
    with raw_store.RawStore(tmp_path / "work.duckdb") as store:
        for source in ("agencies", "sakip"):
            outcomes = receive_and_ingest(
                store, source, [SourceEntry(source, path=f"{source}/**/*")], sources,
                tmp_path / "landing", "night",
            )  # fmt: skip
        refused = {o.file: o.first_error for o in outcomes if o.status == raw_store.REFUSED}
        loaded = store._con.execute("select distinct source_file from raw.sakip").fetchall()
    # The glob does not descend into a linked folder; a linked file it finds is refused.
    assert refused == {
        f"sakip/{BEKASI}/sakip_2024_link.csv": refused[f"sakip/{BEKASI}/sakip_2024_link.csv"]
    }
    assert "[outside_sources]" in refused[f"sakip/{BEKASI}/sakip_2024_link.csv"]
    assert not [f for (f,) in loaded if "link" in f]
    outside_sha = hashlib.sha256((outside / "sakip_2024.csv").read_bytes()).hexdigest()
    assert not list((tmp_path / "landing").rglob(f"{outside_sha}*")), "nothing of it is copied"


class KeyedPortal:
    """A CKAN portal that answers only with the right key (query) and token (header)."""

    def __init__(self):
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the http.server API)
                query = parse_qs(urlparse(self.path).query)
                allowed = query.get("api_key") == [KEY] and (
                    self.headers.get("Authorization") == f"Bearer {TOKEN}"
                )
                record = SPIP_RECORD | {"tahun": 2020, "skor_maturitas": "2,80", "level": "2"}
                body = json.dumps(ckan(record) if allowed else {"success": False}).encode()
                self.send_response(200 if allowed else 403)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _texts_in(warehouse_file: Path) -> list[str]:
    """Every text value of every table of a DuckDB file."""
    texts = []
    with duckdb.connect(str(warehouse_file), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR'"
        ).fetchall()
        for schema, table, column in columns:
            texts += [
                v
                for (v,) in con.execute(f'select "{column}" from "{schema}"."{table}"').fetchall()
                if v
            ]
    return texts


def test_portal_credentials_come_from_the_environment_and_never_reach_a_log_a_table_or_a_report(
    tmp_path,
):
    portal = KeyedPortal()
    try:
        settings = Settings(
            sources_dir=shutil.copytree(SAMPLES, tmp_path / "sources"),
            warehouse=tmp_path / "warehouse" / "kinerja.duckdb",
            manifest=manifest_with(
                tmp_path / "sources.yaml",
                {
                    "source": "spip",
                    "url": f"{portal.base}/api/3/action/datastore_search?resource_id=spip"
                    "&api_key=${KINERJA_TEST_PORTAL_KEY}",
                    "headers": {"Authorization": "Bearer ${KINERJA_TEST_PORTAL_TOKEN}"},
                    "paging": "ckan",
                    "pemda_code": BEKASI,
                    "name": "spip_portal.json",
                },
                {  # a portal that is down: its error message names the URL, key included
                    "source": "spip",
                    "url": "http://127.0.0.1:9/datastore_search?api_key=${KINERJA_TEST_PORTAL_KEY}",
                    "pemda_code": BEKASI,
                    "name": "spip_down.json",
                },
            ),
        )
        secrets = {"KINERJA_TEST_PORTAL_KEY": KEY, "KINERJA_TEST_PORTAL_TOKEN": TOKEN}
        code, output = run("refresh", settings=settings, env=secrets)
        assert code == 1, output[-3000:]  # published; the portal that is down is refused
        review_code, review_output = run(
            "report", "--regency", BEKASI, "--as-of", "2025-12", settings=settings, env=secrets
        )
        assert review_code == 0, review_output[-3000:]
    finally:
        portal.server.shutdown()
        portal.server.server_close()
    assert "api_key=${KINERJA_TEST_PORTAL_KEY}" in output  # each URL is shown as written
    assert "could not connect" in output and "api_key=***" in output
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        [(score,)] = con.execute(
            "select score from marts.fct_agency_score where index_code = 'spip' "
            "and evaluation_year = 2020 and agency_code = ?",
            [BEKASI],
        ).fetchall()
    assert score == 2.8, "the keyed portal was fetched"
    everything = [output, review_output]
    for path in settings.warehouse.parent.rglob("*"):
        if path.is_file() and path.suffix not in {".duckdb", ".wal"}:
            everything.append(path.read_bytes().decode("utf-8", errors="replace"))
    everything += _texts_in(settings.warehouse) + _texts_in(settings.working)
    for secret in (KEY, TOKEN):
        assert not [text[:200] for text in everything if secret in text]


# Patterns of credentials that must never be committed. Test fixtures name themselves "test";
# documentation writes placeholders (`...`, `***`, `<password>`, `${VARIABLE}`).
_SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS access key": re.compile(r"AKIA[0-9A-Z]{16}"),
    "credentials in a URL": re.compile(r"[a-z+]+://[^/\s:@'\"]+:(?P<secret>[^/\s@'\"]+)@"),
    "password or token": re.compile(
        r"(?i)(password|passwd|secret|token|api_key)\s*[:=]\s*['\"](?P<secret>[^'\"\s]{8,})['\"]"
    ),
}
_PLACEHOLDER = re.compile(r"^(\.\.\.|\*+|<[^>]*>|\$\{[^}]*\}|\$[A-Z_]+)$")


def test_no_secret_is_committed():
    files = subprocess.run(
        ["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    found = []
    for name in files:
        path = PROJECT_ROOT / name
        if path.suffix in {".xlsx", ".lock"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for what, pattern in _SECRET_PATTERNS.items():
            for match in pattern.finditer(text):
                secret = match.groupdict().get("secret") or match.group(0)
                if "test" not in secret.lower() and not _PLACEHOLDER.match(secret):
                    found.append(f"{name}: {what}: {match.group(0)[:60]}")
    assert found == []
