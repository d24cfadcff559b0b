"""Getting files into the warehouse: `kinerja refresh`, `validate` and `serve`."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path, PurePath

import click

from contracts import reference
from contracts.failures import ERROR, Issue
from contracts.text import visible
from ingest.options import folder_region, sources
from orchestration.cli import NOT_PUBLISHED, PUBLISHED, REFUSED_FILES
from orchestration.cli.options import RegionCode, settings_for, target_option
from orchestration.mistakes import OperatorError

PER_FILE_LIMIT = 300  # past this many files the summary is per source, refused files still listed


@click.command()
@target_option
@click.option("--verbose", is_flag=True, help="Dagster's log on the terminal.")
def refresh(target: str | None, verbose: bool) -> int:
    """Ingest every source into the warehouse, build, check and publish it.

    Exits 0 when it published (or had nothing new) and refused no file, 1 when it published but
    refused files, 2 when it did not publish, 75 when another refresh is writing.
    """
    from serving.engines import engine_for

    settings = settings_for(target)
    with settings.files.refreshing():  # a second refresh is told at once (exit 75)
        return _refresh(settings, engine_for(settings), verbose)


def _refresh(settings, engine, verbose: bool) -> int:
    from orchestration.changes import RefreshRefused, run_tags, tonight

    decided_at = time.time()
    try:
        news, received, reading, warnings = tonight(settings)
    except RefreshRefused as error:
        click.echo(f"kinerja refresh: NOT published: {error}", err=True)
        return NOT_PUBLISHED
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    if not news:
        return _nothing_new(settings, engine, len(received))
    from ingest import progress, raw_store
    from orchestration.automation import refresh_subset
    from orchestration.definitions import build_definitions
    from orchestration.instance import dagster_instance

    instance = dagster_instance(settings)
    assets, checks = refresh_subset(reading)
    job = (
        build_definitions(settings)
        .resolve_job_def("refresh")
        .get_subset(asset_selection=assets, asset_check_selection=checks)
    )
    read = sum(1 for item in received if item.entry.index in reading)
    run_id = str(uuid.uuid4())  # known before the run, to name its log file
    log_file = settings.logs_dir / f"refresh-{run_id}.log"
    tags = run_tags(news, decided_at)
    if verbose:
        result = job.execute_in_process(
            instance=instance, run_id=run_id, raise_on_error=False, tags=tags
        )
    else:
        # On a night with nothing new dbt runs no test, so each of its blocking checks "emitted no
        # result": by design, not news for the operator (the full log still has every event).
        logging.getLogger("dagster._core.execution.plan.active").setLevel(logging.ERROR)
        quiet = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
        stop = progress.listen(progress.TerminalProgress(read, sys.stderr))
        try:
            result = _run_quietly(job, quiet, instance, run_id, tags, log_file)
        finally:
            stop()
    _append_run_log(instance, run_id, log_file)
    written = settings.files.current_for(result.run_id)
    published = _published(result)
    if result.success and not published and not settings.files.built_by(result.run_id):
        print(f"Nothing was built: the sources changed back meanwhile. Dagster's log: {log_file}")
        return PUBLISHED
    if not written.exists():
        print(f"kinerja refresh: run {result.run_id} failed before it wrote anything:")
        for failure in _failures(result):
            print(f"  {failure}")
        print(f"Dagster's log: {log_file}")
        return NOT_PUBLISHED
    with raw_store.RawStore(written, read_only=True) as store:
        log = store.run_log(result.run_id)
        issues = store.run_issues(result.run_id)
    marts = engine.mart_sizes(result.run_id, published)
    partition_warnings = engine.partition_warnings() if published else []
    print(f"\nkinerja refresh: run {result.run_id}")
    _print_files(log)
    counts = log["status"].value_counts().to_dict()
    refused = counts.get(raw_store.REFUSED, 0)
    print(
        f"\n{len(log)} files: {counts.get('loaded', 0)} loaded, {counts.get('unchanged', 0)} "
        f"unchanged, {refused} refused; {int(log['rows'].sum())} rows loaded"
    )
    if marts:
        print("marts: " + ", ".join(f"{table} {rows}" for table, rows in marts.items()))
    if issues:
        errors = [i for i in issues if i.severity == ERROR]
        print(f"\n{len(errors)} error(s), {len(issues) - len(errors)} warning(s):")
        print_issues(issues)
        report = settings.quarantine_dir / f"{result.run_id}.csv"
        print(f"\nQuarantine report: {report} (and .json)")
    if partition_warnings:
        print(f"\n{len(partition_warnings)} regency partition(s) published with a warning:")
        for warning in partition_warnings:
            print(f"  {warning}")
    print(f"\nDagster's log: {log_file}")
    served = engine.served
    if published:
        print(f"Published {served} (the previous one is kept for rollback).")
        return REFUSED_FILES if refused else PUBLISHED
    print(f"NOT published: {served} is unchanged; this run's build is {written}.")
    for failure in _failures(result):
        print(f"  {failure}")
    return NOT_PUBLISHED


def print_issues(issues: list[Issue], limit: int = 200) -> None:
    for issue in issues[:limit]:
        print(f"  {issue.describe()}")
    if len(issues) > limit:
        print(f"  ... and {len(issues) - limit} more")


def _run_quietly(job, run_config: dict, instance, run_id: str, tags: dict, log_file: Path):
    """Run the job with what it prints (dbt's own output) going to `log_file`."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("w", encoding="utf-8") as f, contextlib.redirect_stdout(f):
        return job.execute_in_process(
            run_config=run_config,
            instance=instance,
            run_id=run_id,
            raise_on_error=False,
            tags=tags,
        )


def _append_run_log(instance, run_id: str, path: Path) -> None:
    """Dagster's full log of the run (every event, stack traces included)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(f"\n--- Dagster event log of run {run_id} ---\n")
        for entry in instance.all_logs(run_id):
            step = f" {entry.step_key}" if entry.step_key else ""
            kind = f" {entry.dagster_event.event_type_value}" if entry.dagster_event else ""
            when = datetime.fromtimestamp(entry.timestamp).isoformat(timespec="milliseconds")
            level = logging.getLevelName(entry.level)
            f.write(f"{when} {level}{step}{kind}: {entry.message}\n")
            if entry.dagster_event and entry.dagster_event.is_step_failure:
                f.write(entry.dagster_event.step_failure_data.error.to_string() + "\n")


def _nothing_new(settings, engine, files: int) -> int:
    """Every file as last loaded or refused and no model changed: nothing to read, build or
    publish. The freshness of each source is still checked on the working file."""
    from orchestration.lateness import describe, late, newest_years

    print(f"kinerja refresh: nothing new: {files} files as last read, no model changed.")
    print(f"{engine.served} is untouched.")
    for index_code in reference.indices():
        overdue = late(newest_years(settings.files.working, index_code), index_code)
        if overdue:
            print(f"  {index_code}: {describe(overdue)}")
    return PUBLISHED


def _print_files(log) -> None:
    """A line per file; past PER_FILE_LIMIT files a line per source, every refused file kept."""
    if len(log) <= PER_FILE_LIMIT:
        print(f"{'status':<10} {'rows':>6}  file")
        for row in log.itertuples():
            print(f"{row.status:<10} {row.rows:>6}  {row.index_code}: {visible(row.file)}")
        return
    print(f"{'source':<10} {'loaded':>7} {'unchanged':>9} {'refused':>7} {'rows':>8}")
    for source, files in log.groupby("index_code", sort=False):
        n = files["status"].value_counts()
        print(
            f"{source:<10} {n.get('loaded', 0):>7} {n.get('unchanged', 0):>9} "
            f"{n.get('refused', 0):>7} {int(files['rows'].sum()):>8}"
        )
    for row in log[log["status"] == "refused"].itertuples():
        print(f"refused    {row.index_code}: {visible(row.file)}")


def _published(result) -> bool:
    return any(
        event.is_step_materialization and event.asset_key.path == ["published", "warehouse"]
        for event in result.all_events
    )


def _failures(result) -> list[str]:
    """Why each failed step failed: its `dg.Failure`'s description, else the first line of the
    error at the root of the chain (Dagster wraps what the step raised)."""
    return [
        f"{event.step_key}: {event.step_failure_data.user_failure_data.description}"
        if event.step_failure_data.user_failure_data
        else f"{event.step_key}: {_root(event.step_failure_data.error)}"
        for event in result.all_events
        if event.is_step_failure
    ]


def _root(error) -> str:
    while error.cause is not None:
        error = error.cause
    return error.message.strip().splitlines()[0]


def _source_of(path: Path) -> str | None:
    """The source a file's folders or name say (`sakip/<region code>/x.xlsx`, `rb_2024.csv`)."""
    for candidate in (*reversed(path.resolve().parent.parts), path.name.split("_")[0].lower()):
        if candidate in sources():
            return candidate
    return None


def _region_of(path: Path, given: str | None) -> str:
    """The region of a file: its folder's, which `--pemda-code` may only repeat."""
    folder = folder_region(PurePath(path.resolve()))
    if folder and given and folder != given:
        raise OperatorError(
            f"{path} is under the folder of region {folder}, but --pemda-code says {given}: "
            "a file belongs to the region its folder names"
        )
    if not (folder or given):
        raise OperatorError(
            f"{path}: cannot tell the region: put it under a folder named by its code "
            "(sakip/<region code>/) or pass --pemda-code"
        )
    return folder or given


def _working_masters(warehouse: Path):
    """The agency masters in force (the working file's); none when there is no warehouse yet."""
    from contracts.agencies import Masters
    from ingest import raw_store

    if not warehouse.exists():
        return Masters()
    with raw_store.RawStore(warehouse, read_only=True) as store:
        return store.masters()


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--index", type=click.Choice(sources()), help="The source, when the path does not say."
)
@click.option(
    "--pemda-code", type=RegionCode(), help="The region, when no folder of the path names it."
)
def validate(files: tuple[Path, ...], index: str | None, pemda_code: str | None) -> int:
    """Check FILES against their contracts without loading them.

    Against the served warehouse's agency masters and any master files named (checked first).
    Exits 0 when every file passes, 1 when one would be refused.
    """
    from contracts.agencies import agencies_from_frame
    from ingest.options import Options
    from ingest.pipeline import check_file

    named = []
    for path in files:
        if not path.is_file():
            raise OperatorError(f"{path}: no such file")
        source = index or _source_of(path)
        if source is None:
            raise OperatorError(
                f"{path}: cannot tell the source; pass --index ({', '.join(sources())})"
            )
        named.append((path, source, _region_of(path, pemda_code)))
    named.sort(key=lambda file: file[1] != "agencies")
    masters = _working_masters(settings_for().working)
    failed = False
    for path, source, region in named:
        frames, issues = check_file(source, path, Options(pemda_code=region), masters)
        errors = [i for i in issues if i.severity == ERROR]
        main_frame = next(iter(frames.values()), [])
        verdict = f"REFUSED ({len(errors)} errors)" if errors else f"ok ({len(main_frame)} rows)"
        print(f"{path} [{source}, {region}]: {verdict}")
        print_issues(issues)
        failed |= bool(errors)
        if source == "agencies" and not errors:
            masters = masters.replaced(region, agencies_from_frame(main_frame))
    return 1 if failed else 0


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Where the UI listens.")
@click.option("--port", type=int, default=3000, show_default=True)
def serve(host: str, port: int) -> int:
    """Dagster's daemon (the schedules, the sensor) and UI, as one service."""
    from orchestration.instance import prepared_home
    from orchestration.serve import serve as run_services

    home = prepared_home(settings_for())
    if home is None:
        raise OperatorError(
            "kinerja serve needs DAGSTER_HOME: the daemon and the webserver keep the schedules, "
            "the sensor's cursor and the run history there"
        )
    return run_services(home, host, port)


COMMANDS = [refresh, validate, serve]
