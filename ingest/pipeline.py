"""Ingest one source: hash, land, read, validate, then load or refuse each file on its own.

The file is the unit: it is loaded whole or refused whole, and nothing a file does (a contract
error, a reader that raises, a portal that does not answer) stops the files after it.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from contracts.agencies import Masters
from contracts.failures import ERROR, WARNING, Issue, SourceFileError
from contracts.messages import said
from contracts.validate import Checked, FileFrames, validate_files
from ingest import progress, raw_store
from ingest.landing import land
from ingest.layouts import Parsed, parse_file
from ingest.limits import size_text
from ingest.options import Options, folder_region, raw_tables

if TYPE_CHECKING:  # fetching (requests) is not needed to check a file: `kinerja validate`
    from ingest.manifest import SourceEntry
    from ingest.receiving import Received


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

    @property
    def first_error_indonesian(self) -> str | None:
        """The first error as the file's owner reads it (the review's "berkas ditolak")."""
        return self.errors[0].in_indonesian() if self.errors else None


def file_region(display: str, entry: SourceEntry) -> str | None:
    """A file under a folder named by a Kemendagri code belongs to that region
    (`sakip/<region code>/sakip_2024.xlsx`); any other file to its manifest entry's `pemda_code`."""
    return folder_region(PurePath(display)) or entry.pemda_code


def check_file(
    source: str, path: Path, options: Options, masters: Masters, name: str | None = None
) -> tuple[dict[str, pd.DataFrame], list[Issue]]:
    """Read and validate a file without loading it: the frames that passed and every issue."""
    checked = check_files(source, [(path, options, name or str(path))], masters)
    return checked.frames_of(0), checked.issues[0]


def check_files(source: str, files: list[tuple[Path, Options, str]], masters: Masters) -> Checked:
    """Read each file (path, options, name to show) and validate them all at once: the rows of
    the files that passed (`file_id`: the file's number in `files`) and every file's issues.

    Any exception while reading or validating a file refuses it (`unreadable`): one malformed
    file never stops the others.
    """
    issues: list[list[Issue]] = [[] for _ in files]
    readable: list[int] = []
    parsed_files: list[Parsed] = []
    for n, result in enumerate(_parse_all(source, files, masters)):
        if isinstance(result, Parsed):
            readable.append(n)
            parsed_files.append(result)
        else:
            issues[n] = result
    batch = [
        FileFrames(files[n][1].pemda_code, p.frames, p.labels)
        for n, p in zip(readable, parsed_files, strict=True)
    ]
    try:
        checked = validate_files(source, batch, masters)
    except Exception as exc:  # noqa: BLE001 (a contract bug: refuse the batch, say why)
        checked = Checked({}, [[_unreadable(exc, "")] for _ in batch])
    for position, (n, parsed) in enumerate(zip(readable, parsed_files, strict=True)):
        # A cell already refused while parsing would only come back as a missing value: say it once.
        unreadable = {(i.sheet, i.row, i.column) for i in parsed.issues}
        found = [
            i for i in checked.issues[position] if (i.sheet, i.row, i.column) not in unreadable
        ]
        issues[n] = [dataclasses.replace(i, file=files[n][2]) for i in parsed.issues + found]
    failed = [n for n, found in enumerate(issues) if any(i.severity == ERROR for i in found)]
    numbers = np.array(readable, dtype="int64")
    tables = {}
    for table, rows in checked.tables.items():
        rows = rows.assign(file_id=numbers[rows["file_id"].to_numpy()])
        tables[table] = rows[~rows["file_id"].isin(failed)].reset_index(drop=True)
    years = [None] * len(files)
    for n, parsed in zip(readable, parsed_files, strict=True):
        years[n] = parsed.years()
    return Checked(tables, issues, years)


# Past this many files a source's files are read by a process per core, each forked with the
# masters already in memory; below it, starting the processes costs more than it saves.
PARALLEL_FROM_FILES = 64
_PARSING: dict[str, object] = {}


def _parse_all(
    source: str, files: list[tuple[Path, Options, str]], masters: Masters
) -> list[Parsed | list[Issue]]:
    """Each file read and conformed (`Parsed`), or the issue that refused it unread."""
    workers = min(os.cpu_count() or 1, len(files) // PARALLEL_FROM_FILES)
    if workers < 2:
        return list(
            _each_done(
                source,
                (_parse_one(source, path, options, name, masters) for path, options, name in files),
            )
        )
    _PARSING.update(source=source, masters=masters)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            chunks = max(1, min(len(files) // (workers * 8), 64))
            return list(_each_done(source, pool.map(_parse_in_worker, files, chunksize=chunks)))
    finally:
        _PARSING.clear()


def _each_done(source: str, results: Iterable[Parsed | list[Issue]]):
    for result in results:
        progress.files_done(source)
        yield result


def _parse_in_worker(file: tuple[Path, Options, str]) -> Parsed | list[Issue]:
    path, options, display = file
    return _parse_one(_PARSING["source"], path, options, display, _PARSING["masters"])


def _parse_one(
    source: str, path: Path, options: Options, display: str, masters: Masters
) -> Parsed | list[Issue]:
    try:
        return parse_file(source, path, options, masters, name=Path(display).name)
    except SourceFileError as exc:
        return [dataclasses.replace(exc.issue, file=display)]
    except Exception as exc:  # noqa: BLE001 (a reader bug or a hostile file: refuse, go on)
        return [_unreadable(exc, display)]


def _unreadable(exc: Exception, display: str) -> Issue:
    reason = f"{type(exc).__name__}: {exc}"[:500]
    return Issue(
        "unreadable", said("the file cannot be read: {reason}", reason=reason), file=display
    )


def _oversized(display: str, size: int, options: Options) -> Issue:
    return Issue(
        "file_too_large",
        said(
            "the file is {size}, over the limit of {limit} (max_file_bytes in the manifest's "
            "limits)",
            size=size_text(size),
            limit=size_text(options.limits.max_file_bytes),
        ),
        file=display,
    )


def _no_region(display: str) -> Issue:
    return Issue(
        "region_unknown",
        said(
            "the file's region is unknown: put it under a folder named by its Kemendagri code "
            "(sakip/<region code>/sakip_2024.xlsx) or give its manifest entry a pemda_code"
        ),
        file=display,
    )


def ingest_received(
    store: raw_store.RawStore,
    source: str,
    received: list[Received],
    landing_dir: Path,
    run_id: str,
    received_at: datetime | None = None,
) -> list[FileOutcome]:
    """Every file received for one source, each loaded or refused on its own.

    One already loaded is `unchanged` and not read. The others are landed, read, checked together
    against their contracts and the agency masters in force (the newest good master of each
    regency), and loaded or refused together, in one transaction. `received_at` is when the
    refresh received its files (the time the run was made).
    """
    received_at = received_at or datetime.now(UTC).replace(tzinfo=None)
    outcomes: list[FileOutcome] = []
    landed: dict[int, Path] = {}
    to_check: list[tuple[int, Path, Options]] = []
    loaded = store.loaded_versions(source)
    for item in received:
        outcome = FileOutcome(
            source, item.display, raw_store.UNCHANGED, pemda_code=item.entry.pemda_code
        )
        outcomes.append(outcome)
        region = file_region(item.display, item.entry)
        if item.problem is not None:  # refused unread: a link out of the sources dir, a fetch
            outcome.issues = [item.problem]
            outcome.pemda_code = region if item.entry.path else item.entry.pemda_code
            continue
        options = item.entry.options(region) if region else None
        outcome.pemda_code = options.pemda_code if options else None
        outcome.sha256, outcome.bytes = item.sha256, item.bytes
        if loaded.get(item.display) == outcome.sha256:
            outcome.message = "already loaded: same sha256"
            continue
        if options is None:
            outcome.issues = [_no_region(item.display)]
        elif outcome.bytes > options.limits.max_file_bytes:
            # not copied: nothing of it is read, and the original stays where it is
            outcome.issues = [_oversized(item.display, outcome.bytes, options)]
        else:
            landed[len(outcomes) - 1] = land(item.path, outcome.sha256, landing_dir / source)
            to_check.append((len(outcomes) - 1, landed[len(outcomes) - 1], options))
    progress.files_done(source, len(outcomes) - len(to_check))  # not read: nothing to wait for
    checked = check_files(
        source,
        [(path, options, outcomes[n].file) for n, path, options in to_check],
        store.masters(),
    )
    numbers = np.array([n for n, _, _ in to_check], dtype="int64")
    for (n, _, _), issues, years in zip(to_check, checked.issues, checked.years, strict=True):
        outcomes[n].issues, outcomes[n].years = issues, years
    incoming = {
        table: _with_lineage(rows, numbers[rows["file_id"].to_numpy()], outcomes, received_at)
        for table, rows in checked.tables.items()
    }
    main = incoming.get(raw_tables(source)[0])
    if main is not None:
        summary = main.groupby("outcome")[
            "evaluation_year" if "evaluation_year" in main else "source_row"
        ]
        for n, rows, first, last in zip(
            summary.size().index, summary.size(), summary.min(), summary.max(), strict=True
        ):
            outcomes[n].status, outcomes[n].rows = raw_store.LOADED, int(rows)
            if "evaluation_year" in main:
                outcomes[n].years = (int(first), int(last))
    incoming = {table: rows.drop(columns="outcome") for table, rows in incoming.items()}
    _warn_of_conflicts(store, source, incoming, outcomes)
    for outcome in outcomes:
        if outcome.errors:
            outcome.status = raw_store.REFUSED
            outcome.message = f"{len(outcome.errors)} error(s); first: {outcome.first_error}"
        elif outcome.status == raw_store.LOADED and outcome.issues:
            outcome.message = f"{len(outcome.issues)} warning(s)"
    store.record(
        [_entry(o, run_id, landed.get(n)) for n, o in enumerate(outcomes)],
        [(n, issue) for n, o in enumerate(outcomes) for issue in o.issues],
        incoming,
    )
    return outcomes


def _with_lineage(
    rows: pd.DataFrame,
    numbers: np.ndarray,
    outcomes: list[FileOutcome],
    received_at: datetime,
) -> pd.DataFrame:
    """Rows of many files, each with its file's name and sha256 and the time it was received;
    `outcome` is the number of its file's outcome."""
    files = pd.Series([o.file for o in outcomes])
    digests = pd.Series([o.sha256 for o in outcomes])
    return rows.drop(columns="file_id").assign(
        source_file=files.to_numpy()[numbers],
        source_sha256=digests.to_numpy()[numbers],
        received_at=received_at,
        outcome=numbers,
    )


def _warn_of_conflicts(
    store: raw_store.RawStore,
    source: str,
    incoming: dict[str, pd.DataFrame],
    outcomes: list[FileOutcome],
) -> None:
    """A warning for each row whose key another file holds, saying which of the two wins."""
    table = raw_tables(source)[0]
    if table not in incoming:
        return
    by_file = {o.file: o for o in outcomes}
    for row in store.conflicts(table, incoming[table]).itertuples():
        by_file[row.source_file].issues.append(
            Issue(
                "superseded",
                said(
                    "replaces the row of {other} for the same key, by the precedence rule (later "
                    "announcement, then later receipt, then file name)",
                    other=row.other_file,
                )
                if row.incoming_wins
                else said(
                    "not loaded: {other} holds the same key and wins by the precedence rule "
                    "(later announcement, then later receipt, then file name)",
                    other=row.other_file,
                ),
                file=row.source_file,
                sheet=None if pd.isna(row.source_sheet) else row.source_sheet,
                row=int(row.source_row),
                value=row.other_file,
                severity=WARNING,
            )
        )


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
        "first_error_indonesian": outcome.first_error_indonesian,
    }
