"""Fetching over HTTP against a real server on 127.0.0.1, started by each test."""

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from ingest.fetch import FetchError, fetch, http_session
from tests.builders import SPIP_RECORD, ckan_answer


class Portal:
    """A scripted server: `answers` is a list of (status, body, delay) served in order, the last repeated."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests: list[str] = []
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the http.server API)
                portal.requests.append(self.path)
                answer = portal.answers.pop(0) if len(portal.answers) > 1 else portal.answers[0]
                status, body, delay = answer(self.path) if callable(answer) else answer
                time.sleep(delay)
                payload = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError):
                    self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/3/action/datastore_search"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def portal():
    servers = []

    def start(*answers):
        servers.append(Portal(answers))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def quick_session():
    return http_session(retries=2, backoff_factor=0)


def test_retries_a_server_error_then_succeeds(portal, tmp_path):
    server = portal((500, b"oops", 0), (200, ckan_answer([SPIP_RECORD]), 0))
    target = fetch(server.url, tmp_path / "spip.json", session=quick_session())
    assert json.loads(target.read_text())["result"]["records"] == [SPIP_RECORD]
    assert len(server.requests) == 2


def test_gives_up_after_the_retries_with_a_clear_error(portal, tmp_path):
    server = portal((503, b"down", 0))
    with pytest.raises(FetchError, match=r"127\.0\.0\.1"):
        fetch(server.url, tmp_path / "spip.json", session=quick_session())
    assert len(server.requests) == 3  # the first try and two retries
    assert not (tmp_path / "spip.json").exists()


def test_a_server_that_does_not_answer_in_time_fails(portal, tmp_path):
    server = portal((200, ckan_answer([SPIP_RECORD]), 2.0))
    with pytest.raises(FetchError, match="no answer within 0.5 s"):
        fetch(server.url, tmp_path / "spip.json", session=http_session(0, 0), read_timeout=0.5)
    assert not list(tmp_path.iterdir()), "no partial file is left behind"


def test_follows_ckan_paging_until_total(portal, tmp_path):
    records = [SPIP_RECORD | {"tahun": year} for year in range(2019, 2026)]

    def page(path):
        query = parse_qs(urlparse(path).query)
        offset, limit = int(query["offset"][0]), int(query["limit"][0])
        return 200, ckan_answer(records[offset : offset + limit], total=len(records)), 0

    server = portal(page)
    target = fetch(server.url, tmp_path / "spip.json", paging="ckan", page_size=3)
    answer = json.loads(target.read_text())
    assert [r["tahun"] for r in answer["result"]["records"]] == list(range(2019, 2026))
    assert answer["result"]["total"] == 7
    assert [parse_qs(urlparse(p).query)["offset"][0] for p in server.requests] == ["0", "3", "6"]


def test_portal_success_false_is_a_fetch_error(portal, tmp_path):
    server = portal((200, ckan_answer([], success=False), 0))
    with pytest.raises(FetchError, match="success=false"):
        fetch(server.url, tmp_path / "spip.json", paging="ckan")


def test_a_non_json_answer_is_a_fetch_error(portal, tmp_path):
    server = portal((200, b"<html>Maintenance</html>", 0))
    with pytest.raises(FetchError, match="not JSON"):
        fetch(server.url, tmp_path / "spip.json", paging="ckan")


def test_refuses_an_answer_over_the_size_cap(portal, tmp_path):
    server = portal((200, b"x" * 5000, 0))
    with pytest.raises(FetchError, match="over the 1000-byte cap"):
        fetch(server.url, tmp_path / "big.json", max_bytes=1000)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/spip.json"])
def test_refuses_schemes_other_than_http(url, tmp_path):
    with pytest.raises(FetchError, match="only http and https"):
        fetch(url, tmp_path / "x.json")
