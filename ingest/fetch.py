"""Fetching sources over HTTP with `requests`: timeouts, retries with backoff, CKAN paging, a cap.

Retries (connection errors and 5xx) are urllib3's `Retry` mounted through an `HTTPAdapter`. A
download goes to a temporary file that is renamed into place only when complete.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlparse

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util.retry import Retry

CONNECT_TIMEOUT = 10.0
RETRY_STATUSES = (500, 502, 503, 504)


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
    max_bytes: int = 50 * 1024 * 1024,
    paging: str | None = None,
    page_size: int = 1000,
) -> Path:
    """Download `url` to `target` (atomically); with `paging='ckan'` gather every page first."""
    scheme = urlparse(url).scheme.lower()
    if scheme not in {"http", "https"}:
        raise FetchError(f"refusing to fetch {url!r}: only http and https URLs are fetched")
    session = session or http_session()
    timeout = (CONNECT_TIMEOUT, read_timeout)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    try:
        if paging == "ckan":
            records = _ckan_records(session, url, timeout, max_bytes, page_size)
            answer = {"success": True, "result": {"records": records, "total": len(records)}}
            partial.write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
        elif paging is None:
            partial.write_bytes(_get(session, url, None, timeout, max_bytes))
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
) -> bytes:
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
            body = bytearray()
            for chunk in response.iter_content(chunk_size=64 * 1024):
                body += chunk
                if len(body) > max_bytes:
                    raise FetchError(f"{url}: the answer is over the {max_bytes}-byte cap")
            return bytes(body)
    except requests.RequestException as exc:
        if _timed_out(exc):
            raise FetchError(f"{url}: no answer within {timeout[1]:g} s", transient=True) from exc
        transient = isinstance(exc, requests.ConnectionError)
        raise FetchError(f"{url}: {exc}", transient=transient) from exc


def _timed_out(exc: requests.RequestException) -> bool:
    """A timeout, also when urllib3's retries wrap it in a MaxRetryError."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.Timeout) or isinstance(reason, TimeoutError | Urllib3Timeout)


def _ckan_records(
    session: requests.Session,
    url: str,
    timeout: tuple[float, float],
    max_bytes: int,
    page_size: int,
) -> list[dict]:
    """Follow `offset`/`limit` until `total` records are gathered."""
    records: list[dict] = []
    received = 0
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
        result = answer.get("result") or {}
        page = result.get("records") or []
        records += page
        total = int(result.get("total", len(records)))
        if len(records) >= total or not page:
            if len(records) < total:
                raise FetchError(f"{url}: the portal stopped at {len(records)} of {total} records")
            return records
