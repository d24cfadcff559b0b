"""Sources fetched over HTTP from a portal that misbehaves, served on 127.0.0.1 by the test.

Each fault comes after a good load of the same source: the failure must be a clear error, land
nothing partial, and leave the previous good rows as they were; a fault that passes (503, then
an answer) loads normally.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from ingest import raw_store
from ingest.limits import Limits
from ingest.manifest import SourceEntry
from ingest.receiving import FetchRetry
from tests.conftest import SAMPLES, receive_and_ingest
from tests.corpus.make_corpus import SPIP_RECORD, ckan, spbe_document

GOOD_SPIP = ckan(SPIP_RECORD, SPIP_RECORD | {"tahun": 2023, "skor_maturitas": "3,12"})
GOOD_SPBE = spbe_document()


class Portal:
    """A portal whose answer to each path is a behaviour the test sets: (handler, query) -> None."""

    def __init__(self):
        self.behaviours: dict[str, object] = {}
        self.requests: list[str] = []
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the http.server API)
                portal.requests.append(self.path)
                url = urlparse(self.path)
                behaviour = portal.behaviours[url.path]
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    behaviour(self, parse_qs(url.query))

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def answer(body: object, status: int = 200, length: int | None = None, delay: float = 0):
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()

    def behaviour(handler, _query):
        time.sleep(delay)
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload) if length is None else length))
        handler.end_headers()
        handler.wfile.write(payload)

    return behaviour


def in_turn(*behaviours):
    """Each request gets the next behaviour; the last one repeats."""
    queue = list(behaviours)
    return lambda handler, query: (queue.pop(0) if len(queue) > 1 else queue[0])(handler, query)


def redirect(location: str):
    def behaviour(handler, _query):
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return behaviour


def ckan_pages(records: list[dict], total: int | None = None, repeat_first: bool = False):
    """CKAN paging by offset and limit; `repeat_first` serves page one whatever the offset."""

    def behaviour(handler, query):
        offset, limit = int(query["offset"][0]), int(query["limit"][0])
        page = records[:limit] if repeat_first else records[offset : offset + limit]
        answer(ckan(*page, total=len(records) if total is None else total))(handler, query)

    return behaviour


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def portal():
    server = Portal()
    yield server
    server.close()


@pytest.fixture
def store(tmp_path):
    """A working file with the samples' agency masters and a good load of SPIP and SPBE."""
    with raw_store.RawStore(tmp_path / "work" / "kinerja.duckdb") as store:
        receive_and_ingest(
            store, "agencies", [SourceEntry("agencies", path="agencies/**/*")], SAMPLES,
            tmp_path / "landing", "masters",
        )  # fmt: skip
        yield store


def spip_entry(portal, **options) -> SourceEntry:
    options = {"page_size": 1, "pemda_code": "32.16", "name": "spip.json"} | options
    return SourceEntry("spip", url=f"{portal.base}/spip", paging="ckan", **options)


def spbe_entry(portal, **options) -> SourceEntry:
    return SourceEntry("spbe", url=f"{portal.base}/spbe.json", pemda_code="32.16", **options)


def ingest(store, entry, tmp_path, run_id):
    return receive_and_ingest(
        store, entry.index, [entry], SAMPLES, tmp_path / "landing", run_id,
        FetchRetry(attempts=1, first_delay_seconds=0),
    )  # fmt: skip


def rows(store, table: str) -> list[tuple]:
    return store._con.execute(
        f"select * exclude (loaded_at) from raw.{table} order by all"
    ).fetchall()


def landed(tmp_path) -> set[str]:
    return {
        str(p.relative_to(tmp_path / "landing"))
        for p in (tmp_path / "landing").rglob("*")
        if p.is_file()
    }


FAULTS = {
    # name: (source, behaviour, entry options, what the error says)
    "connection refused": ("spbe", None, {}, "Connection refused"),
    "read timeout": ("spbe", answer(GOOD_SPBE, delay=3), {"timeout_seconds": 0.5}, "no answer within 0.5 s"),
    "truncated body": ("spbe", answer(b'{"instansi": "Pemerintah', length=5000), {}, "cut off"),
    "oversize body": ("spbe", answer(GOOD_SPBE), {"limits": Limits(max_file_bytes=1000)}, "over the 1000-byte cap"),
    "redirect loop": ("spbe", redirect("/spbe.json"), {}, "more than 5 redirects"),
    "redirect to ftp": ("spbe", redirect("ftp://files.example.go.id/spbe.json"), {}, "not http or https"),
    "redirect to file": ("spbe", redirect("file:///etc/passwd"), {}, "not http or https"),
    "invalid JSON": ("spip", answer(b"<html>Sedang pemeliharaan</html>"), {}, "not JSON"),
    "success false": ("spip", answer({"success": False, "error": {"message": "Not found"}}), {}, "success=false"),
    "a page that repeats forever": ("spip", ckan_pages([SPIP_RECORD, SPIP_RECORD | {"tahun": 2023}], total=10**9, repeat_first=True), {}, "same page again"),
    "more records than total": ("spip", ckan_pages([SPIP_RECORD, SPIP_RECORD | {"tahun": 2023}], total=1), {"page_size": 10}, "more than its total of 1"),
    "fewer records than total": ("spip", ckan_pages([SPIP_RECORD], total=3), {}, "stopped at 1 of 3"),
}  # fmt: skip


@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
def test_a_portal_fault_is_a_clear_refusal_that_keeps_the_previous_good_load(
    fault, portal, store, tmp_path
):
    source, behaviour, options, message = FAULTS[fault]
    portal.behaviours = {
        "/spip": ckan_pages(GOOD_SPIP["result"]["records"]),
        "/spbe.json": answer(GOOD_SPBE),
    }
    entry = (spip_entry if source == "spip" else spbe_entry)(portal)
    [good] = ingest(store, entry, tmp_path, "good night")
    assert good.status == raw_store.LOADED, good.message
    before, landed_before = rows(store, source), landed(tmp_path)

    if behaviour is None:
        entry = SourceEntry(
            "spbe", url=f"http://127.0.0.1:{closed_port()}/spbe.json", pemda_code="32.16"
        )
    else:
        portal.behaviours[urlparse(entry.url).path] = behaviour
        entry = (spip_entry if source == "spip" else spbe_entry)(portal, **options)
    [outcome] = ingest(store, entry, tmp_path, "bad night")

    assert outcome.status == raw_store.REFUSED
    assert outcome.first_error.startswith("ERROR ") and message in outcome.first_error, (
        outcome.first_error
    )
    assert rows(store, source) == before, "the previous good rows stay"
    assert landed(tmp_path) == landed_before, "nothing of the failed fetch is landed"
    logged = store._con.execute(
        "select status, first_error from raw.ingest_log where run_id = 'bad night'"
    ).fetchall()
    assert logged == [("refused", outcome.first_error)]


def test_a_page_that_repeats_forever_stops_after_two_requests(portal, store, tmp_path):
    records = [SPIP_RECORD, SPIP_RECORD | {"tahun": 2023}]
    portal.behaviours = {"/spip": ckan_pages(records, total=10**9, repeat_first=True)}
    [outcome] = ingest(store, spip_entry(portal), tmp_path, "night")
    assert outcome.status == raw_store.REFUSED
    assert len(portal.requests) == 2


def test_503_then_an_answer_loads_normally(portal, store, tmp_path):
    newer = spbe_document(
        tahun=2025, tanggal_pengumuman="2026-01-08", indeks=4.48, predikat="Memuaskan"
    )
    portal.behaviours = {"/spbe.json": in_turn(answer(b"busy", status=503), answer(newer))}
    [outcome] = ingest(store, spbe_entry(portal), tmp_path, "night")
    assert outcome.status == raw_store.LOADED, outcome.message
    assert len(portal.requests) == 2
    years = store._con.execute("select evaluation_year, score from raw.spbe").fetchall()
    assert years == [(2025, 4.48)]


def test_an_answer_that_is_not_json_is_landed_as_received_and_refused(portal, store, tmp_path):
    """A whole answer that arrived is a file like any other: kept, and refused for what it is."""
    portal.behaviours = {"/spbe.json": answer(b"<html>Sedang pemeliharaan</html>")}
    [outcome] = ingest(store, spbe_entry(portal), tmp_path, "night")
    assert outcome.status == raw_store.REFUSED
    assert "[invalid_json]" in outcome.first_error
    [(path,)] = store._con.execute(
        "select landed_path from raw.ingest_log where run_id = 'night'"
    ).fetchall()
    with open(path, "rb") as f:
        assert f.read() == b"<html>Sedang pemeliharaan</html>"


def drip(headers_too: bool, seconds: float = 6.0, every: float = 0.3):
    """A server that never finishes: a byte at a time (of its headers, or of its body), for
    longer than the fetch may take, without ever letting a read wait past its timeout."""

    def behaviour(handler, _query):
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 99999\r\n\r\n"
        deadline = time.monotonic() + seconds
        if not headers_too:
            handler.wfile.write(head)
            head = b" " * 10_000
        for byte in head:
            if time.monotonic() > deadline:
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(every)

    return behaviour


@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "headers"])
def test_a_server_that_drips_is_given_up_at_the_fetchs_deadline(
    headers_too, portal, store, tmp_path
):
    portal.behaviours = {"/spbe.json": drip(headers_too)}
    before = landed(tmp_path)
    started = time.monotonic()
    [outcome] = ingest(store, spbe_entry(portal, total_seconds=1.5), tmp_path, "night")
    assert outcome.status == raw_store.REFUSED
    assert "no whole answer within 1.5 s" in outcome.first_error, outcome.first_error
    assert time.monotonic() - started < 5, "given up at the deadline, not at the server's end"
    # what the given-up fetch still holds is a partial file, never renamed into place (the
    # next refresh sweeps it, or the fetch removes it when the server lets go)
    assert {p for p in landed(tmp_path) - before if not p.endswith(".partial")} == set()


def test_a_redirect_to_another_host_carries_no_credential(portal, store, tmp_path):
    """Headers the manifest names go to the host it names; a redirect elsewhere gets none of
    them (requests itself drops only Authorization), and one whose address holds a secret is
    refused."""
    seen = {}

    def remember(then):
        def behaviour(handler, query):
            seen[urlparse(handler.path).path] = handler.headers.get("X-Api-Key")
            then(handler, query)

        return behaviour

    elsewhere = f"http://localhost:{portal.server.server_port}"
    portal.behaviours = {
        "/spbe.json": remember(redirect(f"{elsewhere}/moved.json")),
        "/moved.json": remember(answer(GOOD_SPBE)),
        "/keyed.json": redirect(f"{elsewhere}/moved.json?key=sekret-123"),
    }
    keyed = {
        "headers": {"X-Api-Key": "${PORTAL_KEY}"},
        "variables_given": {"PORTAL_KEY": "sekret-123"},
    }
    [outcome] = ingest(store, spbe_entry(portal, **keyed), tmp_path, "night")
    assert outcome.status == raw_store.LOADED, outcome.first_error
    assert seen == {"/spbe.json": "sekret-123", "/moved.json": None}

    entry = SourceEntry(
        "spbe", url=f"{portal.base}/keyed.json?key=${{PORTAL_KEY}}", pemda_code="32.16",
        variables_given={"PORTAL_KEY": "sekret-123"},
    )  # fmt: skip
    [refused] = ingest(store, entry, tmp_path, "second night")
    assert refused.status == raw_store.REFUSED
    assert "redirected to another host with a credential in its address" in refused.first_error
    assert "sekret-123" not in refused.first_error
