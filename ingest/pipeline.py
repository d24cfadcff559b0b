"""Ingest one source: hash, land, read, validate, then load or refuse each file on its own."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from contracts.failures import ERROR, Issue, SourceFileError
from contracts.validate import validate
from ingest import raw_store
from ingest.fetch import FetchError, fetch
from ingest.landing import land, sha256_of
from ingest.layouts import DEFAULT_OPTIONS, Options, parse_file
from ingest.manifest import SourceEntry


@dataclass
class FileOutcome:
    index_code: str
    file: str
    status: str
    rows: int = 0
    sha256: str = ""
    bytes: int = 0
    message: str = ""
    issues: list[Issue] = field(default_factory=list)
    transient: bool = False  # a fetch that may succeed if tried again later

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]


def check_file(
    index_code: str, path: Path, options: Options = DEFAULT_OPTIONS, name: str | None = None
) -> tuple[dict[str, pd.DataFrame], list[Issue]]:
    """Read and validate a file without loading it: the frames that passed and every issue."""
    display = name or str(path)
    try:
        parsed = parse_file(index_code, path, options, name=Path(display).name)
    except SourceFileError as exc:
        return {}, [dataclasses.replace(exc.issue, file=display)]
    valid, issues = validate(index_code, parsed.frames, parsed.labels, options.pemda_code)
    # A cell already refused while parsing would only come back as a missing value: say it once.
    unreadable = {(i.sheet, i.row, i.column) for i in parsed.issues}
    issues = [i for i in issues if (i.sheet, i.row, i.column) not in unreadable]
    issues = [dataclasses.replace(i, file=display) for i in parsed.issues + issues]
    if any(i.severity == ERROR for i in issues):
        return {}, issues
    return valid, issues


def ingest_file(
    store: raw_store.RawStore,
    index_code: str,
    path: Path,
    options: Options,
    landing_dir: Path,
    run_id: str,
    display: str | None = None,
) -> FileOutcome:
    display = display or str(path)
    sha256, size = sha256_of(path), path.stat().st_size
    outcome = FileOutcome(index_code, display, raw_store.UNCHANGED, sha256=sha256, bytes=size)
    if store.already_loaded(index_code, sha256):
        outcome.message = "already loaded: same sha256"
        store.record(_entry(outcome, run_id), [])
        return outcome
    landed = land(path, sha256, landing_dir / index_code)
    tables, outcome.issues = check_file(index_code, landed, options, name=display)
    if outcome.errors:
        outcome.status = raw_store.REFUSED
        first = outcome.errors[0]
        outcome.message = f"{len(outcome.errors)} contract error(s); first: {first.describe()}"
    else:
        outcome.status = raw_store.LOADED
        outcome.rows = len(tables[index_code])
        warnings = len(outcome.issues)
        outcome.message = f"{warnings} warning(s)" if warnings else ""
        tables = {t: f.assign(source_file=display, source_sha256=sha256) for t, f in tables.items()}
    store.record(_entry(outcome, run_id, landed), outcome.issues, tables if outcome.rows else None)
    return outcome


def ingest_source(
    store: raw_store.RawStore,
    entries: list[SourceEntry],
    sources_dir: Path,
    landing_dir: Path,
    run_id: str,
) -> list[FileOutcome]:
    """Every file of every manifest entry, each loaded or refused on its own."""
    outcomes = []
    for entry in entries:
        if entry.url:
            name = entry.name or Path(entry.url.split("?")[0]).name or f"{entry.index}.json"
            download = landing_dir / "_downloads" / entry.index / name
            try:
                fetch(
                    entry.url,
                    download,
                    read_timeout=entry.timeout_seconds,
                    max_bytes=entry.max_bytes,
                    paging=entry.paging,
                    page_size=entry.page_size,
                )
            except FetchError as exc:
                outcome = FileOutcome(
                    entry.index,
                    entry.url,
                    raw_store.REFUSED,
                    message=str(exc),
                    transient=exc.transient,
                )
                outcome.issues = [Issue("fetch_failed", str(exc), file=entry.url)]
                store.record(_entry(outcome, run_id), outcome.issues)
                outcomes.append(outcome)
                continue
            files = [(download, entry.url)]
        else:
            files = [(p, _display(p, sources_dir)) for p in entry.local_files(sources_dir)]
        for path, display in files:
            outcomes.append(
                ingest_file(store, entry.index, path, entry.options, landing_dir, run_id, display)
            )
    return outcomes


def _display(path: Path, sources_dir: Path) -> str:
    """A file as people name it: relative to the sources dir (`sakip/sakip_2024.xlsx`)."""
    try:
        return str(path.resolve().relative_to(sources_dir.resolve()))
    except ValueError:
        return str(path)


def _entry(outcome: FileOutcome, run_id: str, landed: Path | None = None) -> dict[str, object]:
    return {
        "run_id": run_id,
        "index_code": outcome.index_code,
        "file": outcome.file,
        "sha256": outcome.sha256,
        "bytes": outcome.bytes,
        "rows": outcome.rows,
        "status": outcome.status,
        "message": outcome.message,
        "landed_path": str(landed) if landed else None,
    }
