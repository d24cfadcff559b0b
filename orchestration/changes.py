"""Whether tonight's refresh has anything to do, decided from hashes alone.

Nothing is new when every source file still has the bytes it had when it was last loaded or
refused, no portal failed, the dbt project is the one that built the working file, and no
rollback is in force (a rollback serves the previous generation until the next refresh). Then
there is nothing to read, build, check or publish: `kinerja refresh` says so in about a second,
without starting Dagster, and the ingest and dbt steps of a scheduled run skip their work the
same way. No pandas, dbt or Great Expectations is imported here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import duckdb

from ingest.options import MASTERS, sources
from ingest.receiving import FetchRetry, Received, anything_new, receive
from orchestration.mistakes import OperatorError
from orchestration.settings import PROJECT_ROOT, Settings

# The run tag holding when its news was decided (a time stamp): the ingest steps receive the portal
# answers fetched then instead of fetching again (ingest/receiving.py).
NEWS_DECIDED_AT = "kinerja/news_decided_at"
_TAG_LIMIT = 200  # characters Dagster shows of a tag


def run_tags(news: list[str], decided_at: float) -> dict[str, str]:
    """The tags of a run started for `news`: why, and when it was decided."""
    return {"kinerja/news": "; ".join(news)[:_TAG_LIMIT], NEWS_DECIDED_AT: str(decided_at)}


# The project's manifest, parsed by `make` (`dbt parse`) whenever a dbt source changes.
PROJECT_MANIFEST = PROJECT_ROOT / "dbt_project" / "target" / "manifest.json"


def models_changed(settings: Settings) -> bool:
    """Whether the dbt project differs from the one that built the working file, by dbt's own
    checksums of each model, seed, snapshot and test (and its columns, contract and config) and
    the text of each project macro. A changed project builds every model
    (orchestration/dbt_models.py)."""
    kept = settings.files.models
    return not kept.exists() or _checksums(kept) != _checksums(PROJECT_MANIFEST)


def _checksums(manifest: Path) -> dict[str, str]:
    document = json.loads(manifest.read_text(encoding="utf-8"))
    sums = {
        uid: json.dumps(
            [node["checksum"], node.get("columns"), node.get("contract"), node["config"]],
            sort_keys=True,
            default=str,
        )
        for uid, node in document["nodes"].items()
    }
    project = document["metadata"].get("project_name", "kinerja")
    return sums | {
        uid: macro["macro_sql"]
        for uid, macro in document["macros"].items()
        if macro["package_name"] == project
    }


@dataclass(frozen=True)
class Decided:
    """What the working file knows of one source's files."""

    files: dict[str, str] = field(default_factory=dict)  # file -> sha256 last loaded or refused
    folder_files: int | None = None  # the files its folder held when last read; None: unknown

    @property
    def local_files(self) -> int:
        """Of `files`, those found in the sources dir (not fetched from a portal)."""
        return sum(1 for file in self.files if not file.startswith(("http://", "https://")))

    @property
    def folder_was_empty(self) -> bool:
        known = self.folder_files if self.folder_files is not None else self.local_files
        return known == 0


def decided_versions(settings: Settings) -> dict[str, Decided] | None:
    """Per source, each file's version last loaded or refused and the files its folder held
    when last read, from the working file; None when there is no working file yet."""
    rows = _read_only(
        settings.files.working,
        "select index_code, file, sha256 from raw.file_versions qualify row_number() "
        "over (partition by index_code, file order by logged_at desc) = 1",
    )
    if rows is None:
        return None
    files: dict[str, dict[str, str]] = {}
    for source, file, sha256 in rows:
        files.setdefault(source, {})[file] = sha256
    folders = dict(
        _read_only(
            settings.files.working,
            "select index_code, arg_max(files, logged_at) from raw.source_folders group by 1",
        )
        if _has_table(settings.files.working, "source_folders")
        else []
    )
    return {
        source: Decided(files.get(source, {}), folders.get(source)) for source in {*files, *folders}
    }


def news_of(received: list[Received], decided: Decided) -> str | None:
    """Why a source must be read, or None: a file new or changed since it was last loaded or
    refused (or a portal that failed), or a folder that became empty or holds files again (the
    warehouse records which, for `marts.source_status`)."""
    if anything_new(received, decided.files):
        return "new or changed files"
    empty = _local(received) == 0
    if empty != decided.folder_was_empty:
        return "its folder holds no file now" if empty else "its folder holds files again"
    return None


def _local(received: list[Received]) -> int:
    return sum(1 for item in received if item.entry.path)


class RefreshRefused(OperatorError):
    """What stops a refresh before it reads anything: said in one line, nothing published."""


class NothingReceived(RefreshRefused):
    """The sources dir is missing, or holds no file at all: nothing is published on nothing."""


class Tonight(NamedTuple):
    news: list[str]  # why tonight's refresh must run; empty: nothing new
    received: list[Received]  # every file received
    reading: list[str]  # the sources whose files the refresh must read
    warnings: list[str]  # what the operator should know though the refresh goes on


def tonight(settings: Settings, local_only: bool = False) -> Tonight:
    """What is new tonight, without sweeping landing (a refresh in progress may be writing
    there). `local_only`: the files of the sources dir alone, portals left to the schedule (the
    sensor's question, asked every minute). A new agency master, or no warehouse yet, means
    every source is read (files refused against the old master deserve another look). A
    sources dir that is missing, or empty where the last refresh read files (an unmounted
    share, a mistyped KINERJA_SOURCES_DIR), raises `NothingReceived`."""
    from serving.backups import cut_off_restore

    again = cut_off_restore(settings.files)
    if again:
        raise RefreshRefused(
            f"a restore was cut off before it served its release: run `{again}` again first"
        )
    folder = settings.sources_dir
    if not folder.is_dir():
        raise NothingReceived(
            f"the sources dir {folder} does not exist (an unmounted share? a mistyped "
            "KINERJA_SOURCES_DIR?)"
        )
    decided = decided_versions(settings)
    entries = [e for e in settings.entries() if e.path or not local_only]
    once = FetchRetry(attempts=1)  # a portal that fails is news: the refresh retries it properly
    news, received, reading, emptied = [], [], [], []
    for source in sources():
        mine = [e for e in entries if e.index == source]
        files = receive(mine, settings.sources_dir, settings.landing_dir, once, sweep=False)
        received += files
        known = (decided or {}).get(source, Decided())
        reason = news_of(files, known) if decided is not None else None
        if reason:
            news.append(f"{source}: {reason}")
            reading.append(source)
        if known.local_files and not _local(files):
            emptied.append(
                f"{source}/ holds no file, where the last refresh read {known.local_files}"
            )
    read_before = sum(known.local_files for known in (decided or {}).values())
    if not _local(received) and (read_before or not received):
        before = f", where the last refresh read {read_before}" if read_before else ""
        raise NothingReceived(
            f"the sources dir {folder} holds no file{before} (an unmounted share? a mistyped "
            "KINERJA_SOURCES_DIR?)"
        )
    warnings = [
        f"{folder}/{gone}: the rows of its files stay published (`kinerja retire` withdraws a "
        "file that is gone)"
        for gone in emptied
    ]
    if decided is None or MASTERS in reading:
        reading = list(sources())
    if decided is None:
        news.insert(0, "no warehouse yet")
    else:
        news += stale_marts(settings)
    return Tonight(news, received, reading, warnings)


def stale_marts(settings: Settings) -> list[str]:
    """Why the marts must be built and served again though no source changed: a changed dbt
    project, a file retired since the last build, or what the engine says (never published
    there, a rollback in force)."""
    from serving.engines import engine_for

    reasons = ["the dbt project changed"] if models_changed(settings) else []
    reasons += [f"retired: {file}" for file in pending_retirements(settings)]
    served = engine_for(settings).stale()
    return reasons + ([served] if served else [])


def pending_retirements(settings: Settings) -> list[str]:
    """The files `kinerja retire` removed whose rows the served marts may still hold."""
    if not _has_table(settings.files.working, "retirements"):
        return []
    pending = _read_only(
        settings.files.working,
        "select file from raw.retirements where built_in_run is null order by 1",
    )
    return [file for (file,) in pending]


def _has_table(warehouse: Path, table: str) -> bool:
    """Whether the working file has `raw.<table>` (a working file an earlier version made may
    not, until a refresh of this version writes it)."""
    rows = _read_only(
        warehouse,
        "select count(*) from information_schema.tables "
        f"where table_schema = 'raw' and table_name = '{table}'",
    )
    return bool(rows and rows[0][0])


def _read_only(warehouse: Path, sql: str) -> list[tuple] | None:
    """The rows of `sql` on a warehouse file opened read-only; None when there is no such file."""
    if not warehouse.exists():
        return None
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()
