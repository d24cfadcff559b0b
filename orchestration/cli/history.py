"""Releases and the state behind them: `kinerja release`, `rollback`, `retire`, `backup` and
`restore`."""

from __future__ import annotations

from pathlib import Path

import click

from orchestration.cli.options import settings_for, target_option
from orchestration.mistakes import OperatorError


def _served_release(settings) -> str:
    """The id of the release being served (its row in the served publish log)."""
    from serving.engines import engine_for

    with engine_for(settings).reader() as read:
        served = read("select release_id from marts.publish_log order by published_at desc limit 1")
    release_id = served["release_id"].iloc[0] if len(served) else None
    if not isinstance(release_id, str):
        raise OperatorError("the served marts carry no release id yet: run `kinerja refresh`")
    return release_id


@click.command()
@target_option
@click.option("--release", "release_id", help="Another kept release id (default: the served one).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write into OUT/<id> (default: warehouse/releases/<id>).",
)
def release(target: str | None, release_id: str | None, out: Path | None) -> int:
    """Write the open bulk release of a release: Parquet, CSV, data dictionary,
    datapackage.json, notes and checksums."""
    from orchestration.settings import PROJECT_ROOT
    from serving.bulk_release import write_release
    from serving.releases import Releases

    settings = settings_for(target)
    release_id = release_id or _served_release(settings)
    models = settings.files.models
    manifest = models if models.exists() else PROJECT_ROOT / "dbt_project/target/manifest.json"
    folder = write_release(Releases(settings.releases_dir), release_id, manifest, out)
    print(f"Release {release_id}: {folder}")
    print("  datapackage.json, data-dictionary.csv, RELEASE_NOTES.md, SHA256SUMS, csv/, marts/")
    return 0


@click.command()
@click.argument("file")
@target_option
@click.option("--reason", required=True, help="Why, for the log and the release notes.")
def retire(file: str, target: str | None, reason: str) -> int:
    """Withdraw the rows of a source FILE that is gone (named as marts.source_status.source_file
    names it): the next release leaves them out."""
    from ingest.raw_store import RawStore
    from serving import crash_points
    from serving.generations import WAIT_FOR_REFRESH_SECONDS

    settings = settings_for(target)
    file = file.replace("\\", "/").removeprefix("./")
    if (settings.sources_dir / file).exists():
        raise OperatorError(
            f"{file} is still in the sources dir {settings.sources_dir}: move it out first, or "
            "the next refresh loads it again"
        )
    with (
        settings.files.writing_working(WAIT_FOR_REFRESH_SECONDS) as working,
        RawStore(working) as store,
    ):
        source, removed = store.retire(file, reason)
        crash_points.reached("retire_committed")
    print(
        f"Retired {file} ({source}): {removed} rows removed from the working file. The next "
        "refresh publishes a release without them (marts.source_status: retired; "
        "marts.score_revision: withdrawn)."
    )
    return 0


@click.command()
@target_option
def rollback(target: str | None) -> int:
    """Serve the previous published generation again (run it again to undo)."""
    from serving.engines import engine_for

    served = engine_for(settings_for(target)).rollback()
    print(
        f"{served} (noted in marts.publish_log), until the next successful refresh serves the "
        "working file's marts again: before then, put a corrected file in place of the one that "
        "caused the rollback, or move it out and `kinerja retire` it (docs/operations.md). Run "
        "rollback again to undo."
    )
    return 0


@click.command()
@target_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Into OUT/<release id> (default: warehouse/backups).",
)
def backup(target: str | None, out: Path | None) -> int:
    """Back up the working file with the served release."""
    from serving.backups import backup as take_backup
    from serving.generations import WAIT_FOR_REFRESH_SECONDS
    from serving.releases import Releases

    settings = settings_for(target)
    release_id = _served_release(settings)
    folder = out or settings.backups_dir
    releases = Releases(settings.releases_dir)
    taken = take_backup(settings.files, releases, release_id, folder, WAIT_FOR_REFRESH_SECONDS)
    print(f"Backup of release {release_id}: {taken}")
    print(f"  restore it with: kinerja restore {release_id} --from {folder}")
    return 0


@click.command()
@click.argument("release_id", metavar="RELEASE")
@target_option
@click.option(
    "--from",
    "source",
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder `backup --out` wrote to, or the backup's own folder "
    "(default: warehouse/backups).",
)
def restore(release_id: str, target: str | None, source: Path | None) -> int:
    """Put the backup of RELEASE back and serve that release again."""
    from serving.backups import backup_folder, restored
    from serving.backups import restore as put_back
    from serving.engines import engine_for
    from serving.generations import WAIT_FOR_REFRESH_SECONDS
    from serving.releases import Releases

    settings = settings_for(target)
    folder = backup_folder(source or settings.backups_dir, release_id)
    releases = Releases(settings.releases_dir)
    # One hold of the writer lock: no refresh starts between the working file and the serving.
    with settings.files.writing_working(WAIT_FOR_REFRESH_SECONDS):
        marts = put_back(settings.files, releases, release_id, folder)
        served = engine_for(settings).restore(release_id, marts)
        restored(settings.files)
    print(
        f"Restored the working file of release {release_id} from {folder}; {served} (noted "
        "in marts.publish_log as a restore). The next refresh goes on from there."
    )
    return 0


COMMANDS = [release, retire, rollback, backup, restore]
