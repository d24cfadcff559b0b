"""Ingest one source: hash, land, read, validate, then load or refuse each file on its own.

The file is the unit: it is loaded whole or refused whole, and nothing a file does (a contract
error, a reader that raises, a portal that does not answer) stops the files after it.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePath

import pandas as pd

from contracts.agencies import Masters
from contracts.failures import ERROR, WARNING, Issue, SourceFileError
from contracts.validate import validate
from ingest import raw_store
from ingest.fetch import FetchError, fetch
from ingest.landing import land, sha256_of, sweep_partials
from ingest.layouts import Options, is_region_code, parse_file, raw_tables
from ingest.limits import size_text
from ingest.manifest import SourceEntry, inside


@dataclass
class FileOutcome:
    index_code: str  # the source: an index, `agencies` or `targets`
    file: str
    status: str
    pemda_code: str | None = None
    rows: int = 0
    sha256: str = ""
    bytes: int = 0
    message: str = ""
    issues: list[Issue] = field(default_factory=list)
    years: tuple[int, int] | None = None

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def first_error(self) -> str | None:
        return self.errors[0].describe() if self.errors else None


@dataclass(frozen=True)
class FetchRetry:
    """Delayed retries of one fetch that failed for a reason that may pass (no connection, a
    timeout, a 5xx answer), after urllib3's own quick retries inside the fetch."""

    attempts: int = 4
    first_delay_seconds: float = 60.0


def file_region(display: str, entry: SourceEntry) -> str | None:
    """A file under a folder named by a Kemendagri code belongs to that region
    (`sakip/<region code>/sakip_2024.xlsx`); any other file to its manifest entry's `pemda_code`."""
    folders = [part for part in PurePath(display).parts[:-1] if is_region_code(part)]
    return folders[-1] if folders else entry.pemda_code


def check_file(
    source: str, path: Path, options: Options, masters: Masters, name: str | None = None
) -> tuple[dict[str, pd.DataFrame], list[Issue]]:
    """Read and validate a file without loading it: the frames that passed and every issue.

    Any exception while reading or validating refuses the file (`unreadable`): one malformed
    file never stops the others.
    """
    display = name or str(path)
    try:
        parsed = parse_file(source, path, options, masters, name=Path(display).name)
        valid, issues = validate(source, parsed.frames, parsed.labels, options.pemda_code, masters)
    except SourceFileError as exc:
        return {}, [dataclasses.replace(exc.issue, file=display)]
    except Exception as exc:  # noqa: BLE001 (a reader bug or a hostile file: refuse, go on)
        return {}, [Issue("unreadable", f"{type(exc).__name__}: {exc}"[:500], file=display)]
    # A cell already refused while parsing would only come back as a missing value: say it once.
    unreadable = {(i.sheet, i.row, i.column) for i in parsed.issues}
    issues = [i for i in issues if (i.sheet, i.row, i.column) not in unreadable]
    issues = [dataclasses.replace(i, file=display) for i in parsed.issues + issues]
    if any(i.severity == ERROR for i in issues):
        return {}, issues
    return valid, issues


def ingest_file(
    store: raw_store.RawStore,
    source: str,
    path: Path,
    options: Options | None,
    masters: Masters,
    landing_dir: Path,
    run_id: str,
    display: str,
    received_at: datetime,
) -> tuple[FileOutcome, dict[str, pd.DataFrame]]:
    """Land one file and load or refuse it; `options` is None when its region is unknown."""
    sha256, size = sha256_of(path), path.stat().st_size
    outcome = FileOutcome(
        source,
        display,
        raw_store.UNCHANGED,
        pemda_code=options.pemda_code if options else None,
        sha256=sha256,
        bytes=size,
    )
    if store.already_loaded(source, display, sha256):
        outcome.message = "already loaded: same sha256"
        store.record(_entry(outcome, run_id), [])
        return outcome, {}
    oversized = options is not None and size > options.limits.max_file_bytes
    landed = None if oversized else land(path, sha256, landing_dir / source)
    if options is None:
        tables, outcome.issues = {}, [_no_region(display)]
    elif landed is None:  # not copied: nothing of it is read, and the original stays where it is
        tables, outcome.issues = {}, [_oversized(display, size, options)]
    else:
        tables, outcome.issues = check_file(source, landed, options, masters, name=display)
    if outcome.errors:
        outcome.status = raw_store.REFUSED
        outcome.message = f"{len(outcome.errors)} error(s); first: {outcome.first_error}"
        tables = {}
    else:
        main = tables[raw_tables(source)[0]]
        outcome.status, outcome.rows = raw_store.LOADED, len(main)
        if "evaluation_year" in main:
            outcome.years = (int(main["evaluation_year"].min()), int(main["evaluation_year"].max()))
        tables = {
            t: f.assign(source_file=display, source_sha256=sha256, received_at=received_at)
            for t, f in tables.items()
        }
        outcome.issues += _conflicts(store, raw_tables(source)[0], tables, display)
        warnings = len(outcome.issues)
        outcome.message = f"{warnings} warning(s)" if warnings else ""
    store.record(_entry(outcome, run_id, landed), outcome.issues, tables or None)
    return outcome, tables


def _conflicts(
    store: raw_store.RawStore, table: str, tables: dict[str, pd.DataFrame], display: str
) -> list[Issue]:
    """A warning for each row whose key another file holds, saying which of the two wins."""
    rule = "(later announcement, then later receipt, then file name)"
    return [
        Issue(
            "superseded",
            f"replaces the row of {row.other_file} for the same key, by the precedence rule {rule}"
            if row.incoming_wins
            else f"not loaded: {row.other_file} holds the same key and wins by the precedence "
            f"rule {rule}",
            file=display,
            sheet=None if pd.isna(row.source_sheet) else row.source_sheet,
            row=int(row.source_row),
            value=row.other_file,
            severity=WARNING,
        )
        for row in store.conflicts(table, tables[table]).itertuples()
    ]


def _oversized(display: str, size: int, options: Options) -> Issue:
    return Issue(
        "file_too_large",
        f"the file is {size_text(size)}, over the limit of "
        f"{size_text(options.limits.max_file_bytes)} (max_file_bytes in the manifest's limits)",
        file=display,
    )


def _outside(display: str, sources_dir: Path) -> Issue:
    return Issue(
        "outside_sources",
        f"the file leads outside the sources dir {sources_dir} (a symlink?): only files inside it "
        "are read",
        file=display,
    )


def _no_region(display: str) -> Issue:
    return Issue(
        "region_unknown",
        "the file's region is unknown: put it under a folder named by its Kemendagri code "
        "(sakip/<region code>/sakip_2024.xlsx) or give its manifest entry a pemda_code",
        file=display,
    )


def ingest_source(
    store: raw_store.RawStore,
    source: str,
    entries: list[SourceEntry],
    sources_dir: Path,
    landing_dir: Path,
    run_id: str,
    retry: FetchRetry | None = None,
    received_at: datetime | None = None,
) -> list[FileOutcome]:
    """Every file of every manifest entry of one source, each loaded or refused on its own.

    Score and target files are checked against the newest good master of their regency; a
    master file loaded here is in force for the files after it. `received_at` is when the
    refresh received its files (the time the run was made), the same for all of them.
    """
    retry = retry or FetchRetry()
    received_at = received_at or datetime.now(UTC).replace(tzinfo=None)
    sweep_partials(landing_dir)
    masters = store.masters()
    outcomes = []
    for entry in entries:
        if entry.url:
            download, failure = _fetch_with_retries(entry, landing_dir, retry)
            if failure is not None:
                outcome = FileOutcome(
                    source, entry.url, raw_store.REFUSED, pemda_code=entry.pemda_code
                )
                outcome.issues = [Issue("fetch_failed", str(failure), file=entry.url)]
                outcome.message = outcome.first_error or ""
                store.record(_entry(outcome, run_id), outcome.issues)
                outcomes.append(outcome)
                continue
            files = [(download, entry.url)]
        else:
            files = []
            for path in entry.local_files(sources_dir):
                if inside(path, sources_dir):
                    files.append((path, _display(path, sources_dir)))
                else:
                    outcomes.append(_refuse_unread(store, source, path, entry, sources_dir, run_id))
        for path, display in files:
            region = file_region(display, entry)
            options = entry.options(region) if region else None
            outcome, tables = ingest_file(
                store, source, path, options, masters, landing_dir, run_id, display, received_at
            )
            if source == "agencies" and tables:
                masters = store.masters()  # the master that won, in force for what follows
            outcomes.append(outcome)
    return outcomes


def _refuse_unread(
    store: raw_store.RawStore,
    source: str,
    path: Path,
    entry: SourceEntry,
    sources_dir: Path,
    run_id: str,
) -> FileOutcome:
    """A file the manifest reaches outside the sources dir: refused, neither read nor landed."""
    display = str(path.relative_to(sources_dir)) if path.is_relative_to(sources_dir) else str(path)
    outcome = FileOutcome(source, display, raw_store.REFUSED, pemda_code=entry.pemda_code)
    outcome.issues = [_outside(display, sources_dir)]
    outcome.message = outcome.first_error or ""
    store.record(_entry(outcome, run_id), outcome.issues)
    return outcome


def _fetch_with_retries(
    entry: SourceEntry, landing_dir: Path, retry: FetchRetry
) -> tuple[Path, FetchError | None]:
    """Fetch one URL, trying again after a growing delay while the failure may pass."""
    name = entry.name or Path(entry.url.split("?")[0]).name or f"{entry.index}.json"
    download = landing_dir / "_downloads" / entry.index / name
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


def _display(path: Path, sources_dir: Path) -> str:
    """A file as people name it: relative to the sources dir (`sakip/<region code>/sakip_2024.xlsx`)."""
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
        "pemda_code": outcome.pemda_code,
        "year_from": outcome.years[0] if outcome.years else None,
        "year_to": outcome.years[1] if outcome.years else None,
        "first_error": outcome.first_error,
    }
