"""Fetching sources over HTTP with `requests`: timeouts, retries with backoff, CKAN paging, a cap.

Retries (connection errors and 5xx) are urllib3's `Retry` mounted through an `HTTPAdapter`. A
download goes to a temporary file that is renamed into place only when complete. Every failure
is a FetchError with a message fit for a log: the values of secrets are redacted from it.

Three clocks bound a fetch: connecting (`CONNECT_TIMEOUT`), each read (`read_timeout`), and the
whole fetch (`total_seconds`): a server that sends a byte every few seconds never trips a read
timeout, so the fetch runs in a thread of its own that is given up at the deadline. A redirect
to another host carries none of the manifest's credentials: its headers are dropped (requests
drops only `Authorization`), and a redirect whose address holds a secret is refused.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from pathlib import Path
from urllib.parse import urlparse

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util.retry import Retry

from ingest.limits import Limits
from ingest.manifest import redact

CONNECT_TIMEOUT = 10.0
RETRY_STATUSES = (500, 502, 503, 504)
MAX_REDIRECTS = 5


class FetchError(Exception):
    """A source that could not be fetched: it is reported, never treated as empty.

    `transient` marks what may succeed later (no connection, a timeout, a 5xx answer): the
    refresh retries those with backoff; a bad answer (success=false, not JSON, too large) is not.
    """

    def __init__(self, message: str, transient: bool = False):
        super().__init__(message)
        self.transient = transient


class _Session(requests.Session):
    """A session that keeps the manifest's credentials to the host they were written for."""

    credential_headers: frozenset[str] = frozenset()
    secrets: tuple[str, ...] = ()

    def rebuild_auth(self, prepared_request, response) -> None:
        super().rebuild_auth(prepared_request, response)
        if self.should_strip_auth(response.request.url, prepared_request.url):
            for name in self.credential_headers:
                prepared_request.headers.pop(name, None)
            if any(secret and secret in prepared_request.url for secret in self.secrets):
                raise FetchError(
                    f"{response.request.url}: redirected to another host with a credential in "
                    "its address; refused"
                )


def http_session(retries: int = 3, backoff_factor: float = 0.5) -> requests.Session:
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        backoff_factor=backoff_factor,
        raise_on_status=False,
    )
    session = _Session()
    session.max_redirects = MAX_REDIRECTS
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def fetch(
    url: str,
    target: Path,
    *,
    session: requests.Session | None = None,
    read_timeout: float = 30.0,
    max_bytes: int = Limits.max_file_bytes,
    paging: str | None = None,
    page_size: int = 1000,
    headers: dict[str, str] | None = None,
    secrets: list[str] | None = None,
    total_seconds: float = 300.0,
) -> Path:
    """Download `url` to `target` (atomically); with `paging='ckan'` gather every page first.
    `secrets` (credentials in the URL or headers) never appear in an error message; the whole
    fetch is given up after `total_seconds`."""
    session = session or http_session()
    if isinstance(session, _Session):
        session.credential_headers = frozenset(headers or {})
        session.secrets = tuple(secrets or ())
    fetching = _Fetching(url, target, session, read_timeout, max_bytes, paging, page_size, headers)
    worker = threading.Thread(target=fetching.run, name=f"fetch {url}", daemon=True)
    worker.start()
    worker.join(total_seconds)
    if worker.is_alive():
        fetching.given_up.set()  # the worker stops at its next chunk and lands nothing
        failure = FetchError(
            f"{url}: no whole answer within {total_seconds:g} s (the server kept sending, or "
            "kept the connection open, without finishing)",
            transient=True,
        )
    else:
        failure = fetching.failure
    if failure is not None:
        raise FetchError(redact(str(failure), secrets or []), transient=failure.transient)
    return target


class _Fetching:
    """One fetch, run in a thread of its own so that a deadline can give it up."""

    def __init__(self, url, target, session, read_timeout, max_bytes, paging, page_size, headers):
        self.args = (url, target, session, read_timeout, max_bytes, paging, page_size, headers)
        self.given_up = threading.Event()
        self.failure: FetchError | None = None

    def run(self) -> None:
        try:
            _fetch(*self.args, self.given_up)
        except FetchError as exc:
            self.failure = exc
        except Exception as exc:  # noqa: BLE001 (a failure of this thread is the fetch's)
            self.failure = FetchError(f"{self.args[0]}: {exc}")


def _fetch(url, target, session, read_timeout, max_bytes, paging, page_size, headers, given_up):
    scheme = urlparse(url).scheme.lower()
    if scheme not in {"http", "https"}:
        raise FetchError(f"refusing to fetch {url!r}: only http and https URLs are fetched")
    session.headers.update(headers or {})
    timeout = (CONNECT_TIMEOUT, read_timeout)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A name of its own: a fetch given up at its deadline may still hold its file open.
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.partial")
    try:
        if paging == "ckan":
            records = _ckan_records(session, url, timeout, max_bytes, page_size, given_up)
            answer = {"success": True, "result": {"records": records, "total": len(records)}}
            partial.write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
        elif paging is None:
            with partial.open("wb") as f:
                _get(session, url, None, timeout, max_bytes, given_up, f)
        else:
            raise FetchError(f"unknown paging {paging!r}: only 'ckan' is supported")
        if not given_up.is_set():
            os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _get(
    session: requests.Session,
    url: str,
    params: dict | None,
    timeout: tuple[float, float],
    max_bytes: int,
    given_up: threading.Event,
    sink=None,
) -> bytes:
    """The body of a GET, written to `sink` as it arrives (then b"" is returned) or returned;
    abandoned when the fetch's deadline has `given_up` on it."""
    try:
        with session.get(url, params=params, timeout=timeout, stream=True) as response:
            if response.status_code >= 400:
                raise FetchError(
                    f"{url}: HTTP {response.status_code} {response.reason}",
                    transient=response.status_code >= 500,
                )
            declared = int(response.headers.get("Content-Length") or 0)
            if declared > max_bytes:
                raise FetchError(f"{url}: {declared} bytes is over the {max_bytes}-byte cap")
            body, received = bytearray(), 0
            for chunk in response.iter_content(chunk_size=64 * 1024):
                if given_up.is_set():
                    raise FetchError(f"{url}: given up at the fetch's deadline")
                received += len(chunk)
                if received > max_bytes:
                    raise FetchError(f"{url}: the answer is over the {max_bytes}-byte cap")
                if sink is None:
                    body += chunk
                else:
                    sink.write(chunk)
            return bytes(body)
    except requests.TooManyRedirects as exc:
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects (a redirect loop?)") from exc
    except requests.exceptions.InvalidSchema as exc:
        raise FetchError(
            f"{url}: redirected to a URL that is not http or https; refused ({exc})"
        ) from exc
    except (
        requests.exceptions.ChunkedEncodingError,
        requests.exceptions.ContentDecodingError,
    ) as exc:
        raise FetchError(
            f"{url}: the answer was cut off before its end ({exc})", transient=True
        ) from exc
    except requests.RequestException as exc:
        if _timed_out(exc):
            raise FetchError(f"{url}: no answer within {timeout[1]:g} s", transient=True) from exc
        if isinstance(exc, requests.ConnectionError):
            raise FetchError(f"{url}: could not connect ({exc})", transient=True) from exc
        raise FetchError(f"{url}: {exc}") from exc


def _timed_out(exc: requests.RequestException) -> bool:
    """A timeout, also when urllib3's retries wrap it in a MaxRetryError (a refused connection
    is a NewConnectionError, which urllib3 derives from its timeout error: not a timeout)."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    if isinstance(reason, NewConnectionError) or isinstance(exc.__context__, NewConnectionError):
        return False
    return isinstance(exc, requests.Timeout) or isinstance(reason, TimeoutError | Urllib3Timeout)


def _ckan_records(
    session: requests.Session,
    url: str,
    timeout: tuple[float, float],
    max_bytes: int,
    page_size: int,
    given_up: threading.Event,
) -> list[dict]:
    """Follow `offset`/`limit` until `total` records are gathered (without `total`: until a
    short page). A portal that serves the same page again, or more records than its `total`,
    is refused rather than followed forever."""
    records: list[dict] = []
    received, previous = 0, None
    while True:
        page_query = {"offset": len(records), "limit": page_size}
        body = _get(session, url, page_query, timeout, max_bytes, given_up)
        received += len(body)
        if received > max_bytes:
            raise FetchError(f"{url}: the pages together are over the {max_bytes}-byte cap")
        try:
            answer = json.loads(body)
        except ValueError as exc:
            raise FetchError(f"{url}: the answer is not JSON ({exc})") from exc
        if not isinstance(answer, dict) or answer.get("success") is not True:
            error = answer.get("error") if isinstance(answer, dict) else None
            raise FetchError(f"{url}: the portal answered success=false: {error}")
        result = answer.get("result")
        page = result.get("records") if isinstance(result, dict) else None
        if not isinstance(page, list):
            raise FetchError(f"{url}: the answer has no list result.records")
        if page and page == previous:
            raise FetchError(
                f"{url}: the portal served the same page again at offset {len(records)}: "
                "paging stopped"
            )
        previous, offset = page, len(records)
        records += page
        total = result.get("total")
        if total is None:
            if len(page) < page_size:
                return records
            continue
        if not isinstance(total, int) or isinstance(total, bool):
            raise FetchError(f"{url}: result.total is {total!r}, not a number of records")
        if len(records) > total:
            raise FetchError(
                f"{url}: the portal gave {len(records)} records, more than its total of {total} "
                f"(page at offset {offset})"
            )
        if len(records) == total:
            return records
        if not page:
            raise FetchError(f"{url}: the portal stopped at {len(records)} of {total} records")
