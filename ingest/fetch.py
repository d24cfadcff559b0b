"""Fetching sources over HTTP with `requests`: timeouts, retries with backoff, CKAN paging, a cap.

Retries (connection errors and 5xx) are urllib3's `Retry` mounted through an `HTTPAdapter`. A
download goes to a temporary file that is renamed into place only when complete. Every failure
is a FetchError with a message fit for a log: the values of secrets are redacted from it.
"""

from __future__ import annotations

import json
import os
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
    session = requests.Session()
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
) -> Path:
    """Download `url` to `target` (atomically); with `paging='ckan'` gather every page first.
    `secrets` (credentials in the URL or headers) never appear in an error message."""
    try:
        return _fetch(url, target, session, read_timeout, max_bytes, paging, page_size, headers)
    except FetchError as exc:
        raise FetchError(redact(str(exc), secrets or []), transient=exc.transient) from None


def _fetch(url, target, session, read_timeout, max_bytes, paging, page_size, headers) -> Path:
    scheme = urlparse(url).scheme.lower()
    if scheme not in {"http", "https"}:
        raise FetchError(f"refusing to fetch {url!r}: only http and https URLs are fetched")
    session = session or http_session()
    session.headers.update(headers or {})
    timeout = (CONNECT_TIMEOUT, read_timeout)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)  # left by a process that was killed mid-download
    try:
        if paging == "ckan":
            records = _ckan_records(session, url, timeout, max_bytes, page_size)
            answer = {"success": True, "result": {"records": records, "total": len(records)}}
            partial.write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
        elif paging is None:
            with partial.open("wb") as f:
                _get(session, url, None, timeout, max_bytes, f)
        else:
            raise FetchError(f"unknown paging {paging!r}: only 'ckan' is supported")
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
    sink=None,
) -> bytes:
    """The body of a GET, written to `sink` as it arrives (then b"" is returned) or returned."""
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
) -> list[dict]:
    """Follow `offset`/`limit` until `total` records are gathered (without `total`: until a
    short page). A portal that serves the same page again, or more records than its `total`,
    is refused rather than followed forever."""
    records: list[dict] = []
    received, previous = 0, None
    while True:
        body = _get(session, url, {"offset": len(records), "limit": page_size}, timeout, max_bytes)
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
