"""`kinerja`: the operator's commands.

kinerja refresh            run the refresh job (the same one the schedule runs)
kinerja validate FILE...   check files against their contracts without loading them
kinerja query "SQL"        a read-only query on the served warehouse;
                           --as-of 2026-12-03.1: on that release's marts as published
kinerja release            the open bulk release of the served release (Parquet, CSV, data
                           dictionary, datapackage.json, notes, checksums)
kinerja retire FILE        withdraw a source file that is gone: the next release leaves its rows out
kinerja rollback           serve the previous published warehouse again
kinerja backup             the working file and the served release, into warehouse/backups/<id>
kinerja restore ID         put a backup back and serve its release again
kinerja report --regency 32.16 --as-of 2025-12
                           the monthly review (HTML, PDF, CSV, XLSX) from the served marts;
                           --province 32: the province's regencies side by side
kinerja feedback --since 2026-11-01
                           send refused files back: annotated workbooks and letters (Indonesian)
kinerja template --regency 32.16 --source sakip --year 2025
                           a fill-in workbook that the common mistakes cannot be typed into
kinerja serve              Dagster's daemon and UI: the schedules and the sensor run while it runs

`kinerja refresh` exits 0 when it published (or had nothing new to publish) and refused no file,
1 when it published but refused files, 2 when it did not publish (a warehouse-wide check failed
or the run crashed).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import logging
import shutil
import sys
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

from contracts import reference
from contracts.failures import ERROR, Issue
from contracts.sources import spreadsheet_sources
from ingest.options import sources
from serving.engines import ENGINES

PUBLISHED, REFUSED_FILES, NOT_PUBLISHED = 0, 1, 2
USAGE = 2  # any other command that could not do what was asked
PER_FILE_LIMIT = 300  # past this many files the summary is per source, refused files still listed
DEFAULT_DEADLINE_DAYS = 14  # a correction letter asks for the corrected file within two weeks


def _settings(args: argparse.Namespace):
    """The settings (orchestration/settings.py), with the target the command line names."""
    from orchestration.settings import from_env

    settings = from_env()
    target = getattr(args, "target", None)
    return dataclasses.replace(settings, target=target) if target else settings


def _print_issues(issues: list[Issue], limit: int = 200) -> None:
    for issue in issues[:limit]:
        print(f"  {issue.describe()}")
    if len(issues) > limit:
        print(f"  ... and {len(issues) - limit} more")


def _instance(settings, verbose: bool):
    """The Dagster instance of the settings' DAGSTER_HOME (created with the project's settings if
    it is new), else an ephemeral one."""
    import dagster as dg

    from orchestration.settings import PROJECT_ROOT

    home = settings.dagster_home
    if home is None:
        return dg.DagsterInstance.ephemeral()
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
        if verbose:
            print(f"Created the Dagster instance {home}")
    return dg.DagsterInstance.from_config(str(home))


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


def refresh(args: argparse.Namespace) -> int:
    from orchestration.changes import run_tags, tonight
    from serving.engines import engine_for

    settings = _settings(args)
    engine = engine_for(settings)
    decided_at = time.time()
    news, received, reading = tonight(settings)
    if not news:
        return _nothing_new(settings, engine, len(received))
    from ingest import progress, raw_store
    from orchestration.automation import refresh_subset
    from orchestration.definitions import build_definitions

    instance = _instance(settings, args.verbose)
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
    if args.verbose:
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
        print(f"kinerja refresh: run {result.run_id} failed before it wrote anything.")
        print(f"Dagster's log: {log_file}")
        return NOT_PUBLISHED
    with raw_store.RawStore(written, read_only=True) as store:
        log = store.run_log(result.run_id)
        issues = store.run_issues(result.run_id)
    marts = engine.mart_sizes(result.run_id, published)
    warnings = engine.partition_warnings() if published else []
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
        _print_issues(issues)
        report = settings.quarantine_dir / f"{result.run_id}.csv"
        print(f"\nQuarantine report: {report} (and .json)")
    if warnings:
        print(f"\n{len(warnings)} regency partition(s) published with a warning:")
        for warning in warnings:
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


def _nothing_new(settings, engine, files: int) -> int:
    """Every file as last loaded or refused and no model changed: nothing to read, build or
    publish. The freshness of each source is still checked on the working file."""
    from contracts import reference
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
            print(f"{row.status:<10} {row.rows:>6}  {row.index_code}: {row.file}")
        return
    print(f"{'source':<10} {'loaded':>7} {'unchanged':>9} {'refused':>7} {'rows':>8}")
    for source, files in log.groupby("index_code", sort=False):
        n = files["status"].value_counts()
        print(
            f"{source:<10} {n.get('loaded', 0):>7} {n.get('unchanged', 0):>9} "
            f"{n.get('refused', 0):>7} {int(files['rows'].sum()):>8}"
        )
    for row in log[log["status"] == "refused"].itertuples():
        print(f"refused    {row.index_code}: {row.file}")


def _published(result) -> bool:
    return any(
        event.is_step_materialization and event.asset_key.path == ["published", "warehouse"]
        for event in result.all_events
    )


def _failures(result) -> list[str]:
    return [
        f"{event.step_key}: {event.step_failure_data.user_failure_data.description}"
        if event.step_failure_data.user_failure_data
        else f"{event.step_key}: {event.step_failure_data.error.message.strip().splitlines()[0]}"
        for event in result.all_events
        if event.is_step_failure
    ]


def _guess_source(path: Path) -> str | None:
    """The source a file's folders or name say (`sakip/<region code>/x.xlsx`, `rb_2024.csv`)."""
    for candidate in (*reversed(path.resolve().parent.parts), path.name.split("_")[0].lower()):
        if candidate in sources():
            return candidate
    return None


def _guess_region(path: Path, given: str | None) -> str | None:
    from ingest.options import is_region_code

    folders = [part for part in path.resolve().parent.parts if is_region_code(part)]
    return folders[-1] if folders else given


def _working_masters(warehouse: Path):
    """The agency masters in force (the working file's); none when there is no warehouse yet."""
    from contracts.agencies import Masters
    from ingest import raw_store

    if not warehouse.exists():
        return Masters()
    with raw_store.RawStore(warehouse, read_only=True) as store:
        return store.masters()


def validate(args: argparse.Namespace) -> int:
    """Master files named on the command line are checked first and, when good, checked
    against instead of the warehouse's master of their regency."""
    from contracts.agencies import agencies_from_frame
    from ingest.options import Options
    from ingest.pipeline import check_file

    masters = _working_masters(_settings(args).working)
    files = [(Path(name), args.index or _guess_source(Path(name))) for name in args.files]
    files.sort(key=lambda file: file[1] != "agencies")
    failed = False
    for path, source in files:
        region = _guess_region(path, args.pemda_code)
        problem = (
            "no such file"
            if not path.is_file()
            else f"cannot tell the source; pass --index ({', '.join(reference.indices())})"
            if source is None
            else "cannot tell the region: put it under a folder named by its code "
            "(sakip/<region code>/) or pass --pemda-code"
            if region is None
            else None
        )
        if problem:
            print(f"{path}: {problem}")
            failed = True
            continue
        frames, issues = check_file(source, path, Options(pemda_code=region), masters)
        errors = [i for i in issues if i.severity == ERROR]
        main_frame = next(iter(frames.values()), [])
        verdict = f"REFUSED ({len(errors)} errors)" if errors else f"ok ({len(main_frame)} rows)"
        print(f"{path} [{source}, {region}]: {verdict}")
        _print_issues(issues)
        failed |= bool(errors)
        if source == "agencies" and not errors:
            masters = masters.replaced(region, agencies_from_frame(main_frame))
    return 1 if failed else 0


def query(args: argparse.Namespace) -> int:
    from serving.engines import engine_for
    from serving.releases import Releases, as_of

    settings = _settings(args)
    if args.as_of:
        with as_of(Releases(settings.releases_dir), args.as_of) as con:
            frame = con.execute(args.sql).df()
    else:
        with engine_for(settings).reader() as read:
            frame = read(args.sql)
    print(frame.to_string(index=False, max_rows=args.max_rows))
    return 0


def _served_release(settings) -> str:
    """The id of the release being served (its row in the served publish log)."""
    from serving.engines import engine_for

    with engine_for(settings).reader() as read:
        served = read("select release_id from marts.publish_log order by published_at desc limit 1")
    release_id = served["release_id"].iloc[0] if len(served) else None
    if not isinstance(release_id, str):
        raise LookupError("the served marts carry no release id yet: run `kinerja refresh`")
    return release_id


def release(args: argparse.Namespace) -> int:
    from orchestration.settings import PROJECT_ROOT
    from serving.bulk_release import write_release
    from serving.releases import Releases

    settings = _settings(args)
    release_id = args.release or _served_release(settings)
    models = settings.files.models
    manifest = models if models.exists() else PROJECT_ROOT / "dbt_project/target/manifest.json"
    out = Path(args.out) if args.out else None
    folder = write_release(Releases(settings.releases_dir), release_id, manifest, out)
    print(f"Release {release_id}: {folder}")
    print("  datapackage.json, data-dictionary.csv, RELEASE_NOTES.md, SHA256SUMS, csv/, marts/")
    return 0


def retire(args: argparse.Namespace) -> int:
    from ingest.raw_store import RawStore
    from serving.generations import WAIT_FOR_REFRESH_SECONDS

    settings = _settings(args)
    file = args.file.replace("\\", "/").removeprefix("./")
    if (settings.sources_dir / file).exists():
        raise ValueError(
            f"{file} is still in the sources dir {settings.sources_dir}: move it out first, or "
            "the next refresh loads it again"
        )
    with (
        settings.files.writing_working(WAIT_FOR_REFRESH_SECONDS) as working,
        RawStore(working) as store,
    ):
        source, removed = store.retire(file, args.reason)
    print(
        f"Retired {file} ({source}): {removed} rows removed from the working file. The next "
        "refresh publishes a release without them (marts.source_status: retired; "
        "marts.score_revision: withdrawn)."
    )
    return 0


def backup(args: argparse.Namespace) -> int:
    from serving.backups import backup as take_backup
    from serving.generations import WAIT_FOR_REFRESH_SECONDS
    from serving.releases import Releases

    settings = _settings(args)
    release_id = _served_release(settings)
    folder = Path(args.out) if args.out else settings.backups_dir
    releases = Releases(settings.releases_dir)
    taken = take_backup(settings.files, releases, release_id, folder, WAIT_FOR_REFRESH_SECONDS)
    print(f"Backup of release {release_id}: {taken}")
    print(f"  restore it with: kinerja restore {release_id} --from {taken}")
    return 0


def restore(args: argparse.Namespace) -> int:
    from serving.backups import restore as put_back
    from serving.engines import engine_for
    from serving.generations import WAIT_FOR_REFRESH_SECONDS
    from serving.releases import Releases

    settings = _settings(args)
    source = Path(args.source) if args.source else settings.backups_dir / args.release
    if not source.is_dir():
        raise FileNotFoundError(f"no backup at {source}: name its folder with --from")
    releases = Releases(settings.releases_dir)
    # One hold of the writer lock: no refresh starts between the working file and the serving.
    with settings.files.writing_working(WAIT_FOR_REFRESH_SECONDS):
        marts = put_back(settings.files, releases, args.release, source)
        served = engine_for(settings).restore(args.release, marts)
    print(
        f"Restored the working file of release {args.release} from {source}; {served} (noted "
        "in marts.publish_log as a restore). The next refresh goes on from there."
    )
    return 0


def rollback(args: argparse.Namespace) -> int:
    from serving.engines import engine_for

    served = engine_for(_settings(args)).rollback()
    print(
        f"{served} (noted in marts.publish_log), until the next successful refresh serves the "
        "working file's marts again: before then, put a corrected file in place of the one that "
        "caused the rollback, or move it out and `kinerja retire` it (docs/operations.md). Run "
        "rollback again to undo."
    )
    return 0


def report(args: argparse.Namespace) -> int:
    """The reviews asked for; with neither --regency nor --province, every regency's and every
    province's."""
    from reports import monthly_review, province_review
    from reports.review_data import ReviewMonth

    settings = _settings(args)
    month = ReviewMonth.parse(args.as_of) if args.as_of else ReviewMonth.this_month()
    regency = (monthly_review.rendered_from_the_served_marts, monthly_review.render_review)
    province = (province_review.rendered_from_the_served_marts, province_review.render_province)
    chosen = [(regency, code) for code in args.regency or []]
    chosen += [(province, code) for code in args.province or []]
    if not chosen:
        chosen = [(regency, code) for code in monthly_review.regencies(settings)]
        chosen += [(province, code) for code in province_review.provinces(settings)]
    failed = False
    for (rendered_already, render), code in chosen:
        current = (
            None if args.force else rendered_already(settings, code, month, pdf=not args.no_pdf)
        )
        if current:
            print(f"{code} {month}: as rendered from the marts served now: {current.html}")
            continue
        try:
            files = render(settings, code, month, pdf=not args.no_pdf)
        except (LookupError, FileNotFoundError, RuntimeError) as error:
            print(f"{code} {month}: NOT rendered: {error}")
            failed = True
            continue
        made = [files.html, files.pdf, files.workbook, files.csv_dir]
        print(f"{code} {month}: " + ", ".join(str(path) for path in made if path))
    return 1 if failed else 0


def feedback(args: argparse.Namespace) -> int:
    """A correction pack per regency with files refused since --since (default: ever)."""
    from reports.feedback import write_packs

    settings = _settings(args)
    since = date.fromisoformat(args.since) if args.since else None
    deadline = (
        date.fromisoformat(args.deadline)
        if args.deadline
        else date.today() + timedelta(days=DEFAULT_DEADLINE_DAYS)
    )
    packs = write_packs(settings, since, args.regency, deadline, pdf=not args.no_pdf)
    if not packs:
        print("no refused file to send back" + (f" since {since}" if since else ""))
    for pack in packs:
        print(f"{pack.regency}: {len(pack.workbooks)} annotated file(s), letters:")
        for path in [*pack.workbooks, *pack.letters]:
            print(f"  {path}")
    return 0


def template(args: argparse.Namespace) -> int:
    from reports.fill_in import write_template
    from serving.engines import engine_for

    settings = _settings(args)
    with engine_for(settings).reader() as read:
        path = write_template(read, args.source, args.regency, args.year, settings.templates_dir)
    print(path)
    return 0


def serve(args: argparse.Namespace) -> int:
    from orchestration.serve import serve as run_services

    settings = _settings(args)
    _instance(settings, verbose=True)
    return run_services(settings.dagster_home, args.host, args.port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kinerja", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    engine = argparse.ArgumentParser(add_help=False)
    engine.add_argument(
        "--target",
        choices=list(ENGINES),
        help="where the marts are built and served (default KINERJA_TARGET, else duckdb)",
    )
    run = commands.add_parser(
        "refresh", parents=[engine], help="ingest every source into the warehouse"
    )
    run.add_argument("--verbose", action="store_true", help="Dagster's log on the terminal")
    run.set_defaults(run=refresh)
    check = commands.add_parser("validate", help="check files against their contracts")
    check.add_argument("files", nargs="+")
    check.add_argument("--index", choices=sources(), help="the source, when the path does not say")
    check.add_argument("--pemda-code", help="the region, when no folder of the path names it")
    check.set_defaults(run=validate)
    read = commands.add_parser(
        "query", parents=[engine], help="read-only SQL on the served warehouse"
    )
    read.add_argument("sql")
    read.add_argument("--max-rows", type=int, default=200)
    read.add_argument(
        "--as-of", metavar="RELEASE", help="a release id (2026-12-03.1): its marts as published"
    )
    read.set_defaults(run=query)
    bulk = commands.add_parser(
        "release", parents=[engine], help="write the open bulk release of the served release"
    )
    bulk.add_argument("--release", help="another kept release id (default: the served one)")
    bulk.add_argument("--out", help="write into OUT/<id> (default: warehouse/releases/<id>)")
    bulk.set_defaults(run=release)
    withdraw = commands.add_parser(
        "retire", parents=[engine], help="withdraw the rows of a source file that is gone"
    )
    withdraw.add_argument("file", help="as marts.source_status.source_file names it")
    withdraw.add_argument("--reason", required=True, help="why, for the log and release notes")
    withdraw.set_defaults(run=retire)
    commands.add_parser(
        "rollback", parents=[engine], help="serve the previous generation again"
    ).set_defaults(run=rollback)
    keep = commands.add_parser(
        "backup", parents=[engine], help="back up the working file and the served release"
    )
    keep.add_argument("--out", help="into OUT/<release id> (default: warehouse/backups)")
    keep.set_defaults(run=backup)
    recover = commands.add_parser(
        "restore", parents=[engine], help="put a backup back and serve its release again"
    )
    recover.add_argument("release", help="the release id of the backup, e.g. 2026-12-03.1")
    recover.add_argument(
        "--from", dest="source", help="the backup's folder (default: warehouse/backups/<id>)"
    )
    recover.set_defaults(run=restore)
    review = commands.add_parser("report", parents=[engine], help="render the monthly review")
    review.add_argument(
        "--regency", action="append", help="region code, e.g. 32.16 (repeat; default: every one)"
    )
    review.add_argument(
        "--province",
        action="append",
        help="province code, e.g. 32: its regencies side by side (repeat; default: every one)",
    )
    review.add_argument("--as-of", help="review month YYYY-MM (default: this month in Jakarta)")
    review.add_argument("--no-pdf", action="store_true", help="skip the PDF (needs Chromium)")
    review.add_argument(
        "--force",
        action="store_true",
        help="render again a review already rendered since the "
        "last publish (after a change to the review's template or code)",
    )
    review.set_defaults(run=report)
    packs = commands.add_parser(
        "feedback", help="send refused files back: annotated workbooks and letters, in Indonesian"
    )
    packs.add_argument("--since", help="files refused from this date, YYYY-MM-DD (default: ever)")
    packs.add_argument("--regency", help="region code, e.g. 32.16 (default: every one)")
    packs.add_argument(
        "--deadline",
        help=f"date the letters ask for the corrected files, YYYY-MM-DD (default: in "
        f"{DEFAULT_DEADLINE_DAYS} days)",
    )
    packs.add_argument("--no-pdf", action="store_true", help="letters as HTML only")
    packs.set_defaults(run=feedback)
    blank = commands.add_parser(
        "template",
        parents=[engine],
        help="a fill-in workbook of a source for a regency and year (drop-downs, checks)",
    )
    blank.add_argument("--regency", required=True, help="region code, e.g. 32.16")
    blank.add_argument("--source", required=True, choices=spreadsheet_sources())
    blank.add_argument("--year", required=True, type=int, help="the evaluation year")
    blank.set_defaults(run=template)
    services = commands.add_parser(
        "serve", help="Dagster's daemon (schedules, sensor) and UI, as one service"
    )
    services.add_argument("--host", default="127.0.0.1", help="where the UI listens")
    services.add_argument("--port", type=int, default=3000)
    services.set_defaults(run=serve)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except Exception as error:
        if not _an_operators_mistake(error):
            raise
        print(f"kinerja {args.command}: {error}", file=sys.stderr)
        return USAGE


def _an_operators_mistake(error: Exception) -> bool:
    """What an operator can put right from the message alone: a file or warehouse that is not
    there, a refresh already running, a wrong value or setting, a SQL or server error. Anything
    else is a bug and keeps its traceback."""
    from serving.generations import RefreshInProgress

    engine_errors = type(error).__module__.split(".")[0] in {"duckdb", "psycopg", "_duckdb"}
    return engine_errors or isinstance(error, (OSError, LookupError, ValueError, RefreshInProgress))


if __name__ == "__main__":
    sys.exit(main())
