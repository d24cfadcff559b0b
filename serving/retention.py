"""What a warehouse keeps, to the retention its settings give (`Retention`): run after each
publish, so that a nightly refresh never fills the disk.

- releases (`releases/<id>/`): the newest `releases` of them;
- backups (`backups/<id>/`): those taken within `days`, and always the newest;
- refresh logs and quarantine reports: those written within `days`;
- landing copies: those written within `days`, and always the version each file was last
  loaded or refused in (a correction pack annotates it; the ingest log names it).

The served file and its previous generation are two files, kept by the publish itself.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from serving.releases import Releases


@dataclass(frozen=True)
class Retention:
    releases: int = 30  # the newest releases kept, each with its marts (`kinerja query --as-of`)
    days: int = 365  # backups, logs, quarantine reports and old landing copies kept this long

    def __post_init__(self):
        if self.releases < 1 or self.days < 1:
            raise ValueError(f"a retention keeps at least one release and one day: {self}")


def prune(settings) -> dict[str, int]:
    """Remove what the settings' retention no longer keeps; how many of each were removed."""
    keep, cutoff = settings.retention, time.time() - settings.retention.days * 86400
    releases = Releases(settings.releases_dir).kept()
    removed = {"releases": 0, "backups": 0, "logs": 0, "quarantine": 0, "landing": 0}
    for release_id in releases[: -keep.releases]:
        shutil.rmtree(settings.releases_dir / release_id)
        removed["releases"] += 1
    backups = sorted(_backups(settings.backups_dir), key=lambda pair: pair[1])
    for folder, taken in backups[:-1]:
        if taken < cutoff:
            shutil.rmtree(folder)
            removed["backups"] += 1
    removed["logs"] = _remove_older(settings.logs_dir.glob("refresh-*.log"), cutoff)
    removed["quarantine"] = _remove_older(settings.quarantine_dir.glob("*.*"), cutoff)
    current = _current_versions(settings.files.working)
    landed = (p for p in settings.landing_dir.glob("*/*") if p.stem not in current)
    removed["landing"] = _remove_older(landed, cutoff)
    return removed


def _backups(folder: Path):
    for manifest in folder.glob("*/backup.json"):
        yield manifest.parent, manifest.stat().st_mtime


def _remove_older(paths, cutoff: float) -> int:
    removed = 0
    for path in paths:
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink()
            removed += 1
    return removed


def _current_versions(working: Path) -> set[str]:
    """The sha256 of each file's last loaded and last refused version."""
    if not working.exists():
        return set()
    with duckdb.connect(str(working), read_only=True) as con:
        return {sha for (sha,) in con.execute("select sha256 from raw.file_versions").fetchall()}


def describe(removed: dict[str, int]) -> str:
    return json.dumps({what: n for what, n in removed.items() if n})
