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
from pathlib import Path
from typing import NamedTuple

import duckdb

from ingest.options import MASTERS, sources
from ingest.receiving import FetchRetry, Received, anything_new, receive
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


def decided_versions(settings: Settings) -> dict[str, dict[str, str]] | None:
    """Per source, each file's version last loaded or refused, from the working file; None when
    there is no working file yet."""
    rows = _read_only(
        settings.files.working,
        "select index_code, file, sha256 from raw.file_versions qualify row_number() "
        "over (partition by index_code, file order by logged_at desc) = 1",
    )
    if rows is None:
        return None
    decided: dict[str, dict[str, str]] = {}
    for source, file, sha256 in rows:
        decided.setdefault(source, {})[file] = sha256
    return decided


class Tonight(NamedTuple):
    news: list[str]  # why tonight's refresh must run; empty: nothing new
    received: list[Received]  # every file received
    reading: list[str]  # the sources whose files the refresh must read


def tonight(settings: Settings, local_only: bool = False) -> Tonight:
    """What is new tonight, without sweeping landing (a refresh in progress may be writing
    there). `local_only`: the files of the sources dir alone, portals left to the schedule (the
    sensor's question, asked every minute). A new agency master, or no warehouse yet, means
    every source is read (files refused against the old master deserve another look)."""
    decided = decided_versions(settings)
    entries = [e for e in settings.entries() if e.path or not local_only]
    once = FetchRetry(attempts=1)  # a portal that fails is news: the refresh retries it properly
    news, received, reading = [], [], []
    for source in sources():
        mine = [e for e in entries if e.index == source]
        files = receive(mine, settings.sources_dir, settings.landing_dir, once, sweep=False)
        received += files
        if decided is not None and anything_new(files, decided.get(source, {})):
            news.append(f"{source}: new or changed files")
            reading.append(source)
    if decided is None or MASTERS in reading:
        reading = list(sources())
    if decided is None:
        news.insert(0, "no warehouse yet")
    else:
        news += stale_marts(settings)
    return Tonight(news, received, reading)


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
    rows = _read_only(
        settings.files.working,
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = 'retirements'",
    )
    if not rows or rows[0][0] == 0:
        return []
    pending = _read_only(
        settings.files.working,
        "select file from raw.retirements where built_in_run is null order by 1",
    )
    return [file for (file,) in pending]


def _read_only(warehouse: Path, sql: str) -> list[tuple] | None:
    """The rows of `sql` on a warehouse file opened read-only; None when there is no such file."""
    if not warehouse.exists():
        return None
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()
