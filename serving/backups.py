"""`kinerja backup` and `kinerja restore`: the pipeline's whole state, recoverable.

The working file holds everything the pipeline knows (raw rows, the ingest log, the agency
masters' history, the review snapshots); a release's Parquet holds what was served. A backup is
both, taken together under the writer lock, in `<backups>/<release id>/`:

    backup.json            the release it matches, when it was taken, and the sha256 of every
                           other file of the backup (written last)
    work/<name>.duckdb     the working file (settled: what a killed writer committed is in it)
    work/models.json       the dbt manifest that built it (when kept)
    marts/*.parquet        the release's marts as served

A backup is written beside its place and renamed into it whole, and the backup it replaces goes
only then. `restore` checks every file against `backup.json` before it touches anything: a backup
cut short, or copied off the machine in part, is refused, never restored as whole.

`restore` puts the working file back (the one it replaces is kept beside it as
`<name>.before-restore-<time>`) and serves the release again, recorded in `marts.publish_log` as
`restore`, the way a rollback is. A refresh then goes on from there: what changed in the sources
since the backup is new to it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from orchestration.mistakes import OperatorError
from serving import crash_points
from serving.folders import written_whole
from serving.generations import settled
from serving.releases import RELEASE_ID, copy_folder

MANIFEST = "backup.json"
_ASIDE = "before-restore"


def backup(files, releases, release_id: str, folder: Path, wait_seconds: float) -> Path:
    """Write the backup of the working file and the served release `release_id` into
    `folder/<release_id>`; its path."""
    target = folder / release_id
    with written_whole(target) as staging:
        (staging / "work").mkdir()
        with files.writing_working(wait_seconds) as working:
            shutil.copyfile(settled(working), staging / "work" / working.name)
            if files.models.exists():
                shutil.copyfile(files.models, staging / "work" / "models.json")
        shutil.copytree(releases.require(release_id), staging / "marts")
        crash_points.reached("backup_copied")
        taken = {
            "release_id": release_id,
            "taken_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": _checksums(staging),
        }
        (staging / MANIFEST).write_text(json.dumps(taken, indent=2) + "\n", encoding="utf-8")
    return target


def _checksums(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder` but the manifest, by its path there."""
    return {
        path.relative_to(folder).as_posix(): _sha256(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }


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
    _check_whole(source, taken)
    saved = source / "work" / files.working.name
    if not saved.exists():
        raise OperatorError(f"{saved}: the backup holds no working file of that name")
    marts = releases.marts(release_id)
    if marts.resolve() != (source / "marts").resolve():
        copy_folder(source / "marts", marts)
    releases.served(release_id)
    working = files.working
    working.parent.mkdir(parents=True, exist_ok=True)
    # Copied beside it first: a restore cut off half-way never leaves half a working file.
    incoming = working.with_name(f"{working.name}.restoring")
    shutil.copyfile(saved, incoming)
    files.restore_pending.write_text(
        json.dumps({"release_id": release_id, "from": str(source)}), encoding="utf-8"
    )
    if working.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        aside = working.with_name(f"{working.name}.{_ASIDE}-{stamp}")
        os.replace(settled(working), aside)
    os.replace(incoming, working)
    crash_points.reached("restore_working")
    files.models.unlink(missing_ok=True)
    if (source / "work" / "models.json").exists():
        shutil.copyfile(source / "work" / "models.json", files.models)
    return marts


def restored(files) -> None:
    """The restored release is served: the working file and the marts agree again."""
    files.restore_pending.unlink(missing_ok=True)


def cut_off_restore(files) -> str | None:
    """What to run again when a restore was cut off before it served its release."""
    if not files.restore_pending.exists():
        return None
    pending = json.loads(files.restore_pending.read_text(encoding="utf-8"))
    return f"kinerja restore {pending['release_id']} --from {pending['from']}"


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _check_whole(source: Path, taken: dict) -> None:
    """Every file `backup.json` lists is there with its sha256, and no other: else the backup is
    refused, whatever it holds."""
    listed = taken.get("files")
    if listed is None:
        raise OperatorError(
            f"{source / MANIFEST} lists no checksums (a backup taken before kinerja checked its "
            "backups): it cannot be told whole; take a new backup"
        )
    found = _checksums(source)
    if found != listed:
        missing = sorted(set(listed) - set(found))
        differ = sorted(p for p in set(listed) & set(found) if listed[p] != found[p])
        extra = sorted(set(found) - set(listed))
        raise OperatorError(
            f"the backup in {source} is not whole: missing {missing or 'none'}, changed "
            f"{differ or 'none'}, not listed {extra or 'none'}; nothing was restored"
        )
