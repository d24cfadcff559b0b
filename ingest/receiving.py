"""What a refresh receives tonight: every file of the manifest, fetched or found, and hashed.

Deliberately light (no pandas, no contracts): whether anything is new is decided from these
hashes alone, in a second on a night when nothing changed. Every process that receives (the CLI
and the schedule deciding what is new, the sensor, the ingest steps) shares one record of the
hashes (`Hashes`), so a file is read to hash it once per version, not once per process.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from contracts.failures import Issue
from contracts.messages import said
from ingest.fetch import FetchError, fetch
from ingest.landing import sha256_of, sweep_partials
from ingest.manifest import SourceEntry


@dataclass(frozen=True)
class FetchRetry:
    """Delayed retries of one fetch that failed for a reason that may pass (no connection, a
    timeout, a 5xx answer), after urllib3's own quick retries inside the fetch."""

    attempts: int = 4
    first_delay_seconds: float = 60.0


@dataclass
class Received:
    """A file a source delivered tonight: a download or a local file, hashed; or why it was
    refused unread (a failed fetch, a path outside the sources dir)."""

    path: Path | None
    display: str
    entry: SourceEntry
    problem: Issue | None = None
    sha256: str = ""
    bytes: int = 0


class Hashes:
    """The sha256 of each file as last received, with the size and modification time it had
    then (`<landing>/_received.json`): a file whose size and mtime are unchanged is not read
    again to hash it (a national night: 19,000 files). A lost update only costs a hash again."""

    def __init__(self, landing_dir: Path):
        self.path = landing_dir / "_received.json"
        try:
            self._known: dict[str, list] = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            self._known = {}
        self._changed = False

    def of(self, path: Path) -> tuple[str, int]:
        """(sha256, bytes) of the file at `path` now."""
        stat, key = path.stat(), str(path.absolute())
        known = self._known.get(key)
        if known and known[:2] == [stat.st_size, stat.st_mtime_ns]:
            return known[2], stat.st_size
        digest = sha256_of(path)
        self._known[key] = [stat.st_size, stat.st_mtime_ns, digest]
        self._changed = True
        return digest, stat.st_size

    def save(self) -> None:
        if not self._changed:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        partial.write_text(json.dumps(self._known), encoding="utf-8")
        os.replace(partial, self.path)


def receive(
    entries: list[SourceEntry],
    sources_dir: Path,
    landing_dir: Path,
    retry: FetchRetry | None = None,
    sweep: bool = True,
    fetched_since: float | None = None,
) -> list[Received]:
    """Every file of the entries, fetched or found, and hashed: what tonight's refresh received.
    A file two entries match is received once, with the first entry's options. `sweep` removes
    what a killed refresh left half-written; only the holder of the writer lock may. A portal's
    answer downloaded since `fetched_since` (a time stamp: when the run's news was decided) is
    the one received, not fetched again."""
    if sweep:
        sweep_partials(landing_dir)
    hashes = Hashes(landing_dir)
    received: list[Received] = []
    seen: set[str] = set()
    for item in _received(entries, sources_dir, landing_dir, retry or FetchRetry(), fetched_since):
        if item.display in seen:
            continue
        seen.add(item.display)
        if item.problem is None:
            item.sha256, item.bytes = hashes.of(item.path)
        received.append(item)
    hashes.save()
    return received


def anything_new(received: list[Received], decided: dict[str, str]) -> bool:
    """Whether a source holds news: a file whose bytes are not the version last loaded or refused
    (`decided`: file -> sha256), or one refused unread (a portal that failed)."""
    return any(r.problem is not None or decided.get(r.display) != r.sha256 for r in received)


def _received(
    entries: list[SourceEntry],
    sources_dir: Path,
    landing_dir: Path,
    retry: FetchRetry,
    fetched_since: float | None,
) -> Iterator[Received]:
    """Every file of the entries: a download, or a local file inside the sources dir."""
    resolved = _Resolver(sources_dir)
    for entry in entries:
        if entry.url:
            download, failure = _fetch_with_retries(entry, landing_dir, retry, fetched_since)
            problem = (
                Issue(
                    "fetch_failed",
                    said("the portal could not be read: {reason}", reason=str(failure)),
                    file=entry.url,
                )
                if failure
                else None
            )
            yield Received(download, entry.url, entry, problem)
            continue
        for path in entry.local_files(sources_dir):
            real = resolved(path)
            if real.is_relative_to(resolved.root):
                yield Received(path, str(real.relative_to(resolved.root)), entry)
            else:
                display = (
                    str(path.relative_to(sources_dir))
                    if path.is_relative_to(sources_dir)
                    else str(path)
                )
                yield Received(path, display, entry, _outside(display, sources_dir))


def _fetch_with_retries(
    entry: SourceEntry, landing_dir: Path, retry: FetchRetry, fetched_since: float | None
) -> tuple[Path, FetchError | None]:
    """Fetch one URL, trying again after a growing delay while the failure may pass."""
    name = entry.name or Path(entry.url.split("?")[0]).name or f"{entry.index}.json"
    download = landing_dir / "_downloads" / entry.index / name
    fresh = fetched_since is not None and download.exists()
    if fresh and download.stat().st_mtime >= fetched_since:
        return download, None
    try:
        url, headers, secrets = entry.request()
    except KeyError as exc:
        return download, FetchError(exc.args[0])
    for attempt in range(retry.attempts):
        try:
            fetch(
                url,
                download,
                read_timeout=entry.timeout_seconds,
                total_seconds=entry.total_seconds,
                max_bytes=entry.limits.max_file_bytes,
                paging=entry.paging,
                page_size=entry.page_size,
                headers=headers,
                secrets=secrets,
            )
            return download, None
        except FetchError as exc:
            failure = exc
            if not exc.transient or attempt == retry.attempts - 1:
                break
            time.sleep(retry.first_delay_seconds * 2**attempt)
    attempts = f" (after {attempt + 1} attempts)" if attempt else ""
    return download, FetchError(f"{failure}{attempts}", transient=failure.transient)


def _outside(display: str, sources_dir: Path) -> Issue:
    return Issue(
        "outside_sources",
        said(
            "the file leads outside the sources dir {folder} (a symlink?): only files inside it "
            "are read",
            folder=str(sources_dir),
        ),
        file=display,
    )


class _Resolver:
    """Paths with symlinks followed, to tell whether a file leads outside the sources dir and to
    name it relative to it (`sakip/<region code>/sakip_2024.xlsx`). A folder is resolved once
    for all its files (a national refresh has twenty thousand files in a few thousand folders);
    a file that is itself a symlink is resolved whole."""

    def __init__(self, sources_dir: Path):
        self.root = sources_dir.resolve()
        self._folders: dict[Path, Path] = {}

    def __call__(self, path: Path) -> Path:
        if path.is_symlink():
            return path.resolve()
        folder = self._folders.get(path.parent)
        if folder is None:
            folder = self._folders[path.parent] = path.parent.resolve()
        return folder / path.name
