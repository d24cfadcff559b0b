"""`kinerja backup` and `kinerja restore`: the pipeline's whole state, recoverable.

The working file holds everything the pipeline knows (raw rows, the ingest log, the agency
masters' history, the review snapshots); a release's Parquet holds what was served. A backup is
both, taken together under the writer lock, in `<backups>/<release id>/`:

    backup.json            the release it matches and when it was taken
    work/<name>.duckdb     the working file
    work/models.json       the dbt manifest that built it (when kept)
    marts/*.parquet        the release's marts as served

`restore` puts the working file back (the one it replaces is kept beside it as
`<name>.before-restore-<time>`) and serves the release again, recorded in `marts.publish_log` as
`restore`, the way a rollback is. A refresh then goes on from there: what changed in the sources
since the backup is new to it.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from orchestration.mistakes import OperatorError
from serving.releases import RELEASE_ID, copy_folder

MANIFEST = "backup.json"
_ASIDE = "before-restore"


def backup(files, releases, release_id: str, folder: Path, wait_seconds: float) -> Path:
    """Write the backup of the working file and the served release `release_id` into
    `folder/<release_id>`; its path."""
    target = folder / release_id
    staging = folder / f".{release_id}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "work").mkdir(parents=True)
    with files.writing_working(wait_seconds) as working:
        shutil.copyfile(working, staging / "work" / working.name)
        if files.models.exists():
            shutil.copyfile(files.models, staging / "work" / "models.json")
    shutil.copytree(releases.require(release_id), staging / "marts")
    taken = {"release_id": release_id, "taken_at": datetime.now(UTC).isoformat(timespec="seconds")}
    (staging / MANIFEST).write_text(json.dumps(taken, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(staging, target)
    return target


def backup_folder(given: Path, release_id: str) -> Path:
    """The backup of `release_id` that `given` names: the backup's own folder, or the folder
    `kinerja backup --out` wrote it into (`<given>/<release_id>`)."""
    for folder in (given, given / release_id):
        if (folder / MANIFEST).is_file():
            return folder
    raise OperatorError(
        f"no backup of release {release_id} in {given} (neither {given / MANIFEST} nor "
        f"{given / release_id / MANIFEST}): name with --from the folder `kinerja backup --out` "
        "wrote to"
    )


def restore(files, releases, release_id: str, source: Path) -> Path:
    """Put the backup in `source` (of `release_id`) back as the working file, and its marts as
    that release's kept Parquet; the marts folder, for the engine to serve. The caller holds the
    writer lock (`files.writing_working`) until the release is served."""
    if not RELEASE_ID.match(release_id):
        raise OperatorError(f"{release_id!r} is not a release id (2026-12-03.1)")
    taken = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    if taken["release_id"] != release_id:
        raise OperatorError(
            f"{source} is the backup of release {taken['release_id']}, not {release_id}"
        )
    saved = source / "work" / files.working.name
    if not saved.exists():
        raise OperatorError(f"{saved}: the backup holds no working file of that name")
    working = files.working
    working.parent.mkdir(parents=True, exist_ok=True)
    # Copied beside it first: a restore cut off half-way never leaves half a working file.
    incoming = working.with_name(f"{working.name}.restoring")
    shutil.copyfile(saved, incoming)
    if working.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        os.replace(working, working.with_name(f"{working.name}.{_ASIDE}-{stamp}"))
    os.replace(incoming, working)
    files.models.unlink(missing_ok=True)
    if (source / "work" / "models.json").exists():
        shutil.copyfile(source / "work" / "models.json", files.models)
    marts = releases.marts(release_id)
    if marts.resolve() != (source / "marts").resolve():
        copy_folder(source / "marts", marts)
    return marts
